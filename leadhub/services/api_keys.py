"""Per-team API keys for integrations: what a REST API caller is, checked on every request.

A key is created by an admin and shown once (`lh_` + 43 random URL-safe characters); only its
SHA-256 is stored, with the first 11 characters (`prefix`) kept readable so admins can tell
keys apart. A key *acts as* one member of the team (the admin who made it, unless another
member is chosen) with a role chosen at creation, never above that member's current role:
demoting or removing the member narrows or stops the key. Revoking is immediate.

    create_key(...)    admin: a new key and its token (the only time it is seen)
    list_keys(...)     admin: the team's keys by prefix, newest first
    revoke_key(...)    admin: stop a key at once
    authenticate(...)  the TeamContext a bearer token acts with, or NotAuthenticated
    RateLimiter        requests per key per minute (in this process)
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Index, or_, update
from sqlmodel import Field, Session, SQLModel, func, select

from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import NotAuthenticated, RateLimited, ValidationFailed, clean_name
from leadhub.services.models import Membership, Role, User, utcnow

TOKEN_PREFIX = "lh_"
PREFIX_LENGTH = 11                       # "lh_" + 8 characters, shown in lists
NAME_MAX_LENGTH = 80
MAX_ACTIVE_KEYS = 50                     # per team
LAST_USED_RESOLUTION = timedelta(minutes=1)   # at most one write per key per minute
_RANK = {Role.REP.value: 1, Role.MANAGER.value: 2, Role.ADMIN.value: 3}


class ApiKey(SQLModel, table=True):
    """One integration's credential; the token itself is never stored."""

    __tablename__ = "api_key"
    __table_args__ = (Index("ix_api_key_team_created", "team_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    name: str = Field(max_length=NAME_MAX_LENGTH)
    prefix: str = Field(max_length=16, description="first characters of the token, for lists")
    token_hash: str = Field(max_length=64, unique=True, index=True, description="SHA-256 hex")
    role: str = Field(max_length=16, description="the most the key may do (Role value)")
    user_id: int = Field(foreign_key="user.id", description="the member the key acts as")
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class ApiKeyRead:
    """A key as an admin sees it: never the token."""

    id: int
    name: str
    prefix: str
    role: str
    user_id: int
    user_name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class ApiCaller:
    """Who a request with a valid key is: the context services get, and the key's id."""

    ctx: TeamContext
    key_id: int
    prefix: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _read(key: ApiKey, user: User | None) -> ApiKeyRead:
    return ApiKeyRead(id=key.id, name=key.name, prefix=key.prefix, role=key.role,
                      user_id=key.user_id, user_name=(user.full_name or user.email) if user else "",
                      created_at=key.created_at, last_used_at=key.last_used_at,
                      revoked_at=key.revoked_at)


def _member_role(session: Session, team_id: int, user_id: int) -> str | None:
    return session.exec(select(Membership.role).where(
        Membership.team_id == team_id, Membership.user_id == user_id)).first()


def create_key(*, session: Session, ctx: TeamContext, name: str, role: str = Role.REP.value,
               user_id: int | None = None) -> tuple[ApiKeyRead, str]:
    """A new key acting as `user_id` (default: the caller) with `role` (at most that member's
    role). Returns the key and its token; the token cannot be shown again."""
    ctx.require(Role.ADMIN)
    errors: dict[str, str] = {}
    name = clean_name(name, NAME_MAX_LENGTH, "Name the key after the integration that uses it.", errors)
    if role not in _RANK:
        errors["role"] = "Choose admin, manager or rep."
    acting_id = ctx.user_id if user_id is None else user_id
    member_role = _member_role(session, ctx.team_id, acting_id)
    if member_role is None:
        errors["user_id"] = "Choose a member of this team."
    elif role in _RANK and _RANK[role] > _RANK.get(member_role, 0):
        errors["role"] = f"This member is a {member_role}; the key cannot do more than they can."
    active = session.exec(select(func.count()).select_from(ApiKey).where(
        ApiKey.team_id == ctx.team_id, ApiKey.revoked_at.is_(None))).one()
    if active >= MAX_ACTIVE_KEYS:
        errors["name"] = f"A team can have at most {MAX_ACTIVE_KEYS} active keys; revoke one first."
    if errors:
        raise ValidationFailed(field_errors=errors)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(team_id=ctx.team_id, name=name, prefix=token[:PREFIX_LENGTH],
                 token_hash=token_hash(token), role=role, user_id=acting_id,
                 created_by=ctx.user_id)
    session.add(key)
    session.flush()
    return _read(key, session.get(User, acting_id)), token


def list_keys(*, session: Session, ctx: TeamContext, include_revoked: bool = True) -> list[ApiKeyRead]:
    """The team's keys, newest first (a team has at most a few dozen)."""
    ctx.require(Role.ADMIN)
    statement = (select(ApiKey, User).outerjoin(User, User.id == ApiKey.user_id)
                 .where(ApiKey.team_id == ctx.team_id)
                 .order_by(ApiKey.created_at.desc(), ApiKey.id.desc()).limit(500))
    if not include_revoked:
        statement = statement.where(ApiKey.revoked_at.is_(None))
    return [_read(key, user) for key, user in session.exec(statement).all()]


def revoke_key(*, session: Session, ctx: TeamContext, key_id: int) -> ApiKeyRead:
    """Stop a key at once (revoking a revoked key changes nothing)."""
    ctx.require(Role.ADMIN)
    key = get_in_team(session, ApiKey, ctx, key_id, "This API key does not exist or belongs to another team.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        session.flush()
    return _read(key, session.get(User, key.user_id))


def authenticate(*, session: Session, token: str | None, now: datetime | None = None) -> ApiCaller:
    """The caller behind a bearer token, acting with min(key role, member's role). Raises
    NotAuthenticated for a missing, unknown or revoked key, or one whose member left."""
    if not token:
        raise NotAuthenticated("Send an API key: Authorization: Bearer <key>.")
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise NotAuthenticated("This API key is not valid.")
    row = session.exec(
        select(ApiKey, Membership.role, User.is_active)
        .outerjoin(Membership, (Membership.team_id == ApiKey.team_id)
                   & (Membership.user_id == ApiKey.user_id))
        .outerjoin(User, User.id == ApiKey.user_id)
        .where(ApiKey.token_hash == token_hash(token))).first()
    if row is None:
        raise NotAuthenticated("This API key is not valid.")
    key, member_role, user_active = row
    if key.revoked_at is not None:
        raise NotAuthenticated("This API key was revoked.")
    if member_role is None or not user_active:
        raise NotAuthenticated("The member this API key acts as has left the team.")
    role = min(key.role, member_role, key=lambda r: _RANK.get(r, 0))
    now = now or utcnow()
    session.exec(update(ApiKey).where(
        ApiKey.id == key.id,
        or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_RESOLUTION))
        .values(last_used_at=now).execution_options(synchronize_session=False))
    return ApiCaller(ctx=TeamContext(team_id=key.team_id, user_id=key.user_id, role=role),
                     key_id=key.id, prefix=key.prefix)


class RateLimiter:
    """A token bucket per key: `per_minute` requests, refilled evenly. In-process: with N
    server workers a key may make up to N times as many requests."""

    def __init__(self, per_minute: int):
        self.per_minute = max(1, per_minute)
        self._buckets: dict[object, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key_id: object, now: float | None = None) -> None:
        """Take one request from the key's bucket, or raise RateLimited with the wait."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(key_id, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                wait = max(1, int((1.0 - tokens) / rate + 0.999))
                raise RateLimited("Too many requests with this API key; slow down.", retry_after=wait)
            self._buckets[key_id] = (tokens - 1.0, now)
            if len(self._buckets) > 10_000:          # forget idle keys
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 120}
