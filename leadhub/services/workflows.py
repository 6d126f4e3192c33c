"""Workflows: "when EVENT and CONDITIONS then ACTIONS", run by the worker with a log per run.

Triggers are the outbox's own events (lead created, field changed, status changed, score
crossed, form submitted, deal created) plus a periodic sweep for "no touch for N days".
Conditions are segment conditions, tested on the one lead. Actions: set a field, assign the
owner round-robin, create a task, add to a campaign or a sequence, notify Telegram/Slack (the
notifications module's notifiers) and call an outgoing webhook.

Loop protection: while a rule's actions run, every event they cause carries the chain of rules
that led to it (`workflow_chain` in its payload). A rule never runs for an event its own
actions caused, chains stop at MAX_CHAIN rules, and one rule runs at most MAX_RUNS_PER_HOUR
times per lead per hour — so no rule can trigger itself endlessly, directly or through others.
Each (rule, event) runs once: a unique key makes re-dispatched events harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint, func, inspect
from sqlalchemy import event as sa_event
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from leadhub.services import custom_fields
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import LeadHubError, NotFound, ValidationFailed
from leadhub.services.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    DomainEvent,
    Lead,
    LeadStatus,
    Membership,
    Role,
    utcnow,
)

log = logging.getLogger(__name__)

MAX_CHAIN = 5
MAX_RUNS_PER_HOUR = 10
WEBHOOK_TIMEOUT = 10.0
CHAIN_KEY = "workflow_chain"
_CHAIN_INFO = "leadhub.workflows.chain"
LEAD_FIELDS_CHANGED = "LeadFieldsChanged"

TRIGGERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "lead_created": ("lead created", ("LeadCreated",)),
    "field_changed": ("field changed", (LEAD_FIELDS_CHANGED,)),
    "status_changed": ("status changed", ("LeadStatusChanged",)),
    "score_crossed": ("score crossed", ("LeadScoreChanged",)),
    "form_submitted": ("form submitted", ("FormSubmitted",)),
    "deal_created": ("deal created", ("DealCreated", "LeadAcquired")),
    "no_touch": ("no touch for N days", ()),
}
ACTIONS = {
    "set_field": "set a field", "assign_round_robin": "assign owner round-robin",
    "create_task": "create a task", "add_to_campaign": "add to campaign",
    "add_to_sequence": "add to sequence", "notify": "notify Telegram/Slack",
    "webhook": "call a webhook",
}
# columns whose changes are no "field changed": bookkeeping, the status (it has its own event)
# and a rating the score set (score crossed covers it)
QUIET_FIELDS = {"status", "score", "version", "position", "updated_at", "search_text", "last_contacted_at",
                "rating_manual", "converted_at", "converted_account_id", "converted_contact_id",
                "converted_deal_id", "id", "team_id", "created_at"}


class WorkflowRule(SQLModel, table=True):
    __tablename__ = "workflow_rule"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False, index=True))
    name: str = Field(max_length=120)
    enabled: bool = Field(default=True)
    trigger: str = Field(max_length=30)
    trigger_config: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    match: str = Field(default="all", max_length=4)
    conditions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    actions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rr_cursor: int = Field(default=0, description="round-robin position")
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WorkflowRun(SQLModel, table=True):
    __tablename__ = "workflow_run"
    __table_args__ = (
        UniqueConstraint("rule_id", "dedupe_key", name="uq_workflow_run_rule_key"),
        Index("ix_workflow_run_team_started", "team_id", "started_at"),
        Index("ix_workflow_run_rule_lead", "rule_id", "lead_id", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    rule_id: int = Field(sa_column=Column(Integer, ForeignKey("workflow_rule.id", ondelete="CASCADE"),
                                          nullable=False))
    dedupe_key: str = Field(max_length=80)
    event_id: int | None = None
    lead_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("lead.id", ondelete="SET NULL")))
    status: str = Field(default="done", max_length=16)  # done | skipped | failed | loop_blocked
    log: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    chain: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


# --- Editing rules ------------------------------------------------------------------------------

def _clean_actions(session: Session, ctx: TeamContext, raw: Any) -> list[dict[str, Any]]:
    from leadhub.services import leads
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed(field_errors={"actions": "Add at least one action."})
    clean, errors = [], {}
    for i, action in enumerate(raw[:10]):
        action = action if isinstance(action, dict) else {}
        kind = action.get("type")
        key = f"actions.{i}"
        if kind not in ACTIONS:
            errors[f"{key}.type"] = "Choose an action."
        elif kind == "set_field":
            name = str(action.get("field") or "")
            if name not in leads.EDITABLE_FIELDS or name in ("custom_fields", "owner_id", "outreach_id"):
                errors[f"{key}.field"] = "Choose a field."
            else:
                clean.append({"type": kind, "field": name, "value": str(action.get("value") or "")})
        elif kind == "assign_round_robin":
            members = {m for m in session.exec(select(Membership.user_id).where(
                Membership.team_id == ctx.team_id)).all()}
            users = [int(u) for u in (action.get("user_ids") or []) if str(u).isdigit()]
            if not users or not set(users) <= members:
                errors[f"{key}.user_ids"] = "Choose members of this team."
            else:
                clean.append({"type": kind, "user_ids": users})
        elif kind == "create_task":
            subject = " ".join(str(action.get("subject") or "").split())[:200]
            if not subject:
                errors[f"{key}.subject"] = "Give the task a subject."
            else:
                days = int(action.get("due_in_days") or 1) if str(action.get("due_in_days") or "1").isdigit() else 1
                clean.append({"type": kind, "subject": subject, "due_in_days": min(days, 365)})
        elif kind in ("add_to_campaign", "add_to_sequence"):
            from leadhub.services import campaigns, emails
            try:
                if kind == "add_to_campaign":
                    target = campaigns.get_campaign(session=session, ctx=ctx, campaign_id=int(action.get("campaign_id")))
                    clean.append({"type": kind, "campaign_id": target.id})
                else:
                    target = emails.get_sequence(session=session, ctx=ctx, sequence_id=int(action.get("sequence_id")))
                    clean.append({"type": kind, "sequence_id": target.id})
            except (TypeError, ValueError, NotFound):
                errors[f"{key}.target"] = "Choose one of this team's."
        elif kind == "notify":
            channel = action.get("channel")
            text = str(action.get("text") or "").strip()[:2000]
            if channel not in ("telegram", "slack"):
                errors[f"{key}.channel"] = "Choose Telegram or Slack."
            elif not text:
                errors[f"{key}.text"] = "Write the message."
            else:
                clean.append({"type": kind, "channel": channel, "text": text})
        elif kind == "webhook":
            url = str(action.get("url") or "").strip()
            if not url.startswith(("https://", "http://")) or len(url) > 500:
                errors[f"{key}.url"] = "Enter an http(s) address."
            else:
                clean.append({"type": kind, "url": url})
    if errors:
        raise ValidationFailed(field_errors=errors)
    return clean


def _clean_trigger(trigger: str, config: Any) -> dict[str, Any]:
    config = config if isinstance(config, dict) else {}
    if trigger not in TRIGGERS:
        raise ValidationFailed(field_errors={"trigger": "Choose what starts the workflow."})
    if trigger == "score_crossed":
        try:
            return {"threshold": int(config.get("threshold")),
                    "direction": "down" if config.get("direction") == "down" else "up"}
        except (TypeError, ValueError):
            raise ValidationFailed(field_errors={"threshold": "Enter the score to cross."}) from None
    if trigger == "no_touch":
        try:
            days = int(config.get("days"))
            if not 1 <= days <= 365:
                raise ValueError
            return {"days": days}
        except (TypeError, ValueError):
            raise ValidationFailed(field_errors={"days": "Enter 1 to 365 days."}) from None
    if trigger == "status_changed" and config.get("to"):
        if config["to"] not in [s.value for s in LeadStatus]:
            raise ValidationFailed(field_errors={"to": "Choose a status."})
        return {"to": config["to"]}
    if trigger == "field_changed" and config.get("field"):
        return {"field": str(config["field"])[:60]}
    return {}


def save_rule(*, session: Session, ctx: TeamContext, data: dict[str, Any], rule_id: int | None = None) -> WorkflowRule:
    """Create or change a rule (admins)."""
    from leadhub.services import segments
    ctx.require(Role.ADMIN)
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        raise ValidationFailed(field_errors={"name": "Give the workflow a name."})
    trigger = str(data.get("trigger") or "")
    config = _clean_trigger(trigger, data.get("trigger_config"))
    schema = custom_fields.lead_schema(session=session, ctx=ctx)
    conditions = segments._clean_conditions(data.get("conditions") or [], "lead", schema)
    actions = _clean_actions(session, ctx, data.get("actions"))
    row = get_rule(session=session, ctx=ctx, rule_id=rule_id) if rule_id else \
        WorkflowRule(team_id=ctx.team_id, created_by=ctx.user_id, name=name, trigger=trigger)
    row.name, row.trigger, row.trigger_config = name[:120], trigger, config
    row.match = "any" if data.get("match") == "any" else "all"
    row.conditions = [{"field": c.field, "operator": c.operator, "value": c.value} for c in conditions]
    row.actions, row.enabled, row.updated_at = actions, bool(data.get("enabled", True)), utcnow()
    session.add(row)
    session.flush()
    return row


def get_rule(*, session: Session, ctx: TeamContext, rule_id: int) -> WorkflowRule:
    return get_in_team(session, WorkflowRule, ctx, int(rule_id),
                       "This workflow does not exist or belongs to another team.")


def list_rules(*, session: Session, ctx: TeamContext) -> list[WorkflowRule]:
    return list(session.exec(select(WorkflowRule).where(WorkflowRule.team_id == ctx.team_id)
                             .order_by(WorkflowRule.name, WorkflowRule.id)).all())


def set_enabled(*, session: Session, ctx: TeamContext, rule_id: int, enabled: bool) -> WorkflowRule:
    ctx.require(Role.ADMIN)
    row = get_rule(session=session, ctx=ctx, rule_id=rule_id)
    row.enabled, row.updated_at = bool(enabled), utcnow()
    session.add(row)
    session.flush()
    return row


def delete_rule(*, session: Session, ctx: TeamContext, rule_id: int) -> None:
    ctx.require(Role.ADMIN)
    session.delete(get_rule(session=session, ctx=ctx, rule_id=rule_id))
    session.flush()


def list_runs(*, session: Session, ctx: TeamContext, rule_id: int | None = None, limit: int = 50) -> list[WorkflowRun]:
    statement = select(WorkflowRun).where(WorkflowRun.team_id == ctx.team_id)
    if rule_id is not None:
        statement = statement.where(WorkflowRun.rule_id == rule_id)
    return list(session.exec(statement.order_by(WorkflowRun.id.desc()).limit(max(1, min(limit, 200)))).all())


# --- Running ------------------------------------------------------------------------------------

def _matches_trigger(rule: WorkflowRule, event: DomainEvent) -> bool:
    payload, config = event.payload or {}, rule.trigger_config or {}
    if event.name not in TRIGGERS[rule.trigger][1]:
        return False
    if rule.trigger == "status_changed" and config.get("to"):
        return payload.get("to") == config["to"]
    if rule.trigger == "field_changed" and config.get("field"):
        return config["field"] in (payload.get("fields") or [])
    if rule.trigger == "score_crossed":
        before, after, line = payload.get("from"), payload.get("to"), config.get("threshold")
        if before is None or after is None or line is None:
            return False
        return before < line <= after if config.get("direction") != "down" else after < line <= before
    return True


def _conditions_hold(session: Session, rule: WorkflowRule, lead_id: int | None) -> bool:
    if not rule.conditions:
        return True
    if lead_id is None:
        return False
    from leadhub.services import segments
    ctx = TeamContext(rule.team_id, 0, Role.ADMIN.value)
    conditions = [segments.Condition(c["field"], c["operator"], c.get("value")) for c in rule.conditions]
    where = segments.compile_conditions(model=Lead, team_id=rule.team_id, conditions=conditions,
                                        match=rule.match, schema=custom_fields.lead_schema(session=session, ctx=ctx))
    return session.exec(select(Lead.id).where(Lead.id == lead_id, *where)).first() is not None


def _claim(session: Session, rule: WorkflowRule, key: str, event_id: int | None, lead_id: int | None,
           chain: list[int]) -> WorkflowRun | None:
    """The run row for (rule, key), or None when that run already happened."""
    if session.exec(select(WorkflowRun.id).where(WorkflowRun.rule_id == rule.id,
                                                 WorkflowRun.dedupe_key == key)).first():
        return None
    run = WorkflowRun(team_id=rule.team_id, rule_id=rule.id, dedupe_key=key, event_id=event_id,
                      lead_id=lead_id, chain=list(chain), log=[])
    session.add(run)
    session.flush()
    return run


def on_event(session: Session, event: DomainEvent) -> None:
    """Event handler: run every enabled rule of the team this event triggers."""
    names = {name for _, (_, names) in TRIGGERS.items() for name in names}
    if event.name not in names:
        return
    chain = [int(r) for r in (event.payload or {}).get(CHAIN_KEY, [])]
    rules = session.exec(select(WorkflowRule).where(WorkflowRule.team_id == event.team_id,
                                                    WorkflowRule.enabled.is_(True))
                         .order_by(WorkflowRule.id)).all()
    for rule in rules:
        if not _matches_trigger(rule, event):
            continue
        lead_id = event.lead_id or (event.payload or {}).get("lead_id")
        run = _claim(session, rule, f"e:{event.id}", event.id, lead_id, chain)
        if run is not None:
            execute(session, rule, run, lead_id, chain, event)


def execute(session: Session, rule: WorkflowRule, run: WorkflowRun, lead_id: int | None,
            chain: list[int], event: DomainEvent | None = None) -> WorkflowRun:
    """Check loop limits and conditions, then run the actions, logging each one."""
    now = utcnow()
    if rule.id in chain:
        return _end(session, run, "loop_blocked",
                    f"Not run: this event was caused by this workflow itself (chain {chain}).")
    if len(chain) >= MAX_CHAIN:
        return _end(session, run, "loop_blocked", f"Not run: {MAX_CHAIN} workflows in a row already.")
    if lead_id is not None:
        recent = session.exec(select(func.count()).select_from(WorkflowRun).where(
            WorkflowRun.rule_id == rule.id, WorkflowRun.lead_id == lead_id, WorkflowRun.status == "done",
            WorkflowRun.started_at >= now - timedelta(hours=1))).one()
        if recent >= MAX_RUNS_PER_HOUR:
            return _end(session, run, "loop_blocked",
                        f"Not run: already ran {MAX_RUNS_PER_HOUR} times for this lead in the last hour.")
    if not _conditions_hold(session, rule, lead_id):
        return _end(session, run, "skipped", "Conditions not met.")
    lead = session.get(Lead, lead_id) if lead_id is not None else None
    session.info[_CHAIN_INFO] = [*chain, rule.id]
    failed = False
    try:
        for action in rule.actions:
            try:
                with session.begin_nested():
                    run.log = [*run.log, _run_action(session, rule, action, lead, event)]
            except (LeadHubError, httpx.HTTPError, ValueError) as exc:
                failed = True
                message = getattr(exc, "message", None) or str(exc)
                if isinstance(exc, ValidationFailed) and exc.field_errors:
                    message += " " + "; ".join(f"{k}: {v}" for k, v in exc.field_errors.items())
                run.log = [*run.log, f"{ACTIONS[action['type']]}: failed — {message}"]
        session.flush()
    finally:
        session.info.pop(_CHAIN_INFO, None)
    return _end(session, run, "failed" if failed else "done", None)


def _end(session: Session, run: WorkflowRun, status: str, line: str | None) -> WorkflowRun:
    run.status, run.finished_at = status, utcnow()
    if line:
        run.log = [*run.log, line]
    session.add(run)
    session.flush()
    return run


def _actor(session: Session, rule: WorkflowRule) -> TeamContext:
    user_id = rule.created_by or session.exec(select(Membership.user_id).where(
        Membership.team_id == rule.team_id, Membership.role == Role.ADMIN.value)).first()
    return TeamContext(rule.team_id, user_id, Role.ADMIN.value)


def _run_action(session: Session, rule: WorkflowRule, action: dict[str, Any], lead: Lead | None,
                event: DomainEvent | None) -> str:
    kind = action["type"]
    if kind in ("set_field", "assign_round_robin", "create_task", "add_to_campaign", "add_to_sequence") \
            and lead is None:
        raise ValidationFailed("This event has no lead to act on.")
    ctx = _actor(session, rule)
    if kind == "set_field":
        from leadhub.services import leads
        leads.update_lead(session=session, ctx=ctx, lead_id=lead.id, changes={action["field"]: action["value"]})
        return f"Set {action['field']} to {action['value']!r}."
    if kind == "assign_round_robin":
        from leadhub.services import leads
        users = action["user_ids"]
        owner = users[rule.rr_cursor % len(users)]
        rule.rr_cursor += 1
        session.add(rule)
        leads.update_lead(session=session, ctx=ctx, lead_id=lead.id, changes={"owner_id": owner})
        return f"Assigned to user {owner}."
    if kind == "create_task":
        due = utcnow() + timedelta(days=int(action.get("due_in_days") or 1))
        session.add(Activity(team_id=rule.team_id, type=ActivityType.TASK.value, subject=action["subject"],
                             due_at=due, status=ActivityStatus.PLANNED.value,
                             owner_id=lead.owner_id or ctx.user_id, lead_id=lead.id))
        return f"Created the task {action['subject']!r}."
    if kind == "add_to_campaign":
        from leadhub.services import campaigns
        campaigns.add_lead(session=session, ctx=ctx, campaign_id=action["campaign_id"], lead_id=lead.id)
        return f"Added to campaign {action['campaign_id']}."
    if kind == "add_to_sequence":
        from leadhub.services import emails
        emails.enroll(session=session, ctx=ctx, sequence_id=action["sequence_id"], lead_id=lead.id)
        return f"Added to sequence {action['sequence_id']}."
    if kind == "notify":
        return _notify(session, rule, action, lead)
    if kind == "webhook":
        body = {"workflow": rule.name, "event": event.name if event else "no_touch",
                "lead": _lead_json(lead), "payload": {k: v for k, v in ((event.payload or {}) if event else {}).items()
                                                      if k != CHAIN_KEY}}
        with httpx.Client(timeout=httpx.Timeout(WEBHOOK_TIMEOUT), follow_redirects=False) as client:
            response = client.post(action["url"], json=body)
        if response.status_code >= 400:
            raise ValueError(f"the webhook answered {response.status_code}")
        return f"Called the webhook ({response.status_code})."
    raise ValueError(f"unknown action {kind}")


def _lead_json(lead: Lead | None) -> dict[str, Any] | None:
    if lead is None:
        return None
    return {"id": lead.id, "first_name": lead.first_name, "last_name": lead.last_name,
            "company": lead.company, "email": lead.email, "status": lead.status, "rating": lead.rating,
            "score": lead.score, "owner_id": lead.owner_id}


def _notify(session: Session, rule: WorkflowRule, action: dict[str, Any], lead: Lead | None) -> str:
    """Through the team's configured Telegram or Slack channel (notifications module)."""
    from leadhub.services import crypto
    from leadhub.services.notifications import NotificationChannel, build_notifier
    channel = session.exec(select(NotificationChannel).where(
        NotificationChannel.team_id == rule.team_id, NotificationChannel.kind == action["channel"])).first()
    if channel is None or not channel.secret_ciphertext:
        raise ValidationFailed(f"{action['channel'].title()} is not set up in Settings.")
    values = {k: str(v if v is not None else "") for k, v in (_lead_json(lead) or {}).items()}
    values["name"] = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
    text = action["text"]
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    build_notifier(kind=channel.kind, secret=crypto.decrypt(channel.secret_ciphertext),
                   chat_id=channel.chat_id, api_base_url=channel.api_base_url).send(text)
    return f"Sent to {action['channel'].title()}."


