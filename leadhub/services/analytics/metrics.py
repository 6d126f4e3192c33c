"""The dashboard's numbers: each one a GROUP BY in the database, shaped into small frames.

Definitions (what a manager reads on each chart):

- Outreach volume: outreach whose occurred_at falls in the range, per local day/week/month.
- Response rates (as on the outreach pages): over delivered outreach (all − bounced);
  responded = replied + positive + negative; positive rate = positive / delivered.
- Channel funnel: a cohort of the outreach in the range. Contacts are those whose
  outreach_id is one of that outreach; deals are those attributed to it (Deal.outreach_id,
  which the deals service fills from the contact or lead); won = Closed Won. Medians: hours
  from outreach to contact, days from contact to deal, days from deal creation (local day)
  to its close date.
- Lead sources: leads created in the range; qualified = status Qualified or Converted now;
  converted = status Converted; won revenue = Closed Won deals of those leads.
- Reps: outreach and distinct leads touched in the range; conversions = their leads
  converted in the range; revenue = their Closed Won deals closing in the range; first
  touch = median hours from an inbound lead's creation (leads not born from outreach) to the
  first outreach logged for it.
- ROI: won revenue of deals closing in the range per outreach type and channel, against the
  channel costs recorded per month, prorated by the days of each month the range covers.
- Campaigns: campaigns running during the range, with their member leads over the whole
  campaign; budget and costs are the campaign's own fields (the team's currency).
- Health (a snapshot as of now): contacts by time since their last touch, touches per
  contact in the range (outreach and completed calls, meetings, e-mails), planned tasks by
  due date, and the follow-up queue's going-cold count.
- KPIs: new leads; conversion rate = converted ÷ new leads of the range; pipeline = open
  deals created in the range; won revenue = Closed Won deals closing in the range.

Money is never added across currencies: money figures count deals in the scope's currency
(the team's unless the filter picks another); deals in other currencies still count as deals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Date, Float, and_, case, cast, distinct, exists, func, or_, text, true, union_all
from sqlmodel import Session, select

from leadhub.services import followup
from leadhub.services.analytics import costs as cost_service
from leadhub.services.analytics import forms as form_stats
from leadhub.services.analytics import rollups
from leadhub.services.analytics.filters import (
    AnalyticsFilter,
    Scope,
    attributed_where,
    contact_where,
    deal_where,
    lead_where,
    outreach_where,
    scope,
    segment_leads,
    team_members,
)
from leadhub.services.analytics.stats import grouped_median, ratio
from leadhub.services.analytics.timebuckets import as_date, buckets, local_bucket, seconds_between
from leadhub.services.context import TeamContext
from leadhub.services.db import alongside
from leadhub.services.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    Campaign,
    CampaignMember,
    Contact,
    Deal,
    DealStage,
    Lead,
    LeadStatus,
    Outreach,
    OutreachType,
    Rating,
    ResponseStatus,
    utcnow,
)
from leadhub.services.outreach import RESPONDED, TYPE_LABELS

WON = DealStage.CLOSED_WON.value
CLOSED = (DealStage.CLOSED_WON.value, DealStage.CLOSED_LOST.value)
QUALIFIED = (LeadStatus.QUALIFIED.value, LeadStatus.CONVERTED.value)
CONVERTED = LeadStatus.CONVERTED.value
STATUSES = [s.value for s in LeadStatus]
TOUCH_ACTIVITIES = (ActivityType.CALL.value, ActivityType.MEETING.value, ActivityType.EMAIL.value)
AGE_BUCKETS = ("< 7 days", "7–30 days", "30–90 days", "> 90 days", "never")
TOUCH_BUCKETS = ("0", "1", "2", "3–5", "6–10", "11+")
DUE_BUCKETS = ("overdue", "today", "next 7 days", "later")


def type_label(kind: int) -> str:
    try:
        return TYPE_LABELS[OutreachType(int(kind))]
    except ValueError:
        return str(kind)


def channel_label(kind: int, channel: str | None) -> str:
    return f"{type_label(kind)}: {channel}" if channel else type_label(kind)


def _money_sum(sc: Scope, *conditions):
    """SUM of deal amounts in the scope's currency (others count as 0)."""
    return func.coalesce(func.sum(case((and_(Deal.currency == sc.currency, *conditions),
                                        Deal.amount), else_=0)), 0)


def _count_if(*conditions):
    return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)


