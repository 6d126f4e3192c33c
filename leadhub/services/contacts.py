"""Contacts: the people a team talks to, with the outreach that first brought each one in.

Attribution (`outreach_id`) is set when a contact is created from an outreach or later with
`link_outreach`; ordinary edits never change or clear it, so reports on what outreach
produced stay true.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, func, select

from leadhub.services import teamtime, touches
from leadhub.services.auth import normalise_email
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import Conflict, NotFound, ValidationFailed
from leadhub.services.models import Account, Contact, Outreach, Team, utcnow
from leadhub.services.outreach import get_outreach, normalise_phone
from leadhub.services.paging import Page, clamp

EDITABLE_FIELDS = ("first_name", "last_name", "email", "phone", "title", "account_id", "lead_id",
                   "owner_id")
TEXT_LIMITS = {"first_name": 80, "last_name": 80, "title": 120}
SORTS = {
    "name": (Contact.last_name, Contact.first_name),
    "email": (Contact.email,),
    "created_at": (Contact.created_at,),
    "updated_at": (Contact.updated_at,),
    "last_contacted_at": (Contact.last_contacted_at,),
}


def _clean(session: Session, ctx: TeamContext, team: Team, raw: dict[str, Any]) -> dict[str, Any]:
    """Validated, normalised values of the given fields; all problems at once, at their field."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in EDITABLE_FIELDS:
            errors[name] = "This field cannot be set here."
            continue
        try:
            clean[name] = _clean_one(session, ctx, team, name, value)
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    if errors:
        raise ValidationFailed(field_errors=errors)
    return clean


def _clean_one(session: Session, ctx: TeamContext, team: Team, name: str, value: Any) -> Any:
    if name in TEXT_LIMITS:
        text = " ".join(str(value or "").split())
        if name == "last_name" and not text:
            raise ValidationFailed(field_errors={name: "Enter the last name."})
        if len(text) > TEXT_LIMITS[name]:
            raise ValidationFailed(field_errors={name: f"Use at most {TEXT_LIMITS[name]} characters."})
        return text
    if name == "email":
        return normalise_email(value) if str(value or "").strip() else ""
    if name == "phone":
        return normalise_phone(value, team.country) if str(value or "").strip() else ""
    if value in (None, ""):
        return None
    try:
        record_id = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(field_errors={name: "Choose from the list."}) from exc
    if name == "owner_id":
        if not touches.is_team_member(session, ctx.team_id, record_id):
            raise ValidationFailed(field_errors={name: "Choose a member of this team."})
    elif name == "account_id":
        if session.exec(select(Account.id).where(Account.id == record_id,
                                                 Account.team_id == ctx.team_id)).first() is None:
            raise ValidationFailed(field_errors={name: "No such account in this team."})
    elif name == "lead_id":
        try:
            touches.team_lead(session, ctx, record_id)
        except NotFound as exc:
            raise ValidationFailed(field_errors={name: "No such lead in this team."}) from exc
    return record_id


def create_contact(*, session: Session, ctx: TeamContext, data: dict[str, Any],
                   outreach_id: int | None = None) -> Contact:
    """A new contact (owner: the caller unless given), optionally attributed to the outreach
    it came from; that outreach then also counts as the contact's first touch."""
    team = session.get(Team, ctx.team_id)
    clean = _clean(session, ctx, team, {"last_name": "", **data})
    outreach = get_outreach(session=session, ctx=ctx, outreach_id=outreach_id) if outreach_id else None
    clean.setdefault("owner_id", ctx.user_id)
    contact = Contact(team_id=ctx.team_id, outreach_id=outreach.id if outreach else None, **clean)
    session.add(contact)
    session.flush()
    if outreach is not None:
        _attribute(session, contact, outreach)
    return contact


def get_contact(*, session: Session, ctx: TeamContext, contact_id: int) -> Contact:
    return get_in_team(session, Contact, ctx, contact_id, "No such contact in this team.")


