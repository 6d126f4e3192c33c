"""The lead page edits an activity through the service: the dialog starts with the stored values
(due time in the team's zone), errors land under the fields, and the timeline says what changed.
It also shows where a web-form lead came from (UTM, referrer, page), links only for http(s)."""

from __future__ import annotations

import pytest

from leadhub.services import activities, auth, leads
from leadhub.state.lead_detail import LeadDetailState
from tests.state.conftest import make_state


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))


def _detail(session, email, password, lead_id):
    token, _ = auth.login(session=session, email=email, password=password)
    session.commit()
    state = make_state(LeadDetailState, token)
    state.record_id = lead_id
    state.require_login()
    state.load()
    return state


def test_an_activity_is_edited_from_the_lead_page(app_database, session, team_a):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Ibáñez"})
    act = activities.create_activity(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, data={
        "type": "call", "subject": "Call back", "due_at": "2099-01-15T10:30"})
    session.commit()
    state = _detail(session, team_a.rep.email, "rep-pass-1", lead.id)
    state.open_activity_edit(str(act.id))
    assert state.activity_edit_open
    assert state.activity_edit["due_at"] == "2099-01-15T10:30" and state.activity_edit["type"] == "call"

    state.save_activity({"type": "party", "subject": " ", "due_at": "2099-03-29T02:30", "status": "planned",
                         "owner_id": str(team_a.rep.id), "description": ""})
    assert set(state.field_errors) == {"type", "subject", "due_at"}
    assert state.field_errors["subject"] == "Give the activity a subject."
    assert state.activity_edit_open                      # the dialog stays open with the errors
    session.expire_all()
    assert activities.get_activity(session=session, ctx=team_a.rep_ctx, activity_id=act.id).subject == "Call back"

    state.save_activity({"type": "event", "subject": "Demo «Ñandú»", "due_at": "2099-07-01T16:00",
                         "status": "planned", "owner_id": str(team_a.rep2.id), "description": "Room 2"})
    assert state.field_errors == {} and not state.activity_edit_open
    state.load()
    row = state.activity_rows[0]
    assert (row["subject"], row["type"], row["due"], row["owner"]) == (
        "Demo «Ñandú»", "event", "2099-07-01 16:00", "Rosa Rep")
    edited = [e for e in state.timeline if e["title"] == "Activity edited"]
    assert len(edited) == 1 and edited[0]["extra"] == "Demo «Ñandú»"
    assert edited[0]["body"].splitlines() == [
        "Type: call → event", "Subject: Call back → Demo «Ñandú»", "Description: — → Room 2",
        "Due: 2099-01-15 10:30 → 2099-07-01 16:00", "Owner: Raúl Rep → Rosa Rep"]


def test_another_teams_member_cannot_edit_by_a_forged_event(app_database, session, team_a, team_b):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Private"})
    act = activities.create_activity(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                                     data={"subject": "Secret"})
    session.commit()
    state = _detail(session, team_b.admin.email, "admin-pass-1", lead.id)
    state.open_activity_edit(str(act.id))
    assert state.activity_edit == {} and not state.activity_edit_open
    state.activity_edit = {"id": str(act.id)}
    state.save_activity({"subject": "spy"})
    session.expire_all()
    assert activities.get_activity(session=session, ctx=team_a.rep_ctx, activity_id=act.id).subject == "Secret"


def test_source_details_of_a_web_form_lead(app_database, session, team_a):
    from leadhub.services import forms
    from tests.services.test_forms import make_form, published

    pub = published(session, make_form(session, team_a))
    outcome = forms.submit(session=session, form=pub, values={"last_name": "Peña", "email": "ana@acme.es"},
                           visit=forms.Visit(utm={"utm_source": "<b>news</b>", "utm_campaign": "otoño"},
                                             referrer="https://t.co/x", page_url="javascript:alert(1)"))
    session.commit()
    state = _detail(session, team_a.rep.email, "rep-pass-1", outcome.lead_id)
    assert [v["form"] for v in state.source_visits] == ["Contact us"]
    sid = state.source_visits[0]["id"]
    assert state.source_rows == [
        [sid, "UTM source", "<b>news</b>", ""], [sid, "UTM campaign", "otoño", ""],
        [sid, "Page URL", "javascript:alert(1)", ""], [sid, "Referrer", "https://t.co/x", "https://t.co/x"]]
    plain = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Manual"})
    session.commit()
    assert _detail(session, team_a.rep.email, "rep-pass-1", plain.id).source_visits == []
