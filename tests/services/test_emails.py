"""Follow-up e-mails through a real SMTP server on 127.0.0.1 (aiosmtpd): merge fields in both
languages, throttling and per-recipient status, the open pixel, signed click redirects and the
unsubscribe page over HTTP, never e-mailing an unsubscribed lead, and sequences that stop when
the lead replies. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from leadhub.config import get_settings
from leadhub.services import custom_fields, emails, events, leads, outreach, segments
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import Activity, DomainEvent, Lead, Outreach, utcnow

BASE = "http://app.test"


class Inbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def app_db(database_url, monkeypatch):
    """HTTP routes and tasks use the app's own engine: point it at this test's database."""
    monkeypatch.setenv("LEADHUB_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(emails, "deliver_task", lambda ids: calls.append(list(ids)))
    return calls


def smtp_on(session, team, inbox, per_minute=600):
    emails.save_smtp(session=session, ctx=team.admin_ctx, data={
        "host": "127.0.0.1", "port": str(inbox.port), "security": "none",
        "from_email": "ventas@acme.es", "from_name": "Acme Ventas", "per_minute": str(per_minute)})
    session.commit()


def body_of(message, subtype="plain") -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            return part.get_content().replace("\r\n", "\n")
    return ""


def lead(session, team, **fields):
    fields.setdefault("last_name", "Pérez")
    row = leads.create_lead(session=session, ctx=team.rep_ctx, data=fields)
    session.commit()
    return row


def test_merge_fields_smtp_delivery_and_per_recipient_status(session, engine, team_a, inbox, enqueued):
    region = custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Región", type="text")
    session.commit()
    smtp_on(session, team_a, inbox)
    template = emails.create_template(session=session, ctx=team_a.manager_ctx, data={
        "name": "Hola", "language": "es", "subject": "Hola {{first_name}}, una idea para {{company}}",
        "body": "Hola {{ first_name }}:\nPara {{company}} en {{cf.region}}: https://acme.es/oferta?a=1&b=2\n"
                "{{owner_name}} · {{unknown}}"})
    ana = lead(session, team_a, first_name="Ana", company="Peña SL", email="ana@pena.es",
               custom_fields={region.key: "Norte"})
    message = emails.send_to_lead(session=session, ctx=team_a.rep_ctx, template_id=template.id, lead_id=ana.id)
    session.commit()
    assert enqueued == [[message.id]] and message.status == "queued"
    assert emails.deliver([message.id], engine=engine, base_url=BASE) == {message.id: "sent"}
    [received] = inbox.messages
    assert received["Subject"] == "Hola Ana, una idea para Peña SL"
    assert received["To"] == "ana@pena.es" and "ventas@acme.es" in received["From"]
    text = body_of(received)
    assert text.startswith("Hola Ana:\nPara Peña SL en Norte: https://acme.es/oferta?a=1&b=2\nRaúl Rep · \n")
    assert f"{BASE}/api/e/u/{message.token}" in text and "Darte de baja" in text
    assert received["List-Unsubscribe"] == f"<{BASE}/api/e/u/{message.token}>"
    page = body_of(received, "html")
    assert f'src="{BASE}/api/e/o/{message.token}.gif"' in page
    assert f"{BASE}/api/e/c/{message.token}?u=https%3A%2F%2Facme.es%2Foferta%3Fa%3D1%26b%3D2&amp;s=" in page
    session.expire_all()
    sent = session.get(emails.EmailMessage, message.id)
    assert sent.status == "sent" and sent.outreach_id is not None
    assert session.get(Lead, ana.id).last_contacted_at is not None
    rows = emails.recent_messages(session=session, ctx=team_a.rep_ctx)
    assert [(r.to_email, r.status) for r in rows] == [("ana@pena.es", "sent")]


def test_segment_send_is_throttled_and_skips_who_cannot_be_emailed(session, engine, team_a, inbox, enqueued):
    smtp_on(session, team_a, inbox, per_minute=60)
    template = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "Hi", "subject": "Hi {{first_name}}", "body": "Hello"})
    for name, address in (("A", "a@x.es"), ("B", "b@x.es"), ("C", ""), ("D", "d@x.es")):
        lead(session, team_a, first_name=name, email=address, need="Urgent")
    session.add(emails.EmailUnsubscribe(team_id=team_a.team.id, email="d@x.es"))
    session.commit()
    segment = segments.create_segment(session=session, ctx=team_a.rep_ctx, data={
        "name": "Urgent", "conditions": [{"field": "need", "operator": "equals", "value": "Urgent"}]})
    with pytest.raises(PermissionDenied):
        emails.send_to_segment(session=session, ctx=team_a.rep_ctx, template_id=template.id, segment_id=segment.id)
    result = emails.send_to_segment(session=session, ctx=team_a.manager_ctx, template_id=template.id,
                                    segment_id=segment.id)
    session.commit()
    assert (result.queued, result.skipped) == (2, 2)
    pauses = []
    statuses = emails.deliver(list(result.message_ids), engine=engine, sleep=pauses.append, base_url=BASE)
    assert sorted(statuses.values()) == ["sent", "sent"] and pauses == [1.0]
    assert sorted(m["To"] for m in inbox.messages) == ["a@x.es", "b@x.es"]
    skipped = {r.to_email: r.error for r in emails.recent_messages(session=session, ctx=team_a.rep_ctx)
               if r.status == "skipped"}
    assert skipped == {"": "The lead has no e-mail address.", "d@x.es": "The lead unsubscribed."}


def test_smtp_failures_are_recorded_per_message(session, engine, team_a, enqueued):
    emails.save_smtp(session=session, ctx=team_a.admin_ctx, data={
        "host": "127.0.0.1", "port": str(_free_port()), "security": "none", "from_email": "v@acme.es"})
    template = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "Hi", "subject": "Hi", "body": "Hello"})
    ana = lead(session, team_a, email="ana@x.es")
    message = emails.send_to_lead(session=session, ctx=team_a.rep_ctx, template_id=template.id, lead_id=ana.id)
    session.commit()
    assert emails.deliver([message.id], engine=engine) == {message.id: "failed"}
    session.expire_all()
    assert "Could not connect to the SMTP server" in session.get(emails.EmailMessage, message.id).error


def test_settings_and_templates_are_checked(session, team_a, team_b):
    with pytest.raises(PermissionDenied):
        emails.save_smtp(session=session, ctx=team_a.manager_ctx, data={})
    with pytest.raises(ValidationFailed) as caught:
        emails.save_smtp(session=session, ctx=team_a.admin_ctx, data={
            "host": "", "port": "99999", "security": "tls?", "from_email": "nope"})
    assert set(caught.value.field_errors) == {"host", "port", "security", "from_email"}
    with pytest.raises(PermissionDenied):
        emails.create_template(session=session, ctx=team_a.rep_ctx, data={"name": "x", "subject": "x", "body": "x"})
    template = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "x", "subject": "x", "body": "x"})
    with pytest.raises(NotFound):
        emails.get_template(session=session, ctx=team_b.admin_ctx, template_id=template.id)
    emails.save_smtp(session=session, ctx=team_a.admin_ctx, data={
        "host": "smtp.acme.es", "port": "587", "security": "starttls", "username": "u",
        "password": "s3cret", "from_email": "v@acme.es"})
    stored = session.exec(select(emails.SmtpSettings)).one()
    assert "s3cret" not in stored.password_encrypted
    read = emails.save_smtp(session=session, ctx=team_a.admin_ctx, data={
        "host": "smtp.acme.es", "port": "587", "security": "starttls", "from_email": "v@acme.es"})
    assert read.password_set  # an empty password keeps the stored one


def test_tracking_and_unsubscribe_over_http(session, engine, team_a, inbox, enqueued, app_db):
    from fastapi.testclient import TestClient

    from leadhub.api import api

    smtp_on(session, team_a, inbox)
    template = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "Hi", "language": "en", "subject": "Hi", "body": "See https://acme.es/demo"})
    ana = lead(session, team_a, email="ana@x.es")
    message = emails.send_to_lead(session=session, ctx=team_a.rep_ctx, template_id=template.id, lead_id=ana.id)
    session.commit()
    emails.deliver([message.id], engine=engine, base_url=BASE)
    page = body_of(inbox.messages[0], "html")
    pixel = re.search(r'src="http://app\.test(/api/e/o/[^"]+)"', page).group(1)
    link = re.search(r'href="http://app\.test(/api/e/c/[^"]+)"', page).group(1).replace("&amp;", "&")
    client = TestClient(api)
    for _ in range(2):
        answer = client.get(pixel)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/gif"
    answer = client.get(link, follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["location"] == "https://acme.es/demo"
    forged = link.replace("demo", "evil")
    assert client.get(forged, follow_redirects=False).status_code == 404
    session.expire_all()
    row = session.get(emails.EmailMessage, message.id)
    assert (row.opens, row.clicks) == (2, 1) and row.opened_at and row.clicked_at
    names = [e.name for e in session.exec(select(DomainEvent).where(DomainEvent.lead_id == ana.id)
                                          .order_by(DomainEvent.id)).all()]
    assert names.count("EmailOpened") == 1 and names.count("EmailClicked") == 1
    subjects = [a.subject for a in session.exec(select(Activity).where(Activity.lead_id == ana.id)).all()]
    assert subjects == ["E-mail opened: Hi", "E-mail link clicked: Hi"]
    # the score follows the open and the click (BANT starter: +2 opened, +3 clicked)
    for event in session.exec(select(DomainEvent).where(DomainEvent.name.in_(["EmailOpened", "EmailClicked"]))):
        events.dispatch_event(event.id, engine=engine)
    session.expire_all()
    assert session.get(Lead, ana.id).score == 5

    unsubscribe = f"/api/e/u/{message.token}"
    form = client.get(unsubscribe)
    assert form.status_code == 200 and 'method="post"' in form.text and "Unsubscribe me" in form.text
    done = client.post(unsubscribe)
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert client.post(unsubscribe).status_code == 200  # twice is fine
    assert client.get("/api/e/u/not-a-token").status_code == 404
    again = emails.send_to_lead(session=session, ctx=team_a.rep_ctx, template_id=template.id, lead_id=ana.id)
    session.commit()
    assert again.status == "skipped" and again.error == "The lead unsubscribed."


def test_sequence_stops_when_the_lead_replies(session, engine, team_a, inbox, enqueued):
    smtp_on(session, team_a, inbox)
    first = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "1", "subject": "First for {{first_name}}", "body": "One"})
    second = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "2", "subject": "Second for {{first_name}}", "body": "Two"})
    sequence = emails.create_sequence(session=session, ctx=team_a.manager_ctx, name="Welcome", steps=[
        {"kind": "send", "template_id": first.id}, {"kind": "wait", "days": 3},
        {"kind": "send_if_no_reply", "template_id": second.id}])
    ana = lead(session, team_a, first_name="Ana", email="ana@x.es")
    leo = lead(session, team_a, first_name="Leo", email="leo@x.es")
    now = utcnow()
    for target in (ana, leo):
        emails.enroll(session=session, ctx=team_a.rep_ctx, sequence_id=sequence.id, lead_id=target.id, now=now)
    session.commit()
    assert emails.run_due_sequences(engine=engine, now=now) == 2
    emails.deliver([i for batch in enqueued for i in batch], engine=engine)
    assert sorted(m["Subject"] for m in inbox.messages) == ["First for Ana", "First for Leo"]
    # Ana answers: the rep records the reply on the e-mail's outreach
    sent = session.exec(select(emails.EmailMessage).where(emails.EmailMessage.lead_id == ana.id)).one()
    outreach.set_response(session=session, ctx=team_a.rep_ctx, outreach_id=sent.outreach_id,
                          response_status="replied")
    session.commit()
    replied = session.exec(select(DomainEvent).where(DomainEvent.name == "OutreachReplied")).one()
    events.dispatch_event(replied.id, engine=engine)
    session.expire_all()
    enrollment = session.exec(select(emails.Enrollment).where(emails.Enrollment.lead_id == ana.id)).one()
    assert (enrollment.status, enrollment.stop_reason) == ("stopped", "replied")
    enqueued.clear()
    assert emails.run_due_sequences(engine=engine, now=now + timedelta(days=2)) == 0  # still waiting
    assert emails.run_due_sequences(engine=engine, now=now + timedelta(days=3, minutes=1)) == 1
    emails.deliver([i for batch in enqueued for i in batch], engine=engine)
    assert sorted(m["Subject"] for m in inbox.messages) == ["First for Ana", "First for Leo", "Second for Leo"]
    session.expire_all()
    done = session.exec(select(emails.Enrollment).where(emails.Enrollment.lead_id == leo.id)).one()
    assert done.status == "completed"


def test_a_sequence_without_reply_handler_still_stops_at_its_next_step(session, engine, team_a, inbox, enqueued):
    """Even if the reply event was never dispatched, the next step checks for replies first."""
    smtp_on(session, team_a, inbox)
    template = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "1", "subject": "S", "body": "B"})
    sequence = emails.create_sequence(session=session, ctx=team_a.manager_ctx, name="Two", steps=[
        {"kind": "wait", "days": 1}, {"kind": "send", "template_id": template.id}])
    ana = lead(session, team_a, email="ana@x.es")
    now = utcnow()
    emails.enroll(session=session, ctx=team_a.rep_ctx, sequence_id=sequence.id, lead_id=ana.id, now=now)
    session.commit()
    emails.run_due_sequences(engine=engine, now=now)
    session.add(Outreach(team_id=team_a.team.id, user_id=team_a.rep.id, type=2, email="ana@x.es",
                         occurred_at=now + timedelta(hours=1), response_status="replied", lead_id=ana.id))
    session.commit()
    emails.run_due_sequences(engine=engine, now=now + timedelta(days=1, minutes=1))
    session.expire_all()
    enrollment = session.exec(select(emails.Enrollment)).one()
    assert (enrollment.status, enrollment.stop_reason) == ("stopped", "replied")
    assert enqueued == []


def test_a_segment_is_enrolled_once(session, engine, team_a, enqueued):
    template = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "1", "subject": "S", "body": "B"})
    sequence = emails.create_sequence(session=session, ctx=team_a.admin_ctx, name="Seq",
                                      steps=[{"kind": "send", "template_id": template.id}])
    for name in ("A", "B"):
        lead(session, team_a, last_name=name, need="Urgent", email=f"{name.lower()}@x.es")
    segment = segments.create_segment(session=session, ctx=team_a.rep_ctx, data={
        "name": "Urgent", "conditions": [{"field": "need", "operator": "equals", "value": "Urgent"}]})
    with pytest.raises(PermissionDenied):
        emails.enroll_segment(session=session, ctx=team_a.rep_ctx, sequence_id=sequence.id, segment_id=segment.id)
    assert emails.enroll_segment(session=session, ctx=team_a.manager_ctx, sequence_id=sequence.id,
                                 segment_id=segment.id) == 2
    assert emails.enroll_segment(session=session, ctx=team_a.manager_ctx, sequence_id=sequence.id,
                                 segment_id=segment.id) == 0


# --- One e-mail from the lead page, and replies arriving at the inbound endpoint ----------------

def test_compose_fills_merge_fields_and_refuses_who_cannot_be_emailed(session, engine, team_a, team_b, inbox, enqueued):
    smtp_on(session, team_a, inbox)
    template = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "Hola", "language": "es", "subject": "Hola {{first_name}}", "body": "Para {{company}}: ¿hablamos?"})
    ana = lead(session, team_a, first_name="Ana", company="Peña SL", email="ana@pena.es")
    draft = emails.compose(session=session, ctx=team_a.rep_ctx, lead_id=ana.id, template_id=template.id)
    assert (draft.to_email, draft.subject, draft.body, draft.language) == (
        "ana@pena.es", "Hola Ana", "Para Peña SL: ¿hablamos?", "es")
    written = emails.compose(session=session, ctx=team_a.rep_ctx, lead_id=ana.id,
                             subject="  Una   idea para {{company}} ", body="Hola {{first_name}}")
    assert (written.subject, written.body, written.template_id) == ("Una idea para Peña SL", "Hola Ana", None)
    with pytest.raises(ValidationFailed) as empty:
        emails.compose(session=session, ctx=team_a.rep_ctx, lead_id=ana.id, subject=" ", body="")
    assert set(empty.value.field_errors) == {"subject", "body"}
    no_address = lead(session, team_a, first_name="Sin")
    with pytest.raises(ValidationFailed, match="no e-mail address"):
        emails.compose(session=session, ctx=team_a.rep_ctx, lead_id=no_address.id, subject="S", body="B")
    with pytest.raises(NotFound):
        emails.compose(session=session, ctx=team_b.admin_ctx, lead_id=ana.id, subject="S", body="B")
    with pytest.raises(NotFound):
        emails.compose(session=session, ctx=team_b.admin_ctx,
                       lead_id=lead(session, team_b, email="b@b.mx").id, template_id=template.id)

    message = emails.send_composed(session=session, ctx=team_a.rep_ctx, lead_id=ana.id, template_id=template.id,
                                   body="Para {{company}}, escrito a mano")
    session.commit()
    assert enqueued == [[message.id]]
    assert emails.deliver([message.id], engine=engine, base_url=BASE) == {message.id: "sent"}
    received = inbox.messages[-1]
    assert received["Subject"] == "Hola Ana" and "Para Peña SL, escrito a mano" in body_of(received)
    assert "/api/e/u/" in body_of(received)                      # the unsubscribe link is in it too
    session.expire_all()
    touch = session.exec(select(Outreach).where(Outreach.lead_id == ana.id)).one()
    assert touch.description == "E-mail: Hola Ana"               # on the lead's timeline
    assert session.get(Lead, ana.id).last_contacted_at is not None

    emails.unsubscribe(session=session, token=message.token)
    session.commit()
    with pytest.raises(ValidationFailed, match="unsubscribed") as refused:
        emails.send_composed(session=session, ctx=team_a.rep_ctx, lead_id=ana.id, subject="S", body="B")
    assert refused.value.message == "This lead unsubscribed from your e-mails and cannot be e-mailed again."


def _reply(to_message, *, sender: str, body: str = "Sí, me interesa.", reference: bool = True) -> bytes:
    reply = email.message.EmailMessage()
    reply["From"] = sender
    reply["To"] = to_message["From"]
    reply["Subject"] = f"Re: {to_message['Subject']}"
    reply["Message-ID"] = email.utils.make_msgid(domain="pena.es")
    if reference:
        reply["In-Reply-To"] = to_message["Message-ID"]
        reply["References"] = to_message["Message-ID"]
    reply.set_content(f"{body}\n\n> {to_message['Subject']}\n")
    return reply.as_bytes()


@pytest.fixture
def inbound_client(app_db, monkeypatch):
    from fastapi.testclient import TestClient

    from leadhub.api import api
    from leadhub.api.v1 import deps
    monkeypatch.setattr(deps, "limiter", deps.api_keys.RateLimiter(per_minute=10**6))
    with TestClient(api) as client:
        yield client


def test_a_reply_at_the_inbound_endpoint_marks_the_reply_and_stops_the_sequence(
        session, engine, team_a, team_b, inbox, enqueued, inbound_client):
    import base64

    from tests.api.v1_support import bearer, make_key
    smtp_on(session, team_a, inbox)
    first = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "1", "subject": "Primera para {{first_name}}", "body": "Uno"})
    second = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "2", "subject": "Segunda para {{first_name}}", "body": "Dos"})
    sequence = emails.create_sequence(session=session, ctx=team_a.manager_ctx, name="Bienvenida", steps=[
        {"kind": "send", "template_id": first.id}, {"kind": "wait", "days": 3},
        {"kind": "send_if_no_reply", "template_id": second.id}])
    ana = lead(session, team_a, first_name="Ana", email="ana@pena.es")
    leo = lead(session, team_a, first_name="Leo", email="Leo@Pena.es")
    now = utcnow()
    for target in (ana, leo):
        emails.enroll(session=session, ctx=team_a.rep_ctx, sequence_id=sequence.id, lead_id=target.id, now=now)
    session.commit()
    emails.run_due_sequences(engine=engine, now=now)
    emails.deliver([i for batch in enqueued for i in batch], engine=engine, base_url=BASE)
    to_ana = next(m for m in inbox.messages if m["To"].lower() == "ana@pena.es")
    to_leo = next(m for m in inbox.messages if m["To"].lower() == "leo@pena.es")
    key = make_key(session, team_a, role="manager", user=team_a.manager)
    session.expire_all()
    touched_before = session.get(Lead, ana.id).last_contacted_at

    # refused: no key, a rep's key, something that is not an e-mail
    assert inbound_client.post("/api/e/inbound", content=_reply(to_ana, sender="ana@pena.es")).status_code == 401
    rep_key = make_key(session, team_a, role="rep", user=team_a.rep)
    assert inbound_client.post("/api/e/inbound", content=_reply(to_ana, sender="ana@pena.es"),
                               headers=bearer(rep_key)).status_code == 403
    junk = inbound_client.post("/api/e/inbound", content=b"hello there", headers=bearer(key))
    assert junk.status_code == 422 and "not an e-mail" in junk.json()["error"]["message"]
    # team B's key: Ana's reply answers nothing B sent, and nothing of A changes
    b_key = make_key(session, team_b, role="admin")
    other = inbound_client.post("/api/e/inbound", content=_reply(to_ana, sender="ana@pena.es"), headers=bearer(b_key))
    assert other.status_code == 200 and other.json()["matched"] is False
    session.expire_all()
    assert session.exec(select(emails.EmailMessage).where(emails.EmailMessage.status == "replied")).all() == []

    # Ana's reply, raw RFC 822, matched by In-Reply-To
    answer = inbound_client.post("/api/e/inbound", content=_reply(to_ana, sender="Ana Peña <ana@pena.es>"),
                                 headers={**bearer(key), "Content-Type": "message/rfc822"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["matched"] is True and answer.json()["lead_id"] == ana.id
    session.expire_all()
    sent = session.exec(select(emails.EmailMessage).where(emails.EmailMessage.lead_id == ana.id)).one()
    assert sent.status == "replied"
    touch = session.get(Outreach, sent.outreach_id)
    assert touch.response_status == "replied" and touch.responded_at is not None
    replied_activity = session.exec(select(Activity).where(Activity.lead_id == ana.id,
                                                           Activity.subject.startswith("E-mail replied"))).one()
    assert replied_activity.subject == "E-mail replied: Re: Primera para Ana" and replied_activity.status == "completed"
    assert session.get(Lead, ana.id).last_contacted_at > touched_before
    enrollment = session.exec(select(emails.Enrollment).where(emails.Enrollment.lead_id == ana.id)).one()
    assert (enrollment.status, enrollment.stop_reason) == ("stopped", "replied")
    replied_event = session.exec(select(DomainEvent).where(DomainEvent.name == "OutreachReplied")).one()
    events.dispatch_event(replied_event.id, engine=engine)     # what the worker does: the score follows
    session.expire_all()
    from leadhub.services import scoring
    explained = scoring.explain(session=session, ctx=team_a.admin_ctx, lead_id=ana.id)
    assert explained.score >= 10 and [(c.behaviour, c.points) for c in explained.lines] == [("outreach_replied", 10)]
    # the same reply delivered twice is recorded once
    again = inbound_client.post("/api/e/inbound", content=_reply(to_ana, sender="ana@pena.es"), headers=bearer(key))
    assert again.json()["already_recorded"] is True
    session.expire_all()
    assert len(session.exec(select(Activity).where(Activity.subject.startswith("E-mail replied"))).all()) == 1

    # Leo replies from his mail client without threading headers, posted the Mailgun way
    # (form field body-mime, the key as Basic auth's password): matched by his address
    basic = {"Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}
    answer = inbound_client.post("/api/e/inbound", headers=basic, data={
        "body-mime": _reply(to_leo, sender="leo@pena.es", reference=False).decode()})
    assert answer.status_code == 200 and answer.json()["lead_id"] == leo.id

    # three days on: nobody gets the second e-mail, both replied
    enqueued.clear()
    emails.run_due_sequences(engine=engine, now=now + timedelta(days=3, minutes=1))
    assert enqueued == []
    session.expire_all()
    assert {e.stop_reason for e in session.exec(select(emails.Enrollment)).all()} == {"replied"}
