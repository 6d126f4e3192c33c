"""A rep logs outreach of every type through the form and finds each on the timeline; contacts
show their touches and attribution; the follow-up queue shows a quiet lead and snoozes it.

Test data is made here through the services, on the live app's database."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e

MADRID = ZoneInfo("Europe/Madrid")


def sign_in(page, account):
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("#email", account.email)
    page.fill("#password", account.password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/leads$"))
    page.get_by_role("radio", name="EN").click()      # a user's language is kept from earlier tests
    expect(page.locator("[data-nav=leads]")).to_have_text("Leads")


@pytest.fixture(scope="module")
def crew(live_app):
    """A team of its own: what other e2e files add to the shared seed team (outreach, leads)
    never shows on these pages, so counts and the first page are this file's alone."""
    from sqlmodel import Session

    from leadhub.services import auth
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    from tests.e2e.conftest import Account, SeedData

    seed = SeedData(team_name="Outreach E2E")
    seed.accounts["admin"] = Account("admin@outreach-e2e.com", "admin-pass-oe2e", "admin", "Olga Admin")
    seed.accounts["rep"] = Account("rep@outreach-e2e.com", "rep-pass-oe2e", "rep", "Raúl Rep")
    with Session(engine_for(live_app.database_url), expire_on_commit=False) as session:
        team, admin = auth.sign_up(session=session, team_name=seed.team_name, email=seed.admin.email,
                                   password=seed.admin.password, full_name=seed.admin.full_name,
                                   timezone="Europe/Madrid", currency="EUR")
        auth.invite_member(session=session, ctx=TeamContext(team.id, admin.id, "admin"),
                           email=seed.rep.email, role="rep", full_name=seed.rep.full_name,
                           password=seed.rep.password)
        session.commit()
    seed.extra.update(team_id=team.id, database_url=live_app.database_url)
    return seed


@contextmanager
def as_member(crew, email):
    """A database session and the TeamContext of one member of the file's own team."""
    from sqlmodel import Session

    from leadhub.services import auth
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for

    team_id = crew.extra["team_id"]
    with Session(engine_for(crew.extra["database_url"]), expire_on_commit=False) as session:
        members = auth.list_members(session=session, ctx=TeamContext(team_id, 0, "admin"))
        user, membership = next((u, m) for u, m in members if u.email == email)
        yield session, TeamContext(team_id, user.id, membership.role)
        session.commit()


def local_ago(**delta) -> str:
    return (datetime.now(MADRID).replace(tzinfo=None, second=0, microsecond=0) - timedelta(**delta)).isoformat()


def pick(page, trigger: str, option: str):
    page.click(trigger)
    page.get_by_role("option", name=option, exact=True).click()


def open_form(page, kind: str):
    page.click("#log-outreach")
    page.locator(f"[data-outreach-type={kind}]").click()


TYPES = [
    ("platform", "Bid on the Upwork job", lambda p: (pick(p, "#channel", "Upwork"),
                                                     p.fill("#value", "https://www.upwork.com/jobs/~0123"))),
    ("email", "Sent the proposal by e-mail", lambda p: p.fill("#email", "Carmen@Ejemplo.es")),
    ("call", "Called about the proposal", lambda p: (p.fill("#phone", "+34 612 34 56 78"),
                                                     pick(p, "#call_outcome", "Connected"),
                                                     p.fill("#call_duration_seconds", "4:05"))),
    ("social", "Connected on LinkedIn", lambda p: (pick(p, "#channel", "LinkedIn"),
                                                   p.fill("#value", "https://www.linkedin.com/in/carmen"))),
    ("messenger", "Telegram message", lambda p: (pick(p, "#channel", "Telegram"),
                                                 p.fill("#value", "@carmen_ruiz"))),
]


