"""Public e-mail tracking routes: the open pixel, signed click redirects and unsubscribe.

They carry no session (recipients are not users): a message's random token is the only key,
and a click only redirects to a URL signed for that message, so the route is no open redirect.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from leadhub.services import emails
from leadhub.services.db import session_scope

router = APIRouter(prefix="/api/e")
NO_STORE = {"Cache-Control": "no-store, private", "X-Content-Type-Options": "nosniff"}


@router.get("/o/{token}.gif")
def open_pixel(token: str) -> Response:
    """Always the same 1×1 GIF; the open is recorded when the token is known."""
    with session_scope() as session:
        emails.record_open(session=session, token=token)
    return Response(emails.PIXEL, media_type="image/gif", headers=NO_STORE)


@router.get("/c/{token}")
def click(token: str, u: str = "", s: str = "") -> Response:
    with session_scope() as session:
        target = emails.record_click(session=session, token=token, url=u, signature=s)
    if target is None:
        return HTMLResponse("<!doctype html><p>This link is not valid.</p>", status_code=404, headers=NO_STORE)
    return RedirectResponse(target, status_code=302, headers=NO_STORE)


@router.get("/u/{token}")
def unsubscribe_form(token: str, request: Request) -> HTMLResponse:
    with session_scope() as session:
        message = emails._by_token(session, token)
        language = emails.message_language(message)
    if message is None:
        return HTMLResponse("<!doctype html><p>This link is not valid.</p>", status_code=404, headers=NO_STORE)
    return HTMLResponse(emails.unsubscribe_page(language, False, str(request.url.path)), headers=NO_STORE)


@router.post("/u/{token}")
def unsubscribe(token: str) -> HTMLResponse:
    """The form's button and RFC 8058 one-click (List-Unsubscribe-Post) both land here."""
    with session_scope() as session:
        message = emails.unsubscribe(session=session, token=token)
        language = emails.message_language(message)
    if message is None:
        return HTMLResponse("<!doctype html><p>This link is not valid.</p>", status_code=404, headers=NO_STORE)
    return HTMLResponse(emails.unsubscribe_page(language, True, ""), headers=NO_STORE)
