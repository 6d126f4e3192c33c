"""The lead page's "Send e-mail" dialog: pick a template or write the e-mail, see it as the lead
will get it (merge fields filled in), send it through the team's SMTP in the background.

Holds only the dialog's text; every event asks `emails.compose`/`send_composed` again, which
check the session, the team, the rep's ownership and unsubscribes.
"""

from __future__ import annotations

import reflex as rx

from leadhub.services import emails
from leadhub.services.db import session_scope
from leadhub.services.errors import NotAuthenticated, ValidationFailed
from leadhub.state.session import NONE, SessionState, handles_errors


class SendEmailState(SessionState):
    open: bool = False
    lead_id: int = 0
    to_email: str = ""
    templates: list[list[str]] = []     # [id, name · language]
    template_id: str = NONE
    subject: str = ""
    body: str = ""
    preview_subject: str = ""
    preview_body: str = ""
    refused: str = ""                   # why this lead cannot be e-mailed (unsubscribed, no address)
    field_errors: dict[str, str] = {}

    @rx.event
    @handles_errors
    def open_for(self, lead_id: int):
        """Open the dialog for a lead: its address, the team's templates, or why not."""
        ctx = self._ctx()
        self.lead_id, self.template_id, self.subject, self.body = int(lead_id or 0), NONE, "", ""
        self.preview_subject = self.preview_body = self.refused = self.to_email = ""
        self.field_errors = {}
        with session_scope() as session:
            self.templates = [[str(t.id), f"{t.name} · {t.language.upper()}"]
                              for t in emails.list_templates(session=session, ctx=ctx)]
            try:
                draft = emails.compose(session=session, ctx=ctx, lead_id=self.lead_id, subject="-", body="-")
                self.to_email = draft.to_email
            except ValidationFailed as exc:
                self.refused = self.tr(exc.message)
        self.open = True

    @rx.event
    def set_open(self, is_open: bool):
        self.open = bool(is_open)

    @rx.event
    @handles_errors
    def choose_template(self, template_id: str | list[str]):
        """A template fills subject and body (still editable); "none" leaves them to write."""
        if isinstance(template_id, list):
            return None
        ctx = self._ctx()
        self.template_id = template_id
        if template_id != NONE:
            with session_scope() as session:
                template = emails.get_template(session=session, ctx=ctx, template_id=int(template_id))
                self.subject, self.body = template.subject, template.body
        return SendEmailState.preview

    @rx.event
    def set_subject(self, value: str):
        self.subject = str(value)[:300]

    @rx.event
    def set_body(self, value: str):
        self.body = str(value)[:20000]

    @rx.event
    @handles_errors
    def preview(self):
        """The e-mail as the lead will read it."""
        self.field_errors = {}
        with session_scope() as session:
            draft = emails.compose(session=session, ctx=self._ctx(), lead_id=self.lead_id,
                                   template_id=self._template(), subject=self.subject, body=self.body)
        self.preview_subject, self.preview_body = draft.subject, draft.body

    @rx.event
    @handles_errors
    def send(self):
        """Queue it; the worker sends it through the team's SMTP and it joins the timeline."""
        self.field_errors = {}
        try:
            ctx = self._ctx()
        except NotAuthenticated:
            return self._to_login()
        with session_scope() as session:
            emails.send_composed(session=session, ctx=ctx, lead_id=self.lead_id, template_id=self._template(),
                                 subject=self.subject, body=self.body)
        self.open = False
        return rx.toast.success(self.tr("E-mail queued: it is sent in the background and shows on the timeline."))

    def _template(self) -> int | None:
        return int(self.template_id) if self.template_id not in (NONE, "") and self.template_id.isdigit() else None
