"""Copies of attribution facts on the records themselves, so the channel funnel, ROI and reps'
first touch read one table instead of joining up to a million outreach rows.

    contact.outreach_occurred_at, outreach_type, outreach_channel, outreach_user_id
    deal.outreach_*          the fields of the outreach the record is attributed to (outreach_id)
    lead.first_touch_at      its first outreach logged at or after its creation

Database triggers (migration e8f4a2c6d1b9) keep them right in the writer's own transaction,
whatever wrote (ORM, Core statements, imports, merges, raw SQL): a contact or deal inserted or
re-attributed copies its outreach; an outreach whose time, type, channel or rep is edited
updates its contacts and deals; an outreach inserted, moved to another lead, re-timed or
deleted sets or recounts its leads' first touch, as does a lead whose created_at changes (a
merge keeps the oldest). No service writes these columns.

A bulk load that bypasses triggers (PostgreSQL COPY under session_replication_role = replica,
as bench/analytics.py loads) calls `backfill` afterwards; `drift` counts rows whose copies
disagree with a recount (tests, benchmarks).
"""

from __future__ import annotations

from sqlalchemy import func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from leadhub.services.models import Contact, Deal, Lead, Outreach

COPIED = ("occurred_at", "type", "channel", "user_id")


def first_touch(lead=Lead):
    """SQL: the first outreach of `lead` at or after its creation (NULL: none)."""
    touch = aliased(Outreach, name="touch")
    return (select(func.min(touch.occurred_at))
            .where(touch.team_id == lead.team_id, touch.lead_id == lead.id, touch.occurred_at >= lead.created_at)
            .correlate(lead).scalar_subquery())


def backfill(session: Session, team_id: int) -> None:
    """Recompute every copy of one team (after a load that bypassed the triggers)."""
    for record in (Contact, Deal):
        session.execute(update(record).where(record.team_id == team_id, record.outreach_id.is_not(None))
                        .values({f"outreach_{c}": select(getattr(Outreach, c))
                                 .where(Outreach.id == record.outreach_id).correlate(record).scalar_subquery()
                                 for c in COPIED}))
    session.execute(update(Lead).where(Lead.team_id == team_id).values(first_touch_at=first_touch()))


def drift(session: Session, team_id: int) -> dict[str, int]:
    """How many contacts, deals and leads of the team hold copies that differ from a recount."""
    counts = {}
    for record in (Contact, Deal):
        source = aliased(Outreach, name="source")
        differs = or_(*[getattr(record, f"outreach_{c}").is_distinct_from(getattr(source, c)) for c in COPIED])
        counts[record.__tablename__] = session.exec(
            select(func.count()).select_from(record).outerjoin(source, source.id == record.outreach_id)
            .where(record.team_id == team_id, differs)).one()
    counts["lead"] = session.exec(select(func.count()).select_from(Lead).where(
        Lead.team_id == team_id, Lead.first_touch_at.is_distinct_from(first_touch()))).one()
    return counts
