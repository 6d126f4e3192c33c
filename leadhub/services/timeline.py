"""A lead's story, newest first: notes, status changes, outreach, activities, documents,
merges and other recorded events, paged in SQL.

One UNION ALL of (kind, id, time) across the source tables is ordered and cut to the page in
the database; only the rows on the page are then read in full. Times stay UTC here; screens
show them in the team's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, union_all
from sqlmodel import Session, select

from leadhub.services.context import TeamContext
from leadhub.services.errors import NotFound
from leadhub.services.merge import LEAD_MERGED, LeadMerge
from leadhub.services.models import (
    Activity,
    Document,
    DomainEvent,
    Lead,
    LeadStatusHistory,
    Note,
    Outreach,
    OutreachType,
    User,
)
from leadhub.services.paging import Page, clamp

KINDS = ("note", "status", "outreach", "activity", "document", "merge", "event")
# Events already shown through their own rows (status history, lead_merge, outreach,
# activities) or too frequent to tell a story (score and field changes).
EVENTS_SHOWN_ELSEWHERE = ("LeadStatusChanged", LEAD_MERGED, "LeadCreated", "OutreachReplied",
                          "ActivityCompleted", "LeadScoreChanged", "LeadFieldsChanged")
EVENT_LABELS = {"LeadAcquired": "Deal created", "DealCreated": "Deal created",
                "FormSubmitted": "Web form submitted", "LeadsImported": "Imported from CSV",
                "EmailSent": "E-mail sent", "EmailOpened": "E-mail opened", "EmailClicked": "E-mail link clicked"}
OUTREACH_LABELS = {OutreachType.PLATFORM: "Platform", OutreachType.EMAIL: "E-mail",
                   OutreachType.CALL: "Call", OutreachType.SOCIAL: "Social",
                   OutreachType.MESSENGER: "Messenger"}


@dataclass(frozen=True)
class TimelineItem:
    kind: str
    record_id: int
    at: datetime
    actor: str
    title: str
    body: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def _sources(team_id: int, lead_id: int) -> dict[str, Any]:
    statements = [
        select(literal("note").label("kind"), Note.id.label("rid"), Note.created_at.label("at"))
        .where(Note.team_id == team_id, Note.lead_id == lead_id),
        select(literal("status"), LeadStatusHistory.id, LeadStatusHistory.changed_at)
        .where(LeadStatusHistory.team_id == team_id, LeadStatusHistory.lead_id == lead_id),
        select(literal("outreach"), Outreach.id, Outreach.occurred_at)
        .where(Outreach.team_id == team_id, Outreach.lead_id == lead_id),
        select(literal("activity"), Activity.id, func.coalesce(Activity.completed_at, Activity.created_at))
        .where(Activity.team_id == team_id, Activity.lead_id == lead_id),
        select(literal("document"), Document.id, Document.created_at)
        .where(Document.team_id == team_id, Document.lead_id == lead_id),
        select(literal("merge"), LeadMerge.id, LeadMerge.merged_at)
        .where(LeadMerge.team_id == team_id, LeadMerge.survivor_id == lead_id),
        select(literal("event"), DomainEvent.id, DomainEvent.occurred_at)
        .where(DomainEvent.team_id == team_id, DomainEvent.lead_id == lead_id,
               DomainEvent.name.not_in(EVENTS_SHOWN_ELSEWHERE)),
    ]
    return dict(zip(KINDS, statements))


def lead_timeline(*, session: Session, ctx: TeamContext, lead_id: int, page: int = 1,
                  page_size: int = 20, kinds: tuple[str, ...] = KINDS) -> Page[TimelineItem]:
    """One page of everything that happened to a lead, newest first."""
    if session.exec(select(Lead.id).where(Lead.team_id == ctx.team_id, Lead.id == lead_id)).first() is None:
        raise NotFound("This lead does not exist or belongs to another team.")
    page, page_size, offset = clamp(page, page_size)
    parts = [s for kind, s in _sources(ctx.team_id, lead_id).items() if kind in kinds]
    union = union_all(*parts).subquery()
    total = session.exec(select(func.count()).select_from(union)).one()
    rows = session.exec(select(union.c.kind, union.c.rid, union.c.at)
                        .order_by(union.c.at.desc(), union.c.kind, union.c.rid.desc())
                        .offset(offset).limit(page_size)).all()
    wanted: dict[str, list[int]] = {}
    for kind, rid, _ in rows:
        wanted.setdefault(kind, []).append(rid)
    loaded = _load(session, ctx, wanted)
    items = [loaded[(kind, rid)] for kind, rid, _ in rows if (kind, rid) in loaded]
    return Page(items=items, total=total, page=page, page_size=page_size)


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return {uid: name or email for uid, name, email in session.exec(
        select(User.id, User.full_name, User.email).where(User.id.in_(ids))).all()}


def _load(session: Session, ctx: TeamContext, wanted: dict[str, list[int]]) -> dict[tuple[str, int], TimelineItem]:
    records: dict[str, list[Any]] = {}
    models = {"note": Note, "status": LeadStatusHistory, "outreach": Outreach, "activity": Activity,
              "document": Document, "merge": LeadMerge, "event": DomainEvent}
    for kind, ids in wanted.items():
        model = models[kind]
        records[kind] = list(session.exec(select(model).where(model.team_id == ctx.team_id,
                                                              model.id.in_(ids))).all())
    users: set[int | None] = set()
    for note in records.get("note", []):
        users.add(note.author_id)
    for row in records.get("status", []):
        users.add(row.changed_by)
    for row in records.get("outreach", []):
        users.add(row.user_id)
    for row in records.get("activity", []):
        users.add(row.owner_id)
    for row in records.get("document", []):
        users.add(row.uploaded_by)
    for row in records.get("merge", []):
        users.add(row.merged_by)
    for row in records.get("event", []):
        users.add(row.user_id)
    names = _names(session, users)
    out: dict[tuple[str, int], TimelineItem] = {}
    for n in records.get("note", []):
        out[("note", n.id)] = TimelineItem("note", n.id, n.created_at, names.get(n.author_id, ""),
                                           "Note", n.body, {"author_id": n.author_id})
    for h in records.get("status", []):
        title = "Created as {to}" if h.from_status is None else "Status changed"
        out[("status", h.id)] = TimelineItem("status", h.id, h.changed_at, names.get(h.changed_by, ""),
                                             title, "", {"from": h.from_status or "", "to": h.to_status})
    for o in records.get("outreach", []):
        try:
            label = OUTREACH_LABELS[OutreachType(o.type)]
        except (ValueError, KeyError):
            label = "Outreach"
        out[("outreach", o.id)] = TimelineItem(
            "outreach", o.id, o.occurred_at, names.get(o.user_id, ""), label, o.description,
            {"channel": o.channel or "", "response": o.response_status, "value": o.value or "",
             "email": o.email or "", "phone": o.phone or "", "call_outcome": o.call_outcome or ""})
    for a in records.get("activity", []):
        out[("activity", a.id)] = TimelineItem(
            "activity", a.id, a.completed_at or a.created_at, names.get(a.owner_id, ""), a.subject,
            a.description, {"type": a.type, "status": a.status, "due_at": a.due_at})
    for d in records.get("document", []):
        out[("document", d.id)] = TimelineItem(
            "document", d.id, d.created_at, names.get(d.uploaded_by, ""), d.filename, "",
            {"size": d.size_bytes, "content_type": d.content_type})
    for m in records.get("merge", []):
        merged = m.snapshot.get("leads", []) if isinstance(m.snapshot, dict) else []
        labels = [f"{s.get('first_name', '')} {s.get('last_name', '')}".strip() + f" (#{s.get('id')})"
                  for s in merged]
        out[("merge", m.id)] = TimelineItem(
            "merge", m.id, m.merged_at, names.get(m.merged_by, ""), "Merged duplicates",
            ", ".join(labels), {"merged_lead_ids": list(m.merged_lead_ids or []), "snapshot": merged})
    for e in records.get("event", []):
        out[("event", e.id)] = TimelineItem("event", e.id, e.occurred_at, names.get(e.user_id, ""),
                                            EVENT_LABELS.get(e.name, e.name), "", dict(e.payload or {}))
    return out
