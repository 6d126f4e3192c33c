"""Saved list views (per user, shared, built-in), bulk actions on a selection or the whole
filtered set, and CSV export that no spreadsheet runs as formulas."""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from leadhub.services import bulk, campaigns, custom_fields, leads, saved_views
from leadhub.services.bulk import Selection
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.leads import LeadQuery
from leadhub.services.models import CampaignMember, Lead, LeadStatusHistory


def make(session, ctx, **fields):
    fields.setdefault("last_name", "Pérez")
    lead = leads.create_lead(session=session, ctx=ctx, data=fields)
    session.commit()
    return lead


def test_builtin_views_my_hot_leads_and_new_this_week(session, team_a):
    hot_mine = make(session, team_a.rep_ctx, last_name="Hot mine", rating="Hot")
    make(session, team_a.rep2_ctx, last_name="Hot theirs", rating="Hot")
    old = make(session, team_a.rep_ctx, last_name="Old", rating="Hot")
    old_row = session.get(Lead, old.id)
    old_row.created_at = datetime.now(timezone.utc) - timedelta(days=30)
    session.commit()
    views = {v.key: v for v in saved_views.list_views(session=session, ctx=team_a.rep_ctx)}
    hot = views["builtin:hot"]
    query = saved_views.query_for(session=session, ctx=team_a.rep_ctx, filters=hot.filters, sort=hot.sort)
    names = [r.name for r in leads.list_leads(session=session, ctx=team_a.rep_ctx, query=query).rows]
    assert set(names) == {"Hot mine", "Old"} and hot_mine.id
    week = views["builtin:new_week"]
    query = saved_views.query_for(session=session, ctx=team_a.rep_ctx, filters=week.filters)
    assert "Old" not in [r.name for r in leads.list_leads(session=session, ctx=team_a.rep_ctx, query=query).rows]


def test_this_week_starts_on_monday_in_the_team_time_zone(session, team_a):
    from leadhub.services.models import Team
    team = session.get(Team, team_a.team.id)
    # Monday 2026-03-02 00:30 in Madrid is Sunday 23:30 UTC
    now = datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc)
    assert saved_views.period_start("this_week", team, now) == datetime(2026, 3, 1, 23, 0, tzinfo=timezone.utc)
    assert saved_views.period_start("today", team, now) == datetime(2026, 3, 3, 23, 0, tzinfo=timezone.utc)


def test_views_are_private_unless_shared(session, team_a, team_b):
    custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Region", type="text")
    session.commit()
    mine = saved_views.save_view(session=session, ctx=team_a.rep_ctx, name="  North   leads ",
                                 filters={"custom": {"region": "North", "nope": "x"}, "status": "New"},
                                 columns=["company", "cf.region", "cf.nope", "bogus"], sort="cf.region")
    session.commit()
    assert (mine.name, mine.columns, mine.sort) == ("North leads", ("name", "company", "cf.region"), "cf.region")
    assert mine.filters == {"status": "New", "custom": {"region": "North"}}
    keys = lambda ctx: [v.key for v in saved_views.list_views(session=session, ctx=ctx) if not v.builtin]  # noqa: E731
    assert keys(team_a.rep_ctx) == [mine.key] and keys(team_a.rep2_ctx) == []
    saved_views.save_view(session=session, ctx=team_a.rep_ctx, view_key=mine.key, name="North leads",
                          filters=mine.filters, columns=list(mine.columns), shared=True)
    session.commit()
    assert keys(team_a.rep2_ctx) == [mine.key] and keys(team_b.rep_ctx) == []
    with pytest.raises(PermissionDenied):
        saved_views.delete_view(session=session, ctx=team_a.rep2_ctx, view_key=mine.key)
    with pytest.raises(NotFound):
        saved_views.get_view(session=session, ctx=team_b.admin_ctx, key=mine.key)
    with pytest.raises(ValidationFailed):
        saved_views.save_view(session=session, ctx=team_a.rep_ctx, name=" ", filters={}, columns=[])
    saved_views.delete_view(session=session, ctx=team_a.manager_ctx, view_key=mine.key)
    session.commit()
    assert keys(team_a.rep_ctx) == []


