"""Helpers for the v1 API tests: keys made through the service, bearer headers, and events
kept out of the real task queue (webhook tests dispatch them explicitly)."""

from __future__ import annotations

import pytest

from leadhub.services import api_keys, events, notifications, tasks


def make_key(session, team, role: str = "admin", user=None, name: str = "") -> str:
    """A key of `team` acting as `user` (default: its admin) with `role`; returns the token."""
    user = user or team.admin
    _, token = api_keys.create_key(session=session, ctx=team.admin_ctx, name=name or f"test {role}",
                                   role=role, user_id=user.id)
    session.commit()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def outbox(monkeypatch):
    """Event and notification ids the requests asked the worker to handle (nothing is queued)."""
    seen: dict[str, list[int]] = {"event_ids": [], "notification_ids": []}

    def record(*, event_ids, notification_ids):
        seen["event_ids"] += list(event_ids)
        seen["notification_ids"] += list(notification_ids)

    monkeypatch.setattr(tasks, "enqueue_after_commit", record)
    return seen


def run_outbox(seen: dict[str, list[int]]) -> list:
    """Do what the worker would: dispatch the recorded events, deliver what they queued."""
    outcomes = []
    event_ids, seen["event_ids"] = seen["event_ids"], []
    notification_ids, seen["notification_ids"] = seen["notification_ids"], []
    for event_id in event_ids:
        notification_ids += events.dispatch_event(event_id)
    for notification_id in notification_ids:
        outcomes.append(notifications.deliver(notification_id))
    return outcomes
