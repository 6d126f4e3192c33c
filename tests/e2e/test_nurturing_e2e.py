"""An admin sets up the team's SMTP server, writes a template and sends it to a segment (a real
SMTP server on 127.0.0.1 receives it), then builds a workflow and reads its run log."""

import email
import email.policy
import socket

import pytest

from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def inbox():
    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


def _db(live_app):
    from sqlmodel import Session

    from leadhub.services.db import engine_for
    return Session(engine_for(live_app.database_url), expire_on_commit=False)


def _ctx(session, live_app, who="admin"):
    from sqlmodel import select

    from leadhub.services.context import TeamContext
    from leadhub.services.models import User
    account = getattr(live_app.seed, who)
    user_id = session.exec(select(User.id).where(User.email == account.email)).one()
    return TeamContext(live_app.seed.extra["team_id"], user_id, account.role)


def select_option(page, trigger, name):
    page.click(trigger)
    page.get_by_role("option", name=name, exact=True).click()


def test_admin_sends_a_template_to_a_segment_and_sees_each_status(page, live_app, inbox, screenshot):
    from playwright.sync_api import expect
    from sqlmodel import select

    from leadhub.services import emails, leads, segments
    from leadhub.services.db import engine_for

    with _db(live_app) as session:
        ctx = _ctx(session, live_app)
        for first, address in (("Nora", "nora@cliente.es"), ("Iker", "iker@cliente.es"), ("Sin", "")):
            leads.create_lead(session=session, ctx=ctx, data={
                "first_name": first, "last_name": "Mailing", "email": address, "company": "Cliente SL"})
        segments.create_segment(session=session, ctx=ctx, data={"name": "Mailing list", "conditions": [
            {"field": "last_name", "operator": "equals", "value": "Mailing"}]})
        session.commit()

    sign_in(page, live_app.seed.admin)
    page.goto("/settings")
    card = page.locator("#smtp-card")
    card.scroll_into_view_if_needed()
    card.locator("#host").fill("127.0.0.1")
    card.locator("#port").fill(str(inbox.port))
    select_option(page, "#smtp-card button[role=combobox]", "None")
    card.locator("#from_email").fill("ventas@e2e.example.com")
    card.locator("#from_name").fill("E2E Ventas")
    page.click("#save-smtp")
    expect(page.get_by_text("E-mail server saved.")).to_be_visible()

    page.goto("/emails")
    page.click("#new-template")
    page.fill("#name", "Primer contacto")
    page.fill("#subject", "Hola {{first_name}} de {{company}}")
    page.fill("#body", "Hola {{first_name}}, mira https://e2e.example.com/demo")
    page.click("#save-template")
    expect(page.locator(".email-template")).to_contain_text("Primer contacto")
    select_option(page, "#send-template", "Primer contacto")
    select_option(page, "#send-segment", "Mailing list")
    page.click("#send-segment-go")
    expect(page.get_by_text("2 e-mails queued, 1 skipped.")).to_be_visible()

    # the worker's job, done here: deliver what the page queued
    with _db(live_app) as session:
        queued = session.exec(select(emails.EmailMessage.id).where(emails.EmailMessage.status == "queued")).all()
    assert emails.deliver(list(queued), engine=engine_for(live_app.database_url), sleep=lambda s: None) \
        == {i: "sent" for i in queued}
    assert sorted(m["Subject"] for m in inbox.messages) == ["Hola Iker de Cliente SL", "Hola Nora de Cliente SL"]
    page.get_by_role("button", name="Refresh").click()
    rows = page.locator(".email-row")
    expect(rows.filter(has_text="sent")).to_have_count(2)
    expect(rows.filter(has_text="skipped")).to_have_count(1)
    screenshot("emails-page")


def test_admin_builds_a_workflow_and_reads_its_run_log(page, live_app, screenshot):
    from playwright.sync_api import expect
    from sqlmodel import select

    from leadhub.services import events, leads
    from leadhub.services.db import engine_for
    from leadhub.services.models import DomainEvent

    sign_in(page, live_app.seed.admin)
    page.goto("/workflows")
    page.fill("#workflow-name", "Qualified → call")
    page.fill("#workflow-config", "Qualified")
    page.click(".add-action-create_task")
    page.locator(".action-a input").fill("Call within a day")
    page.click("#save-workflow")
    expect(page.locator(".workflow-rule")).to_contain_text("Qualified → call")

    with _db(live_app) as session:
        ctx = _ctx(session, live_app)
        lead = leads.create_lead(session=session, ctx=ctx, data={"last_name": "Flowing"})
        leads.update_lead(session=session, ctx=ctx, lead_id=lead.id, changes={"status": "Qualified"})
        session.commit()
        pending = session.exec(select(DomainEvent.id).where(DomainEvent.dispatched_at.is_(None))).all()
    for event_id in pending:  # the worker's job
        events.dispatch_event(event_id, engine=engine_for(live_app.database_url))
    page.get_by_role("button", name="Refresh").click()
    # other files' leads in the shared team may reach Qualified too: any run of the rule will do
    run = page.locator(".workflow-run", has_text="Qualified → call").first
    expect(run).to_contain_text("done")
    expect(run).to_contain_text("Created the task 'Call within a day'.")
    screenshot("workflows-page")
