"""Merging duplicate leads into one, losing nothing.

The caller picks a surviving lead and, field by field, whose value it keeps. Everything that
points at the merged leads moves to the survivor: activities, notes, documents, status
history, outreach, contacts, deals, domain events, campaign memberships, and the rows of any
other table with a `lead_id` (found from the schema, so tables added later move too). A row
that cannot move because the survivor already has its twin (the same campaign, one snooze per
lead) is removed and kept in the snapshot.

The merged leads are then deleted; a `lead_merge` row on the survivor keeps a full snapshot of
each of them (every column, custom values included) and of any row removed as a twin, so
their data stays readable on the survivor's timeline. A "LeadMerged" event is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, and_, delete, select as sa_select, update
from sqlmodel import Field, Session, SQLModel, select

from leadhub.services.context import TeamContext
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import Lead, LeadStatus, LeadStatusHistory, utcnow

MAX_MERGE = 10
LEAD_MERGED = "LeadMerged"
# Values the caller chooses between; the rest are combined by rule (see _combine).
CHOOSABLE = (
    "first_name", "last_name", "company", "title", "lead_source", "industry", "email", "phone",
    "mobile", "website", "street", "city", "state", "postal_code", "country", "status", "rating",
    "budget", "need", "interest", "description", "notes", "owner_id", "outreach_id",
)


class LeadMerge(SQLModel, table=True):
    """One merge: which leads went into the survivor, and everything they held."""

    __tablename__ = "lead_merge"
    __table_args__ = (Index("ix_lead_merge_team_merged", "team_id", "merged_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    survivor_id: int = Field(foreign_key="lead.id", index=True)
    merged_lead_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    snapshot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    choices: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    merged_by: int | None = Field(default=None, foreign_key="user.id")
    merged_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class MergeResult:
    survivor: Lead
    merged_ids: tuple[int, ...]
    moved: dict[str, int]           # table -> rows moved to the survivor
    removed_twins: dict[str, int]   # table -> rows removed because the survivor had them
    merge_id: int


def _json_safe(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def snapshot_row(table, row) -> dict[str, Any]:
    return {column.name: _json_safe(row._mapping[column]) if hasattr(row, "_mapping")
            else _json_safe(getattr(row, column.name)) for column in table.columns}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def merge_preview(*, session: Session, ctx: TeamContext, lead_ids: list[int]) -> list[Lead]:
    """The leads to merge, in the order given, after checking the caller may merge them."""
    ids = list(dict.fromkeys(int(i) for i in lead_ids))
    if len(ids) < 2:
        raise ValidationFailed("Choose at least two leads to merge.")
    if len(ids) > MAX_MERGE:
        raise ValidationFailed(f"Merge at most {MAX_MERGE} leads at a time.")
    rows = {lead.id: lead for lead in session.exec(
        select(Lead).where(Lead.team_id == ctx.team_id, Lead.id.in_(ids))).all()}
    if len(rows) != len(ids):
        raise NotFound("One of these leads does not exist or belongs to another team.")
    return [rows[i] for i in ids]


def default_choices(leads: list[Lead]) -> dict[str, int]:
    """For each field, the first lead (survivor first) that has a value."""
    choices: dict[str, int] = {}
    for name in CHOOSABLE:
        source = next((lead for lead in leads if not _blank(getattr(lead, name))), leads[0])
        choices[name] = source.id
    keys = dict.fromkeys(k for lead in leads for k in (lead.custom_fields or {}))
    for key in keys:
        source = next((lead for lead in leads if not _blank((lead.custom_fields or {}).get(key))), leads[0])
        choices[f"custom_fields.{key}"] = source.id
    return choices


def _lead_foreign_keys() -> list[tuple[Any, Any]]:
    """(table, column) of every column that points at lead.id, in any module's table."""
    from leadhub.services import all_models  # noqa: F401  (every table registered)
    found = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name == Lead.__tablename__:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == Lead.__tablename__ and fk.column.name == "id":
                found.append((table, fk.parent))
    return found


