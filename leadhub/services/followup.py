"""The follow-up queue: contacts and open leads nobody has touched for too long, most urgent first.

How long is too long depends on the rating and is a team setting (`followup_policy`, defaults
Hot 2 days, Warm 7, Cold 30, unrated 14; admins change it). Contacts take the rating and score
of the lead they came from. An item is due when its last touch (or its creation, if never
touched) is older than its interval, and not snoozed. Priority, computed by the database:

    overdue days × rating weight × (1 + score/100) × (1 + open deal value / (open deal value + 10 000))

Rating weights: Hot 4, Warm 2, unrated 1.5, Cold 1. Scores below 0 count as 0. The deal
factor grows with the open (not closed) deal value of the item and never exceeds 1, so one
huge deal cannot bury everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, UniqueConstraint, case, cast, exists, literal, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Field, Session, SQLModel, func, select

from leadhub.services import teamtime, touches
from leadhub.services.context import TeamContext
from leadhub.services.errors import PermissionDenied, ValidationFailed
from leadhub.services.models import (
    Account,
    Activity,
    ActivityType,
    Contact,
    Deal,
    DealStage,
    Lead,
    LeadStatus,
    Rating,
    Role,
    Team,
    utcnow,
)
from leadhub.services.paging import Page, clamp

DEFAULT_INTERVAL_DAYS = {Rating.HOT.value: 2, Rating.WARM.value: 7, Rating.COLD.value: 30, "": 14}
RATING_WEIGHTS = {Rating.HOT.value: 4.0, Rating.WARM.value: 2.0, Rating.COLD.value: 1.0, "": 1.5}
DEAL_VALUE_SCALE = 10_000.0
MAX_INTERVAL_DAYS = 365
CLOSED_LEAD_STATUSES = (LeadStatus.CONVERTED.value, LeadStatus.UNQUALIFIED.value)
CLOSED_DEAL_STAGES = (DealStage.CLOSED_WON.value, DealStage.CLOSED_LOST.value)
KINDS = ("lead", "contact")


class FollowUpPolicy(SQLModel, table=True):
    """Days without a touch after which a record needs a follow-up, per rating, per team."""

    __tablename__ = "followup_policy"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", unique=True, ondelete="CASCADE")
    hot_days: int = Field(default=DEFAULT_INTERVAL_DAYS[Rating.HOT.value])
    warm_days: int = Field(default=DEFAULT_INTERVAL_DAYS[Rating.WARM.value])
    cold_days: int = Field(default=DEFAULT_INTERVAL_DAYS[Rating.COLD.value])
    unrated_days: int = Field(default=DEFAULT_INTERVAL_DAYS[""])
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)

    def days_for(self, rating: str) -> int:
        return {Rating.HOT.value: self.hot_days, Rating.WARM.value: self.warm_days,
                Rating.COLD.value: self.cold_days}.get(rating or "", self.unrated_days)


class FollowUpSnooze(SQLModel, table=True):
    """A lead or contact left out of the queue until `until` (one row per record)."""

    __tablename__ = "followup_snooze"
    __table_args__ = (
        UniqueConstraint("lead_id", name="uq_followup_snooze_lead"),
        UniqueConstraint("contact_id", name="uq_followup_snooze_contact"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    lead_id: int | None = Field(default=None, foreign_key="lead.id", ondelete="CASCADE")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="CASCADE")
    until: datetime
    snoozed_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


# --- Policy -------------------------------------------------------------------------------

def get_policy(*, session: Session, ctx: TeamContext) -> FollowUpPolicy:
    """The team's intervals; the defaults (not stored) until an admin changes them."""
    policy = session.exec(select(FollowUpPolicy).where(FollowUpPolicy.team_id == ctx.team_id)).first()
    return policy or FollowUpPolicy(team_id=ctx.team_id)


def update_policy(*, session: Session, ctx: TeamContext, hot_days: Any, warm_days: Any,
                  cold_days: Any, unrated_days: Any) -> FollowUpPolicy:
    ctx.require(Role.ADMIN)
    values, errors = {}, {}
    for name, raw in (("hot_days", hot_days), ("warm_days", warm_days), ("cold_days", cold_days),
                      ("unrated_days", unrated_days)):
        try:
            days = int(raw)
        except (TypeError, ValueError):
            errors[name] = "Enter a whole number of days."
            continue
        if not 1 <= days <= MAX_INTERVAL_DAYS:
            errors[name] = f"Enter between 1 and {MAX_INTERVAL_DAYS} days."
        values[name] = days
    if errors:
        raise ValidationFailed(field_errors=errors)
    policy = get_policy(session=session, ctx=ctx)
    for name, days in values.items():
        setattr(policy, name, days)
    policy.updated_by, policy.updated_at = ctx.user_id, utcnow()
    session.add(policy)
    session.flush()
    return policy


