"""Every touch with a contact or lead, so "last contacted" is always right and frequency can be measured.

A touch is an outreach, or an Activity of type call, meeting or e-mail that is completed.
Both are kept as rows (a touch done offline is recorded as such an Activity, with its note),
so touches per 30 days and the average gap are computed from the records themselves.

`last_contacted_at` on contacts and leads is kept by mapper events on Outreach and Activity:
whichever code path writes a touch (these services, tasks, imports, demo data), the flush
runs one guarded UPDATE that only ever moves the timestamp forward, so a touch logged late
never rewinds it and two concurrent touches cannot lose the newer one:

    UPDATE contact SET last_contacted_at = :t
     WHERE id = :id AND team_id = :team AND (last_contacted_at IS NULL OR last_contacted_at < :t)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, event, inspect, or_, union_all, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import object_session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, func, select

from leadhub.services import teamtime
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    Contact,
    Lead,
    Membership,
    Outreach,
    Team,
    utcnow,
)

TOUCH_ACTIVITY_TYPES = (ActivityType.CALL.value, ActivityType.MEETING.value, ActivityType.EMAIL.value)
OFFLINE_TOUCH_LABELS = {
    ActivityType.CALL.value: "Call",
    ActivityType.MEETING.value: "Meeting",
    ActivityType.EMAIL.value: "E-mail",
}
FREQUENCY_WINDOW_DAYS = 30


# --- Keeping last_contacted_at ----------------------------------------------------------

def bump_last_contacted(connection: Connection | Session, *, team_id: int, at: datetime,
                        lead_id: int | None = None, contact_id: int | None = None) -> None:
    """Move last_contacted_at forward to `at` on the given lead and/or contact, never back."""
    if at is None:
        return
    session = connection if isinstance(connection, OrmSession) else None
    executor = session.connection() if session is not None else connection
    for model, record_id in ((Lead, lead_id), (Contact, contact_id)):
        if record_id is None:
            continue
        table = model.__table__
        executor.execute(
            update(table)
            .where(table.c.id == record_id, table.c.team_id == team_id,
                   or_(table.c.last_contacted_at.is_(None), table.c.last_contacted_at < at))
            .values(last_contacted_at=at))
        _refresh_loaded(session, model, record_id, at)


def _refresh_loaded(session: Session | None, model: type, record_id: int, at: datetime) -> None:
    """Keep an already-loaded instance in step with the row the UPDATE just changed."""
    if session is None:
        return
    instance = session.identity_map.get(identity_key(model, record_id))
    if instance is None or "last_contacted_at" not in instance.__dict__:
        return
    current = instance.__dict__["last_contacted_at"]
    if current is None or current < at:
        set_committed_value(instance, "last_contacted_at", at)


def _changed(target: Any, *names: str) -> bool:
    state = inspect(target)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Outreach, "after_insert")
def _outreach_inserted(_mapper, connection, target: Outreach) -> None:
    _bump_from(connection, target, target.occurred_at)


@event.listens_for(Outreach, "after_update")
def _outreach_updated(_mapper, connection, target: Outreach) -> None:
    if _changed(target, "lead_id", "contact_id", "occurred_at"):
        _bump_from(connection, target, target.occurred_at)


def activity_touch_time(activity: Activity) -> datetime | None:
    """When a completed call/meeting/e-mail happened; None when the activity is no touch."""
    if activity.type not in TOUCH_ACTIVITY_TYPES or activity.status != ActivityStatus.COMPLETED.value:
        return None
    return activity.completed_at or activity.created_at or utcnow()


@event.listens_for(Activity, "after_insert")
def _activity_inserted(_mapper, connection, target: Activity) -> None:
    _bump_from(connection, target, activity_touch_time(target))


@event.listens_for(Activity, "after_update")
def _activity_updated(_mapper, connection, target: Activity) -> None:
    if _changed(target, "status", "type", "completed_at", "lead_id", "contact_id"):
        _bump_from(connection, target, activity_touch_time(target))


def _bump_from(connection: Connection, target: Any, at: datetime | None) -> None:
    if at is None or (target.lead_id is None and target.contact_id is None):
        return
    bump_last_contacted(connection, team_id=target.team_id, at=at,
                        lead_id=target.lead_id, contact_id=target.contact_id)
    session = object_session(target)
    for model, record_id in ((Lead, target.lead_id), (Contact, target.contact_id)):
        if record_id is not None:
            _refresh_loaded(session, model, record_id, at)


# --- Records of the team ----------------------------------------------------------------

def team_lead(session: Session, ctx: TeamContext, lead_id: int | None) -> Lead | None:
    """The lead if it belongs to the caller's team; NotFound otherwise (None passes through)."""
    if lead_id is None:
        return None
    return get_in_team(session, Lead, ctx, lead_id, "No such lead in this team.")


