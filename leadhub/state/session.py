"""The signed-in browser: session cookie, user, team and language; base of every page state."""

from __future__ import annotations

import functools
from collections.abc import Callable

import reflex as rx
from reflex.state import OnLoadInternalState

from leadhub.config import get_settings
from leadhub.i18n import translate
from leadhub.services import auth
from leadhub.services.context import TeamContext
from leadhub.services.db import session_scope
from leadhub.services.errors import (
    LeadHubError,
    NotAuthenticated,
    ValidationFailed,
)

SESSION_COOKIE = "leadhub_session"
LANG_STORAGE = "leadhub_lang"
# The browser's own copy of the session cookie and the language, as [token, lang].
READ_BROWSER_SESSION = (
    f"[decodeURIComponent((document.cookie.match(/(?:^|;\\s*){SESSION_COOKIE}=([^;]*)/) || [])[1] || ''),"
    f" window.localStorage.getItem('{LANG_STORAGE}') || '']"
)
NONE = "none"  # a select's "no choice" value (Radix selects cannot hold "")


class SessionState(rx.State):
    """Holds only what the header shows; the session itself is re-checked on every event."""

    token: str = rx.Cookie("", name=SESSION_COOKIE, same_site="strict",
                           max_age=get_settings().session_hours * 3600)
    lang: str = rx.LocalStorage("en", name=LANG_STORAGE)
    user_name: str = ""
    user_email: str = ""
    team_name: str = ""
    team_timezone: str = "UTC"
    team_currency: str = "USD"
    role: str = ""
    teams: list[dict[str, str]] = []

    def _info(self) -> auth.SessionInfo:
        """The live session behind the cookie, or NotAuthenticated."""
        with session_scope() as session:
            return auth.resolve_session(session=session, token=self.token)

    def _ctx(self) -> TeamContext:
        return self._info().ctx

    def tr(self, text: str) -> str:
        return translate(text, self.lang)

    def _show(self, info: auth.SessionInfo, teams: list[tuple[int, str]]) -> None:
        self.user_name, self.user_email = info.user_name, info.user_email
        self.team_name, self.team_timezone = info.team_name, info.team_timezone
        self.team_currency, self.role = info.team_currency, info.role
        self.teams = [{"id": str(tid), "name": name} for tid, name in teams]

    def _to_login(self):
        """Where an event that needs a session goes without one: /login. But a state with no
        token at all may just have lost the browser's cookie while the tab stayed open (Reflex's
        state gone from Redis by a restart, or expired; the browser only sends its cookie when
        it (re)connects): then the browser is asked for its copy first, and
        `redirect_unless_still_signed_in` resumes the page or goes to /login."""
        if self.token:
            return rx.redirect("/login")
        return rx.call_script(READ_BROWSER_SESSION, callback=SessionState.redirect_unless_still_signed_in)

    @rx.event
    def redirect_unless_still_signed_in(self, browser: list[str]):
        """The browser's [cookie, language] for a state that had lost them: if the cookie still
        opens a session, take it back and run the page's on_load again (header, page data, with
        the filters the tab has set since); otherwise /login."""
        if self.token:
            return None   # already resumed by another event of this tab
        token, lang = (list(browser) + ["", ""])[:2] if isinstance(browser, list) else ("", "")
        if not isinstance(token, str) or not token:
            return rx.redirect("/login")
        try:
            with session_scope() as session:
                auth.resolve_session(session=session, token=token)
        except NotAuthenticated:
            return rx.redirect("/login")
        self.token = token
        if lang in ("en", "es"):
            self.lang = lang
        return OnLoadInternalState.on_load_internal

    @rx.event
    def require_login(self):
        """on_load of every private page: fill the header, or send the browser to /login."""
        try:
            with session_scope() as session:
                info = auth.resolve_session(session=session, token=self.token)
                teams = [(t.id, t.name) for t, _ in auth.teams_of_user(session=session, user_id=info.user_id)]
        except NotAuthenticated:
            response = self._to_login()
            if self.token:   # (assigning "" to an empty token would still write the browser's
                self.token = ""   # cookie: the copy `_to_login` asks the browser for)
            return response
        self._show(info, teams)

    @rx.event
    def logout(self):
        with session_scope() as session:
            auth.logout(session=session, token=self.token)
        self.token = ""
        self.user_name = self.user_email = self.team_name = self.role = ""
        self.teams = []
        return rx.redirect("/login")

    @rx.event
    def switch_team(self, team_id: str):
        try:
            with session_scope() as session:
                auth.switch_team(session=session, token=self.token, team_id=int(team_id))
        except LeadHubError as exc:
            return rx.toast.error(self.tr(exc.message))
        return rx.redirect("/leads", replace=True)

    @rx.event
    def set_language(self, lang: str | list[str]):
        if isinstance(lang, list) or lang not in ("en", "es"):
            return
        self.lang = lang
        if self.token:
            try:
                with session_scope() as session:
                    info = auth.resolve_session(session=session, token=self.token)
                    auth.set_language(session=session, ctx=info.ctx, language=lang)
            except LeadHubError:
                pass  # not signed in: the choice is kept in the browser only


def handles_errors(method: Callable) -> Callable:
    """Turn service errors into what the user sees: a redirect to /login, field errors
    under inputs (the state's `field_errors` var, when it has one), or a toast."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except NotAuthenticated:
            return self._to_login() if hasattr(self, "_to_login") else rx.redirect("/login")
        except ValidationFailed as exc:
            if hasattr(self, "field_errors"):
                self.field_errors = {k: self.tr(v) for k, v in exc.field_errors.items()}
            return rx.toast.error(self.tr(exc.message))
        except LeadHubError as exc:
            return rx.toast.error(self.tr(exc.message))

    return wrapper
