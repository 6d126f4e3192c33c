"""Settings → Notifications (admins): Telegram and Slack channels with a test message, and the
notifications that failed after their last try, with Retry and Retry all.

Secrets typed into the form are used for the one request that saves or tests them and are
never kept in the state; the browser only ever gets the masked hint back."""

from __future__ import annotations

from typing import Any

import reflex as rx

from leadhub.services import events, notifications
from leadhub.services.db import session_scope
from leadhub.services.display import local_time
from leadhub.services.errors import ValidationFailed
from leadhub.services.notifications import ChannelKind, NotificationChannelUpdate
from leadhub.state.session import SessionState, handles_errors

KINDS = tuple(k.value for k in ChannelKind)
FAILED_PAGE_SIZE = 10
ACTIONS = ("save", "test")


class NotificationSettingsState(SessionState):
    channels: dict[str, dict[str, str]] = {}
    enabled: dict[str, bool] = {}
    placeholders: list[str] = []
    notif_key: int = 0
    field_errors: dict[str, str] = {}
    action: str = "save"
    last_test: dict[str, str] = {}

    failed: list[dict[str, str]] = []
    failed_total: int = 0
    failed_page: int = 1
    failed_pages: int = 1

    @rx.event
    @handles_errors
    def load(self):
        """Channels (secrets masked) and the first page of failed notifications."""
        if self.role != "admin":
            return
        ctx = self._ctx()
        with session_scope() as session:
            channels = notifications.list_channels(session=session, ctx=ctx)
        self.channels = {c.kind: {
            "secret_masked": c.secret_masked, "chat_id": c.chat_id,
            "api_base_url": c.api_base_url, "template": c.template,
            "default_template": c.default_template, "configured": "yes" if c.configured else "",
            "updated": local_time(c.updated_at, self.team_timezone),
        } for c in channels}
        self.enabled = {c.kind: c.enabled for c in channels}
        self.placeholders = ["{" + p + "}" for p in channels[0].placeholders] if channels else []
        self.field_errors = {}
        self.notif_key += 1
        self._load_failed(ctx)

    def _load_failed(self, ctx) -> None:
        with session_scope() as session:
            result = notifications.list_failed(session=session, ctx=ctx, page=self.failed_page,
                                               page_size=FAILED_PAGE_SIZE)
        self.failed = [{
            "id": str(n.id), "channel": n.channel.capitalize(), "deal": n.deal_name,
            "event": n.event_name, "attempts": str(n.attempts), "error": n.last_error,
            "created": local_time(n.created_at, self.team_timezone),
        } for n in result.items]
        self.failed_total = result.total
        self.failed_pages = max(1, -(-result.total // result.page_size))

    @rx.event
    def set_enabled(self, kind: str, on: bool):
        if kind in KINDS:
            self.enabled = {**self.enabled, kind: bool(on)}

    @rx.event
    def set_action(self, action: str):
        """Which button submitted the form: it runs just before the form's submit event."""
        if action in ACTIONS:
            self.action = action

    def _update(self, kind: str, form: dict[str, Any]) -> NotificationChannelUpdate:
        secret = str(form.get("secret") or "").strip()
        return NotificationChannelUpdate(
            enabled=self.enabled.get(kind, False),
            secret=secret or None,                  # empty keeps the stored secret
            chat_id=str(form.get("chat_id") or "") if kind == "telegram" else None,
            api_base_url=str(form.get("api_base_url") or "") if kind == "telegram" else None,
            template=str(form.get("template") or ""))

    @rx.event
    def submit(self, kind: str, form: dict[str, Any]):
        action, self.action = self.action, "save"
        if kind not in KINDS:
            return
        return self._send_test(kind, form) if action == "test" else self._save(kind, form)

    @handles_errors
    def _save(self, kind: str, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        try:
            with session_scope() as session:
                notifications.save_channel(session=session, ctx=ctx, kind=kind,
                                           channel_in=self._update(kind, form))
        except ValidationFailed as exc:
            self.field_errors = {f"{kind}_{k}": self.tr(v) for k, v in exc.field_errors.items()}
            return rx.toast.error(self.tr(exc.message))
        self.load()
        return rx.toast.success(self.tr("Notification settings saved."))

    @handles_errors
    def _send_test(self, kind: str, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        try:
            with session_scope() as session:
                text = notifications.send_test(session=session, ctx=ctx, kind=kind,
                                               channel_in=self._update(kind, form))
        except ValidationFailed as exc:
            self.field_errors = {f"{kind}_{k}": self.tr(v) for k, v in exc.field_errors.items()}
            return rx.toast.error(self.tr(exc.message))
        self.last_test = {**self.last_test, kind: text}
        return rx.toast.success(self.tr("Test message sent."))

    # --- failed notifications -------------------------------------------------------------

    @rx.event
    @handles_errors
    def retry(self, notification_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            events.after_commit(session)
            notifications.retry(session=session, ctx=ctx, notification_id=int(notification_id))
        self._load_failed(ctx)
        return rx.toast.success(self.tr("Sending again."))

    @rx.event
    @handles_errors
    def retry_all(self):
        ctx = self._ctx()
        with session_scope() as session:
            events.after_commit(session)
            count = notifications.retry_all_failed(session=session, ctx=ctx)
        self.failed_page = 1
        self._load_failed(ctx)
        return rx.toast.success(self.tr("Sending {count} again.").format(count=count))

    @rx.event
    @handles_errors
    def go_to_failed_page(self, page: int):
        self.failed_page = max(1, min(int(page), self.failed_pages))
        self._load_failed(self._ctx())

