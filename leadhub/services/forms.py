"""Public web forms: an admin decides which lead fields a form asks for, and visitors of the
team's web sites become leads through it.

    save_form / list_forms / archive_form     the builder in /forms (admins edit, all read)
    published_form(key)                       what the public endpoint knows about a form
                                              (cached per process for a few seconds)
    submit(...)                               one visitor's submission, in the caller's
                                              transaction: validate, dedupe, insert or update,
                                              score, record events
    clean_submission / store_many             the same in two steps: check (no database), then
                                              write a batch of checked submissions together

Intake is the hot path (hundreds of submissions a second on SQLite): the form, the team's
lead schema and its scoring model are read once per CACHE_SECONDS per process, a new lead
is written with a handful of Core statements, and its score comes from the cached model
(the FormSubmitted event makes the worker re-score it fully after commit). Duplicates are
matched with `dedupe` on the submitted e-mail and phones (indexed look-ups); a form that
asks for neither falls back to the full matcher on name and company. A match is updated
(blank fields filled in, nothing a rep entered is overwritten) and gets a "form submitted"
note with everything the visitor sent.

Bots are dropped silently by the caller (`is_bot`): a filled-in honeypot field, or a
form sent sooner than MIN_FILL_SECONDS after it was rendered (a signed time token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint, bindparam, insert, union, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, func, select

from leadhub.config import get_settings
from leadhub.services import custom_fields, dedupe, leads, notes, scoring, team_signal
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import NotFound, ValidationFailed, clean_name
from leadhub.services.models import (
    Campaign,
    CampaignMember,
    DomainEvent,
    Lead,
    LeadStatus,
    LeadStatusHistory,
    Membership,
    Role,
    Team,
    User,
    utcnow,
)

NEW_LEAD_EVENT = "LeadCreated"
FORM_SUBMITTED_EVENT = scoring.FORM_SUBMITTED_EVENT
CACHE_SECONDS = 5.0
MIN_FILL_SECONDS = 3.0
TOKEN_MAX_AGE = timedelta(days=2)
HONEYPOT = "homepage"            # hidden from people; bots fill in anything called so
TOKEN_FIELD = "_t"
MAX_FIELDS = 40
MAX_VALUE_CHARS = 10000
NAME_MAX = 120
MESSAGE_MAX = 2000
MAX_ORIGINS = 20
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

# Standard lead fields a form may ask for, with their default labels.
STANDARD_FIELDS: dict[str, tuple[str, str]] = {
    "first_name": ("First name", "Nombre"), "last_name": ("Last name", "Apellidos"),
    "email": ("E-mail", "Correo electrónico"), "phone": ("Phone", "Teléfono"),
    "mobile": ("Mobile", "Móvil"), "company": ("Company", "Empresa"),
    "title": ("Job title", "Cargo"), "website": ("Website", "Sitio web"),
    "industry": ("Industry", "Sector"), "street": ("Street", "Calle"), "city": ("City", "Ciudad"),
    "state": ("State", "Provincia"), "postal_code": ("Postal code", "Código postal"),
    "country": ("Country", "País"), "budget": ("Budget", "Presupuesto"),
    "need": ("Need", "Necesidad"), "interest": ("Interest", "Interés"),
    "description": ("Message", "Mensaje"),
}
OWNER_MODES = ("creator", "fixed", "round_robin")


# --- Tables ---------------------------------------------------------------------------------

class WebForm(SQLModel, table=True):
    """A public form of a team; archived, never deleted, so its submissions keep their form."""

    __tablename__ = "web_form"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False, index=True))
    key: str = Field(max_length=40, unique=True, description="public, unguessable id in URLs")
    name: str = Field(max_length=NAME_MAX)
    fields: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lead_source: str = Field(default="Web Form", max_length=60)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id")
    owner_mode: str = Field(default="creator", max_length=16)
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    round_robin_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    thank_you_en: str = Field(default="", max_length=MESSAGE_MAX)
    thank_you_es: str = Field(default="", max_length=MESSAGE_MAX)
    redirect_url: str = Field(default="", max_length=500)
    allowed_origins: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: str = Field(default="en", max_length=5)
    submissions: int = Field(default=0, description="round-robin turns taken (counts come from form_submission)")
    views: int = Field(default=0)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    archived_at: datetime | None = None


class FormSubmission(SQLModel, table=True):
    """One accepted submission: the lead it made or updated, and where the visitor came from."""

    __tablename__ = "form_submission"
    __table_args__ = (Index("ix_form_submission_team_form_at", "team_id", "form_id", "submitted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    form_id: int = Field(sa_column=Column(Integer, ForeignKey("web_form.id", ondelete="CASCADE"),
                                          nullable=False))
    lead_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("lead.id", ondelete="SET NULL"), nullable=True, index=True))
    created_lead: bool = Field(default=True)
    utm_source: str = Field(default="", max_length=200)
    utm_medium: str = Field(default="", max_length=200)
    utm_campaign: str = Field(default="", max_length=200)
    utm_term: str = Field(default="", max_length=200)
    utm_content: str = Field(default="", max_length=200)
    referrer: str = Field(default="", max_length=500)
    page_url: str = Field(default="", max_length=500)
    submitted_at: datetime = Field(default_factory=utcnow)


class FormViewDay(SQLModel, table=True):
    """How often a form was shown on a day (UTC), for the funnel in analytics."""

    __tablename__ = "form_view_day"
    __table_args__ = (UniqueConstraint("form_id", "day", name="uq_form_view_day"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    form_id: int = Field(sa_column=Column(Integer, ForeignKey("web_form.id", ondelete="CASCADE"),
                                          nullable=False))
    day: date
    views: int = Field(default=0)


# --- Plain values ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FormField:
    """One input of a form: a standard field or `cf.<key>`, its labels and whether required."""

    name: str
    label_en: str
    label_es: str
    required: bool
    type: str = "text"                  # text, email, tel, url, textarea, number, date, select, checkbox
    options: tuple[str, ...] = ()

    @property
    def input_name(self) -> str:
        return self.name

    def label(self, lang: str) -> str:
        return self.label_es if lang == "es" and self.label_es else self.label_en


@dataclass(frozen=True)
class PublishedForm:
    """What the public endpoint needs, read once and cached: no session objects inside."""

    id: int
    key: str
    team_id: int
    name: str
    fields: tuple[FormField, ...]
    lead_source: str
    campaign_id: int | None
    owner_mode: str
    owner_id: int | None
    round_robin_ids: tuple[int, ...]
    thank_you_en: str
    thank_you_es: str
    redirect_url: str
    allowed_origins: frozenset[str]
    language: str
    region: str
    team: Team = field(compare=False, repr=False)
    schema: custom_fields.LeadSchema = field(compare=False, repr=False)
    model: scoring.Model = field(compare=False, repr=False)

    def thank_you(self, lang: str) -> str:
        text = self.thank_you_es if lang == "es" else self.thank_you_en
        return text or self.thank_you_en or self.thank_you_es

    @property
    def ctx(self) -> TeamContext:
        return TeamContext(self.team_id, None, Role.REP.value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Visit:
    """Where a submission came from (all optional, all as sent, cut to size)."""

    utm: dict[str, str] = field(default_factory=dict)
    referrer: str = ""
    page_url: str = ""


@dataclass(frozen=True)
class Outcome:
    lead_id: int
    created: bool
    submission_id: int
    event_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class FormSummary:
    id: int
    key: str
    name: str
    fields: int
    submissions: int
    views: int
    leads_created: int
    converted: int
    archived: bool
    updated_at: datetime

    @property
    def conversion_rate(self) -> float | None:
        """Submissions per view (None before the form was ever shown)."""
        return self.submissions / self.views if self.views else None


# --- Building forms (admins) ----------------------------------------------------------------

def field_choices(*, session: Session, ctx: TeamContext) -> list[FormField]:
    """Every lead field a form of this team may ask for, with default labels."""
    schema = custom_fields.lead_schema(session=session, ctx=ctx)
    return [_standard_field(name, schema) for name in STANDARD_FIELDS] + \
        [_custom_field(spec) for spec in schema.fields]


def _standard_field(name: str, schema: custom_fields.LeadSchema, label_en: str = "",
                    label_es: str = "", required: bool = False) -> FormField:
    en, es = STANDARD_FIELDS[name]
    kind = {"email": "email", "phone": "tel", "mobile": "tel", "website": "url",
            "description": "textarea", "budget": "text"}.get(name, "text")
    options: tuple[str, ...] = ()
    if name == "industry":
        kind, options = "select", tuple(schema.options.get("industry", ()))
    elif name in leads.CHOICES:
        kind, options = "select", tuple(leads.CHOICES[name])
    return FormField(name=name, label_en=label_en or en, label_es=label_es or es,
                     required=required or name in schema.required, type=kind, options=options)


def _custom_field(spec: custom_fields.FieldSpec, label_en: str = "", label_es: str = "",
                  required: bool = False) -> FormField:
    kind = {"textarea": "textarea", "number": "text", "date": "date", "picklist": "select",
            "checkbox": "checkbox", "url": "url"}.get(spec.type, "text")
    return FormField(name=spec.column, label_en=label_en or spec.label, label_es=label_es or spec.label,
                     required=required or spec.required, type=kind, options=spec.options)


def _clean_origin(raw: str) -> str:
    text = raw.strip().rstrip("/")
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path or parsed.query:
        raise ValueError(raw)
    return f"{parsed.scheme}://{parsed.netloc}".lower()


def _clean_url(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        return ""
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or len(text) > 500:
        raise ValueError(text)
    return text


def save_form(*, session: Session, ctx: TeamContext, data: dict[str, Any],
              form_id: int | None = None) -> WebForm:
    """Create or change a form (admins). `data`: name, fields [{name, label_en, label_es,
    required}], lead_source, campaign_id, owner_mode, owner_id, round_robin_ids,
    thank_you_en/es, redirect_url, allowed_origins (list or text), language."""
    ctx.require(Role.ADMIN)
    form = _team_form(session, ctx, form_id) if form_id else WebForm(
        team_id=ctx.team_id, key=secrets.token_urlsafe(18), name="", created_by=ctx.user_id)
    schema = custom_fields.lead_schema(session=session, ctx=ctx)
    errors: dict[str, str] = {}
    name = clean_name(data.get("name"), NAME_MAX, "Give the form a name.", errors)
    specs = {s.column: s for s in schema.fields}
    fields: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in data.get("fields") or []:
        fname = str(item.get("name") or "")
        if fname in seen:
            continue
        if fname not in STANDARD_FIELDS and fname not in specs:
            errors["fields"] = f"Unknown field: {fname}."
            continue
        seen.add(fname)
        labels = {k: " ".join(str(item.get(k) or "").split())[:80] for k in ("label_en", "label_es")}
        fields.append({"name": fname, **labels, "required": bool(item.get("required"))})
    if not fields:
        errors.setdefault("fields", "Choose at least one field.")
    if len(fields) > MAX_FIELDS:
        errors["fields"] = f"Use at most {MAX_FIELDS} fields."
    fixed_source = str(data.get("lead_source") or "").strip()
    if fixed_source and fixed_source not in schema.options.get("lead_source", []):
        errors["lead_source"] = f"Choose one of: {', '.join(schema.options.get('lead_source', []))}."
    # What every lead needs must be asked for (or be fixed, for lead source).
    missing = [f for f in schema.required if f not in seen and not (f == "lead_source" and fixed_source)]
    missing += [s.column for s in schema.fields if s.required and s.column not in seen]
    if missing:
        labels = [STANDARD_FIELDS.get(m, (specs[m].label if m in specs else m, ""))[0] for m in missing]
        errors["fields"] = f"Every lead of the team needs these fields; add them to the form: {', '.join(labels)}."
    campaign_id = _int_or_none(data.get("campaign_id"))
    if campaign_id is not None and not session.exec(select(Campaign.id).where(
            Campaign.team_id == ctx.team_id, Campaign.id == campaign_id)).first():
        errors["campaign_id"] = "No such campaign in this team."
    members = set(session.exec(select(Membership.user_id).where(Membership.team_id == ctx.team_id)).all())
    owner_mode = str(data.get("owner_mode") or "creator")
    owner_id = _int_or_none(data.get("owner_id"))
    rr_ids = [i for i in (_int_or_none(v) for v in data.get("round_robin_ids") or []) if i is not None]
    if owner_mode not in OWNER_MODES:
        errors["owner_mode"] = f"Choose one of: {', '.join(OWNER_MODES)}."
    elif owner_mode == "fixed" and owner_id not in members:
        errors["owner_id"] = "Choose a member of this team."
    elif owner_mode == "round_robin" and (not rr_ids or not set(rr_ids) <= members):
        errors["round_robin_ids"] = "Choose the team members who take turns."
    raw_origins = data.get("allowed_origins") or []
    if isinstance(raw_origins, str):
        raw_origins = raw_origins.replace(",", "\n").split()
    origins: list[str] = []
    for raw in raw_origins:
        try:
            origin = _clean_origin(str(raw))
        except ValueError:
            errors["allowed_origins"] = f"Not a web site origin: {str(raw)[:80]} (use e.g. https://www.example.com)."
            continue
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        errors["allowed_origins"] = f"Use at most {MAX_ORIGINS} web sites."
    try:
        redirect_url = _clean_url(str(data.get("redirect_url") or ""))
    except ValueError:
        errors["redirect_url"] = "Enter a web address such as https://example.com/thanks."
        redirect_url = ""
    messages = {k: str(data.get(k) or "").strip() for k in ("thank_you_en", "thank_you_es")}
    for key, text in messages.items():
        if len(text) > MESSAGE_MAX:
            errors[key] = f"Use at most {MESSAGE_MAX} characters."
    language = data.get("language") or "en"
    if language not in ("en", "es"):
        errors["language"] = "Choose English or Spanish."
    if errors:
        raise ValidationFailed(field_errors=errors)
    form.name, form.fields, form.lead_source = name, fields, fixed_source
    form.campaign_id, form.owner_mode = campaign_id, owner_mode
    form.owner_id = owner_id if owner_mode == "fixed" else None
    form.round_robin_ids = list(dict.fromkeys(rr_ids)) if owner_mode == "round_robin" else []
    form.thank_you_en, form.thank_you_es = messages["thank_you_en"], messages["thank_you_es"]
    form.redirect_url, form.allowed_origins, form.language = redirect_url, origins, language
    form.updated_at = utcnow()
    session.add(form)
    session.flush()
    forget_cached(form.key)
    return form


def _int_or_none(value: Any) -> int | None:
    if value in (None, "", "none"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _team_form(session: Session, ctx: TeamContext, form_id: int) -> WebForm:
    return get_in_team(session, WebForm, ctx, form_id, "This form does not exist or belongs to another team.")


def get_form(*, session: Session, ctx: TeamContext, form_id: int) -> WebForm:
    return _team_form(session, ctx, form_id)


def archive_form(*, session: Session, ctx: TeamContext, form_id: int, archived: bool = True) -> WebForm:
    """Take a form offline (its page and endpoint answer 404) or back online (admins)."""
    ctx.require(Role.ADMIN)
    form = _team_form(session, ctx, form_id)
    form.archived_at = (form.archived_at or utcnow()) if archived else None
    form.updated_at = utcnow()
    session.add(form)
    session.flush()
    forget_cached(form.key)
    return form


def list_forms(*, session: Session, ctx: TeamContext, include_archived: bool = True) -> list[FormSummary]:
    """The team's forms with their counts: submissions, views, leads created and converted."""
    statement = select(WebForm).where(WebForm.team_id == ctx.team_id)
    if not include_archived:
        statement = statement.where(WebForm.archived_at.is_(None))
    forms = list(session.exec(statement.order_by(WebForm.archived_at.is_not(None), WebForm.name)
                              .execution_options(populate_existing=True)).all())
    submitted = dict(session.exec(select(FormSubmission.form_id, func.count()).where(
        FormSubmission.team_id == ctx.team_id).group_by(FormSubmission.form_id)).all())
    created = dict(session.exec(select(FormSubmission.form_id, func.count()).where(
        FormSubmission.team_id == ctx.team_id, FormSubmission.created_lead.is_(True))
        .group_by(FormSubmission.form_id)).all())
    converted = dict(session.exec(select(FormSubmission.form_id, func.count(func.distinct(Lead.id)))
                                  .join(Lead, Lead.id == FormSubmission.lead_id)
                                  .where(FormSubmission.team_id == ctx.team_id,
                                         FormSubmission.created_lead.is_(True),
                                         Lead.status == LeadStatus.CONVERTED.value)
                                  .group_by(FormSubmission.form_id)).all())
    return [FormSummary(id=f.id, key=f.key, name=f.name, fields=len(f.fields or []),
                        submissions=submitted.get(f.id, 0), views=f.views, leads_created=created.get(f.id, 0),
                        converted=converted.get(f.id, 0), archived=f.archived_at is not None,
                        updated_at=f.updated_at) for f in forms]


