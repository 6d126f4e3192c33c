"""Settings: team preferences, members and roles (admins only), and one's own password."""

from __future__ import annotations

import reflex as rx

from leadhub.services import auth
from leadhub.services.db import session_scope
from leadhub.state.session import SessionState, handles_errors


class SettingsState(SessionState):
    team_form: dict[str, str] = {}
    members: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    new_member_role: str = "rep"
    new_member_password: str = ""
    form_key: int = 0

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            team = auth.get_team(session=session, ctx=ctx)
            self.team_form = {"name": team.name, "timezone": team.timezone, "currency": team.currency,
                              "language": team.language, "country": team.country}
            self.members = [{"id": str(u.id), "name": u.full_name, "email": u.email, "role": m.role}
                            for u, m in auth.list_members(session=session, ctx=ctx)]
        self.new_member_password = ""
        self.form_key += 1

    @rx.event
    @handles_errors
    def save_team(self, form: dict):
        self.field_errors = {}
        ctx = self._ctx()
        with session_scope() as session:
            auth.update_team_settings(session=session, ctx=ctx, name=form.get("name", ""),
                                      timezone=form.get("timezone", ""),
                                      currency=form.get("currency", ""),
                                      language=form.get("language", ""),
                                      country=form.get("country", ""))
        return [SessionState.require_login, SettingsState.load,
                rx.toast.success(self.tr("Settings saved."))]

    @rx.event
    def set_new_member_role(self, role: str):
        self.new_member_role = role

    @rx.event
    @handles_errors
    def add_member(self, form: dict):
        self.field_errors = {}
        ctx = self._ctx()
        with session_scope() as session:
            _, generated = auth.invite_member(session=session, ctx=ctx, email=form.get("email", ""),
                                              role=self.new_member_role,
                                              full_name=form.get("full_name", ""))
        self.load()
        self.new_member_password = generated or ""
        return rx.toast.success(self.tr("Member added."))

    @rx.event
    @handles_errors
    def change_role(self, user_id: str, role: str):
        ctx = self._ctx()
        with session_scope() as session:
            auth.change_role(session=session, ctx=ctx, user_id=int(user_id), role=role)
        self.load()
        return rx.toast.success(self.tr("Settings saved."))

    @rx.event
    @handles_errors
    def remove_member(self, user_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            auth.remove_member(session=session, ctx=ctx, user_id=int(user_id))
        self.load()

    @rx.event
    @handles_errors
    def change_password(self, form: dict):
        self.field_errors = {}
        ctx = self._ctx()
        with session_scope() as session:
            auth.change_own_password(session=session, ctx=ctx, current=form.get("current_password", ""),
                                     new=form.get("new_password", ""), keep_token=self.token)
        self.form_key += 1
        return rx.toast.success(self.tr("Password changed."))
