"""The shared filter bar, turned into SQL conditions: every chart and drill-down list reads the
same conditions from here, so a bar and the list behind it can never disagree.

A filter names local calendar days of the team (date_from..date_to, inclusive); `scope`
turns them into a UTC half-open interval with zoneinfo, checks who is asking, and fixes the
currency money is shown in. Reps may use analytics, but only on their own work: their filter
is narrowed to themselves, and asking for another rep's numbers is refused.

How each filter applies to each record:

    filter          outreach          leads                 deals                    contacts
    dates           occurred_at       created_at            close_date / created_at  (snapshot)
    reps            user_id           owner_id              owner_id                 owner_id
    types/channels  type, channel     their outreach        their outreach           their outreach
    lead sources    their lead        lead_source           their lead               their lead
    campaigns       their lead        campaign member       their lead               member (lead or contact)
    segment         their lead        in the segment        their lead               their lead

A segment (services/segments.py) is a saved filter over leads; the scope compiles its
conditions once and every chart, tile and drill-down list adds them the same way.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from leadhub.services import teamtime
from leadhub.services.context import TeamContext
from leadhub.services.errors import PermissionDenied, ValidationFailed
from leadhub.services.models import (
    CampaignMember,
    Contact,
    Deal,
    Lead,
    Outreach,
    OutreachType,
    Team,
)

PRESETS = ("today", "last_7_days", "last_30_days", "this_month", "last_month", "this_quarter",
           "last_quarter", "this_year", "last_12_months", "custom")
DEFAULT_PRESET = "last_30_days"
GRAINS = ("day", "week", "month")
MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class AnalyticsFilter:
    """What the filter bar holds. Empty tuples mean "all"."""

    date_from: date
    date_to: date
    user_ids: tuple[int, ...] = ()
    types: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    lead_sources: tuple[str, ...] = ()
    campaign_ids: tuple[int, ...] = ()
    currency: str = ""          # "" means the team's currency
    grain: str = "week"
    segment_id: int | None = None   # a lead segment (services/segments.py)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> AnalyticsFilter:
        """The same number of days just before this range (for "change against previous")."""
        return replace(self, date_from=self.date_from - timedelta(days=self.days),
                       date_to=self.date_from - timedelta(days=1))


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """Local days a preset covers, ending today for the rolling ones."""
    if preset == "today":
        return today, today
    if preset == "last_7_days":
        return today - timedelta(days=6), today
    if preset == "last_30_days":
        return today - timedelta(days=29), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if preset in ("this_quarter", "last_quarter"):
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        if preset == "this_quarter":
            return first, today
        end = first - timedelta(days=1)
        return date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end
    if preset == "this_year":
        return date(today.year, 1, 1), today
    if preset == "last_12_months":
        return _add_months(today, -12) + timedelta(days=1), today
    raise ValidationFailed(field_errors={"preset": "Choose a date range."})


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def make_filter(*, team: Team, preset: str = DEFAULT_PRESET, date_from: Any = None,
                date_to: Any = None, **choices: Any) -> AnalyticsFilter:
    """A filter from the bar's raw values: a preset, or custom ISO dates."""
    if preset not in PRESETS:
        raise ValidationFailed(field_errors={"preset": "Choose a date range."})
    if preset == "custom":
        errors = {}
        first = _parse_day(date_from, "date_from", errors)
        last = _parse_day(date_to, "date_to", errors)
        if errors:
            raise ValidationFailed(field_errors=errors)
    else:
        first, last = preset_range(preset, teamtime.local_today(team))
    return clean_filter(AnalyticsFilter(date_from=first, date_to=last, **choices))


def _parse_day(value: Any, name: str, errors: dict[str, str]) -> date | None:
    try:
        parsed = teamtime.parse_local(value, field=name)
    except ValidationFailed:
        parsed = None
    if isinstance(parsed, datetime):
        parsed = parsed.date()
    if parsed is None:
        errors[name] = "Enter a date like 2026-03-29."
    return parsed


def clean_filter(flt: AnalyticsFilter) -> AnalyticsFilter:
    """Validated and normalised (sorted tuples, known types and grain)."""
    errors = {}
    if flt.date_to < flt.date_from:
        errors["date_to"] = "Choose a range whose end is on or after its start."
    elif flt.days > MAX_RANGE_DAYS:
        errors["date_to"] = "Choose at most three years."
    if flt.grain not in GRAINS:
        errors["grain"] = "Group by day, week or month."
    try:
        types = tuple(sorted({int(OutreachType(int(t))) for t in flt.types}))
    except (TypeError, ValueError):
        errors["types"] = "Choose platform, e-mail, call, social or messenger."
        types = ()
    try:
        user_ids = tuple(sorted({int(u) for u in flt.user_ids}))
        campaign_ids = tuple(sorted({int(c) for c in flt.campaign_ids}))
    except (TypeError, ValueError):
        errors["user_ids"] = "Choose members and campaigns from the lists."
        user_ids = campaign_ids = ()
    currency = (flt.currency or "").strip().upper()
    if currency and (len(currency) != 3 or not currency.isalpha()):
        errors["currency"] = "Use a three-letter currency code such as EUR."
    segment_id = flt.segment_id
    if segment_id in ("", 0, "0", "none"):
        segment_id = None
    if segment_id is not None:
        try:
            segment_id = int(segment_id)
        except (TypeError, ValueError):
            errors["segment_id"] = "Choose a segment from the list."
            segment_id = None
    if errors:
        raise ValidationFailed(field_errors=errors)
    return replace(flt, types=types, segment_id=segment_id, user_ids=user_ids, campaign_ids=campaign_ids,
                   currency=currency,
                   channels=tuple(sorted({c.strip() for c in flt.channels if c and c.strip()})),
                   lead_sources=tuple(sorted({s.strip() for s in flt.lead_sources if s and s.strip()})))


