"""Conversion, deals and notification settings in a real browser: a rep converts leads through
the dialog (with a new account, and with none), sees them Converted and the deals in the deals
list with their attribution; an admin saves a Telegram channel against a real Bot API server on
127.0.0.1 and sends a test; a failed notification is retried from Settings."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e


def _session(live_app):
    from sqlmodel import Session

    from leadhub.services.db import engine_for

    return Session(engine_for(live_app.database_url), expire_on_commit=False)


def _ctx(session, live_app, who: str):
    from leadhub.services import auth
    from leadhub.services.context import TeamContext

    account = live_app.seed.accounts[who]
    user = auth.find_user(session=session, email=account.email)
    return TeamContext(live_app.seed.extra["team_id"], user.id, account.role)


def add_lead(live_app, last_name: str, *, company: str, outreach_email: str | None = None,
             **fields) -> int:
    """A rep's lead made through the services, optionally brought in by an e-mail outreach."""
    from leadhub.services import leads, outreach

    with _session(live_app) as session:
        ctx = _ctx(session, live_app, "rep")
        data = {"first_name": "Ane", "last_name": last_name, "company": company,
                "status": "Qualified", "lead_source": "LinkedIn", **fields}
        if outreach_email:
            data["outreach_id"] = outreach.log_outreach(
                session=session, ctx=ctx, type="email", description="Intro e-mail",
                occurred_at="2026-03-02 10:00", email=outreach_email).id
        lead_id = leads.create_lead(session=session, ctx=ctx, data=data).id
        session.commit()
    return lead_id


def open_lead_and_convert(page, lead_id: int):
    """The lead's own page → Convert."""
    page.goto(f"/leads/{lead_id}")
    page.click("#convert-lead")
    dialog = page.locator("#convert-dialog")
    dialog.wait_for()
    return dialog


def open_conversion(page, lead_id: int):
    """From the board, the keyboard way: the card's "Move to…" menu → Converted."""
    page.goto("/board")
    card = page.locator(f'.board-column[data-status="Qualified"] .board-card[data-lead-id="{lead_id}"]')
    card.locator(".board-move-menu").click()
    page.locator('[data-move-to="Converted"]').click()
    dialog = page.locator("#convert-dialog")
    dialog.wait_for()
    return dialog


def test_convert_with_a_new_account_and_see_the_deal(page, live_app, screenshot):
    from playwright.sync_api import expect

    lead_id = add_lead(live_app, "Etxeberria", company="Basoa Labs", budget="8.400,00",
                       email="ane@basoa.eus", website="basoa.eus",
                       outreach_email="ane@basoa.eus")
    sign_in(page, live_app.seed.rep)
    dialog = open_lead_and_convert(page, lead_id)
    expect(dialog).to_contain_text("Ane Etxeberria")
    expect(page.locator("#account_name")).to_have_value("Basoa Labs")
    expect(page.locator("#contact_email")).to_have_value("ane@basoa.eus")
    expect(page.locator("#deal_name")).to_have_value("Basoa Labs")
    expect(page.locator("#deal_amount")).to_have_value("8400.00")
    expect(page.locator("#conversion-attribution")).to_contain_text("LinkedIn")
    expect(page.locator("#conversion-attribution")).to_contain_text("ane@basoa.eus")
    screenshot("conversion-dialog")

    page.fill("#deal_amount", "")          # a bad value is explained at its field…
    page.fill("#deal_name", " ")
    page.click("#convert-submit")
    expect(page.locator("[data-error-for=deal_name]")).to_contain_text("Give the deal a name")
    screenshot("conversion-dialog-field-error")
    page.fill("#deal_name", "Basoa Labs — platform")   # …and nothing was written meanwhile
    page.fill("#deal_amount", "9000")
    page.click("#convert-submit")

    summary = page.locator("#conversion-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#converted-account")).to_contain_text("Basoa Labs")
    expect(page.locator("#converted-account")).to_contain_text("new")
    expect(page.locator("#converted-contact")).to_contain_text("Ane Etxeberria")
    expect(page.locator("#converted-deal")).to_contain_text("Basoa Labs — platform")
    screenshot("conversion-done")
    page.click("#convert-done")
    expect(dialog).to_have_count(0)
    links = page.locator("#converted-links")                # the lead, now read-only, links on
    expect(links).to_contain_text("Basoa Labs")
    expect(links).to_contain_text("Ane Etxeberria")
    expect(page.locator("#convert-lead")).to_have_count(0)
    expect(page.locator("#edit-lead")).to_be_disabled()
    screenshot("converted-lead-page")
    links.get_by_role("link", name="Basoa Labs — platform").click()
    page.wait_for_url(re.compile(r".*/deals\?deal=\d+$"))
    expect(page.locator("#deal-form #name")).to_have_value("Basoa Labs — platform")
    page.keyboard.press("Escape")

    row = page.locator(".deal-row", has_text="Basoa Labs — platform")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("9,000.00 EUR")
    expect(row).to_contain_text("Ane Etxeberria")
    expect(row.locator(".deal-attribution")).to_contain_text("ane@basoa.eus")
    expect(row.locator(".deal-attribution")).to_contain_text("Raúl Rep")
    expect(row.locator(".deal-attribution")).to_contain_text("LinkedIn")
    screenshot("deals-list")

    page.get_by_role("radio", name="Pipeline").click()
    column = page.locator('.stage-column[data-stage="Prospecting"]')
    expect(column.locator(".deal-card", has_text="Basoa Labs — platform")).to_be_visible()
    expect(column.locator(".stage-sum")).to_contain_text("EUR")
    screenshot("deals-pipeline")

    from leadhub.services.models import DomainEvent, Lead
    with _session(live_app) as session:
        lead = session.get(Lead, lead_id)
        assert lead.status == "Converted" and lead.converted_deal_id is not None
        acquired = session.exec(select(DomainEvent).where(DomainEvent.name == "LeadAcquired")).all()
        assert [e.payload["deal"]["name"] for e in acquired] == ["Basoa Labs — platform"]