def test_rep_logs_each_type_of_outreach_and_sees_it_on_the_timeline(page, crew, screenshot):
    from playwright.sync_api import expect

    sign_in(page, crew.rep)
    page.click("[data-nav=outreach]")
    page.wait_for_url(re.compile(r".*/outreach$"))
    expect(page.locator("#volume")).to_be_visible()

    # errors land under their fields, the DST one as soon as the time field is left
    open_form(page, "call")
    page.fill("#occurred_at", "2026-03-29T02:30")
    page.locator("#description").click()
    expect(page.locator("[data-error-for=occurred_at]")).to_contain_text("does not exist in Europe/Madrid")
    page.fill("#occurred_at", "2025-10-26T02:30")          # happens twice: the form asks which one
    page.locator("#description").click()
    expect(page.locator("[data-error-for=occurred_at]")).to_have_count(0)
    expect(page.locator("#occurred_fold")).to_contain_text("02:30 CEST")
    expect(page.locator("#occurred_fold")).to_contain_text("02:30 CET")
    screenshot("outreach-form-ambiguous-time")
    page.fill("#occurred_at", "2026-03-29T02:30")
    page.locator("#description").click()
    page.click("#outreach-save")
    expect(page.locator("[data-error-for=phone]")).to_contain_text("Enter the number you called")
    expect(page.locator("[data-error-for=description]")).to_contain_text("Describe what you sent")
    screenshot("outreach-form-errors")
    page.keyboard.press("Escape")
    expect(page.locator("#outreach-form")).to_have_count(0)

    for kind, description, fill in TYPES:
        open_form(page, kind)
        fill(page)
        page.fill("#description", description)
        if kind == "email":
            page.locator(".follow-up-toggle").click()
            expect(page.locator("#follow_up_due")).to_be_visible()
        if kind == "messenger":
            screenshot("outreach-form-messenger")
        page.click("#outreach-save")
        expect(page.locator("#outreach-form")).to_have_count(0)
        entry = page.locator(f".outreach-entry[data-type={kind}]", has_text=description)
        expect(entry).to_have_count(1)

    timeline = page.locator("#outreach-timeline")
    expect(timeline.locator(".outreach-entry")).to_have_count(5)
    expect(timeline.locator(".day-header").first).to_contain_text("Today")
    expect(page.locator(".outreach-entry[data-type=call]")).to_contain_text("+34 612 34 56 78")
    expect(page.locator(".outreach-entry[data-type=call] .call-result")).to_contain_text("Connected · 4:05")
    expect(page.locator(".outreach-entry[data-type=email]")).to_contain_text("carmen@ejemplo.es")
    expect(page.locator(".outreach-entry[data-type=platform]")).to_contain_text("Upwork")
    for kind, _, _ in TYPES:
        expect(page.locator(f"[data-volume={kind}]")).to_contain_text("1")
    expect(page.locator("#outreach-count")).to_contain_text("5 actions")

    # the response is changed inline
    email = page.locator(".outreach-entry[data-type=email]")
    # toasts cover the right; they wait while the pointer rests on them, so move it away
    page.mouse.move(5, 5)
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=45_000)
    email.get_by_role("combobox").click()
    page.get_by_role("option", name="Positive", exact=True).click()
    expect(email.get_by_role("combobox")).to_contain_text("Positive")
    screenshot("outreach-timeline")

    # the last type used is remembered by the next form
    page.click("#log-outreach")
    expect(page.locator("[data-outreach-type=messenger]")).to_have_attribute("data-state", "on")
    page.keyboard.press("Escape")

    # filtered to calls
    page.locator("[data-volume=call]").click()
    expect(timeline.locator(".outreach-entry")).to_have_count(1)
    page.get_by_role("radio", name="ES").click()
    expect(page.locator("#outreach-count")).to_contain_text("acción")
    expect(timeline.locator(".day-header").first).to_contain_text("Hoy")        # rebuilt in Spanish
    expect(page.locator("[data-volume=call]")).to_contain_text("Llamada")
    expect(page.locator(".outreach-entry[data-type=call] .call-result")).to_contain_text("Conectada · 4:05")
    screenshot("outreach-spanish")


def test_contact_page_logs_a_touch_and_links_the_outreach(page, crew, screenshot):
    from playwright.sync_api import expect

    from leadhub.services import contacts, outreach

    with as_member(crew, crew.rep.email) as (session, ctx):
        origin = outreach.log_outreach(session=session, ctx=ctx, type="social", channel="LinkedIn",
                                       value="https://www.linkedin.com/in/ines-vidal",
                                       description="Invitation to connect", occurred_at=local_ago(days=6))
        contact = contacts.create_contact(session=session, ctx=ctx, data={
            "first_name": "Inés", "last_name": "Vidal", "email": "ines@vidal.es", "title": "CTO"})
        outreach.log_outreach(session=session, ctx=ctx, type="email", email="ines@vidal.es",
                              description="Sent the case study", occurred_at=local_ago(days=2),
                              contact_id=contact.id)
    sign_in(page, crew.rep)
    page.goto("/contacts")
    page.fill("#contact-search", "vidal")
    row = page.locator(".contact-row", has_text="Inés Vidal")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("2 d ago")
    screenshot("contacts-list")
    row.get_by_role("link", name="Inés Vidal").click()
    page.wait_for_url(re.compile(rf".*/contacts/{contact.id}$"))
    expect(page.locator("#contact-name")).to_have_text("Inés Vidal")
    expect(page.locator("#contact-timeline .outreach-entry")).to_have_count(1)
    expect(page.locator("#no-attribution")).to_be_visible()

    page.click("#touch-save")
    expect(page.locator("[data-error-for=note]")).to_contain_text("Say in a few words")
    page.fill("#touch-note", "Met her at the Madrid fair")
    page.click("#touch-save")
    expect(page.locator("#recent-touches .recent-touch").first).to_contain_text("Met her at the Madrid fair")
    expect(page.locator("#contact-last-contacted")).to_contain_text("just now")
    expect(page.locator("#stat-total")).to_have_text("2")

    page.click("#edit-contact")
    page.fill("#title", "CTO & co-founder")
    page.click("#contact-save")
    expect(page.locator("#contact-form")).to_have_count(0)
    expect(page.get_by_text("CTO & co-founder")).to_be_visible()

    page.click("#open-link-outreach")
    expect(page.locator(".link-outreach")).to_have_count(1)             # what was logged for her
    page.get_by_role("radio", name="All team outreach").click()
    pick(page, "#picker-type", "Social")
    page.locator(".outreach-entry", has_text="Invitation to connect").locator(".link-outreach").click()
    expect(page.locator("#contact-attribution")).to_contain_text("Invitation to connect")
    screenshot("contact-page")
    assert origin.id


