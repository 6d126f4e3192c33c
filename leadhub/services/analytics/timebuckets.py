"""Day, week and month buckets on the team's clock, computed by the database on both dialects.

PostgreSQL converts with its own time zone database: `date_trunc(grain, timezone(tz, ts))`.
SQLite has no time zones, so the zone's UTC offsets over the queried range are worked out here
with zoneinfo (one offset per DST period, usually two or three per year) and handed to SQLite
as a CASE choosing the date modifier ('+3600 seconds') by the row's UTC instant. Both give a
row at 23:30 UTC on 28 March 2026 to Sunday 29 March in Madrid, and a row at 00:30 UTC the
same night to the same local day. Weeks start on Monday; buckets are named by their first day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, cast, func, literal

from leadhub.services.analytics.filters import Scope


def offset_periods(tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """[(from_utc, offset_seconds)] covering [start, end): a new entry at every offset change."""
    return list(_offset_periods(tz.key, start, end))


@lru_cache(maxsize=256)
def _offset_periods(key: str, start: datetime, end: datetime) -> tuple[tuple[datetime, int], ...]:
    tz = ZoneInfo(key)

    def offset(moment: datetime) -> int:
        return int(moment.astimezone(tz).utcoffset().total_seconds())

    periods = [(start, offset(start))]
    step = timedelta(days=1)      # offsets never change twice within a day
    moment = start
    while moment < end:
        following = min(moment + step, end)
        if offset(following) != periods[-1][1]:
            low, high = moment, following          # offset(low) old, offset(high) new
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == periods[-1][1]:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            periods.append((high, offset(high)))
        moment = following
    return tuple(periods)


def _sqlite_modifier(column, sc: Scope, start: datetime, end: datetime):
    periods = offset_periods(sc.tz, start, end)
    modifiers = [f"{seconds:+d} seconds" for _, seconds in periods]
    if len(periods) == 1:
        return literal(modifiers[0])
    return case(*[(column < periods[i + 1][0], modifiers[i]) for i in range(len(periods) - 1)],
                else_=modifiers[-1])


def local_bucket(column, sc: Scope, grain: str, *, start: datetime | None = None,
                 end: datetime | None = None):
    """SQL for the first local day of the bucket a UTC timestamp column falls in. `start`/`end`
    bound the rows the expression will see (default: the scope's range)."""
    start, end = start or sc.start, end or sc.end
    if sc.dialect == "postgresql":
        return cast(func.date_trunc(grain, func.timezone(sc.tz.key, column)), Date)
    modifier = _sqlite_modifier(column, sc, start, end)
    if grain == "day":
        return func.date(column, modifier)
    if grain == "week":
        return func.date(column, modifier, "weekday 0", "-6 days")
    return func.strftime("%Y-%m-01", column, modifier)


def date_bucket(column, sc: Scope, grain: str):
    """SQL for the first day of the bucket of a DATE column (already a local day)."""
    if sc.dialect == "postgresql":
        return cast(func.date_trunc(grain, column), Date)
    if grain == "day":
        return func.date(column)
    if grain == "week":
        return func.date(column, "weekday 0", "-6 days")
    return func.strftime("%Y-%m-01", column)


def seconds_between(later, earlier, dialect: str):
    """SQL for (later − earlier) in seconds, for two UTC timestamp columns."""
    if dialect == "postgresql":
        # date_part gives double precision; EXTRACT gives numeric since PostgreSQL 14, and the
        # medians' numeric arithmetic on 100k rows took longer than reading them
        return func.date_part("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def as_date(value) -> date:
    """A bucket as the database returned it (date, datetime or 'YYYY-MM-DD')."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def floor(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def following(day: date, grain: str) -> date:
    """The first day of the bucket after the one starting on `day`."""
    if grain == "day":
        return day + timedelta(days=1)
    if grain == "week":
        return day + timedelta(days=7)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def buckets(first: date, last: date, grain: str) -> list[date]:
    """Every bucket touching the local days first..last, empty ones included."""
    result, day = [], floor(first, grain)
    while day <= last:
        result.append(day)
        day = following(day, grain)
    return result


def utc_bounds(bucket: date, grain: str, sc: Scope) -> tuple[datetime, datetime]:
    """The UTC instants a local bucket covers, clipped to the scope (for drill-down lists)."""
    from leadhub.services import teamtime

    start = teamtime.day_start_utc(bucket, sc.tz)
    end = teamtime.day_start_utc(following(bucket, grain), sc.tz)
    return max(start, sc.start), min(end, sc.end)

