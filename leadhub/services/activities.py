"""Activities of a lead: tasks, events and calls with a due time, an owner and a status.

Due times are typed as wall-clock time in the team's zone and stored in UTC (teamtime).
A planned activity whose due time has passed is overdue. Completing a call, meeting or
e-mail counts as a touch (touches.py moves the lead's last_contacted_at by itself).
Editing an activity records an `ActivityUpdated` event on its lead (what changed, from → to),
which the lead's timeline shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, select

from leadhub.services import events, teamtime
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import PermissionDenied, ValidationFailed
from leadhub.services.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    Lead,
    Membership,
    Team,
    User,
    utcnow,
)

TYPES = [t.value for t in ActivityType]
STATUSES = [s.value for s in ActivityStatus]
SUBJECT_MAX = 200
DESCRIPTION_MAX = 5000
FIELDS = ("type", "subject", "description", "due_at", "status", "owner_id")
ACTIVITY_UPDATED = "ActivityUpdated"


@dataclass(frozen=True)
class ActivityRow:
    id: int
    type: str
    subject: str
    description: str
    due_at: datetime | None
    status: str
    owner_id: int | None
    owner_name: str
    completed_at: datetime | None
    overdue: bool


def _lead(session: Session, ctx: TeamContext, lead_id: int) -> Lead:
    return get_in_team(session, Lead, ctx, lead_id, "This lead does not exist or belongs to another team.")


def _clean(session: Session, ctx: TeamContext, raw: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    unknown = set(raw) - set(FIELDS)
    if unknown:
        raise ValidationFailed(field_errors={f: "Unknown field." for f in sorted(unknown)})
    team = session.get(Team, ctx.team_id)
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if "type" in raw or not partial:
        kind = str(raw.get("type") or ActivityType.TASK.value).strip().lower()
        if kind not in TYPES:
            errors["type"] = f"Choose one of: {', '.join(TYPES)}."
        clean["type"] = kind
    if "subject" in raw or not partial:
        subject = " ".join(str(raw.get("subject") or "").split())
        if not subject:
            errors["subject"] = "Give the activity a subject."
        elif len(subject) > SUBJECT_MAX:
            errors["subject"] = f"Use at most {SUBJECT_MAX} characters."
        clean["subject"] = subject
    if "description" in raw:
        text = str(raw.get("description") or "").strip()
        if len(text) > DESCRIPTION_MAX:
            errors["description"] = f"Use at most {DESCRIPTION_MAX} characters."
        clean["description"] = text
    if "due_at" in raw:
        try:
            clean["due_at"] = teamtime.local_datetime_to_utc(raw.get("due_at"), team, field="due_at")
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    if "status" in raw or not partial:
        status = str(raw.get("status") or ActivityStatus.PLANNED.value).strip().lower()
        if status not in STATUSES:
            errors["status"] = f"Choose one of: {', '.join(STATUSES)}."
        clean["status"] = status
    if "owner_id" in raw:
        value = raw.get("owner_id")
        if value in (None, ""):
            clean["owner_id"] = None
        else:
            try:
                owner_id = int(value)
            except (TypeError, ValueError):
                owner_id = 0
            if not session.exec(select(Membership.id).where(
                    Membership.team_id == ctx.team_id, Membership.user_id == owner_id)).first():
                errors["owner_id"] = "The owner must be a member of this team."
            clean["owner_id"] = owner_id
    if errors:
        raise ValidationFailed(field_errors=errors)
    return clean


def create_activity(*, session: Session, ctx: TeamContext, lead_id: int, data: dict[str, Any]) -> Activity:
    """A task, event or call on a lead; owned by the caller unless another member is chosen."""
    lead = _lead(session, ctx, lead_id)
    clean = _clean(session, ctx, data, partial=False)
    clean.setdefault("owner_id", ctx.user_id)
    if clean["owner_id"] is None:
        clean["owner_id"] = ctx.user_id
    activity = Activity(team_id=ctx.team_id, lead_id=lead.id, **clean)
    if activity.status == ActivityStatus.COMPLETED.value:
        activity.completed_at = utcnow()
    session.add(activity)
    session.flush()
    return activity


def get_activity(*, session: Session, ctx: TeamContext, activity_id: int) -> Activity:
    return get_in_team(session, Activity, ctx, activity_id,
                       "This activity does not exist or belongs to another team.")


def _may_change(session: Session, ctx: TeamContext, activity: Activity) -> None:
    if ctx.is_manager or activity.owner_id in (None, ctx.user_id):
        return
    lead = session.get(Lead, activity.lead_id) if activity.lead_id else None
    if lead is not None and lead.owner_id == ctx.user_id:
        return
    raise PermissionDenied("Only the activity's owner, the lead's owner or a manager can change it.")


def _apply(session: Session, ctx: TeamContext, activity_id: int,
           changes: dict[str, Any]) -> tuple[Activity, dict[str, list[Any]]]:
    activity = get_activity(session=session, ctx=ctx, activity_id=activity_id)
    _may_change(session, ctx, activity)
    clean = _clean(session, ctx, changes, partial=True)
    changed: dict[str, list[Any]] = {}
    for name, value in clean.items():
        before = getattr(activity, name)
        if _comparable(before) != _comparable(value):
            changed[name] = [_plain(before), _plain(value)]
            setattr(activity, name, value)
    if "status" in changed:
        activity.completed_at = utcnow() if activity.status == ActivityStatus.COMPLETED.value else None
    if changed:
        session.add(activity)
        session.flush()
    return activity, changed


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite hands back naive UTC, PostgreSQL aware times
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return value


def _plain(value: Any) -> Any:
    """A value as JSON keeps it (times as ISO 8601 in UTC)."""
    value = _comparable(value)
    return value.isoformat() if isinstance(value, datetime) else value


def update_activity(*, session: Session, ctx: TeamContext, activity_id: int,
                    changes: dict[str, Any]) -> Activity:
    """Edit an activity's fields; what really changed is recorded on the lead's timeline."""
    activity, changed = _apply(session, ctx, activity_id, changes)
    if changed and activity.lead_id is not None:
        events.record(session=session, ctx=ctx, name=ACTIVITY_UPDATED, lead_id=activity.lead_id,
                      payload={"activity_id": activity.id, "subject": activity.subject, "changes": changed})
    return activity


def set_status(*, session: Session, ctx: TeamContext, activity_id: int, status: str) -> Activity:
    """Mark an activity completed, cancelled or planned again (the activity itself moves on the
    timeline, so no edit is recorded)."""
    return _apply(session, ctx, activity_id, {"status": status})[0]


def form_values(*, session: Session, ctx: TeamContext, activity_id: int) -> dict[str, str]:
    """An activity as its edit form starts: the due time as wall-clock time in the team's zone."""
    activity = get_activity(session=session, ctx=ctx, activity_id=activity_id)
    due = ""
    if activity.due_at is not None:
        local = teamtime.to_local(_comparable(activity.due_at), session.get(Team, ctx.team_id))
        due = local.strftime("%Y-%m-%dT%H:%M")
    return {"id": str(activity.id), "type": activity.type, "subject": activity.subject,
            "description": activity.description, "due_at": due, "status": activity.status,
            "owner_id": str(activity.owner_id or "")}


