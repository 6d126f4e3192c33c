"""`make prod` end to end (scripts/prod.sh, unchanged): our own PostgreSQL and Redis, two app
workers sharing Reflex state in Redis, two background workers, the built frontend. A rep works
in a real browser; Redis is restarted (its state is gone); the rep carries on signed in and
nothing written before or after is lost.

The build goes to `.web-faults` (kept between runs, one test session at a time)."""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from leadhub.services import auth
from leadhub.services.context import TeamContext
from leadhub.services.db import engine_for
from tests.faults.conftest import REPO_ROOT, empty_database, free_port, process_env, wait_until

pytestmark = pytest.mark.e2e  # a browser and a production build: left out by -m "not e2e"

BUN = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "bun"
CHROMIUM = os.environ.get("LEADHUB_E2E_CHROMIUM", "/usr/bin/chromium")
WEB_DIR = REPO_ROOT / ".web-faults"
REP = ("rep@reinicio.es", "rep-reinicio-1", "Raquel Rep")


@pytest.fixture
def web_dir_lock():
    with open(Path(tempfile.gettempdir()) / "leadhub-web-faults.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _app_processes(port: int) -> list[int]:
    """The Reflex CLI and its granian workers serving `port` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "reflex run" in cmdline and f"--backend-port {port}" in cmdline:
                found.append(int(entry.name))
    return found


def _sign_in(page, url):
    page.goto(f"{url}/login")
    page.fill("#email", REP[0])
    page.fill("#password", REP[1])
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/leads$"), timeout=60_000)


def _create_lead(page, last_name: str) -> None:
    from playwright.sync_api import expect
    page.click("#new-lead")
    page.fill("#first_name", "Begoña")
    page.fill("#last_name", last_name)
    page.fill("#email", f"{last_name.lower()}@empresa.es")
    page.click("#lead-save")
    expect(page.locator("#lead-form")).to_have_count(0, timeout=30_000)


def test_make_prod_serves_two_app_workers_and_users_carry_on_after_a_redis_restart(
        tmp_path, own_postgres, own_redis, processes, web_dir_lock):
    if not os.access(BUN, os.X_OK):
        pytest.skip("bun is not installed in .tools (scripts/bootstrap.sh installs it)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} not found: the browser part needs Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

    empty_database(own_postgres.url)
    engine = engine_for(own_postgres.url)
    with Session(engine) as session:
        team, admin = auth.sign_up(session=session, team_name="Reinicio Ventas", email="admin@reinicio.es",
                                   password="admin-reinicio-1", timezone="Europe/Madrid", currency="EUR")
        auth.invite_member(session=session, ctx=TeamContext(team.id, admin.id, "admin"), email=REP[0],
                           role="rep", full_name=REP[2], password=REP[1])
        session.commit()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = process_env(database_url=own_postgres.url, data_dir=tmp_path / "data", redis_url=own_redis.url,
                      LEADHUB_PORT=str(port), LEADHUB_APP_WORKERS="2", LEADHUB_WORKERS="2",
                      LEADHUB_WORKER_THREADS="1", REFLEX_WEB_WORKDIR=str(WEB_DIR),
                      REFLEX_STATES_WORKDIR=str(tmp_path / "states"))
    prod = processes._popen("prod", ["bash", "scripts/prod.sh"], env, port)
    try:
        wait_until(lambda: prod.process.poll() is not None or (
            _get_ok(prod, "/api/health") and prod.get("/api/health/workers")[1].get("live") == 2),
            900, interval=2.0, message="make prod to build and start")
    except AssertionError:
        raise AssertionError(f"make prod did not come up:\n{prod.output()[-4000:]}") from None
    assert prod.process.poll() is None, prod.output()[-4000:]
    assert len(_app_processes(port)) >= 3, "the Reflex CLI and two granian workers"
    assert "migrating the database once" in prod.output()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        _sign_in(page, url)
        _create_lead(page, "Antes")
        sync_api.expect(page.locator(".lead-row", has_text="Antes")).to_have_count(1)

        own_redis.restart()                                     # Reflex state, queue: all gone
        wait_until(lambda: _get_ok(prod, "/api/health"), 30, message="health after the restart")

        # Reflex's state for this tab was in Redis and is gone. Loading the page again (what a
        # user does when a click does nothing) finds the rep still signed in: the session lives
        # in the database, the cookie in the browser. Then the rep carries on.
        page.reload()
        sync_api.expect(page.locator("#user-name")).to_have_text(REP[2], timeout=30_000)
        _create_lead(page, "Despues")
        page.fill("#lead-search", "empresa.es")
        sync_api.expect(page.locator(".lead-row")).to_have_count(2, timeout=30_000)
        page.screenshot(path=str(REPO_ROOT / "test-artifacts" / "faults-after-redis-restart.png"))
        browser.close()

    with engine.connect() as conn:
        names = conn.execute(text("SELECT last_name FROM lead ORDER BY id")).scalars().all()
    assert names == ["Antes", "Despues"]
    assert prod.stop() == 0, prod.output()[-3000:]
    assert "stopping: workers finish the tasks in progress" in prod.output()
    assert _app_processes(port) == []


def _get_ok(started, path: str) -> bool:
    try:
        return started.get(path, timeout=5)[0] == 200
    except OSError:
        return False
