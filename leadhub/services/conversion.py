"""Converting a lead: the dialog turns it into an account, a contact and a deal (any of the three,
or an existing account instead of a new one) inside the caller's transaction, so either all of
it is written or none. The lead becomes Converted, read-only, and points at what it became; its
notes, activities, documents, campaign memberships and outreach attribution follow to the
contact and the deal. The deal is made by `deals.create_deal`, so a deal with an outreach
source records LeadAcquired in the same transaction.

    preview(...)   the dialog's starting values, mapped from the lead, and matching accounts
    convert(...)   do it; ValidationFailed names every bad field (account_name, deal_amount…)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from leadhub.services import contacts, deals, events, team_signal, teamtime, touches
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import Conflict, ValidationFailed
from leadhub.services.models import (
    Account,
    Activity,
    CampaignMember,
    Contact,
    Deal,
    DealStage,
    Document,
    Lead,
    LeadStatus,
    LeadStatusHistory,
    Note,
    Outreach,
    Team,
    User,
    utcnow,
)
from leadhub.services.leads import LEAD_STATUS_CHANGED
from leadhub.services.outreach import normalise_phone

ACCOUNT_NEW, ACCOUNT_EXISTING, ACCOUNT_NONE = "new", "existing", "none"
ACCOUNT_MODES = (ACCOUNT_NEW, ACCOUNT_EXISTING, ACCOUNT_NONE)
ACCOUNT_LIMITS = {"name": 160, "website": 255, "industry": 60, "phone": 32, "city": 100,
                  "country": 100}
DEFAULT_CLOSE_DAYS = 30
MAX_MATCHES = 5
# Domains of free mail: an address there says nothing about the lead's company.
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.es", "outlook.com", "outlook.es",
    "live.com", "yahoo.com", "yahoo.es", "icloud.com", "me.com", "aol.com", "proton.me",
    "protonmail.com", "gmx.com", "gmx.de", "mail.com", "yandex.com", "msn.com",
})


@dataclass
class AccountFields:
    name: str = ""
    website: str = ""
    industry: str = ""
    phone: str = ""
    city: str = ""
    country: str = ""


@dataclass
class ContactFields:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""


@dataclass
class DealFields:
    """What the dialog lets the user set on the deal; the rest comes from the lead."""

    name: str = ""
    amount: Any = None
    currency: str = ""
    close_date: Any = None
    stage: str = DealStage.PROSPECTING.value


@dataclass
class ConversionIn:
    """The dialog's choices. `account_mode` is new, existing (then `account_id`) or none."""

    account_mode: str = ACCOUNT_NEW
    account_id: int | None = None
    account: AccountFields = field(default_factory=AccountFields)
    create_contact: bool = True
    contact: ContactFields = field(default_factory=ContactFields)
    create_deal: bool = True
    deal: DealFields = field(default_factory=DealFields)


@dataclass(frozen=True)
class AccountMatch:
    """An existing account that looks like the lead's company, and why."""

    id: int
    name: str
    website: str
    reason: str                      # "name" or "domain"


@dataclass(frozen=True)
class Attribution:
    """Where the lead came from; the contact and the deal inherit it."""

    lead_source: str
    outreach_id: int | None
    outreach_type: int | None
    outreach_channel: str
    outreach_value: str
    rep_name: str
    occurred_at: datetime | None


@dataclass(frozen=True)
class ConversionPreview:
    lead_id: int
    lead_name: str
    values: ConversionIn
    matches: list[AccountMatch]
    attribution: Attribution


@dataclass(frozen=True)
class ConversionResult:
    lead: Lead
    account: Account | None
    account_created: bool
    contact: Contact | None
    deal: Deal | None
    lead_acquired: bool
    carried: dict[str, int]


@dataclass(frozen=True)
class ConvertedLinks:
    """What a converted lead became, for its page; ids are None for records not created (or
    removed since)."""

    converted_at: datetime | None
    account_id: int | None
    account_name: str
    contact_id: int | None
    contact_name: str
    deal_id: int | None
    deal_name: str


# --- Preview ------------------------------------------------------------------------------

def _convertible_lead(session: Session, ctx: TeamContext, lead_id: int) -> Lead:
    lead = get_in_team(session, Lead, ctx, lead_id, "This lead does not exist or belongs to another team.")
    touches.require_record_access(ctx, lead.owner_id)
    if lead.status == LeadStatus.CONVERTED.value:
        raise Conflict("This lead is already converted.")
    return lead