# --- The queue ----------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueItem:
    kind: str                      # "lead" or "contact"
    id: int
    name: str
    company: str
    email: str
    phone: str
    rating: str
    score: int
    owner_id: int | None
    last_touch_at: datetime        # last contacted, or created if never contacted
    interval_days: int
    overdue_days: float
    open_deal_value: Decimal
    priority: float

    @property
    def due_at(self) -> datetime:
        return self.last_touch_at + timedelta(days=self.interval_days)


def _epoch_seconds(column, dialect: str):
    if dialect == "postgresql":
        return cast(func.date_part("epoch", column), Float)   # float8, not numeric
    return (func.julianday(column) - 2440587.5) * 86400.0


def _queue_rows(session: Session, ctx: TeamContext, rep_id: int | None, now: datetime):
    """The UNION of due leads and due contacts, one row each with its priority (a subquery)."""
    policy = get_policy(session=session, ctx=ctx)
    dialect = session.get_bind().dialect.name
    now_epoch = now.timestamp()

    def interval(rating):
        return case((rating == Rating.HOT.value, policy.hot_days),
                    (rating == Rating.WARM.value, policy.warm_days),
                    (rating == Rating.COLD.value, policy.cold_days), else_=policy.unrated_days)

    def weight(rating):
        return case(*[(rating == r, w) for r, w in RATING_WEIGHTS.items() if r],
                    else_=RATING_WEIGHTS[""])

    def measures(last_touch, rating, score, deal_value):
        overdue = (now_epoch - _epoch_seconds(last_touch, dialect)) / 86400.0 - interval(rating)
        score = cast(case((score < 0, 0), else_=score), Float)
        value = cast(deal_value, Float)
        priority = overdue * weight(rating) * (1 + score / 100.0) * (1 + value / (value + DEAL_VALUE_SCALE))
        return overdue, priority

    def snoozed(column):
        return exists().where(FollowUpSnooze.team_id == ctx.team_id, column,
                              FollowUpSnooze.until > now)

    def open_deals(column):
        return (select(func.coalesce(func.sum(Deal.amount), 0))
                .where(Deal.team_id == ctx.team_id, column, Deal.stage.not_in(CLOSED_DEAL_STAGES))
                .scalar_subquery())

    lead_touch = func.coalesce(Lead.last_contacted_at, Lead.created_at)
    lead_value = open_deals(Deal.lead_id == Lead.id)
    lead_overdue, lead_priority = measures(lead_touch, Lead.rating, Lead.score, lead_value)
    leads = select(
        literal("lead").label("kind"), Lead.id.label("id"), Lead.first_name.label("first_name"),
        Lead.last_name.label("last_name"), Lead.company.label("company"), Lead.email.label("email"),
        Lead.phone.label("phone"), Lead.rating.label("rating"), Lead.score.label("score"),
        Lead.owner_id.label("owner_id"), lead_touch.label("last_touch_at"),
        interval(Lead.rating).label("interval_days"), lead_overdue.label("overdue_days"),
        lead_value.label("open_deal_value"), lead_priority.label("priority"),
    ).where(Lead.team_id == ctx.team_id, Lead.status.not_in(CLOSED_LEAD_STATUSES),
            lead_overdue > 0, ~snoozed(FollowUpSnooze.lead_id == Lead.id))

    source = aliased(Lead, name="source_lead")
    rating = func.coalesce(source.rating, "")
    score = func.coalesce(source.score, 0)
    contact_touch = func.coalesce(Contact.last_contacted_at, Contact.created_at)
    contact_value = open_deals(Deal.contact_id == Contact.id)
    contact_overdue, contact_priority = measures(contact_touch, rating, score, contact_value)
    contacts = select(
        literal("contact").label("kind"), Contact.id, Contact.first_name, Contact.last_name,
        func.coalesce(Account.name, ""), Contact.email, Contact.phone, rating, score,
        Contact.owner_id, contact_touch, interval(rating), contact_overdue, contact_value,
        contact_priority,
    ).select_from(Contact).outerjoin(source, (source.id == Contact.lead_id) & (source.team_id == ctx.team_id)
    ).outerjoin(Account, (Account.id == Contact.account_id) & (Account.team_id == ctx.team_id)
    ).where(Contact.team_id == ctx.team_id, contact_overdue > 0,
            ~snoozed(FollowUpSnooze.contact_id == Contact.id))

    if rep_id is not None:
        leads = leads.where(Lead.owner_id == rep_id)
        contacts = contacts.where(Contact.owner_id == rep_id)
    return union_all(leads, contacts).subquery("queue")


