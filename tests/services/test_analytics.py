"""Analytics numbers against hand-computed answers on a small known data set
(tests/services/analytics_data.py explains the rows), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from leadhub.services import followup
from leadhub.services.analytics import metrics, timebuckets
from leadhub.services.analytics.drilldown import drilldown
from leadhub.services.analytics.filters import AnalyticsFilter, make_filter, preset_range
from leadhub.services.errors import PermissionDenied, ValidationFailed
from leadhub.services.models import Outreach, OutreachType
from tests.services import analytics_data
from tests.services.analytics_data import LAST, NOW, known_filter, utc

P, E, C, S = (int(OutreachType.PLATFORM), int(OutreachType.EMAIL), int(OutreachType.CALL),
              int(OutreachType.SOCIAL))


@pytest.fixture
def known(session, team_a, team_b):
    return analytics_data.build(session, team_a, team_b)


def board(session, ctx, **changes):
    return metrics.dashboard(session=session, ctx=ctx, flt=known_filter(**changes), now=NOW)


def non_zero(frame, key):
    return {(str(b), k): n for b, k, n in zip(frame["bucket"], frame[key], frame["count"]) if n}


# --- Volume -------------------------------------------------------------------------------------

def test_volume_per_day_follows_madrid_days_across_the_spring_dst_change(session, team_a, known):
    volume = board(session, team_a.manager_ctx).volume
    assert len(volume.buckets) == 14 and volume.buckets[0] == date(2026, 3, 23)
    assert non_zero(volume.by_type, "type") == {
        ("2026-03-23", E): 1,   # o1: 23:30 UTC the day before
        ("2026-03-24", P): 1, ("2026-03-25", S): 1, ("2026-03-26", C): 1,
        ("2026-03-29", P): 1,   # o3: 00:30 CET
        ("2026-03-30", P): 1,   # o4: 00:30 CEST (22:30 UTC)
        ("2026-04-05", C): 1,   # o5: 23:59 CEST; o6 a minute later is outside
    }
    assert len(volume.by_type) == 14 * 5                   # empty days are there, as zeros
    assert volume.by_type["count"].sum() == 7


def test_volume_per_week_month_and_rep(session, team_a, known):
    weekly = board(session, team_a.manager_ctx, grain="week").volume
    assert {str(b): n for b, n in weekly.by_type.groupby("bucket")["count"].sum().items()} == {
        "2026-03-23": 5, "2026-03-30": 2}
    monthly = board(session, team_a.manager_ctx, grain="month").volume
    assert {str(b): n for b, n in monthly.by_type.groupby("bucket")["count"].sum().items()} == {
        "2026-03-01": 6, "2026-04-01": 1}
    per_rep = weekly.by_rep.groupby("user_id")["count"].sum().to_dict()
    assert per_rep == {team_a.rep.id: 5, team_a.rep2.id: 2}
    assert set(weekly.by_rep["name"]) == {"Raúl Rep", "Rosa Rep"}


def test_volume_filters_by_type_channel_and_rep(session, team_a, known):
    volume = board(session, team_a.manager_ctx, types=(P,), grain="week").volume
    assert set(volume.by_type["type"]) == {P} and volume.by_type["count"].sum() == 3
    volume = board(session, team_a.manager_ctx, channels=("LinkedIn",)).volume
    assert volume.by_type["count"].sum() == 1
    volume = board(session, team_a.manager_ctx, user_ids=(team_a.rep2.id,)).volume
    assert volume.by_type["count"].sum() == 2


def test_an_empty_period_gives_zero_buckets_not_an_error(session, team_a, known):
    flt = AnalyticsFilter(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31), grain="week")
    result = metrics.dashboard(session=session, ctx=team_a.manager_ctx, flt=flt, now=NOW)
    assert result.volume.by_type["count"].sum() == 0 and len(result.volume.buckets) == 5
    assert result.funnel.empty and result.reps.empty and result.sources.table.empty
    assert [k.value for k in result.kpis[:4]] == [0, None, 0.0, 0.0]


def test_autumn_dst_change_and_half_hour_zones(session, team_a, known):
    """Direct bucket checks: 25 Oct 2026 has 25 hours in Madrid; Kolkata is UTC+05:30."""
    rows = [utc(2026, 10, 24, 21, 59), utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 22, 59),
            utc(2026, 10, 25, 23, 0)]
    for at in rows:
        session.add(Outreach(team_id=team_a.team.id, user_id=team_a.rep.id, type=E, description="x",
                             occurred_at=at))
    session.commit()
    flt = AnalyticsFilter(date_from=date(2026, 10, 24), date_to=date(2026, 10, 26), grain="day")
    volume = metrics.dashboard(session=session, ctx=team_a.manager_ctx, flt=flt, now=NOW).volume
    totals = {str(b): n for b, n in volume.by_type.groupby("bucket")["count"].sum().items()}
    assert totals == {"2026-10-24": 1, "2026-10-25": 2, "2026-10-26": 1}

    for at in (utc(2026, 10, 25, 18, 29), utc(2026, 10, 25, 18, 30)):   # 23:59 and 00:00 in Kolkata
        session.add(Outreach(team_id=team_a.team.id, user_id=team_a.rep.id, type=E, description="x",
                             occurred_at=at))
    team_a.team.timezone = "Asia/Kolkata"
    session.add(team_a.team)
    session.commit()
    flt = AnalyticsFilter(date_from=date(2026, 10, 25), date_to=date(2026, 10, 26), grain="day")
    volume = metrics.dashboard(session=session, ctx=team_a.manager_ctx, flt=flt, now=NOW).volume
    totals = {str(b): n for b, n in volume.by_type.groupby("bucket")["count"].sum().items()}
    # 21:59/22:00 UTC on the 24th are 03:29/03:30 on the 25th; 18:29 UTC on the 25th is 23:59
    assert totals == {"2026-10-25": 3, "2026-10-26": 3}


def test_offset_periods_find_the_exact_dst_instants():
    madrid = ZoneInfo("Europe/Madrid")
    periods = timebuckets.offset_periods(madrid, utc(2026, 1, 1), utc(2027, 1, 1))
    assert periods == [(utc(2026, 1, 1), 3600), (utc(2026, 3, 29, 1, 0), 7200), (utc(2026, 10, 25, 1, 0), 3600)]
    assert timebuckets.buckets(date(2026, 3, 23), date(2026, 4, 5), "week") == [date(2026, 3, 23), date(2026, 3, 30)]
    assert timebuckets.buckets(date(2026, 1, 31), date(2026, 3, 1), "month") == [
        date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


# --- Responses and funnel -----------------------------------------------------------------------

def test_response_rates_per_type_rep_and_call_outcomes(session, team_a, known):
    rates = board(session, team_a.manager_ctx).responses
    by_type = {r["type"]: r for r in rates.by_type.to_dict("records")}
    assert (by_type[P]["total"], by_type[P]["delivered"], by_type[P]["responded"], by_type[P]["positive"]) == (3, 3, 2, 1)
    assert by_type[P]["response_rate"] == pytest.approx(2 / 3) and by_type[P]["positive_rate"] == pytest.approx(1 / 3)
    assert (by_type[E]["response_rate"], by_type[C]["response_rate"], by_type[S]["response_rate"]) == (1.0, 0.5, 0.0)
    assert by_type[S]["delivered"] == 0 and by_type[S]["bounced"] == 1
    by_rep = {r["user_id"]: r for r in rates.by_rep.to_dict("records")}
    assert (by_rep[team_a.rep.id]["total"], by_rep[team_a.rep.id]["delivered"]) == (5, 4)
    assert by_rep[team_a.rep.id]["response_rate"] == 0.75 and by_rep[team_a.rep2.id]["response_rate"] == 0.5
    assert {(r["name"], r["outcome"], r["count"]) for r in rates.call_outcomes.to_dict("records")} == {
        ("Raúl Rep", "no_answer", 1), ("Rosa Rep", "connected", 1)}
    by_channel = {r["label"]: r["total"] for r in rates.by_channel.to_dict("records")}
    assert by_channel == {"Platform: Upwork": 3, "Call": 2, "E-mail": 1, "Social: LinkedIn": 1}


def test_response_rates_match_the_outreach_service(session, team_a, known):
    from leadhub.services import outreach as outreach_service

    theirs = outreach_service.response_rates(session=session, ctx=team_a.manager_ctx, by="type",
                                             filters=outreach_service.OutreachFilter(
                                                 date_from=analytics_data.FIRST, date_to=LAST))
    ours = {r["type"]: r for r in board(session, team_a.manager_ctx).responses.by_type.to_dict("records")}
    for row in theirs:
        assert (ours[int(row.key)]["total"], ours[int(row.key)]["responded"]) == (row.total, row.responded)
        assert ours[int(row.key)]["response_rate"] == pytest.approx(row.response_rate)


def test_channel_funnel_counts_rates_and_median_times(session, team_a, known):
    funnel = {r["label"]: r for r in board(session, team_a.manager_ctx).funnel.to_dict("records")}
    upwork = funnel["Platform: Upwork"]
    assert (upwork["outreach"], upwork["contacts"], upwork["deals"], upwork["won"]) == (3, 2, 2, 2)
    assert upwork["revenue"] == 1000.0                        # d2 is in USD: counted, not summed
    assert upwork["contact_rate"] == pytest.approx(2 / 3) and upwork["win_rate"] == 1.0
    assert upwork["hours_to_contact"] == pytest.approx(8.25)  # 12.5 h and 4 h
    assert upwork["days_to_deal"] == pytest.approx(2.0)       # 1 and 3 days
    assert upwork["days_to_won"] == pytest.approx(5.0)        # 3 and 7 local days
    email = funnel["E-mail"]
    assert (email["outreach"], email["contacts"], email["deals"], email["won"]) == (1, 1, 1, 0)
    assert email["hours_to_contact"] == pytest.approx(3.0) and email["days_to_won"] is None
    assert (funnel["Call"]["outreach"], funnel["Call"]["contacts"], funnel["Call"]["deal_rate"]) == (2, 0, None)


# --- Leads, reps, ROI, campaigns ------------------------------------------------------------------

def test_lead_source_performance_and_leads_by_status(session, team_a, known):
    sources = board(session, team_a.manager_ctx).sources
    table = {r["lead_source"]: r for r in sources.table.to_dict("records")}
    assert set(table) == {"Web Form", "Upwork"}
    web = table["Web Form"]
    assert (web["leads"], web["qualified"], web["converted"], web["won"], web["revenue"]) == (2, 2, 1, 1, 0.0)
    assert web["conversion_rate"] == 0.5
    assert (table["Upwork"]["leads"], table["Upwork"]["won"], table["Upwork"]["revenue"]) == (1, 1, 1000.0)
    assert {(r["lead_source"], r["status"], r["count"]) for r in sources.by_status.to_dict("records")} == {
        ("Web Form", "Qualified", 1), ("Web Form", "Converted", 1), ("Upwork", "New", 1)}


def test_rep_performance(session, team_a, known):
    reps = {r["user_id"]: r for r in board(session, team_a.manager_ctx).reps.to_dict("records")}
    raul, rosa = reps[team_a.rep.id], reps[team_a.rep2.id]
    assert (raul["outreach"], raul["leads_touched"], raul["conversions"], raul["won"], raul["revenue"]) == (
        5, 2, 1, 2, 1000.0)
    assert raul["first_touch_hours"] == pytest.approx(50.0)     # L1 74 h, L2 26 h
    assert (rosa["outreach"], rosa["leads_touched"], rosa["conversions"], rosa["won"], rosa["revenue"]) == (
        2, 0, 0, 1, 300.0)
    assert rosa["first_touch_hours"] is None


def test_roi_prorates_monthly_costs_and_keeps_currencies_apart(session, team_a, known):
    roi = {r["label"]: r for r in board(session, team_a.manager_ctx).roi.to_dict("records")}
    upwork = roi["Platform: Upwork"]
    assert (upwork["won"], upwork["revenue"], upwork["cost"]) == (2, 1000.0, 140.0)   # 310·9/31 + 300·5/30
    assert upwork["net"] == 860.0 and upwork["roi"] == pytest.approx(1000 / 140)
    assert (roi["Social: LinkedIn"]["cost"], roi["Social: LinkedIn"]["net"], roi["Social: LinkedIn"]["roi"]) == (
        18.0, -18.0, 0.0)
    assert (roi["E-mail"]["revenue"], roi["E-mail"]["cost"], roi["E-mail"]["roi"]) == (300.0, 0.0, None)
    usd = {r["label"]: r for r in board(session, team_a.manager_ctx, currency="USD").roi.to_dict("records")}
    assert (usd["Platform: Upwork"]["revenue"], usd["Platform: Upwork"]["cost"]) == (500.0, round(999 * 9 / 31, 2))


def test_campaign_performance(session, team_a, known):
    campaigns = {r["name"]: r for r in board(session, team_a.manager_ctx).campaigns.to_dict("records")}
    assert set(campaigns) == {"Webinar", "Always on"}            # "Later" starts in May
    webinar = campaigns["Webinar"]
    assert (webinar["leads"], webinar["qualified"], webinar["converted"], webinar["won"], webinar["revenue"]) == (
        3, 3, 2, 2, 300.0)
    assert webinar["roi"] == pytest.approx(300 / 800)
    assert (campaigns["Always on"]["revenue"], campaigns["Always on"]["roi"]) == (1000.0, 2.0)


def test_relationship_health(session, team_a, known):
    health = board(session, team_a.manager_ctx).health
    assert dict(zip(health.last_touch["bucket"], health.last_touch["count"])) == {
        "< 7 days": 2, "7–30 days": 0, "30–90 days": 1, "> 90 days": 0, "never": 1}
    assert dict(zip(health.touches["bucket"], health.touches["count"])) == {
        "0": 2, "1": 1, "2": 1, "3–5": 0, "6–10": 0, "11+": 0}
    assert dict(zip(health.followups["bucket"], health.followups["count"])) == {
        "overdue": 1, "today": 1, "next 7 days": 1, "later": 1}
    assert health.going_cold == followup.going_cold_count(session=session, ctx=team_a.manager_ctx,
                                                          everyone=True, now=NOW)


def test_going_cold_counts_what_the_follow_up_queue_holds(session, team_a, known):
    """The dashboard counts with thresholds; the queue ranks row by row: same records."""
    from datetime import timedelta

    from leadhub.services.models import Lead

    for key, rating, last in (("L1", "Hot", NOW - timedelta(days=3)), ("L3", "Warm", NOW - timedelta(days=6)),
                              ("L5", "Cold", NOW - timedelta(days=31))):
        lead = session.get(Lead, known[key])
        lead.rating, lead.last_contacted_at = rating, last
        session.add(lead)
    from leadhub.services.models import Contact

    # contacts take their lead's rating: c1 (Hot lead, 3 days) is overdue, c3 (no lead, 20 days)
    # too; c2 (Warm lead, 10 days) as well; c4 (Cold lead, 20 days) is not
    for key, lead_key, last in (("c1", "L1", NOW - timedelta(days=3)), ("c3", None, NOW - timedelta(days=20)),
                                ("c2", "L3", NOW - timedelta(days=10)), ("c4", "L5", NOW - timedelta(days=20))):
        contact = session.get(Contact, known[key])
        contact.lead_id, contact.last_contacted_at = (known[lead_key] if lead_key else None), last
        session.add(contact)
    session.commit()
    followup.snooze(session=session, ctx=team_a.admin_ctx, kind="lead", record_id=known["L5"],
                    until="2099-01-01")
    session.commit()
    for ctx, users in ((team_a.manager_ctx, ()), (team_a.manager_ctx, (team_a.rep.id,)),
                       (team_a.rep2_ctx, ())):
        counted = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(user_ids=users), now=NOW)
        expected = (followup.going_cold_count(session=session, ctx=team_a.manager_ctx, everyone=True, now=NOW)
                    if not users and ctx.is_manager else
                    followup.going_cold_count(session=session, ctx=team_a.manager_ctx,
                                              rep_id=(users or (ctx.user_id,))[0], now=NOW))
        assert counted.health.going_cold == expected > 0
    # with an outreach-type filter the health charts count other contacts, going cold does not change
    everyone = metrics.dashboard(session=session, ctx=team_a.manager_ctx, flt=known_filter(), now=NOW)
    calls = metrics.dashboard(session=session, ctx=team_a.manager_ctx, flt=known_filter(types=(C,)), now=NOW)
    assert calls.health.going_cold == everyone.health.going_cold
    assert calls.health.last_touch["count"].sum() < everyone.health.last_touch["count"].sum()


def test_kpis_against_the_previous_period(session, team_a, known):
    result = board(session, team_a.manager_ctx)
    tiles = {k.key: k for k in result.kpis}
    assert (tiles["new_leads"].value, tiles["new_leads"].previous, tiles["new_leads"].change) == (3, 2, 0.5)
    assert tiles["conversion_rate"].value == pytest.approx(1 / 3) and tiles["conversion_rate"].previous == 0.5
    assert (tiles["pipeline"].value, tiles["pipeline"].previous, tiles["pipeline"].change) == (2000.0, 0.0, None)
    assert (tiles["won_revenue"].value, tiles["won_revenue"].previous) == (1300.0, 0.0)
    assert result.other_currencies == {"USD": 500.0}
    assert result.forms is None or result.forms.rows == []        # no web forms in this team


# --- Drill-down lists match the charts -------------------------------------------------------------

def drill_total(session, ctx, spec, **changes):
    return drilldown(session=session, ctx=ctx, flt=known_filter(**changes), spec=spec, now=NOW).total


def test_drilldown_totals_equal_the_chart_numbers(session, team_a, known):
    ctx = team_a.manager_ctx
    result = board(session, ctx, grain="week")
    for row in result.volume.by_type.to_dict("records"):
        spec = {"object": "outreach", "bucket": str(row["bucket"]), "grain": "week", "type": row["type"]}
        assert drill_total(session, ctx, spec, grain="week") == row["count"], spec
    for row in result.volume.by_rep.to_dict("records"):
        spec = {"object": "outreach", "bucket": str(row["bucket"]), "grain": "week", "user_id": row["user_id"]}
        assert drill_total(session, ctx, spec, grain="week") == row["count"], spec
    for row in result.funnel.to_dict("records"):
        key = {"type": row["type"], "channel": row["channel"]}
        assert drill_total(session, ctx, {"object": "outreach", **key}) == row["outreach"]
        assert drill_total(session, ctx, {"object": "contacts", "basis": "funnel", **key}) == row["contacts"]
        assert drill_total(session, ctx, {"object": "deals", "basis": "funnel", **key}) == row["deals"]
        assert drill_total(session, ctx, {"object": "deals", "basis": "funnel", "won": True, **key}) == row["won"]
    for row in result.responses.by_rep.to_dict("records"):
        spec = {"object": "outreach", "user_id": row["user_id"], "response": "responded"}
        assert drill_total(session, ctx, spec) == row["responded"]
    for row in result.sources.by_status.to_dict("records"):
        spec = {"object": "leads", "lead_source": row["lead_source"], "status": row["status"]}
        assert drill_total(session, ctx, spec) == row["count"]
    for row in result.sources.table.to_dict("records"):
        spec = {"object": "deals", "basis": "source", "lead_source": row["lead_source"]}
        assert drill_total(session, ctx, spec) == row["won"]
    for row in result.reps.to_dict("records"):
        user = {"user_id": row["user_id"]}
        assert drill_total(session, ctx, {"object": "leads", "basis": "touched", **user}) == row["leads_touched"]
        assert drill_total(session, ctx, {"object": "leads", "basis": "converted", **user}) == row["conversions"]
        assert drill_total(session, ctx, {"object": "deals", "basis": "won", **user}) == row["won"]
    for row in result.roi.to_dict("records"):
        spec = {"object": "deals", "basis": "roi", "type": row["type"], "channel": row["channel"]}
        assert drill_total(session, ctx, spec) == row["won"]
    for row in result.campaigns.to_dict("records"):
        campaign = {"campaign_id": row["campaign_id"]}
        assert drill_total(session, ctx, {"object": "leads", "basis": "campaign", **campaign}) == row["leads"]
        assert drill_total(session, ctx, {"object": "deals", "basis": "campaign", **campaign}) == row["won"]
    for frame, basis in ((result.health.last_touch, "age"), (result.health.touches, "touches")):
        for bucket, count in zip(frame["bucket"], frame["count"]):
            assert drill_total(session, ctx, {"object": "contacts", "basis": basis, "bucket": bucket}) == count
    for bucket, count in zip(result.health.followups["bucket"], result.health.followups["count"]):
        assert drill_total(session, ctx, {"object": "tasks", "bucket": bucket}) == count
    tiles = {k.key: k.value for k in result.kpis}
    assert drill_total(session, ctx, {"object": "leads"}) == tiles["new_leads"]


def test_drilldown_lists_one_page_of_the_right_rows(session, team_a, known):
    spec = {"object": "outreach", "bucket": "2026-03-29", "grain": "day", "type": P}
    page = drilldown(session=session, ctx=team_a.manager_ctx, flt=known_filter(), spec=spec, now=NOW)
    assert page.total == 1 and [r.id for r in page.items] == [known["o3"]]
    assert page.items[0].owner == "Raúl Rep" and page.items[0].status == "positive"
    page = drilldown(session=session, ctx=team_a.manager_ctx, flt=known_filter(),
                     spec={"object": "outreach"}, page=2, page_size=5, now=NOW)
    assert page.total == 7 and len(page.items) == 2


def test_drilldown_refuses_unknown_keys(session, team_a, known):
    for spec in ({"object": "users"}, {"object": "outreach", "sql": "1=1"},
                 {"object": "leads", "basis": "nope"}, {"object": "outreach", "response": "x"}):
        with pytest.raises(ValidationFailed):
            drilldown(session=session, ctx=team_a.manager_ctx, flt=known_filter(), spec=spec, now=NOW)


# --- Who sees what -----------------------------------------------------------------------------

def test_reps_see_only_their_own_numbers_and_no_costs(session, team_a, known):
    result = board(session, team_a.rep2_ctx)
    assert result.scope.flt.user_ids == (team_a.rep2.id,)
    assert result.volume.by_type["count"].sum() == 2
    assert set(result.reps["user_id"]) == {team_a.rep2.id}
    assert all(cost == 0 for cost in result.roi["cost"])
    with pytest.raises(PermissionDenied):
        board(session, team_a.rep2_ctx, user_ids=(team_a.rep.id,))
    with pytest.raises(PermissionDenied):
        drilldown(session=session, ctx=team_a.rep2_ctx, flt=known_filter(user_ids=(team_a.rep.id,)),
                  spec={"object": "outreach"})
    own = drilldown(session=session, ctx=team_a.rep2_ctx, flt=known_filter(), spec={"object": "outreach"})
    assert own.total == 2


def test_another_teams_rows_never_count(session, team_a, team_b, known):
    result = board(session, team_b.manager_ctx)
    assert result.volume.by_type["count"].sum() == 1
    assert [k.value for k in result.kpis if k.key == "won_revenue"] == [99999.0]
    ours = board(session, team_a.manager_ctx)
    assert 99999.0 not in set(ours.roi["revenue"])
    page = drilldown(session=session, ctx=team_b.manager_ctx, flt=known_filter(),
                     spec={"object": "deals", "basis": "funnel"})
    assert page.total == 0


# --- Filters -----------------------------------------------------------------------------------

def test_presets_and_custom_ranges(team_a):
    today = date(2026, 5, 15)
    assert preset_range("last_7_days", today) == (date(2026, 5, 9), today)
    assert preset_range("last_month", today) == (date(2026, 4, 1), date(2026, 4, 30))
    assert preset_range("this_quarter", today) == (date(2026, 4, 1), today)
    assert preset_range("last_quarter", today) == (date(2026, 1, 1), date(2026, 3, 31))
    assert preset_range("last_12_months", date(2026, 2, 28)) == (date(2025, 3, 1), date(2026, 2, 28))
    flt = make_filter(team=team_a.team, preset="custom", date_from="2026-03-01", date_to="2026-03-31")
    assert (flt.days, flt.previous().date_from, flt.previous().date_to) == (
        31, date(2026, 1, 29), date(2026, 2, 28))
    with pytest.raises(ValidationFailed) as error:
        make_filter(team=team_a.team, preset="custom", date_from="2026-03-31", date_to="2026-03-01")
    assert "date_to" in error.value.field_errors
    with pytest.raises(ValidationFailed):
        make_filter(team=team_a.team, preset="custom", date_from="2020-01-01", date_to="2026-03-01")


def test_lead_source_and_campaign_filters_reach_outreach_and_deals(session, team_a, known):
    result = board(session, team_a.manager_ctx, lead_sources=("Web Form",))
    assert result.volume.by_type["count"].sum() == 2                 # o7 (L2) and o8 (L1)
    assert {k.key: k.value for k in result.kpis}["won_revenue"] == 0.0   # d2 is USD
    result = board(session, team_a.manager_ctx, campaign_ids=(known["campC"],))
    assert {k.key: k.value for k in result.kpis}["won_revenue"] == 1000.0
    assert {k.key: k.value for k in result.kpis}["new_leads"] == 1


def test_web_form_funnel_from_the_forms_feature(session, team_a, known):
    """Views → submissions → qualified → converted per form; drill-down lists its leads."""
    forms = pytest.importorskip("leadhub.services.forms")

    form = forms.WebForm(team_id=team_a.team.id, key="analytics-form-1", name="Contacto web")
    session.add(form)
    session.flush()
    session.add(forms.FormViewDay(team_id=team_a.team.id, form_id=form.id, day=date(2026, 3, 24), views=40))
    session.add(forms.FormViewDay(team_id=team_a.team.id, form_id=form.id, day=date(2026, 2, 1), views=99))
    for lead_key, at, created in (("L1", utc(2026, 3, 23, 8, 0), True), ("L2", utc(2026, 3, 24, 8, 0), True),
                                  ("L4", utc(2026, 3, 25, 8, 0), False), ("L5", utc(2026, 3, 22, 22, 59), True)):
        session.add(forms.FormSubmission(team_id=team_a.team.id, form_id=form.id, lead_id=known[lead_key],
                                         created_lead=created, submitted_at=at))
    session.commit()
    result = board(session, team_a.manager_ctx)
    assert result.forms.rows == [{"form_id": form.id, "name": "Contacto web", "views": 40, "submissions": 3,
                                  "qualified": 2, "converted": 1}]   # L5 came in the day before
    assert drill_total(session, team_a.manager_ctx, {"object": "leads", "basis": "form"}) == 2
    assert drill_total(session, team_a.manager_ctx, {"object": "leads", "basis": "form", "stage": "converted"}) == 1
