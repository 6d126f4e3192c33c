"""CSV import of leads: one service for the wizard, the `leadhub import` command and the API.

    create_draft(session, ctx, file_bytes, filename) -> ImportJob   store + detect, no rows yet
    preview(session, ctx, job_id) -> Preview                        headers, first rows, suggestion
    start(session, ctx, job_id, mapping, options) -> ImportJob      queue it (Huey, after commit)
    start_import(session, ctx, file_bytes, filename, mapping, options) -> ImportJob   both at once
    run_import(job_id) -> ImportProgress                            the worker's part
    progress / error_report_csv / start_undo / run_undo             afterwards

Reading: the encoding is taken from a BOM (UTF-8, UTF-16), else strict UTF-8, else
charset-normalizer's guess (Windows-1252 when it hesitates between Latin ones); the
delimiter (comma, semicolon, tab, pipe) from the first lines; pandas then reads every cell as
text. Checking is vectorised per column where a value has an obvious shape (e-mails, plain
numbers, short texts, picklists, phones whose reading phonenumbers makes certain — see
`_fast_phones`); anything else goes through the lead service's own `clean_lead_fields`,
`normalise_phone` or `custom_fields.clean_value`, once per distinct value, so an import
accepts and refuses exactly what the lead form does. Custom fields are mapping targets
(`cf.<key>`, suggested from their labels) checked by their type and required flag. Rows
with errors are left out and reported (row number as a spreadsheet shows it, column,
reason); the others are imported.

Duplicates are matched for the whole file before anything is written (`_match`): rows with an
e-mail or phone through `DuplicateIndex.first_contact_matches` (one batch), the others by
similar name at a similar company; rows repeating an earlier row of the file are that row.
Skip leaves duplicates out; update gives each existing lead its rows' non-empty values once
(later rows win) and fills a new row's blanks from its repeats; create makes every row a
lead. Writing goes in chunks, each one transaction with the job's progress, below the ORM:
columns are built as lists, each distinct shape of the fields the scoring model reads is
scored once (`scoring.score_lead`), and each table (lead, status history, score, campaign,
before-images) takes one COPY (PostgreSQL) or executemany (SQLite) per chunk with the column
types' own bind processing. Counts are of rows: created + updated + skipped + refused = total.
Undo deletes the leads the import created (Lead.import_id) and restores the before-images of
the leads it updated. bench/import_csv.py measures it beside pandas.read_csv + a bulk insert.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint, delete, text
from sqlalchemy import event as sa_event
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, func, select

from leadhub.config import get_settings
from leadhub.services import campaigns, custom_fields, dedupe, events, leads, scoring, team_signal
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import Lead, LeadStatus, LeadStatusHistory, Membership, Role, Team, utcnow

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 500_000
CHUNK_ROWS = 10_000
CACHE_KB = 64 * 1024          # SQLite page cache while an import writes a chunk
ANNOUNCE_SECONDS = 1.0        # open boards hear of an import's new leads at most this often
PREVIEW_ROWS = 10
LABEL_LIKENESS = 90           # a header this alike (rapidfuzz ratio) to a custom field's label maps to it
DUPLICATE_MODES = ("skip", "update", "create")
IMPORTED_EVENT = "LeadsImported"
FULL_NAME = "full_name"          # a column "Name" split into first and last name
DELIMITERS = [",", ";", "\t", "|"]
STANDARD_TARGETS = (
    "first_name", "last_name", "company", "title", "email", "phone", "mobile", "website",
    "lead_source", "industry", "status", "rating", "need", "interest", "budget", "street", "city",
    "state", "postal_code", "country", "description",
)
# Header words (folded: lower case, no accents, no punctuation) that name each field.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "nombre", "nombre de pila", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name", "apellido", "apellidos",
                  "primer apellido"),
    FULL_NAME: ("name", "full name", "contact", "contact name", "nombre completo", "contacto",
                "nombre y apellidos"),
    "company": ("company", "company name", "organisation", "organization", "account", "empresa",
                "compania", "organizacion", "razon social", "negocio"),
    "title": ("title", "job title", "position", "role", "cargo", "puesto", "titulo"),
    "email": ("email", "e mail", "email address", "e mail address", "mail", "correo",
              "correo electronico", "direccion de correo", "email principal"),
    "phone": ("phone", "phone number", "telephone", "tel", "work phone", "telefono", "tlf",
              "telefono fijo", "numero de telefono"),
    "mobile": ("mobile", "mobile phone", "cell", "cell phone", "cellphone", "movil", "celular",
               "telefono movil"),
    "website": ("website", "web site", "web", "url", "site", "sitio web", "pagina web"),
    "lead_source": ("lead source", "source", "origen", "fuente", "origen del prospecto"),
    "industry": ("industry", "sector", "industria"),
    "status": ("status", "lead status", "estado"),
    "rating": ("rating", "valoracion", "calificacion"),
    "need": ("need", "necesidad"),
    "interest": ("interest", "interes"),
    "budget": ("budget", "presupuesto", "amount", "importe"),
    "street": ("street", "address", "street address", "calle", "direccion", "domicilio"),
    "city": ("city", "town", "ciudad", "localidad", "poblacion", "municipio"),
    "state": ("state", "province", "region", "county", "provincia", "estado provincia",
              "comunidad autonoma"),
    "postal_code": ("postal code", "zip", "zip code", "postcode", "codigo postal", "cp"),
    "country": ("country", "pais"),
    "description": ("description", "notes", "note", "comments", "descripcion", "notas",
                    "comentarios", "observaciones"),
}
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$"
_PLAIN_NUMBER = r"^\d{1,11}(\.\d{1,2})?$"
_WEB = r"^(https?://)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(/\S*)?$"


# --- Tables ---------------------------------------------------------------------------------

class ImportJob(SQLModel, table=True):
    """One CSV file brought into a team: its settings, progress, counts and how to undo it."""

    __tablename__ = "import_job"
    __table_args__ = (Index("ix_import_job_team_created", "team_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    user_id: int | None = Field(default=None, foreign_key="user.id")
    filename: str = Field(default="", max_length=255)
    # draft | queued | running | done | failed | undoing | undone
    status: str = Field(default="draft", max_length=12)
    encoding: str = Field(default="", max_length=40)
    delimiter: str = Field(default=",", max_length=4)
    headers: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    total_rows: int = Field(default=0)
    processed: int = Field(default=0)
    created_count: int = Field(default=0)
    updated_count: int = Field(default=0)
    skipped_count: int = Field(default=0)
    error_count: int = Field(default=0)
    mapping: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    options: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    message: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None
    undone_at: datetime | None = None


class ImportBefore(SQLModel, table=True):
    """What an import changed in an existing lead, as it was before (for undo)."""

    __tablename__ = "import_before"

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(sa_column=Column(Integer, ForeignKey("import_job.id", ondelete="CASCADE"),
                                            nullable=False, index=True))
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    lead_id: int = Field(sa_column=Column(Integer, ForeignKey("lead.id", ondelete="CASCADE"),
                                          nullable=False, index=True))
    before: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ImportMapping(SQLModel, table=True):
    """A column mapping saved under a name, to reuse for the next file of the same shape."""

    __tablename__ = "import_mapping"
    __table_args__ = (UniqueConstraint("team_id", "name", name="uq_import_mapping_team_name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False))
    name: str = Field(max_length=80)
    mapping: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


# --- Plain values ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportOptions:
    duplicates: str = "skip"
    owner_id: int | None = None
    lead_source: str = ""
    campaign_id: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ImportOptions:
        data = data or {}
        return cls(duplicates=str(data.get("duplicates") or "skip"),
                   owner_id=_int_or_none(data.get("owner_id")),
                   lead_source=str(data.get("lead_source") or ""),
                   campaign_id=_int_or_none(data.get("campaign_id")))

    def as_dict(self) -> dict[str, Any]:
        return {"duplicates": self.duplicates, "owner_id": self.owner_id,
                "lead_source": self.lead_source, "campaign_id": self.campaign_id}


@dataclass(frozen=True)
class Preview:
    job_id: int
    filename: str
    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[list[str]]
    total_rows: int
    suggested: dict[str, str]


@dataclass(frozen=True)
class ImportProgress:
    id: int
    status: str
    filename: str
    total: int
    processed: int
    created: int
    updated: int
    skipped: int
    errors: int
    message: str
    created_at: datetime
    finished_at: datetime | None
    undone_at: datetime | None

    @property
    def percent(self) -> int:
        if self.status in ("done", "undone"):
            return 100
        return int(100 * self.processed / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running", "undoing")


@dataclass
class RowError:
    row: int          # as a spreadsheet numbers it: the header is row 1
    column: str
    reason: str


def _int_or_none(value: Any) -> int | None:
    if value in (None, "", "none"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _progress(job: ImportJob) -> ImportProgress:
    return ImportProgress(job.id, job.status, job.filename, job.total_rows, job.processed,
                          job.created_count, job.updated_count, job.skipped_count, job.error_count,
                          job.message, job.created_at, job.finished_at, job.undone_at)


# --- Reading files --------------------------------------------------------------------------

def detect_encoding(data: bytes) -> str:
    """The file's text encoding: BOM, then strict UTF-8, then charset-normalizer's guess."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:200_000]
    if sample.count(b"\x00") > len(sample) // 4:  # UTF-16 without a BOM
        return "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
    from charset_normalizer import from_bytes
    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "iso8859_15", "utf_16", "cp850",
                                            "mac_roman"]).best()
    name = (best.encoding if best is not None else "cp1252").lower().replace("-", "_")
    # Latin-1 and Windows-1252 read Spanish letters the same; 1252 also has € and curly quotes.
    return "cp1252" if name in ("latin_1", "iso8859_1", "iso8859_15", "cp1252") else name


