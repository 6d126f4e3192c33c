"""Accounts: the companies a team sells to. Conversion creates most of them; integrations create,
edit and remove them through the REST API with the same checks.

Every function takes the caller's TeamContext and touches only that team's accounts. A new
account's name must not repeat another account's of the team (case and spaces ignored), so a
sync that runs twice finds the first one instead of making a second.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from sqlmodel import Session, func, select

from leadhub.services import removal, touches
from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import Conflict, ValidationFailed
from leadhub.services.models import Account, Team, utcnow
from leadhub.services.outreach import normalise_phone

TEXT_LIMITS = {"name": 160, "website": 255, "industry": 60, "phone": 32, "city": 100, "country": 100}
EDITABLE_FIELDS = (*TEXT_LIMITS, "owner_id")


def _website(text: str) -> str:
    candidate = text if "://" in text else f"https://{text}"
    parsed = urlparse(candidate)
    if parsed.scheme not in ("http", "https") or "." not in (parsed.hostname or "") or " " in text:
        raise ValueError("Enter a web address such as https://example.com.")
    return candidate


def _clean(session: Session, ctx: TeamContext, raw: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Checked, normalised values; every problem at once, at its field."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    team = session.get(Team, ctx.team_id)
    for name, value in raw.items():
        if name not in EDITABLE_FIELDS:
            errors[name] = "Unknown field."
            continue
        if name == "owner_id":
            if value is None:
                clean[name] = None
            elif isinstance(value, bool) or not isinstance(value, int) \
                    or not touches.is_team_member(session, ctx.team_id, value):
                errors[name] = "The owner must be a member of this team."
            else:
                clean[name] = value
            continue
        text = " ".join(str(value or "").split())
        try:
            if name == "website" and text:
                text = _website(text)
            elif name == "phone" and text:
                text = normalise_phone(text, team.country)
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        except ValidationFailed as exc:
            errors[name] = next(iter(exc.field_errors.values()))
            continue
        if len(text) > TEXT_LIMITS[name]:
            errors[name] = f"Use at most {TEXT_LIMITS[name]} characters."
        clean[name] = text
    if (creating or "name" in raw) and not clean.get("name") and "name" not in errors:
        errors["name"] = "Give the account a name."
    if errors:
        raise ValidationFailed(field_errors=errors)
    return clean


def _same_name(session: Session, ctx: TeamContext, name: str, exclude_id: int | None = None) -> Account | None:
    statement = select(Account).where(Account.team_id == ctx.team_id,
                                      func.lower(Account.name) == name.lower())
    if exclude_id is not None:
        statement = statement.where(Account.id != exclude_id)
    return session.exec(statement.limit(1)).first()


def create_account(*, session: Session, ctx: TeamContext, data: dict[str, Any]) -> Account:
    """A new account owned by the caller unless another member is chosen; Conflict when the
    team already has an account of that name."""
    clean = _clean(session, ctx, data, creating=True)
    if _same_name(session, ctx, clean["name"]) is not None:
        raise Conflict(f"An account named “{clean['name']}” already exists.")
    if clean.get("owner_id") is None:
        clean["owner_id"] = ctx.user_id
    account = Account(team_id=ctx.team_id, **clean)
    session.add(account)
    session.flush()
    return account


def get_account(*, session: Session, ctx: TeamContext, account_id: int) -> Account:
    return get_in_team(session, Account, ctx, account_id,
                       "This account does not exist or belongs to another team.")


def update_account(*, session: Session, ctx: TeamContext, account_id: int,
                   changes: dict[str, Any]) -> Account:
    """Change some fields; reps change the accounts they own (or nobody owns)."""
    account = get_account(session=session, ctx=ctx, account_id=account_id)
    touches.require_record_access(ctx, account.owner_id)
    clean = _clean(session, ctx, changes, creating=False)
    if "name" in clean and _same_name(session, ctx, clean["name"], exclude_id=account.id) is not None:
        raise Conflict(f"An account named “{clean['name']}” already exists.")
    for name, value in clean.items():
        setattr(account, name, value)
    account.updated_at = utcnow()
    session.add(account)
    session.flush()
    return account


def delete_account(*, session: Session, ctx: TeamContext, account_id: int) -> None:
    """Remove an account; its contacts and deals stay, without the link."""
    account = get_account(session=session, ctx=ctx, account_id=account_id)
    touches.require_record_access(ctx, account.owner_id)
    removal.remove(session=session, ctx=ctx, record=account)
