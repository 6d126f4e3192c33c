"""Health endpoints over real HTTP (granian serving LeadHub's routes), against real
dependencies that really go away: our own Redis and PostgreSQL servers, stopped and started."""

from __future__ import annotations

import signal
import socket
import time

from leadhub.config import get_settings
from leadhub.services import health
from tests.faults.conftest import empty_database, process_env, wait_until


def _sqlite(tmp_path) -> str:
    from leadhub.services import migrations
    from leadhub.services.db import engine_for
    url = f"sqlite:///{tmp_path / 'leadhub.db'}"
    migrations.upgrade(url)
    engine_for(url).dispose()
    return url


def test_app_health_checks_redis_and_recovers_when_redis_comes_back(tmp_path, own_redis, processes):
    env = process_env(database_url=_sqlite(tmp_path), data_dir=tmp_path / "data",
                      redis_url=own_redis.url)
    app = processes.api(env)
    status, body = app.get("/api/health")
    assert status == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "ok"

    own_redis.stop()
    status, body = app.get("/api/health")
    assert status == 503, body
    assert body["status"] == "error" and body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "error"
    assert "Connection" in body["checks"]["redis"]["error"]

    own_redis.start()                                    # same port, empty (no persistence)
    status, body = app.get("/api/health")
    assert (status, body["checks"]["redis"]["status"]) == (200, "ok"), body


def test_app_health_without_redis_reports_it_not_configured(tmp_path, processes):
    app = processes.api(process_env(database_url=_sqlite(tmp_path), data_dir=tmp_path / "data"))
    status, body = app.get("/api/health")
    assert status == 200, body
    assert body["checks"]["redis"] == {"status": "not configured"}
    assert body["workers"] == {"status": "none", "live": 0, "workers": []}


def test_app_health_is_503_while_postgres_is_down_and_200_after_it_restarts(tmp_path, own_postgres,
                                                                            processes):
    empty_database(own_postgres.url)
    app = processes.api(process_env(database_url=own_postgres.url, data_dir=tmp_path / "data",
                                    LEADHUB_DB_CONNECT_TIMEOUT="2"))
    assert app.get("/api/health")[0] == 200                # the pool now holds a connection
    own_postgres.stop()
    try:
        status, body = app.get("/api/health")
        assert status == 503, body
        assert body["checks"]["database"]["status"] == "error"
        assert "OperationalError" in body["checks"]["database"]["error"]
    finally:
        own_postgres.start()
    # The pool's dead connection is replaced (pre-ping): the first check after the restart passes.
    status, body = app.get("/api/health")
    assert (status, body["checks"]["database"]["status"]) == (200, "ok"), body


def _workers_endpoint(app):
    return app.get("/api/health/workers")


def _check_worker_heartbeats(tmp_path, processes, database_url, redis_url):
    env = process_env(database_url=database_url, data_dir=tmp_path / "data", redis_url=redis_url)
    app = processes.api(env)
    status, body = _workers_endpoint(app)
    assert (status, body["live"]) == (503, 0), body

    first = processes.worker(env, threads=2, name="first")
    second = processes.worker(env, threads=1, name="second")
    status, body = wait_until(lambda: (lambda r: r if r[1]["live"] == 2 else None)(_workers_endpoint(app)),
                              60, interval=0.3, message="two live workers")
    assert status == 200
    assert sorted(w["threads"] for w in body["workers"]) == [1, 2]
    assert {w["id"].rsplit(":", 1)[1] for w in body["workers"]} == {str(first.pid), str(second.pid)}
    assert app.get("/api/health")[1]["workers"]["live"] == 2

    # A clean stop (SIGTERM) removes the heartbeat at once ...
    assert first.stop(signal.SIGTERM) == 0, first.output()
    status, body = _workers_endpoint(app)
    assert (status, [w["id"] for w in body["workers"]]) == (200, [f"{socket.gethostname()}:{second.pid}"])
    # ... a killed worker's heartbeat goes stale and drops out after the TTL.
    second.kill9()
    settings = _settings_for(tmp_path / "data", database_url, redis_url)
    assert [b.pid for b in health.live_workers(settings)] == [second.pid]
    later = time.time() + health.HEARTBEAT_TTL_SECONDS
    assert health.live_workers(settings, now=later) == []


def _settings_for(data_dir, database_url, redis_url):
    from dataclasses import replace
    return replace(get_settings(), data_dir=data_dir, database_url=database_url, redis_url=redis_url)


def test_worker_heartbeats_in_redis(tmp_path, own_redis, processes):
    _check_worker_heartbeats(tmp_path, processes, _sqlite(tmp_path), own_redis.url)


def test_worker_heartbeats_in_the_data_folder_without_redis(tmp_path, processes):
    _check_worker_heartbeats(tmp_path, processes, _sqlite(tmp_path), None)
