"""Health endpoints for load balancers and operators (no login; no data of any team).

    GET /api/health          200 {"status": "ok", ...} or 503 when the database or Redis is down
    GET /api/health/workers  200 with at least one live background worker, else 503

The checks run in the thread pool: a hanging database must not block the event loop.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from leadhub.services import health

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/api/health")
async def app_health() -> JSONResponse:
    report = await run_in_threadpool(health.check_app)
    return JSONResponse(report.as_json(), status_code=200 if report.ok else 503, headers=NO_STORE)


@router.get("/api/health/workers")
async def workers_health() -> JSONResponse:
    try:
        workers = await run_in_threadpool(health.live_workers)
    except Exception as exc:  # noqa: BLE001 - e.g. Redis down: no worker can be seen
        return JSONResponse({"status": "error", "live": 0, "workers": [],
                             "error": health.describe_error(exc)}, status_code=503, headers=NO_STORE)
    return JSONResponse(health.workers_json(workers), status_code=200 if workers else 503,
                        headers=NO_STORE)
