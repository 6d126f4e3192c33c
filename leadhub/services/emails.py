"""Follow-up e-mails: templates with merge fields, sending through the team's own SMTP server in
the background, open/click tracking, unsubscribe, and sequences that stop when the lead answers.

    templates      {{first_name}}, {{company}}, {{cf.<key>}} or a custom field's key; English or Spanish
    send           one lead or a segment → EmailMessage rows (queued), delivered after commit by
                   the worker, throttled per team, each with its own status
    tracking       a pixel (/api/e/o/<token>.gif), signed click redirects (/api/e/c/<token>),
                   and an unsubscribe page (/api/e/u/<token>) plus RFC 8058 one-click
    sequences      steps "send", "wait N days", "send if no reply"; an enrollment stops when the
                   lead replies, converts or unsubscribes

Each send is an e-mail Outreach on the lead (so last contacted moves and replies can be
recorded on it); each open and click is a completed e-mail Activity and an EmailOpened or
EmailClicked event, so the score follows. An unsubscribed address is never e-mailed again.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import re
import secrets
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint, func, update
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from leadhub.config import get_settings
from leadhub.services import crypto, custom_fields
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import IntegrationError, NotFound, ValidationFailed
from leadhub.services.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    DomainEvent,
    Lead,
    LeadStatus,
    Outreach,
    OutreachType,
    ResponseStatus,
    Role,
    User,
    utcnow,
)

log = logging.getLogger(__name__)

LANGUAGES = ("en", "es")
SECURITY = ("starttls", "ssl", "none")
SMTP_TIMEOUT = 20
MAX_SEGMENT_SEND = 5000
STANDARD_MERGE_FIELDS = ("first_name", "last_name", "company", "title", "email", "city",
                         "country", "owner_name", "team_name")
MERGE = re.compile(r"\{\{\s*([a-zA-Z0-9_.]+)\s*\}\}")
URL = re.compile(r"https?://[^\s<>\"')]+")
REPLIED = (ResponseStatus.REPLIED.value, ResponseStatus.POSITIVE.value, ResponseStatus.NEGATIVE.value)
EMAIL_OPENED = "EmailOpened"
EMAIL_CLICKED = "EmailClicked"
EMAIL_SENT = "EmailSent"
REPLIED_STATUS = "replied"   # a sent message its recipient answered
MAX_INBOUND_BYTES = 10 * 1024 * 1024
MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
PIXEL = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
         b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
UNSUBSCRIBE_TEXT = {
    "en": "Don't want these e-mails? Unsubscribe: {url}",
    "es": "¿No quieres recibir estos correos? Darte de baja: {url}",
}


# --- Tables ---------------------------------------------------------------------------------

class SmtpSettings(SQLModel, table=True):
    __tablename__ = "smtp_settings"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False, unique=True))
    host: str = Field(default="", max_length=255)
    port: int = Field(default=587)
    security: str = Field(default="starttls", max_length=10)
    username: str = Field(default="", max_length=255)
    password_encrypted: str = Field(default="", max_length=2000)
    from_email: str = Field(default="", max_length=254)
    from_name: str = Field(default="", max_length=120)
    per_minute: int = Field(default=30, description="throttle: messages per minute")
    updated_at: datetime = Field(default_factory=utcnow)


class EmailTemplate(SQLModel, table=True):
    __tablename__ = "email_template"
    __table_args__ = (Index("ix_email_template_team_name", "team_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    name: str = Field(max_length=120)
    language: str = Field(default="en", max_length=5)
    subject: str = Field(max_length=255)
    body: str = Field(max_length=20000)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)


class EmailMessage(SQLModel, table=True):
    """One e-mail to one recipient: queued, then sent or failed or skipped, with its tracking."""

    __tablename__ = "email_message"
    __table_args__ = (
        Index("ix_email_message_team_created", "team_id", "created_at"),
        Index("ix_email_message_status", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    lead_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("lead.id", ondelete="SET NULL"), index=True))
    template_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("email_template.id", ondelete="SET NULL")))
    enrollment_id: int | None = Field(default=None, index=True)
    to_email: str = Field(max_length=254)
    subject: str = Field(max_length=255)
    body: str = Field(max_length=30000)
    language: str = Field(default="en", max_length=5)
    token: str = Field(max_length=64, unique=True, index=True)
    status: str = Field(default="queued", max_length=10)   # queued | sent | failed | skipped
    error: str = Field(default="", max_length=1000)
    attempts: int = Field(default=0)
    sent_by: int | None = Field(default=None, foreign_key="user.id")
    outreach_id: int | None = Field(default=None, foreign_key="outreach.id")
    message_id: str = Field(default="", max_length=255)
    sent_at: datetime | None = None
    opened_at: datetime | None = None
    clicked_at: datetime | None = None
    opens: int = Field(default=0)
    clicks: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)


class EmailUnsubscribe(SQLModel, table=True):
    __tablename__ = "email_unsubscribe"
    __table_args__ = (UniqueConstraint("team_id", "email", name="uq_email_unsubscribe_team_email"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    email: str = Field(max_length=254)
    lead_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("lead.id", ondelete="SET NULL")))
    unsubscribed_at: datetime = Field(default_factory=utcnow)


class Sequence(SQLModel, table=True):
    __tablename__ = "email_sequence"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False, index=True))
    name: str = Field(max_length=120)
    steps: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class Enrollment(SQLModel, table=True):
    __tablename__ = "sequence_enrollment"
    __table_args__ = (
        UniqueConstraint("sequence_id", "lead_id", name="uq_sequence_enrollment_lead"),
        Index("ix_sequence_enrollment_due", "status", "next_run_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    sequence_id: int = Field(sa_column=Column(Integer, ForeignKey("email_sequence.id", ondelete="CASCADE"),
                                              nullable=False))
    lead_id: int = Field(sa_column=Column(Integer, ForeignKey("lead.id", ondelete="CASCADE"),
                                          nullable=False, index=True))
    step: int = Field(default=0)
    status: str = Field(default="active", max_length=12)   # active | completed | stopped
    stop_reason: str = Field(default="", max_length=40)
    next_run_at: datetime = Field(default_factory=utcnow)
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# --- SMTP settings --------------------------------------------------------------------------

@dataclass(frozen=True)
class SmtpRead:
    host: str
    port: int
    security: str
    username: str
    password_set: bool
    from_email: str
    from_name: str
    per_minute: int

    @property
    def configured(self) -> bool:
        return bool(self.host and self.from_email)


def _smtp_row(session: Session, team_id: int) -> SmtpSettings | None:
    return session.exec(select(SmtpSettings).where(SmtpSettings.team_id == team_id)).first()


def get_smtp(*, session: Session, ctx: TeamContext) -> SmtpRead:
    ctx.require(Role.ADMIN)
    row = _smtp_row(session, ctx.team_id) or SmtpSettings(team_id=ctx.team_id)
    return SmtpRead(row.host, row.port, row.security, row.username, bool(row.password_encrypted),
                    row.from_email, row.from_name, row.per_minute)


def save_smtp(*, session: Session, ctx: TeamContext, data: dict[str, Any]) -> SmtpRead:
    """Admins set the team's server; an empty password keeps the stored one."""
    from leadhub.services.auth import normalise_email
    ctx.require(Role.ADMIN)
    errors: dict[str, str] = {}
    host = str(data.get("host") or "").strip()
    if not host or len(host) > 255 or any(c.isspace() for c in host):
        errors["host"] = "Enter the SMTP server's host name."
    try:
        port = int(str(data.get("port") or "").strip())
        if not 1 <= port <= 65535:
            raise ValueError
    except ValueError:
        errors["port"] = "Enter a port from 1 to 65535."
        port = 0
    security = str(data.get("security") or "starttls")
    if security not in SECURITY:
        errors["security"] = "Choose STARTTLS, SSL/TLS or none."
    from_email = ""
    try:
        from_email = normalise_email(str(data.get("from_email") or ""))
    except ValidationFailed:
        errors["from_email"] = "Enter the address e-mails come from."
    try:
        per_minute = int(str(data.get("per_minute") or "30").strip())
        if not 1 <= per_minute <= 600:
            raise ValueError
    except ValueError:
        errors["per_minute"] = "Use 1 to 600 messages per minute."
        per_minute = 30
    if errors:
        raise ValidationFailed(field_errors=errors)
    row = _smtp_row(session, ctx.team_id) or SmtpSettings(team_id=ctx.team_id)
    row.host, row.port, row.security = host, port, security
    row.username = str(data.get("username") or "").strip()[:255]
    password = str(data.get("password") or "")
    if password:
        row.password_encrypted = crypto.encrypt(password)
    row.from_email, row.from_name = from_email, str(data.get("from_name") or "").strip()[:120]
    row.per_minute, row.updated_at = per_minute, utcnow()
    session.add(row)
    session.flush()
    return get_smtp(session=session, ctx=ctx)


