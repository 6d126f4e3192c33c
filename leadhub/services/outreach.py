"""Outreach: every attempt a rep makes to reach someone, so the team knows what works and what it produced.

Five types (models.OutreachType, stored as integers), each with its own fields:

    PLATFORM   channel = Upwork / Guru / PeoplePerHour / Other, and/or value = profile or job URL
    EMAIL      email
    CALL       phone (E.164), call_outcome, call_duration_seconds
    SOCIAL     channel = LinkedIn / X / Facebook / Instagram / Other, value = profile URL
    MESSENGER  channel = WhatsApp / Telegram / Signal / Other, phone (E.164) and/or value = handle

A field that does not belong to the type is refused at that field, never silently dropped.
`occurred_at` is typed as a naive local time in the team's zone and stored in UTC
(see teamtime for the DST rule). Logging an outreach for a lead or contact moves its
last_contacted_at forward (touches.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import phonenumbers
from sqlalchemy import case, literal, or_, union
from sqlmodel import Session, func, select

from leadhub.services import teamtime, touches
from leadhub.services.auth import normalise_email
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import PermissionDenied, ValidationFailed
from leadhub.services.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    CallOutcome,
    Contact,
    Deal,
    DealStage,
    Lead,
    Outreach,
    OutreachType,
    ResponseStatus,
    Team,
    User,
    utcnow,
)
from leadhub.services.paging import Page, clamp

TYPE_LABELS = {
    OutreachType.PLATFORM: "Platform",
    OutreachType.EMAIL: "E-mail",
    OutreachType.CALL: "Call",
    OutreachType.SOCIAL: "Social",
    OutreachType.MESSENGER: "Messenger",
}
RESPONSE_LABELS = {"awaiting": "Awaiting", "replied": "Replied", "positive": "Positive",
                   "negative": "Negative", "bounced": "Bounced"}
CALL_OUTCOME_LABELS = {"connected": "Connected", "voicemail": "Voicemail", "no_answer": "No answer",
                       "busy": "Busy", "wrong_number": "Wrong number"}
PLATFORMS = ("Upwork", "Guru", "PeoplePerHour", "Other")
SOCIAL_NETWORKS = ("LinkedIn", "X", "Facebook", "Instagram", "Other")
MESSENGERS = ("WhatsApp", "Telegram", "Signal", "Other")
CHANNELS = {
    OutreachType.PLATFORM: PLATFORMS,
    OutreachType.SOCIAL: SOCIAL_NETWORKS,
    OutreachType.MESSENGER: MESSENGERS,
}
# The type-specific fields each type may carry (description and occurred_at are always there).
FIELDS = {
    OutreachType.PLATFORM: ("channel", "value"),
    OutreachType.EMAIL: ("email",),
    OutreachType.CALL: ("phone", "call_outcome", "call_duration_seconds"),
    OutreachType.SOCIAL: ("channel", "value"),
    OutreachType.MESSENGER: ("channel", "phone", "value"),
}
RESPONDED = (ResponseStatus.REPLIED.value, ResponseStatus.POSITIVE.value, ResponseStatus.NEGATIVE.value)
# Outcomes after which talking time makes sense.
OUTCOMES_WITH_DURATION = (CallOutcome.CONNECTED.value, CallOutcome.VOICEMAIL.value)
# A call's outcome already answers "did they respond?".
CALL_OUTCOME_RESPONSE = {
    CallOutcome.CONNECTED.value: ResponseStatus.REPLIED.value,
    CallOutcome.WRONG_NUMBER.value: ResponseStatus.BOUNCED.value,
}
MAX_CALL_SECONDS = 24 * 3600
MAX_TIMELINE_DAYS = 366
_HANDLE = re.compile(r"^@?[\w.\-]{2,64}$")


# --- Field checks (shared with contacts) --------------------------------------------------

def normalise_phone(raw: str, region: str, *, field: str = "phone") -> str:
    """A phone number in E.164 (+34612345678); numbers without + use the team's country."""
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, (region or "US").upper())
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed(field_errors={field: "Enter a phone number, e.g. +34 612 345 678."}) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(field_errors={field: "This is not a valid phone number."})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_url(raw: str, *, field: str = "value") -> str:
    text = (raw or "").strip()
    parsed = urlparse(text)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc or " " in text:
        raise ValidationFailed(field_errors={field: "Enter a full web address starting with https://."})
    if len(text) > 500:
        raise ValidationFailed(field_errors={field: "Use at most 500 characters."})
    return text


