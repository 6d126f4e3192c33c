"""/leads: the same checks, duplicate matching and events as the Leads page, for integrations."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import AwareDatetime, Field

from leadhub.api.v1.deps import Caller, PathId, unit_of_work
from leadhub.api.v1.errors import STANDARD
from leadhub.api.v1.schemas import (
    AccountRead,
    ContactRead,
    ConversionRequest,
    ConversionResultRead,
    DealRead,
    DuplicateMatch,
    QueryId,
    Input,
    LeadCreate,
    LeadList,
    LeadRead,
    LeadStatusOut,
    LeadUpdate,
    RatingIn,
    Text,
)
from leadhub.services import conversion, dedupe, feeds, leads
from leadhub.services.errors import DuplicateLead

router = APIRouter(prefix="/leads", tags=["leads"], responses=STANDARD)
IDENTITY = ("first_name", "last_name", "company", "email", "phone", "mobile")
DUPLICATES_DOC = """
**Duplicates.** The same matcher as the Leads page runs first: same e-mail, same phone number
(E.164, both phone and mobile), or a similar name at a similar company. When it finds likely
duplicates the answer is **409** `DuplicateLead` with `error.matches` (id, name, reasons,
strongest first) and nothing is written, unless `on_duplicate` says otherwise.
"""


class LeadQuery(Input):
    status: LeadStatusOut | None = None
    rating: RatingIn | None = None
    owner_id: QueryId | None = None
    lead_source: Text(60) | None = None
    industry: Text(60) | None = None
    search: Text(200) | None = Field(None, description="words in name, company, e-mail, phone or city")
    created_since: AwareDatetime | None = None
    updated_since: AwareDatetime | None = Field(None, description="changed at or after (for syncs)")
    sort: Literal["-created_at", "created_at", "-updated_at", "updated_at"] = "-created_at"
    cursor: Text(2000) | None = None
    limit: int = Field(50, ge=1, le=200)


@router.get("", response_model=LeadList, summary="List leads")
def list_leads(who: Caller, query: Annotated[LeadQuery, Query()]) -> LeadList:
    """One page of the team's leads, filtered; follow `next_cursor` for the next page.
    Pages never repeat or skip a lead while leads are added."""
    with unit_of_work() as session:
        page = feeds.list_leads(session=session, ctx=who.ctx, flt=feeds.LeadFilter(
            status=query.status or "", rating=query.rating or "", owner_id=query.owner_id,
            lead_source=query.lead_source or "", industry=query.industry or "",
            search=query.search or "", created_since=query.created_since,
            updated_since=query.updated_since),
            paging=feeds.Paging(sort=query.sort, cursor=query.cursor, limit=query.limit))
        return LeadList(data=[LeadRead.model_validate(lead) for lead in page.items],
                        next_cursor=page.next_cursor)


def _matches(session, who, data: dict, exclude_lead_id: int | None = None) -> list[dedupe.Match]:
    probe = {k: data.get(k, "") or "" for k in IDENTITY}
    return dedupe.find_duplicates(session=session, ctx=who.ctx, data=probe,
                                  exclude_lead_id=exclude_lead_id, limit=5)


@router.post("", response_model=LeadRead, status_code=status.HTTP_201_CREATED, summary="Create a lead",
             description="A new lead, checked against the team's lead fields (required fields, "
                         "sources, industries, custom fields) like the Leads page.\n" + DUPLICATES_DOC +
                         "\n- `on_duplicate=error` (default): 409 with the matches."
                         "\n- `on_duplicate=create`: create the lead all the same (201)."
                         "\n- `on_duplicate=update`: apply the sent fields to the strongest match "
                         "instead and answer **200** with it.",
             responses={200: {"model": LeadRead, "description": "on_duplicate=update: the matched lead, updated"}})
def create_lead(body: LeadCreate, who: Caller, response: Response,
                on_duplicate: Literal["error", "create", "update"] = "error") -> LeadRead:
    data = body.sent()
    with unit_of_work() as session:
        leads.clean_lead_fields(session, who.ctx, data, partial=False)
        matches = [] if on_duplicate == "create" else _matches(session, who, data)
        if matches and on_duplicate == "update":
            changes = {k: v for k, v in data.items() if k != "status"}
            lead = leads.update_lead(session=session, ctx=who.ctx, lead_id=matches[0].lead_id,
                                     changes=changes)
            response.status_code = status.HTTP_200_OK
            return LeadRead.model_validate(lead)
        if matches:
            raise DuplicateLead("This lead looks like one the team already has.", matches)
        return LeadRead.model_validate(leads.create_lead(session=session, ctx=who.ctx, data=data))


@router.get("/{lead_id}", response_model=LeadRead, summary="Get a lead")
def get_lead(lead_id: PathId, who: Caller) -> LeadRead:
    with unit_of_work() as session:
        return LeadRead.model_validate(leads.get_lead(session=session, ctx=who.ctx, lead_id=lead_id))


@router.patch("/{lead_id}", response_model=LeadRead, summary="Update a lead",
              description="Changes only the fields sent. A status change is recorded in the "
                          "lead's history (and sends `lead.status_changed`). Changing name, "
                          "company, e-mail or phones runs the duplicate matcher: 409 with the "
                          "matches unless `on_duplicate=allow`. Converted leads are read-only.")
def update_lead(lead_id: PathId, body: LeadUpdate, who: Caller,
                on_duplicate: Literal["error", "allow"] = "error") -> LeadRead:
    changes = body.sent()
    with unit_of_work() as session:
        lead = leads.get_lead(session=session, ctx=who.ctx, lead_id=lead_id)
        leads.clean_lead_fields(session, who.ctx, changes, partial=True, lead=lead)
        if on_duplicate == "error" and any(k in changes for k in IDENTITY):
            probe = {k: changes[k] if k in changes else getattr(lead, k) for k in IDENTITY}
            matches = _matches(session, who, probe, exclude_lead_id=lead.id)
            if matches:
                raise DuplicateLead("With this change the lead looks like another one.", matches)
        return LeadRead.model_validate(leads.update_lead(session=session, ctx=who.ctx,
                                                         lead_id=lead_id, changes=changes))


@router.delete("/{lead_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a lead",
               description="Managers, admins and the lead's owner may; its notes, activities "
                           "and documents go with it.")
def delete_lead(lead_id: PathId, who: Caller) -> Response:
    with unit_of_work() as session:
        leads.delete_lead(session=session, ctx=who.ctx, lead_id=lead_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{lead_id}/duplicates", response_model=list[DuplicateMatch], summary="Likely duplicates of a lead")
def lead_duplicates(lead_id: PathId, who: Caller) -> list[DuplicateMatch]:
    with unit_of_work() as session:
        matches = dedupe.duplicates_of_lead(session=session, ctx=who.ctx, lead_id=lead_id)
    return [DuplicateMatch(id=m.lead_id, name=m.name, company=m.company, email=m.email, phone=m.phone,
                           reasons=list(m.reasons), kinds=list(m.kinds), score=m.score) for m in matches]


@router.post("/{lead_id}/convert", response_model=ConversionResultRead, summary="Convert a lead",
             description="Turns the lead into an account (new, existing or none), a contact and "
                         "a deal in one transaction, like the conversion dialog; values left out "
                         "come from the lead. The lead becomes Converted (read-only); its notes, "
                         "activities and attribution move over. Sends `lead.status_changed` and "
                         "`deal.created`. 409 when it is already converted.")
def convert_lead(lead_id: PathId, body: ConversionRequest, who: Caller) -> ConversionResultRead:
    with unit_of_work() as session:
        values = conversion.preview(session=session, ctx=who.ctx, lead_id=lead_id).values
        choice = conversion.ConversionIn(
            account_mode=body.account_mode, account_id=body.account_id,
            account=_overlay(values.account, body.account.sent()),
            create_contact=body.create_contact, contact=_overlay(values.contact, body.contact.sent()),
            create_deal=body.create_deal, deal=_overlay(values.deal, body.deal.sent()))
        result = conversion.convert(session=session, ctx=who.ctx, lead_id=lead_id, conversion_in=choice)
        return ConversionResultRead(
            lead=LeadRead.model_validate(result.lead),
            account=AccountRead.model_validate(result.account) if result.account else None,
            account_created=result.account_created,
            contact=ContactRead.model_validate(result.contact) if result.contact else None,
            deal=DealRead.model_validate(result.deal) if result.deal else None)


def _overlay(defaults, sent: dict):
    """The dialog's suggested values with the caller's on top."""
    for name, value in sent.items():
        setattr(defaults, name, value)
    return defaults