def detect_delimiter(text: str) -> str:
    """Comma, semicolon, tab or pipe: the one splitting the first lines most consistently."""
    lines = [line for line in text[:50_000].splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    counts = {d: [line.count(d) for line in lines] for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (min(counts[d]) > 0, min(counts[d]), -DELIMITERS.index(d)))
    return best if min(counts[best]) > 0 else ","


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name)."""
    encoding = detect_encoding(data)
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return data.decode("cp1252", errors="replace"), "cp1252"


def read_table(data: bytes, *, encoding: str | None = None, delimiter: str | None = None,
               nrows: int | None = None) -> tuple[pd.DataFrame, str, str]:
    """Every cell as text (no NaN), headers stripped and made unique."""
    if encoding:
        text = data.decode(encoding, errors="replace")
    else:
        text, encoding = decode(data)
    text = text.lstrip("\ufeff")
    delimiter = delimiter or detect_delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            na_filter=False, nrows=nrows, skip_blank_lines=True, engine="c",
                            on_bad_lines="error")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ValidationFailed(field_errors={"file": f"This file cannot be read as CSV: {str(exc)[:200]}"}) from exc
    headers, seen = [], defaultdict(int)
    for raw in frame.columns:
        name = " ".join(str(raw).split()) or "Column"
        seen[name] += 1
        headers.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    frame.columns = headers
    return frame, encoding, delimiter


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def suggest_mapping(headers: Iterable[str], schema: custom_fields.LeadSchema) -> dict[str, str]:
    """Header -> target field from header names in English or Spanish ('' = leave out)."""
    lookup: dict[str, str] = {}
    for spec in schema.fields:
        lookup.setdefault(_fold(spec.label), spec.column)
        lookup.setdefault(_fold(spec.key), spec.column)
    for target, words in SYNONYMS.items():
        for word in words:
            lookup.setdefault(word, target)
    labels = {_fold(spec.label): spec.column for spec in schema.fields}
    suggested: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        target = lookup.get(_fold(header), "")
        if not target and labels:   # a custom field's label written a little differently
            from rapidfuzz import fuzz, process
            best = process.extractOne(_fold(header), list(labels), scorer=fuzz.ratio, score_cutoff=LABEL_LIKENESS)
            target = labels[best[0]] if best else ""
        if target and target not in taken:
            suggested[header] = target
            taken.add(target)
        else:
            suggested[header] = ""
    if FULL_NAME in taken and {"first_name", "last_name"} & taken:
        for header, target in suggested.items():
            if target == FULL_NAME:
                suggested[header] = ""
    return suggested


def targets(schema: custom_fields.LeadSchema) -> list[tuple[str, str]]:
    """(target, English label) of every field a column can go to."""
    from leadhub.services.saved_views import STANDARD_COLUMNS
    labels = {**{k: k.replace("_", " ").capitalize() for k in STANDARD_TARGETS},
              **{k: v for k, v in STANDARD_COLUMNS.items() if k in STANDARD_TARGETS}}
    out = [(FULL_NAME, "Full name (first and last)")]
    out += [(name, labels[name]) for name in STANDARD_TARGETS]
    out += [(spec.column, spec.label) for spec in schema.fields]
    return out


# --- Jobs -----------------------------------------------------------------------------------

def _files_dir() -> Path:
    folder = get_settings().data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _source_path(job_id: int) -> Path:
    return _files_dir() / f"{job_id}.csv"


def _errors_path(job_id: int) -> Path:
    return _files_dir() / f"{job_id}-errors.csv"


def _job(session: Session, ctx: TeamContext, job_id: int) -> ImportJob:
    return get_in_team(session, ImportJob, ctx, job_id,
                       "This import does not exist or belongs to another team.")


def create_draft(*, session: Session, ctx: TeamContext, file_bytes: bytes, filename: str) -> ImportJob:
    """Keep an uploaded file and what it looks like (encoding, delimiter, headers, rows)."""
    if not file_bytes:
        raise ValidationFailed(field_errors={"file": "The file is empty."})
    if len(file_bytes) > MAX_FILE_BYTES:
        raise ValidationFailed(field_errors={"file": f"Files can have at most {MAX_FILE_BYTES // (1024 * 1024)} MB."})
    frame, encoding, delimiter = read_table(file_bytes)
    if frame.shape[1] < 1 or not len(frame.columns):
        raise ValidationFailed(field_errors={"file": "The file has no columns."})
    if len(frame) > MAX_ROWS:
        raise ValidationFailed(field_errors={"file": f"Import at most {MAX_ROWS:,} rows at a time."})
    job = ImportJob(team_id=ctx.team_id, user_id=ctx.user_id, filename=(filename or "import.csv")[:255],
                    encoding=encoding, delimiter=delimiter, headers=list(frame.columns),
                    total_rows=len(frame))
    session.add(job)
    session.flush()
    _source_path(job.id).write_bytes(file_bytes)
    return job


def preview(*, session: Session, ctx: TeamContext, job_id: int, rows: int = PREVIEW_ROWS) -> Preview:
    """The file's first rows and the suggested mapping (a saved one wins when given later)."""
    job = _job(session, ctx, job_id)
    frame, _, _ = read_table(_source_path(job.id).read_bytes(), encoding=job.encoding,
                             delimiter=job.delimiter, nrows=rows)
    schema = custom_fields.lead_schema(session=session, ctx=ctx)
    return Preview(job_id=job.id, filename=job.filename, encoding=job.encoding, delimiter=job.delimiter,
                   headers=list(job.headers), rows=frame.values.tolist(), total_rows=job.total_rows,
                   suggested=suggest_mapping(job.headers, schema))


