"""The lead page, duplicates/merge, custom-field admin and list bulk states call their services,
keep only what is on screen, and refuse other teams and forged events."""

from __future__ import annotations

import pytest

from leadhub.services import auth, custom_fields, leads, notes
from leadhub.state.duplicates import MergeState
from leadhub.state.lead_detail import LeadDetailState
from leadhub.state.lead_fields import LeadFieldsState
from leadhub.state.leads import LeadsState
from tests.state.conftest import make_state


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))


def _login(session, email, password):
    token, _ = auth.login(session=session, email=email, password=password)
    session.commit()
    return token


def _detail(session, team, lead_id, email=None, password="rep-pass-1"):
    state = make_state(LeadDetailState, _login(session, email or team.rep.email, password))
    state.record_id = lead_id
    state.require_login()  # the header's on_load: team time zone and currency
    return state


def test_lead_page_shows_fields_timeline_and_takes_notes_and_activities(app_database, session, team_a):
    custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Region", type="text")
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
        "first_name": "Ana", "last_name": "Ruiz", "phone": "+34612345678", "status": "Contacted",
        "custom_fields": {"region": "North"}})
    session.commit()
    state = _detail(session, team_a, lead.id)
    state.load()
    assert state.lead["name"] == "Ana Ruiz" and state.lead["phone"] == "+34 612 34 56 78"
    assert ["phone", "Phone", "+34 612 34 56 78"] in state.group_fields["contact"]
    assert state.custom_values == [["region", "Region", "North"]]
    state.add_note({"body": "Wants a demo"})
    state.add_activity({"type": "call", "subject": "Call back", "due_at": "2026-01-15T10:30", "status": "planned",
                        "owner_id": str(team_a.rep.id), "description": ""})
    state.load()
    assert state.timeline[0]["kind"] in ("note", "activity")
    assert {e["kind"] for e in state.timeline} >= {"note", "activity", "status"}
    assert state.activity_rows[0]["overdue"] == "1" and state.activity_rows[0]["due"] == "2026-01-15 10:30"
    state.change("rating", "Hot")
    session.expire_all()
    assert leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id).rating == "Hot"
    state.add_note({"body": "  "})
    assert state.field_errors == {"body": "Write something first."}


def test_lead_page_of_another_team_reads_as_not_found_and_refuses_forged_events(app_database, session, team_a, team_b):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Private"})
    session.commit()
    state = _detail(session, team_b, lead.id, email=team_b.admin.email, password="admin-pass-1")
    state.load()
    assert state.not_found and state.lead == {}
    state.add_note({"body": "spy"})
    state.change("status", "Unqualified")
    state.delete_lead()
    session.expire_all()
    fresh = leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    assert fresh.status == "New"
    from sqlmodel import select

    from leadhub.services.models import Note
    assert session.exec(select(Note)).all() == []
    signed_out = make_state(LeadDetailState, "")
    signed_out.record_id = lead.id
    assert "redirect" in repr(signed_out.load()).lower()


def test_merge_state_merges_with_chosen_values_and_redirects(app_database, session, team_a):
    a = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"first_name": "Ana", "last_name": "Ruiz",
                                                                       "email": "ana@x.com", "rating": "Warm"})
    b = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"first_name": "Ana", "last_name": "Ruiz",
                                                                       "email": "ANA@x.com", "rating": "Hot"})
    notes.add_note(session=session, ctx=team_a.rep_ctx, lead_id=b.id, body="from b")
    session.commit()
    state = make_state(MergeState, _login(session, team_a.rep.email, "rep-pass-1"))
    state.open_merge(f"{a.id},{b.id}")
    assert state.merge_open and state.survivor == str(a.id)
    assert ["rating", "Rating", "1"] in state.merge_fields
    assert state.merge_values[str(b.id)]["rating"] == "Hot"
    state.choose("rating", str(b.id))
    state.choose("rating", "999999")  # not one of the leads: ignored
    result = state.confirm_merge()
    assert f"/leads/{a.id}" in repr(result)
    session.expire_all()
    survivor = leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=a.id)
    assert survivor.rating == "Hot"