def delete_activity(*, session: Session, ctx: TeamContext, activity_id: int) -> None:
    activity = get_activity(session=session, ctx=ctx, activity_id=activity_id)
    _may_change(session, ctx, activity)
    session.delete(activity)
    session.flush()


def list_activities(*, session: Session, ctx: TeamContext, lead_id: int, limit: int = 50,
                    now: datetime | None = None) -> list[ActivityRow]:
    """A lead's activities: open ones first (soonest due first), then done ones (latest first)."""
    _lead(session, ctx, lead_id)
    now = now or utcnow()
    is_open = Activity.status == ActivityStatus.PLANNED.value
    rows = session.exec(
        select(Activity, User.full_name, User.email).outerjoin(User, User.id == Activity.owner_id)
        .where(Activity.team_id == ctx.team_id, Activity.lead_id == lead_id)
        .order_by(case((is_open, 0), else_=1), Activity.due_at.is_(None),
                  case((is_open, Activity.due_at), else_=None),
                  Activity.completed_at.desc(), Activity.id.desc())
        .limit(max(1, min(limit, 200)))).all()
    return [ActivityRow(id=a.id, type=a.type, subject=a.subject, description=a.description,
                        due_at=a.due_at, status=a.status, owner_id=a.owner_id,
                        owner_name=name or email or "", completed_at=a.completed_at,
                        overdue=is_overdue(a, now))
            for a, name, email in rows]


def is_overdue(activity: Activity, now: datetime | None = None) -> bool:
    return (activity.status == ActivityStatus.PLANNED.value and activity.due_at is not None
            and activity.due_at < (now or utcnow()))
