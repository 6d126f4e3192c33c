"""Lead scoring a team can read: every point a lead has comes from a rule it can see and edit.

A team's model is an ordered list of rules plus Hot/Warm thresholds (admins edit them in
Settings). A rule is either

- a field condition on a standard or custom field (equals, one of, contains, number and date
  comparisons, "more than N days ago", is empty…), giving its points once when it holds; or
- a behaviour (form submitted, e-mail opened/clicked/replied, outreach replied, activity
  completed, status reached), giving its points per occurrence, optionally capped, and
  optionally fading: with decay N, an occurrence is worth its points on the day it happened
  and linearly less until nothing after N days.

`score_leads` turns rules and facts into a score and its explanation ("+20 budget ≥ 10,000;
+15 title contains Director; −10 no touch for 30 days"), which `LeadScore` keeps per lead.
The rating follows the thresholds unless a rep set it by hand (`Lead.rating_manual`); a lead
no rule says anything about stays unrated. A team that never edited its model gets the BANT
starter model (budget, authority, need, timeline).

Scores change when a lead is saved (`rescore_lead`, called by the lead service), when an
event about it is dispatched (handlers registered in events.EVENT_HANDLERS), when an outreach
gets a reply or an activity is completed (recorded as events by mapper hooks below), and in
the background for the whole team when the rules change (`ScoringJob`, with progress) or
time passes (a daily sweep for models with decay or day-based rules).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, inspect, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy import event as sa_event
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, func, select

from leadhub.services import custom_fields, team_signal
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import ValidationFailed
from leadhub.services.models import (
    Activity,
    ActivityStatus,
    DomainEvent,
    Lead,
    LeadStatus,
    LeadStatusHistory,
    Outreach,
    OutreachType,
    Rating,
    ResponseStatus,
    Role,
    utcnow,
)

log = logging.getLogger(__name__)

# --- Vocabulary -----------------------------------------------------------------------------

FIELD_RULE = "field"
BEHAVIOUR_RULE = "behaviour"

# Standard fields a rule may test: name -> (label, type). Rating and score are not here: a
# score cannot depend on itself.
STANDARD_FIELDS: dict[str, tuple[str, str]] = {
    "first_name": ("First name", "text"), "last_name": ("Last name", "text"),
    "company": ("Company", "text"), "title": ("Title", "text"),
    "lead_source": ("Lead source", "text"), "industry": ("Industry", "text"),
    "email": ("E-mail", "text"), "phone": ("Phone", "text"), "mobile": ("Mobile", "text"),
    "website": ("Website", "text"), "city": ("City", "text"), "state": ("State", "text"),
    "country": ("Country", "text"), "status": ("Status", "text"), "need": ("Need", "text"),
    "interest": ("Interest", "text"), "description": ("Description", "text"),
    "budget": ("Budget", "number"), "created_at": ("Created", "date"),
    "last_contacted_at": ("Last contacted", "date"),
}
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "text": ("equals", "not_equals", "one_of", "contains", "not_contains", "is_empty", "not_empty"),
    "number": ("equals", "gt", "gte", "lt", "lte", "is_empty", "not_empty"),
    "date": ("older_than_days", "within_days", "before", "after", "is_empty", "not_empty"),
    "checkbox": ("is_true", "is_false"),
}
OPERATOR_LABELS = {
    "equals": "is", "not_equals": "is not", "one_of": "is one of", "contains": "contains",
    "not_contains": "does not contain", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤",
    "older_than_days": "more than N days ago", "within_days": "in the last N days",
    "before": "before", "after": "after", "is_empty": "is empty", "not_empty": "is filled in",
    "is_true": "is checked", "is_false": "is not checked",
}
NO_VALUE_OPERATORS = {"is_empty", "not_empty", "is_true", "is_false"}

FORM_SUBMITTED_EVENT = "FormSubmitted"
EMAIL_OPENED_EVENT = "EmailOpened"
EMAIL_CLICKED_EVENT = "EmailClicked"
OUTREACH_REPLIED_EVENT = "OutreachReplied"
ACTIVITY_COMPLETED_EVENT = "ActivityCompleted"
SCORE_CHANGED_EVENT = "LeadScoreChanged"

BEHAVIOURS: dict[str, str] = {
    "form_submitted": "form submitted",
    "email_opened": "e-mail opened",
    "email_clicked": "e-mail link clicked",
    "email_replied": "e-mail replied",
    "outreach_replied": "outreach replied",
    "activity_completed": "activity completed",
    "status_reached": "status reached",
}
RESPONDED = (ResponseStatus.REPLIED.value, ResponseStatus.POSITIVE.value,
             ResponseStatus.NEGATIVE.value)

DEFAULT_HOT = 50
DEFAULT_WARM = 25
MAX_RULES = 100
MAX_POINTS = 1000
BATCH_SIZE = 500


# --- Tables ---------------------------------------------------------------------------------

class ScoringModel(SQLModel, table=True):
    """A team's thresholds and the version of its rules (bumped on every rule change)."""

    __tablename__ = "scoring_model"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False, unique=True))
    hot_threshold: int = Field(default=DEFAULT_HOT)
    warm_threshold: int = Field(default=DEFAULT_WARM)
    version: int = Field(default=1)
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)


