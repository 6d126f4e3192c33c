"""Notification channel settings (one row per team and channel) and the schemas the UI reads."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from leadhub.services.models import utcnow


class ChannelKind(str, enum.Enum):
    TELEGRAM = "telegram"
    SLACK = "slack"


class NotificationStatus(str, enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"        # the channel was turned off or removed before delivery


class NotificationChannel(SQLModel, table=True):
    """Where a team's notifications go. The secret (bot token or webhook URL) is stored
    encrypted (services/crypto.py) and never returned in full."""

    __tablename__ = "notification_channel"
    __table_args__ = (
        UniqueConstraint("team_id", "kind", name="uq_notification_channel_team_kind"),
        Index("ix_notification_channel_team", "team_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    kind: str = Field(max_length=20, description="ChannelKind value")
    enabled: bool = Field(default=False)
    secret_ciphertext: str = Field(default="", max_length=4000,
                                   description="Fernet token of the bot token / webhook URL")
    secret_hint: str = Field(default="", max_length=12, description="masked tail, e.g. ••••abcd")
    chat_id: str = Field(default="", max_length=64, description="Telegram chat id or @channel")
    api_base_url: str = Field(default="", max_length=255,
                              description="Telegram Bot API server; empty = the default")
    template: str = Field(default="", max_length=2000, description="empty = the default message")
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


@dataclass
class NotificationChannelUpdate:
    """What an admin changes on a channel; None keeps the stored value.

    `secret` is the Telegram bot token or the Slack webhook URL; an empty template goes back
    to the default message."""

    enabled: bool | None = None
    secret: str | None = None
    chat_id: str | None = None
    api_base_url: str | None = None
    template: str | None = None


@dataclass(frozen=True)
class NotificationChannelRead:
    """A channel as Settings shows it: the secret only masked."""

    kind: str
    enabled: bool
    configured: bool
    secret_masked: str
    chat_id: str
    api_base_url: str
    template: str
    default_template: str
    placeholders: tuple[str, ...]
    updated_at: datetime | None


@dataclass(frozen=True)
class NotificationRead:
    """One stored notification, e.g. a failed one in Settings with its error."""

    id: int
    channel: str
    status: str
    attempts: int
    last_error: str
    event_name: str
    deal_name: str
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class NotificationPagination:
    items: list[NotificationRead]
    total: int
    page: int
    page_size: int
