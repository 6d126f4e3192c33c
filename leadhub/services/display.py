"""Showing stored values to people: UTC timestamps in the team's time zone, money, relative time."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import phonenumbers


def local_time(value: datetime | None, tz_name: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC timestamp as wall-clock time in `tz_name` ('' for none)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo(tz_name)).strftime(fmt)


def money(amount: Decimal | float | None, currency: str) -> str:
    if amount is None:
        return ""
    return f"{Decimal(amount):,.2f} {currency}"


def relative(value: datetime | None, now: datetime | None = None, lang: str = "en") -> str:
    """'3 d ago' style age of a timestamp; '' for none."""
    if value is None:
        return ""
    now = now or datetime.now(timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    seconds = max(0, int((now - value).total_seconds()))
    for size, unit in ((86400 * 365, "y"), (86400 * 30, "mo"), (86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            amount = f"{seconds // size} {unit}"
            return f"hace {amount}" if lang == "es" else f"{amount} ago"
    return "ahora" if lang == "es" else "just now"


def phone(e164: str | None) -> str:
    """A stored E.164 number in international format, e.g. +34 612 34 56 78."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