class ScoringRule(SQLModel, table=True):
    __tablename__ = "scoring_rule"
    __table_args__ = (Index("ix_scoring_rule_team_position", "team_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    position: int = Field(default=0)
    kind: str = Field(default=FIELD_RULE, max_length=12)
    field: str = Field(default="", max_length=60, description="standard field or cf.<key>")
    operator: str = Field(default="", max_length=20)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    behaviour: str = Field(default="", max_length=30)
    points: int = Field(default=0)
    cap: int | None = Field(default=None, description="most points (in absolute value) the rule gives")
    decay_days: int | None = Field(default=None, description="occurrences fade to nothing over N days")
    label: str = Field(default="", max_length=120, description="own wording for the explanation")
    enabled: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class LeadScore(SQLModel, table=True):
    """The last scoring of a lead: its points line by line, so the lead page can explain it."""

    __tablename__ = "lead_score"
    __table_args__ = (Index("ix_lead_score_team_scored", "team_id", "scored_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    lead_id: int = Field(sa_column=Column(Integer, ForeignKey("lead.id", ondelete="CASCADE"),
                                          nullable=False, unique=True))
    score: int = Field(default=0)
    auto_rating: str = Field(default="", max_length=8)
    contributions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    model_version: int = Field(default=0)
    scored_at: datetime = Field(default_factory=utcnow)


class ScoringJob(SQLModel, table=True):
    """A background re-scoring of a whole team, with its progress for the Settings page."""

    __tablename__ = "scoring_job"
    __table_args__ = (Index("ix_scoring_job_team_created", "team_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    status: str = Field(default="queued", max_length=12)   # queued | running | done | failed
    total: int = Field(default=0)
    done: int = Field(default=0)
    changed: int = Field(default=0)
    error: str = Field(default="", max_length=2000)
    requested_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None


# --- Rules as plain values ------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    id: int | None
    kind: str
    points: int
    field: str = ""
    operator: str = ""
    value: Any = None
    behaviour: str = ""
    cap: int | None = None
    decay_days: int | None = None
    label: str = ""
    enabled: bool = True
    position: int = 0


@dataclass(frozen=True)
class Model:
    rules: tuple[Rule, ...]
    hot: int = DEFAULT_HOT
    warm: int = DEFAULT_WARM
    version: int = 0

    @property
    def time_dependent(self) -> bool:
        """Whether scores change by themselves as days pass (decay or day-based rules)."""
        return any(r.enabled and (r.decay_days or r.operator in ("older_than_days", "within_days"))
                   for r in self.rules)


def _rule(row: ScoringRule) -> Rule:
    return Rule(id=row.id, kind=row.kind, points=row.points, field=row.field, operator=row.operator,
                value=row.value, behaviour=row.behaviour, cap=row.cap, decay_days=row.decay_days,
                label=row.label, enabled=row.enabled, position=row.position)


AUTHORITY_WORDS = ["Director", "Head", "VP", "Vice President", "Chief", "CEO", "CTO", "CFO",
                   "Owner", "Founder", "Director", "Gerente", "Jefe"]


def bant_starter_rules() -> list[Rule]:
    """BANT: Budget, Authority (title), Need, Timeline (interest), plus engagement and a
    penalty for leads nobody has touched in a month."""
    authority = list(dict.fromkeys(AUTHORITY_WORDS))
    return [
        Rule(None, FIELD_RULE, 20, field="budget", operator="gte", value=10000),
        Rule(None, FIELD_RULE, 10, field="budget", operator="gte", value=1000),
        Rule(None, FIELD_RULE, 15, field="title", operator="contains", value=authority),
        Rule(None, FIELD_RULE, 15, field="need", operator="equals", value="Urgent"),
        Rule(None, FIELD_RULE, 8, field="need", operator="equals", value="Moderate"),
        Rule(None, FIELD_RULE, 10, field="interest", operator="equals", value="High"),
        Rule(None, FIELD_RULE, 5, field="interest", operator="equals", value="Medium"),
        Rule(None, BEHAVIOUR_RULE, 10, behaviour="outreach_replied", cap=20, decay_days=90),
        Rule(None, BEHAVIOUR_RULE, 10, behaviour="form_submitted", cap=20, decay_days=90),
        Rule(None, BEHAVIOUR_RULE, 2, behaviour="email_opened", cap=10, decay_days=30),
        Rule(None, BEHAVIOUR_RULE, 3, behaviour="email_clicked", cap=12, decay_days=30),
        Rule(None, FIELD_RULE, -10, field="last_contacted_at", operator="older_than_days", value=30),
    ]


# --- Reading and editing the model ----------------------------------------------------------

def _model_row(session: Session, team_id: int, *, create: bool) -> ScoringModel | None:
    row = session.exec(select(ScoringModel).where(ScoringModel.team_id == team_id)).first()
    if row is not None or not create:
        return row
    # Two first saves at once must not both install the starter model: the insert that
    # wins the unique team_id adds the rules, the other one reads what it made.
    dialect = session.get_bind().dialect.name
    table = ScoringModel.__table__
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(
        team_id=team_id, hot_threshold=DEFAULT_HOT, warm_threshold=DEFAULT_WARM, version=1,
        updated_at=utcnow()).on_conflict_do_nothing(index_elements=[table.c.team_id]) \
        .returning(table.c.id)
    if session.execute(statement).first() is not None:
        for position, rule in enumerate(bant_starter_rules(), start=1):
            session.add(_row_from(team_id, rule, position))
        session.flush()
    return session.exec(select(ScoringModel).where(ScoringModel.team_id == team_id)).one()


def _row_from(team_id: int, rule: Rule, position: int) -> ScoringRule:
    return ScoringRule(team_id=team_id, position=position, kind=rule.kind, field=rule.field,
                       operator=rule.operator, value=rule.value, behaviour=rule.behaviour,
                       points=rule.points, cap=rule.cap, decay_days=rule.decay_days,
                       label=rule.label, enabled=rule.enabled)


def load_model(*, session: Session, team_id: int) -> Model:
    """The team's model; the BANT starter model is stored the first time it is needed."""
    row = _model_row(session, team_id, create=True)
    rules = session.exec(select(ScoringRule).where(ScoringRule.team_id == team_id)
                         .order_by(ScoringRule.position, ScoringRule.id)).all()
    return Model(rules=tuple(_rule(r) for r in rules), hot=row.hot_threshold,
                 warm=row.warm_threshold, version=row.version)


def get_model(*, session: Session, ctx: TeamContext) -> Model:
    """What Settings shows; every member may read the rules, admins change them."""
    return load_model(session=session, team_id=ctx.team_id)


def _bump(session: Session, ctx: TeamContext) -> ScoringModel:
    row = _model_row(session, ctx.team_id, create=True)
    row.version += 1
    row.updated_by, row.updated_at = ctx.user_id, utcnow()
    session.add(row)
    return row


def _int(raw: Any, name: str, errors: dict[str, str], *, low: int, high: int,
         optional: bool = False) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if optional:
            return None
        errors[name] = "Enter a whole number."
        return None
    try:
        value = int(str(raw).strip().replace("−", "-").lstrip("+"))
    except ValueError:
        errors[name] = "Enter a whole number."
        return None
    if not low <= value <= high:
        errors[name] = f"Use a number from {low} to {high}."
        return None
    return value


def field_type(name: str, schema: custom_fields.LeadSchema) -> str | None:
    """The value type a rule on `name` compares ("text", "number", "date", "checkbox")."""
    if name in STANDARD_FIELDS:
        return STANDARD_FIELDS[name][1]
    spec = schema.field_for_column(name)
    if spec is None:
        return None
    return {"number": "number", "date": "date", "checkbox": "checkbox"}.get(spec.type, "text")


def _clean_value(kind: str, operator: str, raw: Any, errors: dict[str, str]) -> Any:
    if operator in NO_VALUE_OPERATORS:
        return None
    if isinstance(raw, str):
        raw = raw.strip()
    if raw in (None, "", []):
        errors["value"] = "Enter the value to compare with."
        return None
    if operator in ("one_of", "contains", "not_contains"):
        items = raw if isinstance(raw, list) else str(raw).replace("\n", ",").split(",")
        words = [str(i).strip() for i in items if str(i).strip()]
        if not words:
            errors["value"] = "Enter the value to compare with."
        return words
    if operator in ("older_than_days", "within_days"):
        return _int(raw, "value", errors, low=0, high=3650)
    if kind == "number":
        try:
            return custom_fields._parse_number(raw)
        except ValueError as exc:
            errors["value"] = str(exc)
            return None
    if kind == "date":
        try:
            return custom_fields._parse_date(raw)
        except ValueError as exc:
            errors["value"] = str(exc)
            return None
    return str(raw)[:200]


def clean_rule(session: Session, ctx: TeamContext, data: dict[str, Any]) -> Rule:
    """Check a rule as typed in Settings; every problem is reported at its field."""
    errors: dict[str, str] = {}
    kind = str(data.get("kind") or FIELD_RULE)
    points = _int(data.get("points"), "points", errors, low=-MAX_POINTS, high=MAX_POINTS)
    cap = _int(data.get("cap"), "cap", errors, low=1, high=MAX_POINTS * 10, optional=True)
    decay = _int(data.get("decay_days"), "decay_days", errors, low=1, high=3650, optional=True)
    label = " ".join(str(data.get("label") or "").split())
    if len(label) > 120:
        errors["label"] = "Use at most 120 characters."
    enabled = data.get("enabled", True) not in (False, "false", "off", "0", 0)
    if kind == FIELD_RULE:
        schema = custom_fields.lead_schema(session=session, ctx=ctx)
        name = str(data.get("field") or "")
        value_type = field_type(name, schema)
        operator = str(data.get("operator") or "")
        value = None
        if value_type is None:
            errors["field"] = "Choose a field."
        elif operator not in OPERATORS_BY_TYPE[value_type]:
            errors["operator"] = "Choose a comparison that fits this field."
        else:
            value = _clean_value(value_type, operator, data.get("value"), errors)
        if decay is not None:
            errors["decay_days"] = "Only behaviour rules fade over time."
        if cap is not None:
            errors["cap"] = "A field rule counts once; caps are for behaviour rules."
        if errors:
            raise ValidationFailed(field_errors=errors)
        return Rule(None, FIELD_RULE, points, field=name, operator=operator, value=value,
                    label=label, enabled=enabled)
    if kind != BEHAVIOUR_RULE:
        raise ValidationFailed(field_errors={"kind": "Choose a field rule or a behaviour rule."})
    behaviour = str(data.get("behaviour") or "")
    value = None
    if behaviour not in BEHAVIOURS:
        errors["behaviour"] = "Choose a behaviour."
    elif behaviour == "status_reached":
        value = str(data.get("value") or "").strip()
        if value not in [s.value for s in LeadStatus]:
            errors["value"] = "Choose the status."
    elif behaviour == "activity_completed" and str(data.get("value") or "").strip():
        value = str(data.get("value")).strip().lower()
    if errors:
        raise ValidationFailed(field_errors=errors)
    return Rule(None, BEHAVIOUR_RULE, points, behaviour=behaviour, value=value, cap=cap,
                decay_days=decay, label=label, enabled=enabled)


def _team_rule(session: Session, ctx: TeamContext, rule_id: int) -> ScoringRule:
    return get_in_team(session, ScoringRule, ctx, int(rule_id),
                       "This rule does not exist or belongs to another team.")


def add_rule(*, session: Session, ctx: TeamContext, data: dict[str, Any]) -> Rule:
    """A new rule at the end of the list; the team is re-scored in the background."""
    ctx.require(Role.ADMIN)
    rule = clean_rule(session, ctx, data)
    _model_row(session, ctx.team_id, create=True)
    count = session.exec(select(func.count()).select_from(ScoringRule)
                         .where(ScoringRule.team_id == ctx.team_id)).one()
    if count >= MAX_RULES:
        raise ValidationFailed(f"A scoring model can have at most {MAX_RULES} rules.")
    top = session.exec(select(func.max(ScoringRule.position))
                       .where(ScoringRule.team_id == ctx.team_id)).one() or 0
    row = _row_from(ctx.team_id, rule, top + 1)
    session.add(row)
    _bump(session, ctx)
    session.flush()
    return _rule(row)


def update_rule(*, session: Session, ctx: TeamContext, rule_id: int, data: dict[str, Any]) -> Rule:
    ctx.require(Role.ADMIN)
    row = _team_rule(session, ctx, rule_id)
    rule = clean_rule(session, ctx, data)
    for name in ("kind", "field", "operator", "value", "behaviour", "points", "cap", "decay_days",
                 "label", "enabled"):
        setattr(row, name, getattr(rule, name))
    row.updated_at = utcnow()
    session.add(row)
    _bump(session, ctx)
    session.flush()
    return _rule(row)


def set_rule_enabled(*, session: Session, ctx: TeamContext, rule_id: int, enabled: bool) -> Rule:
    ctx.require(Role.ADMIN)
    row = _team_rule(session, ctx, rule_id)
    row.enabled, row.updated_at = bool(enabled), utcnow()
    session.add(row)
    _bump(session, ctx)
    session.flush()
    return _rule(row)


def delete_rule(*, session: Session, ctx: TeamContext, rule_id: int) -> None:
    ctx.require(Role.ADMIN)
    session.delete(_team_rule(session, ctx, rule_id))
    _bump(session, ctx)
    session.flush()


def set_thresholds(*, session: Session, ctx: TeamContext, hot: Any, warm: Any) -> Model:
    """Scores at or above `hot` are Hot, at or above `warm` Warm, the rest Cold."""
    ctx.require(Role.ADMIN)
    errors: dict[str, str] = {}
    hot_value = _int(hot, "hot", errors, low=-MAX_POINTS, high=MAX_POINTS * 10)
    warm_value = _int(warm, "warm", errors, low=-MAX_POINTS, high=MAX_POINTS * 10)
    if not errors and warm_value >= hot_value:
        errors["warm"] = "Warm must start below Hot."
    if errors:
        raise ValidationFailed(field_errors=errors)
    row = _bump(session, ctx)
    row.hot_threshold, row.warm_threshold = hot_value, warm_value
    session.flush()
    return load_model(session=session, team_id=ctx.team_id)


def reset_to_starter(*, session: Session, ctx: TeamContext) -> Model:
    """Replace the rules with the BANT starter model (thresholds too)."""
    ctx.require(Role.ADMIN)
    for row in session.exec(select(ScoringRule).where(ScoringRule.team_id == ctx.team_id)).all():
        session.delete(row)
    row = _bump(session, ctx)
    row.hot_threshold, row.warm_threshold = DEFAULT_HOT, DEFAULT_WARM
    for position, rule in enumerate(bant_starter_rules(), start=1):
        session.add(_row_from(ctx.team_id, rule, position))
    session.flush()
    return load_model(session=session, team_id=ctx.team_id)


# --- Scoring --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Contribution:
    """One line of an explanation: `points` from one rule (plain data, stored as JSON)."""

    points: int
    rule_id: int | None
    kind: str
    field: str = ""
    operator: str = ""
    value: Any = None
    behaviour: str = ""
    count: int = 0
    fading: bool = False
    label: str = ""

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", 0, False)
                or k == "points"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Contribution:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class ScoreResult:
    score: int
    contributions: tuple[Contribution, ...]
    auto_rating: str


def rating_for(model: Model, score: int, contributions: Iterable[Contribution]) -> str:
    """Hot/Warm/Cold by the thresholds; unrated when no rule said anything about the lead."""
    if not any(c.points for c in contributions):
        return ""
    if score >= model.hot:
        return Rating.HOT.value
    if score >= model.warm:
        return Rating.WARM.value
    return Rating.COLD.value


def _as_aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _to_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _as_aware(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    try:
        return _to_datetime(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return None


def _to_number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    try:
        return float(custom_fields._parse_number(value))
    except ValueError:
        return None


def _lead_value(lead: Lead, name: str) -> Any:
    if name.startswith("cf."):
        return (lead.custom_fields or {}).get(name[3:])
    if name == "last_contacted_at":
        # never contacted: the clock of "no touch" starts when the lead was created
        return lead.last_contacted_at or lead.created_at
    return getattr(lead, name, None)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def evaluate_condition(rule: Rule, value: Any, value_type: str, now: datetime) -> tuple[bool, Any]:
    """Whether a field rule holds for `value`; also what matched (for the explanation)."""
    op, expected = rule.operator, rule.value
    if op == "is_empty":
        return _blank(value) or value is False, None
    if op == "not_empty":
        return not (_blank(value) or value is False), None
    if op == "is_true":
        return value is True, None
    if op == "is_false":
        return value is not True, None
    if _blank(value):
        return False, None
    if value_type == "number":
        number, target = _to_number(value), _to_number(expected)
        if number is None or target is None:
            return False, None
        return {"equals": number == target, "gt": number > target, "gte": number >= target,
                "lt": number < target, "lte": number <= target}.get(op, False), None
    if value_type == "date":
        moment = _to_datetime(value)
        if moment is None:
            return False, None
        if op in ("older_than_days", "within_days"):
            age = now - moment
            limit = timedelta(days=int(expected or 0))
            return (age > limit) if op == "older_than_days" else (age <= limit), None
        target = _to_datetime(expected)
        if target is None:
            return False, None
        return (moment.date() < target.date()) if op == "before" else (moment.date() > target.date()), None
    text = str(value).strip().lower()
    words = expected if isinstance(expected, list) else [expected]
    words = [str(w).strip() for w in words if str(w).strip()]
    if op == "equals":
        return text == str(expected).strip().lower(), None
    if op == "not_equals":
        return text != str(expected).strip().lower(), None
    if op == "one_of":
        hit = next((w for w in words if w.lower() == text), None)
        return hit is not None, hit
    if op == "contains":
        hit = next((w for w in words if w.lower() in text), None)
        return hit is not None, hit
    if op == "not_contains":
        return not any(w.lower() in text for w in words), None
    return False, None


def _behaviour_points(rule: Rule, moments: list[datetime], now: datetime) -> tuple[int, int, bool]:
    """(points, occurrences counted, whether any fading applied) for one behaviour rule."""
    if rule.behaviour == "status_reached" and moments:
        moments = [max(moments)]  # reaching a status counts once, from the latest time
    total, counted, fading = 0.0, 0, False
    for moment in moments:
        if rule.decay_days:
            age_days = max(0.0, (now - _as_aware(moment)).total_seconds() / 86400)
            weight = max(0.0, 1.0 - age_days / rule.decay_days)
            if weight <= 0:
                continue
            fading = fading or weight < 1.0
        else:
            weight = 1.0
        total += rule.points * weight
        counted += 1
    points = int(round(total))
    if rule.cap is not None and abs(points) > rule.cap:
        points = rule.cap if points > 0 else -rule.cap
    return points, counted, fading


def score_lead(model: Model, lead: Lead, behaviour: dict[tuple[str, Any], list[datetime]],
               schema: custom_fields.LeadSchema, now: datetime) -> ScoreResult:
    """A lead's score from the model and the facts (behaviour occurrences by rule key)."""
    contributions: list[Contribution] = []
    for rule in model.rules:
        if not rule.enabled:
            continue
        if rule.kind == FIELD_RULE:
            value_type = field_type(rule.field, schema)
            if value_type is None:
                continue  # a custom field that was removed
            holds, matched = evaluate_condition(rule, _lead_value(lead, rule.field), value_type, now)
            if holds and rule.points:
                shown = matched if matched is not None else rule.value
                contributions.append(Contribution(
                    points=rule.points, rule_id=rule.id, kind=FIELD_RULE, field=rule.field,
                    operator=rule.operator, value=shown, label=rule.label))
        else:
            moments = behaviour.get((rule.behaviour, rule.value), [])
            points, counted, fading = _behaviour_points(rule, moments, now)
            if points:
                contributions.append(Contribution(
                    points=points, rule_id=rule.id, kind=BEHAVIOUR_RULE, behaviour=rule.behaviour,
                    value=rule.value, count=counted, fading=fading, label=rule.label))
    score = sum(c.points for c in contributions)
    return ScoreResult(score=score, contributions=tuple(contributions),
                       auto_rating=rating_for(model, score, contributions))


def behaviour_facts(session: Session, team_id: int, lead_ids: list[int],
                    model: Model) -> dict[int, dict[tuple[str, Any], list[datetime]]]:
    """When each behaviour the model asks about happened, per lead: one query per behaviour."""
    facts: dict[int, dict[tuple[str, Any], list[datetime]]] = defaultdict(lambda: defaultdict(list))
    if not lead_ids:
        return facts
    wanted = {(r.behaviour, r.value) for r in model.rules if r.enabled and r.kind == BEHAVIOUR_RULE}
    event_names = {"form_submitted": FORM_SUBMITTED_EVENT, "email_opened": EMAIL_OPENED_EVENT,
                   "email_clicked": EMAIL_CLICKED_EVENT}
    for behaviour, value in wanted:
        if behaviour in event_names:
            statement = select(DomainEvent.lead_id, DomainEvent.occurred_at).where(
                DomainEvent.team_id == team_id, DomainEvent.lead_id.in_(lead_ids),
                DomainEvent.name == event_names[behaviour])
        elif behaviour in ("outreach_replied", "email_replied"):
            statement = select(Outreach.lead_id,
                               func.coalesce(Outreach.responded_at, Outreach.occurred_at)).where(
                Outreach.team_id == team_id, Outreach.lead_id.in_(lead_ids),
                Outreach.response_status.in_(RESPONDED))
            if behaviour == "email_replied":
                statement = statement.where(Outreach.type == int(OutreachType.EMAIL))
        elif behaviour == "activity_completed":
            statement = select(Activity.lead_id,
                               func.coalesce(Activity.completed_at, Activity.created_at)).where(
                Activity.team_id == team_id, Activity.lead_id.in_(lead_ids),
                Activity.status == ActivityStatus.COMPLETED.value)
            if value:
                statement = statement.where(Activity.type == value)
        elif behaviour == "status_reached":
            statement = select(LeadStatusHistory.lead_id, LeadStatusHistory.changed_at).where(
                LeadStatusHistory.team_id == team_id, LeadStatusHistory.lead_id.in_(lead_ids),
                LeadStatusHistory.to_status == value)
        else:
            continue
        for lead_id, moment in session.exec(statement).all():
            if moment is not None:
                facts[lead_id][(behaviour, value)].append(_as_aware(moment))
    return facts


def _apply(session: Session, lead: Lead, result: ScoreResult, model: Model, now: datetime,
           stored: LeadScore | None) -> bool:
    """Write a result onto the lead and its LeadScore row; True when score or rating changed."""
    before_score, before_rating = lead.score, lead.rating
    lead.score = result.score
    if not lead.rating_manual:
        lead.rating = result.auto_rating
    row = stored or LeadScore(team_id=lead.team_id, lead_id=lead.id)
    row.score, row.auto_rating = result.score, result.auto_rating
    row.contributions = [c.as_json() for c in result.contributions]
    row.model_version, row.scored_at = model.version, now
    session.add(row)
    session.add(lead)
    return (before_score, before_rating) != (lead.score, lead.rating)


def _record_change(session: Session, lead: Lead, before: tuple[int, str], model: Model) -> None:
    """A LeadScoreChanged event, so workflows can act when a score crosses a line."""
    from leadhub.services import events
    ctx = TeamContext(lead.team_id, None, Role.ADMIN.value)  # type: ignore[arg-type]
    events.record(session=session, ctx=ctx, name=SCORE_CHANGED_EVENT, lead_id=lead.id, payload={
        "lead_id": lead.id, "from": before[0], "to": lead.score,
        "rating_from": before[1], "rating_to": lead.rating,
        "hot": model.hot, "warm": model.warm})


def rescore_lead(*, session: Session, ctx: TeamContext, lead: Lead,
                 changes: dict[str, Any] | None = None, now: datetime | None = None) -> ScoreResult:
    """Score one lead in the caller's transaction (the lead service calls this on save).

    `changes` are the fields just saved: a rating among them that differs from what the
    score gives is a rep's own judgement and sticks (`rating_manual`) until they clear it."""
    now = now or utcnow()
    if lead.id is None:
        session.add(lead)
        session.flush()
    stored = session.exec(select(LeadScore).where(LeadScore.lead_id == lead.id)).first()
    model = load_model(session=session, team_id=lead.team_id)
    schema = custom_fields.lead_schema(session=session, ctx=ctx)
    facts = behaviour_facts(session, lead.team_id, [lead.id], model)
    result = score_lead(model, lead, facts.get(lead.id, {}), schema, now)
    automatic = stored is not None and not lead.rating_manual
    before = (lead.score, stored.auto_rating if automatic else lead.rating)
    if changes is not None and "rating" in changes:
        # A form sends back the rating it showed: only a different one is the rep's
        # decision. An automatic rating was the stored auto_rating; a lead never scored
        # before (new, or older than scoring) had none, and a manual one stays a decision.
        chosen = changes.get("rating") or ""
        previous = stored.auto_rating if automatic else None
        if chosen != previous:
            lead.rating_manual = bool(chosen) and chosen != result.auto_rating
    _apply(session, lead, result, model, now, stored)
    if stored is not None and before != (lead.score, lead.rating):
        _record_change(session, lead, before, model)
    from leadhub.services import predictive
    predictive.refresh_lead(session, lead)
    session.flush()
    return result


def rescore_lead_by_id(session: Session, team_id: int, lead_id: int,
                       now: datetime | None = None) -> ScoreResult | None:
    """Re-score a lead from a handler or task (no caller; the team's own view of it)."""
    lead = session.exec(select(Lead).where(Lead.team_id == team_id, Lead.id == lead_id)).first()
    if lead is None or lead.status == LeadStatus.CONVERTED.value:
        return None
    ctx = TeamContext(team_id, None, Role.ADMIN.value)  # type: ignore[arg-type]
    return rescore_lead(session=session, ctx=ctx, lead=lead, now=now)


def rescore_batch(session: Session, team_id: int, leads: list[Lead], model: Model,
                  schema: custom_fields.LeadSchema, now: datetime) -> int:
    """Score many leads of one team with one query per behaviour; returns how many changed."""
    ids = [lead.id for lead in leads]
    facts = behaviour_facts(session, team_id, ids, model)
    stored = {row.lead_id: row for row in session.exec(
        select(LeadScore).where(LeadScore.lead_id.in_(ids))).all()}
    changed = 0
    for lead in leads:
        before = (lead.score, lead.rating)
        result = score_lead(model, lead, facts.get(lead.id, {}), schema, now)
        if _apply(session, lead, result, model, now, stored.get(lead.id)):
            changed += 1
            _record_change(session, lead, before, model)
    return changed


@dataclass(frozen=True)
class Explanation:
    score: int
    rating: str
    rating_manual: bool
    auto_rating: str
    lines: tuple[Contribution, ...]
    scored_at: datetime | None
    hot: int
    warm: int
    schema: custom_fields.LeadSchema | None = None

    def text(self, lang: str = "en") -> str:
        return explanation_text(self.lines, lang, self.schema)

    def described(self, lang: str = "en") -> list[tuple[str, str]]:
        """(signed points, words) per line, for the lead page."""
        return [(signed(c.points), describe(c, lang, self.schema)) for c in self.lines]


def explain(*, session: Session, ctx: TeamContext, lead_id: int) -> Explanation:
    """Why a lead has its score: the stored lines of its last scoring (scored now if never)."""
    lead = get_in_team(session, Lead, ctx, lead_id, "This lead does not exist or belongs to another team.")
    stored = session.exec(select(LeadScore).where(LeadScore.lead_id == lead.id)).first()
    model = load_model(session=session, team_id=ctx.team_id)
    schema = custom_fields.lead_schema(session=session, ctx=ctx)
    if stored is None:
        facts = behaviour_facts(session, ctx.team_id, [lead.id], model)
        result = score_lead(model, lead, facts.get(lead.id, {}), schema, utcnow())
        return Explanation(lead.score, lead.rating, lead.rating_manual, result.auto_rating,
                           result.contributions, None, model.hot, model.warm, schema)
    lines = tuple(Contribution.from_json(c) for c in stored.contributions or [])
    return Explanation(lead.score, lead.rating, lead.rating_manual, stored.auto_rating, lines,
                       stored.scored_at, model.hot, model.warm, schema)


def clear_manual_rating(*, session: Session, ctx: TeamContext, lead_id: int) -> Lead:
    """Let the score decide the rating again."""
    lead = get_in_team(session, Lead, ctx, lead_id, "This lead does not exist or belongs to another team.")
    lead.rating_manual = False
    rescore_lead(session=session, ctx=ctx, lead=lead)
    team_signal.lead_changed(session=session, lead=lead)
    return lead


# --- Explanations in words ------------------------------------------------------------------

_PHRASES = {
    "en": {
        "equals": "{field} is {value}", "not_equals": "{field} is not {value}",
        "one_of": "{field} is {value}", "contains": "{field} contains {value}",
        "not_contains": "{field} does not contain {value}", "gt": "{field} > {value}",
        "gte": "{field} ≥ {value}", "lt": "{field} < {value}", "lte": "{field} ≤ {value}",
        "before": "{field} before {value}", "after": "{field} after {value}",
        "older_than_days": "{field} more than {value} days ago",
        "within_days": "{field} in the last {value} days",
        "is_empty": "{field} is empty", "not_empty": "{field} is filled in",
        "is_true": "{field} is checked", "is_false": "{field} is not checked",
        "no_touch": "no touch for {value} days", "touched": "touched in the last {value} days",
        "or": " or ", "times": "×{count}", "fading": "fading",
        "status_reached": "reached {value}",
    },
    "es": {
        "equals": "{field} es {value}", "not_equals": "{field} no es {value}",
        "one_of": "{field} es {value}", "contains": "{field} contiene {value}",
        "not_contains": "{field} no contiene {value}", "gt": "{field} > {value}",
        "gte": "{field} ≥ {value}", "lt": "{field} < {value}", "lte": "{field} ≤ {value}",
        "before": "{field} antes del {value}", "after": "{field} después del {value}",
        "older_than_days": "{field} hace más de {value} días",
        "within_days": "{field} en los últimos {value} días",
        "is_empty": "{field} vacío", "not_empty": "{field} rellenado",
        "is_true": "{field} marcado", "is_false": "{field} sin marcar",
        "no_touch": "sin contacto en {value} días", "touched": "contactado en los últimos {value} días",
        "or": " o ", "times": "×{count}", "fading": "se desvanece",
        "status_reached": "llegó a {value}",
    },
}


def format_number(value: Any, lang: str) -> str:
    number = _to_number(value)
    if number is None:
        return str(value)
    text = f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"
    return text.replace(",", ".") if lang == "es" else text


def field_label(name: str, schema: custom_fields.LeadSchema | None, lang: str) -> str:
    from leadhub.i18n import translate
    if name in STANDARD_FIELDS:
        return translate(STANDARD_FIELDS[name][0], lang).lower()
    spec = schema.field_for_column(name) if schema is not None else None
    return spec.label if spec is not None else name.removeprefix("cf.")


def describe(line: Contribution, lang: str = "en",
             schema: custom_fields.LeadSchema | None = None) -> str:
    """One explanation line in words, without its points: "budget ≥ 10,000"."""
    from leadhub.i18n import translate
    phrases = _PHRASES.get(lang, _PHRASES["en"])
    if line.label:
        text = line.label
    elif line.kind == FIELD_RULE:
        value = line.value
        if isinstance(value, list):
            value = phrases["or"].join(str(v) for v in value)
        elif line.field == "budget" or isinstance(value, (int, float)):
            value = format_number(value, lang)
        elif line.field in ("status", "need", "interest") and isinstance(value, str):
            value = translate(value, lang)
        if line.field == "last_contacted_at" and line.operator == "older_than_days":
            return phrases["no_touch"].format(value=value)
        if line.field == "last_contacted_at" and line.operator == "within_days":
            return phrases["touched"].format(value=value)
        template = phrases.get(line.operator, "{field} {value}")
        text = template.format(field=field_label(line.field, schema, lang), value=value)
    else:
        if line.behaviour == "status_reached":
            text = phrases["status_reached"].format(value=translate(str(line.value), lang))
        else:
            text = translate(BEHAVIOURS.get(line.behaviour, line.behaviour), lang)
    extras = []
    if line.kind == BEHAVIOUR_RULE and line.count > 1:
        extras.append(phrases["times"].format(count=line.count))
    if line.fading:
        extras.append(phrases["fading"])
    return f"{text} ({', '.join(extras)})" if extras else text


def signed(points: int) -> str:
    return f"+{points}" if points >= 0 else f"−{abs(points)}"


def explanation_text(lines: Iterable[Contribution], lang: str = "en",
                     schema: custom_fields.LeadSchema | None = None) -> str:
    """The whole explanation on one line: "+20 budget ≥ 10,000; −10 no touch for 30 days"."""
    return "; ".join(f"{signed(c.points)} {describe(c, lang, schema)}" for c in lines)


def describe_rule(rule: Rule, lang: str = "en", schema: custom_fields.LeadSchema | None = None) -> str:
    """A rule in words, for the Settings list."""
    line = Contribution(points=rule.points, rule_id=rule.id, kind=rule.kind, field=rule.field,
                        operator=rule.operator, value=rule.value, behaviour=rule.behaviour,
                        label=rule.label)
    return describe(line, lang, schema)


# --- Re-scoring a team in the background ----------------------------------------------------

@dataclass(frozen=True)
class JobProgress:
    id: int
    status: str
    total: int
    done: int
    changed: int
    error: str
    created_at: datetime
    finished_at: datetime | None

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 and self.status == "done" else \
            int(100 * self.done / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


def _progress(job: ScoringJob) -> JobProgress:
    return JobProgress(job.id, job.status, job.total, job.done, job.changed, job.error,
                       job.created_at, job.finished_at)


_JOBS_AFTER_COMMIT = "leadhub.scoring.jobs_after_commit"
_JOBS_LISTENING = "leadhub.scoring.jobs_listening"


def start_rescore(*, session: Session, ctx: TeamContext) -> JobProgress:
    """Queue a re-scoring of the whole team (admins); a job still waiting is reused. The task
    is enqueued when the caller's transaction commits."""
    ctx.require(Role.ADMIN)
    return _queue_job(session, ctx.team_id, ctx.user_id)


def _queue_job(session: Session, team_id: int, user_id: int | None) -> JobProgress:
    waiting = session.exec(select(ScoringJob).where(ScoringJob.team_id == team_id,
                                                    ScoringJob.status == "queued")
                           .order_by(ScoringJob.id.desc())).first()
    if waiting is not None:
        return _progress(waiting)
    job = ScoringJob(team_id=team_id, requested_by=user_id)
    session.add(job)
    session.flush()
    session.info.setdefault(_JOBS_AFTER_COMMIT, []).append(job.id)
    if not session.info.get(_JOBS_LISTENING):
        session.info[_JOBS_LISTENING] = True
        sa_event.listen(session, "after_commit", _enqueue_jobs)
        sa_event.listen(session, "after_rollback",
                        lambda s: s.info.pop(_JOBS_AFTER_COMMIT, None))
    return _progress(job)


def _enqueue_jobs(session: Session) -> None:
    for job_id in session.info.pop(_JOBS_AFTER_COMMIT, []):
        try:
            rescore_team_task(job_id)
        except Exception:  # noqa: BLE001 - the job row stays queued; the page can run it
            log.exception("Could not enqueue scoring job %s", job_id)


def latest_job(*, session: Session, ctx: TeamContext) -> JobProgress | None:
    job = session.exec(select(ScoringJob).where(ScoringJob.team_id == ctx.team_id)
                       .order_by(ScoringJob.id.desc())).first()
    return _progress(job) if job is not None else None


def job_progress(*, session: Session, ctx: TeamContext, job_id: int) -> JobProgress:
    job = get_in_team(session, ScoringJob, ctx, job_id, "No such scoring job.")
    return _progress(job)


STALE_JOB_SECONDS = 120


def run_job(job_id: int, *, engine: Engine | None = None, now: datetime | None = None,
            batch_size: int = BATCH_SIZE) -> JobProgress | None:
    """Run a queued job (or one whose runner stopped beating): batches of leads, each in its
    own transaction, progress saved after each. A job already running elsewhere is left
    alone (a conditional UPDATE claims it), so a worker and the page never both run it."""
    from leadhub.services.db import get_engine
    engine = engine or get_engine()
    started = utcnow()
    stale = started - timedelta(seconds=STALE_JOB_SECONDS)
    with Session(engine, expire_on_commit=False) as session:
        claimed = session.exec(
            sa_update(ScoringJob)
            .where(ScoringJob.id == job_id,
                   (ScoringJob.status == "queued")
                   | ((ScoringJob.status == "running") & (ScoringJob.heartbeat_at < stale)))
            .values(status="running", started_at=started, heartbeat_at=started, done=0, changed=0)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            session.rollback()
            return None
        job = session.get(ScoringJob, job_id)
        team_id = job.team_id
        job.total = session.exec(select(func.count()).select_from(Lead).where(
            Lead.team_id == team_id, Lead.status != LeadStatus.CONVERTED.value)).one()
        session.commit()
    last_id, done, changed = 0, 0, 0
    try:
        while True:
            with Session(engine, expire_on_commit=False) as session:
                model = load_model(session=session, team_id=team_id)
                schema = custom_fields.lead_schema(
                    session=session, ctx=TeamContext(team_id, 0, Role.ADMIN.value))
                leads = list(session.exec(
                    select(Lead).where(Lead.team_id == team_id, Lead.id > last_id,
                                       Lead.status != LeadStatus.CONVERTED.value)
                    .order_by(Lead.id).limit(batch_size)).all())
                if not leads:
                    job = session.get(ScoringJob, job_id)
                    job.status, job.finished_at = "done", utcnow()
                    job.done = max(job.done, done)
                    session.commit()
                    return _progress(job)
                batch_changed = rescore_batch(session, team_id, leads, model, schema, now or utcnow())
                if batch_changed:
                    team_signal.bump(session=session, team_id=team_id)
                last_id = leads[-1].id
                done, changed = done + len(leads), changed + batch_changed
                job = session.get(ScoringJob, job_id)
                job.done, job.changed, job.heartbeat_at = done, changed, utcnow()
                session.commit()
    except Exception as exc:
        log.exception("Scoring job %s failed", job_id)
        with Session(engine, expire_on_commit=False) as session:
            job = session.get(ScoringJob, job_id)
            job.status, job.error, job.finished_at = "failed", str(exc)[:2000], utcnow()
            session.commit()
            return _progress(job)


def rescore_time_dependent_teams(*, engine: Engine | None = None, now: datetime | None = None) -> list[int]:
    """Queue a re-scoring of every team whose model changes with time (decay, N-day rules)."""
    from leadhub.services.db import get_engine
    engine = engine or get_engine()
    job_ids = []
    with Session(engine, expire_on_commit=False) as session:
        team_ids = session.exec(select(ScoringModel.team_id)).all()
        for team_id in team_ids:
            if load_model(session=session, team_id=team_id).time_dependent:
                job_ids.append(_queue_job(session, team_id, None).id)
        session.commit()
    return job_ids


# --- Keeping scores current: events and hooks -----------------------------------------------

def on_lead_event(session: Session, event: DomainEvent) -> None:
    """Event handler: something happened to a lead, so its score may have changed."""
    if event.lead_id is not None:
        rescore_lead_by_id(session, event.team_id, event.lead_id)


RESCORING_EVENTS = ("LeadStatusChanged", "LeadAcquired", FORM_SUBMITTED_EVENT, EMAIL_OPENED_EVENT,
                    EMAIL_CLICKED_EVENT, OUTREACH_REPLIED_EVENT, ACTIVITY_COMPLETED_EVENT,
                    "EmailReplied", "LeadMerged")


def register_handlers() -> None:
    """Route the events that can change a score to `on_lead_event` (idempotent)."""
    from leadhub.services import events
    for name in RESCORING_EVENTS:
        handlers = events.EVENT_HANDLERS.setdefault(name, [])
        if on_lead_event not in handlers:
            handlers.append(on_lead_event)


def _record_from_flush(connection, target: Any, name: str, payload: dict[str, Any]) -> None:
    """Add an outbox event from inside a flush (mapper hook), dispatched like any other."""
    from leadhub.services import events
    from sqlalchemy.orm import object_session
    table = DomainEvent.__table__
    event_id = connection.execute(insert(table).values(
        team_id=target.team_id, name=name, payload=payload, lead_id=target.lead_id,
        user_id=None, occurred_at=utcnow()).returning(table.c.id)).scalar_one()
    session = object_session(target)
    if session is not None:
        events._listen(session)
        session.info.setdefault(events._NEW_EVENTS, []).append(event_id)


def _became(target: Any, name: str, values: Iterable[str]) -> bool:
    history = inspect(target).attrs[name].history
    if not history.has_changes():
        return False
    before = history.deleted[0] if history.deleted else None
    return getattr(target, name) in values and before not in values


@sa_event.listens_for(Outreach, "after_update")
def _outreach_replied(_mapper, connection, target: Outreach) -> None:
    if target.lead_id is not None and _became(target, "response_status", RESPONDED):
        _record_from_flush(connection, target, OUTREACH_REPLIED_EVENT, {
            "lead_id": target.lead_id, "outreach_id": target.id, "type": target.type,
            "response_status": target.response_status})


@sa_event.listens_for(Outreach, "after_insert")
def _outreach_logged_with_reply(_mapper, connection, target: Outreach) -> None:
    if target.lead_id is not None and target.response_status in RESPONDED:
        _record_from_flush(connection, target, OUTREACH_REPLIED_EVENT, {
            "lead_id": target.lead_id, "outreach_id": target.id, "type": target.type,
            "response_status": target.response_status})


@sa_event.listens_for(Activity, "after_update")
def _activity_completed(_mapper, connection, target: Activity) -> None:
    if target.lead_id is not None and _became(target, "status", (ActivityStatus.COMPLETED.value,)):
        _record_from_flush(connection, target, ACTIVITY_COMPLETED_EVENT, {
            "lead_id": target.lead_id, "activity_id": target.id, "type": target.type})


@sa_event.listens_for(Activity, "after_insert")
def _activity_logged_completed(_mapper, connection, target: Activity) -> None:
    if target.lead_id is not None and target.status == ActivityStatus.COMPLETED.value:
        _record_from_flush(connection, target, ACTIVITY_COMPLETED_EVENT, {
            "lead_id": target.lead_id, "activity_id": target.id, "type": target.type})


register_handlers()

# --- Background tasks (on the project's one Huey instance) -----------------------------------

from leadhub.services.tasks import huey  # noqa: E402  (tasks imports this module back)
from huey import crontab  # noqa: E402


@huey.task(retries=2, retry_delay=30)
def rescore_team_task(job_id: int) -> None:
    """Run one re-scoring job."""
    run_job(job_id)


@huey.periodic_task(crontab(minute="17", hour="3"))
def rescore_time_dependent() -> None:
    """Every night: scores that fade or count days move on their own."""
    for job_id in rescore_time_dependent_teams():
        run_job(job_id)
