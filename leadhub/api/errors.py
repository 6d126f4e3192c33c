"""Service errors as HTTP answers: 401/403/404/409/422/429 with one JSON shape,
`{"error": {"type", "message", "field_errors"}}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadhub.services.errors import LeadHubError, RateLimited, ValidationFailed


def error_response(exc: LeadHubError) -> JSONResponse:
    body = {"type": type(exc).__name__, "message": exc.message,
            "field_errors": exc.field_errors if isinstance(exc, ValidationFailed) else {}}
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return JSONResponse({"error": body}, status_code=exc.status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LeadHubError)
    async def _handle(_request: Request, exc: LeadHubError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """Unknown routes too (e.g. /api/v1/leads/1%0A/convert, which no mount matches)."""
        types = {404: "NotFound", 405: "MethodNotAllowed"}
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        return JSONResponse({"error": {"type": types.get(exc.status_code, "HTTPError"), "message": message,
                                       "field_errors": {}}},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))