def _nones(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Optional numbers (rates, medians) as None, not NaN, where there is nothing to show."""
    for column in columns:
        frame[column] = pd.Series([None if pd.isna(v) else float(v) for v in frame[column]],
                                  index=frame.index, dtype=object)
    return frame


def _money(value: Any) -> float:
    return float(Decimal(str(value or 0)))


# --- Outreach volume --------------------------------------------------------------------------

@dataclass(frozen=True)
class Volume:
    grain: str
    buckets: list[date]
    by_type: pd.DataFrame   # bucket, type, label, count — every bucket × every shown type
    by_rep: pd.DataFrame    # bucket, user_id, name, count — every bucket × every rep shown


def outreach_volume(session: Session, sc: Scope, members: dict[int, str],
                    grain: str | None = None) -> Volume:
    grain = grain or sc.flt.grain
    if sc.extra.get("rollup"):
        rows = rollups.volume_rows(session, sc, grain)
    else:
        inner = select(local_bucket(Outreach.occurred_at, sc, grain).label("bucket"),
                       Outreach.type.label("type"), Outreach.user_id.label("user_id")
                       ).where(*outreach_where(sc)).subquery()
        rows = session.exec(select(inner.c.bucket, inner.c.type, inner.c.user_id, func.count())
                            .group_by(inner.c.bucket, inner.c.type, inner.c.user_id)).all()
    raw = pd.DataFrame([(as_date(b), int(t), int(u), int(n)) for b, t, u, n in rows],
                       columns=["bucket", "type", "user_id", "count"])
    grid = buckets(sc.flt.date_from, sc.flt.date_to, grain)
    types = list(sc.flt.types) or [int(t) for t in OutreachType]
    by_type = _complete(raw.groupby(["bucket", "type"], as_index=False)["count"].sum(),
                        grid, "type", types)
    by_type["label"] = by_type["type"].map(type_label)
    reps = list(sc.flt.user_ids) or sorted(set(raw["user_id"]), key=lambda u: members.get(u, ""))
    by_rep = _complete(raw.groupby(["bucket", "user_id"], as_index=False)["count"].sum(),
                       grid, "user_id", reps)
    by_rep["name"] = by_rep["user_id"].map(lambda u: members.get(u, f"#{u}"))
    return Volume(grain=grain, buckets=grid, by_type=by_type, by_rep=by_rep)


def _complete(frame: pd.DataFrame, grid: list[date], key: str, keys: list) -> pd.DataFrame:
    """Every (bucket, key) pair, with 0 where the database had no rows."""
    index = pd.MultiIndex.from_product([grid, keys], names=["bucket", key])
    counts = frame.set_index(["bucket", key])["count"] if len(frame) else pd.Series(dtype="int64")
    full = counts.reindex(index, fill_value=0).reset_index()
    full.columns = ["bucket", key, "count"]
    full["count"] = full["count"].astype("int64")
    return full


# --- Outreach breakdown: responses, call outcomes, per channel and rep --------------------------

def outreach_breakdown(session: Session, sc: Scope) -> pd.DataFrame:
    """Outreach counts per type, channel, rep, response status and call outcome (one scan)."""
    if sc.extra.get("rollup"):
        rows = rollups.breakdown_rows(session, sc)
        return pd.DataFrame([(int(t), ch, int(u), s, o, int(n)) for t, ch, u, s, o, n in rows],
                            columns=["type", "channel", "user_id", "status", "outcome", "count"])
    columns = (Outreach.type, func.coalesce(Outreach.channel, ""), Outreach.user_id,
               Outreach.response_status, func.coalesce(Outreach.call_outcome, ""))
    inner = select(*[c.label(n) for c, n in zip(columns, ("type", "channel", "user_id", "status",
                                                           "outcome"))]
                   ).where(*outreach_where(sc)).subquery()
    keys = [inner.c.type, inner.c.channel, inner.c.user_id, inner.c.status, inner.c.outcome]
    rows = session.exec(select(*keys, func.count()).group_by(*keys)).all()
    return pd.DataFrame([(int(t), ch, int(u), s, o, int(n)) for t, ch, u, s, o, n in rows],
                        columns=["type", "channel", "user_id", "status", "outcome", "count"])


@dataclass(frozen=True)
class ResponseRates:
    by_type: pd.DataFrame      # type, label, total, delivered, responded, positive, … rates
    by_channel: pd.DataFrame   # type, channel, label, …
    by_rep: pd.DataFrame       # user_id, name, …
    call_outcomes: pd.DataFrame  # user_id, name, outcome, count (calls with an outcome)


_RATE_SUMS = ("total", "awaiting", "responded", "replied", "positive", "negative", "bounced")
_STATUS_SUMS = {status.value: [name for name in _RATE_SUMS[1:]
                               if name == status.value or (name == "responded" and status.value in RESPONDED)]
                for status in ResponseStatus}


def _rates(breakdown: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sums per key (a few hundred rows: plain Python is faster than a pandas groupby here)."""
    acc: dict[tuple, dict[str, int]] = {}
    columns = [breakdown[k].tolist() for k in keys]
    for *key, status, count in zip(*columns, breakdown["status"].tolist(), breakdown["count"].tolist()):
        sums = acc.get(tuple(key))
        if sums is None:
            sums = acc[tuple(key)] = dict.fromkeys(_RATE_SUMS, 0)
        sums["total"] += count
        for name in _STATUS_SUMS.get(status, ()):
            sums[name] += count
    ordered = sorted(acc.items(), key=lambda item: item[0])
    ordered.sort(key=lambda item: -item[1]["total"])           # stable: ties keep key order
    data: dict[str, list] = {k: [key[i] for key, _ in ordered] for i, k in enumerate(keys)}
    for name in _RATE_SUMS:
        data[name] = [sums[name] for _, sums in ordered]
    out = pd.DataFrame(data, columns=[*keys, *_RATE_SUMS])
    out[list(_RATE_SUMS)] = out[list(_RATE_SUMS)].astype("int64")
    out["delivered"] = out["total"] - out["bounced"]
    out["response_rate"] = [r / d if d > 0 else 0.0 for r, d in zip(data["responded"], out["delivered"])]
    out["positive_rate"] = [p / d if d > 0 else 0.0 for p, d in zip(data["positive"], out["delivered"])]
    return out


def response_rates(breakdown: pd.DataFrame, members: dict[int, str]) -> ResponseRates:
    by_type = _rates(breakdown, ["type"])
    by_type["label"] = by_type["type"].map(type_label)
    by_channel = _rates(breakdown, ["type", "channel"])
    by_channel["label"] = [channel_label(t, c) for t, c in zip(by_channel["type"], by_channel["channel"])]
    by_rep = _rates(breakdown, ["user_id"])
    by_rep["name"] = by_rep["user_id"].map(lambda u: members.get(u, f"#{u}"))
    calls = breakdown[(breakdown["type"] == int(OutreachType.CALL)) & (breakdown["outcome"] != "")]
    outcomes = (calls.groupby(["user_id", "outcome"], as_index=False)["count"].sum()
                if len(calls) else pd.DataFrame(columns=["user_id", "outcome", "count"]))
    outcomes["name"] = outcomes["user_id"].map(lambda u: members.get(u, f"#{u}"))
    return ResponseRates(by_type=by_type, by_channel=by_channel, by_rep=by_rep, call_outcomes=outcomes)


# --- Channel effectiveness funnel -------------------------------------------------------------

def funnel_contacts_where(sc: Scope) -> list:
    """Contacts made from outreach of the scope (by their copies of its fields)."""
    return attributed_where(sc, Contact)


def funnel_deals_where(sc: Scope) -> list:
    """Deals attributed to outreach of the scope (by their copies of its fields)."""
    return attributed_where(sc, Deal)


def origin_keys(record) -> tuple:
    """(type, channel) of the outreach a contact or deal came from, as the charts group them."""
    return record.outreach_type, func.coalesce(record.outreach_channel, "")


def channel_funnel(session: Session, sc: Scope, breakdown: pd.DataFrame) -> pd.DataFrame:
    """type, channel, label, outreach, contacts, deals, won, revenue, rates and median times."""
    contact_keys, deal_keys = origin_keys(Contact), origin_keys(Deal)
    outreach = (breakdown.groupby(["type", "channel"], as_index=False)["count"].sum()
                .rename(columns={"count": "outreach"}) if len(breakdown)
                else pd.DataFrame(columns=["type", "channel", "outreach"]))
    to_contact_hours = seconds_between(Contact.created_at, Contact.outreach_occurred_at, sc.dialect) / 3600.0
    to_deal_days = seconds_between(Deal.created_at, Contact.created_at, sc.dialect) / 86400.0
    won_closed = and_(Deal.stage == WON, Deal.close_date.is_not(None))
    if sc.dialect == "postgresql":
        # counts and medians in one pass per table (percentile_cont leaves NULLs out)
        def med(value):
            return func.percentile_cont(0.5).within_group(cast(value, Float))
        contact_rows = session.exec(select(*contact_keys, func.count(Contact.id), med(to_contact_hours))
                                    .where(*funnel_contacts_where(sc)).group_by(*contact_keys)).all()
        deal_rows = session.exec(select(
            *deal_keys, func.count(Deal.id), _count_if(Deal.stage == WON), _money_sum(sc, Deal.stage == WON),
            med(case((Contact.id.is_not(None), to_deal_days))),
            med(case((won_closed, _days_to_close(sc)))))
            .select_from(Deal).outerjoin(Contact, Contact.id == Deal.contact_id)
            .where(*funnel_deals_where(sc)).group_by(*deal_keys)).all()
        contacts = [row[:3] for row in contact_rows]
        deals = [row[:5] for row in deal_rows]
        to_contact = {(r[0], r[1]): float(r[3]) for r in contact_rows if r[3] is not None}
        to_deal = {(r[0], r[1]): float(r[5]) for r in deal_rows if r[5] is not None}
        to_won = {(r[0], r[1]): float(r[6]) for r in deal_rows if r[6] is not None}
    else:
        contacts = session.exec(select(*contact_keys, func.count(Contact.id))
                                .where(*funnel_contacts_where(sc)).group_by(*contact_keys)).all()
        deals = session.exec(select(*deal_keys, func.count(Deal.id), _count_if(Deal.stage == WON),
                                    _money_sum(sc, Deal.stage == WON))
                             .where(*funnel_deals_where(sc)).group_by(*deal_keys)).all()

        def labelled(record):
            kind, channel = origin_keys(record)
            return kind.label("type"), channel.label("channel")
        to_contact = grouped_median(session, select(*labelled(Contact), to_contact_hours.label("value"))
                                    .where(*funnel_contacts_where(sc)), keys=("type", "channel"))
        to_deal = grouped_median(session, select(*labelled(Deal), to_deal_days.label("value")).select_from(Deal)
                                 .join(Contact, Contact.id == Deal.contact_id).where(*funnel_deals_where(sc)),
                                 keys=("type", "channel"))
        to_won = grouped_median(session, select(*labelled(Deal), _days_to_close(sc).label("value"))
                                .where(*funnel_deals_where(sc), won_closed), keys=("type", "channel"))
    frame = outreach.merge(pd.DataFrame([(int(t), c, int(n)) for t, c, n in contacts],
                                        columns=["type", "channel", "contacts"]),
                           on=["type", "channel"], how="outer")
    frame = frame.merge(pd.DataFrame([(int(t), c, int(n), int(w), _money(r)) for t, c, n, w, r in deals],
                                     columns=["type", "channel", "deals", "won", "revenue"]),
                        on=["type", "channel"], how="outer")
    counts = ["outreach", "contacts", "deals", "won"]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame["revenue"] = frame["revenue"].fillna(0.0).astype(float)
    frame["type"] = frame["type"].astype("int64")
    frame["label"] = [channel_label(t, c) for t, c in zip(frame["type"], frame["channel"])]
    frame["contact_rate"] = [ratio(c, o) for c, o in zip(frame["contacts"], frame["outreach"])]
    frame["deal_rate"] = [ratio(d, c) for d, c in zip(frame["deals"], frame["contacts"])]
    frame["win_rate"] = [ratio(w, d) for w, d in zip(frame["won"], frame["deals"])]
    frame["won_per_outreach"] = [ratio(w, o) for w, o in zip(frame["won"], frame["outreach"])]

    pairs = list(zip(frame["type"], frame["channel"]))
    frame["hours_to_contact"] = [to_contact.get(p) for p in pairs]
    frame["days_to_deal"] = [to_deal.get(p) for p in pairs]
    frame["days_to_won"] = [to_won.get(p) for p in pairs]
    frame = _nones(frame, "contact_rate", "deal_rate", "win_rate", "won_per_outreach", "hours_to_contact",
                   "days_to_deal", "days_to_won")
    return frame.sort_values(["outreach", "label"], ascending=[False, True]).reset_index(drop=True)


def _days_to_close(sc: Scope):
    """Whole days from a deal's creation (local day) to its close date."""
    if sc.dialect == "postgresql":
        return cast(Deal.close_date - cast(func.timezone(sc.tz.key, Deal.created_at), Date), Float)
    tomorrow = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
    created = local_bucket(Deal.created_at, sc, "day", start=_EPOCH, end=tomorrow)   # cached per day
    return func.julianday(Deal.close_date) - func.julianday(created)


_EPOCH = datetime(2000, 1, 1, tzinfo=utcnow().tzinfo)


# --- Lead sources -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SourcePerformance:
    table: pd.DataFrame       # lead_source, leads, qualified, converted, won, revenue, rates
    by_status: pd.DataFrame   # lead_source, status, count


def lead_counts(session: Session, sc: Scope) -> pd.DataFrame:
    """current (the range, else the period before it), lead_source, status, count: the leads
    created in both periods, in one scan for the KPI tiles and the lead-source charts."""
    before = sc.previous()
    current = case((Lead.created_at >= sc.start, 1), else_=0)
    rows = session.exec(select(current, Lead.lead_source, Lead.status, func.count())
                        .where(*lead_where(sc, dated=False), Lead.created_at >= before.start,
                               Lead.created_at < sc.end)
                        .group_by(current, Lead.lead_source, Lead.status)).all()
    return pd.DataFrame([(bool(c), s or "", st, int(n)) for c, s, st, n in rows],
                        columns=["current", "lead_source", "status", "count"])


def lead_sources(session: Session, sc: Scope, counts: pd.DataFrame) -> SourcePerformance:
    """`counts` from lead_counts."""
    source = Lead.lead_source
    by_status = counts.loc[counts["current"], ["lead_source", "status", "count"]].groupby(
        ["lead_source", "status"], as_index=False)["count"].sum()
    won = session.exec(select(source, func.count(Deal.id), _money_sum(sc)).select_from(Deal)
                       .join(Lead, Lead.id == Deal.lead_id)
                       .where(Deal.team_id == sc.team_id, Deal.stage == WON, *lead_where(sc))
                       .group_by(source)).all()
    table = (by_status.assign(qualified=by_status["status"].isin(QUALIFIED) * by_status["count"],
                              converted=(by_status["status"] == CONVERTED) * by_status["count"])
             .groupby("lead_source", as_index=False)[["count", "qualified", "converted"]].sum()
             .rename(columns={"count": "leads"})) if len(by_status) else \
        pd.DataFrame(columns=["lead_source", "leads", "qualified", "converted"])
    table = table.merge(pd.DataFrame([(s or "", int(n), _money(r)) for s, n, r in won],
                                     columns=["lead_source", "won", "revenue"]),
                        on="lead_source", how="outer")
    counts = ["leads", "qualified", "converted", "won"]
    table[counts] = table[counts].fillna(0).astype("int64")
    table["revenue"] = table["revenue"].fillna(0.0).astype(float)
    table["qualified_rate"] = [ratio(q, n) for q, n in zip(table["qualified"], table["leads"])]
    table["conversion_rate"] = [ratio(c, n) for c, n in zip(table["converted"], table["leads"])]
    table = _nones(table, "qualified_rate", "conversion_rate")
    table = table.sort_values(["leads", "lead_source"], ascending=[False, True]).reset_index(drop=True)
    return SourcePerformance(table=table, by_status=by_status)


def source_won_where(sc: Scope) -> list:
    """Won deals of the leads created in the range (join Lead on Deal.lead_id)."""
    return [Deal.team_id == sc.team_id, Deal.stage == WON, Lead.id == Deal.lead_id, *lead_where(sc)]


# --- Reps ---------------------------------------------------------------------------------------

def rep_conversions_where(sc: Scope) -> list:
    return [*lead_where(sc, date_column=Lead.converted_at), Lead.status == CONVERTED]


def rep_won_where(sc: Scope) -> list:
    return [*deal_where(sc, by="close"), Deal.stage == WON]


def first_touch_source(sc: Scope):
    """Inbound leads created in the range with hours to their first outreach (NULL: none yet;
    Lead.first_touch_at is kept by database triggers, services/analytics/attribution.py)."""
    # grouped by coalesce(owner): PostgreSQL then sorts the index-only rows of the range instead
    # of walking ix_lead_team_owner row by row for its order (owner is never NULL here)
    return select(func.coalesce(Lead.owner_id, 0).label("user_id"),
                  (seconds_between(Lead.first_touch_at, Lead.created_at, sc.dialect) / 3600.0).label("value")
                  ).where(*lead_where(sc), Lead.outreach_id.is_(None), Lead.owner_id.is_not(None))


def rep_performance(session: Session, sc: Scope, breakdown: pd.DataFrame,
                    members: dict[int, str]) -> pd.DataFrame:
    """user_id, name, outreach, leads_touched, conversions, won, revenue, first_touch_hours."""
    # count(DISTINCT) per rep reads ix_outreach_team_user_lead_analytics in (rep, lead) order; a
    # DISTINCT subquery was hashed (600k pairs for a year of a big team) once work_mem allowed it
    touched = dict(session.exec(select(Outreach.user_id, func.count(distinct(Outreach.lead_id)))
                                .where(*outreach_where(sc), Outreach.lead_id.is_not(None))
                                .group_by(Outreach.user_id)).all())
    conversions = dict(session.exec(select(Lead.owner_id, func.count()).where(*rep_conversions_where(sc))
                                    .group_by(Lead.owner_id)).all())
    won = {u: (int(n), _money(r)) for u, n, r in session.exec(
        select(Deal.owner_id, func.count(), _money_sum(sc)).where(*rep_won_where(sc))
        .group_by(Deal.owner_id)).all()}
    first_touch = grouped_median(session, first_touch_source(sc), keys=("user_id",))
    outreach = (breakdown.groupby("user_id")["count"].sum().to_dict() if len(breakdown) else {})
    users = set(sc.flt.user_ids) or (set(outreach) | set(touched) | set(conversions) | set(won)
                                     | {k[0] for k in first_touch}) - {None}
    rows = [{
        "user_id": u, "name": members.get(u, f"#{u}"), "outreach": int(outreach.get(u, 0)),
        "leads_touched": int(touched.get(u, 0)), "conversions": int(conversions.get(u, 0)),
        "won": won.get(u, (0, 0.0))[0], "revenue": won.get(u, (0, 0.0))[1],
        "first_touch_hours": first_touch.get((u,)),
    } for u in users]
    frame = pd.DataFrame(rows, columns=["user_id", "name", "outreach", "leads_touched", "conversions",
                                        "won", "revenue", "first_touch_hours"])
    frame = _nones(frame, "first_touch_hours")
    return frame.sort_values(["outreach", "name"], ascending=[False, True]).reset_index(drop=True)


# --- ROI per channel ----------------------------------------------------------------------------

def roi_won_where(sc: Scope) -> list:
    """Won deals closing in the range attributed to outreach."""
    return [*deal_where(sc, by="close"), Deal.stage == WON, Deal.outreach_id.is_not(None)]


def roi(session: Session, sc: Scope) -> pd.DataFrame:
    """type, channel, label, won, revenue, cost, net, roi (revenue ÷ cost) in sc.currency."""
    keys = origin_keys(Deal)
    rows = session.exec(select(*keys, func.count(Deal.id), _money_sum(sc))
                        .where(*roi_won_where(sc)).group_by(*keys)).all()
    revenue = pd.DataFrame([(int(t), c, int(n), _money(r)) for t, c, n, r in rows],
                           columns=["type", "channel", "won", "revenue"])
    spent = cost_service.costs_in_range(session=session, sc=sc)
    costs = pd.DataFrame([(t, c, a) for (t, c), a in spent.items()], columns=["type", "channel", "cost"])
    frame = revenue.merge(costs, on=["type", "channel"], how="outer")
    frame["won"] = frame["won"].fillna(0).astype("int64")
    frame[["revenue", "cost"]] = frame[["revenue", "cost"]].fillna(0.0).astype(float)
    frame["type"] = frame["type"].astype("int64")
    frame["label"] = [channel_label(t, c) for t, c in zip(frame["type"], frame["channel"])]
    frame["net"] = frame["revenue"] - frame["cost"]
    frame["roi"] = [ratio(r, c) for r, c in zip(frame["revenue"], frame["cost"])]
    frame = _nones(frame, "roi")
    return frame.sort_values(["revenue", "label"], ascending=[False, True]).reset_index(drop=True)


# --- Campaigns ----------------------------------------------------------------------------------

def campaigns_in_range(sc: Scope) -> list:
    conditions = [Campaign.team_id == sc.team_id,
                  or_(Campaign.start_date.is_(None), Campaign.start_date <= sc.flt.date_to),
                  or_(Campaign.end_date.is_(None), Campaign.end_date >= sc.flt.date_from)]
    if sc.flt.campaign_ids:
        conditions.append(Campaign.id.in_(sc.flt.campaign_ids))
    return conditions


def campaign_leads_where(sc: Scope, campaign_id=None) -> list:
    """Member leads (join CampaignMember on lead) passing the non-date filters."""
    conditions = [CampaignMember.team_id == sc.team_id, Lead.id == CampaignMember.lead_id,
                  *lead_where(sc, dated=False)]
    if campaign_id is not None:
        conditions.append(CampaignMember.campaign_id == campaign_id)
    return conditions


def campaign_performance(session: Session, sc: Scope) -> pd.DataFrame:
    """campaign_id, name, status, leads, qualified, converted, won, revenue, budget,
    actual_cost, expected_revenue, roi (revenue ÷ actual cost, else budget)."""
    campaigns = session.exec(select(Campaign).where(*campaigns_in_range(sc))
                             .order_by(Campaign.start_date.desc(), Campaign.name)).all()
    if not campaigns:
        return pd.DataFrame(columns=["campaign_id", "name", "status", "leads", "qualified", "converted",
                                     "won", "revenue", "budget", "actual_cost", "expected_revenue", "roi"])
    ids = [c.id for c in campaigns]
    members = session.exec(select(CampaignMember.campaign_id, func.count(),
                                  _count_if(Lead.status.in_(QUALIFIED)), _count_if(Lead.status == CONVERTED))
                           .select_from(CampaignMember).where(*campaign_leads_where(sc),
                                                              CampaignMember.campaign_id.in_(ids))
                           .group_by(CampaignMember.campaign_id)).all()
    won = session.exec(select(CampaignMember.campaign_id, func.count(Deal.id), _money_sum(sc))
                       .select_from(CampaignMember).join(Lead, Lead.id == CampaignMember.lead_id)
                       .join(Deal, Deal.lead_id == Lead.id)
                       .where(*campaign_leads_where(sc), CampaignMember.campaign_id.in_(ids),
                              Deal.team_id == sc.team_id, Deal.stage == WON)
                       .group_by(CampaignMember.campaign_id)).all()
    counted = {cid: (int(n), int(q), int(c)) for cid, n, q, c in members}
    revenue = {cid: (int(n), _money(r)) for cid, n, r in won}
    same_currency = sc.currency == sc.team_currency
    rows = []
    for campaign in campaigns:
        leads, qualified, converted = counted.get(campaign.id, (0, 0, 0))
        won_count, money = revenue.get(campaign.id, (0, 0.0))
        spend = campaign.actual_cost if campaign.actual_cost is not None else campaign.budget
        rows.append({
            "campaign_id": campaign.id, "name": campaign.name, "status": campaign.status,
            "leads": leads, "qualified": qualified, "converted": converted, "won": won_count,
            "revenue": money, "budget": _money(campaign.budget), "actual_cost": _money(campaign.actual_cost),
            "expected_revenue": _money(campaign.expected_revenue),
            "roi": ratio(money, spend) if same_currency and spend else None,
        })
    return _nones(pd.DataFrame(rows), "roi")


# --- Relationship health ------------------------------------------------------------------------

@dataclass(frozen=True)
class Health:
    going_cold: int
    last_touch: pd.DataFrame       # bucket, count (contacts by time since their last touch)
    touches: pd.DataFrame          # bucket, count (contacts by touches in the range)
    followups: pd.DataFrame        # bucket, count (planned tasks by due date)


def age_bucket(now: datetime):
    """SQL naming the time since a contact's last touch."""
    last = Contact.last_contacted_at
    return case((last.is_(None), AGE_BUCKETS[4]),
                (last >= now - timedelta(days=7), AGE_BUCKETS[0]),
                (last >= now - timedelta(days=30), AGE_BUCKETS[1]),
                (last >= now - timedelta(days=90), AGE_BUCKETS[2]), else_=AGE_BUCKETS[3])


def touch_counts(sc: Scope):
    """Subquery: contact_id, touches — outreach and completed touch activities in the range."""
    outreach = select(Outreach.contact_id.label("contact_id")).where(
        *outreach_where(sc), Outreach.contact_id.is_not(None))
    activity = select(Activity.contact_id.label("contact_id")).where(
        Activity.team_id == sc.team_id, Activity.contact_id.is_not(None),
        Activity.status == ActivityStatus.COMPLETED.value, Activity.type.in_(TOUCH_ACTIVITIES),
        Activity.completed_at >= sc.start, Activity.completed_at < sc.end,
        *([Activity.owner_id.in_(sc.flt.user_ids)] if sc.flt.user_ids else []))
    union = union_all(outreach, activity).subquery("touch")
    return select(union.c.contact_id, func.count().label("touches")).group_by(union.c.contact_id).subquery("touches")


def touch_bucket(touches):
    n = func.coalesce(touches, 0)
    return case((n == 0, TOUCH_BUCKETS[0]), (n == 1, TOUCH_BUCKETS[1]), (n == 2, TOUCH_BUCKETS[2]),
                (n <= 5, TOUCH_BUCKETS[3]), (n <= 10, TOUCH_BUCKETS[4]), else_=TOUCH_BUCKETS[5])


def due_bucket(sc: Scope, now: datetime):
    from leadhub.services import teamtime

    today_end = teamtime.day_start_utc(now.astimezone(sc.tz).date() + timedelta(days=1), sc.tz)
    return case((Activity.due_at < now, DUE_BUCKETS[0]), (Activity.due_at < today_end, DUE_BUCKETS[1]),
                (Activity.due_at < today_end + timedelta(days=7), DUE_BUCKETS[2]), else_=DUE_BUCKETS[3])


def followups_where(sc: Scope) -> list:
    conditions = [Activity.team_id == sc.team_id, Activity.status == ActivityStatus.PLANNED.value,
                  Activity.due_at.is_not(None)]
    if sc.flt.user_ids:
        conditions.append(Activity.owner_id.in_(sc.flt.user_ids))
    if sc.segment:      # tasks on the segment's leads or on contacts made from them
        leads = segment_leads(sc)
        conditions.append(or_(Activity.lead_id.in_(leads), Activity.contact_id.in_(
            select(Contact.id).where(Contact.team_id == sc.team_id, Contact.lead_id.in_(leads)))))
    return conditions


def health(session: Session, sc: Scope, now: datetime | None = None) -> Health:
    now = now or utcnow()
    cold_leads, cold_contact = _cold_conditions(session, sc, now)
    age = age_bucket(now).label("age")
    if not (sc.flt.lead_sources or sc.flt.campaign_ids or sc.flt.types or sc.flt.channels):
        # the contacts of the health charts are the follow-up queue's contacts: one scan gives
        # their age buckets and how many are going cold
        rows = session.exec(select(age, _count_if(*cold_contact), func.count()).where(*contact_where(sc))
                            .group_by(age)).all()
        ages = {a: int(n) for a, _, n in rows}
        cold = int(session.exec(select(func.count()).select_from(Lead).where(*cold_leads)).one()) \
            + sum(int(c) for _, c, _ in rows)
    else:
        ages = {a: int(n) for a, n in session.exec(select(age, func.count()).where(*contact_where(sc))
                                                   .group_by(age)).all()}
        cold = going_cold(session, sc, now)
    due = due_bucket(sc, now).label("bucket")
    dues = dict(session.exec(select(due, func.count()).where(*followups_where(sc)).group_by(due)).all())
    frequency = touch_frequency(session, sc, contacts=sum(ages.values()))
    return Health(
        going_cold=cold,
        last_touch=pd.DataFrame({"bucket": AGE_BUCKETS, "count": [int(ages.get(b, 0)) for b in AGE_BUCKETS]}),
        touches=pd.DataFrame({"bucket": TOUCH_BUCKETS,
                              "count": [int(frequency.get(b, 0)) for b in TOUCH_BUCKETS]}),
        followups=pd.DataFrame({"bucket": DUE_BUCKETS, "count": [int(dues.get(b, 0)) for b in DUE_BUCKETS]}),
    )


def touch_frequency(session: Session, sc: Scope, *, contacts: int) -> dict[str, int]:
    """Contacts per touch bucket: the touched ones counted from their touches, the rest ("0")
    are the scope's `contacts` less those. Without contact filters the touches alone are read:
    outreach and activities of the team only ever name the team's contacts."""
    touches = touch_counts(sc)
    bucket = touch_bucket(touches.c.touches).label("bucket")
    statement = select(bucket, func.count()).select_from(touches)
    conditions = contact_where(sc)
    if len(conditions) > 1:             # more than the team: only the scope's contacts count
        statement = statement.join(Contact, Contact.id == touches.c.contact_id).where(*conditions)
    counts = {b: int(n) for b, n in session.exec(statement.group_by(bucket)).all()}
    counts[TOUCH_BUCKETS[0]] = contacts - sum(counts.values())
    return counts


def _cold_conditions(session: Session, sc: Scope, now: datetime) -> tuple[list, list]:
    """(WHERE for going-cold leads, the overdue test of a contact): the follow-up queue's rule
    (followup.py: open leads and contacts whose last touch, or creation, is older than their
    rating's interval, not snoozed), one threshold per rating. Contacts still need the team,
    rep and segment conditions (contact_where, or going_cold's own)."""
    policy = followup.get_policy(session=session, ctx=sc.ctx)
    snooze = followup.FollowUpSnooze

    def threshold(rating):     # CASE rating WHEN …: the rating is evaluated once
        return case({r: now - timedelta(days=policy.days_for(r))
                     for r in (Rating.HOT.value, Rating.WARM.value, Rating.COLD.value)},
                    value=rating, else_=now - timedelta(days=policy.days_for("")))

    snoozing = session.exec(select(exists().where(snooze.team_id == sc.team_id, snooze.until > now))).one()

    def not_snoozed(column):            # nothing to test per row while nobody is snoozed
        return ~exists().where(snooze.team_id == sc.team_id, column, snooze.until > now) if snoozing else true()

    lead_where_ = [Lead.team_id == sc.team_id, Lead.status.not_in(followup.CLOSED_LEAD_STATUSES),
                   func.coalesce(Lead.last_contacted_at, Lead.created_at) < threshold(Lead.rating),
                   not_snoozed(snooze.lead_id == Lead.id)]
    if sc.flt.user_ids:
        lead_where_.append(Lead.owner_id.in_(sc.flt.user_ids))
    if sc.segment:
        lead_where_.extend(sc.segment)
    # A contact's rating is its lead's: only contacts whose last touch falls between the
    # shortest and the longest interval need that lookup, the rest are decided by the date.
    days = [policy.days_for(r) for r in (Rating.HOT.value, Rating.WARM.value, Rating.COLD.value, "")]
    touch = func.coalesce(Contact.last_contacted_at, Contact.created_at)
    rating = (select(Lead.rating).where(Lead.id == Contact.lead_id, Lead.team_id == sc.team_id)
              .scalar_subquery())
    overdue = case((touch < now - timedelta(days=max(days)), True),
                   (touch >= now - timedelta(days=min(days)), False),
                   else_=touch < threshold(func.coalesce(rating, "")))
    return lead_where_, [overdue, not_snoozed(snooze.contact_id == Contact.id)]


def going_cold(session: Session, sc: Scope, now: datetime | None = None) -> int:
    """How many leads and contacts the follow-up queue holds as overdue, for the reps in the
    filter (everyone if none) and the segment; see _cold_conditions."""
    now = now or utcnow()
    lead_where_, overdue = _cold_conditions(session, sc, now)
    contact_where_ = [Contact.team_id == sc.team_id, *overdue]
    if sc.flt.user_ids:
        contact_where_.append(Contact.owner_id.in_(sc.flt.user_ids))
    if sc.segment:
        contact_where_.append(Contact.lead_id.in_(segment_leads(sc)))
    leads = session.exec(select(func.count()).select_from(Lead).where(*lead_where_)).one()
    contacts = session.exec(select(func.count()).select_from(Contact).where(*contact_where_)).one()
    return int(leads) + int(contacts)


# --- KPI tiles ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kpi:
    key: str
    value: float | None
    previous: float | None
    is_money: bool = False
    is_rate: bool = False

    @property
    def change(self) -> float | None:
        """Relative change against the previous period (None when there is nothing to compare)."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / abs(self.previous)


def _period_kpis(session: Session, sc: Scope, counts: pd.DataFrame
                 ) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """The tiles' numbers for the range and the one before it (the previous period ends where
    the range starts): leads from lead_counts' `counts`, deals in one query."""
    before = sc.previous()

    def leads_of(current: bool) -> tuple[int, int]:
        period = counts[counts["current"] == current]
        return int(period["count"].sum()), int(period.loc[period["status"] == CONVERTED, "count"].sum())
    leads = (*leads_of(True), *leads_of(False))

    def created(scope_):
        return and_(Deal.created_at >= scope_.start, Deal.created_at < scope_.end, Deal.stage.not_in(CLOSED))

    def closed_won(scope_):
        return and_(Deal.close_date >= scope_.flt.date_from, Deal.close_date <= scope_.flt.date_to,
                    Deal.stage == WON)

    deals = session.exec(select(_money_sum(sc, created(sc)), _money_sum(sc, closed_won(sc)),
                                _money_sum(sc, created(before)), _money_sum(sc, closed_won(before)))
                         .where(*deal_where(sc, by=None), or_(
                             and_(Deal.created_at >= before.start, Deal.created_at < sc.end,
                                  Deal.stage.not_in(CLOSED)),
                             and_(Deal.close_date >= before.flt.date_from, Deal.close_date <= sc.flt.date_to,
                                  Deal.stage == WON)))).one()

    def period(n, converted, pipeline, won):
        return {"new_leads": int(n), "conversion_rate": ratio(converted, n), "pipeline": _money(pipeline),
                "won_revenue": _money(won)}
    return (period(leads[0], leads[1], deals[0], deals[1]), period(leads[2], leads[3], deals[2], deals[3]))


