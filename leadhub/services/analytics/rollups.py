"""Outreach counted per team-local day, so the dashboard reads a few thousand rollup rows
instead of scanning a million outreach rows.

How it stays right: triggers on `outreach` (migration dc573487b0b6) write a mark
(team_id, occurred_at) into analytics_outreach_dirty for every inserted and deleted row, and
the old and new values of every update that touches a counted column — in the writer's own
transaction, whatever wrote it (ORM, Core bulk statements, imports, merges, COPY, raw SQL).
Before the dashboard reads, `refresh` takes the team's marks (DELETE … RETURNING, so a mark is
consumed once), turns each instant into the team-local day it falls on and recounts those
days from `outreach` (delete the day's rollup rows, INSERT … SELECT … GROUP BY). A team
without rollups yet, or whose time zone changed since they were built, is rebuilt whole.

What the rollup can answer: outreach volume and the per type/channel/rep/status/outcome
breakdown, under date, rep, type and channel filters (columns of outreach itself). Filters
that go through the outreach's lead (lead source, campaign, segment) read `outreach` directly.
A refresh that fails (e.g. a concurrent writer on SQLite) is rolled back to its savepoint and
that one dashboard reads `outreach` directly; the marks stay for the next one.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import Date, cast, delete, exists, func, insert, literal, text, union_all
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from leadhub.services import teamtime
from leadhub.services.analytics.filters import Scope
from leadhub.services.analytics.models import (
    OutreachDay,
    OutreachDirty,
    OutreachMonth,
    OutreachVolumeDay,
    RollupState,
)
from leadhub.services.analytics.timebuckets import as_date, date_bucket, floor, following, local_bucket
from leadhub.services.models import Outreach, Team, utcnow

log = logging.getLogger(__name__)

FULL_REBUILD_DAYS = 120      # more marked days than this: rebuild the team in one pass
_LOCK_KEY = 0x0A7A1      # pg_advisory_xact_lock(key, team_id): one refresher per team at a time


def usable(sc: Scope) -> bool:
    """Whether the rollup answers this scope's outreach questions (no filter through leads)."""
    return not sc.filters_through_leads


def _local_day(session: Session, tz: ZoneInfo, start: datetime, end: datetime):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return cast(func.timezone(tz.key, Outreach.occurred_at), Date)
    return local_bucket(Outreach.occurred_at, SimpleNamespace(tz=tz, dialect=dialect), "day",
                        start=start, end=end)


def _recount(session: Session, team_id: int, tz: ZoneInfo, start: datetime | None,
             end: datetime | None) -> None:
    """INSERT the counts of the team's outreach in [start, end) (everything when None)."""
    conditions = [Outreach.team_id == team_id]
    if start is not None:
        conditions += [Outreach.occurred_at >= start, Outreach.occurred_at < end]
        low, high = start, end
    else:
        low, high = session.exec(select(func.min(Outreach.occurred_at), func.max(Outreach.occurred_at))
                                 .where(Outreach.team_id == team_id)).one()
        if low is None:
            return
        high = high + timedelta(seconds=1)
    day = _local_day(session, tz, low, high).label("day")
    channel = func.coalesce(Outreach.channel, "").label("channel")
    outcome = func.coalesce(Outreach.call_outcome, "").label("call_outcome")
    counted = (select(literal(team_id).label("team_id"), day, Outreach.user_id, Outreach.type, channel,
                      Outreach.response_status, outcome, func.count().label("count"))
               .where(*conditions)
               .group_by(day, Outreach.user_id, Outreach.type, channel, Outreach.response_status, outcome))
    session.execute(insert(OutreachDay).from_select(
        ["team_id", "day", "user_id", "type", "channel", "response_status", "call_outcome", "count"], counted))


def _derive(session: Session, team_id: int, first: date | None, last: date | None) -> None:
    """Recount the slim volume rows of the days first..last and the month rows of the months
    they touch from analytics_outreach_day (everything when None)."""
    dialect = SimpleNamespace(dialect=session.get_bind().dialect.name)
    days = [OutreachDay.team_id == team_id]
    volume_days = [OutreachVolumeDay.team_id == team_id]
    months = [OutreachMonth.team_id == team_id]
    month_days = [OutreachDay.team_id == team_id]
    if first is not None:
        days += [OutreachDay.day >= first, OutreachDay.day <= last]
        volume_days += [OutreachVolumeDay.day >= first, OutreachVolumeDay.day <= last]
        low, high = floor(first, "month"), following(floor(last, "month"), "month")
        months += [OutreachMonth.month >= low, OutreachMonth.month < high]
        month_days += [OutreachDay.day >= low, OutreachDay.day < high]
    session.execute(delete(OutreachVolumeDay).where(*volume_days))
    session.execute(insert(OutreachVolumeDay).from_select(
        ["team_id", "day", "user_id", "type", "count"],
        select(OutreachDay.team_id, OutreachDay.day, OutreachDay.user_id, OutreachDay.type,
               func.sum(OutreachDay.count)).where(*days)
        .group_by(OutreachDay.team_id, OutreachDay.day, OutreachDay.user_id, OutreachDay.type)))
    session.execute(delete(OutreachMonth).where(*months))
    month = date_bucket(OutreachDay.day, dialect, "month")
    keys = (OutreachDay.user_id, OutreachDay.type, OutreachDay.channel, OutreachDay.response_status,
            OutreachDay.call_outcome)
    session.execute(insert(OutreachMonth).from_select(
        ["team_id", "month", "user_id", "type", "channel", "response_status", "call_outcome", "count"],
        select(OutreachDay.team_id, month, *keys, func.sum(OutreachDay.count)).where(*month_days)
        .group_by(OutreachDay.team_id, month, *keys)))


