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
    LeadFieldRead,
    LeadList,
    LeadRead,
    LeadStatusOut,
    LeadUpdate,
    RatingIn,
    Text,
)
from leadhub.services import conversion, custom_fields, dedupe, feeds, leads
from leadhub.services.errors import DuplicateLead, ValidationFailed

router = APIRouter(prefix="/leads", tags=["leads"], responses=STANDARD)
IDENTITY = ("first_name", "last_name", "company", "email", "phone", "mobile")
CUSTOM_FIELDS_DOC = """
**Custom fields.** `custom_fields` is an object keyed by the team's field keys (see
`GET /leads/fields`): text and long text as strings, numbers as numbers (or "3,5"), dates as
"2026-03-29", picklists as one of the options (any case), checkboxes as true/false, URLs as
web addresses. A key the team does not have is refused (**422**, with the team's keys in the
message); `null` clears a value. Required custom fields must be sent when creating. A removed
field is not shown in answers, and its stored values are kept (they come back if an admin
restores the field).
"""
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
        shown = _shown_keys(session, who)
        return LeadList(data=[_read(lead, shown) for lead in page.items], next_cursor=page.next_cursor)


def _shown_keys(session, who) -> frozenset[str]:
    """Keys of the team's active custom fields: values of removed fields stay stored, unseen."""
    return frozenset(custom_fields.lead_schema(session=session, ctx=who.ctx).by_key())


def _read(lead, shown: frozenset[str]) -> LeadRead:
    answer = LeadRead.model_validate(lead)
    answer.custom_fields = {k: v for k, v in (lead.custom_fields or {}).items() if k in shown}
    return answer


def _check_custom_keys(session, who, data: dict) -> None:
    """Unknown custom keys are refused by name, with the keys the team does have."""
    sent = data.get("custom_fields")
    if not sent:
        return
    active = custom_fields.lead_schema(session=session, ctx=who.ctx).by_key()
    unknown = [k for k in sent if k not in active]
    if not unknown:
        return
    removed = {f.key for f in custom_fields.list_fields(session=session, ctx=who.ctx, include_archived=True)
               if f.archived}
    known = ", ".join(active) or "none"
    errors = {f"custom_fields.{k}": ("This custom field was removed by an admin; it cannot be set."
                                     if k in removed else f"Unknown custom field. This team's custom fields: {known}.")
              for k in unknown}
    raise ValidationFailed(f"Unknown custom field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
                           f"This team's custom fields are: {known} (GET /api/v1/leads/fields).", errors)


@router.get("/fields", response_model=list[LeadFieldRead], summary="The team's custom lead fields",
            description="What `custom_fields` of a lead may hold: each active field's key, label, "
                        "type, picklist options and whether it is required, in the team's order.")
def lead_fields(who: Caller) -> list[LeadFieldRead]:
    with unit_of_work() as session:
        return [LeadFieldRead(key=f.key, label=f.label, type=f.type, options=list(f.options),
                              required=f.required)
                for f in custom_fields.lead_schema(session=session, ctx=who.ctx).fields]


def _matches(session, who, data: dict, exclude_lead_id: int | None = None) -> list[dedupe.Match]:
    probe = {k: data.get(k, "") or "" for k in IDENTITY}
    return dedupe.find_duplicates(session=session, ctx=who.ctx, data=probe,
                                  exclude_lead_id=exclude_lead_id, limit=5)


@router.post("", response_model=LeadRead, status_code=status.HTTP_201_CREATED, summary="Create a lead",
             description="A new lead, checked against the team's lead fields (required fields, "
                         "sources, industries, custom fields) like the Leads page.\n" + CUSTOM_FIELDS_DOC +
                         DUPLICATES_DOC +
                         "\n- `on_duplicate=error` (default): 409 with the matches."
                         "\n- `on_duplicate=create`: create the lead all the same (201)."
                         "\n- `on_duplicate=update`: apply the sent fields to the strongest match "
                         "instead and answer **200** with it.",
             responses={200: {"model": LeadRead, "description": "on_duplicate=update: the matched lead, updated"}})
def create_lead(body: LeadCreate, who: Caller, response: Response,
                on_duplicate: Literal["error", "create", "update"] = "error") -> LeadRead:
    data = body.sent()
    with unit_of_work() as session:
        _check_custom_keys(session, who, data)
        leads.clean_lead_fields(session, who.ctx, data, partial=False)
        matches = [] if on_duplicate == "create" else _matches(session, who, data)
        if matches and on_duplicate == "update":
            changes = {k: v for k, v in data.items() if k != "status"}
            lead = leads.update_lead(session=session, ctx=who.ctx, lead_id=matches[0].lead_id,
                                     changes=changes)
            response.status_code = status.HTTP_200_OK
            return _read(lead, _shown_keys(session, who))
        if matches:
            raise DuplicateLead("This lead looks like one the team already has.", matches)
        return _read(leads.create_lead(session=session, ctx=who.ctx, data=data), _shown_keys(session, who))


@router.get("/{lead_id}", response_model=LeadRead, summary="Get a lead")
def get_lead(lead_id: PathId, who: Caller) -> LeadRead:
    with unit_of_work() as session:
        return _read(leads.get_lead(session=session, ctx=who.ctx, lead_id=lead_id), _shown_keys(session, who))


@router.patch("/{lead_id}", response_model=LeadRead, summary="Update a lead",
              description="Changes only the fields sent (and, in `custom_fields`, only the keys "
                          "sent). A status change is recorded in the "
                          "lead's history (and sends `lead.status_changed`). Changing name, "
                          "company, e-mail or phones runs the duplicate matcher: 409 with the "
                          "matches unless `on_duplicate=allow`. Converted leads are read-only.\n"
                          + CUSTOM_FIELDS_DOC)
def update_lead(lead_id: PathId, body: LeadUpdate, who: Caller,
                on_duplicate: Literal["error", "allow"] = "error") -> LeadRead:
    changes = body.sent()
    with unit_of_work() as session:
        lead = leads.get_lead(session=session, ctx=who.ctx, lead_id=lead_id)
        _check_custom_keys(session, who, changes)
        leads.clean_lead_fields(session, who.ctx, changes, partial=True, lead=lead)
        if on_duplicate == "error" and any(k in changes for k in IDENTITY):
            probe = {k: changes[k] if k in changes else getattr(lead, k) for k in IDENTITY}
            matches = _matches(session, who, probe, exclude_lead_id=lead.id)
            if matches:
                raise DuplicateLead("With this change the lead looks like another one.", matches)
        return _read(leads.update_lead(session=session, ctx=who.ctx, lead_id=lead_id, changes=changes),
                     _shown_keys(session, who))


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
            lead=_read(result.lead, _shown_keys(session, who)),
            account=AccountRead.model_validate(result.account) if result.account else None,
            account_created=result.account_created,
            contact=ContactRead.model_validate(result.contact) if result.contact else None,
            deal=DealRead.model_validate(result.deal) if result.deal else None)


def _overlay(defaults, sent: dict):
    """The dialog's suggested values with the caller's on top."""
    for name, value in sent.items():
        setattr(defaults, name, value)
    return defaults
