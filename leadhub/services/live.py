"""Carrying a team's new signal version from any process to the web app's open boards.

A change committed inside the web app is pushed to its open boards by the app itself
(`deliver_here`, set by leadhub.state.board); with Redis, Reflex relays that push to browsers
connected to any other app worker. The background worker (imports, re-scoring, workflows)
and the CLI have no browsers, so after each commit they *announce* (team_id, version) and
the web app pushes it:

- Redis configured (several app workers): PUBLISH on one channel per database
  (`channel()`); every app worker runs one subscriber for the app's lifetime
  (leadhub.state.board.listen_for_announcements, a Reflex lifespan task) and pushes what
  it hears. The push only raises a version, so each worker hearing it is harmless.
- No Redis (the embedded default: one app process): a POST to the app's own
  `/api/internal/team-signal` at LEADHUB_APP_URL, signed with an HMAC of the secret key
  the worker and the app share (leadhub.api.live checks it).

An announcement that cannot be delivered (the app is down, Redis restarts) is logged and
dropped: the version lives in the database, and a board reads it again when it opens or
reconnects. Nothing here imports Reflex.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
from collections.abc import Callable

import httpx

from leadhub.config import get_settings

log = logging.getLogger(__name__)

Pusher = Callable[[int, int], None]
ROUTE = "/api/internal/team-signal"
SIGNATURE_HEADER = "X-LeadHub-Signature"
TIMEOUT = httpx.Timeout(2.0, connect=0.5)

_local_pusher: Pusher | None = None


def deliver_here(pusher: Pusher | None) -> None:
    """Called by the web app: this process's own commits go to `pusher`, not to announce()."""
    global _local_pusher
    _local_pusher = pusher


def after_commit(team_id: int, version: int) -> None:
    """The team_signal listener every process has: push here, or tell the web app."""
    if _local_pusher is not None:
        _local_pusher(team_id, version)
    else:
        announce(team_id, version)


def receive(team_id: int, version: int) -> bool:
    """An announcement reached the web app: push it to this process's boards."""
    if _local_pusher is None:
        return False
    _local_pusher(team_id, version)
    return True


def announce(team_id: int, version: int) -> bool:
    """Tell the web app that `team_id` is at `version` now; False if that could not be done."""
    body = encode(team_id, version)
    settings = get_settings()
    try:
        if settings.redis_url:
            _redis(settings.redis_url).publish(channel(), body)
        else:
            response = _http().post(settings.app_url.rstrip("/") + ROUTE, content=body,
                                    headers={SIGNATURE_HEADER: sign(body),
                                             "Content-Type": "application/json"})
            response.raise_for_status()
    except Exception as exc:  # noqa: BLE001 - a lost announcement never undoes a commit
        log.info("open boards of team %s not told about version %s: %s", team_id, version, exc)
        return False
    return True


def channel() -> str:
    """The Redis channel of this database: deployments sharing a Redis never hear each other
    (pub/sub channels ignore Redis's database numbers)."""
    digest = hashlib.sha256(get_settings().database_url.encode()).hexdigest()[:16]
    return f"leadhub:team-signal:{digest}"


def encode(team_id: int, version: int) -> bytes:
    return json.dumps({"team": int(team_id), "version": int(version)}).encode()


def decode(body: bytes | str) -> tuple[int, int] | None:
    """(team_id, version) from an announcement, or None for anything malformed."""
    try:
        data = json.loads(body)
        team_id, version = data["team"], data["version"]
    except (ValueError, TypeError, KeyError):
        return None
    if type(team_id) is not int or type(version) is not int or team_id <= 0 or version < 0:
        return None
    return team_id, version


def sign(body: bytes) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"team-signal\n" + body, hashlib.sha256).hexdigest()


def signed(body: bytes, signature: str | None) -> bool:
    return bool(signature) and hmac.compare_digest(sign(body), signature)


@functools.cache
def _http() -> httpx.Client:
    """One client per process: making one costs ~100 ms (its TLS context), a POST ~1 ms."""
    return httpx.Client(timeout=TIMEOUT, trust_env=False)


@functools.cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
