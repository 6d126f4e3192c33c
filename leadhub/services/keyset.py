"""Keyset (cursor) paging for integrations: pages that never repeat or skip a row while rows are
added, however deep the caller pages, at the cost of an index seek per page.

A page is ordered by one sort column and the id (the tie-breaker); the cursor carries the
last row's (sort value, id) and the sort it belongs to. Cursors are opaque: base64url JSON
with an HMAC tag, so a tampered or foreign cursor is refused with a field error instead of
reaching SQL. Rows inserted after paging started appear only where the order puts them: at
the front for newest-first, at the end for oldest-first.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import Session

from leadhub.config import get_settings
from leadhub.services.errors import ValidationFailed

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_TAG_LENGTH = 16


@dataclass(frozen=True)
class CursorPage(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _tag(payload: bytes) -> str:
    key = hashlib.sha256(b"leadhub/cursor/v1" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()[:_TAG_LENGTH]


def encode_cursor(sort: str, value: Any, row_id: int) -> str:
    if isinstance(value, datetime):
        value = {"t": value.astimezone(timezone.utc).isoformat()}
    payload = json.dumps([sort, value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + _tag(payload)


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """(sort value, id) of a cursor made for `sort`, or ValidationFailed on `cursor`."""
    invalid = ValidationFailed(field_errors={"cursor": (
        "This cursor is not valid here: pass next_cursor from the previous page unchanged, "
        "with the same sort.")})
    try:
        body, tag = cursor.split(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError):
        raise invalid from None
    if not hmac.compare_digest(tag.encode(), _tag(payload).encode()):
        raise invalid
    try:
        cursor_sort, value, row_id = json.loads(payload)
    except (ValueError, TypeError):
        raise invalid from None
    if cursor_sort != sort or not isinstance(row_id, int):
        raise invalid
    if isinstance(value, dict):
        value = datetime.fromisoformat(value["t"])
    return value, row_id


def page(*, session: Session, statement, model: Any, sorts: dict[str, Any], sort: str,
         cursor: str | None, limit: int) -> CursorPage:
    """One page of `statement` (a select of `model`, already filtered to the team) in the
    order `sort` ("created_at" ascending, "-created_at" descending), after `cursor`."""
    descending = sort.startswith("-")
    column = sorts.get(sort.lstrip("-"))
    if column is None:
        raise ValidationFailed(field_errors={"sort": "Sort by one of: " + ", ".join(
            name for key in sorts for name in (key, f"-{key}")) + "."})
    limit = max(1, min(int(limit or DEFAULT_LIMIT), MAX_LIMIT))
    if cursor:
        value, row_id = decode_cursor(cursor, sort)
        after = (or_(column < value, and_(column == value, model.id < row_id)) if descending
                 else or_(column > value, and_(column == value, model.id > row_id)))
        statement = statement.where(after)
    order = [column.desc(), model.id.desc()] if descending else [column.asc(), model.id.asc()]
    rows = list(session.exec(statement.order_by(*order).limit(limit + 1)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(sort, getattr(last, column.key), last.id)
    return CursorPage(items=rows, next_cursor=next_cursor)