def update_contact(*, session: Session, ctx: TeamContext, contact_id: int,
                   changes: dict[str, Any]) -> Contact:
    """Change some fields. Attribution is not one of them: an `outreach_id` that is empty or
    equal to the current one is ignored (forms send every field), any other is refused."""
    contact = get_contact(session=session, ctx=ctx, contact_id=contact_id)
    touches.require_record_access(ctx, contact.owner_id)
    changes = dict(changes)
    if "outreach_id" in changes:
        sent = changes.pop("outreach_id")
        if sent not in (None, "") and str(sent) != str(contact.outreach_id):
            raise ValidationFailed(field_errors={
                "outreach_id": "Attribution is changed with “link outreach”, not by editing."})
    for name in ("id", "team_id", "created_at", "updated_at", "last_contacted_at"):
        changes.pop(name, None)
    team = session.get(Team, ctx.team_id)
    clean = _clean(session, ctx, team, changes)
    for name, value in clean.items():
        setattr(contact, name, value)
    contact.updated_at = utcnow()
    session.add(contact)
    session.flush()
    return contact


def link_outreach(*, session: Session, ctx: TeamContext, contact_id: int, outreach_id: int) -> Contact:
    """Attribute an existing contact to the outreach that brought it in. First attribution
    wins: linking to a different outreach than the recorded one is a Conflict."""
    contact = get_contact(session=session, ctx=ctx, contact_id=contact_id)
    touches.require_record_access(ctx, contact.owner_id)
    outreach = get_outreach(session=session, ctx=ctx, outreach_id=outreach_id)
    if contact.outreach_id not in (None, outreach.id):
        raise Conflict("This contact is already attributed to another outreach.")
    contact.outreach_id = outreach.id
    contact.updated_at = utcnow()
    session.add(contact)
    session.flush()
    _attribute(session, contact, outreach)
    return contact


def _attribute(session: Session, contact: Contact, outreach: Outreach) -> None:
    """The outreach shows in the contact's history and counts as a touch of it."""
    if outreach.contact_id is None:
        outreach.contact_id = contact.id
        session.add(outreach)
        session.flush()
    touches.bump_last_contacted(session, team_id=contact.team_id, at=outreach.occurred_at,
                                contact_id=contact.id)


def list_contacts(*, session: Session, ctx: TeamContext, search: str = "", owner_id: int | None = None,
                  account_id: int | None = None, outreach_id: int | None = None,
                  sort: str = "name", descending: bool = False, page: int = 1,
                  page_size: int = 25) -> Page[Contact]:
    """One page of the team's contacts. Every word of `search` must appear in the name,
    e-mail, phone or title."""
    if sort not in SORTS:
        raise ValidationFailed(field_errors={"sort": f"Sort by {', '.join(SORTS)}."})
    page, page_size, offset = clamp(page, page_size)
    clauses = [Contact.team_id == ctx.team_id]
    if owner_id is not None:
        clauses.append(Contact.owner_id == owner_id)
    if account_id is not None:
        clauses.append(Contact.account_id == account_id)
    if outreach_id is not None:
        clauses.append(Contact.outreach_id == outreach_id)
    for word in (search or "").lower().split()[:8]:
        digits = "".join(ch for ch in word if ch.isdigit())
        options = [func.lower(column).contains(word, autoescape=True) for column in
                   (Contact.first_name, Contact.last_name, Contact.email, Contact.title)]
        if digits and len(digits) >= 3:
            options.append(Contact.phone.contains(digits, autoescape=True))
        clauses.append(or_(*options))
    order = [(column.desc() if descending else column.asc()).nulls_last() for column in SORTS[sort]]
    order.append(Contact.id.desc() if descending else Contact.id.asc())
    total = session.exec(select(func.count()).select_from(Contact).where(*clauses)).one()
    items = session.exec(select(Contact).where(*clauses).order_by(*order)
                         .offset(offset).limit(page_size)).all()
    return Page(items=list(items), total=total, page=page, page_size=page_size)


def local_last_contacted(contact: Contact, team: Team):
    """Last contacted on the team's clock, or None (for display)."""
    return teamtime.to_local(contact.last_contacted_at, team) if contact.last_contacted_at else None