def kpis(session: Session, sc: Scope, going_cold_now: int, counts: pd.DataFrame) -> list[Kpi]:
    """`counts` from lead_counts."""
    now, before = _period_kpis(session, sc, counts)
    return [
        Kpi("new_leads", now["new_leads"], before["new_leads"]),
        Kpi("conversion_rate", now["conversion_rate"], before["conversion_rate"], is_rate=True),
        Kpi("pipeline", now["pipeline"], before["pipeline"], is_money=True),
        Kpi("won_revenue", now["won_revenue"], before["won_revenue"], is_money=True),
        Kpi("going_cold", going_cold_now, None),
    ]


# --- The whole dashboard ------------------------------------------------------------------------

@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    members: dict[int, str]
    kpis: list[Kpi]
    volume: Volume
    responses: ResponseRates
    funnel: pd.DataFrame
    sources: SourcePerformance
    reps: pd.DataFrame
    roi: pd.DataFrame
    campaigns: pd.DataFrame
    health: Health
    forms: form_stats.FormFunnel | None
    other_currencies: dict[str, float] = field(default_factory=dict)


def other_currency_revenue(session: Session, sc: Scope) -> dict[str, float]:
    """Won revenue closing in the range in currencies other than the one shown."""
    rows = session.exec(select(Deal.currency, func.sum(Deal.amount))
                        .where(*deal_where(sc, by="close"), Deal.stage == WON, Deal.currency != sc.currency)
                        .group_by(Deal.currency)).all()
    return {currency: _money(amount) for currency, amount in rows if amount}


