"""Notification settings an admin manages in Settings: channels, a test message, and the
failed deliveries with their retry action."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlparse

from sqlalchemy import func
from sqlmodel import Session, select

from leadhub.services import crypto
from leadhub.services.context import TeamContext
from leadhub.services.errors import Conflict, NotFound, ValidationFailed
from leadhub.services.models import DomainEvent, Notification, Role, Team, User, utcnow
from leadhub.services.notifications import messaging
from leadhub.services.notifications.models import (
    ChannelKind,
    NotificationChannel,
    NotificationChannelRead,
    NotificationChannelUpdate,
    NotificationPagination,
    NotificationRead,
    NotificationStatus,
)
from leadhub.services.notifications.notifiers import build_notifier

# session.info key: notification ids to hand to the worker once the transaction commits
# (events.after_commit enqueues them).
DELIVER_AFTER_COMMIT = "leadhub.notifications.deliver_after_commit"
MAX_PAGE_SIZE = 100

_TELEGRAM_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_TELEGRAM_CHAT = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,63})$")
SECRET_MAX_LENGTH = 500


def queue_delivery(session: Session, notification_id: int) -> None:
    """Ask for `notification_id` to be delivered once this session's transaction commits."""
    session.info.setdefault(DELIVER_AFTER_COMMIT, []).append(notification_id)


def _kind(kind: str) -> str:
    if kind not in {k.value for k in ChannelKind}:
        raise ValidationFailed(field_errors={"kind": "Choose telegram or slack."})
    return kind


def _stored(session: Session, team_id: int, kind: str) -> NotificationChannel | None:
    return session.exec(select(NotificationChannel).where(
        NotificationChannel.team_id == team_id, NotificationChannel.kind == kind)).first()


def _read(channel: NotificationChannel | None, kind: str, team: Team) -> NotificationChannelRead:
    default = messaging.default_template(team.language)
    if channel is None:
        return NotificationChannelRead(
            kind=kind, enabled=False, configured=False, secret_masked="", chat_id="",
            api_base_url="", template=default, default_template=default,
            placeholders=messaging.PLACEHOLDERS, updated_at=None)
    return NotificationChannelRead(
        kind=kind, enabled=channel.enabled, configured=channel_is_complete(channel),
        secret_masked=channel.secret_hint, chat_id=channel.chat_id,
        api_base_url=channel.api_base_url, template=channel.template or default,
        default_template=default, placeholders=messaging.PLACEHOLDERS,
        updated_at=channel.updated_at)


def channel_is_complete(channel: NotificationChannel) -> bool:
    """A channel that could send: it has its secret, and Telegram also a chat id."""
    if not channel.secret_ciphertext:
        return False
    return bool(channel.chat_id) if channel.kind == ChannelKind.TELEGRAM.value else True