def form_fields(form: WebForm, schema: custom_fields.LeadSchema) -> tuple[FormField, ...]:
    """The form's inputs as the page renders them (fields removed from the team are skipped)."""
    specs = {s.column: s for s in schema.fields}
    out = []
    for item in form.fields or []:
        name = item.get("name")
        if name in STANDARD_FIELDS:
            out.append(_standard_field(name, schema, item.get("label_en", ""), item.get("label_es", ""),
                                       bool(item.get("required"))))
        elif name in specs:
            out.append(_custom_field(specs[name], item.get("label_en", ""), item.get("label_es", ""),
                                     bool(item.get("required"))))
    return tuple(out)


# --- The public side ------------------------------------------------------------------------

_cache: dict[str, tuple[float, PublishedForm | None]] = {}
_cache_lock = threading.Lock()


def forget_cached(key: str) -> None:
    with _cache_lock:
        _cache.pop(key, None)


def cached_form(key: str) -> PublishedForm | None:
    """The form from this process's cache while it is fresh (no database), else None."""
    hit = _cache.get(key)
    if hit is not None and hit[1] is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    return None


def published_form(*, session: Session, key: str) -> PublishedForm:
    """The live form behind a public key (NotFound for unknown or archived ones)."""
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        if hit[1] is None:
            raise NotFound("This form does not exist.")
        return hit[1]
    published = _load_published(session, key) if 8 <= len(key) <= 40 else None
    with _cache_lock:
        if len(_cache) > 10000:
            _cache.clear()
        _cache[key] = (now, published)
    if published is None:
        raise NotFound("This form does not exist.")
    return published


