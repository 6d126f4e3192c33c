"""A tab whose server-side state was lost (Redis restarted, state expired) while the browser
kept its session cookie: the state starts again with no token. Instead of sending the user to
/login, the first event that needs the session asks the browser for its cookie, and the answer
resumes the page signed in; a browser without a valid cookie still goes to /login."""

from __future__ import annotations

import asyncio

from reflex.state import OnLoadInternalState

from leadhub.services import auth, leads
from leadhub.state.leads import LeadsState
from leadhub.state.session import SessionState
from tests.state.conftest import make_state


def _login(session, email, password):
    token, _ = auth.login(session=session, email=email, password=password)
    session.commit()
    return token


def _asks_the_browser(result) -> bool:
    """A call_script reading the browser's cookie, answered to redirect_unless_still_signed_in."""
    text = repr(result)
    return "document.cookie" in text and "redirect_unless_still_signed_in" in text


def test_a_state_that_lost_its_token_asks_the_browser_and_resumes_signed_in(app_database, session, team_a):
    leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Núñez"})
    session.commit()
    token = _login(session, team_a.rep.email, "rep-pass-1")

    lost = make_state(LeadsState)                  # a fresh state: the browser still holds `token`
    lost._get_root_state()._clean()
    lost.search = "núñez"                          # the filter the tab set in the lost state's event
    for result in (lost.require_login(), lost.load()):
        assert _asks_the_browser(result)
    delta = lost._get_root_state().get_delta()     # "" again would overwrite the browser's cookie
    delta = asyncio.run(delta) if asyncio.iscoroutine(delta) else delta
    assert not [var for changes in delta.values() for var in changes if var.startswith("token")], delta
    assert lost.rows == []

    again = lost.redirect_unless_still_signed_in([token, "es"])
    assert again == OnLoadInternalState.on_load_internal   # the page's on_load runs again
    assert lost.token == token and lost.lang == "es"
    lost.require_login()
    lost.load()
    assert lost.team_name == "Acme Ventas" and [r["name"] for r in lost.rows] == ["Núñez"]
    # A second answer (another event of the same tab asked too) changes nothing.
    assert lost.redirect_unless_still_signed_in(["", "en"]) is None and lost.token == token


def test_a_browser_without_a_valid_cookie_still_goes_to_login(app_database, session, team_a):
    token = _login(session, team_a.rep.email, "rep-pass-1")
    auth.logout(session=session, token=token)
    session.commit()
    for answer in (["", ""], [token, "en"], ["forged", "en"], "not-a-list", [None, 3], []):
        state = make_state(SessionState)
        result = state.redirect_unless_still_signed_in(answer)
        assert "redirect" in repr(result).lower() and "/login" in repr(result), answer
        assert state.token == "" and state.user_name == ""


def test_a_state_with_a_stale_token_goes_straight_to_login(app_database, session, team_a):
    token = _login(session, team_a.rep.email, "rep-pass-1")
    auth.logout(session=session, token=token)
    session.commit()
    state = make_state(SessionState, token)
    result = state.require_login()
    assert not _asks_the_browser(result) and "/login" in repr(result) and state.token == ""
