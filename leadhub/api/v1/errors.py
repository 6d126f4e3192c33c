"""Every v1 error as one JSON shape, `{"error": {"type", "message", "field_errors"}}`, with the
status code that says what went wrong — bad input included, so no input ever yields a 500.

    LeadHubError (services/errors.py)   its status: 401/403/404/409/422/429/502
    RequestValidationError              422 ValidationFailed, one message per field
    HTTPException (unknown route …)     its status, type from the status
    IntegrityError (a race)             409 Conflict
    anything else                       500 InternalError (logged), never details
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadhub.api.v1.schemas import ErrorResponse
from leadhub.services.errors import DuplicateLead, LeadHubError, NotAuthenticated, RateLimited, ValidationFailed

log = logging.getLogger(__name__)

_HTTP_TYPES = {400: "BadRequest", 401: "NotAuthenticated", 403: "PermissionDenied", 404: "NotFound",
               405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict", 413: "TooLarge",
               415: "UnsupportedMediaType", 422: "ValidationFailed", 429: "RateLimited"}
_MESSAGES = {
    "extra_forbidden": "Unknown field.",
    "missing": "This field is required.",
}


def _body(type_: str, message: str, field_errors: dict[str, str] | None = None, **extra: Any) -> dict:
    return {"error": {"type": type_, "message": message, "field_errors": field_errors or {}, **extra}}


def service_error(exc: LeadHubError) -> JSONResponse:
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, DuplicateLead):
        extra["matches"] = [{"id": m.lead_id, "name": m.name, "company": m.company, "email": m.email,
                             "phone": m.phone, "reasons": list(m.reasons), "kinds": list(m.kinds),
                             "score": m.score} for m in exc.matches]
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    field_errors = exc.field_errors if isinstance(exc, ValidationFailed) else {}
    return JSONResponse(_body(type(exc).__name__, exc.message, field_errors, **extra),
                        status_code=exc.status_code, headers=headers or None)


def field_name(loc: tuple) -> str:
    """("body", "custom_fields", "region") → "custom_fields.region"; ("query", "limit") → "limit"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or [parts[0]]
    return ".".join(parts)


def validation_error(exc: RequestValidationError) -> JSONResponse:
    field_errors: dict[str, str] = {}
    for error in exc.errors():
        name = field_name(tuple(error.get("loc", ())))
        message = _MESSAGES.get(error.get("type", ""), error.get("msg", "Invalid value."))
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        field_errors.setdefault(name, message)
    return JSONResponse(_body("ValidationFailed", "Please correct the highlighted fields.", field_errors),
                        status_code=422)


def install(app: FastAPI) -> None:
    @app.exception_handler(LeadHubError)
    async def _service(_request: Request, exc: LeadHubError) -> JSONResponse:
        return service_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_error(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        return JSONResponse(_body(_HTTP_TYPES.get(exc.status_code, "HTTPError"), message),
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("API request clashed with stored data: %s", exc.orig)
        return JSONResponse(_body("Conflict", "This change clashes with stored data; "
                                  "fetch the record again and retry."), status_code=409)

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        log.warning("API request had a value the database refused: %s", exc.orig)
        return JSONResponse(_body("ValidationFailed", "A value is out of range."), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unexpected error in the v1 API")
        return JSONResponse(_body("InternalError", "Something went wrong on our side."), status_code=500)


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route may give."""
    described = {400: "Bad request", 401: "Missing, unknown or revoked API key",
                 403: "The key's role may not do this", 404: "No such record in the key's team",
                 409: "Clashes with stored data (e.g. a likely duplicate lead)",
                 422: "Unknown fields or bad values, per field",
                 429: "Too many requests with this key; see Retry-After",
                 502: "The other service did not take it (the answer says why)"}
    return {code: {"model": ErrorResponse, "description": described[code]} for code in codes}


STANDARD = responses(401, 403, 404, 409, 422, 429)
