"""Public e-mail tracking routes: the open pixel, signed click redirects and unsubscribe; and
the inbound route where a team's replies arrive.

The tracking routes carry no session (recipients are not users): a message's random token is
the only key, and a click only redirects to a URL signed for that message, so the route is no
open redirect. The inbound route takes a team API key (manager or admin), as a bearer token or
as the password of HTTP Basic auth — what Mailgun routes and SendGrid Inbound Parse send when
the key is written into the URL (`https://api:lh_…@host/api/e/inbound`).
"""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from leadhub.services import api_keys, emails, events
from leadhub.services.db import session_scope
from leadhub.services.errors import NotAuthenticated, ValidationFailed

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


def _key_of(request: Request) -> str | None:
    """The API key from `Authorization: Bearer <key>` or Basic auth's password."""
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip(), validate=True).decode().partition(":")[2] or None
        except (binascii.Error, UnicodeDecodeError):
            raise NotAuthenticated("This API key is not valid.") from None
    return None


async def _raw_message(request: Request) -> bytes:
    """The raw e-mail: the request body (message/rfc822), or the MIME field of a form post
    (Mailgun's `body-mime`, SendGrid's `email` with "send raw")."""
    content_type = (request.headers.get("content-type") or "").lower()
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form(max_part_size=emails.MAX_INBOUND_BYTES)
        field = form.get("body-mime") or form.get("email")
        if field is None:
            raise ValidationFailed("Send the raw e-mail in the form field body-mime or email.",
                                   field_errors={"body-mime": "Missing."})
        return field.encode() if isinstance(field, str) else await field.read()
    body = await request.body()
    if len(body) > emails.MAX_INBOUND_BYTES:
        raise ValidationFailed("Send the e-mail as raw RFC 822 text, at most 10 MB.",
                               field_errors={"message": "Too large."})
    return body


@router.post("/inbound")
async def inbound(request: Request) -> JSONResponse:
    """A reply that reached the team's inbox: matched to the e-mail it answers (stops the lead's
    sequences, marks the recipient replied). Always 200 once accepted, matched or not, so mail
    services do not retry; 401 without a valid key, 422 for something that is not an e-mail."""
    caller = await run_in_threadpool(_authenticate, _key_of(request))
    raw = await _raw_message(request)
    result = await run_in_threadpool(_record, caller, raw)
    return JSONResponse({"matched": result.matched, "reason": result.reason, "lead_id": result.lead_id,
                         "email_message_id": result.email_message_id, "already_recorded": result.already},
                        headers=NO_STORE)


def _authenticate(token: str | None) -> api_keys.ApiCaller:
    from leadhub.api.v1 import deps
    with session_scope() as session:
        caller = api_keys.authenticate(session=session, token=token)
    deps.limiter.check(f"{caller.key_id}:{caller.prefix}")
    return caller


def _record(caller: api_keys.ApiCaller, raw: bytes) -> emails.InboundResult:
    with session_scope() as session:
        events.after_commit(session)   # the OutreachReplied event reaches scoring and workflows
        return emails.record_inbound(session=session, ctx=caller.ctx, raw=raw)