def preview(*, session: Session, ctx: TeamContext, lead_id: int) -> ConversionPreview:
    """The dialog's starting point: the lead's values mapped onto account, contact and deal
    (the deal's amount is the lead's budget), and existing accounts that match by company
    name or web domain — when there is one, the dialog offers it instead of a new account."""
    lead = _convertible_lead(session, ctx, lead_id)
    team = session.get(Team, ctx.team_id)
    person = f"{lead.first_name} {lead.last_name}".strip()
    matches = suggest_accounts(session=session, ctx=ctx, company=lead.company,
                               website=lead.website, email=lead.email)
    values = ConversionIn(
        account_mode=ACCOUNT_EXISTING if matches else ACCOUNT_NEW,
        account_id=matches[0].id if matches else None,
        account=AccountFields(name=lead.company, website=lead.website, industry=lead.industry,
                              phone=lead.phone, city=lead.city, country=lead.country),
        contact=ContactFields(first_name=lead.first_name, last_name=lead.last_name,
                              email=lead.email, phone=lead.phone or lead.mobile, title=lead.title),
        deal=DealFields(name=lead.company or person,
                        amount=None if lead.budget is None else str(lead.budget),
                        currency=team.currency,
                        close_date=(teamtime.local_today(team)
                                    + timedelta(days=DEFAULT_CLOSE_DAYS)).isoformat()),
    )
    if not lead.company:
        values.account_mode = ACCOUNT_EXISTING if matches else ACCOUNT_NONE
    return ConversionPreview(lead_id=lead.id, lead_name=person, values=values, matches=matches,
                             attribution=attribution_of(session=session, ctx=ctx, lead=lead))


def attribution_of(*, session: Session, ctx: TeamContext, lead: Lead) -> Attribution:
    """The lead's source and the outreach that brought it in (type, value, rep, when)."""
    outreach, rep = None, None
    if lead.outreach_id is not None:
        row = session.exec(select(Outreach, User).outerjoin(User, User.id == Outreach.user_id)
                           .where(Outreach.team_id == ctx.team_id,
                                  Outreach.id == lead.outreach_id)).first()
        if row is not None:
            outreach, rep = row
    return Attribution(
        lead_source=lead.lead_source,
        outreach_id=outreach.id if outreach else None,
        outreach_type=outreach.type if outreach else None,
        outreach_channel=(outreach.channel or "") if outreach else "",
        outreach_value=(outreach.value or outreach.email or outreach.phone or "") if outreach else "",
        rep_name=((rep.full_name or rep.email) if rep else ""),
        occurred_at=outreach.occurred_at if outreach else None)


def _domain(website: str, email: str) -> str:
    """The company's web domain from its site, else from a work e-mail address."""
    if website:
        host = urlparse(website if "://" in website else f"https://{website}").hostname or ""
        host = host.lower().removeprefix("www.")
        if "." in host:
            return host
    _, _, mail_domain = (email or "").lower().rpartition("@")
    if "." in mail_domain and mail_domain not in FREE_MAIL:
        return mail_domain
    return ""


def suggest_accounts(*, session: Session, ctx: TeamContext, company: str = "", website: str = "",
                     email: str = "", limit: int = MAX_MATCHES) -> list[AccountMatch]:
    """The team's accounts named like `company` (ignoring case) or on the same web domain,
    name matches first."""
    name = " ".join((company or "").split()).lower()
    domain = _domain(website, email)
    conditions = []
    if name:
        typed = " ".join(company.split())
        conditions.append(or_(func.lower(Account.name) == name, Account.name == typed,
                              Account.name == typed.title()))
    if domain:
        conditions.append(func.lower(Account.website).contains(domain, autoescape=True))
    if not conditions:
        return []
    rows = session.exec(select(Account).where(Account.team_id == ctx.team_id, or_(*conditions))
                        .order_by(Account.name, Account.id).limit(limit * 4)).all()
    matches: list[AccountMatch] = []
    for account in rows:
        if name and account.name.lower() == name:
            reason = "name"
        elif domain and _domain(account.website, "") == domain:
            reason = "domain"
        else:
            continue    # e.g. "acme.com" inside "notacme.com"
        matches.append(AccountMatch(account.id, account.name, account.website, reason))
    matches.sort(key=lambda m: m.reason != "name")
    return matches[:limit]


def converted_links(*, session: Session, ctx: TeamContext, lead_id: int) -> ConvertedLinks:
    """The account, contact and deal a converted lead links to (in the caller's team)."""
    lead = get_in_team(session, Lead, ctx, lead_id, "This lead does not exist or belongs to another team.")

    def find(model: Any, record_id: int | None) -> Any:
        if record_id is None:
            return None
        return session.exec(select(model).where(model.team_id == ctx.team_id,
                                                model.id == record_id)).first()

    account = find(Account, lead.converted_account_id)
    contact = find(Contact, lead.converted_contact_id)
    deal = find(Deal, lead.converted_deal_id)
    return ConvertedLinks(
        converted_at=lead.converted_at,
        account_id=account.id if account else None, account_name=account.name if account else "",
        contact_id=contact.id if contact else None,
        contact_name=f"{contact.first_name} {contact.last_name}".strip() if contact else "",
        deal_id=deal.id if deal else None, deal_name=deal.name if deal else "")


