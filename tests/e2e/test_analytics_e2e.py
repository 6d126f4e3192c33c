"""Analytics in a real browser: a manager opens the dashboard, changes a filter and sees the
charts follow, clicks a bar and gets the records behind it, builds a report; a rep sees only
their own numbers. Screenshots land in test-artifacts/screenshots/analytics-*.png."""

from __future__ import annotations

import random
import re
from pathlib import Path
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def analytics_rows(live_app):
    """A month of outreach, contacts, leads, deals, a campaign and channel costs for the
    e2e team, written straight into the app's database (dated relative to now)."""
    from sqlmodel import Session

    from leadhub.services import auth
    from leadhub.services.analytics.models import ChannelCost
    from leadhub.services.db import engine_for
    from leadhub.services.models import (Campaign, CampaignMember, Contact, Deal, Lead, Outreach, utcnow)

    rng = random.Random(11)
    engine = engine_for(live_app.database_url)
    team_id = live_app.seed.extra["team_id"]
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        reps = [auth.find_user(session=session, email=a.email).id
                for a in (live_app.seed.rep, live_app.seed.manager)]
        kinds = [(1, "Upwork"), (1, "Guru"), (2, None), (3, None), (4, "LinkedIn"), (5, "WhatsApp")]
        leads = []
        for i in range(40):
            lead = Lead(team_id=team_id, last_name=f"Analítica{i}", company="Datos SL",
                        lead_source=rng.choice(["Web Form", "Upwork", "Referral", "LinkedIn"]),
                        status=rng.choice(["New", "Contacted", "Qualified", "Converted"]),
                        owner_id=rng.choice(reps), created_at=now - timedelta(days=rng.uniform(0, 25)))
            session.add(lead)
            leads.append(lead)
        session.flush()
        outreach = []
        for i in range(160):
            kind, channel = rng.choice(kinds)
            row = Outreach(team_id=team_id, user_id=rng.choice(reps), type=kind, channel=channel,
                           description=f"e2e analytics {i}", occurred_at=now - timedelta(days=rng.uniform(0, 27)),
                           response_status=rng.choice(["awaiting", "replied", "positive", "negative", "bounced"]),
                           call_outcome=rng.choice(["connected", "no_answer", "voicemail"]) if kind == 3 else None,
                           lead_id=rng.choice(leads).id if rng.random() < 0.5 else None)
            session.add(row)
            outreach.append(row)
        session.flush()
        for i, row in enumerate(rng.sample(outreach, 30)):
            contact = Contact(team_id=team_id, last_name=f"Contacto{i}", outreach_id=row.id, owner_id=row.user_id,
                              created_at=row.occurred_at + timedelta(hours=rng.uniform(1, 48)))
            session.add(contact)
            session.flush()
            if i < 18:
                won = i < 10
                session.add(Deal(team_id=team_id, name=f"Trato {i}", amount=Decimal(rng.randrange(500, 9000)),
                                 currency="EUR", stage="Closed Won" if won else "Proposal",
                                 close_date=date.today() - timedelta(days=rng.randrange(0, 10)) if won else None,
                                 outreach_id=row.id, contact_id=contact.id, owner_id=row.user_id,
                                 lead_id=rng.choice(leads).id, created_at=contact.created_at + timedelta(days=1)))
        campaign = Campaign(team_id=team_id, name="Campaña e2e", budget=Decimal("3000"), actual_cost=Decimal("2500"))
        session.add(campaign)
        session.flush()
        for lead in leads[:15]:
            session.add(CampaignMember(team_id=team_id, campaign_id=campaign.id, lead_id=lead.id))
        month = date.today().replace(day=1)
        for kind, channel, amount in ((1, "Upwork", "400"), (4, "LinkedIn", "250"), (2, "", "90")):
            for m in (month, (month - timedelta(days=1)).replace(day=1)):
                session.add(ChannelCost(team_id=team_id, month=m, type=kind, channel=channel,
                                        amount=Decimal(amount), currency="EUR"))
        try:
            from leadhub.services import forms
        except ImportError:
            forms = None
        if forms is not None:
            form = forms.WebForm(team_id=team_id, key="e2e-analytics-form", name="Formulario e2e")
            session.add(form)
            session.flush()
            session.add(forms.FormViewDay(team_id=team_id, form_id=form.id, day=date.today(), views=120))
            for lead in leads[:12]:
                session.add(forms.FormSubmission(team_id=team_id, form_id=form.id, lead_id=lead.id,
                                                 submitted_at=lead.created_at))
        session.commit()
    return {"reps": reps}


