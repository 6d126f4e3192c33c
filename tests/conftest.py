"""Shared fixtures: a real database per test, on SQLite and (when a server answers) PostgreSQL.

PostgreSQL runs when LEADHUB_TEST_POSTGRES_URL is set or a server answers on
127.0.0.1:5432; otherwise those tests are skipped with a reason that says so.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, create_engine

from leadhub.config import normalise_database_url
from leadhub.services import all_models, migrations  # noqa: F401
from leadhub.services.db import engine_for

# Real argon2, with cheap parameters: the suite creates hundreds of users, and hashing with
# production cost (~0.1 s each) would dominate its run time.
from pwdlib import PasswordHash  # noqa: E402
from pwdlib.hashers.argon2 import Argon2Hasher  # noqa: E402

from leadhub.services import auth as _auth  # noqa: E402

_auth._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))

DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_TEST_DB = "leadhub_test"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def postgres_url() -> str | None:
    """The PostgreSQL URL tests use (its database created if missing), or None when no
    server is available. Parallel runs can each set their own LEADHUB_TEST_POSTGRES_URL."""
    url = os.environ.get("LEADHUB_TEST_POSTGRES_URL")
    url = normalise_database_url(url) if url else None
    if url is None:
        if not _port_open("127.0.0.1", 5432):
            return None
        url = str(make_url(normalise_database_url(DEFAULT_PG_ADMIN_URL)).set(database=PG_TEST_DB)
                  .render_as_string(hide_password=False))
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": target.database}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    except Exception:  # noqa: BLE001 - any failure means "no usable server"
        return None
    finally:
        admin.dispose()
    return url


_PG_URL: str | None = None
_PG_CHECKED = False


def _pg() -> str | None:
    global _PG_URL, _PG_CHECKED
    if not _PG_CHECKED:
        _PG_URL, _PG_CHECKED = postgres_url(), True
    return _PG_URL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    migrations.upgrade(url)
    engine_for(url).dispose()  # closing the last connection folds the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str | None:
    url = _pg()
    if url is None:
        return None
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrations.upgrade(url)
    return url


def _truncate_postgres(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine_for(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "leadhub.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_migrated")
    if url is None:
        pytest.skip("PostgreSQL not available: set LEADHUB_TEST_POSTGRES_URL or run a server "
                    "on 127.0.0.1:5432 to run the PostgreSQL variant")
    _truncate_postgres(url)
    return url


@pytest.fixture
def engine(database_url):
    return engine_for(database_url)


@pytest.fixture
def session(engine):
    """A session for arranging and checking data; tests commit what they arrange."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


class TeamFixture:
    """A team with an admin, a manager and two reps, and their TeamContexts."""

    def __init__(self, session: Session, name: str, timezone: str = "Europe/Madrid"):
        from leadhub.services import auth
        from leadhub.services.context import TeamContext

        slug = name.lower().replace(" ", "")
        self.team, self.admin = auth.sign_up(
            session=session, team_name=name, email=f"admin@{slug}.com",
            password="admin-pass-1", full_name=f"{name} Admin", timezone=timezone, currency="EUR")
        self.manager, _ = auth.invite_member(session=session, ctx=self.admin_ctx,
                                             email=f"manager@{slug}.com", role="manager",
                                             password="manager-pass-1", full_name="Marta Manager")
        self.rep, _ = auth.invite_member(session=session, ctx=self.admin_ctx,
                                         email=f"rep@{slug}.com", role="rep",
                                         password="rep-pass-1", full_name="Raúl Rep")
        self.rep2, _ = auth.invite_member(session=session, ctx=self.admin_ctx,
                                          email=f"rep2@{slug}.com", role="rep",
                                          password="rep-pass-2", full_name="Rosa Rep")
        session.commit()
        self.manager_ctx = TeamContext(self.team.id, self.manager.id, "manager")
        self.rep_ctx = TeamContext(self.team.id, self.rep.id, "rep")
        self.rep2_ctx = TeamContext(self.team.id, self.rep2.id, "rep")

    @property
    def admin_ctx(self):
        from leadhub.services.context import TeamContext
        return TeamContext(self.team.id, self.admin.id, "admin")


@pytest.fixture
def team_a(session) -> TeamFixture:
    return TeamFixture(session, "Acme Ventas")


@pytest.fixture
def team_b(session) -> TeamFixture:
    return TeamFixture(session, "Beta Corp", timezone="America/Mexico_City")


def pytest_collection_modifyitems(items):
    """Browser tests last: they are the slowest, and Playwright's session-wide browser keeps an
    event loop running in the main thread, which tests that call asyncio.run() cannot share."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path).replace("\\", "/"))