def _tune(session: Session, sc: Scope) -> None:
    """PostgreSQL settings for this transaction's dashboard statements, each measured with
    bench/analytics.py: no JIT (on a big team the cost estimates pass jit_above_cost and
    compiling took ~0.4 s a statement, more than running it); sorts for the medians and hashes
    of contacts and touches in memory (the 4 MB default spilled them to disk); index look-ups
    priced as the cached reads they are (won deals and campaign members join their leads by
    key instead of hashing every lead); no parallel workers (the dashboard already reads on
    two connections, db.alongside)."""
    if sc.dialect == "postgresql":
        session.execute(text("SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true), "
                             "set_config('random_page_cost', '1.1', true), "
                             "set_config('max_parallel_workers_per_gather', '0', true)"))


def dashboard(*, session: Session, ctx: TeamContext, flt: AnalyticsFilter,
              now: datetime | None = None) -> Dashboard:
    """Every chart and tile of the analytics page for one filter.

    On PostgreSQL the charts that read leads, deals, contacts and tasks run on a second
    connection while this one refreshes the outreach rollup and reads the outreach charts
    (db.alongside: only when this transaction has no writes of its own)."""
    sc = scope(session=session, ctx=ctx, flt=flt)
    _tune(session, sc)
    members = dict(team_members(session=session, ctx=ctx))

    def records(other: Session) -> dict[str, Any]:
        _tune(other, sc)
        state = health(other, sc, now)
        counts = lead_counts(other, sc)
        return {"health": state, "kpis": kpis(other, sc, state.going_cold, counts),
                "sources": lead_sources(other, sc, counts),
                "roi": roi(other, sc), "campaigns": campaign_performance(other, sc),
                "forms": form_stats.funnel(session=other, sc=sc),
                "other_currencies": other_currency_revenue(other, sc)}

    with alongside(session, records) as others:
        sc.extra["rollup"] = rollups.ensure_fresh(session, sc)
        breakdown = outreach_breakdown(session, sc)
        charts = {"volume": outreach_volume(session, sc, members),
                  "responses": response_rates(breakdown, members),
                  "funnel": channel_funnel(session, sc, breakdown),
                  "reps": rep_performance(session, sc, breakdown, members)}
    return Dashboard(scope=sc, members=members, **charts, **others.result())