@dataclass(frozen=True)
class Scope:
    """A checked filter for one team: UTC bounds, time zone, dialect and the money currency."""

    ctx: TeamContext
    team: Team
    flt: AnalyticsFilter
    tz: ZoneInfo
    start: datetime                 # aware UTC, inclusive
    end: datetime                   # aware UTC, exclusive
    dialect: str
    currency: str
    team_currency: str = ""         # read without touching the ORM team (other threads read the scope)
    extra: dict = field(default_factory=dict)
    segment: tuple = ()             # WHERE conditions on Lead for the chosen segment

    @property
    def filters_through_leads(self) -> bool:
        """Whether records are narrowed by their lead (source, campaign, segment)."""
        return bool(self.flt.lead_sources or self.flt.campaign_ids or self.segment)

    @property
    def team_id(self) -> int:
        return self.ctx.team_id

    def previous(self) -> Scope:
        return _build(self.ctx, self.team, self.flt.previous(), self.dialect, self.segment)


def scope(*, session: Session, ctx: TeamContext, flt: AnalyticsFilter) -> Scope:
    """Check the caller may see these numbers and fix the filter to the team's clock.

    Managers and admins see everyone; a rep sees only their own work (an empty rep filter
    becomes "me", another rep's id is refused)."""
    flt = clean_filter(flt)
    if not ctx.is_manager:
        if flt.user_ids and flt.user_ids != (ctx.user_id,):
            raise PermissionDenied("Reps see only their own numbers.")
        flt = replace(flt, user_ids=(ctx.user_id,))
    team = session.get(Team, ctx.team_id)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Dashboard queries are short; PostgreSQL's JIT would spend up to a second compiling
        # each one whose (subplan-inflated) cost estimate passes jit_above_cost.
        session.execute(text("SET LOCAL jit = off"))
    segment: tuple = ()
    if flt.segment_id is not None:
        from leadhub.services import segments

        try:
            segment = tuple(segments.lead_conditions(session=session, ctx=ctx, segment_id=flt.segment_id))
        except ValidationFailed as exc:
            raise ValidationFailed(field_errors={"segment_id": "Choose a segment of leads."}) from exc
    return _build(ctx, team, flt, dialect, segment)


def _build(ctx: TeamContext, team: Team, flt: AnalyticsFilter, dialect: str, segment: tuple = ()) -> Scope:
    tz = teamtime.zone(team)
    start, end = teamtime.day_range_utc(flt.date_from, flt.date_to, tz)
    return Scope(ctx=ctx, team=team, flt=flt, tz=tz, start=start, end=end, dialect=dialect,
                 currency=flt.currency or team.currency, team_currency=team.currency, segment=segment)


# --- Conditions per record --------------------------------------------------------------------

def _outreach_match(sc: Scope, outreach_id_column) -> list:
    """The record came from outreach of the chosen types and channels."""
    flt = sc.flt
    if not flt.types and not flt.channels:
        return []
    record = outreach_id_column.class_
    if record in (Contact, Deal):       # their copies of the outreach's fields
        return [*([record.outreach_type.in_(flt.types)] if flt.types else []),
                *([record.outreach_channel.in_(flt.channels)] if flt.channels else [])]
    source = aliased(Outreach, name="source_outreach")
    conditions = [source.id == outreach_id_column, source.team_id == sc.team_id]
    if flt.types:
        conditions.append(source.type.in_(flt.types))
    if flt.channels:
        conditions.append(source.channel.in_(flt.channels))
    return [exists().where(*conditions)]


def segment_leads(sc: Scope):
    """SELECT lead.id of the segment's leads (uncorrelated: usable in any query)."""
    return select(Lead.id).where(*sc.segment).correlate(None)


