"""The public form routes in front of Reflex's global CORS, and their fast path.

Reflex wraps the whole backend in Starlette's CORSMiddleware with the app's own origins
(rxconfig `cors_allowed_origins`), which answers every cross-site preflight itself and adds
`Access-Control-Allow-Credentials` to every answer. The public form routes must instead
answer each form's own allowed origins, without credentials. `PublicFormsApp` keeps the
global middleware as it is for everything else: for paths under PUBLIC_PREFIX it moves the
browser's Origin header aside (into the scope, where `origin_of` finds it) before the global
middleware sees it, so the form routes decide alone.

Submissions (POST /api/forms/{key}/submit) are the app's hottest public path: this outermost
layer hands them straight to `leadhub.api.forms.handle_submission` — the same function the
FastAPI route calls — instead of through Reflex's and FastAPI's layers, none of which does
anything for them (CORS, size limits and errors are the handler's own). Reflex's contexts are
attached first, as its own middleware would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import reflex as rx
from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)
PUBLIC_PREFIX = "/api/forms/"
SUBMIT_SUFFIX = "/submit"
ORIGIN_KEY = "leadhub.public_origin"


class PublicFormCORS:
    """ASGI wrapper: hide the Origin of public form requests from the global CORS layer, and
    answer form submissions directly."""

    def __init__(self, app: Any, before_submission: Callable[[], None] | None = None):
        self.app = app
        self.before_submission = before_submission

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("path", "").startswith(PUBLIC_PREFIX):
            headers = []
            for name, value in scope.get("headers", []):
                if name == b"origin":
                    scope = {**scope, ORIGIN_KEY: value.decode("latin-1")}
                else:
                    headers.append((name, value))
            scope = {**scope, "headers": headers}
            key = _submission_key(scope)
            if key is not None:
                await self._submission(key, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _submission(self, key: str, scope, receive, send) -> None:
        from leadhub.api.forms import handle_submission
        if self.before_submission is not None:
            self.before_submission()
        try:
            response = await handle_submission(key, Request(scope, receive))
        except Exception:  # noqa: BLE001 - the one JSON error shape, never a bare 500
            log.exception("form submission failed")
            response = JSONResponse({"error": {"type": "InternalError", "message": "Something went wrong on "
                                               "our side.", "field_errors": {}}}, status_code=500)
        await response(scope, receive, send)


def _submission_key(scope) -> str | None:
    """The form key of POST /api/forms/{key}/submit, else None."""
    if scope.get("method") != "POST":
        return None
    path = scope["path"]
    if not path.endswith(SUBMIT_SUFFIX):
        return None
    key = path[len(PUBLIC_PREFIX):-len(SUBMIT_SUFFIX)]
    return key if key and "/" not in key else None


def origin_of(request: Request) -> str | None:
    """The browser's Origin header, wherever it is (moved aside or still in place)."""
    return request.scope.get(ORIGIN_KEY) or request.headers.get("origin")


class PublicFormsApp(rx.App):
    """rx.App whose ASGI app puts PublicFormCORS outside Reflex's CORS middleware."""

    def __call__(self):  # type: ignore[override]
        return PublicFormCORS(super().__call__(), before_submission=self._set_contexts_internal)
