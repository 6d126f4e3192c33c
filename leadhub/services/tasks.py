"""Background work, on the project's one Huey instance: dispatching committed events,
delivering notifications, and a once-a-minute sweep that is the safety net after crashes.

The queue lives in `<data dir>/huey.db` (SqliteHuey), or in Redis when LEADHUB_REDIS_URL is
set. Start a worker with `run_worker()` (e.g. from the CLI) or with Huey's own command:

    huey_consumer leadhub.services.tasks.huey -k thread -w 2

The web app only enqueues (through `events.after_commit`); if it cannot, or a worker dies
mid-task, the sweep finds the stored events and notifications and finishes the job.
Tests may set `huey.immediate = True` to run tasks inline.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from huey import Huey, RedisHuey, SqliteHuey, crontab

from leadhub.config import Settings, get_settings
from leadhub.services import events, notifications
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


def sweep(*, now: datetime | None = None) -> list[int]:
    """Dispatch forgotten events and enqueue every due notification whose lease (if any) ran
    out; returns the notification ids enqueued. Claims make a duplicate enqueue harmless."""
    created = events.dispatch_pending(now=now)
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


def run_worker(*, workers: int = 2) -> None:
    """Run the consumer in this process (blocking): worker threads plus the periodic sweep."""
    log.info("Starting LeadHub worker with %s threads on %s", workers, type(huey).__name__)
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()

from leadhub.services import emails, predictive, scoring, workflows  # noqa: E402,F401  (their tasks and event handlers)
from leadhub.services import webhooks  # noqa: E402,F401  (outgoing webhook handlers)
from leadhub.services import imports  # noqa: E402,F401  (the CSV import tasks)
