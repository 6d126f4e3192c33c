"""Notifications: a team's Telegram and Slack channels, and LeadAcquired messages that are never
lost — stored as rows when their event is dispatched, delivered by the worker with retries.

    models.py      NotificationChannel table and the schemas Settings reads
    service.py     channel settings (admins only), send a test, failed list and retry
    messaging.py   message templates and their {placeholders}
    notifiers.py   the Notifier interface: Telegram Bot API, Slack incoming webhook
    delivery.py    event handler, claim with a lease, send, backoff
"""

from leadhub.services.notifications.delivery import (
    BACKOFF_BASE_SECONDS,
    LEASE_SECONDS,
    MAX_ATTEMPTS,
    Claim,
    DeliveryOutcome,
    backoff_seconds,
    claim,
    deliver,
    due_notification_ids,
    notify_lead_acquired,
)
from leadhub.services.notifications.messaging import PLACEHOLDERS, default_template, render
from leadhub.services.notifications.models import (
    ChannelKind,
    NotificationChannel,
    NotificationChannelRead,
    NotificationChannelUpdate,
    NotificationPagination,
    NotificationRead,
    NotificationStatus,
)
from leadhub.services.notifications.notifiers import (
    DeliveryFailed,
    Notifier,
    SlackNotifier,
    TelegramNotifier,
    build_notifier,
)
from leadhub.services.notifications.service import (
    DELIVER_AFTER_COMMIT,
    delete_channel,
    get_channel,
    list_channels,
    list_failed,
    queue_delivery,
    retry,
    retry_all_failed,
    save_channel,
    send_test,
)

__all__ = [
    "BACKOFF_BASE_SECONDS", "ChannelKind", "Claim", "DELIVER_AFTER_COMMIT", "DeliveryFailed",
    "DeliveryOutcome", "LEASE_SECONDS", "MAX_ATTEMPTS", "NotificationChannel",
    "NotificationChannelRead", "NotificationChannelUpdate", "NotificationPagination",
    "NotificationRead", "NotificationStatus", "Notifier", "PLACEHOLDERS", "SlackNotifier",
    "TelegramNotifier", "backoff_seconds", "build_notifier", "claim", "default_template",
    "delete_channel", "deliver", "due_notification_ids", "get_channel", "list_channels",
    "list_failed", "notify_lead_acquired", "queue_delivery", "render", "retry",
    "retry_all_failed", "save_channel", "send_test",
]
