"""Database engine and transactions: one engine per URL, the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine, select

from leadhub.config import Settings, get_settings, normalise_database_url
from leadhub.services.errors import NotFound

M = TypeVar("M")
R = TypeVar("R")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def pool_options(settings: Settings | None = None) -> dict:
    """Connection pool of a PostgreSQL engine, from LEADHUB_DB_* settings. Pre-ping replaces
    connections that a database restart closed, so the first request after it works."""
    settings = settings or get_settings()
    return {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow,
            "pool_timeout": settings.db_pool_timeout, "pool_recycle": settings.db_pool_recycle,
            "pool_pre_ping": True,
            "connect_args": {"connect_timeout": settings.db_connect_timeout}}


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, **pool_options())
    return engine


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_in_team(session: Session, model: type[M], team: Any, record_id: Any, message: str) -> M:
    """The row of `model` with `record_id` in the team (`team` is a TeamContext or a team id);
    NotFound(message) when there is none, so other teams' rows look the same as missing ones.
    The id is compared as given: a caller that accepts text ids converts them first."""
    team_id = getattr(team, "team_id", team)
    row = session.exec(select(model).where(model.team_id == team_id, model.id == record_id)).first()
    if row is None:
        raise NotFound(message)
    return row


_readers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="leadhub-read")


@contextmanager
def alongside(session: Session, work: Callable[[Session], R]) -> Iterator[Future]:
    """Run read-only `work(other_session)` on a second connection while the block runs in
    `session`; the future holds its result once the block has ended.

    Only when the second connection sees what `session` sees: a session bound to an engine
    on PostgreSQL or on an SQLite file (WAL: readers run beside a writer, and sqlite3 lets go
    of the GIL while a statement runs), and a transaction that has written nothing yet (its own
    uncommitted rows would be invisible over there); both then read committed data, as one
    session would. Otherwise `work(session)` runs after the block, in the caller's session.
    `work` must not read ORM objects of `session` that may be expired (another thread would
    load them)."""
    bind = session.get_bind()
    parallel = isinstance(bind, Engine) and _nothing_written(session, bind)
    if not parallel:
        done: Future = Future()
        yield done
        done.set_result(work(session))
        return

    def run() -> R:
        with Session(bind) as other:
            try:
                return work(other)
            finally:
                other.rollback()
    future = _readers.submit(run)
    try:
        yield future
    finally:
        future.exception()      # wait: never leave the other connection running past the block


def _nothing_written(session: Session, bind: Engine) -> bool:
    """Whether the session's transaction has written nothing (PostgreSQL: no transaction id
    yet; SQLite: sqlite3 opens its transaction at the first write) on a database that a second
    connection can read."""
    if bind.dialect.name == "postgresql":
        return bool(session.execute(text("SELECT txid_current_if_assigned() IS NULL")).scalar())
    if bind.dialect.name == "sqlite" and bind.url.database not in (None, "", ":memory:"):
        return not session.connection().connection.dbapi_connection.in_transaction
    return False
