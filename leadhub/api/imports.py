"""CSV imports over HTTP for the wizard: the report of refused rows as a download."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from leadhub.api.auth import caller
from leadhub.api.lead_files import PRIVATE, attachment
from leadhub.services import auth, imports
from leadhub.services.db import session_scope

router = APIRouter(prefix="/api/imports")


@router.get("/{job_id}/errors.csv")
def error_report(job_id: int, who: auth.SessionInfo = Depends(caller)) -> Response:
    """Row, column and reason of every row the import left out (members of the team only)."""
    with session_scope() as session:
        content = imports.error_report_csv(session=session, ctx=who.ctx, job_id=job_id)
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={**PRIVATE, "Content-Disposition": attachment(f"import-{job_id}-errors.csv")})
