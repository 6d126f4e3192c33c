"""Notification settings and delivery against real HTTP servers on 127.0.0.1 that speak the
Telegram Bot API and Slack incoming-webhook contracts: bodies, retries, 429s, hanging servers,
leases after a crash, two workers at once, failed-and-retried. Runs on SQLite and PostgreSQL."""

import threading
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from leadhub.services import crypto, events, notifications
from leadhub.services.errors import (
    Conflict,
    IntegrationError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from leadhub.services.models import Notification, utcnow
from leadhub.services.notifications import (
    NotificationChannel,
    NotificationChannelUpdate,
    NotificationStatus,
)
from leadhub.services.notifications import delivery, notifiers
from tests.services.fake_chat_servers import FakeChatServer
from tests.services.notification_helpers import (
    CHAT_ID,
    SLACK_PATH,
    TOKEN,
    acquire,
    slack_on,
    telegram_on,
)


@pytest.fixture
def chat_server():
    """A fake Telegram/Slack server on 127.0.0.1, stopped after the test."""
    server = FakeChatServer().start()
    yield server
    server.stop()


def dispatched(session, engine, team, server, *, slack=False) -> int:
    """One stored Telegram (or Slack) notification for a fresh LeadAcquired."""
    (slack_on if slack else telegram_on)(session, team, server)
    event = acquire(session, team)
    [notification_id] = events.dispatch_event(event.id, engine=engine)
    return notification_id


def stored(session, notification_id) -> Notification:
    session.expire_all()
    return session.get(Notification, notification_id)


# --- Settings -----------------------------------------------------------------------------

def test_channel_settings_are_for_admins_only(session, team_a):
    for ctx in (team_a.rep_ctx, team_a.manager_ctx):
        for call in (
            lambda: notifications.list_channels(session=session, ctx=ctx),
            lambda: notifications.get_channel(session=session, ctx=ctx, kind="telegram"),
            lambda: notifications.save_channel(session=session, ctx=ctx, kind="slack",
                                               channel_in=NotificationChannelUpdate(enabled=False)),
            lambda: notifications.delete_channel(session=session, ctx=ctx, kind="slack"),
            lambda: notifications.send_test(session=session, ctx=ctx, kind="telegram"),
            lambda: notifications.list_failed(session=session, ctx=ctx),
            lambda: notifications.retry(session=session, ctx=ctx, notification_id=1),
            lambda: notifications.retry_all_failed(session=session, ctx=ctx),
        ):
            with pytest.raises(PermissionDenied):
                call()


def test_secrets_are_masked_on_read_and_encrypted_at_rest(session, team_a, chat_server):
    read = telegram_on(session, team_a, chat_server)
    slack = slack_on(session, team_a, chat_server)
    assert read.secret_masked == "••••" + TOKEN[-4:] and read.configured and read.enabled
    assert slack.secret_masked == "••••" + SLACK_PATH[-4:]
    everything = repr(notifications.list_channels(session=session, ctx=team_a.admin_ctx))
    assert TOKEN not in everything and SLACK_PATH not in everything
    assert TOKEN[:20] not in everything and "XXXXsecret" not in everything
    rows = session.exec(select(NotificationChannel).order_by(NotificationChannel.kind)).all()
    assert [r.kind for r in rows] == ["slack", "telegram"]
    for row, secret in zip(rows, (chat_server.url + SLACK_PATH, TOKEN)):
        assert secret not in row.secret_ciphertext and "secret" not in row.secret_ciphertext
        assert crypto.decrypt(row.secret_ciphertext) == secret


def test_a_changed_secret_key_cannot_read_stored_secrets(session, team_a, chat_server, monkeypatch):
    telegram_on(session, team_a, chat_server)
    row = session.exec(select(NotificationChannel)).one()

    class OtherKey:
        secret_key = "another-key"
    monkeypatch.setattr(crypto, "get_settings", lambda: OtherKey())
    with pytest.raises(IntegrationError):
        crypto.decrypt(row.secret_ciphertext)


def test_saving_keeps_the_secret_unless_a_new_one_is_given(session, team_a, chat_server):
    telegram_on(session, team_a, chat_server)
    read = notifications.save_channel(session=session, ctx=team_a.admin_ctx, kind="telegram",
                                      channel_in=NotificationChannelUpdate(template="Deal {deal_name}"))
    assert read.secret_masked.endswith(TOKEN[-4:]) and read.template == "Deal {deal_name}"
    read = notifications.save_channel(session=session, ctx=team_a.admin_ctx, kind="telegram",
                                      channel_in=NotificationChannelUpdate(template=""))
    assert read.template == read.default_template
    read = notifications.save_channel(session=session, ctx=team_a.admin_ctx, kind="telegram",
                                      channel_in=NotificationChannelUpdate(enabled=False, secret=""))
    assert (read.enabled, read.configured, read.secret_masked) == (False, False, "")


def test_bad_settings_are_reported_at_their_fields(session, team_a):
    with pytest.raises(ValidationFailed) as err:
        notifications.save_channel(session=session, ctx=team_a.admin_ctx, kind="telegram",
                                   channel_in=NotificationChannelUpdate(
                                       enabled=True, secret="not-a-token", chat_id="general chat",
                                       api_base_url="ftp://x", template="Hi {password}"))
    assert set(err.value.field_errors) == {"secret", "chat_id", "api_base_url", "template"}
    with pytest.raises(ValidationFailed) as err:
        notifications.save_channel(session=session, ctx=team_a.admin_ctx, kind="telegram",
                                   channel_in=NotificationChannelUpdate(enabled=True, secret=TOKEN))
    assert set(err.value.field_errors) == {"enabled"}          # no chat id yet
    with pytest.raises(ValidationFailed) as err:
        notifications.save_channel(session=session, ctx=team_a.admin_ctx, kind="slack",
                                   channel_in=NotificationChannelUpdate(secret="hooks.slack.com/x"))
    assert set(err.value.field_errors) == {"secret"}
    with pytest.raises(ValidationFailed):
        notifications.get_channel(session=session, ctx=team_a.admin_ctx, kind="carrier-pigeon")


def test_teams_never_see_each_others_settings_or_notifications(session, engine, team_a, team_b,
                                                                chat_server):
    telegram_on(session, team_a, chat_server)
    chat_server.then_status(400, {"ok": False, "error_code": 400,
                                  "description": "Bad Request: chat not found"})
    notification_id = dispatched(session, engine, team_a, chat_server)
    notifications.deliver(notification_id, engine=engine)
    assert [c.configured for c in notifications.list_channels(session=session, ctx=team_b.admin_ctx)] \
        == [False, False]
    assert notifications.list_failed(session=session, ctx=team_a.admin_ctx).total == 1
    assert notifications.list_failed(session=session, ctx=team_b.admin_ctx).total == 0
    with pytest.raises(NotFound):
        notifications.retry(session=session, ctx=team_b.admin_ctx, notification_id=notification_id)
    with pytest.raises(NotFound):
        notifications.delete_channel(session=session, ctx=team_b.admin_ctx, kind="telegram")
    # team B's own LeadAcquired creates nothing: B has no channel
    event = acquire(session, team_b)
    assert events.dispatch_event(event.id, engine=engine) == []


# --- Send a test --------------------------------------------------------------------------

def test_send_test_posts_to_the_telegram_bot_api(session, team_a, chat_server):
    telegram_on(session, team_a, chat_server)
    text = notifications.send_test(session=session, ctx=team_a.admin_ctx, kind="telegram")
    [request] = chat_server.requests
    assert request.path == f"/bot{TOKEN}/sendMessage"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body["chat_id"] == CHAT_ID and request.body["text"] == text
    assert "Test deal (LeadHub)" in text and "1,234.50 EUR" in text and "Acme Ventas" in text


def test_send_test_uses_unsaved_form_values_and_posts_slack_json(session, team_a, chat_server):
    text = notifications.send_test(
        session=session, ctx=team_a.admin_ctx, kind="slack",
        channel_in=NotificationChannelUpdate(secret=chat_server.url + SLACK_PATH,
                                             template="<b>{deal_name}</b> & {rep_name}"))
    [request] = chat_server.requests
    assert request.path == SLACK_PATH
    assert request.body == {"text": text, "blocks": [{"type": "section", "text": {
        "type": "mrkdwn", "text": "&lt;b&gt;Test deal (LeadHub)&lt;/b&gt; &amp; Acme Ventas Admin"}}]}
    assert notifications.get_channel(session=session, ctx=team_a.admin_ctx,
                                     kind="slack").configured is False   # nothing saved


def test_send_test_reports_a_refusal_without_leaking_the_token(session, team_a, chat_server):
    telegram_on(session, team_a, chat_server)
    chat_server.then_status(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    with pytest.raises(IntegrationError) as err:
        notifications.send_test(session=session, ctx=team_a.admin_ctx, kind="telegram")
    assert "Unauthorized" in err.value.message and TOKEN not in err.value.message


def test_unreachable_server_is_an_integration_error_without_the_token(session, team_a, chat_server):
    closed = FakeChatServer().start()
    closed.stop()
    telegram_on(session, team_a, chat_server, api_base_url=closed.url)
    with pytest.raises(IntegrationError) as err:
        notifications.send_test(session=session, ctx=team_a.admin_ctx, kind="telegram")
    assert "Could not reach Telegram" in err.value.message and TOKEN not in err.value.message


# --- Messages -----------------------------------------------------------------------------

def test_lead_acquired_reaches_telegram_and_slack_with_the_template_filled(session, engine, team_a,
                                                                           chat_server):
    template = ("{deal_name}|{amount}|{currency}|{stage}|{outreach_type}|{outreach_value}|"
                "{outreach_at}|{rep_name}|{user_name}|{team_name}|{occurred_at}|{unknown}|"
                "{deal_name.__class__}")
    telegram_on(session, team_a, chat_server, template=template.replace("|{unknown}", ""))
    slack_on(session, team_a, chat_server)
    event = acquire(session, team_a, name="Tienda online", amount="12500")
    notification_ids = events.dispatch_event(event.id, engine=engine)
    assert len(notification_ids) == 2
    assert events.dispatch_event(event.id, engine=engine) == []        # once only
    for notification_id in notification_ids:
        assert notifications.deliver(notification_id, engine=engine).status == "delivered"
    telegram, slack = sorted(chat_server.requests, key=lambda r: not r.is_telegram)
    local = event.occurred_at.astimezone(ZoneInfo("Europe/Madrid")).strftime("%Y-%m-%d %H:%M %Z")
    assert telegram.body["chat_id"] == CHAT_ID
    assert telegram.body["text"] == (
        f"Tienda online|12,500.00|EUR|Prospecting|Email|ana@cliente.es|2026-03-10 10:15 CET|"
        f"Raúl Rep|Marta Manager|Acme Ventas|{local}|{{deal_name.__class__}}")
    assert slack.path == SLACK_PATH and slack.body["text"].startswith("🎉 New deal: Tienda online")
    assert "Lead acquired by Raúl Rep via Email: ana@cliente.es" in slack.body["text"]
    rows = session.exec(select(Notification)).all()
    assert {(r.channel, r.status, r.attempts) for r in rows} == {
        ("telegram", "delivered", 1), ("slack", "delivered", 1)}
    assert all(r.delivered_at is not None and r.claimed_until is None for r in rows)
    for notification_id in notification_ids:                             # done is done
        assert notifications.deliver(notification_id, engine=engine) is None
    assert len(chat_server.requests) == 2


def test_a_disabled_or_removed_channel_skips_without_calling_out(session, engine, team_a, chat_server):
    notification_id = dispatched(session, engine, team_a, chat_server)
    notifications.save_channel(session=session, ctx=team_a.admin_ctx, kind="telegram",
                               channel_in=NotificationChannelUpdate(enabled=False))
    session.commit()
    outcome = notifications.deliver(notification_id, engine=engine)
    assert outcome.status == NotificationStatus.SKIPPED.value and chat_server.requests == []
    notifications.delete_channel(session=session, ctx=team_a.admin_ctx, kind="telegram")
    session.commit()
    event = acquire(session, team_a)
    assert events.dispatch_event(event.id, engine=engine) == []


# --- Retries --------------------------------------------------------------------------------

def test_a_500_is_retried_after_backoff_then_delivered(session, engine, team_a, chat_server):
    notification_id = dispatched(session, engine, team_a, chat_server)
    chat_server.then_status(500).then_ok()
    t0 = utcnow() + timedelta(seconds=1)
    outcome = notifications.deliver(notification_id, engine=engine, now=t0)
    assert outcome.status == "pending" and "500" in outcome.error
    assert outcome.next_attempt_at == t0 + timedelta(seconds=notifications.BACKOFF_BASE_SECONDS)
    assert notifications.deliver(notification_id, engine=engine, now=t0 + timedelta(seconds=9)) is None
    assert len(chat_server.requests) == 1                               # not before its time
    outcome = notifications.deliver(notification_id, engine=engine, now=outcome.next_attempt_at)
    assert outcome.status == "delivered" and outcome.attempts == 2
    assert len(chat_server.requests) == 2
    assert stored(session, notification_id).last_error == ""


def test_telegram_429_retry_after_is_honoured(session, engine, team_a, chat_server):
    notification_id = dispatched(session, engine, team_a, chat_server)
    chat_server.then_rate_limited(retry_after=37)
    t0 = utcnow() + timedelta(seconds=1)
    outcome = notifications.deliver(notification_id, engine=engine, now=t0)
    assert outcome.status == "pending" and "retry after 37" in outcome.error
    assert outcome.next_attempt_at == t0 + timedelta(seconds=37)        # not the 10 s backoff
    assert notifications.due_notification_ids(engine=engine, now=t0 + timedelta(seconds=36)) == []
    assert notifications.deliver(notification_id, engine=engine, now=t0 + timedelta(seconds=36)) is None
    assert notifications.due_notification_ids(engine=engine, now=t0 + timedelta(seconds=37)) \
        == [notification_id]
    assert notifications.deliver(notification_id, engine=engine,
                                 now=t0 + timedelta(seconds=37)).status == "delivered"
    assert len(chat_server.requests) == 2


def test_slack_429_retry_after_header_is_honoured(session, engine, team_a, chat_server):
    notification_id = dispatched(session, engine, team_a, chat_server, slack=True)
    chat_server.then_rate_limited(retry_after=90)
    t0 = utcnow() + timedelta(seconds=1)
    outcome = notifications.deliver(notification_id, engine=engine, now=t0)
    assert outcome.next_attempt_at == t0 + timedelta(seconds=90)
    assert notifications.deliver(notification_id, engine=engine, now=t0 + timedelta(seconds=89)) is None
    assert notifications.deliver(notification_id, engine=engine,
                                 now=t0 + timedelta(seconds=90)).status == "delivered"


def test_a_hanging_server_times_out_and_is_retried(session, engine, team_a, chat_server, monkeypatch):
    monkeypatch.setattr(notifiers, "HTTP_TIMEOUT_SECONDS", 0.5)
    notification_id = dispatched(session, engine, team_a, chat_server)
    chat_server.then_hang()
    started = time.monotonic()
    outcome = notifications.deliver(notification_id, engine=engine)
    assert time.monotonic() - started < 5
    assert outcome.status == "pending" and "did not answer within 0.5 s" in outcome.error
    assert stored(session, notification_id).claimed_until is None       # lease handed back


def test_failed_after_the_last_try_is_kept_listed_and_retried(session, engine, team_a, chat_server):
    notification_id = dispatched(session, engine, team_a, chat_server)
    for _ in range(notifications.MAX_ATTEMPTS):
        chat_server.then_status(503)
    now = utcnow() + timedelta(seconds=1)
    waits = []
    for attempt in range(1, notifications.MAX_ATTEMPTS + 1):
        outcome = notifications.deliver(notification_id, engine=engine, now=now)
        assert outcome.attempts == attempt
        if outcome.next_attempt_at:
            waits.append((outcome.next_attempt_at - now).total_seconds())
            now = outcome.next_attempt_at
    assert waits == [notifications.backoff_seconds(a) for a in range(1, notifications.MAX_ATTEMPTS)]
    assert waits[:3] == [10, 20, 40]
    assert outcome.status == "failed" and len(chat_server.requests) == notifications.MAX_ATTEMPTS
    assert notifications.deliver(notification_id, engine=engine, now=now + timedelta(days=1)) is None

    page = notifications.list_failed(session=session, ctx=team_a.admin_ctx)
    [failed] = page.items
    assert (page.total, failed.id, failed.channel, failed.event_name, failed.deal_name) == (
        1, notification_id, "telegram", "LeadAcquired", "Web shop")
    assert "503" in failed.last_error and failed.attempts == notifications.MAX_ATTEMPTS

    retried = notifications.retry(session=session, ctx=team_a.admin_ctx, notification_id=notification_id)
    assert (retried.status, retried.attempts) == ("pending", 0)
    session.commit()
    with pytest.raises(Conflict):
        notifications.retry(session=session, ctx=team_a.admin_ctx, notification_id=notification_id)
    assert notifications.deliver(notification_id, engine=engine).status == "delivered"
    assert notifications.list_failed(session=session, ctx=team_a.admin_ctx).total == 0


def test_a_refusal_retrying_cannot_fix_fails_at_once(session, engine, team_a, chat_server):
    notification_id = dispatched(session, engine, team_a, chat_server)
    chat_server.then_status(400, {"ok": False, "error_code": 400,
                                  "description": "Bad Request: chat not found"})
    outcome = notifications.deliver(notification_id, engine=engine)
    assert outcome.status == "failed" and "chat not found" in outcome.error
    assert TOKEN not in stored(session, notification_id).last_error
    assert notifications.retry_all_failed(session=session, ctx=team_a.admin_ctx) == 1
    session.commit()
    assert notifications.deliver(notification_id, engine=engine).status == "delivered"


# --- Leases ---------------------------------------------------------------------------------

def test_a_crash_between_claim_and_send_delivers_once_after_the_lease(session, engine, team_a,
                                                                      chat_server):
    notification_id = dispatched(session, engine, team_a, chat_server)
    t0 = utcnow() + timedelta(seconds=1)
    claim = notifications.claim(notification_id, engine=engine, now=t0)
    assert claim is not None and claim.attempt == 1
    # … the worker dies here: nothing was sent, the lease is still held.
    during = t0 + timedelta(seconds=notifications.LEASE_SECONDS - 1)
    assert notifications.due_notification_ids(engine=engine, now=during) == []
    assert notifications.deliver(notification_id, engine=engine, now=during) is None
    after = t0 + timedelta(seconds=notifications.LEASE_SECONDS)
    assert notifications.due_notification_ids(engine=engine, now=after) == [notification_id]
    outcome = notifications.deliver(notification_id, engine=engine, now=after)
    assert (outcome.status, outcome.attempts) == ("delivered", 2)
    assert notifications.deliver(notification_id, engine=engine, now=after + timedelta(hours=1)) is None
    assert len(chat_server.requests) == 1


def test_a_late_worker_cannot_overwrite_the_outcome_of_a_newer_claim(session, engine, team_a,
                                                                     chat_server):
    notification_id = dispatched(session, engine, team_a, chat_server)
    t0 = utcnow() + timedelta(seconds=1)
    stale = notifications.claim(notification_id, engine=engine, now=t0)
    later = t0 + timedelta(seconds=notifications.LEASE_SECONDS + 1)
    assert notifications.deliver(notification_id, engine=engine, now=later).status == "delivered"
    delivery._finish(engine, stale, status="pending", next_attempt_at=later, error="stale")
    row = stored(session, notification_id)
    assert (row.status, row.last_error) == ("delivered", "")


def test_two_workers_claiming_at_once_send_once(session, engine, team_a, chat_server):
    notification_id = dispatched(session, engine, team_a, chat_server)
    chat_server.then_ok(delay=0.3)
    t0 = utcnow() + timedelta(seconds=1)
    workers = 6
    barrier = threading.Barrier(workers)
    outcomes, errors = [], []

    def work():
        try:
            barrier.wait()
            outcomes.append(notifications.deliver(notification_id, engine=engine, now=t0))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(o.status for o in outcomes if o is not None) == ["delivered"]
    assert outcomes.count(None) == workers - 1
    assert len(chat_server.requests) == 1


def test_only_one_of_many_simultaneous_claims_wins(session, engine, team_a, chat_server):
    notification_id = dispatched(session, engine, team_a, chat_server)
    t0 = utcnow() + timedelta(seconds=1)
    workers = 8
    barrier = threading.Barrier(workers)
    claims = []

    def work():
        barrier.wait()
        claims.append(notifications.claim(notification_id, engine=engine, now=t0))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(claims) == workers
    assert [c.attempt for c in claims if c is not None] == [1]
