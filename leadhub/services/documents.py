"""Documents attached to leads: files kept under the data folder, opened only by the lead's team.

A file is stored as `<data_dir>/documents/<team_id>/<random hex>`; the name the user gave is
kept in the database only, so no upload chooses a path. Uploads above `max_document_bytes()`
(LEADHUB_MAX_DOCUMENT_MB, default 10) are refused. Files are written before the row is
flushed and removed again if the transaction rolls back; a deleted document's file is removed
once the deletion commits. The HTTP route (leadhub/api) serves them as attachments only.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event as sa_event
from sqlmodel import Session, func, select

from leadhub.config import get_settings
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import Document, Lead, User

CHUNK = 1024 * 1024
MAX_PER_LEAD = 500
_REMOVE_AFTER_COMMIT = "leadhub.documents.remove_after_commit"
_REMOVE_AFTER_ROLLBACK = "leadhub.documents.remove_after_rollback"
_LISTENING = "leadhub.documents.listening"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def max_document_bytes() -> int:
    return int(float(os.environ.get("LEADHUB_MAX_DOCUMENT_MB", "10")) * 1024 * 1024)


def documents_root() -> Path:
    return get_settings().data_dir / "documents"


def _path(storage_key: str) -> Path:
    root = documents_root().resolve()
    path = (root / storage_key).resolve()
    if root not in path.parents:
        raise NotFound("This document does not exist.")
    return path


def safe_filename(name: str | None) -> str:
    """The user's file name without directories or control characters, at most 255 long."""
    base = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    base = _UNSAFE.sub("_", base).strip(" .") or "document"
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) < 20 else base[:255]
    return base


def _listen(session: Session) -> None:
    if session.info.get(_LISTENING):
        return
    session.info[_LISTENING] = True
    sa_event.listen(session, "after_commit", _after_commit)
    sa_event.listen(session, "after_rollback", _after_rollback)


def _unlink(keys: list[str]) -> None:
    for key in keys:
        try:
            _path(key).unlink(missing_ok=True)
        except (OSError, NotFound):
            pass


def _after_commit(session: Session) -> None:
    session.info.pop(_REMOVE_AFTER_ROLLBACK, None)
    _unlink(session.info.pop(_REMOVE_AFTER_COMMIT, []))


def _after_rollback(session: Session) -> None:
    session.info.pop(_REMOVE_AFTER_COMMIT, None)
    _unlink(session.info.pop(_REMOVE_AFTER_ROLLBACK, []))


def _lead(session: Session, ctx: TeamContext, lead_id: int) -> Lead:
    return get_in_team(session, Lead, ctx, lead_id, "This lead does not exist or belongs to another team.")


def upload_document(*, session: Session, ctx: TeamContext, lead_id: int, filename: str,
                    content: bytes | BinaryIO, content_type: str | None = None) -> Document:
    """Store a file for a lead (any team member may attach files to the team's leads)."""
    lead = _lead(session, ctx, lead_id)
    name = safe_filename(filename)
    count = session.exec(select(func.count()).select_from(Document).where(
        Document.team_id == ctx.team_id, Document.lead_id == lead.id)).one()
    if count >= MAX_PER_LEAD:
        raise ValidationFailed(field_errors={"file": f"A lead can hold at most {MAX_PER_LEAD} documents."})
    limit = max_document_bytes()
    key = f"{ctx.team_id}/{secrets.token_hex(16)}"
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with open(path, "xb") as out:
            if isinstance(content, (bytes, bytearray, memoryview)):
                size = len(content)
                if size > limit:
                    raise _too_big(limit)
                out.write(content)
            else:
                while chunk := content.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise _too_big(limit)
                    out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise ValidationFailed(field_errors={"file": "This file is empty."})
    _listen(session)
    session.info.setdefault(_REMOVE_AFTER_ROLLBACK, []).append(key)
    document = Document(team_id=ctx.team_id, lead_id=lead.id, filename=name,
                        content_type=(content_type or "application/octet-stream")[:120],
                        size_bytes=size, storage_key=key, uploaded_by=ctx.user_id)
    session.add(document)
    session.flush()
    return document


def _too_big(limit: int) -> ValidationFailed:
    return ValidationFailed(field_errors={"file": f"Files can be at most {limit // (1024 * 1024)} MB."})


def list_documents(*, session: Session, ctx: TeamContext, lead_id: int,
                   limit: int = 100) -> list[tuple[Document, str]]:
    """A lead's documents, newest first, with the uploader's name."""
    _lead(session, ctx, lead_id)
    return list(session.exec(
        select(Document, User.full_name).outerjoin(User, User.id == Document.uploaded_by)
        .where(Document.team_id == ctx.team_id, Document.lead_id == lead_id)
        .order_by(Document.created_at.desc(), Document.id.desc()).limit(max(1, min(limit, 500)))).all())


def get_document(*, session: Session, ctx: TeamContext, document_id: int) -> Document:
    return get_in_team(session, Document, ctx, document_id,
                       "This document does not exist or belongs to another team.")


def open_document(*, session: Session, ctx: TeamContext, document_id: int) -> tuple[Document, Path]:
    """The document row and its file, for a member of the document's team."""
    document = get_document(session=session, ctx=ctx, document_id=document_id)
    path = _path(document.storage_key)
    if not path.is_file():
        raise NotFound("The file of this document is missing.")
    return document, path


def delete_document(*, session: Session, ctx: TeamContext, document_id: int) -> None:
    """Its uploader, the lead's owner or a manager may delete a document."""
    document = get_document(session=session, ctx=ctx, document_id=document_id)
    lead = session.get(Lead, document.lead_id) if document.lead_id else None
    allowed = ctx.is_manager or document.uploaded_by == ctx.user_id or (
        lead is not None and lead.owner_id == ctx.user_id)
    if not allowed:
        raise PermissionDenied("Only the uploader, the lead's owner or a manager can delete this document.")
    _listen(session)
    session.info.setdefault(_REMOVE_AFTER_COMMIT, []).append(document.storage_key)
    session.delete(document)
    session.flush()


def forget_files_of_leads(*, session: Session, ctx: TeamContext, lead_ids: list[int]) -> None:
    """Leads are being deleted: remove their documents' files once that commits."""
    keys = session.exec(select(Document.storage_key).where(
        Document.team_id == ctx.team_id, Document.lead_id.in_(lead_ids))).all()
    if keys:
        _listen(session)
        session.info.setdefault(_REMOVE_AFTER_COMMIT, []).extend(keys)


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"
