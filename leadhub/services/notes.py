"""Notes on a lead: what a rep wants the team to know, shown on the lead's timeline."""

from __future__ import annotations

from sqlmodel import Session, select

from leadhub.services.context import TeamContext
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import Lead, Note

BODY_MAX = 10000


def add_note(*, session: Session, ctx: TeamContext, lead_id: int, body: str) -> Note:
    """Any member of the lead's team may add a note."""
    lead = session.exec(select(Lead).where(Lead.team_id == ctx.team_id, Lead.id == lead_id)).first()
    if lead is None:
        raise NotFound("This lead does not exist or belongs to another team.")
    text = (body or "").strip()
    if not text:
        raise ValidationFailed(field_errors={"body": "Write something first."})
    if len(text) > BODY_MAX:
        raise ValidationFailed(field_errors={"body": f"Use at most {BODY_MAX} characters."})
    note = Note(team_id=ctx.team_id, lead_id=lead.id, body=text, author_id=ctx.user_id)
    session.add(note)
    session.flush()
    return note


def delete_note(*, session: Session, ctx: TeamContext, note_id: int) -> None:
    """Its author or a manager may delete a note."""
    note = session.exec(select(Note).where(Note.team_id == ctx.team_id, Note.id == note_id)).first()
    if note is None:
        raise NotFound("This note does not exist or belongs to another team.")
    if note.author_id != ctx.user_id and not ctx.is_manager:
        raise PermissionDenied("Only the note's author or a manager can delete it.")
    session.delete(note)
    session.flush()
