"""An admin sees the BANT starter model in Settings, adds a rule, and watches the team re-scored."""

import re

import pytest

from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e


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
    # other e2e files share this team, so how many leads changed depends on what ran before
    expect(page.locator("#rescore-progress")).to_contain_text(re.compile(r"\d+ changed"))
    screenshot("scoring-settings")

    with Session(engine_for(live_app.database_url)) as session:
        from leadhub.services.models import Lead
        assert session.get(Lead, lead_id).score == 15 + 15 + 12


def _lead(live_app, **fields):
    from sqlmodel import Session, select

    from leadhub.services import leads
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    from leadhub.services.models import User

    with Session(engine_for(live_app.database_url)) as session:
        rep_id = session.exec(select(User.id).where(User.email == live_app.seed.rep.email)).one()
        ctx = TeamContext(live_app.seed.extra["team_id"], rep_id, "rep")
        lead = leads.create_lead(session=session, ctx=ctx, data=fields)
        session.commit()
        return lead.id


def test_the_lead_page_explains_its_score(page, live_app, screenshot):
    from playwright.sync_api import expect

    lead_id = _lead(live_app, last_name="Explained", title="Head of Sales", need="Moderate",
                    budget="2500")
    sign_in(page, live_app.seed.rep)
    page.goto(f"/leads/{lead_id}")
    panel = page.locator("#score-panel")
    expect(panel.locator("#lead-score")).to_have_text("33")
    lines = panel.locator(".score-line")
    expect(lines).to_have_count(3)
    expect(lines.nth(0)).to_contain_text("+10")
    expect(lines.nth(0)).to_contain_text("budget ≥ 1,000")
    expect(lines.nth(1)).to_contain_text("title contains Head")
    expect(lines.nth(2)).to_contain_text("need is Moderate")
    expect(panel).to_contain_text("Warm")
    expect(panel.locator("#likelihood-note")).to_contain_text("Not trained yet")
    screenshot("lead-score-panel")

    # a rating picked by hand sticks, and the panel says so; the score can take over again
    page.click("#lead-rating")
    page.get_by_role("option", name="Hot", exact=True).click()
    expect(panel).to_contain_text("set by hand")
    expect(panel).to_contain_text("The score alone would make it: Warm")
    page.click("#let-score-decide")
    expect(panel).not_to_contain_text("set by hand")
    expect(page.locator("#lead-rating")).to_contain_text("Warm")


def test_admin_retrains_and_is_told_there_is_too_little_history(page, live_app, screenshot):
    from playwright.sync_api import expect

    sign_in(page, live_app.seed.admin)
    page.goto("/settings")
    card = page.locator("#predictive-card")
    card.scroll_into_view_if_needed()
    page.click("#retrain-model")
    expect(card.locator("#model-note")).to_contain_text("Too little history to predict", timeout=20_000)
    expect(card.locator("#model-note")).to_contain_text("needs 15 converted and 15 lost")
    screenshot("predictive-too-little-history")
