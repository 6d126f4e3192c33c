"""An admin sees the BANT starter model in Settings, adds a rule, and watches the team re-scored."""

import re

import pytest

pytestmark = pytest.mark.e2e


def sign_in(page, account):
    page.goto("/login")
    page.fill("#email", account.email)
    page.fill("#password", account.password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/leads$"))


def test_admin_adds_a_scoring_rule_and_the_team_is_rescored(page, live_app, screenshot):
    from playwright.sync_api import expect

    from leadhub.services import leads
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    from sqlmodel import Session

    with Session(engine_for(live_app.database_url)) as session:
        from leadhub.services.models import User
        from sqlmodel import select
        admin_id = session.exec(select(User.id).where(User.email == live_app.seed.admin.email)).one()
        ctx = TeamContext(live_app.seed.extra["team_id"], admin_id, "admin")
        lead = leads.create_lead(session=session, ctx=ctx, data={
            "last_name": "Scored", "title": "Operations Director", "need": "Urgent"})
        session.commit()
        lead_id = lead.id

    sign_in(page, live_app.seed.admin)
    page.goto("/settings")
    card = page.locator("#scoring-card")
    expect(card.locator(".scoring-rule").first).to_contain_text("budget ≥ 10,000")
    card.scroll_into_view_if_needed()
    page.click("#rule-field")
    page.get_by_role("option", name="Title", exact=True).click()
    page.click("#rule-operator")
    page.get_by_role("option", name="contains", exact=True).click()
    page.fill("#rule-value", "Operations")
    page.fill("#rule-points", "12")
    page.click("#add-rule")
    expect(card.locator(".scoring-rule").last).to_contain_text("title contains Operations")
    expect(page.locator("#rescore-progress")).to_have_attribute("data-status", "done", timeout=20_000)
    expect(page.locator("#rescore-progress")).to_contain_text("1 changed")
    screenshot("scoring-settings")

    with Session(engine_for(live_app.database_url)) as session:
        from leadhub.services.models import Lead
        assert session.get(Lead, lead_id).score == 15 + 15 + 12
