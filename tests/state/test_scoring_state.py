"""The scoring card and score panel call the scoring service, show its words, and map errors."""

from __future__ import annotations

from leadhub.services import auth, leads, scoring
from leadhub.state.scoring import ScorePanelState, ScoringSettingsState, _lead_id_from_path
from tests.state.conftest import make_state


def _login(session, email, password):
    token, _ = auth.login(session=session, email=email, password=password)
    session.commit()
    return token


def test_admin_adds_a_rule_and_a_rescore_is_queued(app_database, session, team_a):
    state = make_state(ScoringSettingsState, _login(session, team_a.admin.email, "admin-pass-1"))
    state.role = "admin"
    state.load()
    assert len(state.rules) == len(scoring.bant_starter_rules())
    assert state.rules[0]["text"] == "budget ≥ 10,000" and state.rules[0]["points"] == "+20"
    state.set_kind("behaviour")
    state.set_behaviour("email_opened")
    state.add_rule({"points": "3", "cap": "9", "decay_days": "14", "label": "", "value": ""})
    state.load()
    assert state.rules[-1]["text"] == "e-mail opened"
    assert state.rules[-1]["extras"] == "at most 9 points · fades over 14 days"
    assert state.job["status"] == "queued" and state.job_active


def test_field_errors_and_permission_in_spanish(app_database, session, team_a):
    admin = make_state(ScoringSettingsState, _login(session, team_a.admin.email, "admin-pass-1"))
    admin.lang = "es"
    admin.load()
    admin.set_field_name("title")
    admin.set_operator("equals")
    admin.add_rule({"points": "muchos", "value": "", "label": ""})
    assert admin.field_errors == {"points": "Escribe un número entero.",
                                  "value": "Escribe el valor con el que comparar."}
    rep = make_state(ScoringSettingsState, _login(session, team_a.rep.email, "rep-pass-1"))
    rep.lang = "es"
    rep.load()
    rep.add_rule({"points": "5", "value": "CEO"})
    assert len(scoring.get_model(session=session, ctx=team_a.rep_ctx).rules) == len(rep.rules)


def test_score_panel_explains_the_lead_of_the_url(app_database, session, team_a, team_b):
    assert _lead_id_from_path("/leads/42") == 42 and _lead_id_from_path("/settings") == 0
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx,
                             data={"last_name": "Ruiz", "title": "Head of IT", "need": "Urgent"})
    session.commit()
    panel = make_state(ScorePanelState, _login(session, team_a.rep.email, "rep-pass-1"))
    panel.load_lead(lead.id)
    assert panel.score == "30" and panel.rating == "Warm"
    assert [(l["points"], l["text"]) for l in panel.lines] == [
        ("+15", "title contains Head"), ("+15", "need is Urgent")]
    other = make_state(ScorePanelState, _login(session, team_b.rep.email, "rep-pass-1"))
    other.load_lead(lead.id)
    assert other.lines == [] and other.score == ""
