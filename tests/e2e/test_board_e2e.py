"""The status board in a real browser: drag a card to another column and within a column,
reload and find it there, move from the keyboard, see a teammate's move arrive live, and
drop on Converted to get the conversion dialog."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e

LIVE_WITHIN_MS = 2000


def add_leads(live_app, *names: str, status: str = "New") -> list[int]:
    """Leads made through the service, straight into the app's database, in this order
    (so the last one tops its column)."""
    from sqlmodel import Session

    from leadhub.services import auth, leads
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for

    engine = engine_for(live_app.database_url)
    with Session(engine, expire_on_commit=False) as session:
        rep = auth.find_user(session=session, email=live_app.seed.rep.email)
        ctx = TeamContext(live_app.seed.extra["team_id"], rep.id, "rep")
        ids = [leads.create_lead(session=session, ctx=ctx,
                                 data={"last_name": name, "status": status, "company": "Board SL",
                                       "rating": "Hot" if name.endswith("Hot") else "Warm"}).id
               for name in names]
        session.commit()
    return ids


def card(page, lead_id: int, status: str | None = None):
    column = f'.board-column[data-status="{status}"] ' if status else ""
    return page.locator(f'{column}.board-card[data-lead-id="{lead_id}"]')


def column_order(page, status: str, ids: list[int]) -> list[int]:
    shown = page.locator(f'.board-column[data-status="{status}"] .board-card').evaluate_all(
        "cards => cards.map(c => Number(c.dataset.leadId))")
    return [i for i in shown if i in ids]


def open_board(page, live_app, account=None):
    sign_in(page, account or live_app.seed.rep)
    page.goto("/board")
    page.wait_for_selector("#board")


def drop_on_column(page, source, status: str):
    target = page.locator(f'.board-column[data-status="{status}"]')
    box = target.bounding_box()
    source.drag_to(target, target_position={"x": box["width"] / 2, "y": box["height"] - 12})


def test_drag_to_another_column_and_within_it_survives_a_reload(page, live_app, screenshot):
    from playwright.sync_api import expect

    first, second, mover = add_leads(live_app, "Arrastre Uno", "Arrastre Dos", "Arrastre Hot")
    open_board(page, live_app)
    expect(card(page, mover, "New")).to_be_visible()
    expect(card(page, mover)).to_contain_text("Hot")
    screenshot("board-loaded")

    drop_on_column(page, card(page, mover), "Qualified")
    expect(card(page, mover, "Qualified")).to_be_visible()
    expect(card(page, mover, "New")).to_have_count(0)

    # within a column: the lower card goes above the upper one
    assert column_order(page, "New", [first, second]) == [second, first]
    card(page, first).drag_to(card(page, second), target_position={"x": 30, "y": 4})
    deadline = time.monotonic() + 5
    while column_order(page, "New", [first, second]) != [first, second]:
        assert time.monotonic() < deadline, "the reorder did not show"
        page.wait_for_timeout(100)
    screenshot("board-after-drags")

    page.reload()
    page.wait_for_selector("#board")
    expect(card(page, mover, "Qualified")).to_be_visible()
    assert column_order(page, "New", [first, second]) == [first, second]


def test_a_card_moves_from_the_keyboard(page, live_app, screenshot):
    from playwright.sync_api import expect

    (lead,) = add_leads(live_app, "Teclado Uno")
    open_board(page, live_app)
    menu = card(page, lead, "New").locator(".board-move-menu")
    menu.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="Contacted")).to_be_visible()
    screenshot("board-move-menu")
    expect(page.get_by_role("menuitem", name="Contacted")).to_be_focused()  # the first one
    page.keyboard.press("Enter")
    expect(card(page, lead, "Contacted")).to_be_visible()
    expect(page.locator("#board-announcer")).to_contain_text("moved to Contacted")


def test_a_teammates_move_appears_live(browser, live_app, page, screenshot):
    from playwright.sync_api import expect

    (lead,) = add_leads(live_app, "En Vivo")
    open_board(page, live_app, live_app.seed.manager)
    expect(card(page, lead, "New")).to_be_visible()

    other = browser.new_context(base_url=live_app.url, viewport={"width": 1280, "height": 800})
    try:
        teammate = other.new_page()
        open_board(teammate, live_app, live_app.seed.rep)
        drop_on_column(teammate, card(teammate, lead, "New"), "Unqualified")
        expect(card(teammate, lead, "Unqualified")).to_be_visible()
        moved_at = time.monotonic()
        expect(card(page, lead, "Unqualified")).to_be_visible(timeout=LIVE_WITHIN_MS)
        seen_after = time.monotonic() - moved_at
        screenshot("board-live-update")
        assert seen_after < LIVE_WITHIN_MS / 1000
    finally:
        other.close()


def test_dropping_on_converted_converts_only_when_confirmed(page, live_app, screenshot):
    from playwright.sync_api import expect

    (lead,) = add_leads(live_app, "Convertible", status="Qualified")
    open_board(page, live_app)
    drop_on_column(page, card(page, lead, "Qualified"), "Converted")
    dialog = page.locator("#convert-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Convertible")
    screenshot("board-conversion-dialog", full_page=False)
    page.click("#convert-cancel")
    expect(dialog).to_have_count(0)
    expect(card(page, lead, "Qualified")).to_be_visible()
    expect(card(page, lead, "Converted")).to_have_count(0)

    drop_on_column(page, card(page, lead, "Qualified"), "Converted")
    expect(dialog).to_be_visible()
    page.click("#convert-submit")
    page.click("#convert-done")
    expect(card(page, lead, "Converted")).to_be_visible()

    # out of Converted is refused with a reason, and the card stays
    drop_on_column(page, card(page, lead, "Converted"), "New")
    expect(page.get_by_text("cannot be moved out of Converted")).to_be_visible()
    expect(card(page, lead, "Converted")).to_be_visible()
    expect(card(page, lead, "New")).to_have_count(0)


def test_clicking_a_card_opens_the_lead(page, live_app):
    from playwright.sync_api import expect

    (lead,) = add_leads(live_app, "Abrible")
    open_board(page, live_app)
    card(page, lead, "New").get_by_role("button", name="Abrible").click()
    page.wait_for_url(re.compile(rf".*/leads/{lead}$"))
    expect(page.get_by_text("Abrible").first).to_be_visible()


def test_a_stale_move_is_refused_and_the_card_shows_where_it_is(page, live_app, monkeypatch):
    """A change the browser has not seen (here made straight in the database, so no live
    push) makes the move stale: the rep is told and the board catches up."""
    from playwright.sync_api import expect

    from leadhub.services import live

    (lead,) = add_leads(live_app, "Disputado")
    open_board(page, live_app)
    expect(card(page, lead, "New")).to_be_visible()
    monkeypatch.setattr(live, "_local_pusher", lambda team_id, version: None)  # tells no board
    _move_unannounced(live_app, lead)
    drop_on_column(page, card(page, lead, "New"), "Qualified")
    expect(page.get_by_text("A teammate changed this lead first")).to_be_visible()
    expect(card(page, lead, "Contacted")).to_be_visible()
    expect(card(page, lead, "Qualified")).to_have_count(0)


def _move_unannounced(live_app, lead):
    from sqlmodel import Session

    from leadhub.services import board
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    from leadhub.services.models import Lead

    with Session(engine_for(live_app.database_url)) as session:
        row = session.get(Lead, lead)
        ctx = TeamContext(row.team_id, row.owner_id, "rep")
        board.move(session=session, ctx=ctx, lead_id=lead, to_status="Contacted",
                   expected_version=row.version)
        session.commit()


def test_a_drag_in_progress_survives_a_live_update(browser, live_app, page):
    from playwright.sync_api import expect

    dragged, other_lead = add_leads(live_app, "Sostenido", "Intruso")
    open_board(page, live_app)
    source = card(page, dragged, "New").bounding_box()
    page.mouse.move(source["x"] + 40, source["y"] + 20)
    page.mouse.down()
    page.mouse.move(source["x"] + 60, source["y"] + 40, steps=5)

    other = browser.new_context(base_url=live_app.url, viewport={"width": 1280, "height": 800})
    try:
        teammate = other.new_page()
        open_board(teammate, live_app, live_app.seed.manager)
        teammate_card = card(teammate, other_lead, "New")
        teammate_card.locator(".board-move-menu").click()
        teammate.get_by_role("menuitem", name="Contacted").click()
        expect(card(teammate, other_lead, "Contacted")).to_be_visible()
    finally:
        other.close()

    expect(card(page, other_lead, "Contacted")).to_be_visible(timeout=LIVE_WITHIN_MS)
    target = page.locator('.board-column[data-status="Qualified"]').bounding_box()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] - 12,
                    steps=10)
    page.mouse.up()
    expect(card(page, dragged, "Qualified")).to_be_visible()


def test_a_lead_added_in_the_leads_list_appears_on_open_boards(browser, live_app, page):
    from playwright.sync_api import expect

    open_board(page, live_app)
    other = browser.new_context(base_url=live_app.url, viewport={"width": 1280, "height": 800})
    try:
        teammate = other.new_page()
        sign_in(teammate, live_app.seed.manager)
        teammate.click("#new-lead")
        teammate.fill("#last_name", "Recién Llegado")
        teammate.click("#lead-save")
        expect(teammate.locator("#lead-form")).to_have_count(0)
    finally:
        other.close()
    new_card = page.locator('.board-column[data-status="New"] .board-card',
                            has_text="Recién Llegado")
    expect(new_card).to_be_visible(timeout=LIVE_WITHIN_MS)


def test_a_long_column_loads_more_as_it_scrolls(page, live_app, screenshot):
    from playwright.sync_api import expect

    add_leads(live_app, *[f"Largo {i:03d}" for i in range(130)], status="Unqualified")
    open_board(page, live_app)
    column = page.locator('.board-column[data-status="Unqualified"]')
    cards = column.locator(".board-card")
    expect(column.locator(".board-count")).to_have_text(re.compile(r"^1[3-9]\d$"))
    expect(cards).to_have_count(50)
    scroller = column.locator(".board-column-scroll")
    scroller.evaluate("el => el.scrollTop = el.scrollHeight")
    expect(cards).to_have_count(100)
    screenshot("board-long-column", full_page=False)  # a full-page shot resizes the viewport
    scroller.evaluate("el => el.scrollTop = el.scrollHeight")
    # the window slides: the first page gives way to the next one
    expect(column.get_by_role("button", name="Show earlier cards")).to_be_visible()
    expect(column.locator(".board-card", has_text="Largo 129")).to_have_count(0)
    assert cards.count() <= 100
    column.get_by_role("button", name="Show earlier cards").click()
    expect(column.locator(".board-card", has_text="Largo 129")).to_have_count(1)


# --- changes made outside the app's process ---------------------------------------------------

def cli_env(live_app, **extra: str) -> dict[str, str]:
    """The environment the app runs with, as an operator's shell on the same machine has it."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADHUB_")}
    env.update({"LEADHUB_DATA_DIR": str(live_app.data_dir),
                "LEADHUB_DATABASE_URL": live_app.database_url,
                "LEADHUB_SECRET_KEY": "e2e-secret-key-not-for-production",
                "LEADHUB_APP_URL": live_app.url, **extra})
    return env