def chart_traces(page, chart_id: str) -> list[dict]:
    """What plotly drew: trace names and values, read from the graph div."""
    return page.evaluate(
        """id => (document.getElementById(id)?.data || []).map(t => ({name: t.name, x: t.x, y: t.y}))""",
        chart_id)


def open_dashboard(page, live_app, account):
    from playwright.sync_api import expect

    sign_in(page, account)
    page.goto("/analytics")
    expect(page.locator("#kpi-tiles [data-kpi]")).to_have_count(5, timeout=30_000)
    page.wait_for_function("() => (document.getElementById('chart-volume_type')?.data || []).length > 0",
                           timeout=30_000)


def test_manager_filters_the_dashboard_and_drills_into_a_bar(page, live_app, analytics_rows, screenshot):
    from playwright.sync_api import expect

    open_dashboard(page, live_app, live_app.seed.manager)
    expect(page.locator("#filter-range")).to_contain_text(str(date.today().year))
    before = chart_traces(page, "chart-volume_type")
    assert {t["name"] for t in before} == {"Platform", "E-mail", "Call", "Social", "Messenger"}
    total_before = sum(sum(t["y"]) for t in before)
    assert total_before >= 160
    page.wait_for_timeout(500)
    screenshot("analytics-dashboard")

    # only calls: the chart redraws with a single trace and fewer outreach
    page.click("#filter-sel_types")
    page.locator('[data-option="3"]').click()
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => (document.getElementById('chart-volume_type')?.data || []).map(t => t.name).join() === 'Call'",
        timeout=15_000)
    calls = chart_traces(page, "chart-volume_type")
    assert 0 < sum(calls[0]["y"]) < total_before
    expect(page.locator("#filter-sel_types")).to_contain_text("1")
    screenshot("analytics-filtered-calls")

    # the busiest bucket's bar opens the calls behind it
    values = calls[0]["y"]
    index = max(range(len(values)), key=lambda i: values[i])
    bar = page.locator("#chart-volume_type .trace.bars .point").nth(index)
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#drill-total")).to_contain_text(f"{values[index]} ")
    rows = page.locator(".drill-row")
    expect(rows.first).to_be_visible()
    assert rows.count() == min(values[index], 15)
    assert all(t.startswith("Call") for t in rows.locator("td:first-child p").first.all_inner_texts())
    screenshot("analytics-drilldown")
    page.keyboard.press("Escape")

    page.click("#filter-clear")
    page.wait_for_function("() => (document.getElementById('chart-volume_type')?.data || []).length === 5",
                           timeout=15_000)
    # a KPI tile opens the leads it counts, each linked to its page
    new_leads = page.locator('[data-kpi="new_leads"] .kpi-value').inner_text()
    page.click('[data-kpi="new_leads"]')
    expect(page.locator("#drill-total")).to_contain_text(f"{new_leads.replace(',', '')} ")
    expect(page.locator(".drill-row a").first).to_have_attribute("href", re.compile(r"/leads/\d+$"))
    page.keyboard.press("Escape")

    page.wait_for_function("() => (document.getElementById('chart-volume_type')?.data || []).length === 5",
                           timeout=15_000)
    page.wait_for_function("() => (document.getElementById('chart-forms')?.data || []).length === 1",
                           timeout=15_000)
    page.locator("#section-funnel").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot("analytics-dashboard-full")