def _lead_match(sc: Scope, lead_id_column) -> list:
    """The record's lead has one of the chosen sources, is in one of the chosen campaigns and
    in the chosen segment."""
    flt = sc.flt
    result = [lead_id_column.in_(segment_leads(sc))] if sc.segment else []
    if flt.lead_sources:
        lead = aliased(Lead, name="source_lead")
        result.append(exists().where(lead.id == lead_id_column, lead.team_id == sc.team_id,
                                     lead.lead_source.in_(flt.lead_sources)))
    if flt.campaign_ids:
        result.append(_in_campaigns(sc, lambda member: member.lead_id == lead_id_column))
    return result


def _in_campaigns(sc: Scope, member_condition) -> Any:
    """EXISTS a membership of the chosen campaigns; `member_condition(member)` links it."""
    member = aliased(CampaignMember, name="filter_member")
    return exists().where(member.team_id == sc.team_id, member.campaign_id.in_(sc.flt.campaign_ids),
                          member_condition(member))


def outreach_where(sc: Scope, *, dated: bool = True) -> list:
    conditions = [Outreach.team_id == sc.team_id]
    if dated:
        conditions += [Outreach.occurred_at >= sc.start, Outreach.occurred_at < sc.end]
    flt = sc.flt
    if flt.user_ids:
        conditions.append(Outreach.user_id.in_(flt.user_ids))
    if flt.types:
        conditions.append(Outreach.type.in_(flt.types))
    if flt.channels:
        conditions.append(Outreach.channel.in_(flt.channels))
    return conditions + _lead_match(sc, Outreach.lead_id)


def attributed_where(sc: Scope, record) -> list:
    """Contacts or deals made from outreach of the scope (outreach_where's conditions on the
    record's copies of its outreach's fields, services/analytics/attribution.py)."""
    flt = sc.flt
    conditions = [record.team_id == sc.team_id, record.outreach_id.is_not(None),
                  record.outreach_occurred_at >= sc.start, record.outreach_occurred_at < sc.end]
    if flt.user_ids:
        conditions.append(record.outreach_user_id.in_(flt.user_ids))
    if sc.filters_through_leads:        # the outreach's lead, as outreach_where reads it
        outreach_lead = (select(Outreach.lead_id).where(Outreach.id == record.outreach_id)
                         .correlate(record).scalar_subquery())
        conditions += _lead_match(sc, outreach_lead)
    return conditions + _outreach_match(sc, record.outreach_id)


def lead_where(sc: Scope, *, dated: bool = True, date_column=None) -> list:
    conditions = [Lead.team_id == sc.team_id]
    if dated:
        column = date_column if date_column is not None else Lead.created_at
        conditions += [column >= sc.start, column < sc.end]
    flt = sc.flt
    if flt.user_ids:
        conditions.append(Lead.owner_id.in_(flt.user_ids))
    if flt.lead_sources:
        conditions.append(Lead.lead_source.in_(flt.lead_sources))
    if flt.campaign_ids:
        conditions.append(_in_campaigns(sc, lambda member: member.lead_id == Lead.id))
    return conditions + list(sc.segment) + _outreach_match(sc, Lead.outreach_id)


def deal_where(sc: Scope, *, by: str | None = "close") -> list:
    """Deals of the scope; `by` says which date the range applies to: "close" (close_date,
    local days), "created" (created_at) or None (no date)."""
    conditions = [Deal.team_id == sc.team_id]
    if by == "close":
        conditions += [Deal.close_date >= sc.flt.date_from, Deal.close_date <= sc.flt.date_to]
    elif by == "created":
        conditions += [Deal.created_at >= sc.start, Deal.created_at < sc.end]
    if sc.flt.user_ids:
        conditions.append(Deal.owner_id.in_(sc.flt.user_ids))
    return conditions + _outreach_match(sc, Deal.outreach_id) + _lead_match(sc, Deal.lead_id)


def contact_where(sc: Scope) -> list:
    conditions = [Contact.team_id == sc.team_id]
    flt = sc.flt
    if flt.user_ids:
        conditions.append(Contact.owner_id.in_(flt.user_ids))
    if flt.lead_sources:
        lead = aliased(Lead, name="source_lead")
        conditions.append(exists().where(lead.id == Contact.lead_id, lead.team_id == sc.team_id,
                                         lead.lead_source.in_(flt.lead_sources)))
    if flt.campaign_ids:
        conditions.append(or_(_in_campaigns(sc, lambda member: member.contact_id == Contact.id),
                              _in_campaigns(sc, lambda member: member.lead_id == Contact.lead_id)))
    if sc.segment:
        conditions.append(Contact.lead_id.in_(segment_leads(sc)))
    return conditions + _outreach_match(sc, Contact.outreach_id)


def team_members(*, session: Session, ctx: TeamContext) -> list[tuple[int, str]]:
    """(user id, name) of the team, for the rep filter and chart labels."""
    from leadhub.services.models import Membership, User

    rows = session.exec(select(User.id, User.full_name, User.email)
                        .join(Membership, Membership.user_id == User.id)
                        .where(Membership.team_id == ctx.team_id)
                        .order_by(User.full_name, User.email)).all()
    return [(uid, name or email) for uid, name, email in rows]

