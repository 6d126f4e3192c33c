"""The follow-up queue (one page of a rep's quiet contacts and leads) and the team's intervals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import reflex as rx

from leadhub.i18n.outreach import translate_message
from leadhub.services import followup
from leadhub.services.db import session_scope
from leadhub.services.display import local_time, money, phone, relative
from leadhub.state.outreach import contact_href, lead_href, local_today, team_members
from leadhub.state.session import SessionState, handles_errors

PAGE_SIZE = 25
POLICY_FIELDS = ("hot_days", "warm_days", "cold_days", "unrated_days")
TOUCH_TYPES = ("call", "email", "meeting")


def overdue_text(days: float) -> str:
    """How long past due, to the day ('3 d'), or to the hour under a day ('5 h')."""
    if days >= 1:
        return f"{int(days)} d"
    return f"{max(1, int(days * 24))} h"


class FollowUpState(SessionState):
    """/followup: the caller's queue; managers and admins may pick a rep or everyone."""

    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    rep_filter: str = "me"
    members: list[list[str]] = []
    field_errors: dict[str, str] = {}
    _loaded_lang: str = ""

    def tr(self, text: str) -> str:
        return translate_message(text, self.lang)

    @rx.event
    def relabel(self):
        """Reload after a language switch (the rows hold texts in the language of the last load)."""
        if self._loaded_lang and self._loaded_lang != self.lang:
            return FollowUpState.load
        return None

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        self._loaded_lang = self.lang
        rep_id, everyone = None, False
        if self.rep_filter == "all":
            everyone = True
        elif self.rep_filter not in ("me", ""):
            rep_id = int(self.rep_filter)
        tz, currency = self.team_timezone, self.team_currency
        with session_scope() as session:
            result = followup.queue(session=session, ctx=ctx, rep_id=rep_id, everyone=everyone,
                                    page=self.page, page_size=PAGE_SIZE)
            if result.page > result.pages:
                result = followup.queue(session=session, ctx=ctx, rep_id=rep_id, everyone=everyone,
                                        page=result.pages, page_size=PAGE_SIZE)
            members = team_members(session, ctx)
        names = dict(members)
        self.members = [[str(uid), name] for uid, name in members] if ctx.is_manager else []
        self.rows = [{
            "kind": item.kind, "id": str(item.id), "name": item.name or f"#{item.id}",
            "company": item.company, "email": item.email, "phone": phone(item.phone),
            "rating": item.rating, "score": str(item.score),
            "overdue": overdue_text(item.overdue_days),
            "last_rel": relative(item.last_touch_at, lang=self.lang),
            "last_local": local_time(item.last_touch_at, tz),
            "due_local": local_time(item.due_at, tz),
            "deal_value": money(item.open_deal_value, currency) if item.open_deal_value else "",
            "owner": names.get(item.owner_id, ""),
            "href": lead_href(item.id) if item.kind == "lead" else contact_href(item.id),
        } for item in result.items]
        self.total, self.page, self.pages = result.total, result.page, result.pages

    @rx.event
    def set_rep(self, value: str):
        self.rep_filter, self.page = value, 1
        return FollowUpState.load

    @rx.event
    def go_to_page(self, page: int):
        self.page = max(1, min(int(page), self.pages))
        return FollowUpState.load

    @rx.event
    @handles_errors
    def log_touch(self, kind: str, record_id: int, touch_type: str = "call"):
        """One click: a touch now; the item leaves the queue."""
        ctx = self._ctx()
        with session_scope() as session:
            followup.log_touch(session=session, ctx=ctx, kind=kind, record_id=int(record_id),
                               touch_type=touch_type, note=self.tr("Follow-up from the queue."))
        return [FollowUpState.load, rx.toast.success(self.tr("Touch logged."))]

    def _snooze(self, kind: str, record_id: int, until: str):
        ctx = self._ctx()
        self.field_errors = {}
        with session_scope() as session:
            followup.snooze(session=session, ctx=ctx, kind=kind, record_id=int(record_id), until=until)
        return [FollowUpState.load, rx.toast.success(self.tr("Snoozed."))]

    @rx.event
    @handles_errors
    def snooze_for(self, kind: str, record_id: int, days: int):
        """Until 09:00 (team time) `days` days from today."""
        day = local_today(self.team_timezone) + timedelta(days=max(1, min(int(days), 365)))
        return self._snooze(kind, record_id, day.isoformat())

    @rx.event
    @handles_errors
    def snooze(self, form: dict[str, Any]):
        """Until the date picked (09:00 that day, team time)."""
        return self._snooze(form.get("kind", ""), form.get("record_id", 0), form.get("until", ""))


class FollowUpPolicyState(SessionState):
    """The follow-up intervals card on the Settings page (admins change them)."""

    values: dict[str, str] = {}
    field_errors: dict[str, str] = {}
    form_key: int = 0

    def tr(self, text: str) -> str:
        return translate_message(text, self.lang)

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            policy = followup.get_policy(session=session, ctx=ctx)
            self.values = {name: str(getattr(policy, name)) for name in POLICY_FIELDS}
        self.field_errors = {}
        self.form_key += 1

    @rx.event
    @handles_errors
    def save(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        with session_scope() as session:
            followup.update_policy(session=session, ctx=ctx,
                                   **{name: form.get(name, "") for name in POLICY_FIELDS})
        return [FollowUpPolicyState.load, rx.toast.success(self.tr("Intervals saved."))]
