"""The copies the funnel, ROI and first-touch charts read (services/analytics/attribution.py):
after every kind of write — services, ORM, Core bulk statements, deletes, lead merges — they
equal a recount from `outreach`, and the charts built on them keep their hand-computed numbers.
SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import delete, update

from leadhub.services import deals as deal_service
from leadhub.services import merge, removal
from leadhub.services.analytics import attribution, metrics
from leadhub.services.analytics.drilldown import drilldown
from leadhub.services.deals import DealCreate
from leadhub.services.models import Contact, Deal, Lead, Outreach, OutreachType
from tests.services import analytics_data
from tests.services.analytics_data import NOW, known_filter, utc

P, E, C, S = (int(OutreachType.PLATFORM), int(OutreachType.EMAIL), int(OutreachType.CALL),
              int(OutreachType.SOCIAL))


@pytest.fixture
def known(session, team_a, team_b):
    return analytics_data.build(session, team_a, team_b)


def no_drift(session, *teams):
    for team in teams:
        assert attribution.drift(session, team.team.id) == {"contact": 0, "deal": 0, "lead": 0}


def copies(session, record, key_id):
    row = session.get(record, key_id)
    session.refresh(row)
    return (row.outreach_occurred_at, row.outreach_type, row.outreach_channel, row.outreach_user_id)


def funnel(session, ctx, **changes):
    frame = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(**changes), now=NOW).funnel
    return {(t, c): (n, d, w) for t, c, n, d, w in
            zip(frame["type"], frame["channel"], frame["contacts"], frame["deals"], frame["won"]) if n or d}


def test_inserts_copy_the_outreach_and_set_the_first_touch(session, team_a, team_b, known):
    no_drift(session, team_a, team_b)
    assert copies(session, Contact, known["c1"]) == (utc(2026, 3, 28, 23, 30), P, "Upwork", team_a.rep.id)
    assert copies(session, Deal, known["d3"]) == (utc(2026, 3, 22, 23, 30), E, None, team_a.rep.id)
    # L1 (created 23 Mar 08:00) first touched by o8 on the 26th; L3 has no outreach of its own
    assert session.get(Lead, known["L1"]).first_touch_at == utc(2026, 3, 26, 10, 0)
    assert session.get(Lead, known["L3"]).first_touch_at is None
    # an earlier touch takes over; one logged before the lead existed does not count
    session.add(Outreach(team_id=team_a.team.id, user_id=team_a.rep.id, type=E, description="earlier",
                         occurred_at=utc(2026, 3, 25, 9, 0), lead_id=known["L1"]))
    session.add(Outreach(team_id=team_a.team.id, user_id=team_a.rep.id, type=E, description="before",
                         occurred_at=utc(2026, 3, 20, 9, 0), lead_id=known["L1"]))
    session.commit()
    lead = session.get(Lead, known["L1"])
    session.refresh(lead)
    assert lead.first_touch_at == utc(2026, 3, 25, 9, 0)
    no_drift(session, team_a, team_b)


def test_services_orm_and_core_writes_keep_the_copies_right(session, team_a, team_b, known):
    ctx = team_a.manager_ctx
    assert funnel(session, ctx)[(P, "Upwork")] == (2, 2, 2)      # c1, c2 / d1, d2
    # o3 re-timed and made a LinkedIn message by the ORM: c1 and d1 follow
    o3 = session.get(Outreach, known["o3"])
    o3.occurred_at, o3.type, o3.channel = utc(2026, 3, 31, 9, 0), S, "LinkedIn"
    session.add(o3)
    session.commit()
    assert copies(session, Contact, known["c1"]) == (utc(2026, 3, 31, 9, 0), S, "LinkedIn", team_a.rep.id)
    result = funnel(session, ctx)
    assert result[(P, "Upwork")] == (1, 1, 1) and result[(S, "LinkedIn")] == (1, 1, 1)
    # a Core statement hands every platform outreach to the other rep
    session.execute(update(Outreach).where(Outreach.team_id == team_a.team.id, Outreach.type == P)
                    .values(user_id=team_a.rep2.id))
    session.commit()
    assert copies(session, Deal, known["d2"])[3] == team_a.rep2.id
    assert funnel(session, ctx, user_ids=(team_a.rep2.id,))[(P, "Upwork")] == (1, 1, 1)
    # a contact re-attributed by the ORM, then by Core to nothing
    c4 = session.get(Contact, known["c4"])
    c4.outreach_id = known["o7"]
    session.add(c4)
    session.commit()
    assert copies(session, Contact, known["c4"]) == (utc(2026, 3, 25, 10, 0), S, "LinkedIn", team_a.rep.id)
    session.execute(update(Contact).where(Contact.id == known["c4"]).values(outreach_id=None))
    session.commit()
    assert copies(session, Contact, known["c4"]) == (None, None, None, None)
    no_drift(session, team_a, team_b)


def test_deals_from_the_service_and_deleted_outreach(session, team_a, team_b, known):
    ctx = team_a.manager_ctx
    deal = deal_service.create_deal(session=session, ctx=ctx, deal_in=DealCreate(
        name="Nuevo", amount=Decimal("250"), currency="EUR", stage="Closed Won", close_date="2026-04-04",
        contact_id=known["c2"]))
    session.commit()
    assert deal.outreach_id == known["o9"]          # from the contact, as the deals service attributes
    assert copies(session, Deal, deal.id) == (utc(2026, 3, 24, 9, 0), P, "Upwork", team_a.rep.id)
    roi = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(), now=NOW).roi
    upwork = roi[(roi["type"] == P) & (roi["channel"] == "Upwork")].iloc[0]
    assert (upwork["won"], upwork["revenue"]) == (3, 1250.0)     # d1 1000 + new 250 EUR; d2 (USD) counted, no money
    # an outreach deleted through the service: what it produced stays, unattributed
    removal.delete_outreach(session=session, ctx=ctx, outreach_id=known["o8"])
    session.commit()
    lead = session.get(Lead, known["L1"])
    session.refresh(lead)
    assert lead.first_touch_at is None
    session.execute(delete(Outreach).where(Outreach.id == known["o7"]))
    session.commit()
    no_drift(session, team_a, team_b)


def test_a_lead_merge_recounts_the_first_touch(session, team_a, team_b, known):
    ctx = team_a.manager_ctx
    # L2 (created 24 Mar, o7 on the 25th) absorbs L1 (created 23 Mar, o8 on the 26th): the survivor
    # keeps the older creation and both outreach
    merge.merge_leads(session=session, ctx=ctx, survivor_id=known["L2"], merged_ids=[known["L1"]])
    session.commit()
    survivor = session.get(Lead, known["L2"])
    session.refresh(survivor)
    assert survivor.created_at == utc(2026, 3, 23, 8, 0)
    assert survivor.first_touch_at == utc(2026, 3, 25, 10, 0)
    no_drift(session, team_a, team_b)


def test_first_touch_median_and_drill_downs_read_the_copies(session, team_a, known):
    ctx = team_a.manager_ctx
    reps = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(), now=NOW).reps
    hours = dict(zip(reps["user_id"], reps["first_touch_hours"]))
    # inbound leads created in the range: L1 (o8, 74 h) and L2 (o7, 26 h), both Raúl's
    assert hours[team_a.rep.id] == pytest.approx(50.0)
    deals = drilldown(session=session, ctx=ctx, flt=known_filter(),
                      spec={"object": "deals", "basis": "funnel", "type": P, "channel": "Upwork"}, now=NOW)
    assert sorted(row.id for row in deals.items) == sorted([known["d1"], known["d2"]])
    contacts = drilldown(session=session, ctx=ctx, flt=known_filter(),
                         spec={"object": "contacts", "basis": "funnel", "type": E, "channel": ""}, now=NOW)
    assert [row.id for row in contacts.items] == [known["c3"]]     # o1 in range; o2 (c4) the day before
    roi = drilldown(session=session, ctx=ctx, flt=known_filter(),
                    spec={"object": "deals", "basis": "roi", "type": E, "channel": ""}, now=NOW)
    assert [row.id for row in roi.items] == [known["d4"]]          # closed 1 April, from o2


def test_backfill_repairs_copies_written_without_triggers(session, team_a, team_b, known):
    session.execute(update(Contact).where(Contact.team_id == team_a.team.id)
                    .values(outreach_type=99, outreach_occurred_at=None))
    session.execute(update(Lead).where(Lead.team_id == team_a.team.id).values(first_touch_at=utc(2020, 1, 1)))
    session.commit()
    drifted = attribution.drift(session, team_a.team.id)
    assert drifted["contact"] == 4 and drifted["lead"] == 5 and drifted["deal"] == 0
    attribution.backfill(session, team_a.team.id)
    session.commit()
    no_drift(session, team_a, team_b)


def test_a_dashboard_sees_its_own_uncommitted_writes_in_every_chart(session, team_a, known):
    """On PostgreSQL the lead and deal charts run on a second connection only when the caller's
    transaction has written nothing: here it has, so they must still count its new rows."""
    ctx = team_a.manager_ctx
    before = {k.key: k.value for k in metrics.dashboard(session=session, ctx=ctx, flt=known_filter(), now=NOW).kpis}
    session.commit()
    session.add(Lead(team_id=team_a.team.id, last_name="Pendiente", lead_source="Web Form", owner_id=team_a.rep.id,
                     created_at=utc(2026, 3, 30, 9, 0)))
    session.add(Deal(team_id=team_a.team.id, name="pendiente", amount=Decimal("70"), currency="EUR",
                     stage="Closed Won", close_date=NOW.date().replace(day=2), owner_id=team_a.rep.id))
    session.flush()
    after = metrics.dashboard(session=session, ctx=ctx, flt=known_filter(), now=NOW)
    tiles = {k.key: k.value for k in after.kpis}
    assert tiles["new_leads"] == before["new_leads"] + 1
    assert tiles["won_revenue"] == before["won_revenue"] + 70.0
    assert int(after.sources.table.loc[after.sources.table["lead_source"] == "Web Form", "leads"].iloc[0]) == 3
    session.rollback()
