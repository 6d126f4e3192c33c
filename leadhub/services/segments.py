"""Segments: saved filters over a team's leads or contacts that e-mails, workflows, the board and
analytics all read the same way.

A segment is a list of conditions (field, operator, value) matched all or any, compiled to SQL
so its count is live and cheap on 100,000 leads. Lead segments can test any standard or
custom field, the score, rating, status, source, campaign membership, last contacted, recent
or open activities and the predictive likelihood; contact segments their own fields. A
segment belongs to its author and is shared with the team when they say so.

Other modules use `lead_conditions` (WHERE conditions for their own lead queries) or
`member_ids` (the ids, e.g. to send an e-mail to).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, and_, exists
from sqlalchemy import func, or_
from sqlmodel import Field, Session, SQLModel, select

from leadhub.services import custom_fields
from leadhub.services.context import TeamContext
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed, clean_name
from leadhub.services.models import (
    Activity,
    ActivityStatus,
    CampaignMember,
    Contact,
    Lead,
    utcnow,
)

ENTITIES = ("lead", "contact")
MAX_CONDITIONS = 20
NAME_MAX = 120

# field -> (label, type). Types: text, number, date, choice, campaign, activity
LEAD_FIELDS: dict[str, tuple[str, str]] = {
    "first_name": ("First name", "text"), "last_name": ("Last name", "text"),
    "company": ("Company", "text"), "title": ("Title", "text"), "email": ("E-mail", "text"),
    "phone": ("Phone", "text"), "city": ("City", "text"), "country": ("Country", "text"),
    "industry": ("Industry", "text"), "lead_source": ("Lead source", "text"),
    "status": ("Status", "text"), "rating": ("Rating", "text"), "need": ("Need", "text"),
    "interest": ("Interest", "text"), "score": ("Score", "number"), "budget": ("Budget", "number"),
    "likelihood": ("Likelihood to convert", "number"),
    "created_at": ("Created", "date"), "last_contacted_at": ("Last contacted", "date"),
    "campaign": ("Campaign", "campaign"), "activity": ("Activity", "activity"),
}
CONTACT_FIELDS: dict[str, tuple[str, str]] = {
    "first_name": ("First name", "text"), "last_name": ("Last name", "text"),
    "email": ("E-mail", "text"), "phone": ("Phone", "text"), "title": ("Title", "text"),
    "lead_source": ("Lead source", "text"), "created_at": ("Created", "date"),
    "last_contacted_at": ("Last contacted", "date"), "activity": ("Activity", "activity"),
}
OPERATORS: dict[str, tuple[str, ...]] = {
    "text": ("equals", "not_equals", "one_of", "contains", "not_contains", "is_empty", "not_empty"),
    "number": ("equals", "gt", "gte", "lt", "lte", "is_empty", "not_empty"),
    "date": ("older_than_days", "within_days", "before", "after", "is_empty", "not_empty"),
    "checkbox": ("is_true", "is_false"),
    "campaign": ("in_campaign", "not_in_campaign"),
    "activity": ("completed_within_days", "none_completed_within_days", "has_open", "has_no_open"),
}
OPERATOR_LABELS = {
    "equals": "is", "not_equals": "is not", "one_of": "is one of", "contains": "contains",
    "not_contains": "does not contain", "is_empty": "is empty", "not_empty": "is filled in",
    "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "older_than_days": "more than N days ago",
    "within_days": "in the last N days", "before": "before", "after": "after",
    "is_true": "is checked", "is_false": "is not checked",
    "in_campaign": "is in campaign", "not_in_campaign": "is not in campaign",
    "completed_within_days": "completed one in the last N days",
    "none_completed_within_days": "completed none in the last N days",
    "has_open": "has an open one", "has_no_open": "has no open one",
}
NO_VALUE = {"is_empty", "not_empty", "is_true", "is_false", "has_open", "has_no_open"}


class Segment(SQLModel, table=True):
    __table_args__ = (Index("ix_segment_team_name", "team_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    name: str = Field(max_length=NAME_MAX)
    entity: str = Field(default="lead", max_length=10)
    match: str = Field(default="all", max_length=4)
    conditions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    shared: bool = Field(default=True)
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: Any = None


def fields_for(entity: str, schema: custom_fields.LeadSchema | None) -> dict[str, tuple[str, str]]:
    """Fields a segment of `entity` may test (lead custom fields included)."""
    if entity == "contact":
        return dict(CONTACT_FIELDS)
    fields = dict(LEAD_FIELDS)
    for spec in (schema.fields if schema else ()):
        kind = {"number": "number", "date": "date", "checkbox": "checkbox"}.get(spec.type, "text")
        fields[spec.column] = (spec.label, kind)
    return fields


def _clean_conditions(raw: Any, entity: str, schema) -> list[Condition]:
    if not isinstance(raw, list):
        raise ValidationFailed(field_errors={"conditions": "Add at least one condition."})
    if len(raw) > MAX_CONDITIONS:
        raise ValidationFailed(field_errors={"conditions": f"Use at most {MAX_CONDITIONS} conditions."})
    fields = fields_for(entity, schema)
    errors: dict[str, str] = {}
    clean: list[Condition] = []
    for i, item in enumerate(raw):
        item = item if isinstance(item, dict) else {}
        name, op, value = str(item.get("field") or ""), str(item.get("operator") or ""), item.get("value")
        if name not in fields:
            errors[f"conditions.{i}.field"] = "Choose a field."
            continue
        kind = fields[name][1]
        if op not in OPERATORS[kind]:
            errors[f"conditions.{i}.operator"] = "Choose a comparison that fits this field."
            continue
        if op in NO_VALUE:
            clean.append(Condition(name, op))
            continue
        text = value.strip() if isinstance(value, str) else value
        if text in (None, "", []):
            errors[f"conditions.{i}.value"] = "Enter the value to compare with."
            continue
        try:
            clean.append(Condition(name, op, _clean_value(kind, op, text)))
        except ValueError as exc:
            errors[f"conditions.{i}.value"] = str(exc)
    if errors:
        raise ValidationFailed(field_errors=errors)
    return clean


def _clean_value(kind: str, op: str, value: Any) -> Any:
    if op in ("older_than_days", "within_days", "completed_within_days", "none_completed_within_days"):
        try:
            days = int(str(value).strip())
        except ValueError as exc:
            raise ValueError("Enter a whole number of days.") from exc
        if not 0 <= days <= 3650:
            raise ValueError("Use a number from 0 to 3650.")
        return days
    if kind == "campaign":
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ValueError("Choose a campaign.") from exc
    if op in ("one_of", "contains", "not_contains"):
        items = value if isinstance(value, list) else str(value).replace("\n", ",").split(",")
        words = [str(w).strip() for w in items if str(w).strip()]
        if not words:
            raise ValueError("Enter the value to compare with.")
        return words
    if kind == "number":
        return custom_fields._parse_number(value)  # an int stays an int: integer columns keep their index
    if kind == "date":
        return custom_fields._parse_date(value)
    return str(value).strip()[:200]


# --- SQL ----------------------------------------------------------------------------------------

def _like(expression, word: str):
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(expression).like(f"%{escaped}%", escape="\\")


def _text_condition(expression, op: str, value: Any):
    blank = or_(expression.is_(None), expression == "")
    if op == "is_empty":
        return blank
    if op == "not_empty":
        return ~blank
    if op == "equals":
        return func.lower(expression) == str(value).lower()
    if op == "not_equals":
        return or_(blank, func.lower(expression) != str(value).lower())
    if op == "one_of":
        return func.lower(expression).in_([str(v).lower() for v in value])
    if op == "contains":
        return or_(*[_like(expression, w) for w in value])
    if op == "not_contains":
        return or_(blank, and_(*[~_like(expression, w) for w in value]))
    raise ValueError(op)


def _number_condition(expression, op: str, value: Any):
    if op == "is_empty":
        return expression.is_(None)
    if op == "not_empty":
        return expression.is_not(None)
    return {"equals": expression == value, "gt": expression > value, "gte": expression >= value,
            "lt": expression < value, "lte": expression <= value}[op]


def _date_condition(expression, op: str, value: Any, now: datetime, *, text: bool = False):
    if op == "is_empty":
        return expression.is_(None)
    if op == "not_empty":
        return expression.is_not(None)
    if op in ("older_than_days", "within_days"):
        cutoff = now - timedelta(days=int(value))
        bound = cutoff.date().isoformat() if text else cutoff
        return expression < bound if op == "older_than_days" else expression >= bound
    day = datetime.fromisoformat(str(value)).date()
    if text:
        return expression < day.isoformat() if op == "before" else expression > day.isoformat()
    start = datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)
    return expression < start if op == "before" else expression >= start + timedelta(days=1)


def _activity_condition(model, op: str, value: Any, now: datetime):
    link = Activity.lead_id if model is Lead else Activity.contact_id
    base = [link == model.id, Activity.team_id == model.team_id]
    if op in ("has_open", "has_no_open"):
        found = exists().where(*base, Activity.status == ActivityStatus.PLANNED.value)
        return found if op == "has_open" else ~found
    since = now - timedelta(days=int(value))
    found = exists().where(*base, Activity.status == ActivityStatus.COMPLETED.value,
                           func.coalesce(Activity.completed_at, Activity.created_at) >= since)
    return found if op == "completed_within_days" else ~found


def _condition_sql(model, condition: Condition, kind: str, schema, now: datetime):
    name, op, value = condition.field, condition.operator, condition.value
    if kind == "activity":
        return _activity_condition(model, op, value, now)
    if kind == "campaign":
        found = exists().where(CampaignMember.lead_id == Lead.id, CampaignMember.campaign_id == int(value),
                               CampaignMember.team_id == Lead.team_id)
        return found if op == "in_campaign" else ~found
    if name.startswith("cf."):
        spec = schema.field_for_column(name)
        expression = custom_fields.value_expression(spec)
        if kind == "checkbox":
            element = Lead.custom_fields[spec.key].as_boolean()
            return element.is_(True) if op == "is_true" else func.coalesce(element, False).is_(False)
        if kind == "number":
            return _number_condition(expression, op, value)
        if kind == "date":
            return _date_condition(expression, op, value, now, text=True)
        return _text_condition(expression, op, value)
    if name == "likelihood":
        from leadhub.services.predictive import LeadPrediction
        expression = select(LeadPrediction.likelihood).where(
            LeadPrediction.lead_id == Lead.id).correlate(Lead).scalar_subquery()
        return _number_condition(expression, op, value)
    expression = getattr(model, name)
    if kind == "number":
        return _number_condition(expression, op, value)
    if kind == "date":
        if name == "last_contacted_at" and op == "older_than_days":
            # never contacted counts from creation, as in scoring's "no touch for N days"
            expression = func.coalesce(model.last_contacted_at, model.created_at)
        return _date_condition(expression, op, value, now)
    return _text_condition(expression, op, value)


def compile_conditions(*, model, team_id: int, conditions: list[Condition], match: str,
                       schema, now: datetime | None = None) -> list:
    """WHERE conditions (a list to AND) for a segment's members in SQL."""
    now = now or utcnow()
    entity = "contact" if model is Contact else "lead"
    fields = fields_for(entity, schema)
    parts = [_condition_sql(model, c, fields[c.field][1], schema, now)
             for c in conditions if c.field in fields]
    scope = [model.team_id == team_id]
    if not parts:
        return scope
    return scope + [and_(*parts) if match == "all" else or_(*parts)]


