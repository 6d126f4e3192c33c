"""Announcements from the worker and the CLI to the web app (leadhub.services.live): what goes
over loopback HTTP without Redis and what the app's route accepts, and the Redis channel."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time

import pytest

from leadhub.config import get_settings
from leadhub.services import live


@pytest.fixture
def settings_env(monkeypatch, tmp_path):
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LEADHUB_SECRET_KEY", "live-test-secret")
    monkeypatch.delenv("LEADHUB_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def pushed(monkeypatch):
    """What reaches this process's boards, as the web app would push it."""
    heard: list[tuple[int, int]] = []
    monkeypatch.setattr(live, "_local_pusher", lambda team, version: heard.append((team, version)))
    return heard


class Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[tuple[str, dict, bytes]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.requests.append((self.path, dict(self.headers), body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_app(settings_env):
    """A real HTTP server on 127.0.0.1 standing in for the app's address."""
    Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings_env.setenv("LEADHUB_APP_URL", f"http://127.0.0.1:{server.server_port}/")
    get_settings.cache_clear()
    yield Recorder.requests
    server.shutdown()


@pytest.fixture
def client(settings_env):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from leadhub.api.live import router

    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as test_client:
        yield test_client


def test_without_redis_a_signed_post_reaches_the_apps_route(loopback_app, client, pushed,
                                                            monkeypatch):
    monkeypatch.setattr(live, "_local_pusher", None)  # the worker's side: no boards here
    assert live.announce(7, 42) is True
    ((path, headers, body),) = loopback_app
    assert path == live.ROUTE
    assert json.loads(body) == {"team": 7, "version": 42}

    # what the worker sent is what the app's route takes
    monkeypatch.setattr(live, "_local_pusher", lambda team, version: pushed.append((team, version)))
    response = client.post(live.ROUTE, content=body,
                           headers={live.SIGNATURE_HEADER: headers[live.SIGNATURE_HEADER]})
    assert response.status_code == 202
    assert pushed == [(7, 42)]


def test_the_route_refuses_unsigned_forged_and_malformed_announcements(client, pushed):
    body = live.encode(3, 9)
    assert client.post(live.ROUTE, content=body).status_code == 403
    assert client.post(live.ROUTE, content=body,
                       headers={live.SIGNATURE_HEADER: "0" * 64}).status_code == 403
    forged = live.encode(4, 9)  # a valid signature of another body
    assert client.post(live.ROUTE, content=forged,
                       headers={live.SIGNATURE_HEADER: live.sign(body)}).status_code == 403
    assert client.post(live.ROUTE, content=b"x" * 500,
                       headers={live.SIGNATURE_HEADER: live.sign(b"x" * 500)}).status_code == 403
    for bad in (b"not json", b'{"team": "3", "version": 9}', b'{"team": 3}',
                b'{"team": -1, "version": 2}', b'{"team": true, "version": 2}'):
        response = client.post(live.ROUTE, content=bad, headers={live.SIGNATURE_HEADER: live.sign(bad)})
        assert response.status_code == 422, bad
    assert pushed == []
    assert client.post(live.ROUTE, content=body,
                       headers={live.SIGNATURE_HEADER: live.sign(body)}).status_code == 202
    assert pushed == [(3, 9)]


def test_a_process_without_boards_answers_503(client, monkeypatch):
    monkeypatch.setattr(live, "_local_pusher", None)
    body = live.encode(3, 9)
    assert client.post(live.ROUTE, content=body,
                       headers={live.SIGNATURE_HEADER: live.sign(body)}).status_code == 503


def test_an_app_that_is_down_costs_the_worker_little(settings_env, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    settings_env.setenv("LEADHUB_APP_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    monkeypatch.setattr(live, "_local_pusher", None)
    started = time.monotonic()
    for version in range(20):  # an import commits many times
        assert live.announce(1, version) is False
    assert time.monotonic() - started < 1.0


def test_the_web_app_pushes_its_own_commits_without_announcing(loopback_app, pushed):
    live.after_commit(5, 6)
    assert pushed == [(5, 6)]
    assert loopback_app == []


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_announcements_go_out_on_the_databases_channel(settings_env, monkeypatch):
    import redis

    settings_env.setenv("LEADHUB_REDIS_URL", "redis://127.0.0.1:6379/13")
    settings_env.setenv("LEADHUB_DATABASE_URL", "sqlite:////tmp/live-test-a.db")
    get_settings.cache_clear()
    monkeypatch.setattr(live, "_local_pusher", None)
    channel_a = live.channel()
    subscriber = redis.Redis.from_url("redis://127.0.0.1:6379/13").pubsub()
    subscriber.subscribe(channel_a)
    assert subscriber.get_message(timeout=2)["type"] == "subscribe"
    try:
        live.after_commit(11, 12)
        message = subscriber.get_message(timeout=2)
        assert message is not None and live.decode(message["data"]) == (11, 12)

        # another deployment on the same Redis has a channel of its own
        settings_env.setenv("LEADHUB_DATABASE_URL", "sqlite:////tmp/live-test-b.db")
        get_settings.cache_clear()
        assert live.channel() != channel_a
        live.announce(11, 13)
        assert subscriber.get_message(timeout=0.5) is None
    finally:
        subscriber.close()
