"""The outbox end to end on Huey: enqueue after commit (never after a rollback), the real
SqliteHuey queue and consumer, the periodic sweep after crashes, and one handler table.
Runs on SQLite and PostgreSQL; the Huey file lives in a temporary data folder."""

import threading
import time
from datetime import timedelta

import pytest
from huey import RedisHuey, SqliteHuey
from huey.api import PeriodicTask
from huey.storage import SqliteStorage
from sqlmodel import Session, select

from leadhub.config import Settings, get_settings
from leadhub.services import deals, events, notifications, tasks
from leadhub.services.deals import DealCreate
from leadhub.services.models import DomainEvent, Notification, utcnow
from leadhub.services.notifications import notifiers
from tests.services import crm_records as crm
from tests.services.fake_chat_servers import FakeChatServer
from tests.services.notification_helpers import acquire, telegram_on


@pytest.fixture
def chat_server():
    """A fake Telegram/Slack server on 127.0.0.1, stopped after the test."""
    server = FakeChatServer().start()
    yield server
    server.stop()


@pytest.fixture
def worker_env(database_url, tmp_path, monkeypatch):
    """Settings as a worker process sees them: this test's database, a temporary data folder
    holding the Huey SQLite file, and the same secret key."""
    monkeypatch.setenv("LEADHUB_SECRET_KEY", get_settings().secret_key)
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADHUB_DATABASE_URL", database_url)
    get_settings.cache_clear()
    queue_file = get_settings().data_dir / "huey.db"
    monkeypatch.setattr(tasks.huey, "storage", SqliteStorage(tasks.QUEUE_NAME, filename=str(queue_file)))
    yield tasks.huey
    tasks.huey.storage.close()
    get_settings.cache_clear()


@pytest.fixture
def immediate(worker_env, monkeypatch):
    """Tasks run inline (Huey's immediate mode), against this test's database."""
    monkeypatch.setattr(tasks.huey, "immediate", True)
    return tasks.huey


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "enqueue_after_commit",
                        lambda **ids: calls.append({k: list(v) for k, v in ids.items()}))
    return calls


def _deal_with_source(session, team, name="Deal"):
    source = crm.outreach(session, team, team.rep)
    return deals.create_deal(session=session, ctx=team.rep_ctx,
                             deal_in=DealCreate(name=name, outreach_id=source.id))


def _event_ids(session):
    return list(session.exec(select(DomainEvent.id).order_by(DomainEvent.id)).all())


# --- After commit, never after rollback ---------------------------------------------------

def test_events_are_enqueued_after_commit_and_never_after_rollback(engine, team_a, enqueued):
    with Session(engine, expire_on_commit=False) as session:
        events.after_commit(session)
        _deal_with_source(session, team_a, "Kept")
        assert enqueued == []                                  # not before commit
        session.commit()
        assert enqueued == [{"event_ids": _event_ids(session), "notification_ids": []}]

        _deal_with_source(session, team_a, "Dropped")
        session.rollback()
        deals.create_deal(session=session, ctx=team_a.rep_ctx, deal_in=DealCreate(name="No source"))
        session.commit()                                       # nothing new, nothing stale
        assert len(enqueued) == 1
        assert len(_event_ids(session)) == 1


def test_an_error_inside_session_scope_rolls_back_and_enqueues_nothing(engine, team_a, enqueued):
    from leadhub.services.db import session_scope

    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            events.after_commit(session)
            _deal_with_source(session, team_a)
            raise RuntimeError("the request failed after the deal was flushed")
    assert enqueued == []
    with Session(engine) as session:
        assert _event_ids(session) == []


def test_without_after_commit_nothing_is_enqueued(engine, team_a, enqueued):
    with Session(engine) as session:
        _deal_with_source(session, team_a)
        session.commit()
    assert enqueued == []                                      # the sweep will find it


def test_enqueue_failure_does_not_fail_the_commit(engine, team_a, monkeypatch):
    def broken(**_):
        raise ConnectionError("redis is down")
    monkeypatch.setattr(tasks, "enqueue_after_commit", broken)
    with Session(engine) as session:
        events.after_commit(session)
        _deal_with_source(session, team_a)
        session.commit()
        assert len(_event_ids(session)) == 1