def _check_settings(session: Session, ctx: TeamContext, job: ImportJob, mapping: dict[str, str],
                    options: ImportOptions) -> dict[str, str]:
    schema = custom_fields.lead_schema(session=session, ctx=ctx)
    allowed = {t for t, _ in targets(schema)}
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    used: dict[str, str] = {}
    for header, target in (mapping or {}).items():
        if not target:
            continue
        if header not in job.headers:
            errors["mapping"] = f"The file has no column {header!r}."
        elif target not in allowed:
            errors["mapping"] = f"Unknown field {target!r} for column {header!r}."
        elif target in used:
            errors["mapping"] = f"Columns {used[target]!r} and {header!r} both go to the same field."
        else:
            clean[header], used[target] = target, header
    if not clean and "mapping" not in errors:
        errors["mapping"] = "Choose the field of at least one column."
    if "last_name" not in used and FULL_NAME not in used and "mapping" not in errors:
        errors["mapping"] = "Map a column to Last name (or Full name): every lead needs one."
    if "lead_source" in schema.required and "lead_source" not in used and not options.lead_source:
        errors["lead_source"] = "Every lead of the team needs a source: map a column to it or choose one."
    if options.duplicates not in DUPLICATE_MODES:
        errors["duplicates"] = f"Choose one of: {', '.join(DUPLICATE_MODES)}."
    if options.owner_id is not None and not session.exec(select(Membership.id).where(
            Membership.team_id == ctx.team_id, Membership.user_id == options.owner_id)).first():
        errors["owner_id"] = "The owner must be a member of this team."
    if options.lead_source and options.lead_source not in schema.options.get("lead_source", []):
        errors["lead_source"] = f"Choose one of: {', '.join(schema.options.get('lead_source', []))}."
    if options.campaign_id is not None:
        try:
            campaigns.get_campaign(session=session, ctx=ctx, campaign_id=options.campaign_id)
        except NotFound:
            errors["campaign_id"] = "No such campaign in this team."
    if errors:
        raise ValidationFailed(field_errors=errors)
    return clean


_AFTER_COMMIT = "leadhub.imports.after_commit"


def _enqueue_after_commit(session: Session, kind: str, job_id: int) -> None:
    pending = session.info.setdefault(_AFTER_COMMIT, [])
    if not pending:
        sa_event.listen(session, "after_commit", _enqueue_pending, once=True)
        sa_event.listen(session, "after_rollback", lambda s: s.info.pop(_AFTER_COMMIT, None), once=True)
    pending.append((kind, job_id))


def _enqueue_pending(session: Session) -> None:
    for kind, job_id in session.info.pop(_AFTER_COMMIT, []):
        try:
            (run_import_task if kind == "import" else undo_import_task)(job_id)
        except Exception:  # noqa: BLE001 - the job stays queued; `leadhub import` or a retry runs it
            log.exception("Could not enqueue %s job %s", kind, job_id)


def start(*, session: Session, ctx: TeamContext, job_id: int, mapping: dict[str, str],
          options: ImportOptions | dict[str, Any] | None = None, enqueue: bool = True) -> ImportJob:
    """Check the mapping and options and queue the import (the task starts after commit)."""
    job = _job(session, ctx, job_id)
    if job.user_id != ctx.user_id and not ctx.is_manager:
        raise PermissionDenied("Only who uploaded the file or a manager can run this import.")
    if job.status != "draft":
        raise Conflict("This import has already been started.")
    options = options if isinstance(options, ImportOptions) else ImportOptions.from_dict(options)
    job.mapping = _check_settings(session, ctx, job, mapping, options)
    job.options = options.as_dict()
    job.status = "queued"
    session.add(job)
    session.flush()
    if enqueue:
        _enqueue_after_commit(session, "import", job.id)
    return job


def start_import(*, session: Session, ctx: TeamContext, file_bytes: bytes, filename: str,
                 mapping: dict[str, str] | str | None, options: ImportOptions | dict[str, Any] | None = None,
                 enqueue: bool = True) -> ImportJob:
    """Upload and queue in one call: the API and the `leadhub import` command. `mapping` maps
    headers to fields (headers left out are not imported) or is the command line's text
    (`parse_mapping`); None, {} or '' uses the mapping suggested from the headers."""
    job = create_draft(session=session, ctx=ctx, file_bytes=file_bytes, filename=filename)
    schema = custom_fields.lead_schema(session=session, ctx=ctx)
    if isinstance(mapping, str):
        mapping = parse_mapping(mapping, list(job.headers), list_mappings(session=session, ctx=ctx), schema)
    if not mapping:
        mapping = suggest_mapping(job.headers, schema)
    return start(session=session, ctx=ctx, job_id=job.id, mapping=mapping, options=options, enqueue=enqueue)


def progress(*, session: Session, ctx: TeamContext, job_id: int) -> ImportProgress:
    return _progress(_job(session, ctx, job_id))


def recent_imports(*, session: Session, ctx: TeamContext, limit: int = 10) -> list[ImportProgress]:
    """The team's latest imports (a rep sees their own)."""
    statement = select(ImportJob).where(ImportJob.team_id == ctx.team_id, ImportJob.status != "draft")
    if not ctx.is_manager:
        statement = statement.where(ImportJob.user_id == ctx.user_id)
    return [_progress(j) for j in session.exec(statement.order_by(ImportJob.id.desc()).limit(limit)).all()]


def error_report_csv(*, session: Session, ctx: TeamContext, job_id: int) -> bytes:
    """Row, column and reason of every refused row (UTF-8 with BOM, for spreadsheets)."""
    job = _job(session, ctx, job_id)
    path = _errors_path(job.id)
    return path.read_bytes() if path.exists() else "\ufeffRow,Column,Reason\r\n".encode("utf-8")


# --- Saved mappings -------------------------------------------------------------------------

def save_mapping(*, session: Session, ctx: TeamContext, name: str, mapping: dict[str, str]) -> ImportMapping:
    """Keep a mapping under a name (the same name replaces it)."""
    clean_name = " ".join((name or "").split())[:80]
    if not clean_name:
        raise ValidationFailed(field_errors={"mapping_name": "Give the mapping a name."})
    row = session.exec(select(ImportMapping).where(ImportMapping.team_id == ctx.team_id,
                                                   ImportMapping.name == clean_name)).first() \
        or ImportMapping(team_id=ctx.team_id, name=clean_name, created_by=ctx.user_id)
    row.mapping = {str(k): str(v) for k, v in (mapping or {}).items() if v}
    session.add(row)
    session.flush()
    return row


def list_mappings(*, session: Session, ctx: TeamContext) -> list[ImportMapping]:
    return list(session.exec(select(ImportMapping).where(ImportMapping.team_id == ctx.team_id)
                             .order_by(ImportMapping.name)).all())


def apply_saved_mapping(headers: Iterable[str], saved: dict[str, str]) -> dict[str, str]:
    """A saved mapping on a new file: by header, compared folded."""
    by_fold = {_fold(k): v for k, v in saved.items()}
    return {h: by_fold.get(_fold(h), "") for h in headers}


# --- Checking rows (vectorised) -------------------------------------------------------------

@dataclass
class _Checked:
    values: dict[str, pd.Series]              # target -> clean values (object)
    bad: pd.Series                            # bool per row
    errors: list[RowError] = field(default_factory=list)


def _slow_clean(session: Session, ctx: TeamContext, schema: custom_fields.LeadSchema, name: str,
                values: Iterable[str]) -> dict[str, tuple[Any, str | None]]:
    """Each distinct value through the lead service's own checks: value -> (clean, error)."""
    out: dict[str, tuple[Any, str | None]] = {}
    for value in values:
        try:
            clean = leads.clean_lead_fields(session, ctx, {name: value}, partial=True, schema=schema)
            out[value] = (clean.get(name), None)
        except ValidationFailed as exc:
            out[value] = (None, next(iter(exc.field_errors.values()), exc.message))
    return out


