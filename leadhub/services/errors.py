"""Errors every service raises, so states, the API and the CLI can answer them the same way.

    LeadHubError
    ├── NotFound            the record does not exist in the caller's team (404)
    ├── PermissionDenied    not logged in, or the role may not do this (403)
    │   └── NotAuthenticated    no valid session or API key (401)
    ├── Conflict            the change clashes with stored data (409)
    │   ├── DuplicateLead       a likely duplicate exists
    │   └── StaleRecord         someone else changed it first
    ├── ValidationFailed    bad input; `field_errors` maps field -> message (422)
    ├── RateLimited         too many attempts; `retry_after` seconds (429)
    └── IntegrationError    Telegram, Slack, SMTP or a webhook failed
"""

from __future__ import annotations

from typing import Any


class LeadHubError(Exception):
    """Base of every error a service raises on purpose."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(LeadHubError):
    status_code = 404


class PermissionDenied(LeadHubError):
    status_code = 403


class NotAuthenticated(PermissionDenied):
    status_code = 401


class Conflict(LeadHubError):
    status_code = 409


class DuplicateLead(Conflict):
    def __init__(self, message: str, matches: list | None = None):
        super().__init__(message)
        self.matches = matches or []


class StaleRecord(Conflict):
    pass


class ValidationFailed(LeadHubError):
    status_code = 422

    def __init__(self, message: str = "Please correct the highlighted fields.",
                 field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field_errors = field_errors or {}


class RateLimited(LeadHubError):
    status_code = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class IntegrationError(LeadHubError):
    status_code = 502


def clean_name(value: Any, limit: int, missing: str, errors: dict[str, str]) -> str:
    """`value` with its whitespace collapsed; errors["name"] gets `missing` when it is empty
    or "Use at most `limit` characters." when it is longer (the caller raises ValidationFailed)."""
    name = " ".join(str(value or "").split())
    if not name:
        errors["name"] = missing
    elif len(name) > limit:
        errors["name"] = f"Use at most {limit} characters."
    return name
