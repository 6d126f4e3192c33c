"""A real HTTP server on 127.0.0.1 that speaks the two contracts LeadHub sends to:

- Telegram Bot API: POST /bot<token>/sendMessage with JSON {chat_id, text} →
  {"ok": true, "result": {...}} or {"ok": false, "error_code", "description",
  "parameters": {"retry_after"}};
- Slack incoming webhook: POST /services/<T>/<B>/<secret> with JSON {text, blocks} →
  200 "ok", 4xx error code text, or 429 with a Retry-After header.

Tests script the next answers (`then_ok`, `then_status`, `then_rate_limited`, `then_hang`) and
read what arrived in `requests`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TELEGRAM_PATH = re.compile(r"^/bot(?P<token>\d+:[A-Za-z0-9_-]+)/sendMessage$")
SLACK_PATH = re.compile(r"^/services/[A-Z0-9]+/[A-Z0-9]+/[A-Za-z0-9]+$")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    at: float

    @property
    def is_telegram(self) -> bool:
        return bool(TELEGRAM_PATH.match(self.path))


@dataclass
class Answer:
    kind: str                      # ok | status | rate_limited | hang
    status: int = 200
    delay: float = 0.0
    body: Any = None
    retry_after: int | None = None


@dataclass
class FakeChatServer:
    requests: list[Received] = field(default_factory=list)
    script: deque = field(default_factory=deque)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FakeChatServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):  # noqa: N802 - http.server naming
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    # --- scripting ----------------------------------------------------------------------
    def then_ok(self, delay: float = 0.0) -> FakeChatServer:
        self.script.append(Answer("ok", delay=delay))
        return self

    def then_status(self, status: int, body: Any = None) -> FakeChatServer:
        self.script.append(Answer("status", status=status, body=body))
        return self

    def then_rate_limited(self, retry_after: int) -> FakeChatServer:
        self.script.append(Answer("rate_limited", status=429, retry_after=retry_after))
        return self

    def then_hang(self) -> FakeChatServer:
        self.script.append(Answer("hang"))
        return self

    # --- serving ------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        telegram = TELEGRAM_PATH.match(request.path)
        slack = SLACK_PATH.match(request.path)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        with self.lock:
            self.requests.append(Received(request.path, dict(request.headers), body, time.monotonic()))
            answer = self.script.popleft() if self.script else Answer("ok")
        if not (telegram or slack):
            return self._send(request, 404, {"ok": False, "error_code": 404,
                                             "description": "Not Found"})
        if "application/json" not in request.headers.get("Content-Type", ""):
            return self._reply_error(request, telegram, 400, "invalid_payload")
        if telegram and not (isinstance(body, dict) and body.get("chat_id") and body.get("text")):
            return self._reply_error(request, telegram, 400, "Bad Request: message text is empty")
        if slack and not (isinstance(body, dict) and (body.get("text") or body.get("blocks"))):
            return self._reply_error(request, telegram, 400, "invalid_payload")
        if answer.delay:
            time.sleep(answer.delay)
        if answer.kind == "hang":
            self.release.wait(timeout=60)
            return None
        if answer.kind == "rate_limited":
            if telegram:
                return self._send(request, 429, {
                    "ok": False, "error_code": 429,
                    "description": f"Too Many Requests: retry after {answer.retry_after}",
                    "parameters": {"retry_after": answer.retry_after}})
            return self._send(request, 429, "rate_limited",
                              headers={"Retry-After": str(answer.retry_after)})
        if answer.kind == "status":
            if answer.body is not None:
                return self._send(request, answer.status, answer.body)
            return self._reply_error(request, telegram, answer.status, "internal_error")
        if telegram:
            return self._send(request, 200, {"ok": True, "result": {
                "message_id": len(self.requests), "chat": {"id": body["chat_id"]},
                "text": body["text"], "date": int(time.time())}})
        return self._send(request, 200, "ok")

    def _reply_error(self, request, telegram, status: int, description: str) -> None:
        if telegram:
            return self._send(request, status, {"ok": False, "error_code": status,
                                                "description": description})
        return self._send(request, status, description)

    @staticmethod
    def _send(request, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = (json.dumps(body) if not isinstance(body, str) else body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json" if not isinstance(body, str)
                            else "text/html")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)