def _load_published(session: Session, key: str) -> PublishedForm | None:
    form = session.exec(select(WebForm).where(WebForm.key == key, WebForm.archived_at.is_(None))).first()
    if form is None:
        return None
    team = session.get(Team, form.team_id)
    session.expunge(team)
    ctx = TeamContext(form.team_id, None, Role.REP.value)  # type: ignore[arg-type]
    schema = custom_fields.lead_schema(session=session, ctx=ctx)
    return PublishedForm(
        id=form.id, key=form.key, team_id=form.team_id, name=form.name,
        fields=form_fields(form, schema), lead_source=form.lead_source, campaign_id=form.campaign_id,
        owner_mode=form.owner_mode, owner_id=form.owner_id,
        round_robin_ids=tuple(form.round_robin_ids or ()), thank_you_en=form.thank_you_en,
        thank_you_es=form.thank_you_es, redirect_url=form.redirect_url,
        allowed_origins=frozenset(form.allowed_origins or ()), language=form.language,
        region=team.country or "US", team=team, schema=schema,
        model=scoring.load_model(session=session, team_id=form.team_id),
        )


def record_view(*, session: Session, form: PublishedForm) -> None:
    """Count one showing of the form (hosted page or embed) for today."""
    now = utcnow()
    dialect = session.get_bind().dialect.name
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = FormViewDay.__table__
    session.execute(upsert(table).values(team_id=form.team_id, form_id=form.id, day=now.date(), views=1)
                    .on_conflict_do_update(index_elements=[table.c.form_id, table.c.day],
                                           set_={"views": table.c.views + 1}))
    session.execute(update(WebForm.__table__).where(WebForm.__table__.c.id == form.id)
                    .values(views=WebForm.__table__.c.views + 1))


