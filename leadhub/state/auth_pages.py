"""Login and sign-up forms: thin adapters over services.auth."""

from __future__ import annotations

import reflex as rx

from leadhub.services import auth
from leadhub.services.db import session_scope
from leadhub.services.errors import LeadHubError, NotAuthenticated, ValidationFailed
from leadhub.state.session import SessionState

COMMON_TIMEZONES = [
    "Europe/Madrid", "America/Mexico_City", "America/Bogota", "America/Lima",
    "America/Argentina/Buenos_Aires", "America/Santiago", "America/Caracas", "America/New_York",
    "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "Europe/London",
    "Europe/Berlin", "UTC",
]


class LoginState(SessionState):
    error: str = ""

    @rx.event
    def redirect_if_signed_in(self):
        if not self.token:
            return
        try:
            self._info()
        except NotAuthenticated:
            self.token = ""
            return
        return rx.redirect("/leads")

    @rx.event
    def submit(self, form: dict):
        self.error = ""
        try:
            with session_scope() as session:
                token, info = auth.login(session=session, email=form.get("email", ""),
                                         password=form.get("password", ""))
        except LeadHubError as exc:
            self.error = self.tr(exc.message)
            return
        self.token = token
        self.lang = info.user_language
        return rx.redirect("/leads")


class SignupState(SessionState):
    field_errors: dict[str, str] = {}
    timezone: str = "Europe/Madrid"
    currency: str = "EUR"

    @rx.event
    def set_timezone(self, value: str):
        self.timezone = value

    @rx.event
    def set_currency(self, value: str):
        self.currency = value

    @rx.event
    def submit(self, form: dict):
        self.field_errors = {}
        try:
            with session_scope() as session:
                auth.sign_up(session=session, team_name=form.get("team_name", ""),
                             email=form.get("email", ""), password=form.get("password", ""),
                             full_name=form.get("full_name", ""), timezone=self.timezone,
                             currency=self.currency, language=self.lang)
            with session_scope() as session:
                token, _ = auth.login(session=session, email=form.get("email", ""),
                                      password=form.get("password", ""))
        except ValidationFailed as exc:
            self.field_errors = {k: self.tr(v) for k, v in exc.field_errors.items()}
            return
        except LeadHubError as exc:
            self.field_errors = {"email": self.tr(exc.message)}
            return
        self.token = token
        return rx.redirect("/leads")
