"""Deals: the money a team expects to win, linked to the account, contact, lead and outreach it
came from. A new deal with an outreach source records LeadAcquired in the same transaction,
which is how Telegram and Slack hear about it — after commit, never during the request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import asc, desc, func
from sqlmodel import Session, select

from leadhub.services import events, webhooks
from leadhub.services.amounts import parse_amount
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import NotFound, ValidationFailed
from leadhub.services.models import (
    Account,
    Contact,
    Deal,
    DealStage,
    Lead,
    Membership,
    Outreach,
    OutreachType,
    Team,
    User,
    utcnow,
)

STAGES = [s.value for s in DealStage]
STAGE_PROBABILITY = {
    DealStage.PROSPECTING.value: 10, DealStage.QUALIFICATION.value: 20,
    DealStage.PROPOSAL.value: 50, DealStage.NEGOTIATION.value: 75,
    DealStage.CLOSED_WON.value: 100, DealStage.CLOSED_LOST.value: 0,
}
SORTABLE = {
    "created_at": Deal.created_at, "updated_at": Deal.updated_at, "name": Deal.name,
    "amount": Deal.amount, "close_date": Deal.close_date, "stage": Deal.stage,
    "probability": Deal.probability,
}
NAME_MAX_LENGTH = 200
MAX_PAGE_SIZE = 100
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass
class DealCreate:
    """A new deal as a form or the conversion dialog sends it. Text is fine for amount,
    probability and close_date; currency defaults to the team's, probability to the
    stage's usual one; outreach comes from the contact, else the lead, when not given."""

    name: str = ""
    amount: Decimal | int | float | str | None = None
    currency: str | None = None
    stage: str = DealStage.PROSPECTING.value
    close_date: date | str | None = None
    probability: int | str | None = None
    account_id: int | None = None
    contact_id: int | None = None
    lead_id: int | None = None
    outreach_id: int | None = None
    owner_id: int | None = None


@dataclass
class DealUpdate:
    """A partial change: fields left UNSET keep their value; None clears an optional one."""

    name: Any = UNSET
    amount: Any = UNSET
    currency: Any = UNSET
    stage: Any = UNSET
    close_date: Any = UNSET
    probability: Any = UNSET
    account_id: Any = UNSET
    contact_id: Any = UNSET
    lead_id: Any = UNSET
    outreach_id: Any = UNSET
    owner_id: Any = UNSET

    def changes(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not UNSET}


@dataclass(frozen=True)
class DealPagination:
    items: list[Deal]
    total: int
    page: int
    page_size: int


# --- Field checks -------------------------------------------------------------------------

