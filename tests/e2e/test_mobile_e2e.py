"""LeadHub on a phone (issue #4: mouse, touch and keyboard): at 390×844 with touch the sidebar
gives way to a menu button whose drawer navigates (and closes as it does), no page scrolls
sideways, the board's "Move to…" button is big enough for a finger, and the drawer works from
the keyboard. A 1400 px desktop keeps its sidebar and has no menu button."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import SCREENSHOTS_DIR

from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
OVERFLOW_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def add_lead(live_app, last_name: str) -> int:
    from sqlmodel import Session

    from leadhub.services import auth, leads
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for

    engine = engine_for(live_app.database_url)
    with Session(engine, expire_on_commit=False) as session:
        rep = auth.find_user(session=session, email=live_app.seed.rep.email)
        ctx = TeamContext(live_app.seed.extra["team_id"], rep.id, "rep")
        lead = leads.create_lead(session=session, ctx=ctx, data={
            "first_name": "Inmaculada", "last_name": last_name, "status": "New",
            "company": "Construcciones y Reformas Hermanos Fernández-Villaverde SL",
            "email": "inmaculada.fernandez-villaverde@construcciones-hermanos.example.es",
            "rating": "Hot"})
        session.commit()
        return lead.id


def assert_no_sideways_scroll(page, where: str) -> None:
    page.wait_for_timeout(300)  # let late layout (fonts, lists) settle
    scroll_width, inner_width = page.evaluate(OVERFLOW_JS)
    assert scroll_width <= inner_width + 1, (
        f"{where}: the page is {scroll_width} px wide in a {inner_width} px window")


def open_menu(page):
    from playwright.sync_api import expect

    button = page.locator("#nav-menu-button")
    expect(button).to_be_visible()
    button.tap()
    drawer = page.locator("#nav-drawer")
    expect(drawer).to_be_visible()
    return drawer


def save_screenshot(target, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=SCREENSHOTS_DIR / f"{name}.png", full_page=full_page)


@pytest.fixture
def phone(request, browser, live_app):
    """A 390×844 touch phone; a failing test leaves FAILED-<test>.png of what it showed."""
    context = browser.new_context(base_url=live_app.url, viewport=PHONE, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="en-US",
                                  timezone_id="Europe/Madrid")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "_e2e_report_call", None)
    if report is not None and report.failed:
        try:
            save_screenshot(page, f"FAILED-{request.node.name}")
        except Exception:  # noqa: BLE001 - never hide the real failure
            pass
    context.close()


def test_a_phone_navigates_through_the_menu_drawer_without_sideways_scrolling(phone, live_app):
    from playwright.sync_api import expect

    lead_id = add_lead(live_app, "Fernández-Villaverde Móvil")
    sign_in(phone, live_app.seed.rep)

    # the sidebar is hidden; the header has the menu button (a real 40 px target)
    expect(phone.locator("#sidebar")).to_have_count(1)
    expect(phone.locator("#sidebar")).to_be_hidden()
    expect(phone.locator("#sidebar [data-nav=board]")).to_be_hidden()
    button = phone.locator("#nav-menu-button")
    expect(button).to_have_attribute("aria-label", "Open menu")
    box = button.bounding_box()
    assert box["width"] >= 40 and box["height"] >= 40, box
    phone.locator(".lead-row", has_text="Fernández-Villaverde Móvil").wait_for()
    assert_no_sideways_scroll(phone, "leads")
    save_screenshot(phone, "mobile-leads", full_page=False)

    drawer = open_menu(phone)
    phone.wait_for_timeout(400)  # the opening animation
    box = drawer.bounding_box()
    assert abs(box["x"]) < 1 and box["height"] >= PHONE["height"] - 1, box  # a panel on the left
    save_screenshot(phone, "mobile-menu-open", full_page=False)
    drawer.locator("[data-nav=board]").tap()
    phone.wait_for_url(re.compile(r".*/board$"))
    expect(phone.locator("#nav-drawer")).to_have_count(0)  # the link closed the drawer
    phone.wait_for_selector(f'.board-card[data-lead-id="{lead_id}"]')
    assert_no_sideways_scroll(phone, "board")
    # the columns scroll inside the board, not the page
    assert phone.evaluate("() => document.getElementById('board').scrollWidth") > PHONE["width"]
    column = phone.locator('.board-column[data-status="New"]').bounding_box()
    assert column["width"] >= 0.65 * PHONE["width"], column  # a readable column, not a sliver
    menu_button = phone.locator(f'.board-card[data-lead-id="{lead_id}"] .board-move-menu')
    target = menu_button.bounding_box()
    assert target["width"] >= 40 and target["height"] >= 40, target
    save_screenshot(phone, "mobile-board", full_page=False)

    open_menu(phone).locator("[data-nav=leads]").tap()
    phone.wait_for_url(re.compile(r".*/leads$"))
    expect(phone.locator("#nav-drawer")).to_have_count(0)
    link = phone.locator(".lead-row", has_text="Fernández-Villaverde Móvil").locator(".lead-link")
    link.tap()  # the page is usable again after the drawer: nothing left blocking taps
    phone.wait_for_url(re.compile(rf".*/leads/{lead_id}$"))
    expect(phone.get_by_text("Fernández-Villaverde Móvil").first).to_be_visible()
    assert_no_sideways_scroll(phone, "lead page")
    save_screenshot(phone, "mobile-lead-page", full_page=True)


def test_the_drawer_works_from_the_keyboard(phone, live_app):
    from playwright.sync_api import expect

    sign_in(phone, live_app.seed.rep)
    button = phone.locator("#nav-menu-button")
    button.focus()
    phone.keyboard.press("Enter")
    drawer = phone.locator("#nav-drawer")
    expect(drawer).to_be_visible()
    # focus is inside the drawer; Escape closes it and gives focus back to the button
    assert phone.evaluate("() => document.getElementById('nav-drawer').contains(document.activeElement)")
    phone.keyboard.press("Escape")
    expect(drawer).to_have_count(0)
    expect(button).to_be_focused()

    phone.keyboard.press("Enter")
    expect(drawer).to_be_visible()
    drawer.locator("[data-nav=outreach]").focus()
    phone.keyboard.press("Enter")
    phone.wait_for_url(re.compile(r".*/outreach$"))
    expect(drawer).to_have_count(0)


def test_the_desktop_keeps_its_sidebar(browser, live_app):
    from playwright.sync_api import expect

    lead_id = add_lead(live_app, "Escritorio")
    context = browser.new_context(base_url=live_app.url, viewport={"width": 1400, "height": 900},
                                  locale="en-US", timezone_id="Europe/Madrid")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_in(page, live_app.seed.rep)
        expect(page.locator("#sidebar [data-nav=board]")).to_be_visible()
        assert page.locator("#sidebar").bounding_box()["width"] > 150
        expect(page.locator("#nav-menu-button")).to_be_hidden()
        expect(page.locator("#user-name")).to_be_visible()
        expect(page.locator("#logout")).to_have_text("Sign out")
        page.click("[data-nav=board]")
        page.wait_for_url(re.compile(r".*/board$"))
        page.wait_for_selector("#board")
        # a mouse keeps the compact menu button on cards
        menu_button = page.locator(f'.board-card[data-lead-id="{lead_id}"] .board-move-menu')
        assert menu_button.bounding_box()["height"] < 40
        assert_no_sideways_scroll(page, "desktop board")
        save_screenshot(page, "desktop-board", full_page=False)
    finally:
        context.close()