def _check_http_url(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    parsed = urlparse(value)
    if (parsed.scheme not in ("http", "https") or not parsed.hostname
            or len(value) > SECRET_MAX_LENGTH or any(c.isspace() for c in value)):
        raise ValidationFailed(field_errors={field: message})
    return value


def _check_secret(kind: str, secret: str) -> str:
    secret = (secret or "").strip()
    if kind == ChannelKind.TELEGRAM.value:
        if not _TELEGRAM_TOKEN.match(secret):
            raise ValidationFailed(field_errors={"secret": (
                "Paste the bot token from @BotFather, like 123456789:AAH…")})
        return secret
    return _check_http_url(secret, "secret",
                           "Paste the incoming webhook URL, like https://hooks.slack.com/services/…")


def _check_chat_id(chat_id: str) -> str:
    chat_id = (chat_id or "").strip()
    if chat_id and not _TELEGRAM_CHAT.match(chat_id):
        raise ValidationFailed(field_errors={"chat_id": (
            "Use the numeric chat id (e.g. -1001234567890) or @channelname.")})
    return chat_id


def _check_api_base_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    if not url:
        return ""
    return _check_http_url(url, "api_base_url",
                           "Use the address of a Bot API server, like https://api.telegram.org.")


# --- Channel settings ---------------------------------------------------------------------

def list_channels(*, session: Session, ctx: TeamContext) -> list[NotificationChannelRead]:
    """Every channel kind of the team, configured or not, secrets masked."""
    ctx.require(Role.ADMIN)
    team = session.get(Team, ctx.team_id)
    stored = {c.kind: c for c in session.exec(select(NotificationChannel).where(
        NotificationChannel.team_id == ctx.team_id))}
    return [_read(stored.get(kind.value), kind.value, team) for kind in ChannelKind]


def get_channel(*, session: Session, ctx: TeamContext, kind: str) -> NotificationChannelRead:
    """One channel for the Settings form (defaults when not set up yet), secret masked."""
    ctx.require(Role.ADMIN)
    kind = _kind(kind)
    return _read(_stored(session, ctx.team_id, kind), kind, session.get(Team, ctx.team_id))


def save_channel(*, session: Session, ctx: TeamContext, kind: str,
                 channel_in: NotificationChannelUpdate) -> NotificationChannelRead:
    """Create or change a channel; the secret is validated, then stored encrypted."""
    ctx.require(Role.ADMIN)
    kind = _kind(kind)
    team = session.get(Team, ctx.team_id)
    channel = _stored(session, ctx.team_id, kind) or NotificationChannel(
        team_id=ctx.team_id, kind=kind)
    errors: dict[str, str] = {}
    for check in (lambda: _apply_secret(channel, channel_in.secret),
                  lambda: _apply_fields(channel, channel_in, team)):
        try:
            check()
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    if channel_in.enabled is not None:
        channel.enabled = bool(channel_in.enabled)
    if channel.enabled and not errors and not channel_is_complete(channel):
        errors["enabled"] = ("Enter the bot token and chat id first."
                             if kind == ChannelKind.TELEGRAM.value
                             else "Enter the webhook URL first.")
    if errors:
        raise ValidationFailed(field_errors=errors)
    channel.updated_by = ctx.user_id
    channel.updated_at = utcnow()
    session.add(channel)
    session.flush()
    return _read(channel, kind, team)


def _apply_secret(channel: NotificationChannel, secret: str | None) -> None:
    if secret is None:
        return
    if not secret.strip():
        channel.secret_ciphertext, channel.secret_hint = "", ""
        return
    secret = _check_secret(channel.kind, secret)
    channel.secret_ciphertext = crypto.encrypt(secret)
    channel.secret_hint = crypto.mask(secret)


def _apply_fields(channel: NotificationChannel, channel_in: NotificationChannelUpdate,
                  team: Team) -> None:
    errors: dict[str, str] = {}
    telegram = channel.kind == ChannelKind.TELEGRAM.value
    if channel_in.chat_id is not None and telegram:
        try:
            channel.chat_id = _check_chat_id(channel_in.chat_id)
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    if channel_in.api_base_url is not None and telegram:
        try:
            channel.api_base_url = _check_api_base_url(channel_in.api_base_url)
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    if channel_in.template is not None:
        try:
            template = messaging.check_template(channel_in.template)
            channel.template = "" if template == messaging.default_template(team.language) \
                else template
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    if errors:
        raise ValidationFailed(field_errors=errors)


def delete_channel(*, session: Session, ctx: TeamContext, kind: str) -> None:
    """Forget a channel and its secret; messages not yet sent to it are skipped."""
    ctx.require(Role.ADMIN)
    channel = _stored(session, ctx.team_id, _kind(kind))
    if channel is None:
        raise NotFound("This channel is not set up.")
    session.delete(channel)
    session.flush()


def send_test(*, session: Session, ctx: TeamContext, kind: str,
              channel_in: NotificationChannelUpdate | None = None) -> str:
    """Send a sample message now with the stored settings (or the unsaved ones in
    `channel_in`), so an admin sees it arrive; returns the text sent. Raises
    IntegrationError with the service's answer when it fails."""
    ctx.require(Role.ADMIN)
    kind = _kind(kind)
    team = session.get(Team, ctx.team_id)
    stored = _stored(session, ctx.team_id, kind)
    channel_in = channel_in or NotificationChannelUpdate()
    trial = NotificationChannel(team_id=ctx.team_id, kind=kind)
    if stored is not None:
        for name in ("secret_ciphertext", "chat_id", "api_base_url", "template"):
            setattr(trial, name, getattr(stored, name))
    _apply_secret(trial, channel_in.secret)
    _apply_fields(trial, channel_in, team)
    if not channel_is_complete(trial):
        raise ValidationFailed(field_errors={"secret": "Enter the channel's settings first."})
    user = session.get(User, ctx.user_id)
    now = utcnow()
    values = messaging.values_for(
        messaging.sample_payload(team=team, user_name=user.full_name or user.email, now=now),
        team=team, occurred_at=now)
    text = messaging.render(trial.template or messaging.default_template(team.language), values)
    notifier = build_notifier(kind=kind, secret=crypto.decrypt(trial.secret_ciphertext),
                              chat_id=trial.chat_id, api_base_url=trial.api_base_url)
    notifier.send(text)
    return text


# --- Failed deliveries --------------------------------------------------------------------

def _notification_read(notification: Notification, event: DomainEvent) -> NotificationRead:
    deal = (event.payload or {}).get("deal") or {}
    return NotificationRead(
        id=notification.id, channel=notification.channel, status=notification.status,
        attempts=notification.attempts, last_error=notification.last_error,
        event_name=event.name, deal_name=str(deal.get("name") or ""),
        next_attempt_at=notification.next_attempt_at, delivered_at=notification.delivered_at,
        created_at=notification.created_at)


def list_failed(*, session: Session, ctx: TeamContext, page: int = 1,
                page_size: int = 25) -> NotificationPagination:
    """Notifications that gave up after their last try, newest first, one page."""
    ctx.require(Role.ADMIN)
    page = max(1, int(page or 1))
    page_size = min(MAX_PAGE_SIZE, max(1, int(page_size or 25)))
    conditions = (Notification.team_id == ctx.team_id,
                  Notification.status == NotificationStatus.FAILED.value)
    total = session.exec(select(func.count()).select_from(Notification).where(*conditions)).one()
    rows = session.exec(
        select(Notification, DomainEvent).join(DomainEvent, DomainEvent.id == Notification.event_id)
        .where(*conditions).order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * page_size).limit(page_size)).all()
    return NotificationPagination(items=[_notification_read(n, e) for n, e in rows],
                                  total=total, page=page, page_size=page_size)


