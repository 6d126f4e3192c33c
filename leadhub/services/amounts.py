"""Money typed by people: "12500", "12,500.50", "12.500,50" or "9.000" (Spanish thousands)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

AMOUNT_LIMIT = Decimal("1e12")            # Numeric(14, 2)


def _is_thousands(text: str) -> bool:
    """A lone dot followed by exactly three digits after a non-zero whole part."""
    head, _, tail = text.partition(".")
    return len(tail) == 3 and tail.isdigit() and head.lstrip("-+").isdigit() and int(head) != 0


def parse_decimal(raw: Any, message: str) -> Decimal:
    """A number as people type it: "12500", "12,500.50", "12.500,50", "3,5", "9.000" (Spanish
    thousands) or "1.250.000"; numbers given as numbers (JSON) are taken as they are.
    ValueError(message) when it is not a number."""
    if isinstance(raw, bool):
        raise ValueError(message)
    if isinstance(raw, (int, float, Decimal)):
        value = Decimal(str(raw))
    else:
        text = str(raw).strip().replace(" ", "").replace("\u00a0", "")
        if "," in text and "." in text:
            text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") \
                else text.replace(",", "")
        elif "," in text:
            head, _, tail = text.rpartition(",")
            text = f"{head.replace(',', '')}.{tail}" if len(tail) != 3 else text.replace(",", "")
        elif text.count(".") > 1 or (text.count(".") == 1 and _is_thousands(text)):
            text = text.replace(".", "")  # "9.000" and "1.250.000" as Spanish users write them
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(message) from exc
    if not value.is_finite():
        raise ValueError(message)
    return value


def parse_amount(raw: Any) -> Decimal | None:
    """Decimal rounded to cents from 12500, "12,500.50" or "12.500,50"; ValueError if not."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value = parse_decimal(raw, "Enter an amount, e.g. 12500 or 12.500,50.")
    if value < 0:
        raise ValueError("The amount cannot be negative.")
    if value >= AMOUNT_LIMIT:
        raise ValueError("That amount is too large.")
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