def fill_token(form_key: str, now: float | None = None) -> str:
    """A signed render time, put in the form as a hidden field (minimum fill time)."""
    stamp = str(int((now if now is not None else time.time()) * 1000))
    mac = hmac.new(_secret(), f"{form_key}.{stamp}".encode(), hashlib.sha256).digest()[:12]
    return f"{stamp}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def _secret() -> bytes:
    return get_settings().secret_key.encode()


def token_age(form_key: str, token: str | None, now: float | None = None) -> float | None:
    """Seconds since the token's form was rendered; None when missing, forged or expired."""
    if not token or len(token) > 64 or "." not in token:
        return None
    stamp, _, mac = token.partition(".")
    if not stamp.isdigit():
        return None
    expected = fill_token(form_key, int(stamp) / 1000).partition(".")[2]
    if not hmac.compare_digest(expected, mac):
        return None
    age = (now if now is not None else time.time()) - int(stamp) / 1000
    if age < -5 or age > TOKEN_MAX_AGE.total_seconds():
        return None
    return age


def is_bot(form: PublishedForm, values: dict[str, Any], now: float | None = None) -> bool:
    """A filled honeypot, or a form sent too fast (or without a valid render token)."""
    if str(values.get(HONEYPOT) or "").strip():
        return True
    age = token_age(form.key, values.get(TOKEN_FIELD), now)
    return age is None or age < MIN_FILL_SECONDS