def _unique_sets(table, column) -> list[list[Any]]:
    """Column lists of the table's unique constraints/indexes that include `column`."""
    sets = []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and column in constraint.columns.values():
            sets.append(list(constraint.columns))
    for index in table.indexes:
        if index.unique and column in index.columns.values():
            sets.append(list(index.columns))
    if column.unique:
        sets.append([column])
    return sets


def _move_related(session: Session, ctx: TeamContext, survivor_id: int, merged_ids: list[int],
                  removed: dict[str, list[dict]]) -> tuple[dict[str, int], dict[str, int]]:
    moved: dict[str, int] = {}
    twins: dict[str, int] = {}
    for table, column in _lead_foreign_keys():
        scope = [table.c.team_id == ctx.team_id] if "team_id" in table.c else []
        for columns in _unique_sets(table, column):
            others = [c for c in columns if c is not column]
            taken = {tuple(r) for r in session.execute(
                sa_select(*others, column).where(column == survivor_id, *scope)).all()}
            taken = {key[:-1] for key in taken}
            rows = session.execute(sa_select(table).where(column.in_(merged_ids), *scope)
                                   .order_by(*table.primary_key.columns)).all()
            for row in rows:
                key = tuple(row._mapping[c] for c in others)
                if None in key or key not in taken:
                    taken.add(key)
                    continue
                removed.setdefault(table.name, []).append(snapshot_row(table, row))
                match = [c == row._mapping[c] for c in table.primary_key.columns]
                session.execute(delete(table).where(and_(*match)))
                twins[table.name] = twins.get(table.name, 0) + 1
        result = session.execute(update(table).where(column.in_(merged_ids), *scope)
                                 .values({column.name: survivor_id})
                                 .execution_options(synchronize_session=False))
        if result.rowcount:
            moved[table.name] = moved.get(table.name, 0) + result.rowcount
    return moved, twins


def merge_leads(*, session: Session, ctx: TeamContext, survivor_id: int, merged_ids: list[int],
                choices: dict[str, int] | None = None) -> MergeResult:
    """Merge `merged_ids` into `survivor_id`, taking each chosen field from the chosen lead."""
    merged_ids = [int(i) for i in dict.fromkeys(merged_ids) if int(i) != int(survivor_id)]
    leads = merge_preview(session=session, ctx=ctx, lead_ids=[int(survivor_id), *merged_ids])
    survivor, others = leads[0], leads[1:]
    if not ctx.is_manager and any(lead.owner_id != ctx.user_id for lead in others):
        raise PermissionDenied("Only a manager, or the owner of every merged lead, can merge them.")
    if any(lead.status == LeadStatus.CONVERTED.value for lead in others):
        raise ValidationFailed("A converted lead cannot be merged into another; make it the survivor.")
    by_id = {lead.id: lead for lead in leads}
    resolved = default_choices(leads)
    for name, source_id in (choices or {}).items():
        if name not in resolved and not name.startswith("custom_fields."):
            raise ValidationFailed(field_errors={name: "Unknown field."})
        if int(source_id) not in by_id:
            raise ValidationFailed(field_errors={name: "Choose one of the leads being merged."})
        resolved[name] = int(source_id)
    if survivor.status == LeadStatus.CONVERTED.value:
        resolved["status"] = survivor.id

    snapshot = {"leads": [snapshot_row(Lead.__table__, lead) for lead in others],
                "survivor_before": snapshot_row(Lead.__table__, survivor), "removed_rows": {}}
    _combine(session, ctx, survivor, others, by_id, resolved)
    session.flush()

    moved, twins = _move_related(session, ctx, survivor.id, [lead.id for lead in others],
                                 snapshot["removed_rows"])
    merged_names = [f"{lead.first_name} {lead.last_name}".strip() for lead in others]
    record = LeadMerge(team_id=ctx.team_id, survivor_id=survivor.id,
                       merged_lead_ids=[lead.id for lead in others], snapshot=snapshot,
                       choices={k: v for k, v in resolved.items()}, merged_by=ctx.user_id)
    session.add(record)
    for lead in others:
        session.expunge(lead)
    session.execute(delete(Lead.__table__).where(Lead.__table__.c.team_id == ctx.team_id,
                                                 Lead.__table__.c.id.in_([lead.id for lead in others])))
    session.flush()
    _record_event(session, ctx, survivor.id, {
        "survivor_id": survivor.id, "merged_lead_ids": [lead.id for lead in others],
        "merged_names": merged_names, "merge_id": record.id})
    session.expire_all()
    survivor = session.get(Lead, survivor.id)
    return MergeResult(survivor=survivor, merged_ids=tuple(lead.id for lead in others),
                       moved=moved, removed_twins=twins, merge_id=record.id)