def import_by_cli(live_app, tmp_path, rows: str, **extra_env: str) -> float:
    """`leadhub import` in a process of its own; returns when it ended (time.monotonic)."""
    import subprocess
    import sys

    csv_path = tmp_path / "cli-leads.csv"
    csv_path.write_text("Last name,Company\n" + rows, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "leadhub.cli", "import", str(csv_path),
         "--team", str(live_app.seed.extra["team_id"])],
        env=cli_env(live_app, **extra_env), capture_output=True, text=True, timeout=120)
    ended = time.monotonic()
    assert done.returncode == 0, done.stderr + done.stdout
    assert "1 created" in done.stdout, done.stdout
    return ended


def test_leads_imported_from_the_cli_appear_on_open_boards(page, live_app, tmp_path, screenshot):
    from playwright.sync_api import expect

    open_board(page, live_app)
    ended = import_by_cli(live_app, tmp_path, "Desde Consola,Terminal SL\n")
    imported = page.locator('.board-column[data-status="New"] .board-card',
                            has_text="Desde Consola")
    expect(imported).to_be_visible(timeout=LIVE_WITHIN_MS)
    seen_after = time.monotonic() - ended
    screenshot("board-cli-import-live")
    assert seen_after < LIVE_WITHIN_MS / 1000


