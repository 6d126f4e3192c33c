"""Getting stored notifications out, at least once and in practice exactly once, whatever
crashes or restarts happen on the way.

A notification row is written in the same transaction that dispatches its event. A worker
then *claims* it with one atomic UPDATE … WHERE (status pending, due, no live lease), which
sets `claimed_until` and counts the attempt, so two workers never both send it. The HTTP
call happens outside any transaction. The outcome is written back only if the claim is
still ours (same attempt number). A worker that dies between claim and send leaves a lease
that simply expires; the periodic sweep then delivers the message once.

Failures are retried with exponential backoff (BACKOFF_BASE_SECONDS · 2^(attempt-1), capped),
never sooner than the service's own Retry-After / retry_after; after MAX_ATTEMPTS, or at
once for answers that retrying cannot fix (bad token, unknown chat), the notification is
kept as failed for Settings to show and retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from leadhub.config import get_settings
from leadhub.services import crypto
from leadhub.services.db import get_engine
from leadhub.services.errors import IntegrationError
from leadhub.services.models import DomainEvent, Notification, Team, utcnow
from leadhub.services.notifications import messaging
from leadhub.services.notifications.models import NotificationChannel, NotificationStatus
from leadhub.services.notifications.notifiers import DeliveryFailed, Notifier, build_notifier
from leadhub.services.notifications.service import channel_is_complete, queue_delivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 10
BACKOFF_MAX_SECONDS = 3600
RETRY_AFTER_MAX_SECONDS = 24 * 3600
LEASE_SECONDS = 120           # well above the HTTP timeout, so a live send never loses its lease
ERROR_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Claim:
    notification_id: int
    attempt: int
    lease_until: datetime


@dataclass(frozen=True)
class DeliveryOutcome:
    notification_id: int
    status: str
    attempts: int
    next_attempt_at: datetime | None
    error: str = ""


def backoff_seconds(attempt: int) -> float:
    """Wait before the attempt after `attempt` (1-based): 10 s, 20 s, 40 s … up to an hour."""
    return float(min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1)))


# --- Event handler ------------------------------------------------------------------------

def notify_lead_acquired(session: Session, event: DomainEvent) -> None:
    """One notification per enabled channel of the event's team; running it twice for the
    same event adds nothing (unique event_id + channel)."""
    channels = session.exec(select(NotificationChannel).where(
        NotificationChannel.team_id == event.team_id, NotificationChannel.enabled.is_(True))).all()
    existing = set(session.exec(select(Notification.channel).where(
        Notification.event_id == event.id)).all())
    for channel in channels:
        if channel.kind in existing or not channel_is_complete(channel):
            continue
        notification = Notification(team_id=event.team_id, event_id=event.id, channel=channel.kind)
        session.add(notification)
        session.flush()
        queue_delivery(session, notification.id)


# --- Claim, send, record ------------------------------------------------------------------

def claim(notification_id: int, *, engine: Engine | None = None, now: datetime | None = None,
          lease_seconds: float | None = None) -> Claim | None:
    """Take the notification for one attempt, or None when it is not due, done, or leased
    by another worker. Atomic on SQLite and PostgreSQL alike (a single conditional UPDATE).
    The lease defaults to LEADHUB_NOTIFICATION_LEASE_SECONDS (LEASE_SECONDS)."""
    now = now or utcnow()
    if lease_seconds is None:
        lease_seconds = get_settings().notification_lease_seconds
    lease_until = now + timedelta(seconds=lease_seconds)
    with Session(engine or get_engine()) as session:
        result = session.exec(
            update(Notification)
            .where(Notification.id == notification_id,
                   Notification.status == NotificationStatus.PENDING.value,
                   Notification.next_attempt_at <= now,
                   or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now))
            .values(claimed_until=lease_until, attempts=Notification.attempts + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            session.rollback()
            return None
        attempt = session.exec(select(Notification.attempts).where(
            Notification.id == notification_id)).one()
        session.commit()
    return Claim(notification_id=notification_id, attempt=attempt, lease_until=lease_until)


def _finish(engine: Engine, claimed: Claim, *, status: str, next_attempt_at: datetime | None,
            error: str = "", delivered_at: datetime | None = None) -> DeliveryOutcome:
    values: dict = {"status": status, "claimed_until": None, "last_error": error[:ERROR_MAX_LENGTH]}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if delivered_at is not None:
        values["delivered_at"] = delivered_at
    with Session(engine) as session:
        result = session.exec(
            update(Notification)
            .where(Notification.id == claimed.notification_id,
                   Notification.status == NotificationStatus.PENDING.value,
                   Notification.attempts == claimed.attempt)
            .values(**values).execution_options(synchronize_session=False))
        session.commit()
    if result.rowcount != 1:
        log.warning("Notification %s: lease of attempt %s was lost before its outcome (%s) was "
                    "recorded", claimed.notification_id, claimed.attempt, status)
    return DeliveryOutcome(notification_id=claimed.notification_id, status=status,
                           attempts=claimed.attempt, next_attempt_at=next_attempt_at, error=error)


class _Skip(Exception):
    pass


# Channels kept outside notification_channel (outgoing webhooks: "webhook:<id>") register
# here by prefix: prepare(session, notification, event, team) -> (notifier, text), or None
# when the destination was turned off or removed.
PREPARERS: dict[str, Callable[..., tuple[Notifier, str] | None]] = {}


def _prepare(engine: Engine, notification_id: int) -> tuple[Notifier, str]:
    """The notifier and rendered text for a claimed notification (read-only)."""
    with Session(engine) as session:
        notification = session.get(Notification, notification_id)
        event = session.get(DomainEvent, notification.event_id)
        team = session.get(Team, notification.team_id)
        preparer = PREPARERS.get(notification.channel.split(":", 1)[0])
        if preparer is not None:
            prepared = preparer(session, notification, event, team)
            if prepared is None:
                raise _Skip(f"The {notification.channel} destination was turned off or removed.")
            return prepared
        channel = session.exec(select(NotificationChannel).where(
            NotificationChannel.team_id == notification.team_id,
            NotificationChannel.kind == notification.channel)).first()
        if channel is None or not channel.enabled or not channel_is_complete(channel):
            raise _Skip(f"The {notification.channel} channel was turned off or removed.")
        values = messaging.values_for(event.payload or {}, team=team, occurred_at=event.occurred_at)
        text = messaging.render(channel.template or messaging.default_template(team.language),
                                values)
        notifier = build_notifier(kind=channel.kind, secret=crypto.decrypt(channel.secret_ciphertext),
                                  chat_id=channel.chat_id, api_base_url=channel.api_base_url)
    return notifier, text


def deliver(notification_id: int, *, engine: Engine | None = None,
            now: datetime | None = None) -> DeliveryOutcome | None:
    """Claim, send and record one attempt; None when there was nothing to do (not due,
    already delivered, or another worker holds it). `now` fixes the clock for tests."""
    engine = engine or get_engine()
    claimed = claim(notification_id, engine=engine, now=now)
    if claimed is None:
        return None
    try:
        notifier, text = _prepare(engine, notification_id)
    except _Skip as skip:
        return _finish(engine, claimed, status=NotificationStatus.SKIPPED.value,
                       next_attempt_at=None, error=str(skip))
    except IntegrationError as exc:
        return _finish(engine, claimed, status=NotificationStatus.FAILED.value,
                       next_attempt_at=None, error=exc.message)
    try:
        notifier.send(text)
    except DeliveryFailed as exc:
        return _failed(engine, claimed, exc, now)
    except Exception as exc:  # noqa: BLE001 - a bug must not strand the lease; retried later
        log.exception("Notification %s: unexpected error while sending", notification_id)
        failure = DeliveryFailed(f"Unexpected error: {type(exc).__name__}", retryable=True)
        return _failed(engine, claimed, failure, now)
    finished = now or utcnow()
    return _finish(engine, claimed, status=NotificationStatus.DELIVERED.value,
                   next_attempt_at=None, delivered_at=finished)


def _failed(engine: Engine, claimed: Claim, exc: DeliveryFailed,
            now: datetime | None) -> DeliveryOutcome:
    finished = now or utcnow()
    if not exc.retryable or claimed.attempt >= MAX_ATTEMPTS:
        log.warning("Notification %s failed for good after attempt %s: %s",
                    claimed.notification_id, claimed.attempt, exc.message)
        return _finish(engine, claimed, status=NotificationStatus.FAILED.value,
                       next_attempt_at=None, error=exc.message)
    wait = backoff_seconds(claimed.attempt)
    if exc.retry_after is not None:
        wait = max(wait, min(float(exc.retry_after), RETRY_AFTER_MAX_SECONDS))
    return _finish(engine, claimed, status=NotificationStatus.PENDING.value,
                   next_attempt_at=finished + timedelta(seconds=wait), error=exc.message)


def due_notification_ids(*, engine: Engine | None = None, now: datetime | None = None,
                         limit: int = 500) -> list[int]:
    """Pending notifications whose time has come and whose lease (if any) has run out."""
    now = now or utcnow()
    with Session(engine or get_engine()) as session:
        return list(session.exec(
            select(Notification.id)
            .where(Notification.status == NotificationStatus.PENDING.value,
                   Notification.next_attempt_at <= now,
                   or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now))
            .order_by(Notification.next_attempt_at, Notification.id).limit(limit)).all())