def _parse_probability(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("Enter a whole number from 0 to 100.")
    try:
        value = int(str(raw).strip().rstrip("%")) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError("Enter a whole number from 0 to 100.") from exc
    if isinstance(raw, float) and raw != value:
        raise ValueError("Enter a whole number from 0 to 100.")
    if not 0 <= value <= 100:
        raise ValueError("Enter a whole number from 0 to 100.")
    return value


def _parse_close_date(raw: Any) -> date | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise ValueError("Enter a date like 2026-06-30.") from exc


def _parse_id(raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise ValueError("Choose a record from the list.")
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError("Choose a record from the list.") from exc


def _clean_one(name: str, value: Any, team: Team) -> Any:
    if name == "name":
        text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
        if not text:
            raise ValueError("Give the deal a name.")
        if len(text) > NAME_MAX_LENGTH:
            raise ValueError(f"Use at most {NAME_MAX_LENGTH} characters.")
        return text
    if name == "amount":
        return parse_amount(value)
    if name == "currency":
        if value is not None and not isinstance(value, str):
            raise ValueError("Use a three-letter currency code, e.g. EUR.")
        text = (value or "").strip().upper() or team.currency
        if not _CURRENCY.match(text):
            raise ValueError("Use a three-letter currency code, e.g. EUR.")
        return text
    if name == "stage":
        if value not in STAGES:
            raise ValueError(f"Choose one of: {', '.join(STAGES)}.")
        return value
    if name == "probability":
        return _parse_probability(value)
    if name == "close_date":
        return _parse_close_date(value)
    return _parse_id(value)


def _clean(session: Session, ctx: TeamContext, team: Team, raw: dict[str, Any]) -> dict[str, Any]:
    """Checked values, or ValidationFailed naming every bad field; then every linked record
    must be in the caller's team (NotFound otherwise)."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in raw.items():
        if name == "probability" and value is None:
            clean[name] = None
            continue
        try:
            clean[name] = _clean_one(name, value, team)
        except ValueError as exc:
            errors[name] = str(exc)
    owner_id = clean.get("owner_id")
    if "owner_id" not in errors and owner_id is not None and not session.exec(
            select(Membership.id).where(Membership.team_id == ctx.team_id,
                                        Membership.user_id == owner_id)).first():
        errors["owner_id"] = "The owner must be a member of this team."
    if errors:
        raise ValidationFailed(field_errors=errors)
    for name, model, label in (("account_id", Account, "account"), ("contact_id", Contact, "contact"),
                               ("lead_id", Lead, "lead"), ("outreach_id", Outreach, "outreach")):
        if clean.get(name) is not None and _in_team(session, model, ctx.team_id, clean[name]) is None:
            raise NotFound(f"This {label} does not exist or belongs to another team.")
    return clean


def _in_team(session: Session, model: Any, team_id: int, record_id: int | None) -> Any:
    if record_id is None:
        return None
    return session.exec(select(model).where(model.team_id == team_id, model.id == record_id)).first()


# --- CRUD ---------------------------------------------------------------------------------

def create_deal(*, session: Session, ctx: TeamContext, deal_in: DealCreate) -> Deal:
    """A new deal owned by the caller unless another member is chosen. Account, lead and
    outreach are inherited from the contact (outreach else from the lead) when not given;
    a deal with an outreach source records LeadAcquired."""
    team = session.get(Team, ctx.team_id)
    raw = {f.name: getattr(deal_in, f.name) for f in fields(deal_in)}
    clean = _clean(session, ctx, team, raw)
    contact = _in_team(session, Contact, ctx.team_id, clean["contact_id"])
    if contact is not None:
        for name in ("account_id", "lead_id"):
            if clean[name] is None and _in_team(
                    session, Account if name == "account_id" else Lead, ctx.team_id,
                    getattr(contact, name)) is not None:
                clean[name] = getattr(contact, name)
    outreach = _outreach_source(session, ctx.team_id, clean, contact)
    if clean["probability"] is None:
        clean["probability"] = STAGE_PROBABILITY[clean["stage"]]
    if clean["owner_id"] is None:
        clean["owner_id"] = ctx.user_id
    clean["outreach_id"] = outreach.id if outreach else None
    deal = Deal(team_id=ctx.team_id, **clean)
    session.add(deal)
    session.flush()
    webhooks.record_if_followed(session=session, ctx=ctx, event="deal.created",
                                payload={"deal_id": deal.id})
    if outreach is not None:
        events.record(session=session, ctx=ctx, name=events.LEAD_ACQUIRED,
                      payload=lead_acquired_payload(session, ctx, team, deal, outreach),
                      lead_id=deal.lead_id or outreach.lead_id)
    return deal


def _outreach_source(session: Session, team_id: int, clean: dict[str, Any],
                     contact: Contact | None) -> Outreach | None:
    """The outreach that won this deal: given, else the contact's, else the lead's."""
    if clean["outreach_id"] is not None:
        return _in_team(session, Outreach, team_id, clean["outreach_id"])
    if contact is not None and contact.outreach_id is not None:
        outreach = _in_team(session, Outreach, team_id, contact.outreach_id)
        if outreach is not None:
            return outreach
    lead = _in_team(session, Lead, team_id, clean["lead_id"])
    if lead is not None and lead.outreach_id is not None:
        return _in_team(session, Outreach, team_id, lead.outreach_id)
    return None


def lead_acquired_payload(session: Session, ctx: TeamContext, team: Team, deal: Deal,
                          outreach: Outreach) -> dict[str, Any]:
    """What a LeadAcquired event carries: the deal, the outreach (type, value, who, when),
    the team and the user who created the deal — enough to render a message later."""
    rep = session.get(User, outreach.user_id)
    user = session.get(User, ctx.user_id)
    try:
        type_name = OutreachType(outreach.type).name.lower()
    except ValueError:
        type_name = ""
    return {
        "deal": {"id": deal.id, "name": deal.name,
                 "amount": None if deal.amount is None else str(deal.amount),
                 "currency": deal.currency, "stage": deal.stage},
        "outreach": {"id": outreach.id, "type": outreach.type, "type_name": type_name,
                     "channel": outreach.channel or "",
                     "value": outreach.value or outreach.email or outreach.phone or "",
                     "user_id": outreach.user_id,
                     "user_name": (rep.full_name or rep.email) if rep else "",
                     "occurred_at": outreach.occurred_at.isoformat()},
        "team": {"id": team.id, "name": team.name},
        "user": {"id": ctx.user_id, "name": (user.full_name or user.email) if user else ""},
    }


def get_deal(*, session: Session, ctx: TeamContext, deal_id: int) -> Deal:
    """The deal, if it is in the caller's team; NotFound hides other teams' deals."""
    return get_in_team(session, Deal, ctx, deal_id, "This deal does not exist or belongs to another team.")


def update_deal(*, session: Session, ctx: TeamContext, deal_id: int, deal_in: DealUpdate) -> Deal:
    """Apply a partial change; a new stage without a probability takes the stage's usual one."""
    deal = get_deal(session=session, ctx=ctx, deal_id=deal_id)
    changes = deal_in.changes()
    team = session.get(Team, ctx.team_id)
    clean = _clean(session, ctx, team, changes)
    if "probability" in clean and clean["probability"] is None:
        clean.pop("probability")
    if "stage" in clean and clean["stage"] != deal.stage and "probability" not in clean:
        clean["probability"] = STAGE_PROBABILITY[clean["stage"]]
    if "owner_id" in clean and clean["owner_id"] is None:
        clean.pop("owner_id")
    for name, value in clean.items():
        setattr(deal, name, value)
    deal.updated_at = utcnow()
    session.add(deal)
    session.flush()
    return deal


def list_deals(*, session: Session, ctx: TeamContext, page: int = 1, page_size: int = 25,
               stage: str | None = None, owner_id: int | None = None, sort: str = "created_at",
               descending: bool = True) -> DealPagination:
    """One page of the team's deals, filtered by stage and owner, sorted in SQL."""
    errors: dict[str, str] = {}
    if stage and stage not in STAGES:
        errors["stage"] = f"Choose one of: {', '.join(STAGES)}."
    if sort not in SORTABLE:
        errors["sort"] = f"Sort by one of: {', '.join(SORTABLE)}."
    if errors:
        raise ValidationFailed(field_errors=errors)
    page = max(1, int(page or 1))
    page_size = min(MAX_PAGE_SIZE, max(1, int(page_size or 25)))
    conditions = [Deal.team_id == ctx.team_id]
    if stage:
        conditions.append(Deal.stage == stage)
    if owner_id is not None:
        conditions.append(Deal.owner_id == owner_id)
    total = session.exec(select(func.count()).select_from(Deal).where(*conditions)).one()
    direction = desc if descending else asc
    items = session.exec(
        select(Deal).where(*conditions)
        .order_by(direction(SORTABLE[sort]).nulls_last(), direction(Deal.id))
        .offset((page - 1) * page_size).limit(page_size)).all()
    return DealPagination(items=list(items), total=total, page=page, page_size=page_size)


def deal_from_contact(*, session: Session, ctx: TeamContext, contact_id: int,
                      deal_in: DealCreate | None = None) -> Deal:
    """A deal for a contact, named after its account (else the contact) unless named, owned
    by the contact's owner unless chosen; account, lead and outreach come from the contact."""
    contact = get_in_team(session, Contact, ctx, contact_id,
                          "This contact does not exist or belongs to another team.")
    deal_in = deal_in or DealCreate()
    name = (deal_in.name or "").strip()
    if not name:
        account = _in_team(session, Account, ctx.team_id, contact.account_id)
        name = account.name if account else f"{contact.first_name} {contact.last_name}".strip()
    owner_id = deal_in.owner_id if deal_in.owner_id is not None else (contact.owner_id or ctx.user_id)
    return create_deal(session=session, ctx=ctx, deal_in=DealCreate(
        **{**{f.name: getattr(deal_in, f.name) for f in fields(deal_in)},
           "name": name, "contact_id": contact.id, "owner_id": owner_id}))