def rebuild(session: Session, team: Team) -> None:
    """Recount every day of the team (first use, a new time zone, or many marked days)."""
    tz = teamtime.zone(team)
    session.execute(delete(OutreachDirty).where(OutreachDirty.team_id == team.id))
    for table in (OutreachDay, OutreachVolumeDay, OutreachMonth):
        session.execute(delete(table).where(table.team_id == team.id))
    _recount(session, team.id, tz, None, None)
    _derive(session, team.id, None, None)
    state = session.get(RollupState, team.id) or RollupState(team_id=team.id, timezone=tz.key)
    state.timezone, state.built_at = tz.key, utcnow()
    session.add(state)
    session.flush()


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as contiguous (first, last) runs."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def refresh(session: Session, team: Team) -> None:
    """Bring the team's rollup up to date with every committed (and this transaction's) write."""
    tz = teamtime.zone(team)
    state = session.get(RollupState, team.id)
    pending = session.exec(select(exists().where(OutreachDirty.team_id == team.id))).one()
    if state is not None and state.timezone == tz.key and not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key, :team)"), {"key": _LOCK_KEY, "team": team.id})
        session.expire_all()
        state = session.get(RollupState, team.id)
    if state is None or state.timezone != tz.key:
        rebuild(session, team)
        return
    marked = session.exec(delete(OutreachDirty).where(OutreachDirty.team_id == team.id)
                          .returning(OutreachDirty.occurred_at)).all()
    days = {_aware(at).astimezone(tz).date() for (at,) in marked}
    if len(days) > FULL_REBUILD_DAYS:
        rebuild(session, team)
        return
    for first, last in _runs(list(days)):
        session.execute(delete(OutreachDay).where(OutreachDay.team_id == team.id, OutreachDay.day >= first,
                                                  OutreachDay.day <= last))
        _recount(session, team.id, tz, teamtime.day_start_utc(first, tz),
                 teamtime.day_start_utc(last + timedelta(days=1), tz))
        _derive(session, team.id, first, last)
    session.flush()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def ensure_fresh(session: Session, sc: Scope) -> bool:
    """Refresh the scope's team inside a savepoint; False (read `outreach` directly) if the
    rollup cannot answer this scope or the refresh failed."""
    if not usable(sc):
        return False
    try:
        with session.begin_nested():
            refresh(session, sc.team)
    except DBAPIError:
        log.warning("Analytics rollup refresh for team %s failed; reading outreach directly",
                    sc.team_id, exc_info=True)
        return False
    return True


# --- Reading ------------------------------------------------------------------------------------

def _where(sc: Scope, table, first: date, last: date, column=None) -> list:
    flt = sc.flt
    column = column if column is not None else table.day
    conditions = [table.team_id == sc.team_id, column >= first, column <= last]
    if flt.user_ids:
        conditions.append(table.user_id.in_(flt.user_ids))
    if flt.types:
        conditions.append(table.type.in_(flt.types))
    if flt.channels and hasattr(table, "channel"):
        conditions.append(table.channel.in_(flt.channels))
    return conditions


def volume_rows(session: Session, sc: Scope, grain: str) -> list[tuple]:
    """(bucket, type, user_id, count) for the scope, buckets of the grain."""
    if sc.flt.channels:      # the slim table has no channel
        table, bucket = OutreachDay, date_bucket(OutreachDay.day, sc, grain).label("bucket")
    else:
        table, bucket = OutreachVolumeDay, date_bucket(OutreachVolumeDay.day, sc, grain).label("bucket")
    rows = session.exec(select(bucket, table.type, table.user_id, func.sum(table.count))
                        .where(*_where(sc, table, sc.flt.date_from, sc.flt.date_to))
                        .group_by(bucket, table.type, table.user_id)).all()
    return [(as_date(b), t, u, n) for b, t, u, n in rows]


def whole_months(first: date, last: date) -> tuple[date, date] | None:
    """(first month, last month) of the calendar months lying wholly within first..last."""
    start = first if first.day == 1 else following(floor(first, "month"), "month")
    end = floor(last, "month")
    if following(end, "month") - timedelta(days=1) != last:     # the last month is partial
        end = floor(end - timedelta(days=1), "month")
    return (start, end) if start <= end else None


def breakdown_rows(session: Session, sc: Scope) -> list[tuple]:
    """(type, channel, user_id, status, outcome, count) for the scope: whole months from the
    month table, the days of partial months from the day table."""
    flt = sc.flt
    months = whole_months(flt.date_from, flt.date_to)

    def part(table, conditions):
        return select(table.type.label("type"), table.channel.label("channel"), table.user_id.label("user_id"),
                      table.response_status.label("status"), table.call_outcome.label("outcome"),
                      table.count.label("n")).where(*conditions)

    if months is None:
        source = part(OutreachDay, _where(sc, OutreachDay, flt.date_from, flt.date_to)).subquery()
    else:
        first_month, last_month = months
        parts = [part(OutreachMonth, _where(sc, OutreachMonth, first_month, last_month, OutreachMonth.month))]
        # the partial months' days, each edge its own range of the primary key (an OR of the two
        # was read as the whole year's days, filtered)
        if flt.date_from < first_month:
            parts.append(part(OutreachDay, _where(sc, OutreachDay, flt.date_from,
                                                  first_month - timedelta(days=1))))
        after = following(last_month, "month")
        if after <= flt.date_to:
            parts.append(part(OutreachDay, _where(sc, OutreachDay, after, flt.date_to)))
        source = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    keys = (source.c.type, source.c.channel, source.c.user_id, source.c.status, source.c.outcome)
    return list(session.exec(select(*keys, func.sum(source.c.n)).group_by(*keys)).all())
