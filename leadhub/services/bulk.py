"""Bulk actions on leads and CSV export, on a selection or on the whole filtered list.

A `Selection` is either the ids ticked on screen or the list's query (every lead its filters
match, however many pages). Changes run as set-based SQL, never a lead at a time: a status
change writes every history row with one INSERT ... SELECT. Converted leads are read-only and
are skipped (and counted). Deleting needs a manager, or a rep who owns every selected lead.

`export_rows` streams CSV text; every cell that a spreadsheet would run as a formula (it
starts with = + - @, a tab or a carriage return) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, literal, update
from sqlmodel import Session, select

from leadhub.services import campaigns, custom_fields, leads
from leadhub.services.context import TeamContext
from leadhub.services.errors import PermissionDenied, ValidationFailed
from leadhub.services.leads import LeadQuery
from leadhub.services.models import Lead, LeadStatus, LeadStatusHistory, Membership, User, utcnow

ACTIONS = ("assign_owner", "set_status", "set_rating", "add_to_campaign", "delete")
MAX_BULK = 100_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS = {
    "id": "Id", "first_name": "First name", "last_name": "Last name", "company": "Company",
    "title": "Title", "email": "E-mail", "phone": "Phone", "mobile": "Mobile", "website": "Website",
    "lead_source": "Lead source", "industry": "Industry", "status": "Status", "rating": "Rating",
    "budget": "Budget", "need": "Need", "interest": "Interest", "street": "Street", "city": "City",
    "state": "State", "postal_code": "Postal code", "country": "Country",
    "description": "Description", "owner": "Owner", "score": "Score", "created_at": "Created",
    "updated_at": "Updated", "last_contacted_at": "Last contacted",
}


@dataclass(frozen=True)
class Selection:
    """The ticked ids, or (ids None) every lead the query's filters match."""

    ids: tuple[int, ...] | None = None
    query: LeadQuery | None = None

    @classmethod
    def of_ids(cls, ids) -> "Selection":
        return cls(ids=tuple(int(i) for i in ids))

    @classmethod
    def matching(cls, query: LeadQuery) -> "Selection":
        return cls(query=query)


@dataclass(frozen=True)
class BulkResult:
    changed: int
    skipped: int = 0


def _conditions(session: Session, ctx: TeamContext, selection: Selection) -> list:
    if selection.ids is not None:
        if not selection.ids:
            raise ValidationFailed("Select at least one lead.")
        if len(selection.ids) > leads.MAX_SELECTION:
            raise ValidationFailed(f"Select at most {leads.MAX_SELECTION} leads, or act on the whole list.")
        return [Lead.team_id == ctx.team_id, Lead.id.in_(selection.ids)]
    query = selection.query or LeadQuery()
    return leads.filter_conditions(session=session, ctx=ctx, query=query)


def count(*, session: Session, ctx: TeamContext, selection: Selection) -> int:
    return session.exec(select(func.count()).select_from(Lead).where(
        *_conditions(session, ctx, selection))).one()


def _signal(session: Session, ctx: TeamContext, conditions: list) -> None:
    """Open boards refresh, and moves made on the old versions are refused."""
    session.execute(update(Lead).where(*conditions).values(version=Lead.version + 1)
                    .execution_options(synchronize_session=False))
    try:
        from leadhub.services import team_signal
    except ImportError:
        return
    team_signal.bump(session=session, team_id=ctx.team_id)


def _editable(conditions: list) -> list:
    return [*conditions, Lead.status != LeadStatus.CONVERTED.value]


def _skipped(session: Session, conditions: list) -> int:
    return session.exec(select(func.count()).select_from(Lead).where(
        *conditions, Lead.status == LeadStatus.CONVERTED.value)).one()


def assign_owner(*, session: Session, ctx: TeamContext, selection: Selection, owner_id: int | None) -> BulkResult:
    conditions = _conditions(session, ctx, selection)
    if owner_id is not None and not session.exec(select(Membership.id).where(
            Membership.team_id == ctx.team_id, Membership.user_id == int(owner_id))).first():
        raise ValidationFailed(field_errors={"owner_id": "The owner must be a member of this team."})
    skipped = _skipped(session, conditions)
    editable = _editable(conditions)
    _signal(session, ctx, editable)
    result = session.execute(update(Lead).where(*editable)
                             .values(owner_id=owner_id, updated_at=utcnow())
                             .execution_options(synchronize_session=False))
    return BulkResult(changed=result.rowcount, skipped=skipped)


def set_rating(*, session: Session, ctx: TeamContext, selection: Selection, rating: str) -> BulkResult:
    if rating and rating not in leads.CHOICES["rating"]:
        raise ValidationFailed(field_errors={"rating": f"Choose one of: {', '.join(leads.CHOICES['rating'])}."})
    conditions = _conditions(session, ctx, selection)
    skipped = _skipped(session, conditions)
    editable = _editable(conditions)
    _signal(session, ctx, editable)
    result = session.execute(update(Lead).where(*editable).values(rating=rating or "", updated_at=utcnow())
                             .execution_options(synchronize_session=False))
    return BulkResult(changed=result.rowcount, skipped=skipped)


