"""/outreach, /contacts, /accounts, /deals and /activities: list (filters, cursor), get, create,
update and delete, each a thin adapter over its service."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import AwareDatetime, Field

from leadhub.api.v1.deps import Caller, PathId, unit_of_work
from leadhub.api.v1.errors import STANDARD
from leadhub.api.v1.schemas import (
    AccountCreate,
    AccountList,
    AccountRead,
    AccountUpdate,
    ActivityCreate,
    ActivityList,
    ActivityRead,
    ActivityStatusIn,
    ActivityTypeIn,
    ActivityUpdate,
    ContactCreate,
    ContactList,
    ContactRead,
    ContactUpdate,
    DealCreate,
    DealList,
    DealRead,
    DealStageIn,
    DealUpdate,
    QueryId,
    Input,
    OutreachCreate,
    OutreachList,
    OutreachRead,
    OutreachTypeName,
    OutreachUpdate,
    ResponseStatusIn,
    Text,
)
from leadhub.services import accounts, activities, contacts, deals, feeds, outreach, removal
from leadhub.services.models import OutreachType

NO_CONTENT = {"status_code": status.HTTP_204_NO_CONTENT, "response_class": Response}


class Paging(Input):
    cursor: Text(2000) | None = Field(None, description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=200)

    def paging(self) -> feeds.Paging:
        return feeds.Paging(sort=getattr(self, "sort", feeds.DEFAULT_SORT), cursor=self.cursor,
                            limit=self.limit)


# --- Outreach -----------------------------------------------------------------------------

outreach_router = APIRouter(prefix="/outreach", tags=["outreach"], responses=STANDARD)


def _outreach_read(item) -> OutreachRead:
    return OutreachRead.model_validate({**item.model_dump(), "type": OutreachType(item.type).name.lower()})


class OutreachQuery(Paging):
    type: OutreachTypeName | None = None
    channel: Text(80) | None = None
    user_id: QueryId | None = None
    lead_id: QueryId | None = None
    contact_id: QueryId | None = None
    response_status: ResponseStatusIn | None = None
    occurred_since: AwareDatetime | None = None
    occurred_before: AwareDatetime | None = None
    sort: Literal["-created_at", "created_at", "-occurred_at", "occurred_at"] = "-created_at"


@outreach_router.get("", response_model=OutreachList, summary="List outreach")
def list_outreach(who: Caller, query: Annotated[OutreachQuery, Query()]) -> OutreachList:
    with unit_of_work() as session:
        page = feeds.list_outreach(session=session, ctx=who.ctx, flt=feeds.OutreachFilter(
            type=int(OutreachType[query.type.upper()]) if query.type else None,
            channel=query.channel or "", user_id=query.user_id, lead_id=query.lead_id,
            contact_id=query.contact_id, response_status=query.response_status or "",
            occurred_since=query.occurred_since, occurred_before=query.occurred_before),
            paging=query.paging())
        return OutreachList(data=[_outreach_read(o) for o in page.items], next_cursor=page.next_cursor)


@outreach_router.post("", response_model=OutreachRead, status_code=status.HTTP_201_CREATED,
                      summary="Log an outreach",
                      description="Which fields apply depends on `type`: platform (channel "
                                  "and/or value URL), email (email), call (phone, call_outcome, "
                                  "call_duration_seconds), social (channel, value URL), "
                                  "messenger (channel, phone or value handle). Fields that do "
                                  "not apply are refused.")
def create_outreach(body: OutreachCreate, who: Caller) -> OutreachRead:
    with unit_of_work() as session:
        return _outreach_read(outreach.log_outreach(session=session, ctx=who.ctx, **body.sent()))


@outreach_router.get("/{outreach_id}", response_model=OutreachRead, summary="Get an outreach")
def get_outreach(outreach_id: PathId, who: Caller) -> OutreachRead:
    with unit_of_work() as session:
        return _outreach_read(outreach.get_outreach(session=session, ctx=who.ctx, outreach_id=outreach_id))


@outreach_router.patch("/{outreach_id}", response_model=OutreachRead, summary="Record an answer or call result",
                       description="An outreach records what happened, so only how it was "
                                   "answered (`response_status`, `responded_at`) and a call's "
                                   "result (`call_outcome`, `call_duration_seconds`) change. The "
                                   "rep who logged it, or a manager, may.")
def update_outreach(outreach_id: PathId, body: OutreachUpdate, who: Caller) -> OutreachRead:
    sent = body.sent()
    with unit_of_work() as session:
        item = outreach.get_outreach(session=session, ctx=who.ctx, outreach_id=outreach_id)
        if "call_outcome" in sent or "call_duration_seconds" in sent:
            item = outreach.set_call_result(
                session=session, ctx=who.ctx, outreach_id=outreach_id,
                call_outcome=sent.get("call_outcome", item.call_outcome),
                call_duration_seconds=sent.get("call_duration_seconds", item.call_duration_seconds))
        if "response_status" in sent or "responded_at" in sent:
            item = outreach.set_response(
                session=session, ctx=who.ctx, outreach_id=outreach_id,
                response_status=sent.get("response_status", item.response_status),
                responded_at=sent.get("responded_at"))
        return _outreach_read(item)


@outreach_router.delete("/{outreach_id}", summary="Delete an outreach", **NO_CONTENT,
                        description="Leads, contacts and deals it brought in stay, without the link.")
def delete_outreach(outreach_id: PathId, who: Caller) -> Response:
    with unit_of_work() as session:
        removal.delete_outreach(session=session, ctx=who.ctx, outreach_id=outreach_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- Contacts -----------------------------------------------------------------------------

contacts_router = APIRouter(prefix="/contacts", tags=["contacts"], responses=STANDARD)


class ContactQuery(Paging):
    search: Text(200) | None = Field(None, description="words in name, e-mail or title")
    email: Text(254) | None = None
    owner_id: QueryId | None = None
    account_id: QueryId | None = None
    lead_id: QueryId | None = None
    updated_since: AwareDatetime | None = None
    sort: Literal["-created_at", "created_at", "-updated_at", "updated_at"] = "-created_at"


@contacts_router.get("", response_model=ContactList, summary="List contacts")
def list_contacts(who: Caller, query: Annotated[ContactQuery, Query()]) -> ContactList:
    with unit_of_work() as session:
        page = feeds.list_contacts(session=session, ctx=who.ctx, flt=feeds.ContactFilter(
            search=query.search or "", email=query.email or "", owner_id=query.owner_id,
            account_id=query.account_id, lead_id=query.lead_id, updated_since=query.updated_since),
            paging=query.paging())
        return ContactList(data=[ContactRead.model_validate(c) for c in page.items],
                           next_cursor=page.next_cursor)


@contacts_router.post("", response_model=ContactRead, status_code=status.HTTP_201_CREATED,
                      summary="Create a contact")
def create_contact(body: ContactCreate, who: Caller) -> ContactRead:
    data = body.sent()
    outreach_id = data.pop("outreach_id", None)
    with unit_of_work() as session:
        return ContactRead.model_validate(contacts.create_contact(
            session=session, ctx=who.ctx, data=data, outreach_id=outreach_id))


@contacts_router.get("/{contact_id}", response_model=ContactRead, summary="Get a contact")
def get_contact(contact_id: PathId, who: Caller) -> ContactRead:
    with unit_of_work() as session:
        return ContactRead.model_validate(contacts.get_contact(session=session, ctx=who.ctx, contact_id=contact_id))


@contacts_router.patch("/{contact_id}", response_model=ContactRead, summary="Update a contact",
                       description="Reps change contacts they own; attribution (outreach_id) is "
                                   "set when the contact is created.")
def update_contact(contact_id: PathId, body: ContactUpdate, who: Caller) -> ContactRead:
    with unit_of_work() as session:
        return ContactRead.model_validate(contacts.update_contact(
            session=session, ctx=who.ctx, contact_id=contact_id, changes=body.sent()))


@contacts_router.delete("/{contact_id}", summary="Delete a contact", **NO_CONTENT,
                        description="Deals, outreach and activities stay, without the link.")
def delete_contact(contact_id: PathId, who: Caller) -> Response:
    with unit_of_work() as session:
        removal.delete_contact(session=session, ctx=who.ctx, contact_id=contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- Accounts -----------------------------------------------------------------------------

accounts_router = APIRouter(prefix="/accounts", tags=["accounts"], responses=STANDARD)


class AccountQuery(Paging):
    search: Text(200) | None = Field(None, description="words in the name or website")
    owner_id: QueryId | None = None
    updated_since: AwareDatetime | None = None
    sort: Literal["-created_at", "created_at", "-updated_at", "updated_at"] = "-created_at"


@accounts_router.get("", response_model=AccountList, summary="List accounts")
def list_accounts(who: Caller, query: Annotated[AccountQuery, Query()]) -> AccountList:
    with unit_of_work() as session:
        page = feeds.list_accounts(session=session, ctx=who.ctx, flt=feeds.AccountFilter(
            search=query.search or "", owner_id=query.owner_id, updated_since=query.updated_since),
            paging=query.paging())
        return AccountList(data=[AccountRead.model_validate(a) for a in page.items],
                           next_cursor=page.next_cursor)


@accounts_router.post("", response_model=AccountRead, status_code=status.HTTP_201_CREATED,
                      summary="Create an account",
                      description="409 when the team already has an account of that name.")
def create_account(body: AccountCreate, who: Caller) -> AccountRead:
    with unit_of_work() as session:
        return AccountRead.model_validate(accounts.create_account(session=session, ctx=who.ctx,
                                                                  data=body.sent()))


@accounts_router.get("/{account_id}", response_model=AccountRead, summary="Get an account")
def get_account(account_id: PathId, who: Caller) -> AccountRead:
    with unit_of_work() as session:
        return AccountRead.model_validate(accounts.get_account(session=session, ctx=who.ctx,
                                                               account_id=account_id))


@accounts_router.patch("/{account_id}", response_model=AccountRead, summary="Update an account")
def update_account(account_id: PathId, body: AccountUpdate, who: Caller) -> AccountRead:
    with unit_of_work() as session:
        return AccountRead.model_validate(accounts.update_account(
            session=session, ctx=who.ctx, account_id=account_id, changes=body.sent()))


@accounts_router.delete("/{account_id}", summary="Delete an account", **NO_CONTENT,
                        description="Its contacts and deals stay, without the link.")
def delete_account(account_id: PathId, who: Caller) -> Response:
    with unit_of_work() as session:
        accounts.delete_account(session=session, ctx=who.ctx, account_id=account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- Deals --------------------------------------------------------------------------------

deals_router = APIRouter(prefix="/deals", tags=["deals"], responses=STANDARD)


class DealQuery(Paging):
    stage: DealStageIn | None = None
    owner_id: QueryId | None = None
    account_id: QueryId | None = None
    contact_id: QueryId | None = None
    lead_id: QueryId | None = None
    updated_since: AwareDatetime | None = None
    sort: Literal["-created_at", "created_at", "-updated_at", "updated_at"] = "-created_at"


@deals_router.get("", response_model=DealList, summary="List deals")
def list_deals(who: Caller, query: Annotated[DealQuery, Query()]) -> DealList:
    with unit_of_work() as session:
        page = feeds.list_deals(session=session, ctx=who.ctx, flt=feeds.DealFilter(
            stage=query.stage or "", owner_id=query.owner_id, account_id=query.account_id,
            contact_id=query.contact_id, lead_id=query.lead_id, updated_since=query.updated_since),
            paging=query.paging())
        return DealList(data=[DealRead.model_validate(d) for d in page.items], next_cursor=page.next_cursor)


@deals_router.post("", response_model=DealRead, status_code=status.HTTP_201_CREATED, summary="Create a deal",
                   description="Account, lead and outreach come from the contact when not given. "
                               "Sends `deal.created`.")
def create_deal(body: DealCreate, who: Caller) -> DealRead:
    with unit_of_work() as session:
        return DealRead.model_validate(deals.create_deal(session=session, ctx=who.ctx,
                                                         deal_in=deals.DealCreate(**body.sent())))


@deals_router.get("/{deal_id}", response_model=DealRead, summary="Get a deal")
def get_deal(deal_id: PathId, who: Caller) -> DealRead:
    with unit_of_work() as session:
        return DealRead.model_validate(deals.get_deal(session=session, ctx=who.ctx, deal_id=deal_id))


@deals_router.patch("/{deal_id}", response_model=DealRead, summary="Update a deal",
                    description="A new stage without a probability takes the stage's usual one.")
def update_deal(deal_id: PathId, body: DealUpdate, who: Caller) -> DealRead:
    with unit_of_work() as session:
        return DealRead.model_validate(deals.update_deal(session=session, ctx=who.ctx, deal_id=deal_id,
                                                         deal_in=deals.DealUpdate(**body.sent())))


@deals_router.delete("/{deal_id}", summary="Delete a deal", **NO_CONTENT)
def delete_deal(deal_id: PathId, who: Caller) -> Response:
    with unit_of_work() as session:
        removal.delete_deal(session=session, ctx=who.ctx, deal_id=deal_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- Activities ---------------------------------------------------------------------------

activities_router = APIRouter(prefix="/activities", tags=["activities"], responses=STANDARD)


class ActivityQuery(Paging):
    type: ActivityTypeIn | None = None
    status: ActivityStatusIn | None = None
    owner_id: QueryId | None = None
    lead_id: QueryId | None = None
    contact_id: QueryId | None = None
    deal_id: QueryId | None = None
    due_after: AwareDatetime | None = None
    due_before: AwareDatetime | None = None
    sort: Literal["-created_at", "created_at"] = "-created_at"


@activities_router.get("", response_model=ActivityList, summary="List activities")
def list_activities(who: Caller, query: Annotated[ActivityQuery, Query()]) -> ActivityList:
    with unit_of_work() as session:
        page = feeds.list_activities(session=session, ctx=who.ctx, flt=feeds.ActivityFilter(
            type=query.type or "", status=query.status or "", owner_id=query.owner_id,
            lead_id=query.lead_id, contact_id=query.contact_id, deal_id=query.deal_id,
            due_after=query.due_after, due_before=query.due_before), paging=query.paging())
        return ActivityList(data=[ActivityRead.model_validate(a) for a in page.items],
                            next_cursor=page.next_cursor)


@activities_router.post("", response_model=ActivityRead, status_code=status.HTTP_201_CREATED,
                        summary="Create an activity on a lead")
def create_activity(body: ActivityCreate, who: Caller) -> ActivityRead:
    data = body.sent()
    lead_id = data.pop("lead_id")
    with unit_of_work() as session:
        return ActivityRead.model_validate(activities.create_activity(
            session=session, ctx=who.ctx, lead_id=lead_id, data=data))


@activities_router.get("/{activity_id}", response_model=ActivityRead, summary="Get an activity")
def get_activity(activity_id: PathId, who: Caller) -> ActivityRead:
    with unit_of_work() as session:
        return ActivityRead.model_validate(activities.get_activity(session=session, ctx=who.ctx,
                                                                   activity_id=activity_id))


@activities_router.patch("/{activity_id}", response_model=ActivityRead, summary="Update an activity",
                         description="The activity's owner, the lead's owner or a manager may. "
                                     "status=completed stamps completed_at.")
def update_activity(activity_id: PathId, body: ActivityUpdate, who: Caller) -> ActivityRead:
    with unit_of_work() as session:
        return ActivityRead.model_validate(activities.update_activity(
            session=session, ctx=who.ctx, activity_id=activity_id, changes=body.sent()))


@activities_router.delete("/{activity_id}", summary="Delete an activity", **NO_CONTENT)
def delete_activity(activity_id: PathId, who: Caller) -> Response:
    with unit_of_work() as session:
        activities.delete_activity(session=session, ctx=who.ctx, activity_id=activity_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


routers = (outreach_router, contacts_router, accounts_router, deals_router, activities_router)
