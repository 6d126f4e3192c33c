"""Leads: create, edit, find and page through a team's leads, with input checked at the field.

Every function takes the caller's TeamContext and touches only that team's leads. Lists are
paged, filtered and sorted in SQL so a team with 100,000 leads pages as fast as one with 100.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import phonenumbers
from sqlalchemy import asc, delete, desc, func, or_, update
from sqlmodel import Session, select

from leadhub.services import custom_fields, scoring
from leadhub.services import webhooks
from leadhub.services.amounts import parse_amount
from leadhub.services.auth import normalise_email
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import PermissionDenied, ValidationFailed
from leadhub.services.team_signal import lead_changed
from leadhub.services.models import (
    Activity,
    CampaignMember,
    Contact,
    Deal,
    Document,
    DomainEvent,
    Interest,
    Lead,
    LeadStatus,
    LeadStatusHistory,
    Membership,
    Need,
    Note,
    Outreach,
    Rating,
    Team,
    User,
    utcnow,
)

TEXT_LIMITS = {
    "first_name": 80, "last_name": 80, "company": 160, "title": 120, "lead_source": 60,
    "industry": 60, "email": 254, "phone": 32, "mobile": 32, "website": 255, "street": 255,
    "city": 100, "state": 100, "postal_code": 20, "country": 100, "description": 10000,
    "notes": 10000,
}
CHOICES = {
    "status": [s.value for s in LeadStatus],
    "rating": [r.value for r in Rating],
    "need": [n.value for n in Need],
    "interest": [i.value for i in Interest],
}
EDITABLE_FIELDS = (*TEXT_LIMITS, *CHOICES, "budget", "owner_id", "outreach_id", "custom_fields")
LEAD_STATUS_CHANGED = "LeadStatusChanged"
SORTABLE = {
    "name": (Lead.last_name, Lead.first_name), "company": (Lead.company,),
    "status": (Lead.status,), "rating": (Lead.rating,), "score": (Lead.score,),
    "created_at": (Lead.created_at,), "updated_at": (Lead.updated_at,),
    "lead_source": (Lead.lead_source,), "budget": (Lead.budget,),
    "last_contacted_at": (Lead.last_contacted_at,),
}
MAX_PAGE_SIZE = 200


def fold(text: str) -> str:
    """Lower-case and strip accents, so "José Núñez" is found by "jose nunez"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def search_text_for(*parts: str | None) -> str:
    """The folded text a lead is searched by (name, company, e-mail, phones)."""
    return fold(" ".join(p for p in parts if p))[:1000]