@lru_cache(maxsize=64)
def _phone_rules(region: str):
    """What `_fast_phones` needs of a region's phonenumbers metadata, or None when numbers of
    the region can only be read by the library itself (a calling code shared by several
    countries, a national prefix to strip, or a calling code starting with another one)."""
    import phonenumbers
    from phonenumbers import PhoneMetadata
    metadata = PhoneMetadata.metadata_for_region(region.upper())
    if metadata is None:
        return None
    code = str(metadata.country_code)
    if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code, ())) != 1 \
            or metadata.national_prefix_for_parsing or metadata.national_prefix \
            or any(int(code[:i]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE for i in range(1, len(code))):
        return None
    # phonenumbers' own order of number types (see _number_type_helper); valid = the general
    # description and one type match, each by its possible lengths and its pattern.
    kinds = [metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip,
             metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail, metadata.fixed_line]
    if not metadata.same_mobile_and_fixed_line_pattern:
        kinds.append(metadata.mobile)
    kinds = [d for d in kinds if d is not None and d.national_number_pattern]
    general = metadata.general_desc
    if general is None or not general.national_number_pattern:
        return None
    by_length: dict[int, re.Pattern] = {}
    for length in range(2, 18):
        if general.possible_length and length not in general.possible_length:
            continue
        patterns = [d.national_number_pattern for d in kinds
                    if not d.possible_length or length in d.possible_length]
        if patterns:
            by_length[length] = re.compile("(?:%s)" % ")|(?:".join(patterns))
    return (code, re.compile(metadata.international_prefix) if metadata.international_prefix else None,
            re.compile(general.national_number_pattern), by_length)


_PHONE_SHAPE = re.compile(r"\+?[0-9 ().\-]*[0-9][0-9 ().\-]*")
_NOT_DIGIT = re.compile(r"[^0-9]")


def _fast_phones(values: Iterable[str], region: str) -> dict[str, str]:
    """E.164 of the numbers whose reading is certain without the (slow) parser; the others
    are left out.

    Only for regions where phonenumbers reads a plain number simply (see `_phone_rules`): the
    value is digits with spaces, dots, dashes or brackets, local ("612 34 56 78": not starting
    with 0, the international prefix or the calling code) or international in the team's
    calling code ("+34 612…"); it is accepted when it is valid the way
    `phonenumbers.is_valid_number` decides (the general pattern and one number type's pattern,
    each with its possible lengths), which gives the same E.164 as `leads.normalise_phone`.
    Everything else — and every number this does not accept — goes through `normalise_phone`,
    so this never refuses anything."""
    rules = _phone_rules((region or "US").upper())
    if rules is None:
        return {}
    code, idd, general, by_length = rules
    out: dict[str, str] = {}
    for value in values:
        if not _PHONE_SHAPE.fullmatch(value):
            continue
        digits = _NOT_DIGIT.sub("", value)
        if value[0] == "+":
            if not digits.startswith(code) or digits[len(code):len(code) + 1] in ("0", ""):
                continue
            nsn = digits[len(code):]
        elif digits[0] == "0" or digits.startswith(code) or (idd is not None and idd.match(digits)):
            continue
        else:
            nsn = digits
        kinds = by_length.get(len(nsn))
        if kinds is not None and general.fullmatch(nsn) and kinds.fullmatch(nsn):
            out[value] = "+" + code + nsn
    return out


def _phones(values: Iterable[str], region: str) -> dict[str, tuple[Any, str | None]]:
    out: dict[str, tuple[Any, str | None]] = {}
    for value in values:
        try:
            out[value] = (leads.normalise_phone(value, region), None)
        except ValueError as exc:
            out[value] = (None, str(exc))
    return out


def _custom_slow(spec: custom_fields.FieldSpec, values: Iterable[str]) -> dict[str, tuple[Any, str | None]]:
    out: dict[str, tuple[Any, str | None]] = {}
    for value in values:
        try:
            out[value] = (custom_fields.clean_value(spec, value), None)
        except ValueError as exc:
            out[value] = (None, str(exc))
    return out


def check_rows(session: Session, ctx: TeamContext, frame: pd.DataFrame, mapping: dict[str, str],
               schema: custom_fields.LeadSchema, first_row: int = 2) -> _Checked:
    """Clean every mapped column; rows with any error are marked bad and reported."""
    n = len(frame)
    checked = _Checked(values={}, bad=pd.Series(False, index=frame.index))
    specs = schema.by_key()
    error_frames: list[pd.DataFrame] = []

    def fail(mask: pd.Series, header: str, reasons: pd.Series | str) -> None:
        if not mask.any():
            return
        rows = frame.index[mask] + first_row
        reason = reasons[mask] if isinstance(reasons, pd.Series) else reasons
        error_frames.append(pd.DataFrame({"row": rows, "column": header, "reason": reason}))
        checked.bad |= mask

    for header, target in mapping.items():
        raw = frame[header].astype(str).str.strip()
        empty = raw == ""
        if target == FULL_NAME:
            parts = raw.str.split(n=1, expand=True).reindex(columns=[0, 1]).fillna("")
            first, last = parts[0], parts[1]
            only_one = last == ""
            first, last = first.where(~only_one, ""), last.where(~only_one, parts[0])
            for name, series in (("first_name", first), ("last_name", last)):
                too_long = series.str.len() > leads.TEXT_LIMITS[name]
                fail(too_long, header, f"Use at most {leads.TEXT_LIMITS[name]} characters.")
                checked.values.setdefault(name, series)
            continue
        if target.startswith("cf."):
            spec = specs[target[3:]]
            checked.values[target] = _check_custom(spec, raw, empty, header, fail)
            continue
        checked.values[target] = _check_standard(session, ctx, schema, target, raw, empty, header, fail)
    # Required fields: the team's standard ones and required custom fields.
    for name in schema.required:
        if name == "lead_source":
            continue  # the import's default source fills it
        series = checked.values.get(name)
        header = next((h for h, t in mapping.items()
                       if t == name or (t == FULL_NAME and name in ("first_name", "last_name"))), "")
        missing = pd.Series(True, index=frame.index) if series is None else series.isna() | (series == "")
        message = "Last name is required." if name == "last_name" else "This field is required."
        fail(missing & ~checked.bad, header or name, message)
    for spec in schema.fields:
        if spec.required:   # as the lead form: a value, and a required checkbox ticked
            series = checked.values.get(spec.column)
            header = next((h for h, t in mapping.items() if t == spec.column), spec.label)
            if series is None:
                missing = pd.Series(True, index=frame.index)
            elif spec.type == "checkbox":
                missing = series.map(lambda v: v is not True).astype(bool)
            else:
                missing = series.isna()
            fail(missing & ~checked.bad, header, "This field is required.")
    for name, series in checked.values.items():   # pandas may have put NaN where a cell had no value
        blank = series.isna()
        if blank.any():
            checked.values[name] = series.astype(object).where(~blank, None)
    if error_frames:
        errors = pd.concat(error_frames).sort_values(["row"], kind="stable")
        checked.errors = [RowError(int(r), str(c), str(m)) for r, c, m in errors.itertuples(index=False)]
    assert len(checked.bad) == n
    return checked


def _map_slow(raw: pd.Series, todo: pd.Series, results: dict[str, tuple[Any, str | None]],
              out: pd.Series, header: str, fail) -> pd.Series:
    if todo.any():
        picked = raw[todo].map(lambda v: results[v])
        out = out.copy()
        out[todo] = picked.map(lambda r: r[0])
        reasons = picked.map(lambda r: r[1])
        bad = pd.Series(False, index=raw.index)
        bad[todo] = reasons.notna()
        fail(bad, header, reasons.reindex(raw.index))
    return out


def _check_standard(session, ctx, schema, name: str, raw: pd.Series, empty: pd.Series, header: str,
                    fail) -> pd.Series:
    out = pd.Series("", index=raw.index, dtype=object)
    if name in ("lead_source", "industry") or name in leads.CHOICES:
        options = schema.options.get(name) or leads.CHOICES.get(name, [])
        by_lower = {o.lower(): o for o in options}
        mapped = raw.str.lower().map(by_lower)
        unknown = ~empty & mapped.isna()
        fail(unknown, header, f"Choose one of: {', '.join(options)}.")
        if name == "status":
            converted = mapped == LeadStatus.CONVERTED.value
            fail(converted, header, "A lead becomes Converted through the conversion dialog.")
        return mapped.fillna("").astype(object)
    if name == "email":
        compact = raw.str.replace(r"\s+", "", regex=True).str.lower()
        fast = ~empty & compact.str.match(_EMAIL) & (compact.str.len() <= 254)
        out[fast] = compact[fast]
        todo = ~empty & ~fast
        return _map_slow(raw, todo, _slow_clean(session, ctx, schema, name, raw[todo].unique()), out, header, fail)
    if name == "budget":
        compact = raw.str.replace(" ", "", regex=False)
        fast = ~empty & compact.str.match(_PLAIN_NUMBER)
        out = pd.Series(None, index=raw.index, dtype=object)
        out[fast] = compact[fast].map(lambda v: Decimal(v).quantize(Decimal("0.01")))
        todo = ~empty & ~fast
        return _map_slow(raw, todo, _slow_clean(session, ctx, schema, name, raw[todo].unique()), out, header, fail)
    if name == "website":
        lower = raw.str.lower()
        fast = ~empty & lower.str.match(_WEB) & (raw.str.len() <= leads.TEXT_LIMITS[name])
        out[fast] = raw[fast].where(lower[fast].str.contains("://", regex=False), "https://" + raw[fast])
        todo = ~empty & ~fast
        return _map_slow(raw, todo, _slow_clean(session, ctx, schema, name, raw[todo].unique()), out, header, fail)
    if name in ("phone", "mobile"):
        todo = ~empty & (raw.str.len() <= leads.TEXT_LIMITS[name])
        fail(~empty & ~todo, header, f"Use at most {leads.TEXT_LIMITS[name]} characters.")
        region = (session.get(Team, ctx.team_id).country or "US")
        distinct = raw[todo].unique()
        known = _fast_phones(distinct, region)
        results = {v: (e164, None) for v, e164 in known.items()}
        results.update(_phones([v for v in distinct if v not in known], region))
        return _map_slow(raw, todo, results, out, header, fail)
    limit = leads.TEXT_LIMITS[name]
    too_long = raw.str.len() > limit
    fail(too_long, header, f"Use at most {limit} characters.")
    return raw.where(~too_long, "").astype(object)


def _check_custom(spec: custom_fields.FieldSpec, raw: pd.Series, empty: pd.Series, header: str,
                  fail) -> pd.Series:
    out = pd.Series(None, index=raw.index, dtype=object)
    if spec.type in ("text", "textarea"):
        limit = custom_fields.TEXT_MAX[spec.type]
        too_long = raw.str.len() > limit
        fail(too_long, header, f"Use at most {limit} characters.")
        keep = ~empty & ~too_long
        out[keep] = raw[keep]
        return out
    if spec.type == "picklist":
        by_lower = {o.lower(): o for o in spec.options}
        mapped = raw.str.lower().map(by_lower)
        fail(~empty & mapped.isna(), header, f"Choose one of: {', '.join(spec.options)}.")
        return mapped.astype(object).where(mapped.notna(), None)
    if spec.type == "number":
        fast = ~empty & raw.str.match(r"^-?\d{1,15}$")
        out[fast] = raw[fast].map(int)
        todo = ~empty & ~fast
        return _map_slow(raw, todo, _custom_slow(spec, raw[todo].unique()), out, header, fail)
    if spec.type == "date":
        iso = pd.to_datetime(raw.where(~empty), format="%Y-%m-%d", errors="coerce")
        fast = iso.notna()
        out[fast] = iso[fast].dt.strftime("%Y-%m-%d")
        todo = ~empty & ~fast
        return _map_slow(raw, todo, _custom_slow(spec, raw[todo].unique()), out, header, fail)
    if spec.type == "checkbox":
        out = pd.Series(False, index=raw.index, dtype=object)
        todo = ~empty
        return _map_slow(raw, todo, _custom_slow(spec, raw[todo].unique()), out, header, fail)
    todo = ~empty
    return _map_slow(raw, todo, _custom_slow(spec, raw[todo].unique()), out, header, fail)


# --- Running --------------------------------------------------------------------------------

STANDARD_COPY = tuple(n for n in STANDARD_TARGETS)
STALE_SECONDS = 120


def _claim(engine: Engine, job_id: int, from_status: str, to_status: str) -> bool:
    now = utcnow()
    stale = now - timedelta(seconds=STALE_SECONDS)
    with Session(engine) as session:
        claimed = session.exec(
            sa_update(ImportJob)
            .where(ImportJob.id == job_id,
                   (ImportJob.status == from_status)
                   | ((ImportJob.status == to_status) & (ImportJob.heartbeat_at < stale)))
            .values(status=to_status, started_at=now, heartbeat_at=now)
            .execution_options(synchronize_session=False)).rowcount
        session.commit()
    return claimed == 1


def run_import(job_id: int, *, engine: Engine | None = None) -> ImportProgress | None:
    """Run a queued import: check all rows, then match and write them in chunks, each chunk one
    transaction with the progress. A failure undoes what was written and marks the job failed.
    A job already running elsewhere is left alone."""
    from leadhub.services.db import get_engine
    engine = engine or get_engine()
    if not _claim(engine, job_id, "queued", "running"):
        return None
    try:
        return _run(engine, job_id)
    except Exception as exc:
        log.exception("Import %s failed", job_id)
        with Session(engine, expire_on_commit=False) as session:
            job = session.get(ImportJob, job_id)
            ctx = TeamContext(job.team_id, job.user_id, Role.ADMIN.value)  # type: ignore[arg-type]
            _revert(session, ctx, job)
            job = session.get(ImportJob, job_id)
            job.status, job.finished_at = "failed", utcnow()
            job.message = f"The import stopped and was rolled back: {str(exc)[:1500]}"
            session.commit()
            return _progress(job)


def _run(engine: Engine, job_id: int) -> ImportProgress:
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(ImportJob, job_id)
        ctx = TeamContext(job.team_id, job.user_id, Role.ADMIN.value)  # type: ignore[arg-type]
        options = ImportOptions.from_dict(job.options)
        schema = custom_fields.lead_schema(session=session, ctx=ctx)
        model = scoring.load_model(session=session, team_id=job.team_id)
        frame, _, _ = read_table(_source_path(job.id).read_bytes(), encoding=job.encoding,
                                 delimiter=job.delimiter)
        team = session.get(Team, job.team_id)  # held: the identity map keeps only what is referenced
        checked = check_rows(session, ctx, frame, dict(job.mapping), schema)
        del team
        _write_errors(job.id, checked.errors)
        good = frame.index[~checked.bad]
        columns = {name: series.reindex(good).tolist() for name, series in checked.values.items()}
        del frame
        index = None
        if options.duplicates != "create":   # names only matter for rows with no e-mail or phone
            index = dedupe.DuplicateIndex.for_team(session=session, ctx=ctx,
                                                   names=not all(_contacts(columns, len(good))))
        top = session.exec(select(func.min(Lead.position)).where(
            Lead.team_id == job.team_id, Lead.status == LeadStatus.NEW.value)).one()
        job.total_rows, job.error_count = len(checked.bad), int(checked.bad.sum())
        job.processed = job.error_count
        job.heartbeat_at = utcnow()
        session.add(job)
        session.commit()
    plan = _match(columns, len(good), options, index)
    del index
    columns["_search"] = _search_texts(columns, len(good))   # after repeats filled their first rows
    del checked
    writer = _Writer(engine=engine, job_id=job_id, team_id=ctx.team_id, ctx=ctx, options=options,
                     schema=schema, model=model, columns=columns,
                     position=(top if top is not None else 1.0) - 1.0)
    for start_at in range(0, len(good), CHUNK_ROWS):
        end = min(start_at + CHUNK_ROWS, len(good))
        writer.write(end - start_at, [p for p in plan.new if start_at <= p < end],
                     plan.updates_in(start_at, end), plan.skipped_in(start_at, end))
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(ImportJob, job_id)
        job.status, job.finished_at, job.processed = "done", utcnow(), job.total_rows
        job.message = ""
        if writer.unannounced:
            team_signal.bump(session=session, team_id=ctx.team_id)
        events.record(session=session, ctx=ctx, name=IMPORTED_EVENT, payload={
            "import_id": job.id, "created": job.created_count, "updated": job.updated_count,
            "skipped": job.skipped_count, "errors": job.error_count, "filename": job.filename})
        session.commit()
        return _progress(job)


_SEARCHED = ("first_name", "last_name", "company", "email", "phone", "mobile", "city")


class _NoMarks(dict):
    """str.translate table dropping every combining mark (as `unicodedata.combining` says),
    filled in as characters are met, so folding runs at C speed."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_NO_MARKS = _NoMarks()


def _search_texts(columns: dict[str, list], n: int) -> list[str]:
    """leads.search_text_for of every row: the searched fields joined, NFKD, marks dropped,
    lower case, at most 1,000 characters."""
    parts = [columns[name] for name in _SEARCHED if name in columns]
    if not parts:
        return [""] * n
    normalize = unicodedata.normalize
    return [normalize("NFKD", " ".join(p for p in values if p)).translate(_NO_MARKS).lower()[:1000]
            for values in zip(*parts)]


def _contacts(columns: dict[str, list], n: int) -> list[bool]:
    """Per row: has it an e-mail or a phone (its duplicates are found by those alone)?"""
    lists = [columns[name] for name in ("email", "phone", "mobile") if name in columns]
    if not lists:
        return [False] * n
    return [any(values) for values in zip(*lists)]


@dataclass
class _Plan:
    """What each checked row does, decided for the whole file before anything is written."""

    new: list[int] = field(default_factory=list)            # positions of rows that become leads
    updates: list[tuple[int, int]] = field(default_factory=list)   # (position, existing lead id)
    skipped: list[int] = field(default_factory=list)        # positions of rows left as they are
    _by_lead: dict[int, list[int]] | None = None

    def updates_in(self, start: int, end: int) -> dict[int, list[int]]:
        """Existing leads whose first row in the file is in [start, end), each with all its rows:
        a lead is updated once, with its rows' values in file order (later rows win)."""
        if self._by_lead is None:
            self._by_lead = {}
            for position, lead_id in self.updates:
                self._by_lead.setdefault(lead_id, []).append(position)
        return {lead_id: positions for lead_id, positions in self._by_lead.items() if start <= positions[0] < end}

    def skipped_in(self, start: int, end: int) -> int:
        return sum(1 for p in self.skipped if start <= p < end)


def _match(columns: dict[str, list], n: int, options: ImportOptions,
           index: dedupe.DuplicateIndex | None) -> _Plan:
    """Find each row's duplicate: an existing lead (by e-mail or phone, or — for a row with
    neither — a similar name at a similar company, through the dedupe index) or an earlier row
    of the file (same e-mail or phone, or similar name). Skip mode leaves duplicates out;
    update mode merges a row into its existing lead, and a repeated row of the file fills the
    blanks of the row it repeats (one lead); create mode makes every row a lead."""
    plan = _Plan()
    if index is None:
        plan.new = list(range(n))
        return plan
    blank = [""] * n
    emails, phones, mobiles = (columns.get(name, blank) for name in ("email", "phone", "mobile"))
    firsts, lasts, companies = (columns.get(name, blank) for name in ("first_name", "last_name", "company"))
    contact = _contacts(columns, n)
    existing = index.first_contact_matches(zip(emails, phones, mobiles))
    file_keys: dict[str, int] = {}        # e-mail / phone of a new row -> its position
    for position in range(n):
        if contact[position]:
            target = existing[position]
            if target is None:
                keys = (emails[position], phones[position], mobiles[position])
                target = next((-1 - file_keys[k] for k in keys if k and k in file_keys), None)
        else:
            matches = index.find(first_name=firsts[position], last_name=lasts[position],
                                 company=companies[position], limit=1)
            target = matches[0].lead_id if matches and "name_company" in matches[0].kinds else None
        if target is None:
            plan.new.append(position)
            if contact[position]:   # e-mail and phones are already in their compared form
                for key in (emails[position], phones[position], mobiles[position]):
                    if key:
                        file_keys.setdefault(key, position)
            else:                   # later rows of the file match it by name the same way
                index.add(-1 - position, firsts[position], lasts[position], companies[position],
                          None, None, None)
        elif options.duplicates == "skip":
            plan.skipped.append(position)
        elif target < 0:
            _fill_blanks(columns, -1 - target, position)
            plan.skipped.append(position)
        else:
            plan.updates.append((position, target))
    return plan


def _fill_blanks(columns: dict[str, list], into: int, source: int) -> None:
    """A repeat of a new row gives it the values it lacks."""
    for name, values in columns.items():
        if not name.startswith("_") and values[into] in (None, "") and values[source] not in (None, ""):
            values[into] = values[source]


def _write_errors(job_id: int, errors: list[RowError]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Row", "Column", "Reason"])
    for error in errors:
        writer.writerow([error.row, _safe_cell(error.column), _safe_cell(error.reason)])
    _errors_path(job_id).write_bytes(("\ufeff" + buffer.getvalue()).encode("utf-8"))


def _safe_cell(text: str) -> str:
    """Cells a spreadsheet would run as a formula are quoted (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


_LEAD_COLUMNS = [c.name for c in Lead.__table__.columns if c.name != "id"]
_ALWAYS_WRITTEN = frozenset({"rating", "rating_manual", "score", "search_text", "updated_at", "version"})
_NEW_LEAD_COLUMNS = ("id", "team_id", *STANDARD_COPY, "notes", "score", "custom_fields", "owner_id",
                     "outreach_id", "position", "search_text", "last_contacted_at", "created_at",
                     "updated_at", "rating_manual", "version", "import_id")


def _db_rows(dialect, table, names: tuple[str, ...] | list[str], columns: list[Any], n: int) -> list[tuple]:
    """`n` rows given column by column (a list of values, or one value for every row), as
    tuples in the database's own form: each value through its column type's bind processing,
    exactly as an ORM or Core statement would store it."""
    prepared = []
    for name, values in zip(names, columns):
        column_type = table.c[name].type
        process = column_type._cached_bind_processor(dialect)
        if not isinstance(values, list):
            prepared.append(repeat(values if values is None or process is None else process(values), n))
            continue
        if process is not None:
            if isinstance(column_type, JSON):   # a score's lines are shared by rows alike: by identity, once
                done: dict[int, Any] = {}
                values = [None if v is None else done[id(v)] if id(v) in done else done.setdefault(id(v), process(v))
                          for v in values]
            else:
                values = [None if v is None else process(v) for v in values]
        prepared.append(values)
    return list(zip(*prepared))


def _bulk_insert(session: Session, table, names: tuple[str, ...], columns: list[Any]) -> None:
    """Rows given column by column (see `_db_rows`), written below the ORM in the session's transaction: COPY
    on PostgreSQL, one executemany on SQLite."""
    n = max((len(c) for c in columns if isinstance(c, list)), default=0)
    if not n:
        return
    connection = session.connection()
    dialect = connection.dialect
    rows = _db_rows(dialect, table, names, columns, n)
    quote = dialect.identifier_preparer.quote
    column_list = ", ".join(quote(name) for name in names)
    driver = connection.connection.driver_connection
    if dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(
                f"COPY {quote(table.name)} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor = driver.cursor()
        try:
            cursor.executemany(f"INSERT INTO {quote(table.name)} ({column_list}) "
                               f"VALUES ({', '.join('?' * len(names))})", rows)
        finally:
            cursor.close()


def _bulk_update(session: Session, table, names: list[str], columns: list[list[Any]], ids: list[int]) -> None:
    """`names` of the rows with `ids` set to the values given column by column, in one
    executemany below the ORM."""
    if not ids:
        return
    connection = session.connection()
    dialect = connection.dialect
    rows = _db_rows(dialect, table, [*names, "id"], [*columns, ids], len(ids))
    quote = dialect.identifier_preparer.quote
    mark = "%s" if dialect.name == "postgresql" else "?"
    sql = (f"UPDATE {quote(table.name)} SET {', '.join(f'{quote(n)} = {mark}' for n in names)} "
           f"WHERE {quote('id')} = {mark}")
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


@contextmanager
def _big_cache(session: Session) -> Iterator[None]:
    """SQLite: a 64 MB page cache while a chunk is written (the lead table's many indexes then
    stay in memory: a quarter less CPU), the connection's own afterwards."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = int(session.execute(text("PRAGMA cache_size")).scalar())
    session.execute(text(f"PRAGMA cache_size = {-CACHE_KB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {before}"))


@dataclass
class _Writer:
    engine: Engine
    job_id: int
    team_id: int
    ctx: TeamContext
    options: ImportOptions
    schema: custom_fields.LeadSchema
    model: scoring.Model
    columns: dict[str, list]
    position: float
    scores: dict[tuple, tuple[scoring.ScoreResult, Any]] = field(default_factory=dict)
    unannounced: bool = False    # leads changed since the team signal was last bumped
    announced_at: float = 0.0

    def write(self, rows: int, new: list[int], updates: dict[int, list[int]], skipped: int) -> None:
        """Write one chunk (new leads, updated leads) in one transaction with the progress.
        Counts are of rows: each row is created, updated (its lead changed), skipped or refused."""
        merged: dict[int, dict[str, Any]] = {}
        for lead_id, positions in updates.items():
            for position in positions:
                _merge_update(merged.setdefault(lead_id, {}), self._row(position))
        with Session(self.engine, expire_on_commit=False) as session:
            session.execute(sa_update(ImportJob).where(ImportJob.id == self.job_id)
                            .values(heartbeat_at=utcnow()))   # the write lock, before ids are reserved
            with _big_cache(session):
                created = self._insert(session, new)
                updated = self._update(session, merged)
            self.unannounced |= bool(created or updated)
            if self.unannounced and time.monotonic() - self.announced_at >= ANNOUNCE_SECONDS:
                team_signal.bump(session=session, team_id=self.team_id)   # open boards refresh
                self.unannounced, self.announced_at = False, time.monotonic()
            job = session.get(ImportJob, self.job_id)
            job.processed += rows
            job.created_count += created
            updated_rows = sum(len(updates[lead_id]) for lead_id in updated)
            job.updated_count += updated_rows
            job.skipped_count += skipped + sum(len(p) for p in updates.values()) - updated_rows
            job.heartbeat_at = utcnow()
            session.add(job)
            session.commit()

    def _row(self, position: int) -> dict[str, Any]:
        row = {name: values[position] for name, values in self.columns.items()
               if not name.startswith(("cf.", "_"))}
        row["custom_fields"] = {name[3:]: values[position] for name, values in self.columns.items()
                                if name.startswith("cf.") and values[position] not in (None, "")}
        return row

    def _column(self, name: str, positions: list[int], blank: Any = "") -> list[Any]:
        values = self.columns.get(name)
        if values is None:
            return [blank] * len(positions)
        return [blank if values[p] is None or values[p] == "" else values[p] for p in positions]

    def _insert(self, session: Session, positions: list[int]) -> int:
        """New leads with ids reserved up front, written column by column: each table in one
        statement, each distinct shape of the fields the model reads scored once."""
        if not positions:
            return 0
        n = len(positions)
        now = utcnow()
        ids = _reserve_lead_ids(session, n)
        out: dict[str, list[Any]] = {name: self._column(name, positions, None if name == "budget" else "")
                                     for name in STANDARD_COPY}
        if self.options.lead_source:
            out["lead_source"] = [v or self.options.lead_source for v in out["lead_source"]]
        out["status"] = [v or LeadStatus.NEW.value for v in out["status"]]
        custom_names = [name for name in self.columns if name.startswith("cf.")]
        custom_values = [self.columns[name] for name in custom_names]
        keys = [name[3:] for name in custom_names]
        customs = [{k: values[p] for k, values in zip(keys, custom_values) if values[p] not in (None, "")}
                   for p in positions]
        results = self._scores(out, customs, n, now)
        manual = [bool(r) for r in out["rating"]]
        out["rating"] = [r or result.auto_rating for r, (result, _) in zip(out["rating"], results)]
        first = self.position - 1.0
        self.position -= n
        out.update(   # a single value stands for the same value in every row
            id=ids, team_id=self.team_id, notes="", score=[r.score for r, _ in results],
            custom_fields=customs, owner_id=self.options.owner_id or self.ctx.user_id,
            outreach_id=None, position=[first - i for i in range(n)],
            search_text=self._column("_search", positions), last_contacted_at=None,
            created_at=now, updated_at=now, rating_manual=manual, version=1, import_id=self.job_id)
        _bulk_insert(session, Lead.__table__, _NEW_LEAD_COLUMNS, [out[name] for name in _NEW_LEAD_COLUMNS])
        _bulk_insert(session, LeadStatusHistory.__table__,
                     ("team_id", "lead_id", "from_status", "to_status", "changed_by", "changed_at"),
                     [self.team_id, ids, None, out["status"], self.ctx.user_id, now])
        score_table = scoring.LeadScore.__table__
        _bulk_insert(session, score_table,
                     ("team_id", "lead_id", "score", "auto_rating", "contributions", "model_version", "scored_at"),
                     [self.team_id, ids, out["score"], [r.auto_rating for r, _ in results],
                      [c for _, c in results], self.model.version, now])
        if self.options.campaign_id:
            from leadhub.services.models import CampaignMember
            _bulk_insert(session, CampaignMember.__table__, ("team_id", "campaign_id", "lead_id", "added_at"),
                         [self.team_id, self.options.campaign_id, ids, now])
        return n

    def _scores(self, out: dict[str, list[Any]], customs: list[dict[str, Any]], n: int,
                now: datetime) -> list[tuple[scoring.ScoreResult, Any]]:
        """Each row's score and its contributions as stored. Rows alike in every field the model
        reads score alike (a new lead's only fact is reaching its status now), so each shape is
        scored once; the contributions of a shape are one shared list."""
        fields = sorted({r.field for r in self.model.rules if r.enabled and r.kind == scoring.FIELD_RULE})
        read = [[c.get(f[3:]) for c in customs] if f.startswith("cf.") else out.get(f, [None] * n)
                for f in fields]
        results = []
        for i, key in enumerate(zip(out["status"], *read)):
            try:
                hit = self.scores.get(key)
            except TypeError:  # an unhashable value: score it on its own
                key, hit = None, None
            if hit is None:
                values = {name: values[i] for name, values in out.items()}
                values.update(custom_fields=customs[i], created_at=now, updated_at=now, last_contacted_at=None)
                result = scoring.score_lead(self.model, SimpleNamespace(**values),
                                            {("status_reached", values["status"]): [now]}, self.schema, now)
                hit = (result, [c.as_json() for c in result.contributions])
                if key is not None and len(self.scores) < 100_000:
                    self.scores[key] = hit
            results.append(hit)
        return results

    def _update(self, session: Session, updates: dict[int, dict[str, Any]]) -> set[int]:
        """Existing leads take the file's non-empty values (status excepted: it moves on the
        board); their before-images are kept for undo; scores are recomputed from the model.
        Returns the ids of the leads that changed."""
        if not updates:
            return set()
        table = Lead.__table__
        names = [c for c in _LEAD_COLUMNS if c not in ("team_id",)]
        rows = session.execute(select(table.c.id, *[table.c[c] for c in names]).where(
            table.c.team_id == self.team_id, table.c.id.in_(list(updates)),
            table.c.status != LeadStatus.CONVERTED.value)).all()
        now = utcnow()
        changed: list[SimpleNamespace] = []
        befores: list[dict[str, Any]] = []
        for row in rows:
            lead = SimpleNamespace(id=row[0], team_id=self.team_id, **dict(zip(names, row[1:])))
            before: dict[str, Any] = {}
            for name, value in updates[lead.id].items():
                if name == "custom_fields":
                    merged = {**(lead.custom_fields or {}), **value}
                    if merged != (lead.custom_fields or {}):
                        before[name] = dict(lead.custom_fields or {})
                        lead.custom_fields = merged
                elif name in STANDARD_COPY and name != "status" and value not in (None, "") \
                        and getattr(lead, name) != value:
                    before[name] = _jsonable(getattr(lead, name))
                    setattr(lead, name, value)
                    if name == "rating":
                        before.setdefault("rating_manual", lead.rating_manual)
                        lead.rating_manual = True
            if before:
                before.setdefault("score", lead.score)
                before.setdefault("rating", lead.rating)
                befores.append({"import_id": self.job_id, "team_id": self.team_id, "lead_id": lead.id,
                                "before": before})
                changed.append(lead)
        if not changed:
            return set()
        facts = scoring.behaviour_facts(session, self.team_id, [lead.id for lead in changed], self.model)
        images = {b["lead_id"]: b["before"] for b in befores}
        searched_changed = lambda lead: not images[lead.id].keys().isdisjoint(_SEARCHED)  # noqa: E731
        scores = []
        for lead in changed:
            result = scoring.score_lead(self.model, lead, facts.get(lead.id, {}), self.schema, now)
            lead.score = result.score
            if not lead.rating_manual:
                lead.rating = result.auto_rating
            if searched_changed(lead):
                lead.search_text = leads.search_text_for(lead.first_name, lead.last_name, lead.company,
                                                         lead.email, lead.phone, lead.mobile, lead.city)
            lead.updated_at, lead.version = now, (lead.version or 0) + 1
            scores.append({"_lead": lead.id, "score": result.score, "auto_rating": result.auto_rating,
                           "contributions": [c.as_json() for c in result.contributions],
                           "model_version": self.model.version, "scored_at": now})
        by_columns: dict[tuple[str, ...], list[SimpleNamespace]] = defaultdict(list)
        for lead, before in zip(changed, befores):   # leads that changed the same fields: one statement
            by_columns[tuple(sorted(set(before["before"]) | _ALWAYS_WRITTEN))].append(lead)
        for written, group in by_columns.items():
            _bulk_update(session, table, list(written), [[getattr(lead, c) for lead in group] for c in written],
                         [lead.id for lead in group])
        score_table = scoring.LeadScore.__table__
        session.execute(delete(score_table).where(score_table.c.lead_id.in_([lead.id for lead in changed])))
        names = ("team_id", "lead_id", "score", "auto_rating", "contributions", "model_version", "scored_at")
        _bulk_insert(session, score_table, names, [
            self.team_id, [s["_lead"] for s in scores], *([s[n] for s in scores] for n in names[2:])])
        _bulk_insert(session, ImportBefore.__table__, ("import_id", "team_id", "lead_id", "before"),
                     [self.job_id, self.team_id, [b["lead_id"] for b in befores], [b["before"] for b in befores]])
        return {lead.id for lead in changed}


def _reserve_lead_ids(session: Session, count: int) -> list[int]:
    """Ids for `count` new leads: from the sequence on PostgreSQL; on SQLite after the highest,
    which is safe because the caller's transaction already holds the write lock."""
    if session.get_bind().dialect.name == "postgresql":
        return list(session.execute(text("SELECT nextval(pg_get_serial_sequence('lead', 'id')) "
                                         "FROM generate_series(1, :n)"), {"n": count}).scalars())
    top = session.execute(select(func.max(Lead.__table__.c.id))).scalar() or 0
    return list(range(top + 1, top + count + 1))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _merge_update(target: dict[str, Any], row: dict[str, Any]) -> None:
    for name, value in row.items():
        if name == "custom_fields":
            if value:
                target.setdefault("custom_fields", {}).update(value)
        elif value not in (None, ""):
            target[name] = value


# --- Undo -----------------------------------------------------------------------------------

def start_undo(*, session: Session, ctx: TeamContext, job_id: int, enqueue: bool = True) -> ImportProgress:
    """Queue the undo of a finished import: its leads removed, its updates reverted."""
    job = _job(session, ctx, job_id)
    if job.user_id != ctx.user_id and not ctx.is_manager:
        raise PermissionDenied("Only who ran the import or a manager can undo it.")
    if job.status != "done":
        raise Conflict("Only a finished import can be undone.")
    job.status, job.heartbeat_at = "undoing", utcnow()
    session.add(job)
    session.flush()
    if enqueue:
        _enqueue_after_commit(session, "undo", job.id)
    return _progress(job)


def run_undo(job_id: int, *, engine: Engine | None = None) -> ImportProgress:
    from leadhub.services.db import get_engine
    engine = engine or get_engine()
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(ImportJob, job_id)
        if job is None or job.status != "undoing":
            return _progress(job) if job else None
        ctx = TeamContext(job.team_id, job.user_id, Role.ADMIN.value)  # type: ignore[arg-type]
        _revert(session, ctx, job)
        job = session.get(ImportJob, job_id)
        job.status, job.undone_at = "undone", utcnow()
        session.commit()
        return _progress(job)


def _revert(session: Session, ctx: TeamContext, job: ImportJob) -> None:
    """Delete the leads the import created and put back what it changed (caller commits)."""
    ids = list(session.exec(select(Lead.id).where(  # a lead converted since stays, with its deal
        Lead.team_id == job.team_id, Lead.import_id == job.id,
        Lead.status != LeadStatus.CONVERTED.value)).all())
    for start_at in range(0, len(ids), CHUNK_ROWS):
        chunk = ids[start_at:start_at + CHUNK_ROWS]
        leads.detach_related(session, ctx, chunk)
        session.execute(delete(Lead).where(Lead.team_id == job.team_id, Lead.id.in_(chunk)))
    befores = list(session.exec(select(ImportBefore).where(ImportBefore.import_id == job.id)
                                .order_by(ImportBefore.id.desc())).all())
    restored = []
    by_lead = {b.lead_id: b for b in reversed(befores)}  # the earliest image of each lead wins
    for lead in session.exec(select(Lead).where(Lead.team_id == job.team_id,
                                                Lead.id.in_(list(by_lead)))).all() if by_lead else []:
        for name, value in by_lead[lead.id].before.items():
            if name == "budget" and value is not None:
                value = Decimal(value)
            setattr(lead, name, value)
        lead.updated_at = utcnow()
        lead.version = (lead.version or 0) + 1
        leads.refresh_search_text(lead)
        session.add(lead)
        restored.append(lead)
    session.execute(delete(ImportBefore).where(ImportBefore.import_id == job.id))
    if restored:
        session.flush()
        schema = custom_fields.lead_schema(session=session, ctx=ctx)
        model = scoring.load_model(session=session, team_id=job.team_id)
        scoring.rescore_batch(session, job.team_id, restored, model, schema, utcnow())
    if ids or restored:
        team_signal.bump(session=session, team_id=job.team_id)


# --- Command line ---------------------------------------------------------------------------

def parse_mapping(spec: str, headers: list[str], saved: list[ImportMapping],
                  schema: custom_fields.LeadSchema) -> dict[str, str]:
    """`Header=field,Header=field` (fields as in the wizard: email, last_name, cf.<key>…), the
    name of a saved mapping, or '' for the mapping suggested from the headers."""
    spec = (spec or "").strip()
    if not spec:
        return suggest_mapping(headers, schema)
    named = next((m for m in saved if m.name == spec), None)
    if named is not None:
        return apply_saved_mapping(headers, named.mapping)
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        header, sep, target = part.partition("=")
        if not sep:
            raise ValidationFailed(field_errors={"mapping": f"Write Header=field, not {part.strip()!r}."})
        mapping[header.strip()] = target.strip()
    return mapping


def import_path(*, path: str, team_id: int, mapping: str = "", duplicates: str = "skip",
                user_email: str | None = None, engine: Engine | None = None) -> tuple[ImportProgress, Path]:
    """Import a file from disk into a team, here and now (the `leadhub import` command); the
    import runs as `user_email` or the team's first admin. Returns the result and where the
    report of refused rows is."""
    from leadhub.services.db import get_engine
    from leadhub.services.models import User
    engine = engine or get_engine()
    data = Path(path).read_bytes()
    with Session(engine, expire_on_commit=False) as session:
        if session.get(Team, team_id) is None:
            raise NotFound(f"No team with id {team_id}.")
        members = select(Membership).join(User, User.id == Membership.user_id).where(Membership.team_id == team_id)
        member = session.exec(members.where(User.email == user_email.strip().lower()) if user_email
                              else members.where(Membership.role == Role.ADMIN.value).order_by(Membership.id)).first()
        if member is None:
            raise NotFound("No such member of this team." if user_email else "The team has no admin.")
        ctx = TeamContext(team_id, member.user_id, member.role)
        job = start_import(session=session, ctx=ctx, file_bytes=data, filename=Path(path).name,
                           mapping=mapping or "", options={"duplicates": duplicates}, enqueue=False)
        session.commit()
        job_id = job.id
    return run_import(job_id, engine=engine), _errors_path(job_id)


# --- Background tasks (on the project's one Huey instance) -----------------------------------

from leadhub.services.tasks import huey  # noqa: E402  (tasks imports this module back)


@huey.task(retries=1, retry_delay=30)
def run_import_task(job_id: int) -> None:
    """Run one queued import."""
    run_import(job_id)


@huey.task(retries=1, retry_delay=30)
def undo_import_task(job_id: int) -> None:
    """Undo one import."""
    run_undo(job_id)