def find_accounts(*, session: Session, ctx: TeamContext, text: str,
                  limit: int = MAX_MATCHES) -> list[AccountMatch]:
    """The team's accounts whose name contains every word of `text` (for picking one that
    did not match by itself), by name."""
    words = (text or "").lower().split()[:5]
    if not words:
        return []
    rows = session.exec(select(Account).where(
        Account.team_id == ctx.team_id, *[_name_contains(word) for word in words])
        .order_by(Account.name, Account.id).limit(limit)).all()
    return [AccountMatch(a.id, a.name, a.website, "search") for a in rows]


def _name_contains(word: str):
    """Account name contains `word` (lower case), also where SQLite's lower() leaves a
    non-ASCII capital alone ("Ñandú")."""
    return or_(*[Account.name.contains(form, autoescape=True)
                 for form in dict.fromkeys((word, word.capitalize(), word.upper()))],
               func.lower(Account.name).contains(word, autoescape=True))


# --- Convert ------------------------------------------------------------------------------

def convert(*, session: Session, ctx: TeamContext, lead_id: int,
            conversion_in: ConversionIn) -> ConversionResult:
    """Turn the lead into the chosen records in the caller's transaction (the caller commits,
    or rolls back on any error: nothing is half-written). Field errors of all three records
    are reported together, keyed `account_…`, `contact_…`, `deal_…`."""
    lead = _convertible_lead(session, ctx, lead_id)
    team = session.get(Team, ctx.team_id)
    choice = conversion_in
    if choice.account_mode not in ACCOUNT_MODES:
        raise ValidationFailed(field_errors={"account_mode": "Choose new, existing or no account."})
    if choice.account_mode == ACCOUNT_NONE and not choice.create_contact and not choice.create_deal:
        raise ValidationFailed("Choose at least one record to create.",
                               field_errors={"account_mode": "Choose at least one record."})
    _claim(session, ctx, lead)
    owner_id = lead.owner_id if lead.owner_id is not None and touches.is_team_member(
        session, ctx.team_id, lead.owner_id) else ctx.user_id
    errors: dict[str, str] = {}

    account, account_created = None, False
    if choice.account_mode == ACCOUNT_EXISTING:
        account = _existing_account(session, ctx, choice.account_id, errors)
    elif choice.account_mode == ACCOUNT_NEW:
        account = _new_account(session, ctx, team, choice.account, owner_id, errors)
        account_created = account is not None

    contact = None
    if choice.create_contact:
        try:
            contact = contacts.create_contact(session=session, ctx=ctx, data={
                **{name: getattr(choice.contact, name) or "" for name in
                   ("first_name", "last_name", "email", "phone", "title")},
                "account_id": account.id if account else None, "lead_id": lead.id,
                "owner_id": owner_id}, outreach_id=lead.outreach_id)
            contact.lead_source = lead.lead_source
            session.add(contact)
        except ValidationFailed as exc:
            errors.update({f"contact_{k}": v for k, v in exc.field_errors.items()})

    deal = None
    if choice.create_deal:
        try:
            deal = deals.create_deal(session=session, ctx=ctx, deal_in=deals.DealCreate(
                name=choice.deal.name, amount=choice.deal.amount, currency=choice.deal.currency,
                stage=choice.deal.stage, close_date=choice.deal.close_date,
                account_id=account.id if account else None,
                contact_id=contact.id if contact else None, lead_id=lead.id,
                outreach_id=lead.outreach_id, owner_id=owner_id))
            deal.lead_source = lead.lead_source
            session.add(deal)
        except ValidationFailed as exc:
            errors.update({f"deal_{k}": v for k, v in exc.field_errors.items()})

    if errors:
        raise ValidationFailed(field_errors=errors)
    _mark_converted(session, ctx, lead, account, contact, deal)
    carried = _carry_over(session, ctx, lead, contact, deal)
    session.flush()
    return ConversionResult(lead=lead, account=account, account_created=account_created,
                            contact=contact, deal=deal,
                            lead_acquired=deal is not None and deal.outreach_id is not None,
                            carried=carried)


