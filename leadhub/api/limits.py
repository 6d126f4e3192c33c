"""Request body size limits: one mechanism for the REST API and the public form endpoint.

`BodyLimit` is a pure ASGI middleware. For each request whose path starts with one of its
prefixes (the first match wins) it

- answers 413 at once when `Content-Length` says the body is larger than the limit (the
  route never runs, nothing is read or stored), and
- counts the bytes the route actually reads (chunked bodies have no Content-Length): the
  moment they pass the limit it answers 413 itself and the route's read fails, so the route
  stores nothing; whatever the route tries to send after that is dropped.

The 413 carries the API's one error shape, `{"error": {"type": "TooLarge", "message",
"field_errors": {}}}`. Most clients send the whole body before they read the answer, so the
rest of a refused body is read and thrown away (never kept) up to DRAIN_BYTES, and the
answer comes after it; a body larger still gets its 413 at once with `Connection: close`.

`read_body` is the same counting for a route that reads its body itself (the form endpoint,
which answers 413 with its own CORS headers).

    LEADHUB_API_MAX_BODY_KB     JSON bodies of /api/v1 (default 1024 = 1 MiB)
    LEADHUB_API_MAX_IMPORT_MB   /api/v1/imports, a CSV file inside JSON (default 32)
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TYPE = "TooLarge"
DRAIN_BYTES = 8 * 1024 * 1024


class BodyTooLarge(Exception):
    """The request body is larger than `limit` bytes."""

    def __init__(self, limit: int):
        super().__init__(f"The request body is larger than {limit} bytes.")
        self.limit = limit


def message_for(limit: int) -> str:
    return f"The request body is too large (the limit is {_size(limit)})."


def _size(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit} bytes"


def error_body(limit: int) -> bytes:
    return json.dumps({"error": {"type": TYPE, "message": message_for(limit), "field_errors": {}}}).encode()


def declared_length(scope: Scope) -> int | None:
    """The Content-Length header as a number (None when absent or not a number)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def drain(receive: Receive, message: Message | None = None, budget: int = DRAIN_BYTES) -> bool:
    """Read and drop the rest of a refused body; True when it ended within `budget` bytes."""
    while message is None or message.get("more_body", False):
        message = await receive()
        if message["type"] != "http.request":
            return False
        budget -= len(message.get("body", b""))
        if budget < 0:
            return False
    return True


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole request body, or BodyTooLarge as soon as it is (or says it is) over `limit`
    (after reading the rest away, within DRAIN_BYTES, so the client hears the answer)."""
    declared = declared_length(scope)
    if declared is not None and declared > limit:
        if declared - limit <= DRAIN_BYTES:
            await drain(receive)
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            await drain(receive, message)
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_too_large(send: Send, limit: int, *, close: bool = False) -> None:
    body = error_body(limit)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store")]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def api_rules() -> tuple[tuple[str, int], ...]:
    """(path prefix, limit in bytes) for the REST API, most specific first."""
    import_mb = int(os.environ.get("LEADHUB_API_MAX_IMPORT_MB", "32"))
    body_kb = int(os.environ.get("LEADHUB_API_MAX_BODY_KB", "1024"))
    return (("/api/v1/imports", import_mb * 1024 * 1024), ("/api/v1", body_kb * 1024))


class BodyLimit:
    """ASGI middleware: 413 (JSON error shape) for bodies over the limit of their path prefix."""

    def __init__(self, app: ASGIApp, rules: Sequence[tuple[str, int]] | None = None):
        self.app = app
        self.rules = tuple(rules) if rules is not None else api_rules()

    def limit_for(self, path: str) -> int | None:
        for prefix, limit in self.rules:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return limit
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            ended = declared - limit <= DRAIN_BYTES and await drain(receive)
            await send_too_large(send, limit, close=not ended)
            return
        received = 0
        refused = False      # our 413 went out: the route's own answer is dropped
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started and not refused:
                        refused = True
                        ended = await drain(receive, message)
                        await send_too_large(send, limit, close=not ended)
                    raise BodyTooLarge(limit)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            # the route failed reading the cut-off body after our 413: nothing more to say