def test_bulk_actions_on_a_selection(session, team_a, team_b):
    a = make(session, team_a.rep_ctx, last_name="A")
    b = make(session, team_a.rep_ctx, last_name="B", status="Contacted")
    untouched = make(session, team_a.rep_ctx, last_name="C")
    foreign = make(session, team_b.rep_ctx, last_name="Foreign")
    selection = Selection.of_ids([a.id, b.id, foreign.id])
    ctx = team_a.rep_ctx
    assert bulk.assign_owner(session=session, ctx=ctx, selection=selection, owner_id=team_a.rep2.id).changed == 2
    assert bulk.set_rating(session=session, ctx=ctx, selection=selection, rating="Hot").changed == 2
    assert bulk.set_status(session=session, ctx=ctx, selection=selection, status="Qualified").changed == 2
    session.commit()
    session.expire_all()
    for lead in (a, b):
        row = session.get(Lead, lead.id)
        assert (row.owner_id, row.rating, row.status) == (team_a.rep2.id, "Hot", "Qualified")
    assert session.get(Lead, untouched.id).rating == ""
    assert session.get(Lead, foreign.id).status == "New"
    moves = session.exec(select(LeadStatusHistory.from_status, LeadStatusHistory.to_status)
                         .where(LeadStatusHistory.lead_id.in_([a.id, b.id]), LeadStatusHistory.from_status.is_not(None))).all()
    assert sorted(moves) == [("Contacted", "Qualified"), ("New", "Qualified")]
    with pytest.raises(ValidationFailed):
        bulk.set_status(session=session, ctx=ctx, selection=selection, status="Converted")
    with pytest.raises(ValidationFailed):
        bulk.assign_owner(session=session, ctx=ctx, selection=selection, owner_id=team_b.rep.id)


def test_bulk_on_the_whole_filtered_set_and_campaigns(session, team_a):
    for i in range(30):
        make(session, team_a.rep_ctx, last_name=f"Cold{i}", rating="Cold")
    make(session, team_a.rep_ctx, last_name="Warm one", rating="Warm")
    fair = campaigns.create_campaign(session=session, ctx=team_a.rep_ctx, name="Fair")
    session.commit()
    everything_cold = Selection.matching(LeadQuery(rating="Cold", page=2, page_size=10))
    assert bulk.count(session=session, ctx=team_a.rep_ctx, selection=everything_cold) == 30
    result = bulk.add_to_campaign(session=session, ctx=team_a.rep_ctx, selection=everything_cold, campaign_id=fair.id)
    again = bulk.add_to_campaign(session=session, ctx=team_a.rep_ctx, selection=everything_cold, campaign_id=fair.id)
    session.commit()
    assert (result.changed, again.changed) == (30, 0)
    assert len(session.exec(select(CampaignMember).where(CampaignMember.campaign_id == fair.id)).all()) == 30


def test_bulk_delete_needs_a_manager_for_other_peoples_leads(session, team_a):
    mine = make(session, team_a.rep_ctx, last_name="Mine")
    theirs = make(session, team_a.rep2_ctx, last_name="Theirs")
    with pytest.raises(PermissionDenied):
        bulk.delete_leads(session=session, ctx=team_a.rep_ctx, selection=Selection.of_ids([mine.id, theirs.id]))
    assert bulk.delete_leads(session=session, ctx=team_a.rep_ctx, selection=Selection.of_ids([mine.id])).changed == 1
    assert bulk.delete_leads(session=session, ctx=team_a.manager_ctx,
                             selection=Selection.matching(LeadQuery())).changed == 1
    session.commit()
    assert session.exec(select(Lead).where(Lead.team_id == team_a.team.id)).all() == []


def test_export_escapes_formulas_and_includes_custom_fields(session, team_a, team_b):
    custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Seats", type="number")
    session.commit()
    make(session, team_a.rep_ctx, first_name="=HYPERLINK(\"http://evil\")", last_name="@SUM(A1)",
         company="-2+3", phone="+34612345678", custom_fields={"seats": 12})
    make(session, team_a.rep_ctx, first_name="Plain", last_name="Name", company="Acme, \"Quoted\" SL")
    make(session, team_b.rep_ctx, last_name="Other team")
    text = "".join(bulk.export_rows(session=session, ctx=team_a.rep_ctx,
                                    selection=Selection.matching(LeadQuery(sort="name", descending=False))))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    evil = next(r for r in rows if "SUM" in r["Last name"])
    assert evil["First name"] == "'=HYPERLINK(\"http://evil\")"
    assert (evil["Last name"], evil["Company"], evil["Phone"]) == ("'@SUM(A1)", "'-2+3", "'+34612345678")
    assert evil["Seats"] == "12" and evil["Owner"] == team_a.rep.email
    plain = next(r for r in rows if r["First name"] == "Plain")
    assert plain["Company"] == "Acme, \"Quoted\" SL"
    assert bulk.escape_cell("\tcmd") == "'\tcmd" and bulk.escape_cell(5) == "5" and bulk.escape_cell(None) == ""
