"""Domain events through an outbox: a service records what happened in its own transaction, and
after commit the worker routes each event through one handler table. Nothing that calls out
ever runs inside the request, and nothing recorded is lost when a process dies.

    record(...)            a service adds the event row (the caller commits)
    after_commit(session)  the caller asks for its committed events to be dispatched right away
    dispatch_event(id)     the worker runs EVENT_HANDLERS for one event, once
    dispatch_pending()     the periodic sweep picks up events whose dispatch never happened

Handlers take (session, event), run in the dispatching transaction and must be idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from leadhub.services import notifications
from leadhub.services.context import TeamContext
from leadhub.services.db import get_engine
from leadhub.services.models import DomainEvent, utcnow

log = logging.getLogger(__name__)

LEAD_ACQUIRED = "LeadAcquired"

Handler = Callable[[Session, DomainEvent], None]

# The one routing table: event name -> handlers, run in order in one transaction.
EVENT_HANDLERS: dict[str, list[Handler]] = {
    LEAD_ACQUIRED: [notifications.notify_lead_acquired],
}

DISPATCH_GRACE_SECONDS = 30    # the sweep leaves fresh events to the after-commit task

_NEW_EVENTS = "leadhub.events.new_event_ids"
_ENQUEUE = "leadhub.events.enqueue_after_commit"
_LISTENING = "leadhub.events.listening"


def record(*, session: Session, ctx: TeamContext, name: str, payload: dict[str, Any],
           lead_id: int | None = None) -> DomainEvent:
    """Add a past-tense event (e.g. LeadAcquired) to the caller's transaction; it exists, and
    is dispatched, only if that transaction commits."""
    event = DomainEvent(team_id=ctx.team_id, user_id=ctx.user_id, name=name, payload=payload,
                        lead_id=lead_id)
    session.add(event)
    session.flush()
    _listen(session)
    session.info.setdefault(_NEW_EVENTS, []).append(event.id)
    return event


def after_commit(session: Session) -> Session:
    """Have the worker dispatch this session's new events (and deliver notifications queued
    by e.g. `notifications.retry`) as soon as each transaction commits. A rolled-back
    transaction enqueues nothing. Returns the session, for `with` one-liners."""
    _listen(session)
    session.info[_ENQUEUE] = True
    return session


def _listen(session: Session) -> None:
    if session.info.get(_LISTENING):
        return
    session.info[_LISTENING] = True
    sa_event.listen(session, "after_commit", _on_commit)
    sa_event.listen(session, "after_transaction_end", _on_transaction_end)


def _on_commit(session: Session) -> None:
    event_ids = session.info.pop(_NEW_EVENTS, [])
    notification_ids = session.info.pop(notifications.DELIVER_AFTER_COMMIT, [])
    if not session.info.get(_ENQUEUE) or not (event_ids or notification_ids):
        return
    try:
        from leadhub.services import tasks
        tasks.enqueue_after_commit(event_ids=event_ids, notification_ids=notification_ids)
    except Exception:  # noqa: BLE001 - the request succeeded; the sweep will catch up
        log.exception("Could not enqueue events %s / notifications %s; the periodic sweep "
                      "will handle them", event_ids, notification_ids)


def _on_transaction_end(session: Session, transaction) -> None:
    """Forget ids of a transaction that ended without commit (after_commit has already
    taken those of a committed one)."""
    if transaction.parent is None:
        session.info.pop(_NEW_EVENTS, None)
        session.info.pop(notifications.DELIVER_AFTER_COMMIT, None)


def dispatch_event(event_id: int, *, engine: Engine | None = None,
                   now: datetime | None = None) -> list[int]:
    """Run the event's handlers once, in one transaction that also marks it dispatched (a
    conditional UPDATE, so concurrent dispatchers cannot both run them). Returns the ids of
    notifications the handlers created, for the worker to deliver. A failing handler rolls
    everything back and raises; the event stays pending for the next sweep."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        claimed = session.exec(
            update(DomainEvent)
            .where(DomainEvent.id == event_id, DomainEvent.dispatched_at.is_(None))
            .values(dispatched_at=now or utcnow())
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            session.rollback()
            return []
        event = session.get(DomainEvent, event_id)
        for handler in EVENT_HANDLERS.get(event.name, ()):
            handler(session, event)
        notification_ids = list(session.info.get(notifications.DELIVER_AFTER_COMMIT, []))
        session.commit()
    return notification_ids


def pending_event_ids(*, engine: Engine | None = None, now: datetime | None = None,
                      grace_seconds: float = DISPATCH_GRACE_SECONDS, limit: int = 200) -> list[int]:
    """Committed events nobody dispatched (a crash, a lost task), oldest first."""
    cutoff = (now or utcnow()) - timedelta(seconds=grace_seconds)
    with Session(engine or get_engine()) as session:
        return list(session.exec(
            select(DomainEvent.id)
            .where(DomainEvent.dispatched_at.is_(None), DomainEvent.occurred_at <= cutoff)
            .order_by(DomainEvent.id).limit(limit)).all())


def dispatch_pending(*, engine: Engine | None = None, now: datetime | None = None,
                     grace_seconds: float = DISPATCH_GRACE_SECONDS, limit: int = 200) -> list[int]:
    """Dispatch every forgotten event; one failing event does not stop the others. Returns
    the notification ids created."""
    notification_ids: list[int] = []
    for event_id in pending_event_ids(engine=engine, now=now, grace_seconds=grace_seconds,
                                      limit=limit):
        try:
            notification_ids += dispatch_event(event_id, engine=engine, now=now)
        except Exception:  # noqa: BLE001 - logged; retried on the next sweep
            log.exception("Dispatching event %s failed; it will be retried", event_id)
    return notification_ids
