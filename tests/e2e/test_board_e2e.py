"""The status board in a real browser: drag a card to another column and within a column,
reload and find it there, move from the keyboard, see a teammate's move arrive live, and
drop on Converted to get the conversion dialog."""

from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.e2e

LIVE_WITHIN_MS = 2000


def sign_in(page, account):
    page.goto("/login")
    page.fill("#email", account.email)
    page.fill("#password", account.password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/leads$"))


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


def test_a_stale_move_is_refused_and_the_card_shows_where_it_is(page, live_app):
    """A change the browser has not seen (here made straight in the database, so no live
    push) makes the move stale: the rep is told and the board catches up."""
    from playwright.sync_api import expect
    from sqlmodel import Session

    from leadhub.services import board, team_signal
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    from leadhub.services.models import Lead

    (lead,) = add_leads(live_app, "Disputado")
    open_board(page, live_app)
    expect(card(page, lead, "New")).to_be_visible()
    with Session(engine_for(live_app.database_url)) as session:
        row = session.get(Lead, lead)
        ctx = TeamContext(row.team_id, row.owner_id, "rep")
        board.move(session=session, ctx=ctx, lead_id=lead, to_status="Contacted",
                   expected_version=row.version)
        session.commit()
    assert team_signal  # the move above bumped the signal, but no browser was told
    drop_on_column(page, card(page, lead, "New"), "Qualified")
    expect(page.get_by_text("A teammate changed this lead first")).to_be_visible()
    expect(card(page, lead, "Contacted")).to_be_visible()
    expect(card(page, lead, "Qualified")).to_have_count(0)


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