# --- two app workers on Redis -----------------------------------------------------------------

REDIS_DB = "12"  # this test's own Redis database (flushed before use)


def _redis_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_workers(live_app, tmp_path):
    """Two more app backends of the same build, each its own process on a port of its own,
    sharing Redis (state, and the team signal channel) and the live app's database."""
    import subprocess
    import sys
    import urllib.error

    import redis

    from tests.e2e.conftest import (
        REPO_ROOT,
        _find_bun,
        _free_port,
        _http_get,
        _server_env,
        _stop,
    )

    if not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    workers, logs = [], []
    try:
        for name in ("a", "b"):
            port = _free_port()
            env = _server_env(port=port, data_dir=live_app.data_dir,
                              database_url=live_app.database_url, bun=_find_bun())
            env.update({"LEADHUB_REDIS_URL": redis_url, "GRANIAN_WORKERS": "1",
                        "LEADHUB_CORS_ORIGINS": live_app.url,
                        "REFLEX_WEB_WORKDIR": str(tmp_path / f"web-{name}"),
                        "REFLEX_STATES_WORKDIR": str(tmp_path / f"states-{name}")})
            log = open(tmp_path / f"worker-{name}.log", "wb")
            logs.append(log)
            process = subprocess.Popen(
                [sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-only",
                 "--backend-port", str(port), "--backend-host", "127.0.0.1"],
                cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
            workers.append((port, process, tmp_path / f"worker-{name}.log"))
        deadline = time.monotonic() + 300
        for port, process, log_path in workers:
            while True:
                assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
                try:
                    if _http_get(f"http://127.0.0.1:{port}/ping")[0] == 200:
                        break
                except (urllib.error.URLError, OSError):
                    pass
                assert time.monotonic() < deadline, "a Redis app worker did not start"
                time.sleep(0.5)
        yield redis_url, [port for port, _, _ in workers]
    finally:
        for _, process, _ in workers:
            _stop(process)
        for log in logs:
            log.close()


def on_worker(browser, live_app, port: int):
    """A browser context whose pages load the app's build but talk to the backend on `port`
    (the build names its backend's address in one small module, rewritten on the way in)."""
    context = browser.new_context(base_url=live_app.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)

    def rewrite(route):
        response = route.fetch()
        body = response.text().replace(f"localhost:{live_app.port}", f"localhost:{port}")
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() not in ("content-encoding", "content-length", "etag")}
        route.fulfill(status=response.status, headers=headers, body=body)

    context.route("**/assets/reflex-env-*.js", rewrite)
    return context