def run_no_touch(*, engine: Engine | None = None, now: datetime | None = None) -> int:
    """The sweep for "no touch for N days": each lead once per untouched stretch."""
    from leadhub.services.db import get_engine
    now = now or utcnow()
    count = 0
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        for rule in session.exec(select(WorkflowRule).where(WorkflowRule.trigger == "no_touch",
                                                            WorkflowRule.enabled.is_(True))).all():
            cutoff = now - timedelta(days=int(rule.trigger_config.get("days", 30)))
            last = func.coalesce(Lead.last_contacted_at, Lead.created_at)
            rows = session.exec(select(Lead.id, last).where(
                Lead.team_id == rule.team_id, Lead.status != LeadStatus.CONVERTED.value, last < cutoff)
                .order_by(Lead.id).limit(500)).all()
            for lead_id, since in rows:
                run = _claim(session, rule, f"t:{lead_id}:{since.isoformat()[:19]}", None, lead_id, [])
                if run is not None:
                    execute(session, rule, run, lead_id, [])
                    count += 1
        session.commit()
    return count


# --- Marking events a workflow caused; "field changed" events -----------------------------------

@sa_event.listens_for(DomainEvent, "before_insert")
def _carry_chain(_mapper, connection, target: DomainEvent) -> None:
    from sqlalchemy.orm import object_session
    session = object_session(target)
    chain = session.info.get(_CHAIN_INFO) if session is not None else None
    if chain:
        target.payload = {**(target.payload or {}), CHAIN_KEY: list(chain)}