def clean_submission(session: Session, form: PublishedForm, values: dict[str, Any]) -> dict[str, Any]:
    """The visitor's values as lead fields, checked like any lead input; ValidationFailed with
    errors keyed by the form's input names."""
    raw: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in form.fields:
        value = values.get(spec.name)
        if isinstance(value, (list, dict)):
            errors[spec.name] = "Send one value."
            continue
        text = "" if value is None else str(value)
        if len(text) > MAX_VALUE_CHARS:
            errors[spec.name] = f"Use at most {MAX_VALUE_CHARS} characters."
            continue
        if spec.required and (not text.strip() or (spec.type == "checkbox" and not _truthy(text))):
            errors[spec.name] = "This field is required."
            continue
        if spec.name.startswith("cf."):
            custom[spec.name[3:]] = text if text.strip() else None
        elif text.strip():
            raw[spec.name] = text
    if form.lead_source:
        raw["lead_source"] = form.lead_source
    raw["custom_fields"] = custom
    raw.setdefault("last_name", "")
    # The cached team, held here: the session's identity map keeps it only while referenced,
    # and clean_lead_fields reads it (the phone region) without a query.
    team = session.merge(form.team, load=False)
    try:
        clean = leads.clean_lead_fields(session, form.ctx, raw, partial=False, schema=form.schema)
    except ValidationFailed as exc:
        for key, message in exc.field_errors.items():
            name = "cf." + key.split(".", 1)[1] if key.startswith("custom_fields.") else key
            errors.setdefault(name, message)
    del team
    if errors:
        raise ValidationFailed(field_errors=errors)
    return clean


def _truthy(text: str) -> bool:
    return text.strip().lower() in custom_fields._TRUE


def submit(*, session: Session, form: PublishedForm, values: dict[str, Any],
           visit: Visit | None = None) -> Outcome:
    """One visitor's submission in the caller's transaction. The caller has already dropped
    bots; after commit it hands `Outcome.event_ids` to the worker (tasks.dispatch_events)."""
    return store(session=session, form=form, clean=clean_submission(session, form, values), visit=visit)


