"""A rep signs in, creates a lead, and finds it in the list; bad input is explained at the field."""

import re

import pytest

pytestmark = pytest.mark.e2e


def sign_in(page, account):
    page.goto("/login")
    page.fill("#email", account.email)
    page.fill("#password", account.password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/leads$"))


def test_private_pages_send_a_visitor_to_login(page):
    page.goto("/leads")
    page.wait_for_url(re.compile(r".*/login$"))


def test_wrong_password_is_refused(page, live_app, screenshot):
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("#email", live_app.seed.rep.email)
    page.fill("#password", "not-the-password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_contain_text("Wrong e-mail or password")
    screenshot("login-wrong-password")


def test_rep_creates_a_lead_and_finds_it(page, live_app, screenshot):
    from playwright.sync_api import expect

    sign_in(page, live_app.seed.rep)
    expect(page.locator("#user-name")).to_have_text(live_app.seed.rep.full_name)

    page.click("#new-lead")
    page.fill("#first_name", "Íñigo")
    page.fill("#last_name", "Zubizarreta")
    page.fill("#email", "not-an-email")
    page.click("#lead-save")
    expect(page.locator("[data-error-for=email]")).to_contain_text("valid e-mail")
    screenshot("lead-form-field-error")

    page.fill("#email", "Inigo.Z@Ejemplo.es")
    page.fill("#company", "Txoko Software")
    page.fill("#phone", "+34 612 34 56 78")
    page.fill("#budget", "12.500,50")
    page.click("#lead-save")
    expect(page.locator("#lead-form")).to_have_count(0)

    page.fill("#lead-search", "inigo zubi")
    row = page.locator(".lead-row", has_text="Zubizarreta")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("inigo.z@ejemplo.es")
    expect(row).to_contain_text("+34 612 34 56 78")
    expect(page.locator("#leads-count")).to_contain_text("1 lead ·")
    screenshot("leads-list-found")

    # it is still there after a reload, and the edit form shows what was saved
    page.reload()
    page.fill("#lead-search", "txoko")
    page.locator(".lead-row", has_text="Zubizarreta").get_by_role("link").click()
    expect(page.locator("#budget")).to_have_value("12500.50")


def test_spanish_interface(page, live_app, screenshot):
    from playwright.sync_api import expect

    sign_in(page, live_app.seed.manager)
    page.get_by_role("radio", name="ES").click()
    expect(page.locator("h1, h2").filter(has_text="Prospectos").first).to_be_visible()
    expect(page.locator("#new-lead")).to_contain_text("Nuevo prospecto")
    screenshot("leads-spanish")