@sa_event.listens_for(Lead, "after_update")
def _fields_changed(_mapper, connection, target: Lead) -> None:
    """A LeadFieldsChanged event naming the fields a save changed (for "field changed")."""
    state = inspect(target)
    fields = []
    for attr in state.mapper.column_attrs:
        if attr.key in QUIET_FIELDS or (attr.key == "rating" and not target.rating_manual):
            continue
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        if attr.key == "custom_fields":
            before = (history.deleted[0] if history.deleted else None) or {}
            after = target.custom_fields or {}
            fields += [f"cf.{k}" for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
        else:
            fields.append(attr.key)
    if not fields:
        return
    from sqlalchemy.orm import object_session
    session = object_session(target)
    payload: dict[str, Any] = {"lead_id": target.id, "fields": fields}
    chain = session.info.get(_CHAIN_INFO) if session is not None else None
    if chain:
        payload[CHAIN_KEY] = list(chain)
    table = DomainEvent.__table__
    event_id = connection.execute(insert(table).values(
        team_id=target.team_id, name=LEAD_FIELDS_CHANGED, payload=payload, lead_id=target.id,
        occurred_at=utcnow()).returning(table.c.id)).scalar_one()
    if session is not None:
        from leadhub.services import events
        events._listen(session)
        session.info.setdefault(events._NEW_EVENTS, []).append(event_id)


def register_handlers() -> None:
    from leadhub.services import events
    for _, (_, names) in TRIGGERS.items():
        for name in names:
            handlers = events.EVENT_HANDLERS.setdefault(name, [])
            if on_event not in handlers:
                handlers.append(on_event)


register_handlers()


from leadhub.services.tasks import huey  # noqa: E402  (tasks imports this module back)
from huey import crontab  # noqa: E402


@huey.periodic_task(crontab(minute="*/15"))
def no_touch_sweep() -> None:
    run_no_touch()

