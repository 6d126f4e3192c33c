"""Lists for integrations: each record type of a team, filtered in SQL and keyset-paged
(keyset.py), so a sync can walk 100,000 leads or poll `updated_since` without offsets.

Filters are plain dataclasses of already-typed values (the REST API parses and checks the
query string); every list is scoped to the caller's team first. Lead filters reuse the lead
list's own conditions (`leads.filter_conditions`), so the API and the UI agree on them.
Timestamps without a zone are read as UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, or_
from sqlmodel import Session, select

from leadhub.services import keyset, leads
from leadhub.services.context import TeamContext
from leadhub.services.models import Account, Activity, Contact, Deal, Lead, Outreach

LEAD_SORTS = {"created_at": Lead.created_at, "updated_at": Lead.updated_at}
CONTACT_SORTS = {"created_at": Contact.created_at, "updated_at": Contact.updated_at}
ACCOUNT_SORTS = {"created_at": Account.created_at, "updated_at": Account.updated_at}
DEAL_SORTS = {"created_at": Deal.created_at, "updated_at": Deal.updated_at}
OUTREACH_SORTS = {"created_at": Outreach.created_at, "occurred_at": Outreach.occurred_at}
ACTIVITY_SORTS = {"created_at": Activity.created_at}
DEFAULT_SORT = "-created_at"


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or (moment.tzinfo is not None and moment.utcoffset() is not None):
        return moment
    return moment.replace(tzinfo=timezone.utc)


def _words(search: str, limit: int = 5) -> list[str]:
    return [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            for w in leads.fold(search).split()[:limit]]


@dataclass(frozen=True)
class Paging:
    sort: str = DEFAULT_SORT
    cursor: str | None = None
    limit: int = keyset.DEFAULT_LIMIT


@dataclass(frozen=True)
class LeadFilter:
    status: str = ""
    rating: str = ""
    owner_id: int | None = None
    lead_source: str = ""
    industry: str = ""
    search: str = ""
    created_since: datetime | None = None
    updated_since: datetime | None = None


def list_leads(*, session: Session, ctx: TeamContext, flt: LeadFilter, paging: Paging) -> keyset.CursorPage[Lead]:
    conditions = leads.filter_conditions(session=session, ctx=ctx, query=leads.LeadQuery(
        search=flt.search, status=flt.status, rating=flt.rating, lead_source=flt.lead_source,
        industry=flt.industry, owner_id=flt.owner_id, created_after=_utc(flt.created_since)))
    if flt.updated_since is not None:
        conditions.append(Lead.updated_at >= _utc(flt.updated_since))
    return keyset.page(session=session, statement=select(Lead).where(*conditions), model=Lead,
                       sorts=LEAD_SORTS, sort=paging.sort, cursor=paging.cursor, limit=paging.limit)


@dataclass(frozen=True)
class OutreachFilter:
    type: int | None = None
    channel: str = ""
    user_id: int | None = None
    lead_id: int | None = None
    contact_id: int | None = None
    response_status: str = ""
    occurred_since: datetime | None = None
    occurred_before: datetime | None = None


def list_outreach(*, session: Session, ctx: TeamContext, flt: OutreachFilter,
                  paging: Paging) -> keyset.CursorPage[Outreach]:
    conditions = [Outreach.team_id == ctx.team_id]
    if flt.type is not None:
        conditions.append(Outreach.type == flt.type)
    if flt.channel:
        conditions.append(func.lower(Outreach.channel) == flt.channel.strip().lower())
    for column, value in ((Outreach.user_id, flt.user_id), (Outreach.lead_id, flt.lead_id),
                          (Outreach.contact_id, flt.contact_id)):
        if value is not None:
            conditions.append(column == value)
    if flt.response_status:
        conditions.append(Outreach.response_status == flt.response_status)
    if flt.occurred_since is not None:
        conditions.append(Outreach.occurred_at >= _utc(flt.occurred_since))
    if flt.occurred_before is not None:
        conditions.append(Outreach.occurred_at < _utc(flt.occurred_before))
    return keyset.page(session=session, statement=select(Outreach).where(*conditions), model=Outreach,
                       sorts=OUTREACH_SORTS, sort=paging.sort, cursor=paging.cursor, limit=paging.limit)


@dataclass(frozen=True)
class ContactFilter:
    search: str = ""
    email: str = ""
    owner_id: int | None = None
    account_id: int | None = None
    lead_id: int | None = None
    updated_since: datetime | None = None


def list_contacts(*, session: Session, ctx: TeamContext, flt: ContactFilter,
                  paging: Paging) -> keyset.CursorPage[Contact]:
    conditions = [Contact.team_id == ctx.team_id]
    for column, value in ((Contact.owner_id, flt.owner_id), (Contact.account_id, flt.account_id),
                          (Contact.lead_id, flt.lead_id)):
        if value is not None:
            conditions.append(column == value)
    if flt.email:
        conditions.append(Contact.email == "".join(flt.email.split()).lower())
    for word in _words(flt.search):
        conditions.append(or_(*(func.lower(column).like(f"%{word}%", escape="\\") for column in
                                (Contact.first_name, Contact.last_name, Contact.email, Contact.title))))
    if flt.updated_since is not None:
        conditions.append(Contact.updated_at >= _utc(flt.updated_since))
    return keyset.page(session=session, statement=select(Contact).where(*conditions), model=Contact,
                       sorts=CONTACT_SORTS, sort=paging.sort, cursor=paging.cursor, limit=paging.limit)


@dataclass(frozen=True)
class AccountFilter:
    search: str = ""
    owner_id: int | None = None
    updated_since: datetime | None = None


def list_accounts(*, session: Session, ctx: TeamContext, flt: AccountFilter,
                  paging: Paging) -> keyset.CursorPage[Account]:
    conditions = [Account.team_id == ctx.team_id]
    if flt.owner_id is not None:
        conditions.append(Account.owner_id == flt.owner_id)
    for word in _words(flt.search):
        conditions.append(or_(func.lower(Account.name).like(f"%{word}%", escape="\\"),
                              func.lower(Account.website).like(f"%{word}%", escape="\\")))
    if flt.updated_since is not None:
        conditions.append(Account.updated_at >= _utc(flt.updated_since))
    return keyset.page(session=session, statement=select(Account).where(*conditions), model=Account,
                       sorts=ACCOUNT_SORTS, sort=paging.sort, cursor=paging.cursor, limit=paging.limit)


@dataclass(frozen=True)
class DealFilter:
    stage: str = ""
    owner_id: int | None = None
    account_id: int | None = None
    contact_id: int | None = None
    lead_id: int | None = None
    updated_since: datetime | None = None


def list_deals(*, session: Session, ctx: TeamContext, flt: DealFilter,
               paging: Paging) -> keyset.CursorPage[Deal]:
    conditions = [Deal.team_id == ctx.team_id]
    if flt.stage:
        conditions.append(Deal.stage == flt.stage)
    for column, value in ((Deal.owner_id, flt.owner_id), (Deal.account_id, flt.account_id),
                          (Deal.contact_id, flt.contact_id), (Deal.lead_id, flt.lead_id)):
        if value is not None:
            conditions.append(column == value)
    if flt.updated_since is not None:
        conditions.append(Deal.updated_at >= _utc(flt.updated_since))
    return keyset.page(session=session, statement=select(Deal).where(*conditions), model=Deal,
                       sorts=DEAL_SORTS, sort=paging.sort, cursor=paging.cursor, limit=paging.limit)


@dataclass(frozen=True)
class ActivityFilter:
    type: str = ""
    status: str = ""
    owner_id: int | None = None
    lead_id: int | None = None
    contact_id: int | None = None
    deal_id: int | None = None
    due_after: datetime | None = None
    due_before: datetime | None = None


def list_activities(*, session: Session, ctx: TeamContext, flt: ActivityFilter,
                    paging: Paging) -> keyset.CursorPage[Activity]:
    conditions = [Activity.team_id == ctx.team_id]
    if flt.type:
        conditions.append(Activity.type == flt.type)
    if flt.status:
        conditions.append(Activity.status == flt.status)
    for column, value in ((Activity.owner_id, flt.owner_id), (Activity.lead_id, flt.lead_id),
                          (Activity.contact_id, flt.contact_id), (Activity.deal_id, flt.deal_id)):
        if value is not None:
            conditions.append(column == value)
    if flt.due_after is not None:
        conditions.append(Activity.due_at >= _utc(flt.due_after))
    if flt.due_before is not None:
        conditions.append(Activity.due_at < _utc(flt.due_before))
    return keyset.page(session=session, statement=select(Activity).where(*conditions), model=Activity,
                       sorts=ACTIVITY_SORTS, sort=paging.sort, cursor=paging.cursor, limit=paging.limit)
