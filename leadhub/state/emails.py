"""E-mail pages: templates, sending to a segment, per-recipient status, sequences, SMTP settings."""

from __future__ import annotations

from typing import Any

import reflex as rx

from leadhub.services import emails, segments
from leadhub.services.db import session_scope
from leadhub.services.display import local_time
from leadhub.state.session import SessionState, handles_errors


class EmailsState(SessionState):
    templates: list[dict[str, str]] = []
    segment_choices: list[list[str]] = []
    messages: list[dict[str, str]] = []
    sequences: list[dict[str, str]] = []
    editing_id: int = 0
    form: dict[str, str] = {}
    form_key: int = 0
    field_errors: dict[str, str] = {}
    send_template: str = ""
    send_segment: str = ""
    steps: list[dict[str, str]] = []
    sequence_name: str = ""
    enroll_sequence: str = ""
    enroll_segment_id: str = ""

    @rx.var
    def can_edit(self) -> bool:
        return self.role in ("admin", "manager")

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        tz = self.team_timezone
        with session_scope() as session:
            self.templates = [{"id": str(t.id), "name": t.name, "language": t.language, "subject": t.subject}
                              for t in emails.list_templates(session=session, ctx=ctx)]
            self.segment_choices = [[str(s.id), s.name] for s in
                                    segments.list_segments(session=session, ctx=ctx, entity="lead")]
            self.messages = [{
                "id": str(m.id), "to": m.to_email or "—", "subject": m.subject, "status": m.status,
                "error": m.error, "sent": local_time(m.sent_at, tz) if m.sent_at else "",
                "opened": "yes" if m.opened_at else "", "clicked": "yes" if m.clicked_at else "",
            } for m in emails.recent_messages(session=session, ctx=ctx, limit=30)]
            names = {t["id"]: t["name"] for t in self.templates}
            self.sequences = [{
                "id": str(s.id), "name": s.name,
                "steps": " → ".join(
                    (f"{self.tr('wait')} {st['days']} d" if st["kind"] == "wait" else
                     f"{self.tr('send if no reply') if st['kind'] == 'send_if_no_reply' else self.tr('send')} "
                     f"«{names.get(str(st.get('template_id')), '?')}»") for st in s.steps),
                "enrolled": str(len(emails.enrollments_of_sequence(session=session, ctx=ctx, sequence_id=s.id))),
            } for s in emails.list_sequences(session=session, ctx=ctx)]

    @rx.event
    def new_template(self):
        self.editing_id, self.field_errors = 0, {}
        self.form = {"name": "", "language": "en", "subject": "Hi {{first_name}}",
                     "body": "Hello {{first_name}},\n\n…\n\n{{owner_name}}"}
        self.form_key += 1

    @rx.event
    @handles_errors
    def edit_template(self, template_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            t = emails.get_template(session=session, ctx=ctx, template_id=int(template_id))
            self.form = {"name": t.name, "language": t.language, "subject": t.subject, "body": t.body}
        self.editing_id, self.field_errors = int(template_id), {}
        self.form_key += 1

    @rx.event
    @handles_errors
    def save_template(self, form: dict[str, Any]):
        self.field_errors = {}
        ctx = self._ctx()
        data = {k: form.get(k, "") for k in ("name", "language", "subject", "body")}
        with session_scope() as session:
            if self.editing_id:
                emails.update_template(session=session, ctx=ctx, template_id=self.editing_id, data=data)
            else:
                self.editing_id = emails.create_template(session=session, ctx=ctx, data=data).id
        self.form = data
        return [EmailsState.load, rx.toast.success(self.tr("Template saved."))]

    @rx.event
    def set_send_template(self, value: str):
        self.send_template = value

    @rx.event
    def set_send_segment(self, value: str):
        self.send_segment = value

    @rx.event
    @handles_errors
    def send_to_segment(self):
        ctx = self._ctx()
        if not self.send_template or not self.send_segment:
            return rx.toast.error(self.tr("Choose a template and a segment."))
        with session_scope() as session:
            result = emails.send_to_segment(session=session, ctx=ctx, template_id=int(self.send_template),
                                            segment_id=int(self.send_segment))
        return [EmailsState.load, rx.toast.success(
            self.tr("{queued} e-mails queued, {skipped} skipped.").format(queued=result.queued,
                                                                          skipped=result.skipped))]

    # --- sequences ------------------------------------------------------------------------

    @rx.event
    def set_sequence_name(self, value: str):
        self.sequence_name = value

    @rx.event
    def add_step(self, kind: str):
        if kind in emails.STEP_KINDS and len(self.steps) < 30:
            first = self.templates[0]["id"] if self.templates else ""
            self.steps = [*self.steps, {"kind": kind, "template_id": first, "days": "3"}]

    @rx.event
    def set_step(self, index: int, key: str, value: str):
        rows = [dict(r) for r in self.steps]
        if 0 <= int(index) < len(rows) and key in ("template_id", "days"):
            rows[int(index)][key] = value
            self.steps = rows

    @rx.event
    def remove_step(self, index: int):
        self.steps = [r for i, r in enumerate(self.steps) if i != int(index)]

    @rx.event
    @handles_errors
    def save_sequence(self):
        ctx = self._ctx()
        with session_scope() as session:
            emails.create_sequence(session=session, ctx=ctx, name=self.sequence_name, steps=[
                {"kind": s["kind"], "template_id": s["template_id"], "days": s["days"]} for s in self.steps])
        self.steps, self.sequence_name = [], ""
        return [EmailsState.load, rx.toast.success(self.tr("Sequence saved."))]

    @rx.event
    def set_enroll_sequence(self, value: str):
        self.enroll_sequence = value

    @rx.event
    def set_enroll_segment(self, value: str):
        self.enroll_segment_id = value

    @rx.event
    @handles_errors
    def enroll_segment(self):
        if not self.enroll_sequence or not self.enroll_segment_id:
            return rx.toast.error(self.tr("Choose a sequence and a segment."))
        ctx = self._ctx()
        with session_scope() as session:
            added = emails.enroll_segment(session=session, ctx=ctx, sequence_id=int(self.enroll_sequence),
                                          segment_id=int(self.enroll_segment_id))
        return [EmailsState.load, rx.toast.success(self.tr("{n} leads started the sequence.").format(n=added))]


class SmtpSettingsState(SessionState):
    """Settings → E-mail server (admins)."""

    values: dict[str, str] = {}
    field_errors: dict[str, str] = {}
    form_key: int = 0

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    @rx.event
    @handles_errors
    def load(self):
        if self.role != "admin":
            return
        ctx = self._ctx()
        with session_scope() as session:
            read = emails.get_smtp(session=session, ctx=ctx)
        self.values = {"host": read.host, "port": str(read.port), "security": read.security,
                       "username": read.username, "from_email": read.from_email,
                       "from_name": read.from_name, "per_minute": str(read.per_minute),
                       "password_set": "yes" if read.password_set else ""}
        self.form_key += 1

    @rx.event
    @handles_errors
    def save(self, form: dict[str, Any]):
        self.field_errors = {}
        ctx = self._ctx()
        with session_scope() as session:
            emails.save_smtp(session=session, ctx=ctx, data=form)
        return [SmtpSettingsState.load, rx.toast.success(self.tr("E-mail server saved."))]