def _connect(row: SmtpSettings) -> smtplib.SMTP:
    try:
        if row.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(row.host, row.port, timeout=SMTP_TIMEOUT,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(row.host, row.port, timeout=SMTP_TIMEOUT)
            if row.security == "starttls":
                client.starttls(context=ssl.create_default_context())
        if row.username:
            client.login(row.username, crypto.decrypt(row.password_encrypted) if row.password_encrypted else "")
        return client
    except (smtplib.SMTPException, OSError) as exc:
        raise IntegrationError(f"Could not connect to the SMTP server {row.host}:{row.port}: {exc}") from exc


# --- Templates and merge fields ---------------------------------------------------------------

def _subject_body_errors(subject: str, body: str, subject_too_long: str, body_too_long: str) -> dict[str, str]:
    """Field errors of an e-mail's subject (required, 255 characters) and body (required, 20000)."""
    errors: dict[str, str] = {}
    if not subject:
        errors["subject"] = "Write a subject."
    elif len(subject) > 255:
        errors["subject"] = subject_too_long
    if not body:
        errors["body"] = "Write the message."
    elif len(body) > 20000:
        errors["body"] = body_too_long
    return errors


def _clean_template(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = " ".join(str(data.get("name") or "").split())
    subject = " ".join(str(data.get("subject") or "").split())
    body = str(data.get("body") or "").strip()
    language = str(data.get("language") or "en")
    if not name:
        errors["name"] = "Give the template a name."
    errors.update(_subject_body_errors(subject, body, "Use at most 255 characters.",
                                       "Use at most 20000 characters."))
    if language not in LANGUAGES:
        errors["language"] = "Choose English or Spanish."
    if errors:
        raise ValidationFailed(field_errors=errors)
    return {"name": name[:120], "subject": subject, "body": body, "language": language}


def create_template(*, session: Session, ctx: TeamContext, data: dict[str, Any]) -> EmailTemplate:
    ctx.require(Role.MANAGER)
    row = EmailTemplate(team_id=ctx.team_id, created_by=ctx.user_id, **_clean_template(data))
    session.add(row)
    session.flush()
    return row


def update_template(*, session: Session, ctx: TeamContext, template_id: int, data: dict[str, Any]) -> EmailTemplate:
    ctx.require(Role.MANAGER)
    row = get_template(session=session, ctx=ctx, template_id=template_id)
    for name, value in _clean_template(data).items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def get_template(*, session: Session, ctx: TeamContext, template_id: int) -> EmailTemplate:
    return get_in_team(session, EmailTemplate, ctx, int(template_id),
                       "This template does not exist or belongs to another team.")


def list_templates(*, session: Session, ctx: TeamContext) -> list[EmailTemplate]:
    return list(session.exec(select(EmailTemplate).where(EmailTemplate.team_id == ctx.team_id)
                             .order_by(EmailTemplate.name).limit(500)).all())


def merge_values(session: Session, lead: Lead) -> dict[str, str]:
    """What {{…}} can say about a lead: standard fields, owner, team and custom fields."""
    from leadhub.services.models import Team
    owner = session.get(User, lead.owner_id) if lead.owner_id else None
    team = session.get(Team, lead.team_id)
    values = {name: str(getattr(lead, name, "") or "") for name in STANDARD_MERGE_FIELDS
              if hasattr(lead, name)}
    values["owner_name"] = (owner.full_name or owner.email) if owner else ""
    values["team_name"] = team.name if team else ""
    schema = custom_fields.lead_schema(session=session, ctx=TeamContext(lead.team_id, 0, Role.ADMIN.value))
    for spec in schema.fields:
        shown = custom_fields.display_value(spec, (lead.custom_fields or {}).get(spec.key))
        values[spec.key] = shown
        values[f"cf.{spec.key}"] = shown
    return values


def render(text: str, values: dict[str, str]) -> str:
    """Replace {{field}} by its value (unknown fields become empty)."""
    return MERGE.sub(lambda m: values.get(m.group(1), ""), text)


# --- Sending ----------------------------------------------------------------------------------

_DELIVER_AFTER_COMMIT = "leadhub.emails.deliver_after_commit"
_LISTENING = "leadhub.emails.listening"


def is_unsubscribed(session: Session, team_id: int, email: str) -> bool:
    return session.exec(select(EmailUnsubscribe.id).where(
        EmailUnsubscribe.team_id == team_id,
        func.lower(EmailUnsubscribe.email) == (email or "").strip().lower())).first() is not None


def _queue(session: Session, ctx: TeamContext, template: EmailTemplate, lead: Lead,
           enrollment_id: int | None = None) -> EmailMessage:
    values = merge_values(session, lead)
    message = EmailMessage(
        team_id=ctx.team_id, lead_id=lead.id, template_id=template.id, enrollment_id=enrollment_id,
        to_email=lead.email or "", subject=render(template.subject, values)[:255],
        body=render(template.body, values)[:30000], language=template.language,
        token=secrets.token_urlsafe(24), sent_by=ctx.user_id or lead.owner_id)
    if not lead.email:
        message.status, message.error = "skipped", "The lead has no e-mail address."
    elif is_unsubscribed(session, ctx.team_id, lead.email):
        message.status, message.error = "skipped", "The lead unsubscribed."
    session.add(message)
    session.flush()
    if message.status == "queued":
        session.info.setdefault(_DELIVER_AFTER_COMMIT, []).append(message.id)
        if not session.info.get(_LISTENING):
            session.info[_LISTENING] = True
            sa_event.listen(session, "after_commit", _enqueue_after_commit)
            sa_event.listen(session, "after_rollback", lambda s: s.info.pop(_DELIVER_AFTER_COMMIT, None))
    return message


def _enqueue_after_commit(session: Session) -> None:
    ids = session.info.pop(_DELIVER_AFTER_COMMIT, [])
    if ids:
        try:
            deliver_task(ids)
        except Exception:  # noqa: BLE001 - the rows stay queued; the sweep sends them
            log.exception("Could not enqueue e-mails %s; the sweep will send them", ids)


def _rep_lead(session: Session, ctx: TeamContext, lead_id: int) -> Lead:
    """The caller's team's lead, if the caller is a manager, its owner, or it has no owner."""
    lead = get_in_team(session, Lead, ctx, int(lead_id),
                       "This lead does not exist or belongs to another team.")
    if not ctx.is_manager and lead.owner_id not in (None, ctx.user_id):
        from leadhub.services.errors import PermissionDenied
        raise PermissionDenied("This lead belongs to another rep.")
    return lead


def send_to_lead(*, session: Session, ctx: TeamContext, template_id: int, lead_id: int) -> EmailMessage:
    """Queue one e-mail to one lead (sent after the caller commits)."""
    template = get_template(session=session, ctx=ctx, template_id=template_id)
    return _queue(session, ctx, template, _rep_lead(session, ctx, lead_id))


@dataclass(frozen=True)
class Draft:
    """An e-mail to one lead as it will be sent: merge fields filled in."""

    lead_id: int
    to_email: str
    subject: str
    body: str
    language: str
    template_id: int | None


def _lead_to_email(session: Session, ctx: TeamContext, lead_id: int) -> Lead:
    """The caller's lead, if they may e-mail it; unsubscribed or address-less leads are refused."""
    lead = _rep_lead(session, ctx, lead_id)
    if not lead.email:
        raise ValidationFailed("This lead has no e-mail address. Add one first.",
                               field_errors={"to_email": "This lead has no e-mail address."})
    if is_unsubscribed(session, ctx.team_id, lead.email):
        raise ValidationFailed("This lead unsubscribed from your e-mails and cannot be e-mailed again.",
                               field_errors={"to_email": "Unsubscribed from your e-mails."})
    return lead


def compose(*, session: Session, ctx: TeamContext, lead_id: int, template_id: int | None = None,
            subject: str = "", body: str = "") -> Draft:
    """The e-mail as the lead will get it: a template's text, or the subject and body written
    here (which win over the template's when given), with merge fields filled in."""
    lead = _lead_to_email(session, ctx, lead_id)
    language = "en"
    if template_id:
        template = get_template(session=session, ctx=ctx, template_id=template_id)
        subject, body, language = subject or template.subject, body or template.body, template.language
    subject, body = " ".join(str(subject or "").split()), str(body or "").strip()
    errors = _subject_body_errors(subject, body, "Keep the subject under 255 characters.",
                                  "Keep the message under 20,000 characters.")
    if errors:
        raise ValidationFailed(field_errors=errors)
    values = merge_values(session, lead)
    return Draft(lead_id=lead.id, to_email=lead.email, subject=render(subject, values)[:255],
                 body=render(body, values)[:30000], language=language, template_id=template_id or None)


def send_composed(*, session: Session, ctx: TeamContext, lead_id: int, template_id: int | None = None,
                  subject: str = "", body: str = "") -> EmailMessage:
    """Queue one e-mail from the lead page (sent by the worker after the caller commits); it
    shows on the lead's timeline as an e-mail outreach once sent."""
    draft = compose(session=session, ctx=ctx, lead_id=lead_id, template_id=template_id,
                    subject=subject, body=body)
    lead = session.get(Lead, draft.lead_id)
    text = EmailTemplate(id=draft.template_id, team_id=ctx.team_id, name="", language=draft.language,
                         subject=draft.subject, body=draft.body)
    return _queue(session, ctx, text, lead)


@dataclass(frozen=True)
class BatchResult:
    queued: int
    skipped: int
    message_ids: tuple[int, ...]


def send_to_segment(*, session: Session, ctx: TeamContext, template_id: int, segment_id: int) -> BatchResult:
    """Queue the template to every lead of a segment (managers and admins)."""
    from leadhub.services import segments
    ctx.require(Role.MANAGER)
    template = get_template(session=session, ctx=ctx, template_id=template_id)
    ids = segments.member_ids(session=session, ctx=ctx, segment_id=segment_id, limit=MAX_SEGMENT_SEND)
    queued = skipped = 0
    message_ids = []
    for lead in session.exec(select(Lead).where(Lead.team_id == ctx.team_id, Lead.id.in_(ids))).all():
        message = _queue(session, ctx, template, lead)
        message_ids.append(message.id)
        queued, skipped = (queued + 1, skipped) if message.status == "queued" else (queued, skipped + 1)
    return BatchResult(queued, skipped, tuple(message_ids))


def _signature(token: str, url: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"{token}\n{url}".encode(), hashlib.sha256).hexdigest()[:32]


def tracking_urls(token: str, base_url: str | None = None) -> dict[str, str]:
    base = (base_url or get_settings().app_url).rstrip("/")
    return {"pixel": f"{base}/api/e/o/{token}.gif", "unsubscribe": f"{base}/api/e/u/{token}",
            "click": f"{base}/api/e/c/{token}"}


def click_url(token: str, url: str, base_url: str | None = None) -> str:
    return f"{tracking_urls(token, base_url)['click']}?{urlencode({'u': url, 's': _signature(token, url)})}"


def build_mime(message: EmailMessage, smtp: SmtpSettings, base_url: str | None = None) -> MimeMessage:
    """Plain text and HTML parts; links in HTML go through the click redirect; a pixel and an
    unsubscribe link (and List-Unsubscribe headers) in every message."""
    urls = tracking_urls(message.token, base_url)
    footer = UNSUBSCRIBE_TEXT.get(message.language, UNSUBSCRIBE_TEXT["en"])
    mime = MimeMessage()
    mime["Subject"] = message.subject
    mime["From"] = formataddr((smtp.from_name, smtp.from_email)) if smtp.from_name else smtp.from_email
    mime["To"] = message.to_email
    mime["Message-ID"] = message.message_id or make_msgid(domain=smtp.from_email.split("@")[-1])
    mime["List-Unsubscribe"] = f"<{urls['unsubscribe']}>"
    mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mime.set_content(f"{message.body}\n\n--\n{footer.format(url=urls['unsubscribe'])}\n")
    escaped = html.escape(message.body)
    linked = URL.sub(lambda m: f'<a href="{html.escape(click_url(message.token, html.unescape(m.group(0)), base_url))}">'
                     f'{m.group(0)}</a>', escaped).replace("\n", "<br>\n")
    unsubscribe = html.escape(urls["unsubscribe"])
    footer_html = html.escape(footer).replace("{url}", f'<a href="{unsubscribe}">{unsubscribe}</a>')
    mime.add_alternative(
        f"<!doctype html><html><body><div>{linked}</div><hr><p style=\"font-size:12px;color:#666\">"
        f"{footer_html}</p><img src=\"{html.escape(urls['pixel'])}\" width=\"1\" height=\"1\" alt=\"\">"
        f"</body></html>", subtype="html")
    return mime


def deliver(message_ids: list[int], *, engine: Engine | None = None, sleep=time.sleep,
            base_url: str | None = None) -> dict[int, str]:
    """Send queued messages over one SMTP connection per team, throttled; each message's status
    is saved as it goes. Returns {message id: status}."""
    from leadhub.services.db import get_engine
    engine = engine or get_engine()
    results: dict[int, str] = {}
    with Session(engine, expire_on_commit=False) as session:
        messages = list(session.exec(select(EmailMessage).where(
            EmailMessage.id.in_(message_ids), EmailMessage.status == "queued")
            .order_by(EmailMessage.team_id, EmailMessage.id)).all())
    by_team: dict[int, list[EmailMessage]] = {}
    for message in messages:
        by_team.setdefault(message.team_id, []).append(message)
    for team_id, team_messages in by_team.items():
        with Session(engine, expire_on_commit=False) as session:
            smtp = _smtp_row(session, team_id)
        if smtp is None or not smtp.host:
            for message in team_messages:
                results[message.id] = _finish(engine, message.id, "failed", "SMTP is not set up for the team.")
            continue
        gap = 60.0 / max(1, smtp.per_minute)
        client = None
        try:
            client = _connect(smtp)
            for i, message in enumerate(team_messages):
                if i:
                    sleep(gap)
                results[message.id] = _send_one(engine, client, smtp, message, base_url)
        except IntegrationError as exc:
            for message in team_messages:
                if message.id not in results:
                    results[message.id] = _finish(engine, message.id, "failed", str(exc))
        finally:
            if client is not None:
                try:
                    client.quit()
                except (smtplib.SMTPException, OSError):
                    pass
    return results


def _finish(engine: Engine, message_id: int, status: str, error: str = "") -> str:
    with Session(engine) as session:
        session.exec(update(EmailMessage).where(EmailMessage.id == message_id)
                     .values(status=status, error=error[:1000], attempts=EmailMessage.attempts + 1))
        session.commit()
    return status


def _send_one(engine: Engine, client: smtplib.SMTP, smtp: SmtpSettings, message: EmailMessage,
              base_url: str | None) -> str:
    with Session(engine, expire_on_commit=False) as session:
        if is_unsubscribed(session, message.team_id, message.to_email):
            return _finish(engine, message.id, "skipped", "The lead unsubscribed.")
    message.message_id = make_msgid(domain=smtp.from_email.split("@")[-1])
    try:
        client.send_message(build_mime(message, smtp, base_url))
    except (smtplib.SMTPException, OSError) as exc:
        return _finish(engine, message.id, "failed", f"The SMTP server refused it: {exc}")
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(EmailMessage, message.id)
        now = utcnow()
        row.status, row.sent_at, row.message_id, row.attempts = "sent", now, message.message_id, row.attempts + 1
        if row.lead_id is not None:
            outreach = Outreach(team_id=row.team_id, user_id=row.sent_by or _any_member(session, row.team_id),
                                type=int(OutreachType.EMAIL), email=row.to_email, occurred_at=now,
                                description=f"E-mail: {row.subject}", lead_id=row.lead_id)
            session.add(outreach)
            session.flush()
            row.outreach_id = outreach.id
        session.add(row)
        session.commit()
    return "sent"


def _any_member(session: Session, team_id: int) -> int:
    from leadhub.services.models import Membership
    return session.exec(select(Membership.user_id).where(Membership.team_id == team_id)
                        .order_by(Membership.id)).first()


def queued_message_ids(*, engine: Engine | None = None, older_than_seconds: int = 60,
                       limit: int = 500) -> list[int]:
    from leadhub.services.db import get_engine
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    with Session(engine or get_engine()) as session:
        return list(session.exec(select(EmailMessage.id).where(
            EmailMessage.status == "queued", EmailMessage.created_at <= cutoff, EmailMessage.attempts < 3)
            .order_by(EmailMessage.id).limit(limit)).all())


# --- Tracking and unsubscribe -----------------------------------------------------------------

def _by_token(session: Session, token: str) -> EmailMessage | None:
    if not token or len(token) > 64:
        return None
    return session.exec(select(EmailMessage).where(EmailMessage.token == token)).first()


def _track(session: Session, message: EmailMessage, name: str, label: str, detail: dict[str, Any]) -> None:
    """The event (score, workflows) and a completed e-mail activity (last contacted)."""
    if message.lead_id is None:
        return
    now = utcnow()
    session.add(DomainEvent(team_id=message.team_id, name=name, lead_id=message.lead_id,
                            payload={"lead_id": message.lead_id, "email_message_id": message.id, **detail}))
    session.add(Activity(team_id=message.team_id, type=ActivityType.EMAIL.value,
                         subject=f"{label}: {message.subject}"[:200], status=ActivityStatus.COMPLETED.value,
                         completed_at=now, due_at=now, lead_id=message.lead_id, outreach_id=message.outreach_id,
                         owner_id=message.sent_by))


def record_open(*, session: Session, token: str) -> bool:
    """The pixel was fetched: the first open is tracked as an event, later ones counted."""
    message = _by_token(session, token)
    if message is None or message.status not in ("sent", REPLIED_STATUS):
        return False
    message.opens += 1
    if message.opened_at is None:
        message.opened_at = utcnow()
        _track(session, message, EMAIL_OPENED, "E-mail opened", {})
    session.add(message)
    session.flush()
    return True


def record_click(*, session: Session, token: str, url: str, signature: str) -> str | None:
    """A tracked link: the URL to redirect to, or None when the link was not one we signed."""
    message = _by_token(session, token)
    if message is None or not url.startswith(("http://", "https://")) \
            or not hmac.compare_digest(_signature(token, url), signature or ""):
        return None
    message.clicks += 1
    if message.clicked_at is None:
        message.clicked_at = utcnow()
        _track(session, message, EMAIL_CLICKED, "E-mail link clicked", {"url": url[:500]})
    if message.opened_at is None:  # a click proves the e-mail was opened (images may be off)
        message.opened_at = message.clicked_at
    session.add(message)
    session.flush()
    return url


def unsubscribe(*, session: Session, token: str) -> EmailMessage | None:
    """Never e-mail this address again (from this team); stops its sequences. Idempotent."""
    message = _by_token(session, token)
    if message is None:
        return None
    if not is_unsubscribed(session, message.team_id, message.to_email):
        session.add(EmailUnsubscribe(team_id=message.team_id, email=message.to_email.lower(),
                                     lead_id=message.lead_id))
        if message.lead_id is not None:
            session.add(DomainEvent(team_id=message.team_id, name="EmailUnsubscribed", lead_id=message.lead_id,
                                    payload={"lead_id": message.lead_id, "email_message_id": message.id}))
    for enrollment in session.exec(select(Enrollment).where(
            Enrollment.team_id == message.team_id, Enrollment.lead_id == message.lead_id,
            Enrollment.status == "active")).all():
        _stop(session, enrollment, "unsubscribed")
    session.flush()
    return message


# --- Replies ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class InboundResult:
    matched: bool
    reason: str = ""
    lead_id: int | None = None
    email_message_id: int | None = None
    already: bool = False


def _parse_inbound(raw: bytes) -> Any:
    import email
    import email.policy
    if not raw or len(raw) > MAX_INBOUND_BYTES:
        raise ValidationFailed("Send the e-mail as raw RFC 822 text, at most 10 MB.",
                               field_errors={"message": "Empty or too large."})
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    if not parsed.keys() or not (parsed.get("From") or parsed.get("In-Reply-To") or parsed.get("References")):
        raise ValidationFailed("This is not an e-mail: it has no From, In-Reply-To or References header.",
                               field_errors={"message": "No e-mail headers found."})
    return parsed


def _header(parsed: Any, name: str) -> str:
    try:
        return str(parsed.get(name) or "")
    except (ValueError, TypeError, IndexError):  # a malformed header is simply not used
        return ""


def record_inbound(*, session: Session, ctx: TeamContext, raw: bytes) -> InboundResult:
    """An e-mail that reached the team's inbox (forwarded by Mailgun, SendGrid or a mail rule):
    when it answers one of our e-mails — its In-Reply-To or References name the Message-ID we
    sent, or else it comes from the address we wrote to — the recipient has replied: the e-mail
    outreach is marked replied (score, last contacted, the OutreachReplied event), an activity
    "E-mail replied" goes on the lead's timeline and the lead's sequences stop. Idempotent."""
    ctx.require(Role.MANAGER)
    from email.utils import parseaddr
    parsed = _parse_inbound(raw)
    ids = MESSAGE_ID.findall(_header(parsed, "In-Reply-To")) + MESSAGE_ID.findall(_header(parsed, "References"))
    message = None
    if ids:
        message = session.exec(select(EmailMessage).where(
            EmailMessage.team_id == ctx.team_id, EmailMessage.message_id.in_(ids[-50:]),
            EmailMessage.status.in_(("sent", REPLIED_STATUS))).order_by(EmailMessage.id.desc())).first()
    sender = parseaddr(_header(parsed, "From"))[1].strip().lower()
    if message is None and sender:
        message = session.exec(select(EmailMessage).where(
            EmailMessage.team_id == ctx.team_id, func.lower(EmailMessage.to_email) == sender,
            EmailMessage.status.in_(("sent", REPLIED_STATUS))).order_by(EmailMessage.id.desc())).first()
    if message is None:
        return InboundResult(False, "It answers no e-mail this team sent.")
    if message.status == REPLIED_STATUS:
        return InboundResult(True, "", message.lead_id, message.id, already=True)
    now = utcnow()
    message.status = REPLIED_STATUS
    session.add(message)
    subject = " ".join(_header(parsed, "Subject").split())[:150] or message.subject
    if message.lead_id is not None:
        touch = session.get(Outreach, message.outreach_id) if message.outreach_id else None
        if touch is not None and touch.team_id == ctx.team_id and touch.response_status not in REPLIED:
            touch.response_status, touch.responded_at = ResponseStatus.REPLIED.value, max(now, touch.occurred_at)
            session.add(touch)
        session.add(Activity(team_id=ctx.team_id, type=ActivityType.EMAIL.value,
                             subject=f"E-mail replied: {subject}"[:200], status=ActivityStatus.COMPLETED.value,
                             completed_at=now, due_at=now, lead_id=message.lead_id,
                             outreach_id=message.outreach_id, owner_id=message.sent_by))
        for enrollment in session.exec(select(Enrollment).where(
                Enrollment.team_id == ctx.team_id, Enrollment.lead_id == message.lead_id,
                Enrollment.status == "active")).all():
            _stop(session, enrollment, "replied")
    session.flush()
    return InboundResult(True, "", message.lead_id, message.id)


def message_language(message: EmailMessage | None) -> str:
    return message.language if message is not None and message.language in LANGUAGES else "en"


@dataclass(frozen=True)
class MessageRow:
    id: int
    to_email: str
    subject: str
    status: str
    error: str
    sent_at: datetime | None
    opened_at: datetime | None
    clicked_at: datetime | None
    lead_id: int | None


def recent_messages(*, session: Session, ctx: TeamContext, limit: int = 50,
                    lead_id: int | None = None) -> list[MessageRow]:
    """Per-recipient status, newest first."""
    statement = select(EmailMessage).where(EmailMessage.team_id == ctx.team_id)
    if lead_id is not None:
        statement = statement.where(EmailMessage.lead_id == lead_id)
    rows = session.exec(statement.order_by(EmailMessage.id.desc()).limit(max(1, min(limit, 200)))).all()
    return [MessageRow(r.id, r.to_email, r.subject, r.status, r.error, r.sent_at, r.opened_at,
                       r.clicked_at, r.lead_id) for r in rows]


# --- Sequences --------------------------------------------------------------------------------

STEP_KINDS = ("send", "wait", "send_if_no_reply")


def _clean_steps(session: Session, ctx: TeamContext, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed(field_errors={"steps": "Add at least one step."})
    steps, errors = [], {}
    for i, step in enumerate(raw[:30]):
        step = step if isinstance(step, dict) else {}
        kind = step.get("kind")
        if kind not in STEP_KINDS:
            errors[f"steps.{i}.kind"] = "Choose send, wait or send if no reply."
            continue
        if kind == "wait":
            try:
                days = int(step.get("days"))
                if not 0 < days <= 365:
                    raise ValueError
            except (TypeError, ValueError):
                errors[f"steps.{i}.days"] = "Wait 1 to 365 days."
                continue
            steps.append({"kind": "wait", "days": days})
        else:
            try:
                template = get_template(session=session, ctx=ctx, template_id=int(step.get("template_id")))
            except (TypeError, ValueError, NotFound):
                errors[f"steps.{i}.template_id"] = "Choose a template."
                continue
            steps.append({"kind": kind, "template_id": template.id})
    if errors:
        raise ValidationFailed(field_errors=errors)
    if not any(s["kind"] != "wait" for s in steps):
        raise ValidationFailed(field_errors={"steps": "A sequence needs at least one e-mail."})
    return steps


def create_sequence(*, session: Session, ctx: TeamContext, name: str, steps: Any) -> Sequence:
    ctx.require(Role.MANAGER)
    clean_name = " ".join(str(name or "").split())
    if not clean_name:
        raise ValidationFailed(field_errors={"name": "Give the sequence a name."})
    row = Sequence(team_id=ctx.team_id, name=clean_name[:120], steps=_clean_steps(session, ctx, steps))
    session.add(row)
    session.flush()
    return row


def get_sequence(*, session: Session, ctx: TeamContext, sequence_id: int) -> Sequence:
    return get_in_team(session, Sequence, ctx, int(sequence_id),
                       "This sequence does not exist or belongs to another team.")


def list_sequences(*, session: Session, ctx: TeamContext) -> list[Sequence]:
    return list(session.exec(select(Sequence).where(Sequence.team_id == ctx.team_id)
                             .order_by(Sequence.name)).all())


def enroll(*, session: Session, ctx: TeamContext, sequence_id: int, lead_id: int,
           now: datetime | None = None) -> Enrollment:
    """Start a lead on a sequence (once per sequence); its first step runs on the next sweep."""
    sequence = get_sequence(session=session, ctx=ctx, sequence_id=sequence_id)
    lead = get_in_team(session, Lead, ctx, int(lead_id),
                       "This lead does not exist or belongs to another team.")
    existing = session.exec(select(Enrollment).where(Enrollment.sequence_id == sequence.id,
                                                     Enrollment.lead_id == lead.id)).first()
    if existing is not None:
        return existing
    now = now or utcnow()
    row = Enrollment(team_id=ctx.team_id, sequence_id=sequence.id, lead_id=lead.id,
                     next_run_at=now, started_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def enroll_segment(*, session: Session, ctx: TeamContext, sequence_id: int, segment_id: int,
                   now: datetime | None = None) -> int:
    """Start every lead of a segment on a sequence (managers); returns how many are new."""
    from leadhub.services import segments
    ctx.require(Role.MANAGER)
    sequence = get_sequence(session=session, ctx=ctx, sequence_id=sequence_id)
    ids = segments.member_ids(session=session, ctx=ctx, segment_id=segment_id, limit=MAX_SEGMENT_SEND)
    already = set(session.exec(select(Enrollment.lead_id).where(Enrollment.sequence_id == sequence.id)).all())
    now = now or utcnow()
    fresh = [i for i in ids if i not in already]
    for lead_id in fresh:
        session.add(Enrollment(team_id=ctx.team_id, sequence_id=sequence.id, lead_id=lead_id,
                               next_run_at=now, started_at=now, updated_at=now))
    session.flush()
    return len(fresh)


def _stop(session: Session, enrollment: Enrollment, reason: str) -> None:
    enrollment.status, enrollment.stop_reason, enrollment.updated_at = "stopped", reason, utcnow()
    session.add(enrollment)


def _replied_since(session: Session, lead_id: int, since: datetime) -> bool:
    return session.exec(select(Outreach.id).where(
        Outreach.lead_id == lead_id, Outreach.response_status.in_(REPLIED),
        Outreach.occurred_at >= since - timedelta(seconds=1))).first() is not None


def _stop_reason(session: Session, enrollment: Enrollment, lead: Lead | None) -> str:
    if lead is None:
        return "lead deleted"
    if lead.status == LeadStatus.CONVERTED.value:
        return "converted"
    if lead.email and is_unsubscribed(session, lead.team_id, lead.email):
        return "unsubscribed"
    if _replied_since(session, lead.id, enrollment.started_at):
        return "replied"
    return ""


def advance(session: Session, enrollment: Enrollment, now: datetime) -> None:
    """Run the enrollment's due steps (until a wait or the end), or stop it."""
    lead = session.get(Lead, enrollment.lead_id)
    reason = _stop_reason(session, enrollment, lead)
    if reason:
        _stop(session, enrollment, reason)
        return
    sequence = session.get(Sequence, enrollment.sequence_id)
    ctx = TeamContext(enrollment.team_id, lead.owner_id or 0, Role.ADMIN.value)
    while enrollment.step < len(sequence.steps):
        step = sequence.steps[enrollment.step]
        enrollment.step += 1
        if step["kind"] == "wait":
            enrollment.next_run_at = now + timedelta(days=int(step["days"]))
            break
        template = session.get(EmailTemplate, step["template_id"])
        if template is None:
            continue
        _queue(session, ctx, template, lead, enrollment_id=enrollment.id)
    else:
        enrollment.status = "completed"
    enrollment.updated_at = now
    session.add(enrollment)


def run_due_sequences(*, engine: Engine | None = None, now: datetime | None = None, limit: int = 500) -> int:
    """The sweep: every active enrollment whose next step is due; returns how many advanced."""
    from leadhub.services.db import get_engine
    now = now or utcnow()
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        due = list(session.exec(select(Enrollment).where(
            Enrollment.status == "active", Enrollment.next_run_at <= now)
            .order_by(Enrollment.next_run_at).limit(limit)).all())
        for enrollment in due:
            advance(session, enrollment, now)
        session.commit()
    return len(due)


def on_lead_answered(session: Session, event: DomainEvent) -> None:
    """Event handler: a reply or a conversion stops the lead's sequences at once."""
    if event.lead_id is None:
        return
    reason = {"OutreachReplied": "replied", "LeadAcquired": "converted", "EmailUnsubscribed": "unsubscribed"}.get(
        event.name, "")
    if event.name == "LeadStatusChanged" and (event.payload or {}).get("to") == LeadStatus.CONVERTED.value:
        reason = "converted"
    if not reason:
        return
    for enrollment in session.exec(select(Enrollment).where(
            Enrollment.team_id == event.team_id, Enrollment.lead_id == event.lead_id,
            Enrollment.status == "active")).all():
        _stop(session, enrollment, reason)


def enrollments_of_sequence(*, session: Session, ctx: TeamContext, sequence_id: int) -> list[Enrollment]:
    get_sequence(session=session, ctx=ctx, sequence_id=sequence_id)
    return list(session.exec(select(Enrollment).where(Enrollment.sequence_id == sequence_id)
                             .order_by(Enrollment.id.desc()).limit(200)).all())


def register_handlers() -> None:
    from leadhub.services import events
    for name in ("OutreachReplied", "LeadAcquired", "LeadStatusChanged", "EmailUnsubscribed"):
        handlers = events.EVENT_HANDLERS.setdefault(name, [])
        if on_lead_answered not in handlers:
            handlers.append(on_lead_answered)


register_handlers()


from leadhub.services.tasks import huey  # noqa: E402  (tasks imports this module back)
from huey import crontab  # noqa: E402


@huey.task(retries=2, retry_delay=60)
def deliver_task(message_ids: list[int]) -> None:
    deliver(message_ids)


@huey.periodic_task(crontab(minute="*"))
def email_sweep() -> None:
    """Every minute: due sequence steps, and e-mails whose delivery task was lost."""
    run_due_sequences()
    ids = queued_message_ids()
    if ids:
        deliver(ids)


def unsubscribe_page(language: str, done: bool, action: str) -> str:
    """The small HTML page the unsubscribe link opens (a form, so link scanners do not unsubscribe)."""
    texts = {
        "en": ("Unsubscribe", "Stop receiving these e-mails?", "Unsubscribe me",
               "You are unsubscribed. You will not receive these e-mails again."),
        "es": ("Darse de baja", "¿Dejar de recibir estos correos?", "Darme de baja",
               "Te has dado de baja. No volverás a recibir estos correos."),
    }[language if language in LANGUAGES else "en"]
    body = (f"<p id=\"done\">{html.escape(texts[3])}</p>" if done else
            f"<p>{html.escape(texts[1])}</p><form method=\"post\" action=\"{html.escape(action)}\">"
            f"<button id=\"unsubscribe\" type=\"submit\">{html.escape(texts[2])}</button></form>")
    return (f"<!doctype html><html lang=\"{language}\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{html.escape(texts[0])}</title></head>"
            f"<body style=\"font-family:sans-serif;max-width:32em;margin:4em auto\">"
            f"<h1>{html.escape(texts[0])}</h1>{body}</body></html>")

