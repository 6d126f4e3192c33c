"""Wall-clock times in the team's time zone, so users type local times and the database keeps UTC.

A naive local time is resolved with zoneinfo. Two cases around a DST change need a rule:

- a time that does not exist (clocks jump forward, e.g. 02:30 on the last Sunday of March in
  Europe/Madrid) is refused with a message at the field;
- a time that happens twice (clocks go back, e.g. 02:30 on the last Sunday of October) is
  resolved by the datetime's `fold`: fold=0 (the default) is the first occurrence, still on
  summer time, fold=1 the second. `is_ambiguous` lets a form ask which one was meant.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadhub.services.errors import ValidationFailed
from leadhub.services.models import Team, utcnow

FUTURE_TOLERANCE = timedelta(minutes=5)


def zone(team: Team) -> ZoneInfo:
    try:
        return ZoneInfo(team.timezone or "UTC")
    except ZoneInfoNotFoundError:
        return ZoneInfo("UTC")


def parse_local(value: datetime | date | str | None, *, field: str) -> datetime | date | None:
    """Accept a datetime, a date or an ISO string from a form ('2026-03-29T02:30')."""
    if value is None or isinstance(value, (datetime, date)):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text) if ("T" in text or " " in text or ":" in text) \
            else date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed(field_errors={field: "Enter a date and time like 2026-03-29 14:30."}) from exc


def is_nonexistent(local: datetime, tz: ZoneInfo) -> bool:
    """True when the wall-clock time is skipped by a forward DST jump."""
    naive = local.replace(tzinfo=None)
    roundtrip = naive.replace(tzinfo=tz).astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
    return roundtrip != naive


def is_ambiguous(local: datetime, tz: ZoneInfo) -> bool:
    """True when the wall-clock time happens twice because clocks go back."""
    naive = local.replace(tzinfo=None)
    return (naive.replace(tzinfo=tz, fold=0).utcoffset()
            != naive.replace(tzinfo=tz, fold=1).utcoffset()) and not is_nonexistent(naive, tz)


def to_utc(local: datetime, tz: ZoneInfo, *, field: str) -> datetime:
    """A naive local time (or an aware one) as aware UTC; skipped local times are refused."""
    if local.tzinfo is not None and local.utcoffset() is not None:
        return local.astimezone(timezone.utc)
    if is_nonexistent(local, tz):
        raise ValidationFailed(field_errors={field: (
            f"{local:%Y-%m-%d %H:%M} does not exist in {tz.key}: the clocks jump forward that "
            "night. Use a time one hour later.")})
    return local.replace(tzinfo=tz).astimezone(timezone.utc)


def local_datetime_to_utc(value, team: Team, *, field: str, default_time: time = time(9, 0),
                          allow_future: bool = True) -> datetime | None:
    """Form value → aware UTC. A bare date means `default_time` that day, local time."""
    parsed = parse_local(value, field=field)
    if parsed is None:
        return None
    if not isinstance(parsed, datetime):
        parsed = datetime.combine(parsed, default_time)
    result = to_utc(parsed, zone(team), field=field)
    if not allow_future and result > utcnow() + FUTURE_TOLERANCE:
        raise ValidationFailed(field_errors={field: "This cannot be in the future."})
    return result


def to_local(moment: datetime, team: Team) -> datetime:
    """Aware UTC → aware local time in the team's zone, for display."""
    return moment.astimezone(zone(team))


def day_start_utc(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local calendar day begins (midnight, or the first time that exists)."""
    local = datetime.combine(day, time(0, 0))
    while is_nonexistent(local, tz):
        local += timedelta(minutes=15)
    return local.replace(tzinfo=tz).astimezone(timezone.utc)


def day_range_utc(date_from: date | None, date_to: date | None, tz: ZoneInfo
                  ) -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC covering the local days date_from..date_to inclusive."""
    start = day_start_utc(date_from, tz) if date_from else None
    end = day_start_utc(date_to + timedelta(days=1), tz) if date_to else None
    return start, end


def local_today(team: Team) -> date:
    return utcnow().astimezone(zone(team)).date()