def normalise_phone(raw: str, region: str) -> str:
    """E.164 form of a phone number, reading local numbers in the team's country.

    Raises ValueError with a readable message when the number is not valid."""
    try:
        number = phonenumbers.parse(raw, region or "US")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("This does not look like a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("This phone number is not valid (add the country code, e.g. +34).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _normalise_email(raw: str) -> str:
    try:
        return normalise_email(raw)
    except ValidationFailed as exc:
        raise ValueError(exc.field_errors["email"]) from exc


def _normalise_url(raw: str) -> str:
    candidate = raw if "://" in raw else f"https://{raw}"
    parsed = urlparse(candidate)
    if parsed.scheme not in ("http", "https") or "." not in (parsed.hostname or ""):
        raise ValueError("Enter a web address such as https://example.com.")
    return candidate


def _parse_budget(raw: Any) -> Decimal | None:
    try:
        return parse_amount(raw)
    except ValueError as exc:
        if str(exc) == "The amount cannot be negative.":
            raise ValueError("The budget cannot be negative.") from exc
        raise


def clean_lead_fields(session: Session, ctx: TeamContext, raw: dict[str, Any], *,
                      partial: bool, lead: Lead | None = None,
                      schema: custom_fields.LeadSchema | None = None) -> dict[str, Any]:
    """Check and normalise lead input; all problems are reported at once, per field.

    The team's schema adds its rules: required standard fields, the options of lead source
    and industry (a lead keeps a value it already has), and custom fields, whose submitted
    values are merged into the lead's stored ones (`custom_fields` in the result is the
    whole new JSON)."""
    unknown = set(raw) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(field_errors={f: "Unknown field." for f in sorted(unknown)})
    schema = schema or custom_fields.lead_schema(session=session, ctx=ctx)
    team = session.get(Team, ctx.team_id)
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "custom_fields":
            continue
        try:
            clean[name] = _clean_one(session, ctx, team, name, value)
        except ValueError as exc:
            errors[name] = str(exc)
    for name, options in schema.options.items():
        value = clean.get(name)
        if value and value not in options and not (lead is not None and getattr(lead, name) == value):
            match = next((o for o in options if o.lower() == value.lower()), None)
            if match:
                clean[name] = match
            else:
                errors[name] = f"Choose one of: {', '.join(options)}."
    for name in schema.required:
        if name in errors or (partial and name not in raw):
            continue
        value = clean.get(name)
        if value is None or value == "":
            errors[name] = "Last name is required." if name == "last_name" else "This field is required."
    if "custom_fields" in raw or not partial:
        merged, custom_errors = custom_fields.clean_custom_values(
            schema, raw.get("custom_fields"), lead.custom_fields if lead is not None else {},
            creating=not partial)
        errors.update(custom_errors)
        clean["custom_fields"] = merged
    if errors:
        raise ValidationFailed(field_errors=errors)
    return clean


def _clean_one(session: Session, ctx: TeamContext, team: Team, name: str, value: Any) -> Any:
    if name in TEXT_LIMITS:
        text = "" if value is None else str(value).strip()
        if len(text) > TEXT_LIMITS[name]:
            raise ValueError(f"Use at most {TEXT_LIMITS[name]} characters.")
        if text and name == "email":
            return _normalise_email(text)
        if text and name in ("phone", "mobile"):
            return normalise_phone(text, team.country)
        if text and name == "website":
            return _normalise_url(text)
        return text
    if name in CHOICES:
        text = "" if value is None else str(value).strip()
        if name == "status" and not text:
            raise ValueError("Choose a status.")
        if text and text not in CHOICES[name]:
            raise ValueError(f"Choose one of: {', '.join(CHOICES[name])}.")
        return text
    if name == "budget":
        return _parse_budget(value)
    if name == "owner_id":
        if value in (None, ""):
            return None
        owner_id = int(value)
        if not session.exec(select(Membership.id).where(
                Membership.team_id == ctx.team_id, Membership.user_id == owner_id)).first():
            raise ValueError("The owner must be a member of this team.")
        return owner_id
    if name == "outreach_id":
        if value in (None, ""):
            return None
        outreach_id = int(value)
        if not session.exec(select(Outreach.id).where(
                Outreach.team_id == ctx.team_id, Outreach.id == outreach_id)).first():
            raise ValueError("No such outreach in this team.")
        return outreach_id
    raise ValueError("Unknown field.")


def refresh_search_text(lead: Lead) -> None:
    """Recompute what the list search finds the lead by (after any change to its fields)."""
    lead.search_text = search_text_for(lead.first_name, lead.last_name, lead.company, lead.email,
                                       lead.phone, lead.mobile, lead.city)


def _next_position(session: Session, team_id: int, status: str) -> float:
    top = session.exec(select(func.min(Lead.position)).where(
        Lead.team_id == team_id, Lead.status == status)).one()
    return (top if top is not None else 1.0) - 1.0


# --- CRUD -----------------------------------------------------------------------------------

def create_lead(*, session: Session, ctx: TeamContext, data: dict[str, Any]) -> Lead:
    """A new lead owned by the caller unless another owner is chosen; it tops its column."""
    clean = clean_lead_fields(session, ctx, data, partial=False)
    clean.setdefault("status", LeadStatus.NEW.value)
    if clean.get("owner_id") is None:
        clean["owner_id"] = ctx.user_id
    if clean["status"] == LeadStatus.CONVERTED.value:
        raise ValidationFailed(field_errors={
            "status": "A lead becomes Converted through the conversion dialog."})
    lead = Lead(team_id=ctx.team_id, **clean)
    lead.position = _next_position(session, ctx.team_id, lead.status)
    refresh_search_text(lead)
    session.add(lead)
    session.flush()
    session.add(LeadStatusHistory(team_id=ctx.team_id, lead_id=lead.id, from_status=None,
                                  to_status=lead.status, changed_by=ctx.user_id))
    webhooks.record_if_followed(session=session, ctx=ctx, event="lead.created",
                                payload={"lead_id": lead.id})
    lead_changed(session=session, lead=lead)
    scoring.rescore_lead(session=session, ctx=ctx, lead=lead, changes=clean)
    session.flush()
    return lead


def get_lead(*, session: Session, ctx: TeamContext, lead_id: int) -> Lead:
    return get_in_team(session, Lead, ctx, lead_id, "This lead does not exist or belongs to another team.")


def update_lead(*, session: Session, ctx: TeamContext, lead_id: int, changes: dict[str, Any]) -> Lead:
    """Apply a partial change; a status change is recorded in the status history."""
    lead = get_lead(session=session, ctx=ctx, lead_id=lead_id)
    if lead.status == LeadStatus.CONVERTED.value:
        raise ValidationFailed("A converted lead is read-only.")
    clean = clean_lead_fields(session, ctx, changes, partial=True, lead=lead)
    new_status = clean.pop("status", lead.status)
    for name, value in clean.items():
        setattr(lead, name, value)
    if new_status != lead.status:
        if new_status == LeadStatus.CONVERTED.value:
            raise ValidationFailed(field_errors={
                "status": "A lead becomes Converted through the conversion dialog."})
        _set_status(session, ctx, lead, new_status)
    lead.updated_at = utcnow()
    refresh_search_text(lead)
    lead_changed(session=session, lead=lead)
    scoring.rescore_lead(session=session, ctx=ctx, lead=lead, changes=clean)
    session.add(lead)
    session.flush()
    return lead


def _set_status(session: Session, ctx: TeamContext, lead: Lead, new_status: str) -> None:
    session.add(LeadStatusHistory(team_id=ctx.team_id, lead_id=lead.id, from_status=lead.status,
                                  to_status=new_status, changed_by=ctx.user_id))
    record_event(session, ctx, LEAD_STATUS_CHANGED, lead.id,
                 {"lead_id": lead.id, "from": lead.status, "to": new_status})
    lead.status = new_status
    lead.position = _next_position(session, ctx.team_id, new_status)


def record_event(session: Session, ctx: TeamContext, name: str, lead_id: int | None,
                 payload: dict[str, Any]) -> None:
    """Record a past-tense fact about a lead in the outbox (events.record), same transaction."""
    try:
        from leadhub.services import events
    except ImportError:  # no outbox module in this build: keep the row anyway
        session.add(DomainEvent(team_id=ctx.team_id, user_id=ctx.user_id, name=name,
                                payload=payload, lead_id=lead_id))
        return
    events.record(session=session, ctx=ctx, name=name, payload=payload, lead_id=lead_id)


def delete_lead(*, session: Session, ctx: TeamContext, lead_id: int) -> None:
    """Remove a lead with its own history; managers, admins and the lead's owner may."""
    lead = get_lead(session=session, ctx=ctx, lead_id=lead_id)
    if not ctx.is_manager and lead.owner_id != ctx.user_id:
        raise PermissionDenied("Only the lead's owner or a manager can delete it.")
    detach_related(session, ctx, [lead.id])
    lead_changed(session=session, lead=lead)
    session.delete(lead)
    session.flush()


# Rows that belong to a lead and go with it; rows of other tables only lose the link.
OWNED_BY_LEAD = {"lead_status_history", "campaign_member", "note", "activity", "document", "lead_merge"}


def detach_related(session: Session, ctx: TeamContext, lead_ids: list[int]) -> None:
    """Before leads are deleted: remove what belongs to them (documents' files once the
    transaction commits), unlink the rest (outreach, contacts, deals, events...). Tables of
    other modules are found from the schema; a NOT NULL link means the row is the lead's."""
    from leadhub.services import documents
    from leadhub.services.merge import _lead_foreign_keys
    documents.forget_files_of_leads(session=session, ctx=ctx, lead_ids=lead_ids)
    for table, column in _lead_foreign_keys():
        scope = [table.c.team_id == ctx.team_id] if "team_id" in table.c else []
        condition = [column.in_(lead_ids), *scope]
        cascades = any((fk.ondelete or "").upper() == "CASCADE" for fk in column.foreign_keys)
        if table.name in OWNED_BY_LEAD or not column.nullable or cascades:
            session.execute(delete(table).where(*condition))
        else:
            session.execute(update(table).where(*condition).values({column.name: None})
                            .execution_options(synchronize_session=False))


# --- Lists ----------------------------------------------------------------------------------

@dataclass
class LeadQuery:
    """What the list shows: text search, filters, sort and page (all applied in SQL).

    `custom` filters custom fields by key ({"region": "North"}); `sort` may name a custom
    field as "cf.<key>"; `ids` limits the set to a selection."""

    search: str = ""
    status: str = ""
    rating: str = ""
    lead_source: str = ""
    industry: str = ""
    owner_id: int | None = None
    unassigned: bool = False
    created_after: datetime | None = None
    custom: dict[str, str] = field(default_factory=dict)
    ids: list[int] | None = None
    sort: str = "created_at"
    descending: bool = True
    page: int = 1
    page_size: int = 25


@dataclass
class LeadRow:
    id: int
    name: str
    company: str
    email: str
    phone: str
    status: str
    rating: str
    lead_source: str
    score: int
    budget: Decimal | None
    owner_name: str
    created_at: datetime
    last_contacted_at: datetime | None
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    mobile: str = ""
    industry: str = ""
    city: str = ""
    country: str = ""
    updated_at: datetime | None = None
    owner_id: int | None = None
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass
class LeadPage:
    rows: list[LeadRow]
    total: int
    page: int
    page_size: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.page_size))


