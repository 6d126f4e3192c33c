"""Notification delivery by several real `leadhub worker` processes on Redis and PostgreSQL
(servers of our own), sent to a loopback chat server: scaling out never sends twice, and a
worker killed with SIGKILL between claiming a notification and sending it loses nothing and
duplicates nothing.

To stop a worker exactly between claim and send, the test holds an ACCESS EXCLUSIVE lock on
`notification_channel` (PostgreSQL): the worker's claim (an UPDATE of `notification`) goes
through, then reading the channel to build the message waits on the lock. pg_stat_activity
shows which worker waits (each has its own application_name), and that one is killed.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from leadhub.services import events
from leadhub.services.db import engine_for
from leadhub.services.models import utcnow
from tests.conftest import TeamFixture
from tests.faults.conftest import empty_database, process_env, wait_until
from tests.services.fake_chat_servers import FakeChatServer
from tests.services.notification_helpers import acquire, slack_on, telegram_on

LEASE_SECONDS = 12          # LEADHUB_NOTIFICATION_LEASE_SECONDS for these workers (default 120)


@pytest.fixture
def chat():
    server = FakeChatServer().start()
    yield server
    server.stop()


@pytest.fixture
def pg(own_postgres):
    empty_database(own_postgres.url)
    return own_postgres


def _named(url: str, name: str) -> str:
    """The database URL with an application_name, so pg_stat_activity tells workers apart."""
    return make_url(url).update_query_dict({"application_name": name}).render_as_string(
        hide_password=False)


def _env(tmp_path, pg, redis, name: str) -> dict[str, str]:
    return process_env(database_url=_named(pg.url, name), data_dir=tmp_path / "data",
                       redis_url=redis.url, LEADHUB_NOTIFICATION_LEASE_SECONDS=str(LEASE_SECONDS))


def _row(engine, notification_id: int) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT status, attempts, claimed_until, delivered_at FROM notification WHERE id = :id"),
            {"id": notification_id}).mappings().one())


def _one_pending_notification(engine, chat, names=("Killed mid-send",)) -> list[int]:
    with Session(engine, expire_on_commit=False) as session:
        team = TeamFixture(session, "Fallos Ventas")
        telegram_on(session, team, chat)
        for name in names:
            acquire(session, team, name=name)
    # What a worker does first (the dispatch), here, so the notification row exists before the
    # channel table is locked.
    return events.dispatch_pending(engine=engine, grace_seconds=0)


class ChannelLock:
    """ACCESS EXCLUSIVE on notification_channel: claims pass, building the message waits."""

    def __init__(self, engine):
        self.conn = engine.connect()
        self.tx = self.conn.begin()
        self.conn.execute(text("LOCK TABLE notification_channel IN ACCESS EXCLUSIVE MODE"))

    def release(self) -> None:
        if self.conn is not None:
            self.tx.rollback()
            self.conn.close()
            self.conn = None


def _waiting_worker(engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT application_name FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND application_name LIKE 'worker-%'")).scalar()


def _claimed_and_stuck(engine, notification_id: int, chat) -> tuple[str, datetime]:
    row = wait_until(lambda: (lambda r: r if r["claimed_until"] is not None else None)(
        _row(engine, notification_id)), 90, interval=0.1, message="a worker to claim the notification")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    victim = wait_until(lambda: _waiting_worker(engine), 30, message="the claiming worker to wait")
    assert chat.requests == []                      # claimed, not sent
    return victim, row["claimed_until"]


def test_kill_9_between_claim_and_send_then_restart_sends_once(tmp_path, pg, own_redis, chat,
                                                               processes):
    engine = engine_for(pg.url)
    [notification_id] = _one_pending_notification(engine, chat)
    lock = ChannelLock(engine)
    try:
        worker = processes.worker(_env(tmp_path, pg, own_redis, "worker-a"), name="a")
        victim, lease_until = _claimed_and_stuck(engine, notification_id, chat)
        assert victim == "worker-a"
        worker.kill9()
    finally:
        lock.release()
    time.sleep(1.0)
    assert chat.requests == [] and _row(engine, notification_id)["status"] == "pending"

    # Restarted after the lease ran out, the worker's start-up sweep sends it at once. (The
    # other test shows a live worker leaving it alone while the lease lasts.)
    wait_until(lambda: utcnow() > lease_until, LEASE_SECONDS + 5,
               message="the lease to run out")
    restarted = processes.worker(_env(tmp_path, pg, own_redis, "worker-a2"), name="a2")
    wait_until(lambda: _row(engine, notification_id)["status"] == "delivered", 60,
               interval=0.2, message="the restarted worker to deliver")
    time.sleep(2.0)
    assert len(chat.requests) == 1, chat.requests
    assert chat.requests[0].body["text"].splitlines()[0].startswith("🎉 New deal: Killed mid-send")
    row = _row(engine, notification_id)
    assert (row["status"], row["attempts"], row["claimed_until"]) == ("delivered", 2, None)
    assert row["delivered_at"] >= lease_until.replace(tzinfo=row["delivered_at"].tzinfo)
    assert restarted.stop() == 0, restarted.output()


def test_kill_9_between_claim_and_send_the_other_worker_sends_once(tmp_path, pg, own_redis, chat,
                                                                   processes):
    engine = engine_for(pg.url)
    [notification_id] = _one_pending_notification(engine, chat)
    lock = ChannelLock(engine)
    try:
        workers = {name: processes.worker(_env(tmp_path, pg, own_redis, f"worker-{name}"), name=name)
                   for name in ("a", "b")}
        victim, lease_until = _claimed_and_stuck(engine, notification_id, chat)
        survivor = "b" if victim == "worker-a" else "a"
        workers[victim.removeprefix("worker-")].kill9()
    finally:
        lock.release()
    wait_until(lambda: _row(engine, notification_id)["status"] == "delivered", LEASE_SECONDS + 90,
               interval=0.3, message="the surviving worker to deliver after the lease")
    row = _row(engine, notification_id)
    assert row["delivered_at"] >= lease_until.replace(tzinfo=row["delivered_at"].tzinfo)
    assert (row["attempts"], len(chat.requests)) == (2, 1)
    assert workers[survivor].process.poll() is None
    # The killed worker comes back: nothing is sent again.
    back = processes.worker(_env(tmp_path, pg, own_redis, "worker-back"), name="back")
    wait_until(lambda: "Start" in back.output(), 60, message="the restarted worker to start")
    time.sleep(3.0)
    assert len(chat.requests) == 1
    assert workers[survivor].stop() == 0 and back.stop() == 0


def test_three_workers_send_every_notification_exactly_once(tmp_path, pg, own_redis, chat, processes):
    engine = engine_for(pg.url)
    names = [f"Pedido {i:02d} — Muñoz" for i in range(25)]
    with Session(engine, expire_on_commit=False) as session:
        team = TeamFixture(session, "Escala Ventas")
        telegram_on(session, team, chat)
        slack_on(session, team, chat)
        for name in names:
            acquire(session, team, name=name)
    # Nothing dispatched yet: the three workers' start-up sweeps all race for the same events
    # and the same 50 notifications, each enqueuing every one of them.
    workers = [processes.worker(_env(tmp_path, pg, own_redis, f"worker-{i}"), threads=2, name=f"w{i}")
               for i in range(3)]
    wait_until(lambda: len(chat.requests) >= 2 * len(names), 120, interval=0.3,
               message="all notifications to arrive")
    time.sleep(3.0)                                   # anything sent twice would arrive by now
    sent = Counter(("telegram" if r.is_telegram else "slack",
                    (r.body.get("text") or "").splitlines()[0]) for r in chat.requests)
    assert len(chat.requests) == 2 * len(names), sent.most_common(3)
    assert set(sent.values()) == {1}
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, attempts, count(*) FROM notification "
                                 "GROUP BY status, attempts")).all()
    assert [tuple(r) for r in rows] == [("delivered", 1, 2 * len(names))]
    assert all(w.process.poll() is None for w in workers)
    assert [w.stop() for w in workers] == [0, 0, 0]
