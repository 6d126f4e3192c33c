"""Who is calling an HTTP route: the browser's session cookie, checked like every Reflex event."""

from __future__ import annotations

from fastapi import Request

from leadhub.services import auth
from leadhub.services.db import session_scope

SESSION_COOKIE = "leadhub_session"


def caller(request: Request) -> auth.SessionInfo:
    """The live session behind the cookie, or NotAuthenticated (401)."""
    with session_scope() as session:
        return auth.resolve_session(session=session, token=request.cookies.get(SESSION_COOKIE))