def test_new_contact_from_an_outreach_on_the_timeline(page, crew, screenshot):
    from playwright.sync_api import expect

    from leadhub.services import outreach

    with as_member(crew, crew.rep.email) as (session, ctx):
        call = outreach.log_outreach(session=session, ctx=ctx, type="call", phone="+34 699 11 22 33",
                                     call_outcome="connected", description="Cold call to Pablo",
                                     occurred_at=local_ago(hours=3))
    sign_in(page, crew.rep)
    page.goto("/outreach")
    entry = page.locator(f".outreach-entry[data-outreach-id='{call.id}']")
    entry.get_by_role("button", name="New contact from this outreach").click()
    page.wait_for_url(re.compile(rf".*/contacts\?from_outreach={call.id}$"))
    expect(page.locator("#contact-from-outreach")).to_contain_text("Call")
    expect(page.locator("#phone")).to_have_value("+34699112233")
    page.fill("#first_name", "Pablo")
    page.fill("#last_name", "Ortega")
    screenshot("contact-from-outreach")
    page.click("#contact-save")
    expect(page.locator("#contact-form")).to_have_count(0)
    page.fill("#contact-search", "ortega")
    expect(page.locator(".contact-row", has_text="Pablo Ortega")).to_contain_text("Call")
    page.goto("/outreach")
    expect(entry.locator(".outreach-produced")).to_contain_text("Pablo Ortega")


def test_followup_queue_shows_a_quiet_lead_and_snoozes_it(page, crew, screenshot):
    from playwright.sync_api import expect

    from leadhub.services import leads, outreach

    with as_member(crew, crew.rep.email) as (session, ctx):
        for last_name, company, days in (("Quintana", "Silencio SL", 40), ("Callado", "Mudo SA", 25)):
            lead = leads.create_lead(session=session, ctx=ctx, data={
                "first_name": "Quique", "last_name": last_name, "company": company, "rating": "Warm"})
            outreach.log_outreach(session=session, ctx=ctx, type="email", email=f"{last_name.lower()}@x.es",
                                  description="First contact", occurred_at=local_ago(days=days),
                                  lead_id=lead.id)
    sign_in(page, crew.rep)
    page.click("[data-nav=follow-up]")
    page.wait_for_url(re.compile(r".*/followup$"))
    quiet = page.locator(".followup-row", has_text="Quique Quintana")
    expect(quiet).to_have_count(1)
    expect(quiet).to_contain_text("Silencio SL")
    expect(quiet.locator(".overdue")).to_contain_text("33 d")
    expect(page.locator(".followup-row").first).to_contain_text("Quintana")     # longest overdue first
    screenshot("followup-queue")

    quiet.locator(".snooze").click()
    page.get_by_role("button", name="In 3 days").click()
    expect(quiet).to_have_count(0)

    other = page.locator(".followup-row", has_text="Quique Callado")
    page.get_by_role("radio", name="ES").click()
    expect(page.locator("h1, h2").filter(has_text="Cola de seguimiento").first).to_be_visible()
    expect(other).to_contain_text("hace 25 d")
    expect(other).to_contain_text("Templado")
    screenshot("followup-spanish")
    other.locator(".log-touch").click()
    page.locator("[data-touch=call]").click()
    expect(other).to_have_count(0)
    expect(page.locator("#followup-empty")).to_contain_text("Nadie espera")
    screenshot("followup-empty")


def test_admin_sets_the_followup_intervals_in_settings(page, crew, screenshot):
    from playwright.sync_api import expect

    sign_in(page, crew.admin)
    page.goto("/settings")
    card = page.locator("#followup-policy")
    expect(card.locator("#warm_days")).to_have_value("7")
    card.locator("#hot_days").fill("0")
    card.locator("#save-intervals").click()
    expect(card.locator("[data-error-for=hot_days]")).to_contain_text("Enter between 1 and 365 days")
    card.locator("#hot_days").fill("3")
    card.locator("#save-intervals").click()
    expect(card.locator("[data-error-for=hot_days]")).to_have_count(0)
    screenshot("settings-followup-intervals")
    page.reload()
    expect(page.locator("#followup-policy #hot_days")).to_have_value("3")
