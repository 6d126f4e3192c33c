"""Settings → API access (admins): the team's API keys and outgoing webhooks.

A new key's token and a webhook's signing secret come back from the service once; the state
holds them only until the admin closes the notice (they are never loaded again)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from leadhub.services import api_keys, auth, webhooks
from leadhub.services.db import session_scope
from leadhub.services.display import local_time
from leadhub.services.errors import ValidationFailed
from leadhub.state.session import SessionState, handles_errors

EVENTS = tuple(webhooks.EVENTS)
KEY_ROLES = ("rep", "manager", "admin")


class ApiSettingsState(SessionState):
    keys: list[dict[str, str]] = []
    members: list[list[str]] = []
    hooks: list[dict[str, Any]] = []
    field_errors: dict[str, str] = {}
    shown_once: dict[str, str] = {}          # {"kind": "key"|"secret", "label", "value"}
    api_form_key: int = 0
    hook_events: list[str] = ["lead.created"]

    @rx.event
    @handles_errors
    def load(self):
        if self.role != "admin":
            return
        ctx = self._ctx()
        with session_scope() as session:
            keys = api_keys.list_keys(session=session, ctx=ctx)
            hooks = webhooks.list_endpoints(session=session, ctx=ctx)
            members = auth.list_members(session=session, ctx=ctx)
        zone = self.team_timezone
        self.keys = [{"id": str(k.id), "name": k.name, "prefix": k.prefix, "role": k.role,
                      "user": k.user_name, "created": local_time(k.created_at, zone),
                      "last_used": local_time(k.last_used_at, zone),
                      "revoked": local_time(k.revoked_at, zone)} for k in keys]
        self.hooks = [{"id": str(h.id), "url": h.url, "events": ", ".join(h.events),
                       "enabled": h.enabled, "secret": h.secret_masked, "description": h.description}
                      for h in hooks]
        self.members = [[str(user.id), f"{user.full_name or user.email} ({membership.role})"]
                        for user, membership in members]

    @rx.event
    @handles_errors
    def create_key(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        try:
            with session_scope() as session:
                key, token = api_keys.create_key(
                    session=session, ctx=ctx, name=str(form.get("name") or ""),
                    role=str(form.get("role") or "rep"),
                    user_id=int(form["user_id"]) if str(form.get("user_id") or "").isdigit() else None)
        except ValidationFailed as exc:
            self.field_errors = {f"key_{k}": self.tr(v) for k, v in exc.field_errors.items()}
            return rx.toast.error(self.tr(exc.message))
        self.shown_once = {"kind": "key", "label": key.name, "value": token}
        self.api_form_key += 1
        self.load()
        return rx.toast.success(self.tr("API key created."))

    @rx.event
    @handles_errors
    def revoke_key(self, key_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            api_keys.revoke_key(session=session, ctx=ctx, key_id=int(key_id))
        self.load()
        return rx.toast.success(self.tr("API key revoked."))

    @rx.event
    def toggle_event(self, event: str, on: bool):
        if event in EVENTS:
            chosen = [e for e in self.hook_events if e != event] + ([event] if on else [])
            self.hook_events = [e for e in EVENTS if e in chosen]

    @rx.event
    @handles_errors
    def create_hook(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        try:
            with session_scope() as session:
                endpoint, secret = webhooks.create_endpoint(
                    session=session, ctx=ctx, url=str(form.get("url") or ""), events=list(self.hook_events),
                    description=str(form.get("description") or ""))
        except ValidationFailed as exc:
            self.field_errors = {f"hook_{k}": self.tr(v) for k, v in exc.field_errors.items()}
            return rx.toast.error(self.tr(exc.message))
        self.shown_once = {"kind": "secret", "label": endpoint.url, "value": secret}
        self.api_form_key += 1
        self.load()
        return rx.toast.success(self.tr("Webhook added."))

    @rx.event
    @handles_errors
    def set_hook_enabled(self, hook_id: str, on: bool):
        ctx = self._ctx()
        with session_scope() as session:
            webhooks.update_endpoint(session=session, ctx=ctx, endpoint_id=int(hook_id),
                                     changes={"enabled": bool(on)})
        self.load()

    @rx.event
    @handles_errors
    def rotate_hook(self, hook_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            endpoint, secret = webhooks.rotate_secret(session=session, ctx=ctx, endpoint_id=int(hook_id))
        self.shown_once = {"kind": "secret", "label": endpoint.url, "value": secret}
        self.load()

    @rx.event
    @handles_errors
    def test_hook(self, hook_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            status = webhooks.send_test(session=session, ctx=ctx, endpoint_id=int(hook_id))
        return rx.toast.success(self.tr("The webhook answered") + f" {status}.")

    @rx.event
    @handles_errors
    def delete_hook(self, hook_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            webhooks.delete_endpoint(session=session, ctx=ctx, endpoint_id=int(hook_id))
        self.load()
        return rx.toast.success(self.tr("Webhook removed."))

    @rx.event
    def dismiss_shown_once(self):
        self.shown_once = {}
