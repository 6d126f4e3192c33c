"""Lead fields a team shapes itself: custom fields, required standard fields, picklist options.

A team admin defines custom fields (text, long text, number, date, picklist, checkbox, URL),
marks them required or not and orders them. Their values live in `Lead.custom_fields` (JSON),
keyed by the field's `key`, which never changes and is never reused within a team. Removing a
field archives its definition: the stored values stay in every lead, out of sight, and come
back if the field is restored.

Admins can also make standard fields required and edit the options of the standard picklists
(lead source, industry). `lead_schema` bundles all of it, so the lead service, the forms, the
list columns and filters, CSV import/export and the API read one description of a team's leads.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import JSON, Column, Float, String, UniqueConstraint, cast
from sqlmodel import Field, Session, SQLModel, func, select

from leadhub.services.amounts import parse_decimal
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import Conflict, NotFound, ValidationFailed
from leadhub.services.models import INDUSTRIES, LEAD_SOURCES, Lead, Role, utcnow

FIELD_TYPES = ("text", "textarea", "number", "date", "picklist", "checkbox", "url")
TYPE_LABELS = {"text": "Text", "textarea": "Long text", "number": "Number", "date": "Date",
               "picklist": "Picklist", "checkbox": "Checkbox", "url": "URL"}
TEXT_MAX = {"text": 255, "textarea": 5000, "url": 500, "picklist": 80}
MAX_FIELDS = 100
MAX_OPTIONS = 200
LABEL_MAX = 80
# Standard fields an admin may make required (last name always is) and standard picklists
# whose options the team edits.
REQUIRABLE_STANDARD = (
    "first_name", "company", "title", "lead_source", "industry", "email", "phone", "mobile",
    "website", "street", "city", "state", "postal_code", "country", "rating", "need", "interest",
    "budget", "description",
)
STANDARD_PICKLISTS = {"lead_source": LEAD_SOURCES, "industry": INDUSTRIES}
_TRUE = {"1", "true", "yes", "on", "si", "sí", "y", "x"}
_FALSE = {"", "0", "false", "no", "off", "n"}
_KEY = re.compile(r"[^a-z0-9]+")


class LeadFieldDefinition(SQLModel, table=True):
    """A custom field of a team's leads; archived (not deleted) when removed."""

    __tablename__ = "lead_field_definition"
    __table_args__ = (UniqueConstraint("team_id", "key", name="uq_lead_field_definition_team_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    key: str = Field(max_length=40, description="name in Lead.custom_fields; never reused")
    label: str = Field(max_length=LABEL_MAX)
    type: str = Field(default="text", max_length=16)
    options: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    required: bool = Field(default=False)
    position: int = Field(default=0)
    archived_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class LeadStandardField(SQLModel, table=True):
    """A team's rule for one standard lead field: required, and (picklists) its options."""

    __tablename__ = "lead_standard_field"
    __table_args__ = (UniqueConstraint("team_id", "field", name="uq_lead_standard_field_team_field"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    field: str = Field(max_length=40)
    required: bool = Field(default=False)
    options: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class FieldSpec:
    """A custom field as the rest of the app sees it (a plain value, safe outside a session)."""

    id: int
    key: str
    label: str
    type: str
    options: tuple[str, ...]
    required: bool
    position: int
    archived: bool = False

    @property
    def column(self) -> str:
        """Its name among list columns, filters, CSV headers and form inputs."""
        return f"cf.{self.key}"


@dataclass(frozen=True)
class LeadSchema:
    """Everything a team has decided about its lead fields."""

    fields: tuple[FieldSpec, ...] = ()
    required: frozenset[str] = frozenset({"last_name"})
    options: dict[str, list[str]] = field(default_factory=lambda: {
        name: list(values) for name, values in STANDARD_PICKLISTS.items()})

    def by_key(self) -> dict[str, FieldSpec]:
        return {f.key: f for f in self.fields}

    def field_for_column(self, column: str) -> FieldSpec | None:
        if not column.startswith("cf."):
            return None
        return self.by_key().get(column[3:])


def _spec(row: LeadFieldDefinition) -> FieldSpec:
    return FieldSpec(id=row.id, key=row.key, label=row.label, type=row.type,
                     options=tuple(row.options or ()), required=row.required,
                     position=row.position, archived=row.archived_at is not None)


# --- Reading -----------------------------------------------------------------------------

def lead_schema(*, session: Session, ctx: TeamContext) -> LeadSchema:
    """The team's active custom fields (in order), required fields and picklist options."""
    rows = session.exec(select(LeadFieldDefinition).where(
        LeadFieldDefinition.team_id == ctx.team_id, LeadFieldDefinition.archived_at.is_(None))
        .order_by(LeadFieldDefinition.position, LeadFieldDefinition.id)).all()
    rules = session.exec(select(LeadStandardField).where(
        LeadStandardField.team_id == ctx.team_id)).all()
    required = {"last_name"} | {r.field for r in rules if r.required}
    options = {name: list(values) for name, values in STANDARD_PICKLISTS.items()}
    for rule in rules:
        if rule.field in STANDARD_PICKLISTS and rule.options:
            options[rule.field] = list(rule.options)
    return LeadSchema(fields=tuple(_spec(r) for r in rows), required=frozenset(required),
                      options=options)


def list_fields(*, session: Session, ctx: TeamContext, include_archived: bool = False) -> list[FieldSpec]:
    """The team's custom fields in order; archived ones last when asked for."""
    statement = select(LeadFieldDefinition).where(LeadFieldDefinition.team_id == ctx.team_id)
    if not include_archived:
        statement = statement.where(LeadFieldDefinition.archived_at.is_(None))
    rows = session.exec(statement.order_by(LeadFieldDefinition.archived_at.is_not(None),
                                           LeadFieldDefinition.position,
                                           LeadFieldDefinition.id)).all()
    return [_spec(r) for r in rows]


# --- Defining fields (admins) ---------------------------------------------------------------

def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _clean_options(raw: Any, name: str = "options") -> list[str]:
    if isinstance(raw, str):
        raw = raw.replace("\r", "").replace(",", "\n").split("\n")
    options: list[str] = []
    for item in raw or []:
        text = str(item).strip()
        if not text:
            continue
        if len(text) > TEXT_MAX["picklist"]:
            raise ValidationFailed(field_errors={name: f"Each option can have at most {TEXT_MAX['picklist']} characters."})
        if text.lower() not in {o.lower() for o in options}:
            options.append(text)
    if not options:
        raise ValidationFailed(field_errors={name: "Give the picklist at least one option."})
    if len(options) > MAX_OPTIONS:
        raise ValidationFailed(field_errors={name: f"Use at most {MAX_OPTIONS} options."})
    return options


def _clean_label(raw: Any) -> str:
    label = " ".join(str(raw or "").split())
    if not label:
        raise ValidationFailed(field_errors={"label": "Give the field a name."})
    if len(label) > LABEL_MAX:
        raise ValidationFailed(field_errors={"label": f"Use at most {LABEL_MAX} characters."})
    return label


def _unique_key(session: Session, team_id: int, label: str) -> str:
    base = _KEY.sub("_", _fold(label)).strip("_")[:30] or "field"
    if base[0].isdigit():
        base = f"f_{base}"[:30]
    taken = set(session.exec(select(LeadFieldDefinition.key).where(
        LeadFieldDefinition.team_id == team_id)).all())
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def _active_labels(session: Session, team_id: int, exclude_id: int | None = None) -> set[str]:
    statement = select(LeadFieldDefinition.label).where(
        LeadFieldDefinition.team_id == team_id, LeadFieldDefinition.archived_at.is_(None))
    if exclude_id is not None:
        statement = statement.where(LeadFieldDefinition.id != exclude_id)
    return {_fold(label) for label in session.exec(statement).all()}


def create_field(*, session: Session, ctx: TeamContext, label: str, type: str,
                 options: Any = None, required: bool = False) -> FieldSpec:
    """A new custom field, placed after the others."""
    ctx.require(Role.ADMIN)
    errors: dict[str, str] = {}
    try:
        label = _clean_label(label)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    if type not in FIELD_TYPES:
        errors["type"] = f"Choose one of: {', '.join(FIELD_TYPES)}."
    clean_options: list[str] = []
    if type == "picklist":
        try:
            clean_options = _clean_options(options)
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    if not errors and _fold(label) in _active_labels(session, ctx.team_id):
        errors["label"] = "A field with this name already exists."
    if errors:
        raise ValidationFailed(field_errors=errors)
    count = session.exec(select(func.count()).select_from(LeadFieldDefinition).where(
        LeadFieldDefinition.team_id == ctx.team_id, LeadFieldDefinition.archived_at.is_(None))).one()
    if count >= MAX_FIELDS:
        raise Conflict(f"A team can have at most {MAX_FIELDS} custom fields.")
    top = session.exec(select(func.max(LeadFieldDefinition.position)).where(
        LeadFieldDefinition.team_id == ctx.team_id)).one()
    row = LeadFieldDefinition(team_id=ctx.team_id, key=_unique_key(session, ctx.team_id, label),
                              label=label, type=type, options=clean_options,
                              required=bool(required), position=(top or 0) + 1)
    session.add(row)
    session.flush()
    return _spec(row)


def _definition(session: Session, ctx: TeamContext, field_id: int) -> LeadFieldDefinition:
    return get_in_team(session, LeadFieldDefinition, ctx, field_id,
                       "This field does not exist or belongs to another team.")


def update_field(*, session: Session, ctx: TeamContext, field_id: int, label: Any = None,
                 options: Any = None, required: bool | None = None) -> FieldSpec:
    """Rename a field, change its options or whether it is required (its type stays)."""
    ctx.require(Role.ADMIN)
    row = _definition(session, ctx, field_id)
    if label is not None:
        clean = _clean_label(label)
        if _fold(clean) in _active_labels(session, ctx.team_id, exclude_id=row.id):
            raise ValidationFailed(field_errors={"label": "A field with this name already exists."})
        row.label = clean
    if options is not None and row.type == "picklist":
        row.options = _clean_options(options)
    if required is not None:
        row.required = bool(required)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _spec(row)


def remove_field(*, session: Session, ctx: TeamContext, field_id: int) -> FieldSpec:
    """Hide a field; values already stored in leads are kept and come back on restore."""
    ctx.require(Role.ADMIN)
    row = _definition(session, ctx, field_id)
    row.archived_at = row.archived_at or utcnow()
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _spec(row)


def restore_field(*, session: Session, ctx: TeamContext, field_id: int) -> FieldSpec:
    """Bring an archived field back, with every value it had."""
    ctx.require(Role.ADMIN)
    row = _definition(session, ctx, field_id)
    if row.archived_at is not None and _fold(row.label) in _active_labels(session, ctx.team_id):
        raise Conflict("Another field already uses this name; rename that one first.")
    row.archived_at = None
    top = session.exec(select(func.max(LeadFieldDefinition.position)).where(
        LeadFieldDefinition.team_id == ctx.team_id)).one()
    row.position = (top or 0) + 1
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _spec(row)


def move_field(*, session: Session, ctx: TeamContext, field_id: int, offset: int) -> list[FieldSpec]:
    """Move a field up (offset -1) or down (+1) among the active fields."""
    ctx.require(Role.ADMIN)
    rows = list(session.exec(select(LeadFieldDefinition).where(
        LeadFieldDefinition.team_id == ctx.team_id, LeadFieldDefinition.archived_at.is_(None))
        .order_by(LeadFieldDefinition.position, LeadFieldDefinition.id)).all())
    index = next((i for i, r in enumerate(rows) if r.id == field_id), None)
    if index is None:
        raise NotFound("This field does not exist or belongs to another team.")
    target = max(0, min(len(rows) - 1, index + int(offset)))
    rows.insert(target, rows.pop(index))
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            row.position = position
            session.add(row)
    session.flush()
    return [_spec(r) for r in rows]


def _rule(session: Session, ctx: TeamContext, name: str) -> LeadStandardField:
    rule = session.exec(select(LeadStandardField).where(
        LeadStandardField.team_id == ctx.team_id, LeadStandardField.field == name)).first()
    return rule or LeadStandardField(team_id=ctx.team_id, field=name)


def set_standard_required(*, session: Session, ctx: TeamContext, field_name: str, required: bool) -> None:
    """Make a standard field required (or optional again) in every lead form of the team."""
    ctx.require(Role.ADMIN)
    if field_name not in REQUIRABLE_STANDARD:
        raise ValidationFailed(field_errors={"field": "This field cannot be made required."})
    rule = _rule(session, ctx, field_name)
    rule.required, rule.updated_at = bool(required), utcnow()
    session.add(rule)
    session.flush()


def set_standard_options(*, session: Session, ctx: TeamContext, field_name: str, options: Any) -> list[str]:
    """Replace the options of lead source or industry; leads keep the values they have."""
    ctx.require(Role.ADMIN)
    if field_name not in STANDARD_PICKLISTS:
        raise ValidationFailed(field_errors={"field": "Only lead source and industry have editable options."})
    clean = _clean_options(options)
    if any(len(o) > 60 for o in clean):
        raise ValidationFailed(field_errors={"options": "Each option can have at most 60 characters."})
    rule = _rule(session, ctx, field_name)
    rule.options, rule.updated_at = clean, utcnow()
    session.add(rule)
    session.flush()
    return clean


# --- Values ---------------------------------------------------------------------------------

def _parse_number(raw: Any) -> int | float:
    """The same reading as money fields ("1.250" is 1250 for a Spanish team, "3,5" is 3.5)."""
    value = parse_decimal(raw, "Enter a number, e.g. 42 or 3,5.")
    if abs(value) >= Decimal("1e15"):
        raise ValueError("That number is too large.")
    return int(value) if value == value.to_integral_value() else float(value)


def _parse_date(raw: Any) -> str:
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    text = str(raw).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError("Enter a date like 2026-03-29.")


def _parse_url(raw: Any) -> str:
    text = str(raw).strip()
    candidate = text if "://" in text else f"https://{text}"
    parsed = urlparse(candidate)
    if parsed.scheme not in ("http", "https") or "." not in (parsed.hostname or ""):
        raise ValueError("Enter a web address such as https://example.com.")
    return candidate


def _parse_checkbox(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _fold(str(raw).strip())
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("Use yes or no.")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_value(spec: FieldSpec, raw: Any) -> Any:
    """A value as stored in the JSON (None = no value); ValueError says what is wrong."""
    if spec.type == "checkbox":
        return _parse_checkbox(raw) if not is_blank(raw) else False
    if is_blank(raw):
        return None
    if spec.type in ("text", "textarea"):
        text = str(raw).strip()
        if len(text) > TEXT_MAX[spec.type]:
            raise ValueError(f"Use at most {TEXT_MAX[spec.type]} characters.")
        return text
    if spec.type == "number":
        return _parse_number(raw)
    if spec.type == "date":
        return _parse_date(raw)
    if spec.type == "url":
        return _parse_url(raw)
    if spec.type == "picklist":
        text = str(raw).strip()
        for option in spec.options:
            if option.lower() == text.lower():
                return option
        raise ValueError(f"Choose one of: {', '.join(spec.options)}.")
    raise ValueError("Unknown field.")


def clean_custom_values(schema: LeadSchema, raw: Any, existing: dict | None, *,
                        creating: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge submitted custom values into what a lead holds; (new JSON, field errors).

    Keys of archived fields already in `existing` are kept untouched; unknown keys are errors.
    On create every required custom field must have a value; on edit only those submitted."""
    errors: dict[str, str] = {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return dict(existing or {}), {"custom_fields": "Custom fields must be a mapping of field name to value."}
    specs = schema.by_key()
    result = dict(existing or {})
    for key, value in raw.items():
        spec = specs.get(str(key))
        if spec is None:
            errors[f"custom_fields.{key}"] = "Unknown field."
            continue
        try:
            clean = clean_value(spec, value)
        except ValueError as exc:
            errors[f"custom_fields.{key}"] = str(exc)
            continue
        if clean is None:
            result.pop(spec.key, None)
        else:
            result[spec.key] = clean
    for spec in schema.fields:
        if not spec.required or f"custom_fields.{spec.key}" in errors:
            continue
        if not creating and spec.key not in raw:
            continue
        value = result.get(spec.key)
        if is_blank(value) or (spec.type == "checkbox" and value is not True):
            errors[f"custom_fields.{spec.key}"] = "This field is required."
    return result, errors


def display_value(spec: FieldSpec, value: Any) -> str:
    """A stored value as text for a list cell, the detail view or a CSV file."""
    if value is None:
        return ""
    if spec.type == "checkbox":
        return "Yes" if value is True else ("No" if value is False else str(value))
    if spec.type == "number" and isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return str(value)


def form_value(spec: FieldSpec, value: Any) -> str:
    """A stored value as the text an input starts with."""
    if value is None:
        return ""
    if spec.type == "checkbox":
        return "true" if value is True else ""
    return display_value(spec, value)


# --- SQL over the JSON column --------------------------------------------------------------

def value_expression(spec: FieldSpec):
    """The field's value in SQL (text, or a number for number fields), for filters and sorts."""
    element = Lead.custom_fields[spec.key]
    if spec.type == "number":
        return cast(element.as_float(), Float)
    if spec.type == "checkbox":
        return element.as_boolean()
    return cast(element.as_string(), String)


def filter_condition(spec: FieldSpec, value: str):
    """A SQL condition for "this field is `value`" as typed in a list filter."""
    if spec.type == "checkbox":
        wanted = _parse_checkbox(value)
        expression = Lead.custom_fields[spec.key].as_boolean()
        return expression.is_(True) if wanted else func.coalesce(expression, False).is_(False)
    if spec.type == "number":
        return value_expression(spec) == float(_parse_number(value))
    if spec.type in ("text", "textarea", "url"):
        escaped = value.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return func.lower(value_expression(spec)).like(f"%{escaped}%", escape="\\")
    if spec.type == "date":
        return value_expression(spec) == _parse_date(value)
    return value_expression(spec) == value