def test_two_app_workers_on_redis_show_each_others_moves_live(browser, live_app, redis_workers,
                                                              tmp_path, screenshot):
    from playwright.sync_api import expect

    redis_url, (port_a, port_b) = redis_workers
    (lead,) = add_leads(live_app, "Entre Procesos")
    contexts = [on_worker(browser, live_app, port) for port in (port_a, port_b)]
    try:
        watcher, mover = (c.new_page() for c in contexts)
        connected = {}
        for p, port in ((watcher, port_a), (mover, port_b)):
            p.on("websocket", lambda ws, p=p: connected.setdefault(id(p), ws.url))
        open_board(watcher, live_app, live_app.seed.manager)
        open_board(mover, live_app, live_app.seed.rep)
        assert f":{port_a}/" in connected[id(watcher)] and f":{port_b}/" in connected[id(mover)]
        expect(card(watcher, lead, "New")).to_be_visible()

        mover_card = card(mover, lead, "New")
        mover_card.locator(".board-move-menu").click()
        mover.get_by_role("menuitem", name="Qualified", exact=True).click()
        expect(card(mover, lead, "Qualified")).to_be_visible()
        moved_at = time.monotonic()
        expect(card(watcher, lead, "Qualified")).to_be_visible(timeout=LIVE_WITHIN_MS)
        assert time.monotonic() - moved_at < LIVE_WITHIN_MS / 1000
        screenshot("board-two-workers-move", watcher)

        # a process outside the app (the CLI) announces on Redis: both workers' boards see it
        ended = import_by_cli(live_app, tmp_path, "Vía Redis,Canal SL\n",
                              LEADHUB_REDIS_URL=redis_url)
        for p in (watcher, mover):
            expect(p.locator('.board-column[data-status="New"] .board-card',
                             has_text="Vía Redis")).to_be_visible(timeout=LIVE_WITHIN_MS)
        assert time.monotonic() - ended < LIVE_WITHIN_MS / 1000
    finally:
        for context in contexts:
            context.close()