def team_contact(session: Session, ctx: TeamContext, contact_id: int | None) -> Contact | None:
    """The contact if it belongs to the caller's team; NotFound otherwise."""
    if contact_id is None:
        return None
    return get_in_team(session, Contact, ctx, contact_id, "No such contact in this team.")


def is_team_member(session: Session, team_id: int, user_id: int) -> bool:
    return session.exec(select(Membership.id).where(
        Membership.team_id == team_id, Membership.user_id == user_id)).first() is not None


def require_record_access(ctx: TeamContext, owner_id: int | None) -> None:
    """Reps act on records they own (or nobody owns); managers and admins on any."""
    if not ctx.is_manager and owner_id not in (None, ctx.user_id):
        raise PermissionDenied("This record belongs to another rep.")


# --- Offline touches --------------------------------------------------------------------

def record_offline_touch(*, session: Session, ctx: TeamContext, note: str,
                         kind: str = ActivityType.CALL.value, at: datetime | str | None = None,
                         lead_id: int | None = None, contact_id: int | None = None,
                         note_required: bool = True) -> Activity:
    """A rep sets "last contacted" by hand for a call, meeting or e-mail that happened outside
    LeadHub. `at` is a naive local time in the team's zone (default: now). The touch is kept as
    a completed Activity with the note, so it counts for frequency like any other touch."""
    team = session.get(Team, ctx.team_id)
    errors: dict[str, str] = {}
    if kind not in TOUCH_ACTIVITY_TYPES:
        errors["kind"] = "Choose call, meeting or e-mail."
    note = (note or "").strip()
    if note_required and not note:
        errors["note"] = "Say in a few words what happened."
    elif len(note) > 5000:
        errors["note"] = "Use at most 5000 characters."
    if lead_id is None and contact_id is None:
        errors["record"] = "Choose the contact or lead this touch was with."
    touched_at = utcnow()
    if at not in (None, ""):
        try:
            touched_at = teamtime.local_datetime_to_utc(at, team, field="at", allow_future=False)
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    if errors:
        raise ValidationFailed(field_errors=errors)
    team_lead(session, ctx, lead_id)
    team_contact(session, ctx, contact_id)
    activity = Activity(
        team_id=ctx.team_id, type=kind, subject=f"{OFFLINE_TOUCH_LABELS[kind]} (logged by hand)",
        description=note, due_at=touched_at, status=ActivityStatus.COMPLETED.value,
        completed_at=touched_at, owner_id=ctx.user_id, lead_id=lead_id, contact_id=contact_id)
    session.add(activity)
    session.flush()
    return activity


# --- Frequency --------------------------------------------------------------------------

@dataclass(frozen=True)
class TouchStats:
    total: int
    first_at: datetime | None
    last_at: datetime | None
    last_30_days: int
    touches_per_30_days: float
    average_gap_days: float | None


