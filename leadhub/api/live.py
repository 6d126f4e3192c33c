"""The door the worker and the CLI knock on after a commit when there is no Redis: a signed
(team, version) that the app pushes to the team's open boards (leadhub.services.live)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from leadhub.services import live

router = APIRouter()
MAX_BODY = 200


@router.post(live.ROUTE, include_in_schema=False)
async def team_signal(request: Request) -> JSONResponse:
    body = await request.body()
    if len(body) > MAX_BODY or not live.signed(body, request.headers.get(live.SIGNATURE_HEADER)):
        return JSONResponse({"error": "Not signed with this app's secret key."}, status_code=403)
    decoded = live.decode(body)
    if decoded is None:
        return JSONResponse({"error": "Expected {\"team\": id, \"version\": n}."}, status_code=422)
    if not live.receive(*decoded):
        return JSONResponse({"error": "No boards are served by this process."}, status_code=503)
    return JSONResponse({"ok": True}, status_code=202)