# --- CRUD ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SegmentRead:
    id: int
    name: str
    entity: str
    match: str
    conditions: tuple[Condition, ...]
    shared: bool
    owner_id: int | None
    mine: bool


def _read(row: Segment, ctx: TeamContext) -> SegmentRead:
    return SegmentRead(row.id, row.name, row.entity, row.match,
                       tuple(Condition(c["field"], c["operator"], c.get("value")) for c in row.conditions),
                       row.shared, row.owner_id, row.owner_id == ctx.user_id)


def _visible(ctx: TeamContext):
    return [Segment.team_id == ctx.team_id, or_(Segment.shared.is_(True), Segment.owner_id == ctx.user_id)]


def _get(session: Session, ctx: TeamContext, segment_id: int) -> Segment:
    row = session.exec(select(Segment).where(Segment.id == int(segment_id), *_visible(ctx))).first()
    if row is None:
        raise NotFound("This segment does not exist or is not shared with you.")
    return row


def _schema(session: Session, ctx: TeamContext, entity: str):
    return custom_fields.lead_schema(session=session, ctx=ctx) if entity == "lead" else None


def _clean(session: Session, ctx: TeamContext, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = clean_name(data.get("name"), NAME_MAX, "Give the segment a name.", errors)
    entity = str(data.get("entity") or "lead")
    if entity not in ENTITIES:
        errors["entity"] = "Choose leads or contacts."
    match = str(data.get("match") or "all")
    if match not in ("all", "any"):
        errors["match"] = "Choose all or any."
    conditions: list[Condition] = []
    if entity in ENTITIES:
        try:
            conditions = _clean_conditions(data.get("conditions") or [], entity,
                                           _schema(session, ctx, entity))
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    if errors:
        raise ValidationFailed(field_errors=errors)
    return {"name": name, "entity": entity, "match": match, "shared": bool(data.get("shared", True)),
            "conditions": [{"field": c.field, "operator": c.operator, "value": c.value} for c in conditions]}


def create_segment(*, session: Session, ctx: TeamContext, data: dict[str, Any]) -> SegmentRead:
    clean = _clean(session, ctx, data)
    row = Segment(team_id=ctx.team_id, owner_id=ctx.user_id, **clean)
    session.add(row)
    session.flush()
    return _read(row, ctx)


def _editable(session: Session, ctx: TeamContext, segment_id: int) -> Segment:
    row = _get(session, ctx, segment_id)
    if row.owner_id != ctx.user_id and not ctx.is_manager:
        raise PermissionDenied("Only the segment's author or a manager can change it.")
    return row


def update_segment(*, session: Session, ctx: TeamContext, segment_id: int, data: dict[str, Any]) -> SegmentRead:
    row = _editable(session, ctx, segment_id)
    for name, value in _clean(session, ctx, data).items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _read(row, ctx)


def delete_segment(*, session: Session, ctx: TeamContext, segment_id: int) -> None:
    session.delete(_editable(session, ctx, segment_id))
    session.flush()


def get_segment(*, session: Session, ctx: TeamContext, segment_id: int) -> SegmentRead:
    return _read(_get(session, ctx, segment_id), ctx)


def list_segments(*, session: Session, ctx: TeamContext, entity: str | None = None) -> list[SegmentRead]:
    """Segments the caller may use: shared ones and their own."""
    statement = select(Segment).where(*_visible(ctx))
    if entity:
        statement = statement.where(Segment.entity == entity)
    return [_read(r, ctx) for r in session.exec(statement.order_by(Segment.name, Segment.id).limit(500)).all()]


# --- Members ------------------------------------------------------------------------------------

def _model(entity: str):
    return Contact if entity == "contact" else Lead


def where_for(*, session: Session, ctx: TeamContext, entity: str, conditions: list[Condition],
              match: str, now: datetime | None = None) -> list:
    return compile_conditions(model=_model(entity), team_id=ctx.team_id, conditions=conditions,
                              match=match, schema=_schema(session, ctx, entity), now=now)


def lead_conditions(*, session: Session, ctx: TeamContext, segment_id: int,
                    now: datetime | None = None) -> list:
    """WHERE conditions on Lead for a lead segment: the board and analytics add these."""
    segment = get_segment(session=session, ctx=ctx, segment_id=segment_id)
    if segment.entity != "lead":
        raise ValidationFailed("This segment is about contacts, not leads.")
    return where_for(session=session, ctx=ctx, entity="lead", conditions=list(segment.conditions),
                     match=segment.match, now=now)


def count(*, session: Session, ctx: TeamContext, segment_id: int, now: datetime | None = None) -> int:
    segment = get_segment(session=session, ctx=ctx, segment_id=segment_id)
    model = _model(segment.entity)
    where = where_for(session=session, ctx=ctx, entity=segment.entity,
                      conditions=list(segment.conditions), match=segment.match, now=now)
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def preview_count(*, session: Session, ctx: TeamContext, data: dict[str, Any],
                  now: datetime | None = None) -> int:
    """The live count of an unsaved segment as it is being edited."""
    entity = str(data.get("entity") or "lead")
    if entity not in ENTITIES:
        raise ValidationFailed(field_errors={"entity": "Choose leads or contacts."})
    conditions = _clean_conditions(data.get("conditions") or [], entity, _schema(session, ctx, entity))
    model = _model(entity)
    where = where_for(session=session, ctx=ctx, entity=entity, conditions=conditions,
                      match=str(data.get("match") or "all"), now=now)
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def member_ids(*, session: Session, ctx: TeamContext, segment_id: int, limit: int = 10_000,
               now: datetime | None = None) -> list[int]:
    """Ids of the segment's leads (or contacts), oldest first, at most `limit`."""
    segment = get_segment(session=session, ctx=ctx, segment_id=segment_id)
    model = _model(segment.entity)
    where = where_for(session=session, ctx=ctx, entity=segment.entity,
                      conditions=list(segment.conditions), match=segment.match, now=now)
    return list(session.exec(select(model.id).where(*where).order_by(model.id).limit(limit)).all())


def members_page(*, session: Session, ctx: TeamContext, segment_id: int, page: int = 1,
                 page_size: int = 10) -> tuple[list[dict[str, Any]], int]:
    """One page of members (id, name, company or e-mail, score) and the total."""
    segment = get_segment(session=session, ctx=ctx, segment_id=segment_id)
    model = _model(segment.entity)
    where = where_for(session=session, ctx=ctx, entity=segment.entity,
                      conditions=list(segment.conditions), match=segment.match)
    total = session.exec(select(func.count()).select_from(model).where(*where)).one()
    page_size = max(1, min(page_size, 100))
    rows = session.exec(select(model).where(*where).order_by(model.id.desc())
                        .offset((max(1, page) - 1) * page_size).limit(page_size)).all()
    members = [{"id": r.id, "name": f"{r.first_name} {r.last_name}".strip(),
                "detail": getattr(r, "company", "") or r.email, "score": getattr(r, "score", None),
                "rating": getattr(r, "rating", "")} for r in rows]
    return members, total


def is_member(*, session: Session, ctx: TeamContext, segment_id: int, lead_id: int) -> bool:
    """Whether one lead is in a lead segment now (workflows test this per event)."""
    where = lead_conditions(session=session, ctx=ctx, segment_id=segment_id)
    return session.exec(select(Lead.id).where(Lead.id == lead_id, *where)).first() is not None