def test_convert_without_an_account(page, live_app, screenshot):
    from playwright.sync_api import expect

    lead_id = add_lead(live_app, "Goikoetxea", company="", budget="1500")
    sign_in(page, live_app.seed.rep)
    open_conversion(page, lead_id)
    expect(page.locator("#account-mode-none")).to_be_checked()   # no company: no account
    page.locator("#account-mode-new").click()
    expect(page.locator("#account_name")).to_be_visible()
    page.locator("#account-mode-none").click()
    expect(page.locator("#account_name")).to_be_hidden()
    page.get_by_role("switch", name="Create a contact").click()      # deal only
    expect(page.locator("#contact_last_name")).to_be_hidden()
    page.fill("#deal_name", "Goikoetxea consulting")
    page.click("#convert-submit")
    expect(page.locator("#conversion-summary")).to_be_visible()
    expect(page.locator("#converted-account")).to_have_count(0)
    expect(page.locator("#converted-contact")).to_have_count(0)
    expect(page.locator("#converted-deal")).to_contain_text("Goikoetxea consulting")
    page.click("#convert-done")
    expect(page.locator(f'.board-column[data-status="Converted"] '
                        f'.board-card[data-lead-id="{lead_id}"]')).to_be_visible()

    page.goto("/deals")
    row = page.locator(".deal-row", has_text="Goikoetxea consulting")
    expect(row).to_contain_text("1,500.00 EUR")
    from leadhub.services.models import Lead
    with _session(live_app) as session:
        lead = session.get(Lead, lead_id)
        assert (lead.status, lead.converted_account_id, lead.converted_contact_id) == (
            "Converted", None, None)


def spanish_manager(live_app):
    """A manager of our own, so switching to Spanish changes no user other tests sign in as."""
    from leadhub.services import auth
    from leadhub.services.errors import NotFound
    from tests.e2e.conftest import Account

    account = Account("iker@e2e.example.com", "iker-pass-e2e", "manager", "Iker Gerente")
    with _session(live_app) as session:
        try:
            auth.find_user(session=session, email=account.email)
        except NotFound:
            auth.invite_member(session=session, ctx=_ctx(session, live_app, "admin"),
                               email=account.email, role=account.role,
                               full_name=account.full_name, password=account.password)
            session.commit()
    return account


def test_convert_into_an_existing_account_in_spanish(page, live_app, screenshot):
    from playwright.sync_api import expect

    from leadhub.services.models import Account, Contact

    with _session(live_app) as session:
        account = Account(team_id=live_app.seed.extra["team_id"], name="Harri Kooperatiba",
                          website="https://harri.coop")
        session.add(account)
        session.commit()
        account_id = account.id
    lead_id = add_lead(live_app, "Zabala", company="Harri Kooperatiba", budget="3000")
    sign_in(page, spanish_manager(live_app))      # the language choice is saved on the user
    page.get_by_role("radio", name="ES").click()
    expect(page.locator("#new-lead")).to_contain_text("Nuevo prospecto")
    open_lead_and_convert(page, lead_id)
    expect(page.locator("#convert-dialog")).to_contain_text("Convertir prospecto")
    expect(page.locator("#account-mode-existing")).to_be_checked()      # offered instead of new
    match = page.locator(f'[data-account-match="{account_id}"]')
    expect(match).to_be_checked()
    expect(page.locator("#account-matches")).to_contain_text("mismo nombre")
    screenshot("conversion-dialog-existing-account-es")
    page.click("#convert-submit")
    expect(page.locator("#converted-account")).to_contain_text("existente")
    page.click("#convert-done")
    with _session(live_app) as session:
        contact = session.exec(select(Contact).where(Contact.lead_id == lead_id)).one()
        assert contact.account_id == account_id
        assert len(session.exec(select(Account).where(Account.name == "Harri Kooperatiba")).all()) == 1


@pytest.fixture
def bot_api():
    from tests.services.fake_chat_servers import FakeChatServer

    server = FakeChatServer().start()
    yield server
    server.stop()


TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_admin_saves_telegram_and_sends_a_test(page, live_app, bot_api, screenshot):
    from playwright.sync_api import expect

    sign_in(page, live_app.seed.admin)
    page.goto("/settings")
    expect(page.locator("#telegram-channel-form")).to_be_visible(timeout=15_000)
    page.fill("#telegram-secret", "not a token")
    page.fill("#telegram-chat_id", "-1001234567890")
    page.fill("#telegram-api_base_url", bot_api.url)
    page.get_by_role("switch", name="Telegram on").click()
    page.click("#telegram-save")
    expect(page.locator("[data-error-for=telegram_secret]")).to_contain_text("@BotFather")

    page.fill("#telegram-secret", TOKEN)
    page.click("#telegram-save")
    expect(page.get_by_text("Notification settings saved.")).to_be_visible()
    page.reload()
    secret = page.locator("#telegram-secret")
    expect(secret).to_have_value("")                       # never shown back…
    expect(secret).to_have_attribute("placeholder", "••••Dsaw")   # …only its last four
    expect(page.locator("#telegram-api_base_url")).to_have_value(bot_api.url)
    assert TOKEN not in page.content()

    page.click("#telegram-test")                            # with the stored token
    expect(page.locator("#telegram-test-result")).to_contain_text("Test deal (LeadHub)")
    [sent] = bot_api.requests
    assert sent.path == f"/bot{TOKEN}/sendMessage"
    assert sent.body["chat_id"] == "-1001234567890"
    assert "Test deal (LeadHub)" in sent.body["text"]
    screenshot("settings-notifications")


def test_admin_retries_failed_notifications(page, live_app, screenshot):
    from playwright.sync_api import expect

    from leadhub.services import deals, outreach
    from leadhub.services.deals import DealCreate
    from leadhub.services.models import DomainEvent, Notification

    with _session(live_app) as session:
        ctx = _ctx(session, live_app, "manager")
        source = outreach.log_outreach(session=session, ctx=ctx, type="call",
                                       description="Cold call", occurred_at="2026-03-03 09:30",
                                       phone="+34 612 34 56 78", call_outcome="connected",
                                       call_duration_seconds="300")
        deal = deals.create_deal(session=session, ctx=ctx, deal_in=DealCreate(
            name="Failed delivery SL", amount="700", outreach_id=source.id))
        session.flush()
        event = session.exec(select(DomainEvent).where(
            DomainEvent.name == "LeadAcquired").order_by(DomainEvent.id.desc())).first()
        assert event.payload["deal"]["id"] == deal.id
        session.add(Notification(team_id=ctx.team_id, event_id=event.id, channel="slack",
                                 status="failed", attempts=6,
                                 last_error="Slack failed (404): no_service"))
        session.commit()

    sign_in(page, live_app.seed.admin)
    page.goto("/settings")
    row = page.locator(".failed-notification", has_text="Failed delivery SL")
    expect(row).to_contain_text("no_service", timeout=15_000)
    screenshot("settings-failed-notifications")
    page.click("#retry-all")
    expect(row).to_have_count(0)
    expect(page.locator("#no-failed-notifications")).to_be_visible()
    with _session(live_app) as session:
        assert session.exec(select(Notification.status).where(
            Notification.event_id == event.id)).all() == ["pending"]


def test_new_deal_from_a_contact_inherits_its_outreach(page, live_app, screenshot):
    from playwright.sync_api import expect

    from leadhub.services import contacts, outreach

    with _session(live_app) as session:
        ctx = _ctx(session, live_app, "rep")
        source = outreach.log_outreach(session=session, ctx=ctx, type="platform", channel="Upwork",
                                       value="https://www.upwork.com/jobs/~01abc",
                                       description="Proposal", occurred_at="2026-03-04 11:00")
        contact_id = contacts.create_contact(session=session, ctx=ctx, data={
            "first_name": "Mikel", "last_name": "Arrieta"}, outreach_id=source.id).id
        session.commit()

    sign_in(page, live_app.seed.rep)
    page.goto(f"/contacts/{contact_id}")
    page.click("#new-deal-from-contact")
    form = page.locator("#deal-form")
    expect(form).to_be_visible()
    expect(page.locator("#name")).to_have_value("Mikel Arrieta")
    expect(form.locator(".deal-attribution")).to_contain_text("upwork.com")
    page.fill("#name", "Arrieta — Upwork project")
    page.fill("#amount", "2400")
    screenshot("deal-from-contact")
    page.click("#deal-save")
    expect(form).to_have_count(0)

    page.goto("/deals")
    row = page.locator(".deal-row", has_text="Arrieta — Upwork project")
    expect(row).to_contain_text("2,400.00 EUR")
    expect(row).to_contain_text("Mikel Arrieta")
    expect(row.locator(".deal-attribution")).to_contain_text("Platform")
    expect(row.locator(".deal-attribution")).to_contain_text("Raúl Rep")
