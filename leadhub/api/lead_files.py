"""Files of the leads module over HTTP: a lead's documents (as attachments, to members of the
lead's team only) and the CSV export of the leads list (a selection or every filtered lead)."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, StreamingResponse

from leadhub.api.auth import caller
from leadhub.services import auth, bulk, documents, saved_views
from leadhub.services.bulk import Selection
from leadhub.services.db import session_scope
from leadhub.services.errors import ValidationFailed

router = APIRouter(prefix="/api")
PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def attachment(filename: str) -> str:
    """Content-Disposition for a download, safe for any file name (RFC 6266 / 5987)."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/documents/{document_id}")
def download_document(document_id: int, who: auth.SessionInfo = Depends(caller)) -> FileResponse:
    """The file, always as an attachment (never rendered by the browser from our origin)."""
    with session_scope() as session:
        document, path = documents.open_document(session=session, ctx=who.ctx, document_id=document_id)
        filename = document.filename
    return FileResponse(path, media_type="application/octet-stream",
                        headers={**PRIVATE, "Content-Disposition": attachment(filename)})


def selection_from(request: Request, session, who: auth.SessionInfo) -> Selection:
    """The list's filters (or `ids=1,2,3`) from the query string."""
    params = request.query_params
    raw_ids = params.get("ids", "").strip()
    if raw_ids:
        try:
            return Selection.of_ids(int(i) for i in raw_ids.split(",") if i.strip())
        except ValueError as exc:
            raise ValidationFailed(field_errors={"ids": "Use lead ids separated by commas."}) from exc
    filters = {key: params.get(key, "") for key in saved_views.FILTER_KEYS if key != "custom"}
    filters["custom"] = {k[3:]: v for k, v in params.items() if k.startswith("cf.") and v}
    query = saved_views.query_for(session=session, ctx=who.ctx, filters=filters,
                                  sort=params.get("sort", "created_at"),
                                  descending=params.get("desc", "1") != "0")
    return Selection.matching(query)


@router.get("/leads/export.csv")
def export_leads(request: Request, who: auth.SessionInfo = Depends(caller)) -> StreamingResponse:
    """Every lead the list's filters match (or the ticked ones), as CSV streamed in batches."""
    columns = [c for c in request.query_params.get("columns", "").split(",") if c] or None
    with session_scope() as session:  # check the input before the download starts
        selection = selection_from(request, session, who)
        bulk.count(session=session, ctx=who.ctx, selection=selection)

    def rows():
        with session_scope() as session:
            yield "\ufeff"  # spreadsheets read UTF-8 (accents) when the file says so
            yield from bulk.export_rows(session=session, ctx=who.ctx, selection=selection, columns=columns)

    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8",
                             headers={**PRIVATE, "Content-Disposition": attachment(f"leads-{stamp}.csv")})
