"""End-to-end fixtures: the real production app, started once per test session and driven
by Debian's Chromium through Playwright, because only a real build shows what users see.

- `live_app` builds and serves the app with `reflex run --env prod` on a free port, on a
  fresh SQLite database in a temporary folder, and stops it after the last test.
- `e2e_seed` is the hook for test data: it runs after migrations and before the server
  starts. Extend it (or `seed_e2e_data`) when a test needs more than the default team.
- `browser`, `page` (a fresh context per test) and `screenshot` drive Chromium; a failing
  test leaves `test-artifacts/screenshots/FAILED-<test>.png`.

The app is built in its own folder, `.web-e2e`, never in `.web`: a `make run` or
`reflex run` in the same checkout keeps its build, and a file lock lets one test session at
a time use `.web-e2e`. The folder is kept between sessions, so later builds reuse its
packages. Missing Chromium or bun skips these tests (fails them when CI is set).
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
SCREENSHOTS_DIR = ARTIFACTS_DIR / "screenshots"
SERVER_LOG = ARTIFACTS_DIR / "e2e-server.log"
WEB_DIR = Path(os.environ.get("LEADHUB_E2E_WEB_DIR", REPO_ROOT / ".web-e2e")).resolve()
CHROMIUM = os.environ.get("LEADHUB_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_TIMEOUT_S = float(os.environ.get("LEADHUB_E2E_START_TIMEOUT", "600"))
LOCK_TIMEOUT_S = float(os.environ.get("LEADHUB_E2E_LOCK_TIMEOUT", "1800"))
# Settings of the developer's shell that must not leak into the test server.
_SERVER_ENV_DROPPED = ("REFLEX_REDIS_URL", "REFLEX_DB_URL", "REFLEX_ASYNC_DB_URL", "REFLEX_API_URL",
                       "REFLEX_DEPLOY_URL", "REFLEX_FRONTEND_PORT", "REFLEX_BACKEND_PORT",
                       "REFLEX_ENV_MODE", "REFLEX_FRONTEND_ONLY", "REFLEX_BACKEND_ONLY")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/e2e is an e2e test, so `-m "not e2e"` leaves them all out."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item, so `page` knows whether its test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"_e2e_report_{report.when}", report)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    startup = config.stash.get(_STARTUP_KEY, None)
    if startup is not None:
        terminalreporter.write_line(
            f"e2e: production app built and started in {startup.seconds:.1f} s on "
            f"{startup.url} (server log: {SERVER_LOG.relative_to(REPO_ROOT)})")


def prerequisite_missing(reason: str) -> None:
    """Skip on a developer machine; fail in CI, where `make test` installs everything."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------------------- test data


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    role: str
    full_name: str


@dataclass
class SeedData:
    """What `e2e_seed` put in the database, for tests to log in with and look for."""

    team_name: str
    accounts: dict[str, Account] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def admin(self) -> Account:
        return self.accounts["admin"]

    @property
    def manager(self) -> Account:
        return self.accounts["manager"]

    @property
    def rep(self) -> Account:
        return self.accounts["rep"]


def seed_e2e_data(database_url: str) -> SeedData:
    """One team with an admin, a manager and a rep, created through the services."""
    from sqlmodel import Session

    from leadhub.services import auth
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for

    seed = SeedData(team_name="E2E Ventas")
    seed.accounts["admin"] = Account("admin@e2e.example.com", "admin-pass-e2e", "admin", "Ada Admin")
    seed.accounts["manager"] = Account("manager@e2e.example.com", "manager-pass-e2e", "manager",
                                       "Marta Manager")
    seed.accounts["rep"] = Account("rep@e2e.example.com", "rep-pass-e2e", "rep", "Raúl Rep")
    engine = engine_for(database_url)
    with Session(engine, expire_on_commit=False) as session:
        admin = seed.admin
        team, admin_user = auth.sign_up(session=session, team_name=seed.team_name, email=admin.email,
                                        password=admin.password, full_name=admin.full_name,
                                        timezone="Europe/Madrid", currency="EUR")
        ctx = TeamContext(team.id, admin_user.id, "admin")
        for key in ("manager", "rep"):
            account = seed.accounts[key]
            auth.invite_member(session=session, ctx=ctx, email=account.email, role=account.role,
                               full_name=account.full_name, password=account.password)
        session.commit()
        seed.extra["team_id"] = team.id
    engine.dispose()
    return seed


