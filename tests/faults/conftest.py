"""Fault tests run real processes against servers of their own, never the shared ones.

- `own_redis`: a throw-away `redis-server` on a free port (no persistence), which a test may
  stop and start again on the same port.
- `own_postgres`: a throw-away PostgreSQL cluster (initdb into a temporary folder owned by the
  `postgres` OS user, since PostgreSQL refuses to run as root), started with pg_ctl on a free
  port, migrated once per session; tests may restart it.
- `start_worker` / `serve_api`: `leadhub worker` and the HTTP routes under granian as
  separate processes with the given environment; all are stopped after the test.

Missing binaries (redis-server, /usr/lib/postgresql/*/bin) skip with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(interval)


# --- Redis ---------------------------------------------------------------------------------

@dataclass
class OwnRedis:
    port: int
    folder: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=open(self.folder / "redis.log", "ab"), stderr=subprocess.STDOUT)
        wait_until(lambda: port_open(self.port), 10, message="redis-server to listen")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def own_redis(tmp_path) -> OwnRedis:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: the Redis fault tests need their own server")
    server = OwnRedis(port=free_port(), folder=tmp_path).start()
    yield server
    server.stop()


# --- PostgreSQL ----------------------------------------------------------------------------

def _as_postgres(*command: str) -> list[str]:
    """PostgreSQL will not run as root: run its tools as the `postgres` OS user."""
    if os.geteuid() != 0:
        return list(command)
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class OwnPostgres:
    bin_dir: Path
    folder: Path
    port: int
    database: str = "leadhub_faults"
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.folder / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def _ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(_as_postgres(str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"),
                                           *args), capture_output=True, text=True, check=check,
                              timeout=120)

    def init(self) -> None:
        subprocess.run(_as_postgres(str(self.bin_dir / "initdb"), "-D", str(self.folder / "data"),
                                    "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"),
                       capture_output=True, text=True, check=True, timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
                   "-c fsync=off -c full_page_writes=off -c max_connections=200")
        self._ctl("-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()


@pytest.fixture(scope="session")
def own_postgres() -> OwnPostgres:
    if not PG_BIN_DIRS or not (PG_BIN_DIRS[0] / "initdb").exists():
        pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb, pg_ctl) are "
                    "not installed: the PostgreSQL fault tests need a server of their own")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as `postgres`")
    folder = Path(tempfile.mkdtemp(prefix="leadhub-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = OwnPostgres(bin_dir=PG_BIN_DIRS[0], folder=folder, port=free_port())
    try:
        server.init()
        server.start()
        subprocess.run(_as_postgres(str(server.bin_dir / "createdb"), "-h", "127.0.0.1", "-p",
                                    str(server.port), "-U", "postgres", server.database),
                       check=True, capture_output=True, timeout=60)
        from leadhub.services import migrations
        from leadhub.services.db import engine_for
        migrations.upgrade(server.url)
        engine_for(server.url).dispose()
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def empty_database(url: str) -> None:
    """Every table emptied (the schema stays): each test starts from nothing."""
    from sqlalchemy import text
    from sqlmodel import SQLModel

    from leadhub.services import all_models  # noqa: F401
    from leadhub.services.db import engine_for
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine_for(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


# --- processes -----------------------------------------------------------------------------

def process_env(*, database_url: str, data_dir: Path, redis_url: str | None = None,
                **extra: str) -> dict[str, str]:
    """The environment of an app or worker process: only LeadHub settings of this test."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LEADHUB_", "REFLEX_", "GRANIAN_"))}
    from leadhub.config import get_settings
    # The test process's key: secrets it stores (chat tokens) must decrypt in the workers.
    env.update(LEADHUB_DATABASE_URL=database_url, LEADHUB_DATA_DIR=str(data_dir),
               LEADHUB_SECRET_KEY=get_settings().secret_key,
               PYTHONPATH=str(REPO_ROOT), PYTHONUNBUFFERED="1")
    if redis_url:
        env["LEADHUB_REDIS_URL"] = redis_url
    env.update(extra)
    return env


@dataclass
class Started:
    process: subprocess.Popen
    log: Path
    port: int | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40) -> int:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        return self.process.returncode

    def kill9(self) -> None:
        """SIGKILL to the whole process group: no handler, no clean-up, like a lost machine."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def get(self, path: str, timeout: float = 10) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")


class Processes:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[Started] = []

    def _popen(self, name: str, command: list[str], env: dict[str, str], port=None) -> Started:
        log = self.folder / f"{name}-{len(self.started)}.log"
        process = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=open(log, "wb"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
        started = Started(process, log, port)
        self.started.append(started)
        return started

    def worker(self, env: dict[str, str], *, threads: int = 1, name: str = "worker",
               extra: tuple[str, ...] = ()) -> Started:
        return self._popen(name, [sys.executable, "-m", "leadhub.cli", "worker", "--workers",
                                  str(threads), *extra], env)

    def api(self, env: dict[str, str], *, workers: int = 1) -> Started:
        """LeadHub's HTTP routes (leadhub.api:api) under granian, the server Reflex's prod mode
        uses, on a free port; returns once it answers."""
        port = free_port()
        started = self._popen("api", [sys.executable, "-m", "granian", "--interface", "asgi",
                                      "--host", "127.0.0.1", "--port", str(port), "--workers",
                                      str(workers), "--log-level", "warning", "--no-ws",
                                      "leadhub.api:api"], env, port)
        try:
            wait_until(lambda: port_open(port) or started.process.poll() is not None, 60,
                       message="the API server to listen")
        except AssertionError:
            raise AssertionError(f"API server did not start:\n{started.output()[-3000:]}") from None
        assert started.process.poll() is None, started.output()[-3000:]
        return started

    def stop_all(self) -> None:
        for started in reversed(self.started):
            started.stop(signal.SIGTERM, timeout=15)


@pytest.fixture
def processes(tmp_path) -> Processes:
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()
