"""Outgoing webhooks against a real HTTP server on 127.0.0.1: lead.created, lead.status_changed
and deal.created arrive signed (HMAC-SHA256 of the body with the endpoint's secret), through
the notifications outbox with its retries; teams without webhooks get no extra events."""

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from leadhub.services import board, events, leads, notifications, webhooks
from leadhub.services.models import DomainEvent, Lead, Notification
from leadhub.services.notifications import NotificationStatus
from tests.api.v1_support import bearer, make_key, outbox, run_outbox  # noqa: F401


class Receiver:
    """A webhook receiver: records each POST (raw body and headers), answers from a script."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: deque[int] = deque()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = receiver.answers.popleft() if receiver.answers else 204
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "30")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/leadhub"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setenv("LEADHUB_WEBHOOKS_ALLOW_PRIVATE", "1")
    server = Receiver()
    yield server
    server.stop()


def verified(delivery: dict, secret: str) -> dict:
    """The body, after checking the signature the way a receiver would."""
    expected = "sha256=" + hmac.new(secret.encode(), delivery["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(delivery["headers"]["X-LeadHub-Signature"], expected)
    assert abs(int(delivery["headers"]["X-LeadHub-Timestamp"]) - time.time()) < 60
    assert delivery["headers"]["Content-Type"] == "application/json"
    return json.loads(delivery["body"])


def test_lead_and_deal_events_arrive_signed(session, client, team_a, receiver, outbox):
    h = bearer(make_key(session, team_a))
    answer = client.post("/api/v1/webhooks", headers=h, json={
        "url": receiver.url, "events": ["lead.created", "lead.status_changed", "deal.created"],
        "description": "Zapier"})
    assert answer.status_code == 201, answer.text
    hook = answer.json()
    secret = hook["secret"]
    assert secret.startswith("whsec_") and hook["secret_masked"].endswith(secret[-4:])
    assert "secret" not in client.get(f"/api/v1/webhooks/{hook['id']}", headers=h).json()

    lead = client.post("/api/v1/leads", headers=h, json={"first_name": "Eva", "last_name": "Sanz",
                                                         "email": "eva@sanz.es"}).json()
    client.patch(f"/api/v1/leads/{lead['id']}", headers=h, json={"status": "Qualified"})
    deal = client.post("/api/v1/deals", headers=h, json={"name": "Sanz", "lead_id": lead["id"]}).json()
    outcomes = run_outbox(outbox)
    assert [o.status for o in outcomes] == ["delivered"] * 3
    bodies = [verified(d, secret) for d in receiver.received]
    assert [b["event"] for b in bodies] == ["lead.created", "lead.status_changed", "deal.created"]
    created, changed, new_deal = bodies
    assert created["data"]["lead"]["id"] == lead["id"] and created["data"]["lead"]["email"] == "eva@sanz.es"
    assert created["team_id"] == team_a.team.id and created["id"].startswith("evt_")
    assert created["occurred_at"].endswith("Z")
    assert changed["data"]["from_status"] == "New" and changed["data"]["to_status"] == "Qualified"
    assert new_deal["data"]["deal"]["id"] == deal["id"] and new_deal["data"]["deal"]["lead_id"] == lead["id"]
    assert receiver.received[0]["headers"]["X-LeadHub-Event"] == "lead.created"
    assert receiver.received[0]["path"] == "/hooks/leadhub"

    # a board move is a status change too (dispatched by the sweep)
    session.expire_all()
    moved = board.move(session=session, ctx=team_a.admin_ctx, lead_id=lead["id"], to_status="Contacted",
                       expected_version=session.get(Lead, lead["id"]).version)
    session.commit()
    assert moved.to_status == "Contacted"
    created_ids = events.dispatch_pending(grace_seconds=0)
    for notification_id in created_ids:
        notifications.deliver(notification_id)
    last = verified(receiver.received[-1], secret)
    assert last["event"] == "lead.status_changed" and last["data"]["via"] == "board"


def test_failures_are_retried_with_the_same_body_then_shown_as_failed(session, client, team_a, receiver, outbox):
    h = bearer(make_key(session, team_a))
    hook = client.post("/api/v1/webhooks", headers=h, json={"url": receiver.url, "events": ["lead.created"]}).json()
    receiver.answers.extend([503, 429])
    client.post("/api/v1/leads", headers=h, json={"last_name": "Reintento"})
    first = run_outbox(outbox)[0]
    assert first.status == NotificationStatus.PENDING.value and first.next_attempt_at is not None
    second = notifications.deliver(first.notification_id, now=first.next_attempt_at)
    assert second.status == NotificationStatus.PENDING.value
    assert (second.next_attempt_at - first.next_attempt_at).total_seconds() >= 30     # Retry-After
    third = notifications.deliver(first.notification_id, now=second.next_attempt_at)
    assert third.status == NotificationStatus.DELIVERED.value
    bodies = {d["body"] for d in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1           # the same bytes every time
    assert {d["headers"]["X-LeadHub-Delivery"] for d in receiver.received} == {str(first.notification_id)}
    verified(receiver.received[-1], hook["secret"])

    receiver.answers.append(400)                                       # refused: no retry
    client.post("/api/v1/leads", headers=h, json={"last_name": "Rechazo"})
    refused = run_outbox(outbox)[0]
    assert refused.status == NotificationStatus.FAILED.value and "400" in refused.error
    failed = notifications.list_failed(session=session, ctx=team_a.admin_ctx)
    assert [n.channel for n in failed.items] == [f"webhook:{hook['id']}"]
    notifications.retry(session=session, ctx=team_a.admin_ctx, notification_id=refused.notification_id)
    session.commit()
    assert notifications.deliver(refused.notification_id).status == NotificationStatus.DELIVERED.value


def test_rotation_test_ping_disable_and_delete(session, client, team_a, receiver, outbox):
    h = bearer(make_key(session, team_a))
    hook = client.post("/api/v1/webhooks", headers=h, json={"url": receiver.url, "events": ["lead.created"]}).json()
    rotated = client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=h).json()
    assert rotated["secret"] != hook["secret"]
    assert client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=h).json() == {"status_code": 204}
    ping = verified(receiver.received[-1], rotated["secret"])
    assert ping["event"] == "ping"
    receiver.answers.append(410)
    answer = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=h)
    assert answer.status_code == 502 and "410" in answer.json()["error"]["message"]

    client.post("/api/v1/leads", headers=h, json={"last_name": "Antes"})
    queued = [n for event_id in outbox.pop("event_ids") for n in events.dispatch_event(event_id)]
    outbox["event_ids"] = []
    assert client.patch(f"/api/v1/webhooks/{hook['id']}", headers=h, json={"enabled": False}).json()["enabled"] is False
    skipped = notifications.deliver(queued[0])         # turned off after dispatch: skipped
    assert skipped.status == NotificationStatus.SKIPPED.value
    count = len(receiver.received)
    client.post("/api/v1/leads", headers=h, json={"last_name": "Apagado"})
    assert run_outbox(outbox) == [] and len(receiver.received) == count
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=h).status_code == 204
    assert client.get("/api/v1/webhooks", headers=h).json() == []


def test_teams_without_webhooks_record_no_extra_events(session, team_a, team_b, monkeypatch):
    monkeypatch.setenv("LEADHUB_WEBHOOKS_ALLOW_PRIVATE", "1")
    webhooks.create_endpoint(session=session, ctx=team_b.admin_ctx, url="http://127.0.0.1:9/x",
                             events=["deal.created"])
    leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Sin webhooks"})
    leads.create_lead(session=session, ctx=team_b.rep_ctx, data={"last_name": "Solo deals"})
    session.commit()
    assert session.exec(select(DomainEvent)).all() == []
    assert session.exec(select(Notification)).all() == []


def test_private_destinations_are_refused_unless_allowed(session, team_a, monkeypatch):
    monkeypatch.delenv("LEADHUB_WEBHOOKS_ALLOW_PRIVATE", raising=False)
    for url in ("http://example.com/hook", "https://127.0.0.1/hook", "https://localhost/x",
                "https://169.254.169.254/latest", "https://[::1]/x", "https://10.1.2.3/x", "ftp://example.com"):
        with pytest.raises(ValueError):
            webhooks.check_url(url)
    assert webhooks.check_url("https://hooks.zapier.com/hooks/catch/1/abc") == "https://hooks.zapier.com/hooks/catch/1/abc"
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.0.0.5", 0))])
    with pytest.raises(notifications.DeliveryFailed) as refused:
        webhooks.check_destination("https://sneaky.example.com/hook")
    assert refused.value.retryable is False
