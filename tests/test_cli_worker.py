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
from tests.services.notification_helpers import acquire, telegram_on


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