def _e2e_postgres_url() -> str:
    """The PostgreSQL database the browser tests run on with LEADHUB_E2E_DATABASE=postgresql:
    the test database's name with "_e2e" added, emptied for this session."""
    from sqlalchemy.engine import make_url

    from tests.conftest import postgres_url

    base = postgres_url()
    if base is None:
        pytest.fail("LEADHUB_E2E_DATABASE=postgresql but no PostgreSQL server answers "
                    "(set LEADHUB_TEST_POSTGRES_URL or start one on 127.0.0.1:5432)")
    target = make_url(base)
    os.environ["LEADHUB_TEST_POSTGRES_URL"] = target.set(
        database=f"{target.database}_e2e").render_as_string(hide_password=False)
    try:
        url = postgres_url()
    finally:
        os.environ["LEADHUB_TEST_POSTGRES_URL"] = base
    assert url is not None
    return url


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory) -> tuple[Path, str]:
    """A fresh data folder and a migrated database for this session only: SQLite in the data
    folder, or PostgreSQL when LEADHUB_E2E_DATABASE=postgresql (`make test` runs both)."""
    from sqlalchemy import text

    from leadhub.services import migrations
    from leadhub.services.db import engine_for

    data_dir = tmp_path_factory.mktemp("e2e-data")
    if os.environ.get("LEADHUB_E2E_DATABASE", "sqlite") == "postgresql":
        url = _e2e_postgres_url()
        with engine_for(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        url = f"sqlite:///{data_dir / 'leadhub.db'}"
    migrations.upgrade(url)
    engine_for(url).dispose()
    return data_dir, url


@pytest.fixture(scope="session")
def e2e_seed(e2e_database) -> SeedData:
    """The hook for test data: runs before the server starts."""
    _, url = e2e_database
    return seed_e2e_data(url)


# ------------------------------------------------------------------------- the live app


@dataclass(frozen=True)
class LiveApp:
    url: str
    port: int
    database_url: str
    data_dir: Path
    seed: SeedData


@dataclass(frozen=True)
class _Startup:
    url: str
    seconds: float


_STARTUP_KEY = pytest.StashKey[_Startup]()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """GET without any proxy from the environment: the app is on 127.0.0.1."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as response:
        return response.status, response.read()


def _find_bun() -> Path | None:
    local = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "bun"
    if os.access(local, os.X_OK):
        return local
    found = shutil.which("bun")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def _web_dir_lock() -> Iterator[None]:
    """Hold .web-e2e for the whole session: another session's build would replace the files
    this one serves."""
    digest = hashlib.sha256(str(WEB_DIR).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"leadhub-e2e-{digest}.lock"
    with open(lock_path, "w") as lock_file:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another test session has held {WEB_DIR} for "
                                f"{LOCK_TIMEOUT_S:.0f} s (lock {lock_path})", pytrace=False)
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _server_env(*, port: int, data_dir: Path, database_url: str, bun: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("LEADHUB_") and key not in _SERVER_ENV_DROPPED}
    env.update({
        "LEADHUB_DATA_DIR": str(data_dir),
        "LEADHUB_DATABASE_URL": database_url,
        "LEADHUB_SECRET_KEY": "e2e-secret-key-not-for-production",
        "LEADHUB_APP_URL": f"http://127.0.0.1:{port}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_WEB_WORKDIR": str(WEB_DIR),
        "REFLEX_STATES_WORKDIR": str(data_dir / "states"),
        "REFLEX_UPLOADED_FILES_DIR": str(data_dir / "uploads"),
        # Oversized state is an error here, not a log line nobody reads.
        "REFLEX_PERF_MODE": env.get("REFLEX_PERF_MODE", "raise"),
        "PATH": os.pathsep.join([str(bun.parent), str(Path(sys.executable).parent),
                                 env.get("PATH", "")]),
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _stop(process: subprocess.Popen) -> None:
    """Stop the server's whole process group (the Reflex CLI and its granian workers)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    process.wait(timeout=5)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _log_tail(lines: int = 60) -> str:
    try:
        return "\n".join(SERVER_LOG.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


@pytest.fixture(scope="session")
def live_app(request, _web_dir_lock, e2e_database, e2e_seed) -> Iterator[LiveApp]:
    """The production build serving on 127.0.0.1 on a free port, once per session."""
    bun = _find_bun()
    if bun is None:
        prerequisite_missing("bun not found: run `make test` (or scripts/bootstrap.sh), which "
                             "installs it into .tools")
    data_dir, database_url = e2e_database
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in SCREENSHOTS_DIR.glob("FAILED-*.png"):
        stale.unlink()
    command = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
               "--frontend-port", str(port), "--backend-port", str(port),
               "--backend-host", "127.0.0.1"]
    started = time.monotonic()
    with open(SERVER_LOG, "wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=_server_env(port=port, data_dir=data_dir, database_url=database_url, bun=bun),
            start_new_session=True)
    # The server has its own process group, so a CI job killing pytest's group misses it:
    # turn SIGTERM into an interrupt, which runs the teardown below; atexit is a last resort.
    previous_sigterm = signal.getsignal(signal.SIGTERM)
    if previous_sigterm is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    atexit.register(_stop, process)
    try:
        deadline = started + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"the app exited with {process.returncode} before answering /ping; "
                            f"last lines of {SERVER_LOG}:\n{_log_tail()}", pytrace=False)
            try:
                if _http_get(f"{url}/ping")[0] == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not answer {url}/ping within {START_TIMEOUT_S:.0f} s; "
                            f"last lines of {SERVER_LOG}:\n{_log_tail()}", pytrace=False)
            time.sleep(0.25)
        request.config.stash[_STARTUP_KEY] = _Startup(url, time.monotonic() - started)
        yield LiveApp(url=url, port=port, database_url=database_url, data_dir=data_dir,
                      seed=e2e_seed)
    finally:
        _stop(process)
        atexit.unregister(_stop)
        if previous_sigterm is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


