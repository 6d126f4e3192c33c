"""Segments: conditions on any field compiled to SQL, live counts, all/any, custom fields,
campaigns, activities, last contacted on a fixed clock, sharing and team isolation. Runs on
SQLite and PostgreSQL."""

from datetime import datetime, timedelta, timezone

import pytest

from leadhub.services import campaigns, custom_fields, leads, segments
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import Activity, Contact, Lead

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def make(session, ctx, **fields):
    fields.setdefault("last_name", "Pérez")
    lead = leads.create_lead(session=session, ctx=ctx, data=fields)
    session.commit()
    return lead


def seg(session, ctx, *conditions, match="all", entity="lead", shared=True, name="S"):
    segment = segments.create_segment(session=session, ctx=ctx, data={
        "name": name, "entity": entity, "match": match, "shared": shared,
        "conditions": [dict(zip(("field", "operator", "value"), c)) for c in conditions]})
    session.commit()
    return segment


def names(session, ctx, segment):
    ids = segments.member_ids(session=session, ctx=ctx, segment_id=segment.id, now=NOW)
    return sorted(session.get(Lead, i).last_name for i in ids)


def test_standard_fields_score_rating_and_all_or_any(session, team_a, team_b):
    make(session, team_a.rep_ctx, last_name="Hot", title="CTO", budget="50000", need="Urgent",
         lead_source="Referral")
    make(session, team_a.rep_ctx, last_name="Mid", title="Manager", need="Moderate",
         lead_source="LinkedIn", email="mid@acme.com")
    make(session, team_a.rep_ctx, last_name="Cold", lead_source="Cold Call")
    make(session, team_b.rep_ctx, last_name="Other", lead_source="Referral", budget="90000")
    rich = seg(session, team_a.rep_ctx, ("budget", "gte", "10.000"), ("lead_source", "one_of", "referral, partner"))
    assert names(session, team_a.rep_ctx, rich) == ["Hot"]
    assert segments.count(session=session, ctx=team_a.rep_ctx, segment_id=rich.id) == 1
    either = seg(session, team_a.rep_ctx, ("rating", "equals", "Hot"), ("email", "contains", "acme"),
                 match="any")
    assert names(session, team_a.rep_ctx, either) == ["Hot", "Mid"]
    scored = seg(session, team_a.rep_ctx, ("score", "gt", "0"), ("title", "not_contains", "cto"))
    assert names(session, team_a.rep_ctx, scored) == ["Mid"]
    empty = seg(session, team_a.rep_ctx, ("email", "is_empty", None))
    assert names(session, team_a.rep_ctx, empty) == ["Cold", "Hot"]


def test_custom_fields_campaigns_activities_and_last_contacted(session, team_a):
    region = custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Region",
                                        type="picklist", options="North, South")
    seats = custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Seats", type="number")
    session.commit()
    north = make(session, team_a.rep_ctx, last_name="North", custom_fields={region.key: "North", seats.key: "40"})
    south = make(session, team_a.rep_ctx, last_name="South", custom_fields={region.key: "South", seats.key: "5"})
    quiet = make(session, team_a.rep_ctx, last_name="Quiet")
    for lead, days in ((north, 3), (south, 60)):
        lead.last_contacted_at = NOW - timedelta(days=days)
    quiet.created_at = NOW - timedelta(days=90)
    session.add(Activity(team_id=team_a.team.id, subject="Call", type="call", status="completed",
                         completed_at=NOW - timedelta(days=2), lead_id=south.id))
    session.add(Activity(team_id=team_a.team.id, subject="Demo", status="planned", lead_id=quiet.id))
    session.commit()
    spring = campaigns.create_campaign(session=session, ctx=team_a.rep_ctx, name="Spring")
    campaigns.add_lead(session=session, ctx=team_a.rep_ctx, lead_id=north.id, campaign_id=spring.id)
    session.commit()
    ctx = team_a.rep_ctx
    assert names(session, ctx, seg(session, ctx, (region.column, "equals", "north"))) == ["North"]
    assert names(session, ctx, seg(session, ctx, (seats.column, "gte", "10"))) == ["North"]
    assert names(session, ctx, seg(session, ctx, ("campaign", "in_campaign", spring.id))) == ["North"]
    assert names(session, ctx, seg(session, ctx, ("campaign", "not_in_campaign", spring.id))) == ["Quiet", "South"]
    assert names(session, ctx, seg(session, ctx, ("activity", "completed_within_days", "7"))) == ["South"]
    assert names(session, ctx, seg(session, ctx, ("activity", "has_open", None))) == ["Quiet"]
    # the completed call touched South two days ago; never contacted counts from creation
    assert names(session, ctx, seg(session, ctx, ("last_contacted_at", "older_than_days", "30"))) == ["Quiet"]
    assert names(session, ctx, seg(session, ctx, ("last_contacted_at", "within_days", "7"))) == ["North", "South"]


def test_contact_segments(session, team_a):
    session.add(Contact(team_id=team_a.team.id, first_name="Eva", last_name="Ruiz", title="CFO",
                        email="eva@x.es"))
    session.add(Contact(team_id=team_a.team.id, first_name="Leo", last_name="Gil", title="Intern"))
    session.commit()
    segment = seg(session, team_a.rep_ctx, ("title", "one_of", "CFO, CEO"), entity="contact")
    assert segments.count(session=session, ctx=team_a.rep_ctx, segment_id=segment.id) == 1
    with pytest.raises(ValidationFailed):
        segments.lead_conditions(session=session, ctx=team_a.rep_ctx, segment_id=segment.id)


def test_live_preview_and_validation(session, team_a):
    make(session, team_a.rep_ctx, last_name="A", need="Urgent")
    make(session, team_a.rep_ctx, last_name="B")
    data = {"entity": "lead", "match": "all", "conditions": [
        {"field": "need", "operator": "equals", "value": "Urgent"}]}
    assert segments.preview_count(session=session, ctx=team_a.rep_ctx, data=data) == 1
    with pytest.raises(ValidationFailed) as caught:
        segments.create_segment(session=session, ctx=team_a.rep_ctx, data={
            "name": "", "conditions": [{"field": "nope", "operator": "equals", "value": "x"},
                                       {"field": "budget", "operator": "gt", "value": "lots"},
                                       {"field": "score", "operator": "contains", "value": "1"}]})
    assert set(caught.value.field_errors) == {"name", "conditions.0.field", "conditions.1.value",
                                              "conditions.2.operator"}


def test_private_segments_sharing_and_who_may_change_them(session, team_a, team_b):
    private = seg(session, team_a.rep_ctx, ("need", "equals", "Urgent"), shared=False, name="Mine")
    shared = seg(session, team_a.rep_ctx, ("need", "equals", "Low"), name="Ours")
    assert [s.name for s in segments.list_segments(session=session, ctx=team_a.rep2_ctx)] == ["Ours"]
    assert [s.name for s in segments.list_segments(session=session, ctx=team_a.rep_ctx)] == ["Mine", "Ours"]
    with pytest.raises(NotFound):
        segments.count(session=session, ctx=team_a.rep2_ctx, segment_id=private.id)
    with pytest.raises(PermissionDenied):
        segments.delete_segment(session=session, ctx=team_a.rep2_ctx, segment_id=shared.id)
    segments.update_segment(session=session, ctx=team_a.manager_ctx, segment_id=shared.id, data={
        "name": "Ours too", "conditions": [{"field": "need", "operator": "equals", "value": "Low"}]})
    with pytest.raises(NotFound):
        segments.get_segment(session=session, ctx=team_b.admin_ctx, segment_id=shared.id)