def test_only_admins_shape_the_lead_form(app_database, session, team_a):
    rep = make_state(LeadFieldsState, _login(session, team_a.rep.email, "rep-pass-1"))
    rep.create({"label": "Region", "type": "text"})
    assert custom_fields.list_fields(session=session, ctx=team_a.rep_ctx) == []
    admin = make_state(LeadFieldsState, _login(session, team_a.admin.email, "admin-pass-1"))
    admin.create({"label": "Region", "type": "picklist", "options": "North\nSouth", "required": "on"})
    admin.load()
    assert [(f["key"], f["options_inline"], f["required"]) for f in admin.fields] == [("region", "North, South", "1")]
    admin.create({"label": "region", "type": "text"})
    assert admin.field_errors == {"label": "A field with this name already exists."}
    # the form now asks for it, and says so at the field
    form = make_state(LeadsState, _login(session, team_a.rep.email, "rep-pass-1"))
    form.open_new()
    assert form.custom_specs[0]["name"] == "custom_fields.region"
    assert "custom_fields.region" in form.required_fields
    form.save({"last_name": "X", "status": "New", "custom_fields.region": "none"})
    assert form.field_errors == {"custom_fields.region": "This field is required."}
    form.save({"last_name": "X", "status": "New", "custom_fields.region": "South"})
    assert not form.dialog_open


def test_list_bulk_actions_and_saved_views(app_database, session, team_a):
    for i in range(30):
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": f"Cold{i:02d}", "rating": "Cold"})
    session.commit()
    state = make_state(LeadsState, _login(session, team_a.manager.email, "manager-pass-1"))
    state.load()
    state.set_filter("rating_filter", "Cold")
    state.load()
    state.toggle_page()
    assert state.selection_count == 25 and state.page_selected
    state.select_all_matching()
    assert state.selection_count == 30
    state.bulk_apply("set_status", "Qualified")
    session.expire_all()
    assert leads.list_leads(session=session, ctx=team_a.rep_ctx,
                            query=leads.LeadQuery(status="Qualified")).total == 30
    assert "rating=Cold" in state.export_href
    state.save_view({"name": "Cold ones", "shared": "on"})
    state.load()
    assert any(v["name"] == "Cold ones" and v["shared"] for v in state.views)
    state.clear_filters()
    state.load()
    assert state.total == 30 and state.view_key == "builtin:all"


def test_list_shows_custom_columns_filters_and_sorts_by_them(app_database, session, team_a):
    custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Seats", type="number")
    custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Tier", type="picklist",
                               options=["Gold", "Silver"])
    for name, seats, tier in (("A", 9, "Gold"), ("B", 100, "Silver"), ("C", 10, "Gold")):
        leads.create_lead(session=session, ctx=team_a.rep_ctx,
                          data={"last_name": name, "custom_fields": {"seats": seats, "tier": tier}})
    session.commit()
    state = make_state(LeadsState, _login(session, team_a.rep.email, "rep-pass-1"))
    state.load()
    assert {"cf.seats", "cf.tier"} <= {c["key"] for c in state.column_choices}
    state.toggle_column("cf.seats")
    state.set_custom_filter("tier", "Gold")
    state.sort_by("cf.seats")
    state.descending = False
    state.load()
    assert [(r["name"], r["cf.seats"]) for r in state.rows] == [("A", "9"), ("C", "10")]
    assert state.column_headers[-1] == {"key": "cf.seats", "label": "Seats", "sortable": "1"}
    assert "cf.tier=Gold" in state.export_href and state.active_filter_count == 1
    state.set_custom_filter("seats", "lots")  # not a number: said at the filter, nothing shown
    state.load()
    assert state.field_errors == {"custom_fields.seats": "Enter a number, e.g. 42 or 3,5."}