def _filtered(ctx: TeamContext, query: LeadQuery, schema: custom_fields.LeadSchema | None = None):
    conditions = [Lead.team_id == ctx.team_id]
    if query.status:
        conditions.append(Lead.status == query.status)
    if query.rating:
        conditions.append(Lead.rating == query.rating)
    if query.lead_source:
        conditions.append(Lead.lead_source == query.lead_source)
    if query.industry:
        conditions.append(Lead.industry == query.industry)
    if query.owner_id:
        conditions.append(Lead.owner_id == query.owner_id)
    if query.unassigned:
        conditions.append(Lead.owner_id.is_(None))
    if query.created_after is not None:
        conditions.append(Lead.created_at >= query.created_after)
    if query.ids is not None:
        conditions.append(Lead.id.in_([int(i) for i in query.ids][:MAX_SELECTION]))
    if query.custom and schema is not None:
        specs = schema.by_key()
        errors = {}
        for key, value in query.custom.items():
            spec = specs.get(key)
            if spec is None or not str(value).strip():
                continue
            try:
                conditions.append(custom_fields.filter_condition(spec, str(value)))
            except ValueError as exc:
                errors[f"custom_fields.{key}"] = str(exc)
        if errors:
            raise ValidationFailed(field_errors=errors)
    terms = fold(query.search).split()
    for term in terms[:5]:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Lead.search_text.like(f"%{escaped}%", escape="\\"))
    return conditions


