"""The outreach rollup the dashboard reads: after every kind of write (ORM, services, Core bulk
statements, deletes, lead merges, a time-zone change) it gives exactly what a scan of
`outreach` gives, and the hand-computed numbers of the known data set follow the edits.
Also the segment filter: every chart follows a lead segment. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import delete, func, update
from sqlmodel import select

from leadhub.services import merge, outreach as outreach_service, removal, segments
from leadhub.services.analytics import metrics, rollups
from leadhub.services.analytics.drilldown import drilldown
from leadhub.services.analytics.filters import scope, team_members
from leadhub.services.analytics.models import OutreachDay, OutreachDirty, OutreachMonth, RollupState
from leadhub.services.errors import NotFound, ValidationFailed
from leadhub.services.models import Outreach, OutreachType, Team
from tests.services import analytics_data
from tests.services.analytics_data import NOW, known_filter, utc

P, E, C, S = (int(OutreachType.PLATFORM), int(OutreachType.EMAIL), int(OutreachType.CALL),
              int(OutreachType.SOCIAL))


@pytest.fixture
def known(session, team_a, team_b):
    return analytics_data.build(session, team_a, team_b)


def frames(session, ctx, use_rollup: bool, dates=None, **changes):
    """(volume by type, volume by rep, breakdown) as sorted plain rows, from the rollup or a scan."""
    flt = known_filter(**changes)
    if dates:
        flt = replace(flt, date_from=dates[0], date_to=dates[1])
    sc = scope(session=session, ctx=ctx, flt=flt)
    if use_rollup:
        assert rollups.ensure_fresh(session, sc)
    sc.extra["rollup"] = use_rollup
    members = dict(team_members(session=session, ctx=ctx))
    volume = metrics.outreach_volume(session, sc, members)
    breakdown = metrics.outreach_breakdown(session, sc)

    def rows(frame):
        return sorted(tuple(str(v) for v in row) for row in frame.itertuples(index=False))
    return rows(volume.by_type), rows(volume.by_rep), rows(breakdown)


RANGES = (None,                                         # 23 March – 5 April: two partial months
          (date(2026, 2, 15), date(2026, 4, 5)),       # March whole, from the month rows
          (date(2026, 3, 1), date(2026, 4, 30)),       # two whole months
          (date(2026, 3, 1), date(2026, 3, 31)),
          (date(2026, 1, 1), date(2026, 12, 31)))


def assert_rollup_matches_scan(session, ctx, **changes):
    for dates in RANGES:
        for grain in ("day", "week", "month"):
            fast = frames(session, ctx, True, dates=dates, grain=grain, **changes)
            slow = frames(session, ctx, False, dates=dates, grain=grain, **changes)
            assert fast == slow, (dates, grain, changes)


def daily(session, ctx, **changes):
    volume = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(**changes), now=NOW).volume
    return {(str(b), t): n for b, t, n in zip(volume.by_type["bucket"], volume.by_type["type"],
                                              volume.by_type["count"]) if n}


def test_the_dashboard_reads_the_rollup_and_it_matches_a_scan(session, team_a, known):
    result = metrics.dashboard(session=session, ctx=team_a.manager_ctx, flt=known_filter(), now=NOW)
    assert result.scope.extra["rollup"] is True
    assert session.get(RollupState, team_a.team.id).timezone == "Europe/Madrid"
    assert session.exec(select(func.sum(OutreachMonth.count))
                        .where(OutreachMonth.team_id == team_a.team.id)).one() == 9     # o1–o9
    assert_rollup_matches_scan(session, team_a.manager_ctx)
    assert_rollup_matches_scan(session, team_a.manager_ctx, types=(P,), user_ids=(team_a.rep.id,))
    assert_rollup_matches_scan(session, team_a.manager_ctx, channels=("Upwork", "LinkedIn"))
    assert_rollup_matches_scan(session, team_a.rep2_ctx)
    # o1 (23:30 UTC) is on Madrid's 23 March, o5 at 23:59 CEST on 5 April, o6 a minute later is out
    assert daily(session, team_a.manager_ctx)[("2026-03-23", E)] == 1
    assert daily(session, team_a.manager_ctx)[("2026-04-05", C)] == 1
    # March whole comes from the month rows: o1, o3, o7, o8, o9 and o4 (00:30 on the 30th)
    march = frames(session, team_a.manager_ctx, True, dates=(date(2026, 3, 1), date(2026, 3, 31)))[2]
    assert sum(int(row[-1]) for row in march) == 6 + 1      # and o2 (23:59 on the 22nd)
    # filters through the lead are answered by a scan
    assert metrics.dashboard(session=session, ctx=team_a.manager_ctx, flt=known_filter(lead_sources=("Web Form",)),
                             now=NOW).scope.extra["rollup"] is False


def test_orm_and_service_writes_edits_and_deletes_are_counted(session, team_a, known):
    ctx = team_a.manager_ctx
    daily(session, ctx)                     # built
    session.commit()
    # a new e-mail on Monday 30 March, 01:30 Madrid (23:30 UTC the day before)
    logged = outreach_service.log_outreach(session=session, ctx=team_a.rep_ctx, type="email",
                                           description="new", occurred_at="2026-03-30 01:30",
                                           email="ana@example.es")
    session.commit()
    assert logged.occurred_at.astimezone().tzinfo is not None
    assert daily(session, ctx)[("2026-03-30", E)] == 1
    # an answer changes the status breakdown
    outreach_service.set_response(session=session, ctx=team_a.rep_ctx, outreach_id=logged.id,
                                  response_status="positive")
    session.commit()
    rates = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(), now=NOW).responses.by_type
    assert int(rates.loc[rates["type"] == E, "positive"].iloc[0]) == 1
    # o3 moved by the ORM from Sunday 29 to Tuesday 31 March, and made a social outreach
    o3 = session.get(Outreach, known["o3"])
    o3.occurred_at, o3.type, o3.channel = utc(2026, 3, 31, 9, 0), S, "LinkedIn"
    session.add(o3)
    session.commit()
    counts = daily(session, ctx)
    assert ("2026-03-29", P) not in counts and counts[("2026-03-31", S)] == 1
    # deleted through the service
    removal.delete_outreach(session=session, ctx=ctx, outreach_id=logged.id)
    session.commit()
    assert ("2026-03-30", E) not in daily(session, ctx)
    assert_rollup_matches_scan(session, ctx)
    assert session.exec(select(func.count()).select_from(OutreachDirty)
                        .where(OutreachDirty.team_id == team_a.team.id)).one() == 0


def test_core_bulk_statements_are_counted(session, team_a, known):
    ctx = team_a.manager_ctx
    daily(session, ctx)
    session.commit()
    session.execute(update(Outreach).where(Outreach.team_id == team_a.team.id, Outreach.type == P)
                    .values(user_id=team_a.rep2.id, response_status="replied"))
    session.execute(delete(Outreach).where(Outreach.id == known["o8"]))
    session.execute(Outreach.__table__.insert().values(
        team_id=team_a.team.id, user_id=team_a.rep.id, type=C, description="bulk", response_status="awaiting",
        call_outcome="busy", occurred_at=utc(2026, 4, 1, 10, 0), created_at=utc(2026, 4, 1, 10, 0)))
    session.commit()
    counts = daily(session, ctx)
    assert ("2026-03-26", C) not in counts and counts[("2026-04-01", C)] == 1
    volume = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(grain="week"), now=NOW).volume
    assert volume.by_rep.groupby("user_id")["count"].sum().to_dict() == {team_a.rep.id: 3, team_a.rep2.id: 4}
    assert_rollup_matches_scan(session, ctx)


def test_uncommitted_writes_count_in_their_own_transaction_only(session, team_a, known, engine):
    from sqlmodel import Session

    ctx = team_a.manager_ctx
    daily(session, ctx)
    session.commit()
    session.add(Outreach(team_id=team_a.team.id, user_id=team_a.rep.id, type=E, description="pending",
                         occurred_at=utc(2026, 4, 2, 10, 0)))
    session.flush()
    assert daily(session, ctx)[("2026-04-02", E)] == 1       # the writer sees its own row
    session.rollback()
    with Session(engine) as other:
        assert ("2026-04-02", E) not in daily(other, ctx)
        other.commit()
    assert ("2026-04-02", E) not in daily(session, ctx)


def test_a_lead_merge_keeps_the_numbers_right(session, team_a, known):
    ctx = team_a.manager_ctx
    before = daily(session, ctx)
    session.commit()
    merge.merge_leads(session=session, ctx=ctx, survivor_id=known["L2"], merged_ids=[known["L1"]])
    session.commit()
    assert session.get(Outreach, known["o8"]).lead_id == known["L2"]
    assert daily(session, ctx) == before
    assert_rollup_matches_scan(session, ctx)
    web = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(lead_sources=("Web Form",)), now=NOW)
    assert web.volume.by_type["count"].sum() == 2


def test_a_new_time_zone_rebuilds_the_days(session, team_a, known):
    ctx = team_a.manager_ctx
    assert daily(session, ctx)[("2026-03-23", E)] == 1            # o1: 00:30 in Madrid
    session.commit()
    team = session.get(Team, team_a.team.id)
    team.timezone = "America/Mexico_City"
    session.add(team)
    session.commit()
    counts = daily(session, ctx)
    assert ("2026-03-23", E) not in counts                        # 17:30 on the 22nd in Mexico City
    assert session.get(RollupState, team_a.team.id).timezone == "America/Mexico_City"
    assert_rollup_matches_scan(session, ctx)


def test_another_teams_marks_are_left_alone(session, team_a, team_b, known):
    daily(session, team_a.manager_ctx)
    session.commit()
    pending_b = session.exec(select(func.count()).select_from(OutreachDirty)
                             .where(OutreachDirty.team_id == team_b.team.id)).one()
    assert pending_b == 1
    assert session.exec(select(func.count()).select_from(OutreachDay)
                        .where(OutreachDay.team_id == team_b.team.id)).one() == 0
    result = metrics.dashboard(session=session, ctx=team_b.manager_ctx, flt=known_filter(), now=NOW)
    assert result.volume.by_type["count"].sum() == 1


# --- Segments as a filter ----------------------------------------------------------------------

@pytest.fixture
def web_segment(session, team_a, known):
    segment = segments.create_segment(session=session, ctx=team_a.manager_ctx, data={
        "name": "Formularios web", "entity": "lead", "match": "all",
        "conditions": [{"field": "lead_source", "operator": "equals", "value": "Web Form"}]})
    session.commit()
    return segment


def test_every_chart_follows_a_lead_segment(session, team_a, known, web_segment):
    ctx = team_a.manager_ctx
    by_segment = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(segment_id=web_segment.id), now=NOW)
    by_source = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(lead_sources=("Web Form",)), now=NOW)
    assert by_segment.scope.extra["rollup"] is False
    # Web Form leads: L1, L2 (in range) and L5 (the day before); outreach o7 (L2) and o8 (L1)
    assert by_segment.volume.by_type["count"].sum() == 2
    assert {k.key: k.value for k in by_segment.kpis}["new_leads"] == 2
    assert list(by_segment.sources.table["lead_source"]) == ["Web Form"]
    assert [(k.key, k.value, k.previous) for k in by_segment.kpis[:4]] == \
           [(k.key, k.value, k.previous) for k in by_source.kpis[:4]]
    everyone = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(), now=NOW)
    assert 0 < by_segment.kpis[4].value < everyone.kpis[4].value     # going cold: the segment's leads only
    for frame in ("funnel", "reps", "roi", "campaigns"):
        assert getattr(by_segment, frame).to_dict("records") == getattr(by_source, frame).to_dict("records"), frame
    assert by_segment.volume.by_type.to_dict("records") == by_source.volume.by_type.to_dict("records")
    # health: contacts whose lead is in the segment (none of c1–c4 has a lead) and their tasks
    assert by_segment.health.last_touch["count"].sum() == 0
    assert by_segment.health.followups["count"].sum() == 0
    # the drill-down behind a bar uses the same segment
    page = drilldown(session=session, ctx=ctx, flt=known_filter(segment_id=web_segment.id),
                     spec={"object": "outreach"}, now=NOW)
    assert sorted(r.id for r in page.items) == sorted([known["o7"], known["o8"]])
    leads = drilldown(session=session, ctx=ctx, flt=known_filter(segment_id=web_segment.id),
                      spec={"object": "leads"}, now=NOW)
    assert sorted(r.id for r in leads.items) == sorted([known["L1"], known["L2"]])


def test_segment_filter_refuses_contact_segments_and_unknown_ones(session, team_a, team_b, known, web_segment):
    contacts = segments.create_segment(session=session, ctx=team_a.manager_ctx, data={
        "name": "Contactos", "entity": "contact", "match": "all",
        "conditions": [{"field": "email", "operator": "not_empty"}]})
    session.commit()
    with pytest.raises(ValidationFailed) as error:
        metrics.dashboard(session=session, ctx=team_a.manager_ctx, flt=known_filter(segment_id=contacts.id))
    assert "segment_id" in error.value.field_errors
    with pytest.raises(NotFound):            # another team's segment
        metrics.dashboard(session=session, ctx=team_b.manager_ctx, flt=known_filter(segment_id=web_segment.id))
    with pytest.raises(ValidationFailed):
        metrics.dashboard(session=session, ctx=team_a.manager_ctx, flt=known_filter(segment_id="abc"))


def test_reps_with_a_segment_still_see_only_their_own_work(session, team_a, known, web_segment):
    result = metrics.dashboard(session=session, ctx=team_a.rep2_ctx, flt=known_filter(segment_id=web_segment.id),
                               now=NOW)
    assert result.volume.by_type["count"].sum() == 0      # o7 and o8 are Raúl's
    mine = metrics.dashboard(session=session, ctx=team_a.rep_ctx, flt=known_filter(segment_id=web_segment.id),
                             now=NOW)
    assert mine.volume.by_type["count"].sum() == 2


def test_the_periodic_task_recounts_marked_days_in_the_background(session, team_a, team_b, known, engine):
    from leadhub.services.analytics.tasks import refresh_pending

    daily(session, team_a.manager_ctx)
    session.commit()
    session.add(Outreach(team_id=team_a.team.id, user_id=team_a.rep.id, type=E, description="later",
                         occurred_at=utc(2026, 4, 3, 10, 0)))
    session.commit()
    assert sorted(refresh_pending(engine=engine)) == sorted([team_a.team.id, team_b.team.id])
    assert session.exec(select(func.count()).select_from(OutreachDirty)).one() == 0
    day = session.exec(select(func.sum(OutreachDay.count)).where(
        OutreachDay.team_id == team_a.team.id, OutreachDay.day == date(2026, 4, 3))).one()
    assert day == 1
    assert refresh_pending(engine=engine) == []
    assert_rollup_matches_scan(session, team_a.manager_ctx)
    session.add(OutreachDirty(team_id=987654, occurred_at=utc(2026, 4, 3, 10, 0)))   # a deleted team's
    session.commit()
    assert refresh_pending(engine=engine) == [987654]
    assert session.exec(select(func.count()).select_from(OutreachDirty)).one() == 0