# --- The real queue -------------------------------------------------------------------------

def test_creating_a_deal_never_waits_for_a_hanging_telegram(session, engine, team_a, chat_server,
                                                            worker_env, monkeypatch):
    monkeypatch.setattr(notifiers, "HTTP_TIMEOUT_SECONDS", 0.5)
    telegram_on(session, team_a, chat_server)
    chat_server.then_hang()
    started = time.monotonic()
    with Session(engine) as request:
        events.after_commit(request)
        _deal_with_source(request, team_a)
        request.commit()
    assert time.monotonic() - started < 1.0
    assert chat_server.requests == [] and worker_env.pending_count() == 1

    worker_env.execute(worker_env.dequeue())                  # the worker: dispatch …
    assert session.exec(select(Notification)).one().status == "pending"
    assert worker_env.pending_count() == 1
    worker_env.execute(worker_env.dequeue())                  # … then deliver: times out
    assert len(chat_server.requests) == 1
    session.expire_all()
    notification = session.exec(select(Notification)).one()
    assert notification.status == "pending" and "did not answer" in notification.last_error
    [retry_task] = worker_env.pending()                       # the retry, due at its time
    assert retry_task.name.endswith("deliver_notification") and retry_task.args == (notification.id,)
    assert abs((retry_task.eta - notification.next_attempt_at.replace(tzinfo=None)).total_seconds()) < 1


def test_a_real_consumer_delivers_what_the_app_enqueued(session, engine, team_a, chat_server,
                                                        worker_env):
    telegram_on(session, team_a, chat_server)
    with Session(engine) as request:
        events.after_commit(request)
        _deal_with_source(request, team_a, "Via consumer")
        request.commit()
    consumer = worker_env.create_consumer(workers=2, worker_type="thread", periodic=False,
                                          initial_delay=0.05, max_delay=0.1,
                                          check_worker_health=False)
    consumer._set_signal_handlers = lambda: None              # keep pytest's own handlers
    consumer.start()
    try:
        deadline = time.monotonic() + 20
        while not chat_server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
    [request] = chat_server.requests
    assert "Via consumer" in request.body["text"]
    session.expire_all()
    assert session.exec(select(Notification.status)).all() == ["delivered"]


def test_immediate_mode_delivers_on_commit(session, engine, team_a, chat_server, immediate):
    telegram_on(session, team_a, chat_server)
    with Session(engine) as request:
        events.after_commit(request)
        _deal_with_source(request, team_a, "Inline")
        request.commit()
    [request] = chat_server.requests
    assert "Inline" in request.body["text"]


