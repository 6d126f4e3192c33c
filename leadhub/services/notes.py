"""Notes on a lead: what a rep wants the team to know, shown on the lead's timeline."""

from __future__ import annotations

from sqlmodel import Session

from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import PermissionDenied, ValidationFailed
from leadhub.services.models import Lead, Note

BODY_MAX = 10000


def add_note(*, session: Session, ctx: TeamContext, lead_id: int, body: str) -> Note:
    """Any member of the lead's team may add a note."""
    lead = get_in_team(session, Lead, ctx, lead_id, "This lead does not exist or belongs to another team.")
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
    note = get_in_team(session, Note, ctx, note_id, "This note does not exist or belongs to another team.")
    if note.author_id != ctx.user_id and not ctx.is_manager:
        raise PermissionDenied("Only the note's author or a manager can delete it.")
    session.delete(note)
    session.flush()
