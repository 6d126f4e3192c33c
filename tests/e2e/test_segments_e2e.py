"""A rep builds a segment, sees its live count while editing, saves it and opens its members."""

import re

import pytest

from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e


def _leads(live_app, *rows):
    from sqlmodel import Session, select

    from leadhub.services import leads
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    from leadhub.services.models import User

    with Session(engine_for(live_app.database_url)) as session:
        rep_id = session.exec(select(User.id).where(User.email == live_app.seed.rep.email)).one()
        ctx = TeamContext(live_app.seed.extra["team_id"], rep_id, "rep")
        for fields in rows:
            leads.create_lead(session=session, ctx=ctx, data=fields)
        session.commit()


def test_rep_builds_a_segment_with_a_live_count(page, live_app, screenshot):
    from playwright.sync_api import expect

    _leads(live_app,
           {"last_name": "Segmented One", "title": "Director", "need": "Urgent", "lead_source": "Referral"},
           {"last_name": "Segmented Two", "title": "CEO", "need": "Urgent", "lead_source": "Referral"},
           {"last_name": "Segmented Out", "lead_source": "Referral"})
    sign_in(page, live_app.seed.rep)
    page.click("[data-nav=nurturing]")
    page.wait_for_url(re.compile(r".*/segments$"))
    page.click("#new-segment")
    page.fill("#segment-name", "Referral decision makers")
    expect(page.locator("#segment-preview")).not_to_have_text("—")
    page.click("#add-condition")
    second = page.locator(".condition").nth(1)
    second.locator(".cond-field").click()
    page.get_by_role("option", name="Lead source", exact=True).click()
    second.locator(".cond-operator").click()
    page.get_by_role("option", name="is", exact=True).click()
    second.locator(".cond-value input").fill("referral")
    expect(page.locator("#segment-preview")).to_have_text("2")
    page.click("#segment-save")
    card = page.locator(".segment[data-segment='Referral decision makers']")
    expect(card.locator(".segment-count")).to_have_text("2")
    expect(page.locator(".segment-member")).to_have_count(2)
    expect(page.locator("#segment-members")).to_contain_text("Segmented Two")
    screenshot("segments")
