"""The leads page's state calls the leads service, shows one page, and maps errors."""

from __future__ import annotations

from leadhub.services import auth, leads
from leadhub.state.leads import LeadsState
from leadhub.state.session import SessionState
from tests.state.conftest import make_state


def _login(session, email, password):
    token, _ = auth.login(session=session, email=email, password=password)
    session.commit()
    return token


def test_load_shows_one_page_of_the_callers_team_only(app_database, session, team_a, team_b):
    for i in range(30):
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": f"Alpha{i:02d}"})
    leads.create_lead(session=session, ctx=team_b.rep_ctx, data={"last_name": "BetaOnly"})
    session.commit()
    state = make_state(LeadsState, _login(session, team_a.rep.email, "rep-pass-1"))
    state.load()
    assert state.total == 30 and state.pages == 2 and len(state.rows) == 25
    assert all(r["name"].startswith("Alpha") for r in state.rows)
    state.set_search("betaonly")
    state.load()
    assert state.total == 0


def test_save_shows_field_errors_in_the_users_language(app_database, session, team_a):
    state = make_state(LeadsState, _login(session, team_a.rep.email, "rep-pass-1"))
    state.lang = "es"
    state.open_new()
    state.save({"last_name": "", "email": "nope", "status": "New", "rating": "none"})
    assert state.field_errors["last_name"] == "Los apellidos son obligatorios."
    assert "correo" in state.field_errors["email"]
    assert state.dialog_open
    state.save({"last_name": "Núñez", "email": "jn@acme.com", "status": "New", "rating": "none"})
    assert not state.dialog_open and state.field_errors == {}
    assert leads.list_leads(session=session, ctx=team_a.rep_ctx,
                            query=leads.LeadQuery(search="nunez")).rows[0].email == "jn@acme.com"


def test_handlers_refuse_a_browser_without_a_valid_session(app_database, session, team_a):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Kept"})
    session.commit()
    for token in ("", "forged-token"):
        state = make_state(LeadsState, token)
        result = state.load()
        assert state.rows == [] and "redirect" in repr(result).lower()
        state.editing_id = lead.id
        state.save({"last_name": "Hacked"})
        state.delete()
    assert leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id).last_name == "Kept"


def test_team_b_user_cannot_open_or_delete_team_a_lead_by_id(app_database, session, team_a, team_b):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Private"})
    session.commit()
    state = make_state(LeadsState, _login(session, team_b.admin.email, "admin-pass-1"))
    state.open_edit(str(lead.id))
    assert state.form_values == {} and not state.dialog_open
    state.editing_id = lead.id  # a forged event: the handler must still refuse
    state.save({"last_name": "Hacked"})
    state.delete()
    assert leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id).last_name == "Private"


def test_require_login_redirects_after_logout(app_database, session, team_a):
    token = _login(session, team_a.rep.email, "rep-pass-1")
    state = make_state(SessionState, token)
    assert state.require_login() is None and state.team_name == "Acme Ventas"
    state.logout()
    assert state.token == ""
    state.token = token  # the old cookie no longer opens anything
    assert "redirect" in repr(state.require_login()).lower()