def store(*, session: Session, form: PublishedForm, clean: dict[str, Any],
          visit: Visit | None = None) -> Outcome:
    """Write one checked submission (`clean_submission`) in the caller's transaction."""
    return store_many(session=session, items=[(form, clean, visit)])[0]


def store_many(*, session: Session, items: list[tuple[PublishedForm, dict[str, Any], Visit | None]]
               ) -> list[Outcome]:
    """Write checked submissions in the caller's transaction, in order: duplicate matching
    (a later item finds a lead an earlier one just made), the new or updated lead, the
    submission row and its events. Rows of the same kind for all items go in one statement
    each (status history, scores, campaign members, submissions, events), and the team's
    board signal is bumped once for all new leads."""
    pending = _Pending()
    made: list[tuple[int, bool]] = []
    for form, clean, visit in items:
        counter = 0
        if form.owner_mode == "round_robin":  # whose turn it is, counted in the database (all workers)
            forms_table = WebForm.__table__
            counter = session.execute(update(forms_table).where(forms_table.c.id == form.id)
                                      .values(submissions=forms_table.c.submissions + 1)
                                      .returning(forms_table.c.submissions)).scalar_one()
        match = _duplicate(session, form, clean)
        if match is not None:
            pending.flush(session)  # the update reads the lead's score and history as stored
            team = session.merge(form.team, load=False)  # held: notes and re-scoring read the team
            made.append((_update_existing(session, form, match, clean, visit or Visit()), False))
            del team
        else:
            made.append((_insert_new(session, form, clean, counter, pending), True))
    pending.flush(session)
    now = utcnow()
    submission_rows, visits = [], []
    for (form, _clean, visit), (lead_id, created) in zip(items, made):
        visit = visit or Visit()
        utm = {k: (visit.utm.get(k) or "")[:200] for k in UTM_KEYS}
        visits.append((visit.referrer[:500], visit.page_url[:500], utm))
        submission_rows.append({"team_id": form.team_id, "form_id": form.id, "lead_id": lead_id,
                                "created_lead": created, "referrer": visit.referrer[:500],
                                "page_url": visit.page_url[:500], "submitted_at": now, **utm})
    submission_ids = session.execute(_SUBMISSION_INSERT, submission_rows).scalars().all()
    event_rows, owners = [], []
    for n, ((form, _clean, _visit), (lead_id, created), submission_id, (referrer, page_url, utm)) in \
            enumerate(zip(items, made, submission_ids, visits)):
        event_rows.append({"team_id": form.team_id, "user_id": None, "lead_id": lead_id, "occurred_at": now,
                           "name": FORM_SUBMITTED_EVENT, "payload": {
                               "lead_id": lead_id, "form_id": form.id, "form": form.name, "created": created,
                               "submission_id": submission_id, "referrer": referrer, "page_url": page_url,
                               **{k: v for k, v in utm.items() if v}}})
        owners.append(n)
        if created:
            event_rows.append({"team_id": form.team_id, "user_id": None, "lead_id": lead_id, "occurred_at": now,
                               "name": NEW_LEAD_EVENT, "payload": {"lead_id": lead_id, "source": "web_form",
                                                                   "form_id": form.id, "form": form.name}})
            owners.append(n)
    # ids come back in the rows' order (SQLAlchemy's insertmanyvalues, sort_by_parameter_order)
    event_ids = session.execute(_EVENT_INSERT, event_rows).scalars().all()
    events_of: list[list[int]] = [[] for _ in items]
    for n, event_id in zip(owners, event_ids):
        events_of[n].append(event_id)
    for team_id in sorted({form.team_id for (form, _, _), (_, created) in zip(items, made) if created}):
        team_signal.bump(session=session, team_id=team_id)   # boards: one signal for the new leads
    return [Outcome(lead_id=lead_id, created=created, submission_id=submission_id, event_ids=tuple(ids))
            for (lead_id, created), submission_id, ids in zip(made, submission_ids, events_of)]


class _Pending:
    """Rows of new leads written together once the batch's leads are in."""

    def __init__(self):
        self.history: list[dict[str, Any]] = []
        self.scores: list[dict[str, Any]] = []
        self.members: list[dict[str, Any]] = []

    def flush(self, session: Session) -> None:
        for statement, rows in ((_HISTORY_INSERT, self.history), (_SCORE_INSERT, self.scores),
                                (_MEMBER_INSERT, self.members)):
            if rows:
                session.execute(statement, rows)
                rows.clear()