def test_segment_picker_and_a_language_switch_redraw_the_charts(page, live_app, analytics_rows, screenshot):
    """Pick a saved lead segment in the filter bar: every chart follows it. Switch to Spanish:
    the charts are drawn again with Spanish titles, legends and axes."""
    from playwright.sync_api import expect
    from sqlmodel import Session

    from leadhub.services import auth, segments
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for

    team_id = live_app.seed.extra["team_id"]
    with Session(engine_for(live_app.database_url)) as session:
        manager_id = auth.find_user(session=session, email=live_app.seed.manager.email).id
        ctx = TeamContext(team_id, manager_id, "manager")
        name = "Segmento e2e: Upwork"
        if not any(s.name == name for s in segments.list_segments(session=session, ctx=ctx)):
            segments.create_segment(session=session, ctx=ctx, data={
                "name": name, "entity": "lead",
                "conditions": [{"field": "lead_source", "operator": "equals", "value": "Upwork"}]})
        session.commit()

    open_dashboard(page, live_app, live_app.seed.manager)
    page.get_by_role("radio", name="EN").click()      # a user's language is kept from earlier tests
    page.wait_for_function(
        "() => (document.getElementById('chart-volume_type')?.data || []).some(t => t.name === 'Platform')",
        timeout=15_000)
    everyone = sum(sum(t["y"]) for t in chart_traces(page, "chart-volume_type"))
    reps_before = sum(sum(t["x"]) for t in chart_traces(page, "chart-reps"))
    assert reps_before > 0
    page.click("#filter-segment")
    page.get_by_role("option", name="Segmento e2e: Upwork").click()
    page.wait_for_function(
        f"() => (document.getElementById('chart-volume_type')?.data || []).reduce((n, t) => n + t.y.reduce((a, b) => a + b, 0), 0) < {everyone}",
        timeout=15_000)
    narrowed = sum(sum(t["y"]) for t in chart_traces(page, "chart-volume_type"))
    assert 0 < narrowed < everyone
    assert sum(sum(t["x"]) for t in chart_traces(page, "chart-reps")) < reps_before
    expect(page.locator("#filter-segment")).to_contain_text("Segmento e2e: Upwork")
    page.wait_for_timeout(500)
    screenshot("analytics-segment")

    page.get_by_role("radio", name="ES").click()
    page.wait_for_function(
        "() => (document.getElementById('chart-volume_type')?.data || []).some(t => t.name === 'Llamada')",
        timeout=20_000)
    names = {t["name"] for t in chart_traces(page, "chart-volume_type")}
    assert "Platform" not in names and "Plataforma" in names
    assert sum(sum(t["y"]) for t in chart_traces(page, "chart-volume_type")) == narrowed   # the filter stays
    spanish_series = {t["name"] for t in chart_traces(page, "chart-reps")}
    expect(page.locator("#filter-segment")).to_contain_text("Segmento e2e: Upwork")
    page.wait_for_timeout(500)
    screenshot("analytics-spanish")
    page.get_by_role("radio", name="EN").click()      # put the manager's language back
    page.wait_for_function(
        "() => (document.getElementById('chart-volume_type')?.data || []).some(t => t.name === 'Platform')",
        timeout=20_000)
    english_series = {t["name"] for t in chart_traces(page, "chart-reps")}
    assert "Outreach" in english_series and spanish_series.isdisjoint({"Outreach", "Leads touched"})


def test_report_builder_and_costs(page, live_app, analytics_rows, screenshot):
    from playwright.sync_api import expect

    sign_in(page, live_app.seed.manager)
    page.goto("/analytics/reports")
    expect(page.locator(".report-row").first).to_be_visible(timeout=30_000)
    page.click("#r_object")
    page.get_by_role("option", name="Outreach").click()
    expect(page.locator("#report-table")).to_contain_text("Outreach type", timeout=15_000)
    page.wait_for_function("() => (document.getElementById('report-chart')?.data || []).length > 0")
    page.fill("#report-name", "Acciones por tipo")
    page.click("#report-shared")
    page.click("#report-save")
    expect(page.locator(".saved-report", has_text="Acciones por tipo")).to_be_visible()
    with page.expect_download() as download:
        page.click("#report-csv")
    assert download.value.suggested_filename.endswith(".csv")
    assert "Outreach type" in Path(download.value.path()).read_text(encoding="utf-8").splitlines()[0]
    with page.expect_download() as image:
        page.click("#report-png")
    assert image.value.suggested_filename.endswith(".png")
    page.wait_for_timeout(500)
    screenshot("analytics-report")

    page.goto("/analytics/costs")
    expect(page.locator(".cost-row").first).to_be_visible(timeout=30_000)
    screenshot("analytics-costs")


def test_rep_sees_only_their_own_numbers(page, live_app, analytics_rows, screenshot):
    from playwright.sync_api import expect

    open_dashboard(page, live_app, live_app.seed.rep)
    expect(page.locator("#filter-own-only")).to_be_visible()
    expect(page.locator("#filter-sel_users")).to_have_count(0)
    names = {t["name"] for t in chart_traces(page, "chart-volume_rep")}
    assert names == {live_app.seed.rep.full_name}
    screenshot("analytics-rep")
    page.goto("/analytics/costs")
    expect(page.get_by_text("Only managers and admins record channel costs.")).to_be_visible()
