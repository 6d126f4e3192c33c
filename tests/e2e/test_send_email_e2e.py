"""A rep e-mails a lead from the lead page: picks a template, previews it with the lead's merge
fields filled in, sends it (a real SMTP server on 127.0.0.1 receives it) and sees it on the
timeline; a lead that unsubscribed gets a clear message instead of the form."""

import re

import pytest

from tests.e2e.test_nurturing_e2e import _ctx, _db, inbox, select_option, sign_in  # noqa: F401

pytestmark = pytest.mark.e2e


def test_rep_emails_a_lead_from_its_page_and_unsubscribed_leads_are_refused(page, live_app, inbox, screenshot):  # noqa: F811
    from playwright.sync_api import expect
    from sqlmodel import select

    from leadhub.services import emails, leads
    from leadhub.services.db import engine_for

    with _db(live_app) as session:
        admin = _ctx(session, live_app)
        emails.save_smtp(session=session, ctx=admin, data={
            "host": "127.0.0.1", "port": str(inbox.port), "security": "none",
            "from_email": "ventas@e2e.example.com", "from_name": "E2E Ventas", "per_minute": "600"})
        emails.create_template(session=session, ctx=admin, data={
            "name": "Seguimiento", "language": "es", "subject": "Hola {{first_name}}, ¿seguimos?",
            "body": "Hola {{first_name}}:\n¿Cómo va todo en {{company}}?"})
        rep = _ctx(session, live_app, "rep")
        nora = leads.create_lead(session=session, ctx=rep, data={
            "first_name": "Nora", "last_name": "Envío", "email": "nora@envio.es", "company": "Envío SL",
            "owner_id": rep.user_id})
        gone = leads.create_lead(session=session, ctx=rep, data={
            "first_name": "Baja", "last_name": "Envío", "email": "baja@envio.es", "owner_id": rep.user_id})
        session.add(emails.EmailUnsubscribe(team_id=rep.team_id, email="baja@envio.es", lead_id=gone.id))
        session.commit()

    sign_in(page, live_app.seed.rep)
    page.goto(f"/leads/{nora.id}")
    page.click("#send-email")
    expect(page.locator("#send-email-to")).to_have_text("nora@envio.es")
    select_option(page, "#send-email-template", "Seguimiento · ES")
    expect(page.locator("#send-email-subject")).to_have_value("Hola {{first_name}}, ¿seguimos?")
    expect(page.locator("#send-email-preview-subject")).to_have_text("Hola Nora, ¿seguimos?")
    expect(page.locator("#send-email-preview-body")).to_contain_text("¿Cómo va todo en Envío SL?")
    screenshot("send-email-dialog", full_page=False)
    page.click("#send-email-send")
    expect(page.get_by_text("E-mail queued: it is sent in the background and shows on the timeline.")).to_be_visible()

    # the worker's job, done here: deliver what the page queued
    with _db(live_app) as session:
        queued = session.exec(select(emails.EmailMessage.id).where(
            emails.EmailMessage.lead_id == nora.id, emails.EmailMessage.status == "queued")).all()
    assert emails.deliver(list(queued), engine=engine_for(live_app.database_url), sleep=lambda s: None) \
        == {i: "sent" for i in queued} and len(queued) == 1
    assert [m["Subject"] for m in inbox.messages] == ["Hola Nora, ¿seguimos?"]
    page.reload()
    expect(page.get_by_text("E-mail: Hola Nora, ¿seguimos?").first).to_be_visible()
    screenshot("send-email-timeline")

    page.goto(f"/leads/{gone.id}")
    page.click("#send-email")
    expect(page.locator("#send-email-refused")).to_contain_text(
        re.compile("unsubscribed from your e-mails and cannot be e-mailed again"))
    expect(page.locator("#send-email-send")).to_have_count(0)
    page.wait_for_timeout(400)  # the dialog's fade-in, for the screenshot
    screenshot("send-email-unsubscribed", full_page=False)