def _rep_scope(ctx: TeamContext, rep_id: int | None, everyone: bool) -> int | None:
    """Whose queue: the caller's by default; another rep's or everyone's for managers only."""
    if everyone or (rep_id is not None and rep_id != ctx.user_id):
        if not ctx.is_manager:
            raise PermissionDenied("Only managers and admins can see another rep's follow-ups.")
        return None if everyone else rep_id
    return ctx.user_id


def queue(*, session: Session, ctx: TeamContext, rep_id: int | None = None, everyone: bool = False,
          page: int = 1, page_size: int = 25, now: datetime | None = None) -> Page[QueueItem]:
    """One page of a rep's follow-ups, most urgent first."""
    scope = _rep_scope(ctx, rep_id, everyone)
    now = now or utcnow()
    page, page_size, offset = clamp(page, page_size)
    rows = _queue_rows(session, ctx, scope, now)
    total = session.exec(select(func.count()).select_from(rows)).one()
    result = session.exec(select(*rows.c).order_by(rows.c.priority.desc(), rows.c.overdue_days.desc(),
                                                rows.c.kind, rows.c.id)
                          .offset(offset).limit(page_size)).all()
    items = [QueueItem(kind=r.kind, id=r.id, name=" ".join(p for p in (r.first_name, r.last_name) if p),
                       company=r.company or "", email=r.email or "", phone=r.phone or "",
                       rating=r.rating or "", score=int(r.score or 0), owner_id=r.owner_id,
                       last_touch_at=r.last_touch_at, interval_days=int(r.interval_days),
                       overdue_days=round(float(r.overdue_days), 2),
                       open_deal_value=Decimal(str(r.open_deal_value or 0)),
                       priority=round(float(r.priority), 3)) for r in result]
    return Page(items=items, total=total, page=page, page_size=page_size)


def going_cold_count(*, session: Session, ctx: TeamContext, rep_id: int | None = None,
                     everyone: bool = False, now: datetime | None = None) -> int:
    """How many records are overdue for a follow-up (the dashboard's "going cold")."""
    scope = _rep_scope(ctx, rep_id, everyone)
    rows = _queue_rows(session, ctx, scope, now or utcnow())
    return session.exec(select(func.count()).select_from(rows)).one()


# --- Acting on an item --------------------------------------------------------------------

def _record(session: Session, ctx: TeamContext, kind: str, record_id: int):
    if kind not in KINDS:
        raise ValidationFailed(field_errors={"kind": "Choose lead or contact."})
    record = (touches.team_lead(session, ctx, record_id) if kind == "lead"
              else touches.team_contact(session, ctx, record_id))
    touches.require_record_access(ctx, record.owner_id)
    return record


def _snooze_row(session: Session, ctx: TeamContext, kind: str, record_id: int) -> FollowUpSnooze | None:
    column = FollowUpSnooze.lead_id if kind == "lead" else FollowUpSnooze.contact_id
    return session.exec(select(FollowUpSnooze).where(
        FollowUpSnooze.team_id == ctx.team_id, column == record_id)).first()


def log_touch(*, session: Session, ctx: TeamContext, kind: str, record_id: int,
              touch_type: str = ActivityType.CALL.value, note: str = "",
              at: datetime | str | None = None) -> Activity:
    """One click from the queue: record a touch (now, unless `at` local time is given); the
    item leaves the queue and any snooze on it ends."""
    _record(session, ctx, kind, record_id)
    activity = touches.record_offline_touch(
        session=session, ctx=ctx, note=(note or "").strip() or "Follow-up from the queue.",
        kind=touch_type, at=at, **{f"{kind}_id": record_id})
    existing = _snooze_row(session, ctx, kind, record_id)
    if existing is not None:
        session.delete(existing)
        session.flush()
    return activity


def snooze(*, session: Session, ctx: TeamContext, kind: str, record_id: int,
           until: datetime | str) -> FollowUpSnooze:
    """Leave an item out of the queue until `until` (naive local time or date; a date means
    09:00 that day)."""
    _record(session, ctx, kind, record_id)
    team = session.get(Team, ctx.team_id)
    moment = teamtime.local_datetime_to_utc(until, team, field="until")
    if moment is None or moment <= utcnow():
        raise ValidationFailed(field_errors={"until": "Choose a moment in the future."})
    row = _snooze_row(session, ctx, kind, record_id) or FollowUpSnooze(
        team_id=ctx.team_id, **{f"{kind}_id": record_id}, until=moment)
    row.until, row.snoozed_by, row.created_at = moment, ctx.user_id, utcnow()
    session.add(row)
    session.flush()
    return row


def unsnooze(*, session: Session, ctx: TeamContext, kind: str, record_id: int) -> None:
    _record(session, ctx, kind, record_id)
    existing = _snooze_row(session, ctx, kind, record_id)
    if existing is not None:
        session.delete(existing)
        session.flush()