def _touch_times(team_id: int, *, lead_id: int | None, contact_id: int | None):
    """One column `at`: every touch of one lead or contact (outreach and completed activities)."""
    outreach = select(Outreach.occurred_at.label("at")).where(Outreach.team_id == team_id)
    activity = select(func.coalesce(Activity.completed_at, Activity.created_at).label("at")).where(
        Activity.team_id == team_id, Activity.type.in_(TOUCH_ACTIVITY_TYPES),
        Activity.status == ActivityStatus.COMPLETED.value)
    if lead_id is not None:
        outreach = outreach.where(Outreach.lead_id == lead_id)
        activity = activity.where(Activity.lead_id == lead_id)
    else:
        outreach = outreach.where(Outreach.contact_id == contact_id)
        activity = activity.where(Activity.contact_id == contact_id)
    return union_all(outreach, activity).subquery("touches")


def touch_stats(*, session: Session, ctx: TeamContext, contact_id: int | None = None,
                lead_id: int | None = None, now: datetime | None = None) -> TouchStats:
    """How often a contact (or lead) is touched: count, touches per 30 days, average gap.

    Touches per 30 days = total × 30 / days since the first touch (at least 30 days, so a
    fresh record is not inflated). Average gap = (last − first) / (total − 1)."""
    if (contact_id is None) == (lead_id is None):
        raise ValidationFailed(field_errors={"record": "Choose one contact or one lead."})
    team_lead(session, ctx, lead_id)
    team_contact(session, ctx, contact_id)
    now = now or utcnow()
    since = now - timedelta(days=FREQUENCY_WINDOW_DAYS)
    touches = _touch_times(ctx.team_id, lead_id=lead_id, contact_id=contact_id)
    total, first_at, last_at, recent = session.exec(select(
        func.count(), func.min(touches.c.at), func.max(touches.c.at),
        func.coalesce(func.sum(case((touches.c.at >= since, 1), else_=0)), 0))).one()
    if not total:
        return TouchStats(0, None, None, 0, 0.0, None)
    span_days = max(FREQUENCY_WINDOW_DAYS, (now - first_at).total_seconds() / 86400)
    gap = (last_at - first_at).total_seconds() / 86400 / (total - 1) if total > 1 else None
    return TouchStats(total=total, first_at=first_at, last_at=last_at, last_30_days=int(recent),
                      touches_per_30_days=round(total * FREQUENCY_WINDOW_DAYS / span_days, 2),
                      average_gap_days=round(gap, 2) if gap is not None else None)


@dataclass(frozen=True)
class Touch:
    at: datetime
    kind: str           # "outreach" or the activity type
    record_id: int      # outreach id or activity id
    user_id: int | None
    summary: str


def list_touches(*, session: Session, ctx: TeamContext, contact_id: int | None = None,
                 lead_id: int | None = None, limit: int = 50) -> list[Touch]:
    """The most recent touches of one contact or lead, newest first (history panel)."""
    if (contact_id is None) == (lead_id is None):
        raise ValidationFailed(field_errors={"record": "Choose one contact or one lead."})
    team_lead(session, ctx, lead_id)
    team_contact(session, ctx, contact_id)
    limit = max(1, min(int(limit), 200))
    outreach = select(Outreach).where(Outreach.team_id == ctx.team_id)
    activity = select(Activity).where(
        Activity.team_id == ctx.team_id, Activity.type.in_(TOUCH_ACTIVITY_TYPES),
        Activity.status == ActivityStatus.COMPLETED.value)
    if lead_id is not None:
        outreach, activity = outreach.where(Outreach.lead_id == lead_id), activity.where(
            Activity.lead_id == lead_id)
    else:
        outreach, activity = outreach.where(Outreach.contact_id == contact_id), activity.where(
            Activity.contact_id == contact_id)
    rows = [Touch(o.occurred_at, "outreach", o.id, o.user_id, o.description) for o in session.exec(
        outreach.order_by(Outreach.occurred_at.desc()).limit(limit))]
    rows += [Touch(a.completed_at or a.created_at, a.type, a.id, a.owner_id,
                   a.description or a.subject) for a in session.exec(
        activity.order_by(func.coalesce(Activity.completed_at, Activity.created_at).desc()).limit(limit))]
    rows.sort(key=lambda t: t.at, reverse=True)
    return rows[:limit]