def _duplicate(session: Session, form: PublishedForm, clean: dict[str, Any]) -> int | None:
    """The lead this submission most likely repeats: same e-mail or phone (one indexed query
    for candidates, then dedupe's matcher), or, for a form that asks for neither, a similar
    name at a similar company (dedupe.find_duplicates)."""
    email = dedupe.email_key(clean.get("email"))
    phones = [k for k in (dedupe.phone_key(clean.get(n), form.region) for n in ("phone", "mobile")) if k]
    if email or phones:
        index = dedupe.DuplicateIndex(region=form.region)
        rows = session.execute(_CANDIDATES, {"team": form.team_id, "email": email or NO_MATCH,
                                             "phone1": phones[0] if phones else NO_MATCH,
                                             "phone2": phones[-1] if phones else NO_MATCH}).all()
        for row in rows:
            index.add(*row)
        matches = index.find(email=email, phone=clean.get("phone"), mobile=clean.get("mobile"), limit=1)
    else:
        matches = dedupe.find_duplicates(session=session, ctx=form.ctx, limit=1, data={
            k: clean.get(k) for k in ("first_name", "last_name", "company")})
    if not matches or not set(matches[0].kinds) & {"email", "phone", "name_company"}:
        return None
    return matches[0].lead_id


NO_MATCH = "#"   # no stored e-mail or E.164 phone is ever this
_lead = Lead.__table__
# One indexed look-up per key (team+email, team+phone, team+mobile), joined by UNION: written
# as one OR, SQLite reads every lead of the team instead.
_by_key = union(
    select(_lead.c.id).where(_lead.c.team_id == bindparam("team"), _lead.c.email == bindparam("email")),
    select(_lead.c.id).where(_lead.c.team_id == bindparam("team"),
                             _lead.c.phone.in_([bindparam("phone1"), bindparam("phone2")])),
    select(_lead.c.id).where(_lead.c.team_id == bindparam("team"),
                             _lead.c.mobile.in_([bindparam("phone1"), bindparam("phone2")])))
_CANDIDATES = (select(_lead.c.id, _lead.c.first_name, _lead.c.last_name, _lead.c.company, _lead.c.email,
                      _lead.c.phone, _lead.c.mobile)
               .where(_lead.c.id.in_(select(_by_key.subquery().c.id)))
               .order_by(_lead.c.id.desc()).limit(50))


def _owner_for(form: PublishedForm, counter: int) -> int | None:
    if form.owner_mode == "fixed":
        return form.owner_id
    if form.owner_mode == "round_robin" and form.round_robin_ids:
        return form.round_robin_ids[(counter - 1) % len(form.round_robin_ids)]
    return None


# Built once: building a statement per request (bind objects, cache keys) costs more than
# running it. Values come as execute() parameters.
_SUBMISSION_INSERT = insert(FormSubmission.__table__).returning(FormSubmission.__table__.c.id,
                                                                 sort_by_parameter_order=True)
_EVENT_INSERT = insert(DomainEvent.__table__).returning(DomainEvent.__table__.c.id, sort_by_parameter_order=True)
_HISTORY_INSERT = insert(LeadStatusHistory.__table__)
_SCORE_INSERT = insert(scoring.LeadScore.__table__)
_MEMBER_INSERT = insert(CampaignMember.__table__)
_LEAD_INSERT = insert(Lead.__table__).values(  # topping its column: position = lowest - 1
    position=select(func.coalesce(func.min(Lead.__table__.c.position), 1.0) - 1.0).where(
        Lead.__table__.c.team_id == bindparam("top_team"),
        Lead.__table__.c.status == bindparam("top_status")).scalar_subquery()).returning(Lead.__table__.c.id)


def _insert_new(session: Session, form: PublishedForm, clean: dict[str, Any], counter: int,
                pending: _Pending) -> int:
    """A new lead, written with a Core statement; its status history, campaign membership and
    score (from the cached model) join `pending`."""
    now = utcnow()
    row = {name: "" for name in leads.TEXT_LIMITS}
    row.update(need="", interest="", rating="", budget=None, outreach_id=None, last_contacted_at=None,
               custom_fields={}, score=0)
    row.update(clean)
    row.update(team_id=form.team_id, status=LeadStatus.NEW.value, owner_id=_owner_for(form, counter),
               version=1, rating_manual=False, created_at=now, updated_at=now)
    row["search_text"] = leads.search_text_for(row["first_name"], row["last_name"], row["company"],
                                               row["email"], row["phone"], row["mobile"], row["city"])
    facts = {("form_submitted", None): [now], ("status_reached", LeadStatus.NEW.value): [now]}
    result = scoring.score_lead(form.model, SimpleNamespace(**row), facts, form.schema, now)
    row["score"], row["rating"] = result.score, result.auto_rating
    lead_id = session.execute(_LEAD_INSERT, {**row, "top_team": form.team_id,
                                             "top_status": LeadStatus.NEW.value}).scalar_one()
    pending.history.append({"team_id": form.team_id, "lead_id": lead_id, "from_status": None,
                            "to_status": LeadStatus.NEW.value, "changed_by": None, "changed_at": now})
    pending.scores.append({
        "team_id": form.team_id, "lead_id": lead_id, "score": result.score, "auto_rating": result.auto_rating,
        "contributions": [c.as_json() for c in result.contributions], "model_version": form.model.version,
        "scored_at": now})
    if form.campaign_id:
        pending.members.append({"team_id": form.team_id, "campaign_id": form.campaign_id,
                                "lead_id": lead_id, "added_at": now})
    return lead_id