def _reset_for_retry(session: Session, notification: Notification, now: datetime) -> None:
    notification.status = NotificationStatus.PENDING.value
    notification.attempts = 0
    notification.next_attempt_at = now
    notification.claimed_until = None
    session.add(notification)
    session.flush()
    queue_delivery(session, notification.id)


def retry(*, session: Session, ctx: TeamContext, notification_id: int) -> NotificationRead:
    """Give a failed notification a fresh set of tries; it is sent after the caller commits."""
    ctx.require(Role.ADMIN)
    row = session.exec(
        select(Notification, DomainEvent).join(DomainEvent, DomainEvent.id == Notification.event_id)
        .where(Notification.team_id == ctx.team_id, Notification.id == notification_id)).first()
    if row is None:
        raise NotFound("This notification does not exist or belongs to another team.")
    notification, event = row
    if notification.status != NotificationStatus.FAILED.value:
        raise Conflict(f"This notification is {notification.status}, not failed.")
    _reset_for_retry(session, notification, utcnow())
    return _notification_read(notification, event)


def retry_all_failed(*, session: Session, ctx: TeamContext) -> int:
    """Retry every failed notification of the team; returns how many."""
    ctx.require(Role.ADMIN)
    now = utcnow()
    failed = session.exec(select(Notification).where(
        Notification.team_id == ctx.team_id,
        Notification.status == NotificationStatus.FAILED.value)).all()
    for notification in failed:
        _reset_for_retry(session, notification, now)
    return len(failed)