def parse_type(value: Any) -> OutreachType:
    """An OutreachType from its number, member or name ('call', '3')."""
    if isinstance(value, OutreachType):
        return value
    try:
        return OutreachType(int(value))
    except (TypeError, ValueError):
        pass
    try:
        return OutreachType[str(value).strip().upper()]
    except KeyError as exc:
        raise ValidationFailed(field_errors={
            "type": "Choose platform, e-mail, call, social or messenger."}) from exc


def _channel(raw: str, choices: tuple[str, ...], label: str) -> str:
    wanted = (raw or "").strip().lower()
    for choice in choices:
        if choice.lower() == wanted:
            return choice
    raise ValidationFailed(field_errors={"channel": f"Choose the {label}: {', '.join(choices)}."})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _collect(errors: dict[str, str], fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
        return None


def _clean_fields(kind: OutreachType, team: Team, raw: dict[str, Any], errors: dict[str, str]) -> dict:
    """Type-specific fields, normalised; errors land at the field."""
    label = TYPE_LABELS[kind].lower()
    for name, value in raw.items():
        if name not in FIELDS[kind] and not _blank(value):
            errors[name] = f"Not used for a {label} outreach."
    clean: dict[str, Any] = dict.fromkeys(("channel", "value", "email", "phone", "call_outcome",
                                           "call_duration_seconds"))
    channel, value, phone = raw.get("channel"), raw.get("value"), raw.get("phone")

    if kind == OutreachType.PLATFORM:
        if _blank(channel) and _blank(value):
            errors["channel"] = "Give the platform, its profile or job URL, or both."
        if not _blank(channel):
            clean["channel"] = _collect(errors, _channel, channel, PLATFORMS, "platform")
        if not _blank(value):
            clean["value"] = _collect(errors, normalise_url, value)
    elif kind == OutreachType.EMAIL:
        if _blank(raw.get("email")):
            errors["email"] = "Enter the e-mail address you wrote to."
        else:
            clean["email"] = _collect(errors, normalise_email, raw["email"])
    elif kind == OutreachType.CALL:
        if _blank(phone):
            errors["phone"] = "Enter the number you called."
        else:
            clean["phone"] = _collect(errors, normalise_phone, phone, team.country)
        clean.update(_clean_call_result(raw.get("call_outcome"), raw.get("call_duration_seconds"), errors))
    elif kind == OutreachType.SOCIAL:
        if _blank(channel):
            errors["channel"] = f"Choose the network: {', '.join(SOCIAL_NETWORKS)}."
        else:
            clean["channel"] = _collect(errors, _channel, channel, SOCIAL_NETWORKS, "network")
        if _blank(value):
            errors["value"] = "Enter the profile URL."
        else:
            clean["value"] = _collect(errors, normalise_url, value)
    elif kind == OutreachType.MESSENGER:
        if _blank(channel):
            errors["channel"] = f"Choose the messenger: {', '.join(MESSENGERS)}."
        else:
            clean["channel"] = _collect(errors, _channel, channel, MESSENGERS, "messenger")
        if _blank(phone) and _blank(value):
            errors["phone"] = "Enter the phone number or the handle."
        if not _blank(phone):
            clean["phone"] = _collect(errors, normalise_phone, phone, team.country)
        if not _blank(value):
            handle = str(value).strip()
            if _HANDLE.match(handle):
                clean["value"] = handle
            else:
                errors["value"] = "A handle is letters, digits, _ . or -, like @ana_lopez."
    return clean


def _clean_call_result(outcome: Any, duration: Any, errors: dict[str, str]) -> dict[str, Any]:
    clean: dict[str, Any] = {"call_outcome": None, "call_duration_seconds": None}
    if not _blank(outcome):
        outcome = str(outcome).strip().lower()
        if outcome not in {o.value for o in CallOutcome}:
            errors["call_outcome"] = "Choose connected, voicemail, no answer, busy or wrong number."
        else:
            clean["call_outcome"] = outcome
    if not _blank(duration):
        try:
            seconds = int(duration)
        except (TypeError, ValueError):
            errors["call_duration_seconds"] = "Enter the duration in seconds."
            return clean
        if not 0 <= seconds <= MAX_CALL_SECONDS:
            errors["call_duration_seconds"] = "Enter between 0 seconds and 24 hours."
        elif clean["call_outcome"] not in OUTCOMES_WITH_DURATION:
            errors["call_duration_seconds"] = "Only a connected call or a voicemail has a duration."
        else:
            clean["call_duration_seconds"] = seconds
    return clean


def _response_status(raw: Any, errors: dict[str, str], field_name: str = "response_status") -> str | None:
    if _blank(raw):
        return None
    status = str(raw).strip().lower()
    if status not in {s.value for s in ResponseStatus}:
        errors[field_name] = "Choose awaiting, replied, positive, negative or bounced."
        return None
    return status


# --- Logging and updating -----------------------------------------------------------------

def log_outreach(*, session: Session, ctx: TeamContext, type: Any, description: str,
                 occurred_at: datetime | str, channel: str | None = None, value: str | None = None,
                 email: str | None = None, phone: str | None = None,
                 call_outcome: str | None = None, call_duration_seconds: int | str | None = None,
                 response_status: str | None = None, lead_id: int | None = None,
                 contact_id: int | None = None, follow_up_due: datetime | date | str | None = None,
                 follow_up_subject: str = "", user_id: int | None = None) -> Outreach:
    """Record one outreach. `occurred_at` and `follow_up_due` are naive local times in the team's
    zone (a bare follow-up date means 09:00). A follow-up due date creates a task for the rep.
    Managers may log on behalf of another member with `user_id`."""
    try:
        rep_id = int(user_id) if not _blank(user_id) else ctx.user_id
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(field_errors={"user_id": "Choose a member of this team."}) from exc
    if rep_id != ctx.user_id and not ctx.is_manager:
        raise PermissionDenied("Only managers and admins can log outreach for someone else.")
    team = session.get(Team, ctx.team_id)
    errors: dict[str, str] = {}
    kind = _collect(errors, parse_type, type)
    if kind is None:
        raise ValidationFailed(field_errors=errors)
    clean = _clean_fields(kind, team, {
        "channel": channel, "value": value, "email": email, "phone": phone,
        "call_outcome": call_outcome, "call_duration_seconds": call_duration_seconds}, errors)
    description = (description or "").strip()
    if not description:
        errors["description"] = "Describe what you sent or said."
    elif len(description) > 5000:
        errors["description"] = "Use at most 5000 characters."
    when = None
    if _blank(occurred_at):
        errors["occurred_at"] = "Enter the date and time it happened."
    else:
        when = _collect(errors, teamtime.local_datetime_to_utc, occurred_at, team,
                        field="occurred_at", allow_future=False)
    status = _response_status(response_status, errors)
    due = _collect(errors, teamtime.local_datetime_to_utc, follow_up_due, team, field="follow_up_due")
    if due is not None and when is not None and due < when:
        errors["follow_up_due"] = "The follow-up cannot be due before the outreach happened."
    if len((follow_up_subject or "").strip()) > 200:
        errors["follow_up_subject"] = "Use at most 200 characters."
    if rep_id != ctx.user_id and not touches.is_team_member(session, ctx.team_id, rep_id):
        errors["user_id"] = "Choose a member of this team."
    if errors:
        raise ValidationFailed(field_errors=errors)
    touches.team_lead(session, ctx, lead_id)
    touches.team_contact(session, ctx, contact_id)

    if status is None:
        status = CALL_OUTCOME_RESPONSE.get(clean["call_outcome"], ResponseStatus.AWAITING.value)
    responded_at = None
    if status != ResponseStatus.AWAITING.value:
        responded_at = when if kind == OutreachType.CALL else max(when, utcnow())
    outreach = Outreach(team_id=ctx.team_id, user_id=rep_id, type=int(kind), description=description,
                        occurred_at=when, response_status=status, responded_at=responded_at,
                        lead_id=lead_id, contact_id=contact_id, **clean)
    session.add(outreach)
    session.flush()
    if due is not None:
        target = clean["email"] or clean["phone"] or clean["value"] or clean["channel"] or ""
        subject = (follow_up_subject or "").strip() or f"Follow up: {TYPE_LABELS[kind]} {target}".strip()
        session.add(Activity(team_id=ctx.team_id, type=ActivityType.TASK.value, subject=subject[:200],
                             description=description, due_at=due, status=ActivityStatus.PLANNED.value,
                             owner_id=rep_id, lead_id=lead_id, contact_id=contact_id,
                             outreach_id=outreach.id))
        session.flush()
    return outreach


def get_outreach(*, session: Session, ctx: TeamContext, outreach_id: int) -> Outreach:
    return get_in_team(session, Outreach, ctx, outreach_id, "No such outreach in this team.")


def _editable(session: Session, ctx: TeamContext, outreach_id: int) -> Outreach:
    outreach = get_outreach(session=session, ctx=ctx, outreach_id=outreach_id)
    if outreach.user_id != ctx.user_id and not ctx.is_manager:
        raise PermissionDenied("Only the rep who logged it, or a manager, can change this outreach.")
    return outreach


def set_response(*, session: Session, ctx: TeamContext, outreach_id: int, response_status: str,
                 responded_at: datetime | str | None = None) -> Outreach:
    """Record how the outreach was answered; `responded_at` (naive local, default now) is kept,
    and cleared again when the status goes back to awaiting."""
    outreach = _editable(session, ctx, outreach_id)
    team = session.get(Team, ctx.team_id)
    errors: dict[str, str] = {}
    status = _response_status(response_status, errors)
    if status is None and not errors:
        errors["response_status"] = "Choose awaiting, replied, positive, negative or bounced."
    when = _collect(errors, teamtime.local_datetime_to_utc, responded_at, team,
                    field="responded_at", allow_future=False)
    if when is not None and when < outreach.occurred_at:
        errors["responded_at"] = "The answer cannot come before the outreach."
    if errors:
        raise ValidationFailed(field_errors=errors)
    outreach.response_status = status
    if status == ResponseStatus.AWAITING.value:
        outreach.responded_at = None
    else:
        outreach.responded_at = when or max(utcnow(), outreach.occurred_at)
    session.add(outreach)
    session.flush()
    return outreach


def set_call_result(*, session: Session, ctx: TeamContext, outreach_id: int, call_outcome: str,
                    call_duration_seconds: int | str | None = None) -> Outreach:
    """Outcome and talking time of a call, when they were not known at logging time."""
    outreach = _editable(session, ctx, outreach_id)
    errors: dict[str, str] = {}
    if outreach.type != OutreachType.CALL:
        label = TYPE_LABELS[OutreachType(outreach.type)].lower()
        errors["call_outcome"] = f"Not used for a {label} outreach."
        raise ValidationFailed(field_errors=errors)
    clean = _clean_call_result(call_outcome, call_duration_seconds, errors)
    if clean["call_outcome"] is None and "call_outcome" not in errors:
        errors["call_outcome"] = "Choose connected, voicemail, no answer, busy or wrong number."
    if errors:
        raise ValidationFailed(field_errors=errors)
    outreach.call_outcome = clean["call_outcome"]
    outreach.call_duration_seconds = clean["call_duration_seconds"]
    if (outreach.response_status == ResponseStatus.AWAITING.value
            and clean["call_outcome"] in CALL_OUTCOME_RESPONSE):
        outreach.response_status = CALL_OUTCOME_RESPONSE[clean["call_outcome"]]
        outreach.responded_at = outreach.occurred_at
    session.add(outreach)
    session.flush()
    return outreach


# --- Lists and numbers --------------------------------------------------------------------

@dataclass(frozen=True)
class OutreachFilter:
    """What the outreach list, timeline and rates can be narrowed to; dates are local days."""
    type: Any = None
    channel: str | None = None
    user_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    lead_id: int | None = None
    contact_id: int | None = None


def _where(ctx: TeamContext, team: Team, flt: OutreachFilter | None) -> list:
    flt = flt or OutreachFilter()
    clauses = [Outreach.team_id == ctx.team_id]
    if not _blank(flt.type):
        clauses.append(Outreach.type == int(parse_type(flt.type)))
    if not _blank(flt.channel):
        clauses.append(func.lower(Outreach.channel) == flt.channel.strip().lower())
    if flt.user_id is not None:
        clauses.append(Outreach.user_id == flt.user_id)
    if flt.lead_id is not None:
        clauses.append(Outreach.lead_id == flt.lead_id)
    if flt.contact_id is not None:
        clauses.append(Outreach.contact_id == flt.contact_id)
    start, end = teamtime.day_range_utc(_as_date(flt.date_from, "date_from"),
                                        _as_date(flt.date_to, "date_to"), teamtime.zone(team))
    if start is not None:
        clauses.append(Outreach.occurred_at >= start)
    if end is not None:
        clauses.append(Outreach.occurred_at < end)
    return clauses


def _as_date(value: Any, field_name: str) -> date | None:
    parsed = teamtime.parse_local(value, field=field_name)
    return parsed.date() if isinstance(parsed, datetime) else parsed


def list_outreach(*, session: Session, ctx: TeamContext, filters: OutreachFilter | None = None,
                  page: int = 1, page_size: int = 25) -> Page[Outreach]:
    """One page of the team's outreach, newest first."""
    team = session.get(Team, ctx.team_id)
    page, page_size, offset = clamp(page, page_size)
    clauses = _where(ctx, team, filters)
    total = session.exec(select(func.count()).select_from(Outreach).where(*clauses)).one()
    items = session.exec(select(Outreach).where(*clauses)
                         .order_by(Outreach.occurred_at.desc(), Outreach.id.desc())
                         .offset(offset).limit(page_size)).all()
    return Page(items=list(items), total=total, page=page, page_size=page_size)


@dataclass(frozen=True)
class DayVolume:
    day: date
    total: int
    by_type: dict[OutreachType, int] = field(default_factory=dict)


def timeline_by_day(*, session: Session, ctx: TeamContext, date_from: date | str, date_to: date | str,
                    filters: OutreachFilter | None = None) -> list[DayVolume]:
    """Outreach per local calendar day of the team (DST days included), with volume per type;
    every day of the range is present, empty days with zero.

    The local day boundaries are computed with zoneinfo and handed to one GROUP BY query as a
    CASE over UTC instants, which works the same on SQLite and PostgreSQL."""
    team = session.get(Team, ctx.team_id)
    first, last = _as_date(date_from, "date_from"), _as_date(date_to, "date_to")
    if first is None or last is None or last < first:
        raise ValidationFailed(field_errors={"date_to": "Choose a range whose end is on or after its start."})
    days = (last - first).days + 1
    if days > MAX_TIMELINE_DAYS:
        raise ValidationFailed(field_errors={"date_to": f"Choose at most {MAX_TIMELINE_DAYS} days."})
    tz = teamtime.zone(team)
    bounds = [teamtime.day_start_utc(first + timedelta(days=i), tz) for i in range(days + 1)]
    flt = replace(filters or OutreachFilter(), date_from=None, date_to=None)
    day_index = case(*[(Outreach.occurred_at < bounds[i + 1], literal(i)) for i in range(days - 1)],
                     else_=literal(days - 1))
    inner = (select(day_index.label("day_index"), Outreach.type.label("type"))
             .where(*_where(ctx, team, flt), Outreach.occurred_at >= bounds[0],
                    Outreach.occurred_at < bounds[-1])).subquery()
    rows = session.exec(select(inner.c.day_index, inner.c.type, func.count())
                        .group_by(inner.c.day_index, inner.c.type)).all()
    counts: dict[int, dict[OutreachType, int]] = {}
    for index, kind, count in rows:
        counts.setdefault(int(index), {})[OutreachType(kind)] = count
    return [DayVolume(day=first + timedelta(days=i), total=sum(counts.get(i, {}).values()),
                      by_type=counts.get(i, {})) for i in range(days)]


@dataclass(frozen=True)
class RateRow:
    """Response and success of outreach grouped by one key. Rates are over delivered outreach
    (total − bounced): response = replied + positive + negative, success = positive."""
    key: Any
    label: str
    total: int
    awaiting: int
    responded: int
    positive: int
    negative: int
    bounced: int

    @property
    def delivered(self) -> int:
        return self.total - self.bounced

    @property
    def response_rate(self) -> float:
        return self.responded / self.delivered if self.delivered else 0.0

    @property
    def success_rate(self) -> float:
        return self.positive / self.delivered if self.delivered else 0.0


RATE_GROUPS = ("type", "channel", "user")


def response_rates(*, session: Session, ctx: TeamContext, by: str = "type",
                   filters: OutreachFilter | None = None) -> list[RateRow]:
    """Response and success rates per type, channel or rep, counted by the database."""
    if by not in RATE_GROUPS:
        raise ValidationFailed(field_errors={"by": "Group by type, channel or user."})
    team = session.get(Team, ctx.team_id)

    def count_of(*statuses: str):
        return func.coalesce(func.sum(case((Outreach.response_status.in_(statuses), 1), else_=0)), 0)

    measures = (func.count(), count_of(ResponseStatus.AWAITING.value), count_of(*RESPONDED),
                count_of(ResponseStatus.POSITIVE.value), count_of(ResponseStatus.NEGATIVE.value),
                count_of(ResponseStatus.BOUNCED.value))
    where = _where(ctx, team, filters)
    if by == "type":
        stmt = select(Outreach.type, *measures).where(*where).group_by(Outreach.type)
    elif by == "channel":
        stmt = (select(Outreach.type, Outreach.channel, *measures).where(*where)
                .group_by(Outreach.type, Outreach.channel))
    else:
        stmt = (select(Outreach.user_id, User.full_name, User.email, *measures)
                .join(User, User.id == Outreach.user_id)
                .where(*where).group_by(Outreach.user_id, User.full_name, User.email))
    result = []
    for row in session.exec(stmt).all():
        if by == "type":
            key, label = OutreachType(row[0]), TYPE_LABELS[OutreachType(row[0])]
        elif by == "channel":
            kind = OutreachType(row[0])
            key, label = (kind, row[1]), f"{TYPE_LABELS[kind]}: {row[1] or 'no channel'}"
        else:
            key, label = row[0], row[1] or row[2]
        total, awaiting, responded, positive, negative, bounced = row[-6:]
        result.append(RateRow(key=key, label=label, total=total, awaiting=int(awaiting),
                              responded=int(responded), positive=int(positive),
                              negative=int(negative), bounced=int(bounced)))
    result.sort(key=lambda r: (-r.total, r.label))
    return result


@dataclass(frozen=True)
class OutreachProduce:
    """What one outreach led to: records attributed to it and the deals that followed."""
    contacts: list[Contact]
    leads: list[Lead]
    deals: list[Deal]
    contact_count: int
    lead_count: int
    deal_count: int
    won_deal_count: int
    won_revenue: dict[str, Decimal]   # currency -> sum of Closed Won amounts


def produced(*, session: Session, ctx: TeamContext, outreach_id: int, limit: int = 50) -> OutreachProduce:
    """Contacts and leads created from the outreach, and deals attributed to it directly or
    through those contacts and leads, with the revenue of the won ones."""
    get_outreach(session=session, ctx=ctx, outreach_id=outreach_id)
    limit = max(1, min(int(limit), 200))
    contact_ids = select(Contact.id).where(Contact.team_id == ctx.team_id, Contact.outreach_id == outreach_id)
    lead_ids = select(Lead.id).where(Lead.team_id == ctx.team_id, Lead.outreach_id == outreach_id)
    deal_where = (Deal.team_id == ctx.team_id,
                  or_(Deal.outreach_id == outreach_id, Deal.contact_id.in_(contact_ids),
                      Deal.lead_id.in_(lead_ids)))

    def count(model, *where) -> int:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()

    won = (*deal_where, Deal.stage == DealStage.CLOSED_WON.value)
    revenue = session.exec(select(Deal.currency, func.coalesce(func.sum(Deal.amount), 0))
                           .where(*won).group_by(Deal.currency)).all()
    return OutreachProduce(
        contacts=list(session.exec(select(Contact).where(Contact.id.in_(contact_ids))
                                   .order_by(Contact.id).limit(limit))),
        leads=list(session.exec(select(Lead).where(Lead.id.in_(lead_ids)).order_by(Lead.id).limit(limit))),
        deals=list(session.exec(select(Deal).where(*deal_where).order_by(Deal.id).limit(limit))),
        contact_count=count(Contact, Contact.team_id == ctx.team_id, Contact.outreach_id == outreach_id),
        lead_count=count(Lead, Lead.team_id == ctx.team_id, Lead.outreach_id == outreach_id),
        deal_count=count(Deal, *deal_where),
        won_deal_count=count(Deal, *won),
        won_revenue={currency: Decimal(amount) for currency, amount in revenue},
    )


def produced_for_page(*, session: Session, ctx: TeamContext, outreach_ids: list[int],
                      limit: int = 3) -> dict[int, OutreachProduce]:
    """`produced` for every outreach of a list page at once, in eight queries whatever the page
    size; ids of another team are left out. Each outreach shows its first `limit` records by id."""
    ids = sorted({int(i) for i in outreach_ids})
    if not ids:
        return {}
    limit = max(1, min(int(limit), 200))
    team = ctx.team_id

    def first_rows(model, key, *where):
        """Up to `limit` rows per outreach, lowest id first (a window function: SQLite and PostgreSQL)."""
        rank = func.row_number().over(partition_by=key, order_by=model.id).label("rank")
        ranked = select(model.id.label("id"), key.label("oid"), rank).where(*where).subquery()
        return session.exec(select(model, ranked.c.oid).join(ranked, ranked.c.id == model.id)
                            .where(ranked.c.rank <= limit).order_by(ranked.c.oid, model.id)).all()

    def counts(key, *where) -> dict[int, int]:
        return dict(session.exec(select(key, func.count()).where(*where).group_by(key)).all())

    contact_where = (Contact.team_id == team, Contact.outreach_id.in_(ids))
    lead_where = (Lead.team_id == team, Lead.outreach_id.in_(ids))
    # (deal, outreach) pairs: attributed directly, or through a contact or lead the outreach produced
    pairs = union(
        select(Deal.id.label("deal_id"), Deal.outreach_id.label("oid"))
        .where(Deal.team_id == team, Deal.outreach_id.in_(ids)),
        select(Deal.id, Contact.outreach_id).join(Contact, Contact.id == Deal.contact_id)
        .where(Deal.team_id == team, *contact_where),
        select(Deal.id, Lead.outreach_id).join(Lead, Lead.id == Deal.lead_id)
        .where(Deal.team_id == team, *lead_where),
    ).subquery("pairs")
    rank = func.row_number().over(partition_by=pairs.c.oid, order_by=pairs.c.deal_id).label("rank")
    ranked = select(pairs.c.deal_id, pairs.c.oid, rank).subquery()
    deals = session.exec(select(Deal, ranked.c.oid).join(ranked, ranked.c.deal_id == Deal.id)
                         .where(ranked.c.rank <= limit).order_by(ranked.c.oid, Deal.id)).all()
    deal_counts = dict(session.exec(select(pairs.c.oid, func.count()).group_by(pairs.c.oid)).all())
    won_rows = session.exec(select(pairs.c.oid, Deal.currency, func.count(),
                                   func.coalesce(func.sum(Deal.amount), 0))
                            .join(Deal, Deal.id == pairs.c.deal_id)
                            .where(Deal.stage == DealStage.CLOSED_WON.value)
                            .group_by(pairs.c.oid, Deal.currency)).all()
    contacts = first_rows(Contact, Contact.outreach_id, *contact_where)
    leads = first_rows(Lead, Lead.outreach_id, *lead_where)
    contact_counts = counts(Contact.outreach_id, *contact_where)
    lead_counts = counts(Lead.outreach_id, *lead_where)
    own = set(session.exec(select(Outreach.id).where(Outreach.team_id == team, Outreach.id.in_(ids))).all())
    result = {}
    for oid in ids:
        if oid not in own:
            continue
        won = [(currency, n, amount) for key, currency, n, amount in won_rows if key == oid]
        result[oid] = OutreachProduce(
            contacts=[c for c, key in contacts if key == oid], leads=[x for x, key in leads if key == oid],
            deals=[d for d, key in deals if key == oid], contact_count=contact_counts.get(oid, 0),
            lead_count=lead_counts.get(oid, 0), deal_count=deal_counts.get(oid, 0),
            won_deal_count=sum(n for _, n, _ in won),
            won_revenue={currency: Decimal(amount) for currency, _, amount in won})
    return result


def local_occurred_at(outreach: Outreach, team: Team) -> datetime:
    """When it happened, on the team's clock (for display)."""
    return teamtime.to_local(outreach.occurred_at, team)
