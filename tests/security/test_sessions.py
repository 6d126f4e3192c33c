"""Login, session and API-key rules, checked where they are enforced for real: through the
HTTP routes (cookie and bearer key) and through the Reflex states (every event re-checks the
session) — not only in the auth service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from leadhub.services import api_keys, auth, documents, leads
from leadhub.services.errors import NotAuthenticated, RateLimited
from leadhub.services.models import UserSession, utcnow
from leadhub.state.leads import LeadsState
from leadhub.state.session import SessionState
from leadhub.state.settings import SettingsState
from tests.api.v1_support import bearer, make_key
from tests.state.conftest import make_state


@pytest.fixture(autouse=True)
def _app_on_test_database(app_database):
    """Routes and states use the test database."""


@pytest.fixture
def document(session, team_a, monkeypatch, tmp_path):
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Ruiz"})
    doc = documents.upload_document(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, filename="a.txt",
                                    content=b"hola", content_type="text/plain")
    session.commit()
    return doc


def _sign_in(session, user, password):
    token, _ = auth.login(session=session, email=user.email, password=password)
    session.commit()
    return token


def _download(client, token, document_id):
    client.cookies.set("leadhub_session", token)
    try:
        return client.get(f"/api/documents/{document_id}").status_code
    finally:
        client.cookies.clear()


def _state_redirects_to_login(token) -> bool:
    state = make_state(LeadsState, token)
    return "/login" in repr(state.load())


def test_logout_from_the_page_ends_the_session_everywhere(session, client, team_a, document):
    token = _sign_in(session, team_a.rep, "rep-pass-1")
    assert _download(client, token, document.id) == 200
    assert not _state_redirects_to_login(token)
    header = make_state(SessionState, token)
    header.logout()
    assert header.token == ""
    assert _download(client, token, document.id) == 401        # the old cookie, replayed
    assert _state_redirects_to_login(token)


def test_an_expired_session_is_refused_by_routes_and_pages(session, client, team_a, document):
    token = _sign_in(session, team_a.rep, "rep-pass-1")
    row = session.exec(select(UserSession).where(UserSession.revoked_at.is_(None))).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    assert _download(client, token, document.id) == 401
    assert _state_redirects_to_login(token)


def test_sessions_are_stored_only_as_hashes(session, team_a):
    token = _sign_in(session, team_a.rep, "rep-pass-1")
    stored = session.exec(select(UserSession.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_a_password_reset_ends_every_session_over_http(session, client, team_a, document):
    token = _sign_in(session, team_a.rep, "rep-pass-1")
    auth.set_password(session=session, user_id=team_a.rep.id, password="another-pass-9")
    session.commit()
    assert _download(client, token, document.id) == 401
    assert _state_redirects_to_login(token)


def test_changing_your_password_ends_your_other_sessions_but_keeps_this_one(session, client, team_a, document):
    """Someone who fears their password leaked changes it: a session the thief opened must end."""
    thief = _sign_in(session, team_a.rep, "rep-pass-1")
    mine = _sign_in(session, team_a.rep, "rep-pass-1")
    page = make_state(SettingsState, mine)
    page.change_password({"current_password": "rep-pass-1", "new_password": "brand-new-pass-2"})
    session.expire_all()
    assert _download(client, thief, document.id) == 401
    assert _state_redirects_to_login(thief)
    assert _download(client, mine, document.id) == 200
    with pytest.raises(NotAuthenticated):
        auth.login(session=session, email=team_a.rep.email, password="rep-pass-1")


def test_a_removed_member_loses_session_and_api_key(session, client, team_a, document):
    token = _sign_in(session, team_a.rep, "rep-pass-1")
    key = make_key(session, team_a, role="rep", user=team_a.rep)
    assert client.get("/api/v1/me", headers=bearer(key)).status_code == 200
    auth.remove_member(session=session, ctx=team_a.admin_ctx, user_id=team_a.rep.id)
    session.commit()
    assert _download(client, token, document.id) == 401
    assert _state_redirects_to_login(token)
    answer = client.get("/api/v1/me", headers=bearer(key))
    assert answer.status_code == 401 and "left the team" in answer.json()["error"]["message"]


def test_a_demoted_members_key_is_narrowed_at_once(session, client, team_a):
    key = make_key(session, team_a, role="manager", user=team_a.manager)
    assert client.get("/api/v1/me", headers=bearer(key)).json()["role"] == "manager"
    auth.change_role(session=session, ctx=team_a.admin_ctx, user_id=team_a.manager.id, role="rep")
    session.commit()
    assert client.get("/api/v1/me", headers=bearer(key)).json()["role"] == "rep"


def test_a_revoked_key_stops_on_the_next_request(session, client, team_a):
    key = make_key(session, team_a)
    assert client.get("/api/v1/leads", headers=bearer(key)).status_code == 200
    key_id = api_keys.list_keys(session=session, ctx=team_a.admin_ctx)[0].id
    api_keys.revoke_key(session=session, ctx=team_a.admin_ctx, key_id=key_id)
    session.commit()
    assert client.get("/api/v1/leads", headers=bearer(key)).status_code == 401


def test_a_key_of_team_a_is_no_key_for_team_b(session, client, team_a, team_b):
    key = make_key(session, team_a)
    lead_b = leads.create_lead(session=session, ctx=team_b.rep_ctx, data={"last_name": "Secreta"})
    session.commit()
    me = client.get("/api/v1/me", headers=bearer(key)).json()
    assert me["team_id"] == team_a.team.id
    assert client.get(f"/api/v1/leads/{lead_b.id}", headers=bearer(key)).status_code == 404
    assert "Secreta" not in client.get("/api/v1/leads", headers=bearer(key)).text


def test_switching_to_another_team_is_refused(session, team_a, team_b):
    """The header's team switcher with a team the user is not in: refused, session unchanged."""
    token = _sign_in(session, team_a.rep, "rep-pass-1")
    header = make_state(SessionState, token)
    answer = header.switch_team(str(team_b.team.id))
    assert "not a member" in repr(answer)
    session.expire_all()
    assert auth.resolve_session(session=session, token=token).team_id == team_a.team.id


def test_failed_logins_back_off_even_for_unknown_addresses_and_from_the_login_page(session, team_a):
    """Guessing is slowed per address whether or not it exists (no account enumeration), and
    the login page shows the wait instead of trying."""
    from leadhub.services.models import LoginAttempt
    from leadhub.state.auth_pages import LoginState
    for email in ("ghost@nowhere.com", team_a.rep.email):
        for _ in range(auth.FREE_FAILURES):
            with pytest.raises(NotAuthenticated):
                auth.login(session=session, email=email, password="bad-guess-1")
        session.commit()
        with pytest.raises(RateLimited):
            auth.login(session=session, email=email, password="bad-guess-1")
        session.rollback()
    session.add_all([LoginAttempt(email=team_a.rep.email, succeeded=False) for _ in range(3)])  # a longer wait
    session.commit()
    page = make_state(LoginState, "")
    page.submit({"email": team_a.rep.email, "password": "rep-pass-1"})
    assert page.token == "" and "try again in" in page.error.lower()