def _claim(session: Session, ctx: TeamContext, lead: Lead) -> None:
    """Take the lead for this conversion first: of two conversions at once, the second waits
    for the first's commit and then finds the lead converted (Conflict), never a second set."""
    claimed = session.execute(
        update(Lead).where(Lead.team_id == ctx.team_id, Lead.id == lead.id,
                           Lead.status != LeadStatus.CONVERTED.value)
        .values(status=LeadStatus.CONVERTED.value)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise Conflict("This lead is already converted.")


def _existing_account(session: Session, ctx: TeamContext, account_id: Any,
                      errors: dict[str, str]) -> Account | None:
    try:
        account_id = int(account_id)
    except (TypeError, ValueError):
        errors["account_id"] = "Choose an account."
        return None
    account = session.exec(select(Account).where(Account.team_id == ctx.team_id,
                                                 Account.id == account_id)).first()
    if account is None:
        errors["account_id"] = "No such account in this team."
    return account


def _new_account(session: Session, ctx: TeamContext, team: Team, fields_in: AccountFields,
                 owner_id: int, errors: dict[str, str]) -> Account | None:
    clean: dict[str, str] = {}
    own_errors: dict[str, str] = {}
    for name, limit in ACCOUNT_LIMITS.items():
        text = " ".join(str(getattr(fields_in, name) or "").split())
        try:
            if name == "website" and text:
                text = _website(text)
            elif name == "phone" and text:
                text = normalise_phone(text, team.country)
        except ValidationFailed as exc:
            own_errors[f"account_{name}"] = next(iter(exc.field_errors.values()))
            continue
        if len(text) > limit:
            own_errors[f"account_{name}"] = f"Use at most {limit} characters."
        clean[name] = text
    if not clean.get("name") and "account_name" not in own_errors:
        own_errors["account_name"] = "Give the account a name."
    if own_errors:
        errors.update(own_errors)
        return None
    account = Account(team_id=ctx.team_id, owner_id=owner_id, **clean)
    session.add(account)
    session.flush()
    return account


def _website(text: str) -> str:
    candidate = text if "://" in text else f"https://{text}"
    parsed = urlparse(candidate)
    if parsed.scheme not in ("http", "https") or "." not in (parsed.hostname or "") or " " in text:
        raise ValidationFailed(field_errors={"website": "Enter a web address such as https://example.com."})
    return candidate


def _mark_converted(session: Session, ctx: TeamContext, lead: Lead, account: Account | None,
                    contact: Contact | None, deal: Deal | None) -> None:
    from_status = lead.status          # as loaded, before the claim's UPDATE
    now = utcnow()
    top = session.exec(select(func.min(Lead.position)).where(
        Lead.team_id == ctx.team_id, Lead.status == LeadStatus.CONVERTED.value,
        Lead.id != lead.id)).one()
    lead.status = LeadStatus.CONVERTED.value
    lead.position = (top if top is not None else 1.0) - 1.0
    lead.converted_at = now
    lead.updated_at = now
    lead.converted_account_id = account.id if account else None
    lead.converted_contact_id = contact.id if contact else None
    lead.converted_deal_id = deal.id if deal else None
    team_signal.lead_changed(session=session, lead=lead)     # open boards move the card
    session.add(lead)
    session.add(LeadStatusHistory(team_id=ctx.team_id, lead_id=lead.id, from_status=from_status,
                                  to_status=lead.status, changed_by=ctx.user_id, changed_at=now))
    session.flush()
    events.record(session=session, ctx=ctx, name=LEAD_STATUS_CHANGED, lead_id=lead.id, payload={
        "lead_id": lead.id, "from": from_status, "to": lead.status, "via": "conversion",
        "account_id": lead.converted_account_id, "contact_id": lead.converted_contact_id,
        "deal_id": lead.converted_deal_id})


def _carry_over(session: Session, ctx: TeamContext, lead: Lead, contact: Contact | None,
                deal: Deal | None) -> dict[str, int]:
    """The lead's history follows it: notes, activities and documents to the contact and the
    deal, campaign memberships and outreach to the contact. Rows keep their lead_id, so the
    lead's own timeline still shows them; rows already on another contact or deal stay there."""
    carried: dict[str, int] = {}

    def move(model: Any, column: str, record_id: int | None) -> int:
        if record_id is None:
            return 0
        table = model.__table__
        return session.execute(
            update(table).where(table.c.team_id == ctx.team_id, table.c.lead_id == lead.id,
                                table.c[column].is_(None))
            .values({column: record_id})).rowcount

    contact_id = contact.id if contact else None
    deal_id = deal.id if deal else None
    for key, model in (("notes", Note), ("activities", Activity), ("documents", Document)):
        carried[key] = max(move(model, "contact_id", contact_id), move(model, "deal_id", deal_id))
    carried["campaigns"] = move(CampaignMember, "contact_id", contact_id)
    carried["outreach"] = move(Outreach, "contact_id", contact_id)
    if contact is not None and lead.last_contacted_at is not None:
        touches.bump_last_contacted(session, team_id=ctx.team_id, at=lead.last_contacted_at,
                                    contact_id=contact.id)
    return carried
