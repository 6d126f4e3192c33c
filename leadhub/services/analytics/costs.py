"""What each outreach channel costs per month, recorded by managers, so ROI can set won revenue
against it. A month's cost is spread evenly over its days: a range covering 10 of March's 31
days carries 10/31 of March's cost.

Managers and admins record and see costs; reps do not see them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from leadhub.services import teamtime
from leadhub.services.analytics.filters import Scope
from leadhub.services.analytics.models import ChannelCost
from leadhub.services.context import TeamContext
from leadhub.services.amounts import parse_amount
from leadhub.services.errors import NotFound, ValidationFailed
from leadhub.services.models import Role, Team, utcnow
from leadhub.services.outreach import CHANNELS, TYPE_LABELS, parse_type


@dataclass(frozen=True)
class CostIn:
    """A cost as typed in the form: month 'YYYY-MM', type, channel ('' for all of the type)."""

    month: Any
    type: Any
    channel: str
    amount: Any
    currency: str = ""
    note: str = ""


def _parse_month(raw: Any, errors: dict[str, str]) -> date | None:
    if isinstance(raw, datetime):
        return raw.date().replace(day=1)
    if isinstance(raw, date):
        return raw.replace(day=1)
    text = str(raw or "").strip()
    try:
        return date.fromisoformat(text[:7] + "-01")
    except ValueError:
        errors["month"] = "Choose a month like 2026-03."
        return None


def _clean(cost_in: CostIn, team: Team) -> dict[str, Any]:
    errors: dict[str, str] = {}
    month = _parse_month(cost_in.month, errors)
    try:
        kind = parse_type(cost_in.type)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
        kind = None
    channel = (cost_in.channel or "").strip()
    if kind is not None and channel:
        choices = CHANNELS.get(kind, ())
        match = next((c for c in choices if c.lower() == channel.lower()), None)
        if match is None:
            errors["channel"] = (f"Choose one of: {', '.join(choices)}, or leave it empty."
                                 if choices else f"A {TYPE_LABELS[kind].lower()} cost has no channel.")
        channel = match or channel
    try:
        amount = parse_amount(cost_in.amount)
        if amount is None:
            errors["amount"] = "Enter what it cost, e.g. 250 or 1.250,50."
    except ValueError as exc:
        errors["amount"] = str(exc)
        amount = None
    currency = (cost_in.currency or team.currency).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = "Use a three-letter currency code such as EUR."
    if len(cost_in.note or "") > 200:
        errors["note"] = "Use at most 200 characters."
    if errors:
        raise ValidationFailed(field_errors=errors)
    return {"month": month, "type": int(kind), "channel": channel, "amount": amount,
            "currency": currency, "note": (cost_in.note or "").strip()}


def set_cost(*, session: Session, ctx: TeamContext, cost_in: CostIn) -> ChannelCost:
    """Record a channel's cost for a month; a second entry for the same month, channel and
    currency replaces the first."""
    ctx.require(Role.MANAGER)
    clean = _clean(cost_in, session.get(Team, ctx.team_id))
    row = session.exec(select(ChannelCost).where(
        ChannelCost.team_id == ctx.team_id, ChannelCost.month == clean["month"],
        ChannelCost.type == clean["type"], ChannelCost.channel == clean["channel"],
        ChannelCost.currency == clean["currency"])).first()
    row = row or ChannelCost(team_id=ctx.team_id, **clean)
    row.amount, row.note = clean["amount"], clean["note"]
    row.updated_by, row.updated_at = ctx.user_id, utcnow()
    session.add(row)
    session.flush()
    return row


def delete_cost(*, session: Session, ctx: TeamContext, cost_id: int) -> None:
    ctx.require(Role.MANAGER)
    row = session.exec(select(ChannelCost).where(ChannelCost.id == cost_id,
                                                 ChannelCost.team_id == ctx.team_id)).first()
    if row is None:
        raise NotFound("No such cost in this team.")
    session.delete(row)
    session.flush()


def list_costs(*, session: Session, ctx: TeamContext, year: int | None = None) -> list[ChannelCost]:
    """A year of the team's costs (at most 12 months × channels: a short list), newest first."""
    ctx.require(Role.MANAGER)
    team = session.get(Team, ctx.team_id)
    year = year or teamtime.local_today(team).year
    return list(session.exec(select(ChannelCost).where(
        ChannelCost.team_id == ctx.team_id, ChannelCost.month >= date(year, 1, 1),
        ChannelCost.month <= date(year, 12, 1))
        .order_by(ChannelCost.month.desc(), ChannelCost.type, ChannelCost.channel)).all())


def costs_in_range(*, session: Session, sc: Scope) -> dict[tuple[int, str], float]:
    """{(type, channel): cost} over the scope's days in its currency, months prorated by day;
    narrowed to the filter's types and channels. Reps see no costs."""
    if not sc.ctx.is_manager:
        return {}
    flt = sc.flt
    conditions = [ChannelCost.team_id == sc.team_id, ChannelCost.currency == sc.currency,
                  ChannelCost.month >= flt.date_from.replace(day=1), ChannelCost.month <= flt.date_to]
    if flt.types:
        conditions.append(ChannelCost.type.in_(flt.types))
    if flt.channels:
        conditions.append(ChannelCost.channel.in_(flt.channels))
    result: dict[tuple[int, str], float] = {}
    for month, kind, channel, amount in session.exec(select(
            ChannelCost.month, ChannelCost.type, ChannelCost.channel, ChannelCost.amount)
            .where(*conditions)).all():
        days_in_month = calendar.monthrange(month.year, month.month)[1]
        last = month.replace(day=days_in_month)
        covered = (min(last, flt.date_to) - max(month, flt.date_from)).days + 1
        share = Decimal(amount) * Decimal(covered) / Decimal(days_in_month)
        key = (int(kind), channel or "")
        result[key] = result.get(key, 0.0) + float(share)
    return {key: round(value, 2) for key, value in result.items()}