# ----------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; Playwright never downloads a browser here."""
    if not os.access(CHROMIUM, os.X_OK):
        prerequisite_missing(f"{CHROMIUM} not found: `make test` installs Debian's chromium "
                             "(or set LEADHUB_E2E_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        prerequisite_missing("playwright is not installed: pip install -e '.[test]'")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "screenshot"


@pytest.fixture
def page(request, browser, live_app):
    """A page in a fresh browser context (no cookies or storage from other tests), with
    relative URLs resolved against the live app."""
    context = browser.new_context(base_url=live_app.url, viewport={"width": 1280, "height": 800},
                                  locale="en-US", timezone_id="Europe/Madrid")
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    yield new_page
    report = getattr(request.node, "_e2e_report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
        try:
            new_page.screenshot(path=SCREENSHOTS_DIR / f"FAILED-{_safe_name(request.node.name)}.png",
                                full_page=True)
        except Exception:  # noqa: BLE001 - a screenshot must never hide the real failure
            pass
    context.close()


@pytest.fixture
def screenshot(page) -> Callable[..., Path]:
    """`screenshot("login")` saves test-artifacts/screenshots/login.png and returns its path."""

    def save(name: str, target=None, *, full_page: bool = True) -> Path:
        SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS_DIR / f"{_safe_name(name)}.png"
        (target or page).screenshot(path=path, full_page=full_page)
        return path

    return save
