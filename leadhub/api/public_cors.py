"""Per-form CORS for the public form routes, in front of Reflex's global CORS.

Reflex wraps the whole backend in Starlette's CORSMiddleware with the app's own origins
(rxconfig `cors_allowed_origins`), which answers every cross-site preflight itself and adds
`Access-Control-Allow-Credentials` to every answer. The public form routes must instead
answer each form's own allowed origins, without credentials. `PublicFormsApp` keeps the
global middleware as it is for everything else: for paths under PUBLIC_PREFIX it moves the
browser's Origin header aside (into the scope, where `origin_of` finds it) before the global
middleware sees it, so the form routes decide alone.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from starlette.requests import Request

PUBLIC_PREFIX = "/api/forms/"
ORIGIN_KEY = "leadhub.public_origin"


class PublicFormCORS:
    """ASGI wrapper: hide the Origin of public form requests from the global CORS layer."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("path", "").startswith(PUBLIC_PREFIX):
            headers = []
            for name, value in scope.get("headers", []):
                if name == b"origin":
                    scope = {**scope, ORIGIN_KEY: value.decode("latin-1")}
                else:
                    headers.append((name, value))
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


def origin_of(request: Request) -> str | None:
    """The browser's Origin header, wherever it is (moved aside or still in place)."""
    return request.scope.get(ORIGIN_KEY) or request.headers.get("origin")


class PublicFormsApp(rx.App):
    """rx.App whose ASGI app puts PublicFormCORS outside Reflex's CORS middleware."""

    def __call__(self):  # type: ignore[override]
        return PublicFormCORS(super().__call__())
