"""Health of the app and of the background workers, for load balancers and operators.

- `check_app()` answers "can this app process serve requests?": the database answers a
  `SELECT 1`, and Redis (when LEADHUB_REDIS_URL is set) answers PING. The HTTP route
  (`GET /api/health`) returns it as JSON with 200, or 503 when a dependency is down.
- Workers prove they are alive with heartbeats: every `leadhub worker` process records one
  from the Huey consumer's own health-check loop (every HEARTBEAT_SECONDS): a Redis key that
  expires after HEARTBEAT_TTL_SECONDS when Redis is configured, else a small JSON file in
  `<data dir>/heartbeats/` (one machine, SQLite set-up). A clean stop removes it; a killed
  worker's heartbeat simply goes stale. `live_workers()` lists the fresh ones
  (`GET /api/health/workers`: 200 with at least one live worker, else 503).
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from leadhub.config import Settings, get_settings
from leadhub.services.db import engine_for

HEARTBEAT_SECONDS = 10.0
HEARTBEAT_TTL_SECONDS = 35.0          # three missed beats and a little: then the worker is gone
REDIS_KEY_PREFIX = "leadhub:worker-heartbeat:"
CHECK_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Check:
    status: str                       # ok | error | not configured
    ms: float | None = None
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "error"


@dataclass(frozen=True)
class Heartbeat:
    worker_id: str                    # host:pid
    host: str
    pid: int
    threads: int
    queue: str                        # RedisHuey | SqliteHuey
    started_at: float                 # unix seconds
    seen_at: float

    def age(self, now: float | None = None) -> float:
        return max(0.0, (now or time.time()) - self.seen_at)


@dataclass(frozen=True)
class AppHealth:
    database: Check
    redis: Check
    workers: list[Heartbeat] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.database.failed or self.redis.failed)

    def as_json(self) -> dict:
        now = time.time()
        return {
            "status": "ok" if self.ok else "error",
            "checks": {"database": _check_json(self.database), "redis": _check_json(self.redis)},
            "workers": workers_json(self.workers, now=now),
        }


def _check_json(check: Check) -> dict:
    out: dict = {"status": check.status}
    if check.ms is not None:
        out["ms"] = round(check.ms, 1)
    if check.error:
        out["error"] = check.error
    return out


def workers_json(workers: list[Heartbeat], *, now: float | None = None) -> dict:
    now = now or time.time()
    return {"status": "ok" if workers else "none", "live": len(workers),
            "workers": [{"id": w.worker_id, "threads": w.threads, "queue": w.queue,
                         "last_seen_seconds_ago": round(w.age(now), 1),
                         "up_seconds": round(now - w.started_at, 1)} for w in workers]}


def describe_error(exc: BaseException) -> str:
    """One line without credentials: the error class and its first line."""
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


# --- dependency checks ----------------------------------------------------------------------

def check_database(engine: Engine | None = None) -> Check:
    started = time.perf_counter()
    try:
        engine = engine or engine_for(get_settings().database_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        return Check("error", error=describe_error(exc))
    return Check("ok", ms=(time.perf_counter() - started) * 1000)


@lru_cache(maxsize=4)
def redis_client(url: str):
    """One client (connection pool) per URL, with short timeouts: a health check must answer
    quickly even when Redis hangs. Reconnects by itself after a Redis restart."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=CHECK_TIMEOUT_SECONDS,
                                socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
                                health_check_interval=30)


def check_redis(url: str | None) -> Check:
    if not url:
        return Check("not configured")
    started = time.perf_counter()
    try:
        redis_client(url).ping()
    except Exception as exc:  # noqa: BLE001
        return Check("error", error=describe_error(exc))
    return Check("ok", ms=(time.perf_counter() - started) * 1000)


def check_app(settings: Settings | None = None) -> AppHealth:
    settings = settings or get_settings()
    database = check_database(engine_for(settings.database_url))
    redis_check = check_redis(settings.redis_url)
    try:
        workers = live_workers(settings) if not redis_check.failed else []
    except Exception:  # noqa: BLE001 - the worker list is information, never a failure
        workers = []
    return AppHealth(database=database, redis=redis_check, workers=workers)


# --- worker heartbeats ----------------------------------------------------------------------

def _heartbeat_dir(settings: Settings) -> Path:
    return settings.data_dir / "heartbeats"


class HeartbeatRecorder:
    """Records this worker process's heartbeat, in Redis or in the data folder."""

    def __init__(self, *, threads: int, queue: str, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        host = socket.gethostname()
        pid = os.getpid()
        self.started_at = time.time()
        self.base = dict(worker_id=f"{host}:{pid}", host=host, pid=pid, threads=threads,
                         queue=queue, started_at=self.started_at)

    @property
    def worker_id(self) -> str:
        return self.base["worker_id"]

    def beat(self) -> Heartbeat:
        heartbeat = Heartbeat(**self.base, seen_at=time.time())
        data = json.dumps(asdict(heartbeat))
        if self.settings.redis_url:
            redis_client(self.settings.redis_url).set(
                REDIS_KEY_PREFIX + self.worker_id, data, ex=int(HEARTBEAT_TTL_SECONDS))
        else:
            folder = _heartbeat_dir(self.settings)
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{self.worker_id.replace(':', '-')}.json"
            partial = target.with_suffix(".tmp")
            partial.write_text(data)
            partial.replace(target)                  # readers never see half a file
        return heartbeat

    def clear(self) -> None:
        """A clean stop: this worker is gone at once, not after the heartbeat expires."""
        if self.settings.redis_url:
            redis_client(self.settings.redis_url).delete(REDIS_KEY_PREFIX + self.worker_id)
        else:
            (_heartbeat_dir(self.settings) / f"{self.worker_id.replace(':', '-')}.json") \
                .unlink(missing_ok=True)


def live_workers(settings: Settings | None = None, *, now: float | None = None) -> list[Heartbeat]:
    """Workers whose last heartbeat is younger than HEARTBEAT_TTL_SECONDS, oldest first."""
    settings = settings or get_settings()
    now = now or time.time()
    raw: list[str | bytes] = []
    if settings.redis_url:
        client = redis_client(settings.redis_url)
        keys = list(client.scan_iter(match=REDIS_KEY_PREFIX + "*", count=200))
        raw = [value for value in (client.mget(keys) if keys else []) if value]
    else:
        folder = _heartbeat_dir(settings)
        for path in folder.glob("*.json") if folder.exists() else []:
            try:
                raw.append(path.read_text())
            except OSError:
                continue
    beats = []
    for item in raw:
        try:
            beat = Heartbeat(**json.loads(item))
        except (TypeError, ValueError):
            continue
        if beat.age(now) < HEARTBEAT_TTL_SECONDS:
            beats.append(beat)
    return sorted(beats, key=lambda b: (b.started_at, b.worker_id))
