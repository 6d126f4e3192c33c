"""The signed-in browser: session cookie, user, team and language; base of every page state."""

from __future__ import annotations

import functools
from collections.abc import Callable

import reflex as rx

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
NONE = "none"  # a select's "no choice" value (Radix selects cannot hold "")


class SessionState(rx.State):
    """Holds only what the header shows; the session itself is re-checked on every event."""

    token: str = rx.Cookie("", name=SESSION_COOKIE, same_site="strict",
                           max_age=get_settings().session_hours * 3600)
    lang: str = rx.LocalStorage("en", name="leadhub_lang")
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

    @rx.event
    def require_login(self):
        """on_load of every private page: fill the header, or send the browser to /login."""
        try:
            with session_scope() as session:
                info = auth.resolve_session(session=session, token=self.token)
                teams = [(t.id, t.name) for t, _ in auth.teams_of_user(session=session, user_id=info.user_id)]
        except NotAuthenticated:
            self.token = ""
            return rx.redirect("/login")
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
            return rx.redirect("/login")
        except ValidationFailed as exc:
            if hasattr(self, "field_errors"):
                self.field_errors = {k: self.tr(v) for k, v in exc.field_errors.items()}
            return rx.toast.error(self.tr(exc.message))
        except LeadHubError as exc:
            return rx.toast.error(self.tr(exc.message))

    return wrapper
