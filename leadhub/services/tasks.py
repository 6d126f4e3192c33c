"""Background work, on the project's one Huey instance: dispatching committed events,
delivering notifications, and a once-a-minute sweep that is the safety net after crashes.

The queue lives in `<data dir>/huey.db` (SqliteHuey), or in Redis when LEADHUB_REDIS_URL is
set. Start a worker with `run_worker()` (e.g. from the CLI) or with Huey's own command:

    huey_consumer leadhub.services.tasks.huey -k thread -w 2   (no heartbeat, SIGTERM abrupt)

Several workers may run at once (with Redis, on several machines): a notification is sent
only by the worker whose atomic claim succeeded, so scaling out never sends twice.

The web app only enqueues (through `events.after_commit`); if it cannot, or a worker dies
mid-task, the sweep finds the stored events and notifications and finishes the job.
Tests may set `huey.immediate = True` to run tasks inline.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer, Scheduler

from leadhub.config import Settings, get_settings
from leadhub.services import events, health, notifications
from leadhub.services.notifications import NotificationStatus

log = logging.getLogger(__name__)

QUEUE_NAME = "leadhub"


def make_huey(settings: Settings | None = None) -> Huey:
    """RedisHuey when a Redis URL is configured, else SqliteHuey in the data folder."""
    settings = settings or get_settings()
    if settings.redis_url:
        return RedisHuey(QUEUE_NAME, url=settings.redis_url, results=False, utc=True)
    return SqliteHuey(QUEUE_NAME, filename=str(settings.data_dir / "huey.db"), results=False,
                      utc=True)


huey = make_huey()


@huey.task(retries=3, retry_delay=15)
def dispatch_events(event_ids: list[int]) -> None:
    """Route committed events through events.EVENT_HANDLERS, then deliver what they queued."""
    for event_id in event_ids:
        for notification_id in events.dispatch_event(event_id):
            deliver_notification(notification_id)


@huey.task()
def deliver_notification(notification_id: int) -> None:
    """One delivery attempt; a retryable failure schedules the next one at its due time."""
    outcome = notifications.deliver(notification_id)
    if outcome is not None and outcome.status == NotificationStatus.PENDING.value \
            and outcome.next_attempt_at is not None:
        deliver_notification.schedule((notification_id,), eta=outcome.next_attempt_at)


# Events one sweep dispatches: enough to catch up after Redis lost its queue under a form burst
# (two events per submission) within a minute or two, yet bounded.
SWEEP_EVENT_LIMIT = 2000


def sweep(*, now: datetime | None = None) -> list[int]:
    """Dispatch forgotten events and enqueue every due notification whose lease (if any) ran
    out; returns the notification ids enqueued. Claims make a duplicate enqueue harmless."""
    created = events.dispatch_pending(now=now, limit=SWEEP_EVENT_LIMIT)
    due = notifications.due_notification_ids(now=now)
    notification_ids = list(dict.fromkeys([*created, *due]))
    for notification_id in notification_ids:
        deliver_notification(notification_id)
    return notification_ids


@huey.periodic_task(crontab(minute="*"))
def sweep_outbox() -> None:
    """Every minute: the safety net that makes crashes and restarts lose nothing."""
    sweep()


def enqueue_after_commit(*, event_ids: Iterable[int], notification_ids: Iterable[int]) -> None:
    """Called by events.after_commit once a transaction has committed."""
    event_ids, notification_ids = list(event_ids), list(notification_ids)
    if event_ids:
        dispatch_events(event_ids)
    for notification_id in notification_ids:
        deliver_notification(notification_id)


SHUTDOWN_TIMEOUT_SECONDS = 30.0  # above the notifiers' HTTP timeout: a send in flight finishes


class OncePerMinuteScheduler(Scheduler):
    """Every worker process runs Huey's scheduler; the first to claim a minute (an atomic
    put-if-empty in the queue's storage: Redis or the SQLite file) enqueues that minute's
    periodic tasks, so N workers run the sweeps and weekly jobs once, not N times."""

    KEY_PREFIX = "leadhub.periodic."

    def enqueue_periodic_tasks(self, now):
        minute = datetime.now(UTC).replace(second=0, microsecond=0)
        try:
            claimed = self.huey.put_if_empty(self.KEY_PREFIX + minute.strftime("%Y%m%d%H%M"), 1)
            self.huey.delete(self.KEY_PREFIX + (minute - timedelta(minutes=10)).strftime("%Y%m%d%H%M"))
        except Exception:  # noqa: BLE001 - storage down: run them; claims make it harmless
            log.warning("Could not claim the minute's periodic tasks", exc_info=True)
            claimed = True
        if claimed:
            super().enqueue_periodic_tasks(now)


class LeadHubConsumer(Consumer):
    """Huey's consumer, plus what running several of them needs:

    - SIGTERM (what systemd, Docker and `make prod` send) and SIGINT (Ctrl-C) both stop
      gracefully: no new task is taken, tasks in progress finish (a notification being sent
      gets its outcome recorded), queued and scheduled tasks stay in the queue for the next
      worker. After `shutdown_timeout` or a second signal, the worker stops at once; a claimed
      notification then keeps its lease until it runs out, and the sweep delivers it once.
    - A heartbeat (services/health.py) from Huey's own health-check loop, removed on a
      clean stop, so the app can report live workers.
    - Periodic tasks enqueued by one worker per minute (OncePerMinuteScheduler).
    - One sweep at start, so work stranded by a crashed worker is picked up on restart
      without waiting for the minute's periodic sweep.
    """

    scheduler_class = OncePerMinuteScheduler

    def __init__(self, huey: Huey, *, workers: int, shutdown_timeout: float) -> None:
        super().__init__(huey, workers=workers, worker_type="thread", periodic=True,
                         check_worker_health=True, health_check_interval=health.HEARTBEAT_SECONDS,
                         shutdown_timeout=shutdown_timeout)
        self._signal_actions[signal.SIGTERM] = (False, True)   # restart=False, graceful=True
        self._signal_actions[signal.SIGINT] = (False, True)
        self.heartbeat = health.HeartbeatRecorder(threads=workers, queue=type(huey).__name__)

    def _beat(self) -> None:
        try:
            self.heartbeat.beat()
        except Exception:  # noqa: BLE001 - Redis or the disk may be down for a moment
            log.warning("Could not record the worker heartbeat", exc_info=True)

    def start(self) -> None:
        super().start()
        self._beat()
        try:
            swept = sweep()
        except Exception:  # noqa: BLE001 - the periodic sweep tries again within a minute
            log.warning("The start-up sweep failed; the periodic sweep will retry", exc_info=True)
        else:
            if swept:
                log.info("Start-up sweep queued %s notification(s)", len(swept))

    def check_worker_health(self) -> bool:
        healthy = super().check_worker_health()
        self._beat()
        return healthy

    def run(self) -> None:
        try:
            super().run()
        finally:
            try:
                self.heartbeat.clear()
            except Exception:  # noqa: BLE001 - it expires by itself
                log.warning("Could not remove the worker heartbeat", exc_info=True)


def run_worker(*, workers: int = 2, shutdown_timeout: float = SHUTDOWN_TIMEOUT_SECONDS) -> None:
    """Run the consumer in this process (blocking): worker threads plus the periodic sweep.
    Any number of these may run at once, on one machine or several (with Redis)."""
    log.info("Starting LeadHub worker with %s threads on %s", workers, type(huey).__name__)
    LeadHubConsumer(huey, workers=workers, shutdown_timeout=shutdown_timeout).run()

from leadhub.services import emails, predictive, scoring, workflows  # noqa: E402,F401  (their tasks and event handlers)
from leadhub.services import webhooks  # noqa: E402,F401  (outgoing webhook handlers)
from leadhub.services import imports  # noqa: E402,F401  (the CSV import tasks)
from leadhub.services.analytics import tasks as analytics_tasks  # noqa: E402,F401  (rollup upkeep)