# --- touch ------------------------------------------------------------------------------------

def test_on_a_touch_screen_a_card_moves_by_tapping_its_menu(browser, live_app, screenshot):
    """Chromium's touch emulation starts no native drag from a touch (pragmatic drag and drop
    is native drag and drop), so a phone's way is the card's "Move to…" menu, by taps."""
    from playwright.sync_api import expect

    (lead,) = add_leads(live_app, "Táctil Uno")
    context = browser.new_context(base_url=live_app.url, viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="en-US", timezone_id="Europe/Madrid")
    context.set_default_timeout(15_000)
    try:
        phone = context.new_page()
        open_board(phone, live_app)
        mine = card(phone, lead, "New")
        mine.scroll_into_view_if_needed()
        expect(mine).to_be_visible()
        screenshot("board-touch-loaded", phone, full_page=False)
        mine.locator(".board-move-menu").tap()
        choice = phone.get_by_role("menuitem", name="Qualified", exact=True)
        expect(choice).to_be_visible()
        screenshot("board-touch-menu", phone, full_page=False)
        choice.tap()
        moved = card(phone, lead, "Qualified")
        expect(moved).to_be_visible()
        expect(card(phone, lead, "New")).to_have_count(0)
        moved.scroll_into_view_if_needed()
        screenshot("board-touch-moved", phone, full_page=False)
    finally:
        context.close()


# --- a saved segment as the filter (issue #8) ---------------------------------------------

def test_a_segment_filters_the_board_and_its_totals(page, live_app, screenshot):
    from playwright.sync_api import expect
    from sqlmodel import Session

    from leadhub.services import auth, leads, segments
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for

    with Session(engine_for(live_app.database_url), expire_on_commit=False) as session:
        rep = auth.find_user(session=session, email=live_app.seed.rep.email)
        ctx = TeamContext(live_app.seed.extra["team_id"], rep.id, "rep")
        for name, city, budget, status in (("Maño Uno", "Zaragoza", "1.500", "New"),
                                           ("Maño Dos", "Zaragoza", "2500", "Contacted"),
                                           ("Forastero", "Cádiz", "9000", "New")):
            leads.create_lead(session=session, ctx=ctx, data={
                "last_name": name, "city": city, "budget": budget, "status": status})
        segments.create_segment(session=session, ctx=ctx, data={
            "name": "Aragón E2E", "entity": "lead",
            "conditions": [{"field": "city", "operator": "equals", "value": "Zaragoza"}]})
        session.commit()

    open_board(page, live_app)
    expect(page.locator(".board-card", has_text="Forastero")).to_be_visible()
    page.click("#board-segment_filter")
    page.get_by_role("option", name="Aragón E2E").click()
    expect(page.locator(".board-card", has_text="Forastero")).to_have_count(0)
    new, contacted = (page.locator(f'.board-column[data-status="{s}"]')
                      for s in ("New", "Contacted"))
    expect(new.locator(".board-count")).to_have_text("1")
    expect(contacted.locator(".board-count")).to_have_text("1")
    expect(new.locator(".board-budget")).to_contain_text("1,500")
    expect(contacted.locator(".board-budget")).to_contain_text("2,500")
    expect(page.locator('.board-column[data-status="Qualified"] .board-count')).to_have_text("0")
    screenshot("board-segment-filter")
