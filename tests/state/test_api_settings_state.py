"""Settings → API access state: admins create and revoke keys and webhooks through the
services, the token and secret are shown once, field errors land at their field, and
non-admins get nothing (any client can call any event)."""

from __future__ import annotations

from sqlmodel import select

from leadhub.services import api_keys, auth
from leadhub.services.api_keys import ApiKey
from leadhub.services.webhooks import WebhookEndpoint
from leadhub.state.api_settings import ApiSettingsState
from tests.state.conftest import make_state


def _state(session, email, password, role):
    token, _ = auth.login(session=session, email=email, password=password)
    session.commit()
    state = make_state(ApiSettingsState, token)
    state.role = role
    return state


def test_admin_creates_shows_once_and_revokes_a_key(app_database, session, team_a):
    state = _state(session, team_a.admin.email, "admin-pass-1", "admin")
    state.load()
    assert state.keys == [] and {m[0] for m in state.members} == {
        str(u.id) for u in (team_a.admin, team_a.manager, team_a.rep, team_a.rep2)}
    state.create_key({"name": "", "role": "rep", "user_id": ""})
    assert "key_name" in state.field_errors and state.shown_once == {}
    state.create_key({"name": "Zapier", "role": "manager", "user_id": str(team_a.rep.id)})
    assert "key_role" in state.field_errors                   # a rep's key cannot be a manager's
    state.create_key({"name": "Zapier", "role": "rep", "user_id": str(team_a.rep.id)})
    token = state.shown_once["value"]
    assert token.startswith("lh_") and state.keys[0]["prefix"] == token[:11]
    assert api_keys.authenticate(session=session, token=token).ctx.user_id == team_a.rep.id
    session.commit()                                          # it stamped last_used_at
    state.dismiss_shown_once()
    assert state.shown_once == {}
    state.revoke_key(state.keys[0]["id"])
    assert state.keys[0]["revoked"] != ""
    session.expire_all()
    assert session.exec(select(ApiKey)).one().revoked_at is not None


def test_admin_adds_a_webhook_with_its_events(app_database, session, team_a, monkeypatch):
    monkeypatch.delenv("LEADHUB_WEBHOOKS_ALLOW_PRIVATE", raising=False)
    state = _state(session, team_a.admin.email, "admin-pass-1", "admin")
    state.toggle_event("deal.created", True)
    state.toggle_event("lead.created", False)
    state.create_hook({"url": "http://127.0.0.1/x", "description": ""})
    assert "hook_url" in state.field_errors and state.hooks == []
    state.create_hook({"url": "https://hooks.example.com/catch", "description": "Zapier"})
    assert state.shown_once["value"].startswith("whsec_")
    assert state.hooks[0]["events"] == "deal.created" and state.hooks[0]["enabled"] is True
    state.set_hook_enabled(state.hooks[0]["id"], False)
    assert state.hooks[0]["enabled"] is False
    state.delete_hook(state.hooks[0]["id"])
    assert state.hooks == [] and session.exec(select(WebhookEndpoint)).all() == []


def test_non_admins_cannot_use_the_card_even_by_forging_events(app_database, session, team_a):
    state = _state(session, team_a.rep.email, "rep-pass-1", "admin")   # a forged role in the state
    state.load()
    assert state.keys == []
    state.create_key({"name": "mine", "role": "rep", "user_id": ""})
    state.create_hook({"url": "https://hooks.example.com/x", "description": ""})
    assert state.shown_once == {}
    assert session.exec(select(ApiKey)).all() == [] and session.exec(select(WebhookEndpoint)).all() == []
