"""PostgreSQL connection pool settings (LEADHUB_DB_*) reach the engine and hold on a real
server: the pool never opens more than size + overflow connections, waits pool_timeout for
a free one, and replaces connections a server restart cut (pre-ping)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy.exc
from sqlalchemy import text
from sqlalchemy.engine import make_url

from leadhub.config import get_settings
from leadhub.services.db import engine_for


@pytest.fixture
def pool_env(monkeypatch):
    def apply(**values: str):
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


def _named(url: str, name: str) -> str:
    return make_url(url).update_query_dict({"application_name": name}).render_as_string(hide_password=False)


def _connections(engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
                            {"n": name}).scalar()


def test_pool_size_overflow_and_timeout_come_from_the_settings(own_postgres, pool_env):
    pool_env(LEADHUB_DB_POOL_SIZE="1", LEADHUB_DB_MAX_OVERFLOW="1", LEADHUB_DB_POOL_TIMEOUT="1",
             LEADHUB_DB_POOL_RECYCLE="600")
    name = f"pooltest{time.monotonic_ns()}"
    engine = engine_for(_named(own_postgres.url, name))
    observer = engine_for(own_postgres.url)
    assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._recycle) == (1, 1, 600)
    first, second = engine.connect(), engine.connect()
    try:
        assert _connections(observer, name) == 2
        started = time.monotonic()
        with pytest.raises(sqlalchemy.exc.TimeoutError):
            engine.connect()
        assert 0.9 <= time.monotonic() - started < 5
    finally:
        first.close()
        second.close()
    assert _connections(observer, name) == 1                 # the overflow one is closed
    engine.dispose()


def test_pre_ping_replaces_connections_cut_by_a_server_restart(own_postgres, pool_env):
    pool_env(LEADHUB_DB_POOL_SIZE="2")
    engine = engine_for(_named(own_postgres.url, f"pingtest{time.monotonic_ns()}"))
    with engine.connect() as conn:
        before = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    own_postgres.restart("fast")                              # the pooled connection is dead now
    with engine.connect() as conn:                            # no error: pre-ping replaced it
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != before
    engine.dispose()


def test_a_bad_pool_setting_is_a_clear_error(pool_env):
    pool_env(LEADHUB_DB_POOL_SIZE="diez")
    with pytest.raises(ValueError, match="LEADHUB_DB_POOL_SIZE must be a whole number, not 'diez'"):
        get_settings()