def test_retry_from_settings_is_delivered_after_commit(session, engine, team_a, chat_server, immediate):
    telegram_on(session, team_a, chat_server)
    chat_server.then_status(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    event = acquire(session, team_a)
    [notification_id] = events.dispatch_event(event.id, engine=engine)
    assert notifications.deliver(notification_id, engine=engine).status == "failed"
    with Session(engine) as request:
        events.after_commit(request)
        notifications.retry(session=request, ctx=team_a.admin_ctx, notification_id=notification_id)
        assert len(chat_server.requests) == 1                 # not before commit
        request.commit()
    assert len(chat_server.requests) == 2
    session.expire_all()
    assert session.get(Notification, notification_id).status == "delivered"


# --- The sweep: the safety net --------------------------------------------------------------

def test_the_sweep_finishes_what_a_crash_left_behind(session, engine, team_a, chat_server, immediate):
    telegram_on(session, team_a, chat_server)
    lost = acquire(session, team_a, name="Committed, never enqueued")
    assert tasks.sweep() == []                                 # fresh events: left to their task
    later = utcnow() + timedelta(seconds=events.DISPATCH_GRACE_SECONDS + 1)
    [notification_id] = tasks.sweep(now=later)
    assert [r.body["text"].split("\n")[0] for r in chat_server.requests] == [
        "🎉 New deal: Committed, never enqueued — 12,500.00 EUR"]
    session.expire_all()
    assert session.get(DomainEvent, lost.id).dispatched_at is not None

    stuck = acquire(session, team_a, name="Claimed, then the worker died")
    [stuck_id] = events.dispatch_event(stuck.id, engine=engine)
    assert notifications.claim(stuck_id, engine=engine, lease_seconds=0.5) is not None
    assert tasks.sweep() == []                                 # lease still held
    time.sleep(0.6)                                            # the lease runs out
    assert tasks.sweep() == [stuck_id]
    assert len(chat_server.requests) == 2
    assert tasks.sweep(now=utcnow() + timedelta(hours=1)) == []
    assert len(chat_server.requests) == 2


def test_the_sweep_runs_every_minute_as_a_periodic_task():
    task = tasks.sweep_outbox.s()
    assert isinstance(task, PeriodicTask)
    start = utcnow().replace(tzinfo=None, second=0, microsecond=0)
    assert all(task.validate_datetime(start + timedelta(minutes=m)) for m in range(5))


# --- Dispatch -------------------------------------------------------------------------------

def test_a_failing_handler_keeps_the_event_for_the_next_sweep(session, engine, team_a, chat_server,
                                                              monkeypatch):
    telegram_on(session, team_a, chat_server)
    event = acquire(session, team_a)

    def broken(session, event):
        raise RuntimeError("handler bug")
    monkeypatch.setitem(events.EVENT_HANDLERS, events.LEAD_ACQUIRED,
                        [notifications.notify_lead_acquired, broken])
    with pytest.raises(RuntimeError):
        events.dispatch_event(event.id, engine=engine)
    later = utcnow() + timedelta(minutes=5)
    assert events.dispatch_pending(engine=engine, now=later) == []        # logged, not raised
    session.expire_all()
    assert session.get(DomainEvent, event.id).dispatched_at is None
    assert session.exec(select(Notification)).all() == []                 # rolled back together
    monkeypatch.setitem(events.EVENT_HANDLERS, events.LEAD_ACQUIRED, [notifications.notify_lead_acquired])
    assert len(events.dispatch_pending(engine=engine, now=later)) == 1


def test_concurrent_dispatchers_create_each_notification_once(session, engine, team_a, chat_server):
    telegram_on(session, team_a, chat_server)
    event = acquire(session, team_a)
    workers = 6
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(events.dispatch_event(event.id, engine=engine))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(len(r) for r in results) == [0] * (workers - 1) + [1]
    assert len(session.exec(select(Notification)).all()) == 1


def test_record_scopes_the_event_to_the_callers_team(session, team_a, team_b):
    event = events.record(session=session, ctx=team_b.rep_ctx, name="LeadStatusChanged",
                          payload={"from": "New", "to": "Contacted"})
    session.commit()
    assert (event.team_id, event.user_id, event.dispatched_at) == (team_b.team.id, team_b.rep.id, None)
    assert events.dispatch_event(event.id, engine=session.get_bind()) == []  # no handlers yet
    session.expire_all()
    assert session.get(DomainEvent, event.id).dispatched_at is not None


# --- The one Huey instance ------------------------------------------------------------------

def _settings(tmp_path, redis_url=None) -> Settings:
    return Settings(data_dir=tmp_path, database_url="sqlite:///x.db", secret_key="k",
                    redis_url=redis_url, session_hours=12, app_url="http://127.0.0.1:3000")


def test_huey_uses_sqlite_in_the_data_dir_or_redis_when_configured(tmp_path):
    local = tasks.make_huey(_settings(tmp_path))
    assert isinstance(local, SqliteHuey) and local.storage.filename == str(tmp_path / "huey.db")
    assert (tmp_path / "huey.db").exists()
    remote = tasks.make_huey(_settings(tmp_path, redis_url="redis://127.0.0.1:6399/3"))
    assert isinstance(remote, RedisHuey) and remote.name == tasks.QUEUE_NAME
    assert {"leadhub.services.tasks.dispatch_events", "leadhub.services.tasks.deliver_notification",
            "leadhub.services.tasks.sweep_outbox"} <= set(tasks.huey._registry._registry)
