"""What a LeadAcquired message says: a per-channel template with {placeholders}, filled from the
event payload and shown in the team's time zone and language."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadhub.services.errors import ValidationFailed
from leadhub.services.models import OutreachType, Team

PLACEHOLDERS = (
    "deal_name", "amount", "currency", "stage", "outreach_type", "outreach_channel",
    "outreach_value", "outreach_at", "rep_name", "user_name", "team_name", "occurred_at",
)
DEFAULT_TEMPLATES = {
    "en": ("🎉 New deal: {deal_name} — {amount} {currency}\n"
           "Lead acquired by {rep_name} via {outreach_type}: {outreach_value}\n"
           "{team_name} · {occurred_at}"),
    "es": ("🎉 Nuevo trato: {deal_name} — {amount} {currency}\n"
           "Lead conseguido por {rep_name} vía {outreach_type}: {outreach_value}\n"
           "{team_name} · {occurred_at}"),
}
OUTREACH_LABELS = {
    "en": {OutreachType.PLATFORM: "Platform", OutreachType.EMAIL: "Email", OutreachType.CALL: "Call",
           OutreachType.SOCIAL: "Social", OutreachType.MESSENGER: "Messenger"},
    "es": {OutreachType.PLATFORM: "Plataforma", OutreachType.EMAIL: "Email",
           OutreachType.CALL: "Llamada", OutreachType.SOCIAL: "Redes sociales",
           OutreachType.MESSENGER: "Mensajería"},
}
TEMPLATE_MAX_LENGTH = 2000
TIME_FORMAT = "%Y-%m-%d %H:%M %Z"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def default_template(language: str) -> str:
    return DEFAULT_TEMPLATES.get(language, DEFAULT_TEMPLATES["en"])


def check_template(template: str) -> str:
    """The template, stripped, or ValidationFailed naming the placeholders it may use."""
    template = (template or "").strip()
    if len(template) > TEMPLATE_MAX_LENGTH:
        raise ValidationFailed(field_errors={
            "template": f"Use at most {TEMPLATE_MAX_LENGTH} characters."})
    unknown = sorted({m for m in _PLACEHOLDER.findall(template) if m not in PLACEHOLDERS})
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise ValidationFailed(field_errors={"template": (
            f"Unknown placeholder {', '.join('{' + u + '}' for u in unknown)}. Use: {allowed}.")})
    return template


def _zone(team: Team) -> ZoneInfo:
    try:
        return ZoneInfo(team.timezone or "UTC")
    except ZoneInfoNotFoundError:
        return ZoneInfo("UTC")


def _local(value: str | datetime | None, zone: ZoneInfo) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(zone).strftime(TIME_FORMAT)


def _amount(value: Any) -> str:
    if value in (None, ""):
        return "—"
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def _outreach_label(value: Any, language: str) -> str:
    labels = OUTREACH_LABELS.get(language, OUTREACH_LABELS["en"])
    try:
        return labels[OutreachType(int(value))]
    except (TypeError, ValueError):
        return ""


def values_for(payload: dict[str, Any], *, team: Team, occurred_at: datetime) -> dict[str, str]:
    """Placeholder values of a LeadAcquired payload, times in the team's zone."""
    zone = _zone(team)
    deal = payload.get("deal") or {}
    outreach = payload.get("outreach") or {}
    user = payload.get("user") or {}
    return {
        "deal_name": str(deal.get("name") or ""),
        "amount": _amount(deal.get("amount")),
        "currency": str(deal.get("currency") or team.currency or ""),
        "stage": str(deal.get("stage") or ""),
        "outreach_type": _outreach_label(outreach.get("type"), team.language),
        "outreach_channel": str(outreach.get("channel") or ""),
        "outreach_value": str(outreach.get("value") or ""),
        "outreach_at": _local(outreach.get("occurred_at"), zone),
        "rep_name": str(outreach.get("user_name") or ""),
        "user_name": str(user.get("name") or ""),
        "team_name": team.name,
        "occurred_at": _local(occurred_at, zone),
    }


def render(template: str, values: dict[str, str]) -> str:
    """Fill {placeholders}; anything else in the template is kept as written (no format-string
    evaluation, so a template cannot reach into Python objects)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template).strip()


def sample_payload(*, team: Team, user_name: str, now: datetime) -> dict[str, Any]:
    """A made-up LeadAcquired payload for "send a test"."""
    return {
        "deal": {"id": 0, "name": "Test deal (LeadHub)", "amount": "1234.50",
                 "currency": team.currency, "stage": "Prospecting"},
        "outreach": {"id": 0, "type": int(OutreachType.EMAIL), "channel": "",
                     "value": "ana@example.com", "user_id": 0, "user_name": user_name,
                     "occurred_at": now.isoformat()},
        "team": {"id": team.id, "name": team.name},
        "user": {"id": 0, "name": user_name},
    }
