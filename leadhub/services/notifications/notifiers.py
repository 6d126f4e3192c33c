"""Channels behind one small interface, so delivery does not care whether it talks to Telegram,
Slack or (later) an outgoing webhook; each speaks its service's documented HTTP contract.

- Telegram Bot API `sendMessage`: POST {base}/bot{token}/sendMessage, JSON {chat_id, text};
  answers {"ok": true, ...} or {"ok": false, "error_code", "description",
  "parameters": {"retry_after"}} (https://core.telegram.org/bots/api#sendmessage).
- Slack incoming webhook: POST {webhook_url}, JSON {text, blocks}; answers 200 "ok", or an
  error code in the body, or 429 with a Retry-After header
  (https://api.slack.com/messaging/webhooks).

Every call has a timeout, and foreign errors leave this module as DeliveryFailed
(an IntegrationError) with the secret scrubbed from the message.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import httpx

from leadhub.services.errors import IntegrationError
from leadhub.services.models import utcnow
from leadhub.services.notifications.models import ChannelKind

HTTP_TIMEOUT_SECONDS = 10.0
DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
TELEGRAM_TEXT_LIMIT = 4096
SLACK_SECTION_LIMIT = 3000


class DeliveryFailed(IntegrationError):
    """A channel did not take the message. `retryable` says whether trying later may help;
    `retry_after` is the wait (seconds) the service asked for, if any."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


def telegram_api_url() -> str:
    """The Bot API server used when a channel names none (LEADHUB_TELEGRAM_API_URL)."""
    return (os.environ.get("LEADHUB_TELEGRAM_API_URL") or DEFAULT_TELEGRAM_API_URL).rstrip("/")


class Notifier(ABC):
    """Sends one text message to one configured destination."""

    kind: ClassVar[str]

    @abstractmethod
    def send(self, text: str) -> None:
        """Deliver `text` or raise DeliveryFailed."""


def _scrub(text: str, *secrets: str) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "••••")
    return text


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _post(service: str, url: str, body: dict[str, Any], *secrets: str) -> httpx.Response:
    """POST JSON with a bounded wait; network trouble becomes a retryable DeliveryFailed."""
    try:
        with httpx.Client(timeout=httpx.Timeout(HTTP_TIMEOUT_SECONDS), follow_redirects=False) as client:
            return client.post(url, json=body)
    except httpx.TimeoutException as exc:
        raise DeliveryFailed(f"{service} did not answer within {HTTP_TIMEOUT_SECONDS:g} s.",
                             retryable=True) from exc
    except httpx.HTTPError as exc:
        detail = _scrub(str(exc), *secrets) or type(exc).__name__
        raise DeliveryFailed(f"Could not reach {service}: {detail}", retryable=True) from exc


def _retry_after_header(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header, given as seconds or as an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


class TelegramNotifier(Notifier):
    kind = ChannelKind.TELEGRAM.value

    def __init__(self, *, bot_token: str, chat_id: str, api_base_url: str = ""):
        self.bot_token = bot_token
        self.chat_id = chat_id
        self.api_base_url = (api_base_url or telegram_api_url()).rstrip("/")

    def send(self, text: str) -> None:
        url = f"{self.api_base_url}/bot{self.bot_token}/sendMessage"
        body = {"chat_id": self.chat_id, "text": _truncate(text, TELEGRAM_TEXT_LIMIT),
                "link_preview_options": {"is_disabled": True}}
        response = _post("Telegram", url, body, self.bot_token)
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if response.status_code == 200 and answer.get("ok") is True:
            return
        description = _scrub(str(answer.get("description") or response.reason_phrase or ""),
                             self.bot_token)
        status = response.status_code
        if status == 429:
            parameters = answer.get("parameters") or {}
            retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            retry_after = float(retry_after) if isinstance(retry_after, (int, float)) else \
                _retry_after_header(response)
            raise DeliveryFailed(f"Telegram is rate limiting: {description}", retryable=True,
                                 retry_after=retry_after, status=status)
        if status >= 500:
            raise DeliveryFailed(f"Telegram failed ({status}): {description}", retryable=True,
                                 status=status)
        raise DeliveryFailed(f"Telegram refused the message ({status}): {description}. "
                             "Check the bot token and chat id.", retryable=False, status=status)


class SlackNotifier(Notifier):
    kind = ChannelKind.SLACK.value

    def __init__(self, *, webhook_url: str):
        self.webhook_url = webhook_url

    @staticmethod
    def _mrkdwn(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def send(self, text: str) -> None:
        body = {
            "text": text,
            "blocks": [{"type": "section", "text": {
                "type": "mrkdwn", "text": _truncate(self._mrkdwn(text), SLACK_SECTION_LIMIT)}}],
        }
        response = _post("Slack", self.webhook_url, body, self.webhook_url)
        status = response.status_code
        if 200 <= status < 300:
            return
        detail = _scrub(response.text.strip()[:200], self.webhook_url) or response.reason_phrase
        if status == 429:
            raise DeliveryFailed(f"Slack is rate limiting: {detail}", retryable=True,
                                 retry_after=_retry_after_header(response), status=status)
        if status >= 500:
            raise DeliveryFailed(f"Slack failed ({status}): {detail}", retryable=True, status=status)
        raise DeliveryFailed(f"Slack refused the message ({status}): {detail}. "
                             "Check the webhook URL.", retryable=False, status=status)


# kind -> builder(secret, chat_id, api_base_url); an outgoing webhook is one more entry.
NOTIFIER_BUILDERS: dict[str, Callable[..., Notifier]] = {
    ChannelKind.TELEGRAM.value: lambda *, secret, chat_id, api_base_url: TelegramNotifier(
        bot_token=secret, chat_id=chat_id, api_base_url=api_base_url),
    ChannelKind.SLACK.value: lambda *, secret, chat_id, api_base_url: SlackNotifier(
        webhook_url=secret),
}


def build_notifier(*, kind: str, secret: str, chat_id: str = "", api_base_url: str = "") -> Notifier:
    """The notifier for a channel kind, so callers never branch on Telegram vs Slack."""
    try:
        builder = NOTIFIER_BUILDERS[kind]
    except KeyError:
        raise IntegrationError(f"Unknown notification channel {kind!r}.") from None
    return builder(secret=secret, chat_id=chat_id, api_base_url=api_base_url)
