"""Deals as the deals page shows them: one page of rows, or the stage pipeline with counts and
sums per currency, each deal with the names around it and where it came from (outreach type,
value and rep; lead source). Paging, filters and sorting stay in `deals.list_deals`; this module
adds the few lookups one page needs, in a handful of IN queries, never per row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from leadhub.services import deals
from leadhub.services.context import TeamContext
from leadhub.services.models import Account, Contact, Deal, Lead, Outreach, User

CARDS_PER_STAGE = 20


@dataclass(frozen=True)
class DealRow:
    id: int
    name: str
    amount: Decimal | None
    currency: str
    stage: str
    probability: int
    close_date: date | None
    account_id: int | None
    account_name: str
    contact_id: int | None
    contact_name: str
    owner_id: int | None
    owner_name: str
    lead_id: int | None
    lead_source: str
    outreach_id: int | None
    outreach_type: int | None
    outreach_channel: str
    outreach_value: str
    outreach_rep: str
    outreach_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class DealRowPage:
    rows: list[DealRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class StageColumn:
    stage: str
    count: int
    sums: list[tuple[str, Decimal]]          # (currency, total amount), by currency
    rows: list[DealRow]

    @property
    def has_more(self) -> bool:
        return self.count > len(self.rows)


def _names(session: Session, team_id: int, model, ids: set[int]) -> dict[int, object]:
    if not ids:
        return {}
    return {row.id: row for row in session.exec(
        select(model).where(model.team_id == team_id, model.id.in_(ids))).all()}


def describe(*, session: Session, ctx: TeamContext, items: list[Deal]) -> list[DealRow]:
    """Rows for these deals (one page): names of account, contact and owner, attribution."""
    ids = lambda name: {getattr(d, name) for d in items if getattr(d, name) is not None}  # noqa: E731
    accounts = _names(session, ctx.team_id, Account, ids("account_id"))
    contacts = _names(session, ctx.team_id, Contact, ids("contact_id"))
    outreach = _names(session, ctx.team_id, Outreach, ids("outreach_id"))
    lead_sources = dict(session.exec(select(Lead.id, Lead.lead_source).where(
        Lead.team_id == ctx.team_id, Lead.id.in_(ids("lead_id")))).all()) if ids("lead_id") else {}
    user_ids = ids("owner_id") | {o.user_id for o in outreach.values()}
    users = {u.id: (u.full_name or u.email) for u in session.exec(
        select(User).where(User.id.in_(user_ids))).all()} if user_ids else {}
    rows = []
    for deal in items:
        account = accounts.get(deal.account_id)
        contact = contacts.get(deal.contact_id)
        source = outreach.get(deal.outreach_id)
        rows.append(DealRow(
            id=deal.id, name=deal.name, amount=deal.amount, currency=deal.currency,
            stage=deal.stage, probability=deal.probability, close_date=deal.close_date,
            account_id=deal.account_id, account_name=account.name if account else "",
            contact_id=deal.contact_id,
            contact_name=f"{contact.first_name} {contact.last_name}".strip() if contact else "",
            owner_id=deal.owner_id, owner_name=users.get(deal.owner_id, ""),
            lead_id=deal.lead_id,
            lead_source=(deal.lead_source or (contact.lead_source if contact else "")
                         or lead_sources.get(deal.lead_id, "") or ""),
            outreach_id=source.id if source else None,
            outreach_type=source.type if source else None,
            outreach_channel=(source.channel or "") if source else "",
            outreach_value=(source.value or source.email or source.phone or "") if source else "",
            outreach_rep=users.get(source.user_id, "") if source else "",
            outreach_at=source.occurred_at if source else None,
            created_at=deal.created_at))
    return rows


def deal_rows(*, session: Session, ctx: TeamContext, page: int = 1, page_size: int = 25,
              stage: str | None = None, owner_id: int | None = None, sort: str = "created_at",
              descending: bool = True) -> DealRowPage:
    """One page of the deals list (filtered and sorted in SQL by `deals.list_deals`)."""
    result = deals.list_deals(session=session, ctx=ctx, page=page, page_size=page_size,
                              stage=stage, owner_id=owner_id, sort=sort, descending=descending)
    return DealRowPage(rows=describe(session=session, ctx=ctx, items=result.items),
                       total=result.total, page=result.page, page_size=result.page_size)


def pipeline(*, session: Session, ctx: TeamContext, owner_id: int | None = None,
             per_stage: int = CARDS_PER_STAGE) -> list[StageColumn]:
    """Every stage, in order, with its count, its amounts summed per currency (a team may
    sell in several) and the first `per_stage` deals by close date."""
    conditions = [Deal.team_id == ctx.team_id]
    if owner_id is not None:
        conditions.append(Deal.owner_id == owner_id)
    counts: dict[str, int] = defaultdict(int)
    sums: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for stage, currency, count, total in session.exec(
            select(Deal.stage, Deal.currency, func.count(), func.sum(Deal.amount))
            .where(*conditions).group_by(Deal.stage, Deal.currency)
            .order_by(Deal.stage, Deal.currency)).all():
        counts[stage] += count
        if total is not None:
            sums[stage].append((currency, Decimal(total).quantize(Decimal("0.01"))))
    columns = []
    for stage in deals.STAGES:
        items = list(session.exec(
            select(Deal).where(*conditions, Deal.stage == stage)
            .order_by(Deal.close_date.asc().nulls_last(), Deal.id).limit(per_stage)).all()) \
            if counts[stage] else []
        columns.append(StageColumn(stage=stage, count=counts[stage], sums=sums[stage],
                                   rows=describe(session=session, ctx=ctx, items=items)))
    return columns