def _update_existing(session: Session, form: PublishedForm, lead_id: int, clean: dict[str, Any],
                     visit: Visit) -> int:
    """Fill the existing lead's blank fields (and custom fields) and add a note with everything
    the visitor sent; nothing a rep entered is overwritten."""
    lead = session.get(Lead, lead_id)
    filled: dict[str, Any] = {}
    for name, value in clean.items():
        if name == "custom_fields":
            merged = dict(lead.custom_fields or {})
            added = {k: v for k, v in (value or {}).items() if merged.get(k) in (None, "")}
            if added:
                merged.update(added)
                lead.custom_fields = merged
                filled[name] = merged
        elif value not in (None, "") and getattr(lead, name) in (None, ""):
            setattr(lead, name, value)
            filled[name] = value
    ctx = TeamContext(form.team_id, None, Role.ADMIN.value)  # type: ignore[arg-type]
    if form.campaign_id and not session.exec(select(CampaignMember.id).where(
            CampaignMember.campaign_id == form.campaign_id, CampaignMember.lead_id == lead.id)).first():
        session.add(CampaignMember(team_id=form.team_id, campaign_id=form.campaign_id, lead_id=lead.id))
    lead.updated_at = utcnow()
    leads.refresh_search_text(lead)
    team_signal.lead_changed(session=session, lead=lead)
    session.add(lead)
    session.flush()
    notes.add_note(session=session, ctx=ctx, lead_id=lead.id, body=_note_text(form, clean, visit))
    if filled and lead.status != LeadStatus.CONVERTED.value:
        scoring.rescore_lead(session=session, ctx=ctx, lead=lead, changes=filled)
    return lead.id


def _note_text(form: PublishedForm, clean: dict[str, Any], visit: Visit) -> str:
    labels = {f.name: f.label_en for f in form.fields}
    lines = [f"Form submitted: {form.name}"]
    for name, value in clean.items():
        if name == "custom_fields":
            for key, custom in (value or {}).items():
                if custom not in (None, ""):
                    lines.append(f"{labels.get('cf.' + key, key)}: {custom}")
        elif name != "lead_source" and value not in (None, ""):
            lines.append(f"{labels.get(name, name)}: {value}")
    for key in UTM_KEYS:
        if visit.utm.get(key):
            lines.append(f"{key}: {visit.utm[key][:200]}")
    if visit.page_url:
        lines.append(f"Page: {visit.page_url[:500]}")
    if visit.referrer:
        lines.append(f"Referrer: {visit.referrer[:500]}")
    return "\n".join(lines)[:notes.BODY_MAX]


# --- Numbers for analytics ------------------------------------------------------------------

def funnel_counts(*, session: Session, sc) -> list:
    """Per form: views and submissions in the scope's range, and the leads they created
    (the provider behind the analytics web-form funnel)."""
    from leadhub.services.analytics.forms import FormCounts
    forms = session.exec(select(WebForm.id, WebForm.name).where(WebForm.team_id == sc.team_id)
                         .order_by(WebForm.name)).all()
    if not forms:
        return []
    views = dict(session.exec(select(FormViewDay.form_id, func.sum(FormViewDay.views)).where(
        FormViewDay.team_id == sc.team_id, FormViewDay.day >= sc.start.date(),
        FormViewDay.day < sc.end.date() + timedelta(days=1)).group_by(FormViewDay.form_id)).all())
    rows = session.exec(select(FormSubmission.form_id, FormSubmission.lead_id, FormSubmission.created_lead)
                        .where(FormSubmission.team_id == sc.team_id, FormSubmission.submitted_at >= sc.start,
                               FormSubmission.submitted_at < sc.end)).all()
    submissions: dict[int, int] = {}
    created: dict[int, list[int]] = {}
    for form_id, lead_id, made in rows:
        submissions[form_id] = submissions.get(form_id, 0) + 1
        if made and lead_id is not None:
            created.setdefault(form_id, []).append(lead_id)
    return [FormCounts(form_id=i, name=n, views=int(views.get(i) or 0), submissions=submissions.get(i, 0),
                       lead_ids=created.get(i, [])) for i, n in forms]


def _register_analytics() -> None:
    try:
        from leadhub.services.analytics import forms as form_stats
    except ImportError:  # analytics not installed in this build
        return
    form_stats.register_provider(funnel_counts)


_register_analytics()


def members(*, session: Session, ctx: TeamContext) -> list[tuple[int, str]]:
    """(user id, name) of the team, for the owner pickers."""
    return [(u.id, u.full_name or u.email) for u, _ in session.exec(
        select(User, Membership).join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id == ctx.team_id).order_by(User.full_name)).all()]