def _combine(session: Session, ctx: TeamContext, survivor: Lead, others: list[Lead],
             by_id: dict[int, Lead], resolved: dict[str, int]) -> None:
    from leadhub.services import leads as lead_service
    everyone = [survivor, *others]
    new_status = survivor.status
    for name in CHOOSABLE:
        value = getattr(by_id[resolved[name]], name)
        if name == "status":
            new_status = value
        else:
            setattr(survivor, name, value)
    custom = dict(survivor.custom_fields or {})
    for lead in others:
        for key, value in (lead.custom_fields or {}).items():
            custom.setdefault(key, value)
    for name, source_id in resolved.items():
        if name.startswith("custom_fields."):
            key = name.split(".", 1)[1]
            value = (by_id[source_id].custom_fields or {}).get(key)
            if value is None:
                custom.pop(key, None)
            else:
                custom[key] = value
    survivor.custom_fields = custom
    contacted = [lead.last_contacted_at for lead in everyone if lead.last_contacted_at]
    survivor.last_contacted_at = max(contacted) if contacted else None
    survivor.created_at = min(lead.created_at for lead in everyone)
    survivor.score = max(lead.score or 0 for lead in everyone)
    if new_status != survivor.status:
        session.add(LeadStatusHistory(team_id=ctx.team_id, lead_id=survivor.id,
                                      from_status=survivor.status, to_status=new_status,
                                      changed_by=ctx.user_id))
        survivor.status = new_status
    survivor.updated_at = utcnow()
    lead_service.refresh_search_text(survivor)
    lead_service.lead_changed(session=session, lead=survivor)  # open boards refresh
    session.add(survivor)


def _record_event(session: Session, ctx: TeamContext, lead_id: int, payload: dict[str, Any]) -> None:
    try:
        from leadhub.services import events
    except ImportError:  # the outbox module is not there: keep the fact anyway
        from leadhub.services.models import DomainEvent
        session.add(DomainEvent(team_id=ctx.team_id, user_id=ctx.user_id, name=LEAD_MERGED,
                                payload=payload, lead_id=lead_id))
        session.flush()
        return
    events.record(session=session, ctx=ctx, name=LEAD_MERGED, payload=payload, lead_id=lead_id)


def merges_of_lead(*, session: Session, ctx: TeamContext, lead_id: int) -> list[LeadMerge]:
    return list(session.exec(select(LeadMerge).where(
        LeadMerge.team_id == ctx.team_id, LeadMerge.survivor_id == lead_id)
        .order_by(LeadMerge.merged_at.desc())).all())


def survivor_of(*, session: Session, ctx: TeamContext, lead_id: int) -> int | None:
    """Where a merged (deleted) lead lives on, following later merges; None if it never merged."""
    rows = session.exec(select(LeadMerge.survivor_id, LeadMerge.merged_lead_ids).where(
        LeadMerge.team_id == ctx.team_id).order_by(LeadMerge.id)).all()
    went_to = {int(merged): survivor for survivor, ids in rows for merged in (ids or [])}
    current, seen = int(lead_id), set()
    while current in went_to and current not in seen:
        seen.add(current)
        current = went_to[current]
    return current if current != int(lead_id) else None