def set_status(*, session: Session, ctx: TeamContext, selection: Selection, status: str) -> BulkResult:
    """Change the status of every selected lead, each change recorded in its history."""
    if status not in leads.CHOICES["status"]:
        raise ValidationFailed(field_errors={"status": "Choose a status."})
    if status == LeadStatus.CONVERTED.value:
        raise ValidationFailed(field_errors={"status": "A lead becomes Converted through the conversion dialog."})
    conditions = _conditions(session, ctx, selection)
    skipped = _skipped(session, conditions)
    changing = [*_editable(conditions), Lead.status != status]
    now = utcnow()
    history = LeadStatusHistory.__table__
    session.execute(insert(history).from_select(
        [history.c.team_id, history.c.lead_id, history.c.from_status, history.c.to_status,
         history.c.changed_by, history.c.changed_at],
        select(Lead.team_id, Lead.id, Lead.status, literal(status), literal(ctx.user_id), literal(now))
        .where(*changing)))
    top = session.exec(select(func.min(Lead.position)).where(
        Lead.team_id == ctx.team_id, Lead.status == status)).one()
    _signal(session, ctx, changing)
    result = session.execute(update(Lead).where(*changing)
                             .values(status=status, updated_at=now,
                                     position=(top if top is not None else 1.0) - 1.0)
                             .execution_options(synchronize_session=False))
    return BulkResult(changed=result.rowcount, skipped=skipped)


def add_to_campaign(*, session: Session, ctx: TeamContext, selection: Selection, campaign_id: int) -> BulkResult:
    conditions = _conditions(session, ctx, selection)
    added = campaigns.add_leads_where(session=session, ctx=ctx, campaign_id=campaign_id,
                                      conditions=conditions)
    return BulkResult(changed=added)


def delete_leads(*, session: Session, ctx: TeamContext, selection: Selection) -> BulkResult:
    """Delete the selected leads with what belongs to them (like deleting each one)."""
    conditions = _conditions(session, ctx, selection)
    if not ctx.is_manager:
        others = session.exec(select(func.count()).select_from(Lead).where(
            *conditions, (Lead.owner_id != ctx.user_id) | Lead.owner_id.is_(None))).one()
        if others:
            raise PermissionDenied("Only a manager can delete leads owned by someone else.")
    ids = list(session.exec(select(Lead.id).where(*conditions).limit(MAX_BULK)).all())
    deleted = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        leads.detach_related(session, ctx, chunk)
        _signal(session, ctx, [Lead.team_id == ctx.team_id, Lead.id.in_(chunk)])
        deleted += session.execute(delete(Lead).where(Lead.team_id == ctx.team_id, Lead.id.in_(chunk))
                                   .execution_options(synchronize_session=False)).rowcount
    session.expire_all()
    return BulkResult(changed=deleted)


# --- CSV export ------------------------------------------------------------------------------

def escape_cell(value: Any) -> str:
    """Text of a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_columns(schema: custom_fields.LeadSchema) -> list[tuple[str, str]]:
    """(column, header) of a full export: standard fields, then the team's custom fields."""
    return [*EXPORT_COLUMNS.items(), *((spec.column, spec.label) for spec in schema.fields)]


def _cell(lead: Lead, owner: str, column: str, schema_fields: dict[str, custom_fields.FieldSpec]) -> Any:
    if column == "owner":
        return owner
    if column.startswith("cf."):
        spec = schema_fields.get(column[3:])
        return custom_fields.display_value(spec, (lead.custom_fields or {}).get(spec.key)) if spec else ""
    value = getattr(lead, column)
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="seconds") if hasattr(value, "hour") else value.isoformat()
    return value


def export_rows(*, session: Session, ctx: TeamContext, selection: Selection,
                columns: list[str] | None = None) -> Iterator[str]:
    """CSV text (header first), streamed from the database in batches."""
    schema = custom_fields.lead_schema(session=session, ctx=ctx)
    available = dict(export_columns(schema))
    chosen = [c for c in (columns or available) if c in available] or list(available)
    specs = schema.by_key()
    conditions = _conditions(session, ctx, selection)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([escape_cell(available[c]) for c in chosen])
    yield flush()
    query = selection.query or LeadQuery()
    direction = (lambda c: c.desc()) if query.descending else (lambda c: c.asc())
    order = [direction(c) for c in leads.SORTABLE.get(query.sort, leads.SORTABLE["created_at"])]
    statement = (select(Lead, User.email).outerjoin(User, User.id == Lead.owner_id)
                 .where(*conditions).order_by(*order, Lead.id)
                 .execution_options(yield_per=1000))
    for n, (lead, owner) in enumerate(session.exec(statement), start=1):
        writer.writerow([escape_cell(_cell(lead, owner or "", c, specs)) for c in chosen])
        if n % 500 == 0:
            yield flush()
    yield flush()
