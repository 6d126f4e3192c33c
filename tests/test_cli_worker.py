"""`leadhub worker` as `make run` starts it: a separate process that delivers what the app
enqueued after commit, and stops cleanly on Ctrl-C (SIGINT)."""

import os
import signal
import subprocess
import sys
import time

import pytest
from huey.storage import SqliteStorage
from sqlmodel import Session, select

from leadhub.cli import build_parser
from leadhub.config import get_settings
from leadhub.services import events, tasks
from leadhub.services.models import Notification
from tests.services.fake_chat_servers import FakeChatServer
from tests.services.notification_helpers import acquire, slack_on, telegram_on


def test_worker_subcommand_runs_the_huey_consumer(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "run_worker", lambda **kwargs: calls.append(kwargs))
    from leadhub.cli import main
    assert main(["worker", "--workers", "3"]) == 0
    assert main(["worker", "--shutdown-timeout", "5"]) == 0
    assert calls == [{"workers": 3, "shutdown_timeout": 30.0}, {"workers": 2, "shutdown_timeout": 5.0}]
    assert build_parser().parse_args(["worker"]).workers == 2


def test_worker_refuses_no_threads_with_a_clear_message(capsys):
    from leadhub.cli import main
    assert main(["worker", "--workers", "0"]) == 2
    assert "--workers: Use at least one worker thread" in capsys.readouterr().err


def _wait_for_status(session, status, worker, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        session.expire_all()
        statuses = session.exec(select(Notification.status)).all()
        if all(s == status for s in statuses) or time.monotonic() > deadline or worker.poll() is not None:
            return statuses
        session.rollback()
        time.sleep(0.1)


@pytest.fixture
def chat_server():
    server = FakeChatServer().start()
    yield server
    server.stop()


@pytest.fixture
def worker_env(database_url, tmp_path, monkeypatch):
    """This process and the worker process share the database, data folder (the Huey queue
    file) and secret key."""
    monkeypatch.setenv("LEADHUB_SECRET_KEY", get_settings().secret_key)
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADHUB_DATABASE_URL", database_url)
    get_settings.cache_clear()
    monkeypatch.setattr(tasks.huey, "storage", SqliteStorage(
        tasks.QUEUE_NAME, filename=str(get_settings().data_dir / "huey.db")))
    yield dict(os.environ)
    tasks.huey.storage.close()
    get_settings.cache_clear()


def test_a_worker_process_delivers_lead_acquired_and_stops_on_ctrl_c(session, engine, team_a,
                                                                     chat_server, worker_env):
    telegram_on(session, team_a, chat_server)
    worker = subprocess.Popen([sys.executable, "-m", "leadhub.cli", "worker", "--workers", "1"],
                              env=worker_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with Session(engine) as request:            # what a page's event handler does
            events.after_commit(request)
            acquire(request, team_a, name="Via the worker")
        deadline = time.monotonic() + 90  # a cold worker start imports a lot; CI machines can be busy
        while not chat_server.requests and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.1)
        assert [r.body["text"].splitlines()[0] for r in chat_server.requests] == [
            "🎉 New deal: Via the worker — 12,500.00 EUR"]
        # The chat server counts the request on arrival; the outcome is written after its answer.
        assert _wait_for_status(session, "delivered", worker) == ["delivered"]
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            output = worker.communicate(timeout=20)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0].decode(errors="replace")
    assert worker.returncode == 0, output
    assert "LeadHub worker: 1 threads" in output


def test_sigterm_lets_the_send_in_flight_finish_and_leaves_queued_work_for_the_next_worker(
        session, engine, team_a, chat_server, worker_env):
    """What `make prod`, systemd or Docker do on stop: SIGTERM. The worker takes no new task,
    finishes the notification it is sending (the chat service answers after 4 s) and records
    the outcome; the other notification stays queued and unclaimed, and the next worker sends it."""
    telegram_on(session, team_a, chat_server)
    slack_on(session, team_a, chat_server)
    chat_server.then_ok(delay=4.0)                   # the first send is slow
    worker = subprocess.Popen([sys.executable, "-m", "leadhub.cli", "worker", "--workers", "1"],
                              env=worker_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with Session(engine) as request:
            events.after_commit(request)
            acquire(request, team_a, name="Parada limpia")
        deadline = time.monotonic() + 90
        while not chat_server.requests and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        assert len(chat_server.requests) == 1
        signalled = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
        stopped_after = time.monotonic() - signalled
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, output
    assert "Shutting down gracefully" in output and "All workers have stopped" in output
    assert stopped_after > 2.5                       # it waited for the chat service's answer
    assert len(chat_server.requests) == 1            # and took nothing new after SIGTERM
    session.expire_all()
    rows = session.exec(select(Notification).order_by(Notification.id)).all()
    sent = [n for n in rows if n.status == "delivered"]
    left = [n for n in rows if n.status != "delivered"]
    assert len(sent) == 1 and sent[0].claimed_until is None and sent[0].attempts == 1
    assert [(n.status, n.attempts, n.claimed_until) for n in left] == [("pending", 0, None)]

    nxt = subprocess.Popen([sys.executable, "-m", "leadhub.cli", "worker", "--workers", "1"],
                           env=worker_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert _wait_for_status(session, "delivered", nxt, timeout=90) == ["delivered", "delivered"]
    finally:
        nxt.send_signal(signal.SIGTERM)
        nxt_output = nxt.communicate(timeout=30)[0].decode(errors="replace")
    assert nxt.returncode == 0, nxt_output
    assert len(chat_server.requests) == 2
    assert {r.is_telegram for r in chat_server.requests} == {True, False}


def test_several_workers_enqueue_each_minutes_periodic_tasks_once(tmp_path):
    """Each worker process runs a scheduler; on a shared queue only the first of them enqueues
    a minute's periodic tasks (sweeps, weekly retraining), the others skip that minute."""
    import threading

    from huey import SqliteHuey

    queue = SqliteHuey("periodic-test", filename=str(tmp_path / "q.db"), results=False, utc=True)
    queue.periodic_task(lambda *a: True, name="every_minute")(lambda: None)
    flag = threading.Event()
    first, second = (tasks.OncePerMinuteScheduler(queue, flag, 1, True) for _ in range(2))
    first.enqueue_periodic_tasks(None)
    second.enqueue_periodic_tasks(None)
    first.enqueue_periodic_tasks(None)
    assert queue.pending_count() == 1
