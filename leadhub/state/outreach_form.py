"""The "Log outreach" dialog: one form for every type, opened from any page, for a lead or contact."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from leadhub.i18n.outreach import translate_message
from leadhub.services import outreach, teamtime, touches
from leadhub.services.db import session_scope
from leadhub.services.errors import ValidationFailed
from leadhub.state.outreach import TYPE_KEYS, person_name, team_members
from leadhub.state.session import NONE, SessionState, handles_errors

KINDS = list(TYPE_KEYS.values())
# Every type-specific input the form can hold; the service refuses what a type does not use,
# and the form only renders the inputs of the chosen type.
TYPE_FIELDS = ("channel", "value", "email", "phone", "call_outcome")
_MINUTES = re.compile(r"^\s*(\d{1,4})(?:[.,](\d{1,2})|:(\d{1,2}))?\s*$")


def minutes_to_seconds(text: str | None) -> int | None:
    """'12' → 720, '12:30' → 750, '2,5' → 150; '' → None; anything else is a field error."""
    if text is None or not str(text).strip():
        return None
    match = _MINUTES.match(str(text))
    if not match:
        raise ValidationFailed(field_errors={"call_duration_seconds": "Enter minutes, e.g. 12 or 12:30."})
    minutes, decimals, seconds = match.groups()
    if seconds is not None:
        if int(seconds) >= 60:
            raise ValidationFailed(field_errors={"call_duration_seconds": "Enter minutes, e.g. 12 or 12:30."})
        return int(minutes) * 60 + int(seconds)
    fraction = float(f"0.{decimals}") if decimals else 0.0
    return int(minutes) * 60 + round(fraction * 60)


class OutreachFormState(SessionState):
    """Open with `open_for(lead, contact)`; the last type used is remembered in the browser."""

    dialog_open: bool = False
    kind: str = "email"
    last_kind: str = rx.LocalStorage("email", name="leadhub_outreach_type")
    for_lead: int = 0
    for_contact: int = 0
    for_label: str = ""
    defaults: dict[str, str] = {}
    members: list[list[str]] = []
    follow_up: bool = False
    ambiguous: bool = False
    fold_labels: list[str] = ["", ""]
    form_key: int = 0
    field_errors: dict[str, str] = {}

    def tr(self, text: str) -> str:
        return translate_message(text, self.lang)

    def _now_local(self) -> datetime:
        return datetime.now(ZoneInfo(self.team_timezone or "UTC")).replace(second=0, microsecond=0,
                                                                           tzinfo=None)

    @rx.event
    @handles_errors
    def open_for(self, lead_id: int = 0, contact_id: int = 0):
        """Open the empty form; for a lead or contact of the team, their e-mail and phone are
        filled in."""
        ctx = self._ctx()
        lead_id, contact_id = int(lead_id or 0), int(contact_id or 0)
        prefill = {"email": "", "phone": ""}
        label = ""
        with session_scope() as session:
            lead = touches.team_lead(session, ctx, lead_id or None)
            contact = touches.team_contact(session, ctx, contact_id or None)
            record = contact or lead
            if record is not None:
                label = person_name(record)
                prefill = {"email": record.email or "",
                           "phone": record.phone or getattr(record, "mobile", "") or ""}
            self.members = [[str(uid), name] for uid, name in team_members(session, ctx)]
        now = self._now_local()
        self.defaults = {**prefill, "occurred_at": now.strftime("%Y-%m-%dT%H:%M"),
                         "follow_up_due": (now + timedelta(days=3)).date().isoformat(),
                         "user_id": str(ctx.user_id)}
        self.for_lead, self.for_contact, self.for_label = lead_id, contact_id, label
        self.kind = self.last_kind if self.last_kind in KINDS else "email"
        self.follow_up = self.ambiguous = False
        self.field_errors = {}
        self.form_key += 1
        self.dialog_open = True

    @rx.event
    def set_dialog_open(self, is_open: bool):
        self.dialog_open = is_open

    @rx.event
    def set_kind(self, kind: str | list[str]):
        if isinstance(kind, str) and kind in KINDS:
            self.kind = kind
            self.field_errors = {}

    @rx.event
    def set_follow_up(self, checked: bool):
        self.follow_up = bool(checked)

    @rx.event
    def check_time(self, value: str):
        """On leaving the time field: say at once if the time is skipped by the DST change, and
        ask which one is meant when it happens twice."""
        errors = {k: v for k, v in self.field_errors.items() if k != "occurred_at"}
        self.ambiguous = False
        try:
            local = teamtime.parse_local(value, field="occurred_at")
            if isinstance(local, datetime):
                zone = ZoneInfo(self.team_timezone or "UTC")
                teamtime.to_utc(local, zone, field="occurred_at")
                if teamtime.is_ambiguous(local, zone):
                    first = local.replace(tzinfo=zone, fold=0).tzname()
                    second = local.replace(tzinfo=zone, fold=1).tzname()
                    self.fold_labels = [f"{local:%H:%M} {first}", f"{local:%H:%M} {second}"]
                    self.ambiguous = True
        except ValidationFailed as exc:
            errors.update({k: self.tr(v) for k, v in exc.field_errors.items()})
        self.field_errors = errors

    def _occurred_at(self, form: dict[str, Any]) -> datetime | str:
        """The typed local time, on the second pass of the hour when the user said so."""
        text = form.get("occurred_at", "")
        if self.ambiguous and form.get("occurred_fold") == "1":
            try:
                return datetime.fromisoformat(text).replace(fold=1)
            except ValueError:
                return text
        return text

    @rx.event
    @handles_errors
    def save(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        fields = {name: ("" if form.get(name) == NONE else form.get(name)) for name in TYPE_FIELDS}
        duration = minutes_to_seconds(form.get("call_duration_seconds"))
        with session_scope() as session:
            outreach.log_outreach(
                session=session, ctx=ctx, type=self.kind, description=form.get("description", ""),
                occurred_at=self._occurred_at(form), call_duration_seconds=duration,
                lead_id=self.for_lead or None, contact_id=self.for_contact or None,
                follow_up_due=form.get("follow_up_due") if self.follow_up else None,
                follow_up_subject=form.get("follow_up_subject", "") if self.follow_up else "",
                user_id=form.get("user_id") or None, **fields)
        self.last_kind = self.kind
        self.dialog_open = False
        return rx.toast.success(self.tr("Outreach logged."))
