"""Outgoing webhooks: a team's endpoints hear "lead.created", "lead.status_changed" and
"deal.created", so a Zapier-style tool can follow along — signed, retried, never lost.

Delivery is the notifications outbox, not a loop of its own. When an event is dispatched
(events.EVENT_HANDLERS), `on_event` stores one Notification per subscribed endpoint (channel
"webhook:<endpoint id>") with the exact JSON body in `webhook_message`; the worker then
claims, sends and retries it with the same lease and backoff as Telegram and Slack
(notifications/delivery.py asks `prepare` here for the notifier and the body). Failed ones
show in Settings with the other failed notifications, with Retry.

Each request is a POST of the body

    {"id": "evt_123", "event": "lead.created", "occurred_at": "2026-…Z", "team_id": 1,
     "data": {"lead": {…}}}

with the headers `X-LeadHub-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed by the
endpoint's secret>`, `X-LeadHub-Timestamp` (Unix seconds of this attempt),
`X-LeadHub-Event` and `X-LeadHub-Delivery` (the same for every retry of one delivery: dedupe on
it or on the body's `id`). `data` holds the record as the REST API shows it, read when the
event is dispatched (normally within a second of the change); lead.status_changed adds
`from_status`, `to_status` and `via`. lead.created and deal.created are recorded only for teams
with an endpoint that follows them (`record_if_followed`); status changes made on the board are
recorded without an after-commit nudge, so the worker's once-a-minute sweep sends them.

Secrets are shown once at creation (or rotation) and stored encrypted (crypto.py), because
signing needs them. Destinations must be https:// and public addresses; private, loopback
and link-local ones are refused when saving and again after DNS when sending, unless
LEADHUB_WEBHOOKS_ALLOW_PRIVATE=1 (development and tests).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import httpx
from sqlalchemy import Column, Index, Text
from sqlmodel import JSON, Field, Session, SQLModel, func, select

from leadhub.services import crypto, events
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import ValidationFailed
from leadhub.services.models import Deal, DomainEvent, Lead, Notification, Role, Team, utcnow
from leadhub.services.notifications import delivery
from leadhub.services.notifications.notifiers import (
    HTTP_TIMEOUT_SECONDS,
    DeliveryFailed,
    Notifier,
    _retry_after_header,
)
from leadhub.services.notifications.service import queue_delivery

# the domain events followed, by name (leads.py and deals.py record them; this module is
# imported by the worker's tasks, which leads imports, so it names them instead of importing)
LEAD_CREATED, LEAD_STATUS_CHANGED, DEAL_CREATED = "LeadCreated", "LeadStatusChanged", "DealCreated"
# public event name -> the domain event it follows
EVENTS = {
    "lead.created": LEAD_CREATED,
    "lead.status_changed": LEAD_STATUS_CHANGED,
    "deal.created": DEAL_CREATED,
}
PUBLIC_NAMES = {domain: public for public, domain in EVENTS.items()}
CHANNEL_PREFIX = "webhook"
URL_MAX_LENGTH = 500
DESCRIPTION_MAX_LENGTH = 200
MAX_ENDPOINTS = 20
SECRET_PREFIX = "whsec_"
USER_AGENT = "LeadHub-Webhooks/1"
RETRYABLE_STATUSES = {408, 409, 425, 429}

# What `data` shows of each record: the REST API's read models have the same fields
# (tests/api check they agree).
LEAD_FIELDS = (
    "id", "first_name", "last_name", "company", "title", "lead_source", "industry", "email",
    "phone", "mobile", "website", "street", "city", "state", "postal_code", "country", "status",
    "rating", "budget", "need", "interest", "description", "notes", "score", "custom_fields",
    "owner_id", "outreach_id", "last_contacted_at", "converted_at", "converted_account_id",
    "converted_contact_id", "converted_deal_id", "created_at", "updated_at",
)
DEAL_FIELDS = (
    "id", "name", "amount", "currency", "stage", "close_date", "probability", "account_id",
    "contact_id", "lead_id", "outreach_id", "lead_source", "owner_id", "created_at", "updated_at",
)


class WebhookEndpoint(SQLModel, table=True):
    """Where a team's events go; the signing secret is stored encrypted."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (Index("ix_webhook_endpoint_team", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    url: str = Field(max_length=URL_MAX_LENGTH)
    events: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str = Field(default="", max_length=DESCRIPTION_MAX_LENGTH)
    enabled: bool = Field(default=True)
    secret_ciphertext: str = Field(max_length=4000)
    secret_hint: str = Field(default="", max_length=12)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WebhookMessage(SQLModel, table=True):
    """The exact body one notification sends, fixed when the event is dispatched, so every
    retry carries the same bytes and signature."""

    __tablename__ = "webhook_message"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    notification_id: int = Field(foreign_key="notification.id", unique=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True)
    event: str = Field(max_length=40)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class WebhookEndpointRead:
    id: int
    url: str
    events: list[str]
    description: str
    enabled: bool
    secret_masked: str
    created_at: datetime
    updated_at: datetime