MAX_SELECTION = 10_000


def filter_conditions(*, session: Session, ctx: TeamContext, query: LeadQuery) -> list:
    """The WHERE conditions of a query (bulk actions and exports reuse the list's filters)."""
    schema = custom_fields.lead_schema(session=session, ctx=ctx) if query.custom else None
    return _filtered(ctx, query, schema)


def _order(query: LeadQuery, schema: custom_fields.LeadSchema | None):
    direction = desc if query.descending else asc
    spec = schema.field_for_column(query.sort) if schema is not None else None
    if spec is not None:
        expression = custom_fields.value_expression(spec)
        nulls = expression.is_(None)
        return [nulls, direction(expression), direction(Lead.id)]
    columns = SORTABLE.get(query.sort, SORTABLE["created_at"])
    return [direction(c) for c in columns] + [direction(Lead.id)]


def list_leads(*, session: Session, ctx: TeamContext, query: LeadQuery,
               schema: custom_fields.LeadSchema | None = None) -> LeadPage:
    """One page of the team's leads; the total counts the whole filtered set."""
    page_size = max(1, min(query.page_size, MAX_PAGE_SIZE))
    if schema is None and (query.custom or query.sort.startswith("cf.")):
        schema = custom_fields.lead_schema(session=session, ctx=ctx)
    conditions = _filtered(ctx, query, schema)
    total = session.exec(select(func.count()).select_from(Lead).where(*conditions)).one()
    pages = max(1, -(-total // page_size))
    page = max(1, min(query.page, pages))
    statement = (
        select(Lead.id, Lead.first_name, Lead.last_name, Lead.company, Lead.email, Lead.phone,
               Lead.status, Lead.rating, Lead.lead_source, Lead.score, Lead.budget,
               User.full_name, User.email, Lead.created_at, Lead.last_contacted_at,
               Lead.title, Lead.mobile, Lead.industry, Lead.city, Lead.country, Lead.updated_at,
               Lead.owner_id, Lead.custom_fields)
        .outerjoin(User, User.id == Lead.owner_id)
        .where(*conditions).order_by(*_order(query, schema))
        .offset((page - 1) * page_size).limit(page_size)
    )
    rows = [
        LeadRow(id=r[0], name=f"{r[1]} {r[2]}".strip(), company=r[3], email=r[4], phone=r[5],
                status=r[6], rating=r[7], lead_source=r[8], score=r[9], budget=r[10],
                owner_name=r[11] or r[12] or "", created_at=r[13], last_contacted_at=r[14],
                first_name=r[1], last_name=r[2], title=r[15], mobile=r[16], industry=r[17],
                city=r[18], country=r[19], updated_at=r[20], owner_id=r[21], custom=dict(r[22] or {}))
        for r in session.exec(statement).all()
    ]
    return LeadPage(rows=rows, total=total, page=page, page_size=page_size)


def team_owners(*, session: Session, ctx: TeamContext) -> list[tuple[int, str]]:
    """Members who can own leads, as (user id, display name)."""
    rows = session.exec(select(User.id, User.full_name, User.email)
                        .join(Membership, Membership.user_id == User.id)
                        .where(Membership.team_id == ctx.team_id)
                        .order_by(User.full_name)).all()
    return [(uid, name or email) for uid, name, email in rows]