def _read(endpoint: WebhookEndpoint) -> WebhookEndpointRead:
    return WebhookEndpointRead(id=endpoint.id, url=endpoint.url, events=list(endpoint.events or []),
                               description=endpoint.description, enabled=endpoint.enabled,
                               secret_masked=endpoint.secret_hint, created_at=endpoint.created_at,
                               updated_at=endpoint.updated_at)


# --- Destinations -------------------------------------------------------------------------

def private_destinations_allowed() -> bool:
    return os.environ.get("LEADHUB_WEBHOOKS_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes")


def _public_address(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_global
    except ValueError:
        return False


def check_url(url: Any) -> str:
    """A destination an endpoint may have, or ValueError saying why not."""
    text = str(url or "").strip()
    if not text or len(text) > URL_MAX_LENGTH or any(c.isspace() for c in text):
        raise ValueError(f"Enter the full address, up to {URL_MAX_LENGTH} characters, "
                         "like https://hooks.zapier.com/hooks/catch/…")
    try:
        parsed = urlparse(text)
        host = parsed.hostname
        parsed.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError("This is not a valid web address.") from None
    allowed = private_destinations_allowed()
    if parsed.scheme not in (("http", "https") if allowed else ("https",)) or not host:
        raise ValueError("Use an https:// address.")
    if not allowed:
        try:
            ipaddress.ip_address(host)
            literal = True
        except ValueError:
            literal = False
        if host == "localhost" or host.endswith(".localhost") or (literal and not _public_address(host)):
            raise ValueError("Webhooks go to public addresses only, not to this server's network.")
    return text


def check_destination(url: str) -> None:
    """Before each send: every address the host resolves to must be public (unless allowed).
    Raises DeliveryFailed."""
    if private_destinations_allowed():
        return
    host = urlparse(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise DeliveryFailed(f"Could not resolve {host}: {exc}", retryable=True) from exc
    if not infos or not all(_public_address(info[4][0]) for info in infos):
        raise DeliveryFailed(f"{host} resolves to a private address; webhooks go to public "
                             "addresses only.", retryable=False)


# --- Endpoints (admins) -------------------------------------------------------------------

def _check_events(value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)) or not value or \
            not all(isinstance(v, str) and v in EVENTS for v in value):
        raise ValueError("Choose one or more of: " + ", ".join(EVENTS) + ".")
    return sorted(set(value))


def _apply(endpoint: WebhookEndpoint, changes: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    for name, value in changes.items():
        try:
            if name == "url":
                endpoint.url = check_url(value)
            elif name == "events":
                endpoint.events = _check_events(value)
            elif name == "description":
                text = " ".join(str(value or "").split())
                if len(text) > DESCRIPTION_MAX_LENGTH:
                    raise ValueError(f"Use at most {DESCRIPTION_MAX_LENGTH} characters.")
                endpoint.description = text
            elif name == "enabled":
                if not isinstance(value, bool):
                    raise ValueError("Use true or false.")
                endpoint.enabled = value
            else:
                raise ValueError("Unknown field.")
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationFailed(field_errors=errors)


def _new_secret(endpoint: WebhookEndpoint) -> str:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint.secret_ciphertext = crypto.encrypt(secret)
    endpoint.secret_hint = crypto.mask(secret)
    return secret


def _endpoint(session: Session, ctx: TeamContext, endpoint_id: int) -> WebhookEndpoint:
    return get_in_team(session, WebhookEndpoint, ctx, endpoint_id,
                       "This webhook does not exist or belongs to another team.")


def create_endpoint(*, session: Session, ctx: TeamContext, url: str, events: list[str],
                    description: str = "", enabled: bool = True) -> tuple[WebhookEndpointRead, str]:
    """A new endpoint and its signing secret (shown this once)."""
    ctx.require(Role.ADMIN)
    count = session.exec(select(func.count()).select_from(WebhookEndpoint).where(
        WebhookEndpoint.team_id == ctx.team_id)).one()
    if count >= MAX_ENDPOINTS:
        raise ValidationFailed(field_errors={"url": f"A team can have at most {MAX_ENDPOINTS} webhooks."})
    endpoint = WebhookEndpoint(team_id=ctx.team_id, url="", created_by=ctx.user_id, secret_ciphertext="")
    _apply(endpoint, {"url": url, "events": events, "description": description, "enabled": enabled})
    secret = _new_secret(endpoint)
    session.add(endpoint)
    session.flush()
    return _read(endpoint), secret


def list_endpoints(*, session: Session, ctx: TeamContext) -> list[WebhookEndpointRead]:
    ctx.require(Role.ADMIN)
    return [_read(e) for e in session.exec(select(WebhookEndpoint).where(
        WebhookEndpoint.team_id == ctx.team_id).order_by(WebhookEndpoint.id)).all()]


def get_endpoint(*, session: Session, ctx: TeamContext, endpoint_id: int) -> WebhookEndpointRead:
    ctx.require(Role.ADMIN)
    return _read(_endpoint(session, ctx, endpoint_id))


def update_endpoint(*, session: Session, ctx: TeamContext, endpoint_id: int,
                    changes: dict[str, Any]) -> WebhookEndpointRead:
    """Change url, events, description or enabled; the secret stays (see rotate_secret)."""
    ctx.require(Role.ADMIN)
    endpoint = _endpoint(session, ctx, endpoint_id)
    _apply(endpoint, changes)
    endpoint.updated_at = utcnow()
    session.add(endpoint)
    session.flush()
    return _read(endpoint)


def rotate_secret(*, session: Session, ctx: TeamContext, endpoint_id: int) -> tuple[WebhookEndpointRead, str]:
    """A new signing secret, shown this once; deliveries from now on use it."""
    ctx.require(Role.ADMIN)
    endpoint = _endpoint(session, ctx, endpoint_id)
    secret = _new_secret(endpoint)
    endpoint.updated_at = utcnow()
    session.add(endpoint)
    session.flush()
    return _read(endpoint), secret


def delete_endpoint(*, session: Session, ctx: TeamContext, endpoint_id: int) -> None:
    """Forget an endpoint; its deliveries not yet sent are skipped."""
    ctx.require(Role.ADMIN)
    endpoint = _endpoint(session, ctx, endpoint_id)
    for message in session.exec(select(WebhookMessage).where(
            WebhookMessage.team_id == ctx.team_id, WebhookMessage.endpoint_id == endpoint.id)).all():
        session.delete(message)
    session.flush()
    session.delete(endpoint)
    session.flush()


def send_test(*, session: Session, ctx: TeamContext, endpoint_id: int) -> int:
    """POST a signed "ping" now, so an admin sees the endpoint answer; returns its HTTP status.
    Raises IntegrationError (DeliveryFailed) with the reason when it does not take it."""
    ctx.require(Role.ADMIN)
    endpoint = _endpoint(session, ctx, endpoint_id)
    now = utcnow()
    body = _dumps({"id": f"ping_{secrets.token_hex(6)}", "event": "ping", "occurred_at": now,
                   "team_id": ctx.team_id, "data": {"webhook_id": endpoint.id}})
    notifier = WebhookNotifier(url=endpoint.url, secret=crypto.decrypt(endpoint.secret_ciphertext),
                               event="ping", delivery_id="test")
    return notifier.post(body)


# --- The message --------------------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(_jsonable(body), ensure_ascii=False, separators=(",", ":"))


def record_data(record: Any, field_names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _jsonable(getattr(record, name, None)) for name in field_names}


def _data(session: Session, event: DomainEvent) -> dict[str, Any]:
    payload = event.payload or {}
    if event.name == DEAL_CREATED:
        deal = session.exec(select(Deal).where(Deal.team_id == event.team_id,
                                               Deal.id == payload.get("deal_id"))).first()
        return {"deal": record_data(deal, DEAL_FIELDS) if deal else {"id": payload.get("deal_id")}}
    lead_id = event.lead_id or payload.get("lead_id")
    lead = session.exec(select(Lead).where(Lead.team_id == event.team_id, Lead.id == lead_id)).first()
    data: dict[str, Any] = {"lead": record_data(lead, LEAD_FIELDS) if lead else {"id": lead_id}}
    if event.name == LEAD_STATUS_CHANGED:
        data.update(from_status=payload.get("from"), to_status=payload.get("to"),
                    via=payload.get("via") or "api")
    return data


def body_for(session: Session, event: DomainEvent) -> str:
    """The JSON every endpoint gets for this event."""
    return _dumps({"id": f"evt_{event.id}", "event": PUBLIC_NAMES[event.name],
                   "occurred_at": event.occurred_at, "team_id": event.team_id,
                   "data": _data(session, event)})


def record_if_followed(*, session: Session, ctx: TeamContext, event: str, payload: dict[str, Any]) -> None:
    """Record the domain event behind a public `event` (e.g. lead.created) in the caller's
    transaction, only when one of the team's enabled endpoints follows it: teams without
    webhooks get no extra outbox rows. The event carries no lead_id, so the lead's timeline
    does not show it."""
    followed = session.exec(select(WebhookEndpoint.events).where(
        WebhookEndpoint.team_id == ctx.team_id, WebhookEndpoint.enabled.is_(True))).all()
    if any(event in (names or []) for names in followed):
        events.record(session=session, ctx=ctx, name=EVENTS[event], payload=payload)


def on_event(session: Session, event: DomainEvent) -> None:
    """Event handler: one stored delivery per enabled endpoint that follows this event;
    running it twice adds nothing (unique event + channel)."""
    public = PUBLIC_NAMES.get(event.name)
    if public is None:
        return
    endpoints = [e for e in session.exec(select(WebhookEndpoint).where(
        WebhookEndpoint.team_id == event.team_id, WebhookEndpoint.enabled.is_(True))).all()
        if public in (e.events or [])]
    if not endpoints:
        return
    existing = set(session.exec(select(Notification.channel).where(
        Notification.event_id == event.id)).all())
    body = body_for(session, event)
    for endpoint in endpoints:
        channel = f"{CHANNEL_PREFIX}:{endpoint.id}"
        if channel in existing:
            continue
        notification = Notification(team_id=event.team_id, event_id=event.id, channel=channel)
        session.add(notification)
        session.flush()
        session.add(WebhookMessage(team_id=event.team_id, notification_id=notification.id,
                                   endpoint_id=endpoint.id, event=public, body=body))
        session.flush()
        queue_delivery(session, notification.id)


def prepare(session: Session, notification: Notification, _event: DomainEvent,
            _team: Team) -> tuple[Notifier, str] | None:
    """For delivery.py: the notifier and body of a stored webhook delivery, or None when its
    endpoint was turned off or removed."""
    message = session.exec(select(WebhookMessage).where(
        WebhookMessage.notification_id == notification.id)).first()
    if message is None:
        return None
    endpoint = session.exec(select(WebhookEndpoint).where(
        WebhookEndpoint.team_id == notification.team_id,
        WebhookEndpoint.id == message.endpoint_id)).first()
    if endpoint is None or not endpoint.enabled:
        return None
    return WebhookNotifier(url=endpoint.url, secret=crypto.decrypt(endpoint.secret_ciphertext),
                           event=message.event, delivery_id=str(notification.id)), message.body


# --- Sending ------------------------------------------------------------------------------

def signature(secret: str, body: bytes) -> str:
    """The X-LeadHub-Signature value: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookNotifier(Notifier):
    """POSTs a stored JSON body, signed, to one endpoint; 2xx is success."""

    kind = CHANNEL_PREFIX

    def __init__(self, *, url: str, secret: str, event: str, delivery_id: str):
        self.url, self.secret, self.event, self.delivery_id = url, secret, event, delivery_id

    def send(self, text: str) -> None:
        self.post(text)

    def post(self, text: str) -> int:
        check_destination(self.url)
        body = text.encode()
        headers = {
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "X-LeadHub-Event": self.event, "X-LeadHub-Delivery": self.delivery_id,
            "X-LeadHub-Timestamp": str(int(time.time())),
            "X-LeadHub-Signature": signature(self.secret, body),
        }
        try:
            with httpx.Client(timeout=httpx.Timeout(HTTP_TIMEOUT_SECONDS), follow_redirects=False,
                              trust_env=False) as client:
                response = client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise DeliveryFailed(f"The webhook did not answer within {HTTP_TIMEOUT_SECONDS:g} s.",
                                 retryable=True) from exc
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"Could not reach the webhook: {type(exc).__name__}: {exc}",
                                 retryable=True) from exc
        status = response.status_code
        if 200 <= status < 300:
            return status
        detail = response.text.strip()[:200] or response.reason_phrase
        if status == 429 or status >= 500 or status in RETRYABLE_STATUSES:
            raise DeliveryFailed(f"The webhook answered {status}: {detail}", retryable=True,
                                 retry_after=_retry_after_header(response), status=status)
        if 300 <= status < 400:
            raise DeliveryFailed(f"The webhook answered {status} (redirects are not followed): "
                                 "use the final address.", retryable=False, status=status)
        raise DeliveryFailed(f"The webhook refused the delivery ({status}): {detail}",
                             retryable=False, status=status)


def register() -> None:
    """Route the followed events to `on_event` and webhook deliveries to `prepare` (idempotent)."""
    for name in EVENTS.values():
        handlers = events.EVENT_HANDLERS.setdefault(name, [])
        if on_event not in handlers:
            handlers.append(on_event)
    delivery.PREPARERS[CHANNEL_PREFIX] = prepare


register()
