"""Accounts, sessions and teams: who may enter, and as which member of which team.

Passwords are hashed with argon2 (pwdlib). A session token is `secrets.token_urlsafe`; the
browser keeps it and the database keeps only its SHA-256, so a leaked table opens nothing.
Failed logins per e-mail are counted: after a few, further tries wait longer and longer.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from importlib import resources
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, available_timezones

from email_validator import EmailNotValidError, validate_email
from pwdlib import PasswordHash
from sqlmodel import Session, func, select

from leadhub.config import get_settings
from leadhub.services.context import TeamContext
from leadhub.services.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from leadhub.services.models import (
    LoginAttempt,
    Membership,
    Role,
    Team,
    User,
    UserSession,
    utcnow,
)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
FREE_FAILURES = 5                 # failures allowed in the window before slowing down
FAILURE_WINDOW = timedelta(minutes=15)
MAX_LOCK_SECONDS = 15 * 60
LANGUAGES = ("en", "es")
CURRENCIES = ("USD", "EUR", "MXN", "COP", "ARS", "CLP", "PEN", "BRL", "GBP", "CAD")

_hasher = PasswordHash.recommended()
# A hash of nothing in particular, checked when the e-mail is unknown so that timing does
# not tell which e-mails have accounts.
_DUMMY_HASH = _hasher.hash("not a real password")


@dataclass(frozen=True)
class SessionInfo:
    """What a signed-in browser needs to know about its session (no secrets)."""

    user_id: int
    user_email: str
    user_name: str
    user_language: str
    team_id: int
    team_name: str
    team_timezone: str
    team_currency: str
    role: str

    @property
    def ctx(self) -> TeamContext:
        return TeamContext(team_id=self.team_id, user_id=self.user_id, role=self.role)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


INVALID_EMAIL = "Enter a valid e-mail address, e.g. ana@example.com."


def normalise_email(email: str, field: str = "email") -> str:
    """Lower-cased, syntax-checked e-mail, or ValidationFailed at `field`."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(field_errors={field: INVALID_EMAIL}) from exc


def _check_password(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(field_errors={
            field: f"Use at least {MIN_PASSWORD_LENGTH} characters."})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(field_errors={field: "That password is too long."})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _validate_team_fields(name: str, timezone: str, currency: str, language: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["team_name"] = "Give the team a name."
    elif len(name.strip()) > 120:
        errors["team_name"] = "Use at most 120 characters."
    if timezone not in available_timezones():
        errors["timezone"] = f"Unknown time zone: {timezone!r}."
    if currency not in CURRENCIES:
        errors["currency"] = f"Choose one of {', '.join(CURRENCIES)}."
    if language not in LANGUAGES:
        errors["language"] = "Choose English (en) or Spanish (es)."
    return errors


# --- Sign-up, teams and members ---------------------------------------------------------

def create_team(*, session: Session, name: str, timezone: str = "UTC", currency: str = "USD",
                language: str = "en", country: str = "US") -> Team:
    """A new, empty team (the CLI and sign-up add its first admin)."""
    errors = _validate_team_fields(name, timezone, currency, language)
    country = (country or "US").strip().upper()
    if not (len(country) == 2 and country.isalpha()):
        errors["country"] = "Use a two-letter country code, e.g. ES or MX."
    if errors:
        raise ValidationFailed(field_errors=errors)
    team = Team(name=name.strip(), timezone=timezone, currency=currency, language=language,
                country=country)
    session.add(team)
    session.flush()
    return team


def create_user(*, session: Session, email: str, password: str, full_name: str = "",
                language: str = "en") -> User:
    email = normalise_email(email)
    _check_password(password)
    if session.exec(select(User).where(User.email == email)).first():
        raise Conflict("An account with this e-mail already exists.")
    user = User(email=email, full_name=(full_name or "").strip()[:120],
                password_hash=hash_password(password),
                language=language if language in LANGUAGES else "en")
    session.add(user)
    session.flush()
    return user


def add_membership(*, session: Session, team_id: int, user_id: int, role: str) -> Membership:
    if role not in {r.value for r in Role}:
        raise ValidationFailed(field_errors={"role": "Choose admin, manager or rep."})
    existing = session.exec(select(Membership).where(
        Membership.team_id == team_id, Membership.user_id == user_id)).first()
    if existing:
        raise Conflict("This user is already a member of the team.")
    membership = Membership(team_id=team_id, user_id=user_id, role=role)
    session.add(membership)
    session.flush()
    return membership


@lru_cache(maxsize=1)
def _country_by_timezone() -> dict[str, str]:
    """Time zone -> ISO country, from the tz database's zone.tab (shipped by `tzdata`)."""
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    pairs = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return {cols[2]: cols[0] for cols in pairs if len(cols) >= 3}


def country_for_timezone(timezone: str) -> str:
    """The country a time zone belongs to (e.g. Europe/Madrid -> ES); US when unknown."""
    return _country_by_timezone().get(timezone, "US")


def sign_up(*, session: Session, team_name: str, email: str, password: str, full_name: str = "",
            timezone: str = "UTC", currency: str = "USD", language: str = "en",
            country: str | None = None) -> tuple[Team, User]:
    """Create a team and its first admin in one go; the team's country (the default region
    for phone numbers) follows its time zone unless given."""
    errors = _validate_team_fields(team_name, timezone, currency, language)
    try:
        normalise_email(email)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    try:
        _check_password(password)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ValidationFailed(field_errors=errors)
    team = create_team(session=session, name=team_name, timezone=timezone, currency=currency,
                       language=language, country=country or country_for_timezone(timezone))
    user = create_user(session=session, email=email, password=password, full_name=full_name,
                       language=language)
    add_membership(session=session, team_id=team.id, user_id=user.id, role=Role.ADMIN.value)
    return team, user


def invite_member(*, session: Session, ctx: TeamContext, email: str, role: str,
                  full_name: str = "", password: str | None = None) -> tuple[User, str | None]:
    """An admin adds a user by e-mail with a role. A new account gets `password` or a
    generated one, returned once so the admin can hand it over."""
    ctx.require(Role.ADMIN)
    email = normalise_email(email)
    user = session.exec(select(User).where(User.email == email)).first()
    generated = None
    if user is None:
        generated = password or secrets.token_urlsafe(9)
        user = create_user(session=session, email=email, password=generated, full_name=full_name)
    add_membership(session=session, team_id=ctx.team_id, user_id=user.id, role=role)
    return user, generated


def list_members(*, session: Session, ctx: TeamContext) -> list[tuple[User, Membership]]:
    rows = session.exec(
        select(User, Membership).join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id == ctx.team_id).order_by(User.full_name, User.email)
    ).all()
    return [(u, m) for u, m in rows]


def change_role(*, session: Session, ctx: TeamContext, user_id: int, role: str) -> Membership:
    ctx.require(Role.ADMIN)
    if role not in {r.value for r in Role}:
        raise ValidationFailed(field_errors={"role": "Choose admin, manager or rep."})
    membership = _membership(session, ctx.team_id, user_id)
    if membership.role == Role.ADMIN.value and role != Role.ADMIN.value:
        _ensure_another_admin(session, ctx.team_id, user_id)
    membership.role = role
    session.add(membership)
    session.flush()
    return membership


def remove_member(*, session: Session, ctx: TeamContext, user_id: int) -> None:
    ctx.require(Role.ADMIN)
    membership = _membership(session, ctx.team_id, user_id)
    if membership.role == Role.ADMIN.value:
        _ensure_another_admin(session, ctx.team_id, user_id)
    for user_session in session.exec(select(UserSession).where(
            UserSession.user_id == user_id, UserSession.team_id == ctx.team_id,
            UserSession.revoked_at.is_(None))):
        user_session.revoked_at = utcnow()
        session.add(user_session)
    session.delete(membership)
    session.flush()


def _membership(session: Session, team_id: int, user_id: int) -> Membership:
    membership = session.exec(select(Membership).where(
        Membership.team_id == team_id, Membership.user_id == user_id)).first()
    if membership is None:
        raise NotFound("No such member in this team.")
    return membership


def _ensure_another_admin(session: Session, team_id: int, user_id: int) -> None:
    others = session.exec(select(func.count()).select_from(Membership).where(
        Membership.team_id == team_id, Membership.role == Role.ADMIN.value,
        Membership.user_id != user_id)).one()
    if not others:
        raise Conflict("A team needs at least one admin.")


def update_team_settings(*, session: Session, ctx: TeamContext, name: str, timezone: str,
                         currency: str, language: str, country: str) -> Team:
    ctx.require(Role.ADMIN)
    errors = _validate_team_fields(name, timezone, currency, language)
    if not (len(country or "") == 2 and country.isalpha()):
        errors["country"] = "Use a two-letter country code, e.g. ES or MX."
    if errors:
        raise ValidationFailed(field_errors=errors)
    team = session.get(Team, ctx.team_id)
    team.name, team.timezone, team.currency = name.strip(), timezone, currency
    team.language, team.country = language, country.upper()
    session.add(team)
    session.flush()
    return team


def get_team(*, session: Session, ctx: TeamContext) -> Team:
    return session.get(Team, ctx.team_id)


def teams_of_user(*, session: Session, user_id: int) -> list[tuple[Team, str]]:
    rows = session.exec(select(Team, Membership.role).join(Membership, Membership.team_id == Team.id)
                        .where(Membership.user_id == user_id).order_by(Team.name)).all()
    return [(t, r) for t, r in rows]


def team_zone(team: Team) -> ZoneInfo:
    return ZoneInfo(team.timezone)


# --- Passwords, login and sessions ------------------------------------------------------

def set_password(*, session: Session, user_id: int, password: str) -> None:
    """Operators reset a password (CLI); every open session of the user ends."""
    _check_password(password)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    user.password_hash = hash_password(password)
    session.add(user)
    for user_session in session.exec(select(UserSession).where(
            UserSession.user_id == user_id, UserSession.revoked_at.is_(None))):
        user_session.revoked_at = utcnow()
        session.add(user_session)
    session.flush()


def change_own_password(*, session: Session, ctx: TeamContext, current: str, new: str,
                        keep_token: str | None = None) -> None:
    """A new password ends every other session of the user (one opened with a leaked password
    too); the session `keep_token` belongs to, the one changing it, stays open."""
    user = session.get(User, ctx.user_id)
    if not _hasher.verify(current or "", user.password_hash):
        raise ValidationFailed(field_errors={"current_password": "That is not your current password."})
    _check_password(new, field="new_password")
    user.password_hash = hash_password(new)
    session.add(user)
    kept = _token_hash(keep_token) if keep_token else None
    for user_session in session.exec(select(UserSession).where(
            UserSession.user_id == ctx.user_id, UserSession.revoked_at.is_(None))):
        if user_session.token_hash != kept:
            user_session.revoked_at = utcnow()
            session.add(user_session)
    session.flush()


def lockout_seconds(*, session: Session, email: str) -> int:
    """How long this e-mail must wait before the next try (0 = may try now).

    Each failure beyond FREE_FAILURES in the window doubles the wait, from 2 seconds up to
    MAX_LOCK_SECONDS, counted from the latest failure."""
    since = utcnow() - FAILURE_WINDOW
    failures = session.exec(select(func.count(), func.max(LoginAttempt.attempted_at)).where(
        LoginAttempt.email == email, LoginAttempt.succeeded.is_(False),
        LoginAttempt.attempted_at >= since)).one()
    count, latest = failures
    if count < FREE_FAILURES or latest is None:
        return 0
    wait = min(2 ** (count - FREE_FAILURES + 1), MAX_LOCK_SECONDS)
    remaining = (latest + timedelta(seconds=wait) - utcnow()).total_seconds()
    return max(0, int(remaining + 0.999))


def login(*, session: Session, email: str, password: str, team_id: int | None = None) -> tuple[str, SessionInfo]:
    """Check the password and open a session; returns (token for the browser, info)."""
    email_key = (email or "").strip().lower()
    wait = lockout_seconds(session=session, email=email_key)
    if wait:
        raise RateLimited(f"Too many failed attempts. Try again in {wait} seconds.", retry_after=wait)
    user = session.exec(select(User).where(User.email == email_key)).first()
    ok = _hasher.verify(password or "", user.password_hash if user else _DUMMY_HASH)
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(email=email_key, succeeded=bool(ok)))
    session.flush()
    if not ok:
        raise NotAuthenticated("Wrong e-mail or password.")
    teams = teams_of_user(session=session, user_id=user.id)
    if not teams:
        raise PermissionDenied("This account is not a member of any team.")
    chosen = next((t for t, _ in teams if t.id == team_id), teams[0][0])
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=_token_hash(token), user_id=user.id, team_id=chosen.id,
                            expires_at=utcnow() + timedelta(hours=get_settings().session_hours)))
    session.flush()
    return token, resolve_session(session=session, token=token)


def resolve_session(*, session: Session, token: str | None) -> SessionInfo:
    """The signed-in user and team behind a token, or NotAuthenticated."""
    if not token:
        raise NotAuthenticated("Please sign in.")
    row = session.exec(
        select(UserSession, User, Team, Membership.role)
        .join(User, User.id == UserSession.user_id)
        .join(Team, Team.id == UserSession.team_id)
        .join(Membership, (Membership.team_id == UserSession.team_id)
              & (Membership.user_id == UserSession.user_id))
        .where(UserSession.token_hash == _token_hash(token))
    ).first()
    if row is None:
        raise NotAuthenticated("Please sign in.")
    user_session, user, team, role = row
    if user_session.revoked_at is not None or user_session.expires_at <= utcnow() or not user.is_active:
        raise NotAuthenticated("Your session has ended. Please sign in again.")
    return SessionInfo(user_id=user.id, user_email=user.email, user_name=user.full_name or user.email,
                       user_language=user.language, team_id=team.id, team_name=team.name,
                       team_timezone=team.timezone, team_currency=team.currency, role=role)


def logout(*, session: Session, token: str | None) -> None:
    if not token:
        return
    user_session = session.exec(select(UserSession).where(
        UserSession.token_hash == _token_hash(token))).first()
    if user_session and user_session.revoked_at is None:
        user_session.revoked_at = utcnow()
        session.add(user_session)
        session.flush()


def switch_team(*, session: Session, token: str, team_id: int) -> SessionInfo:
    """Move the current session to another team the user belongs to."""
    info = resolve_session(session=session, token=token)
    if not session.exec(select(Membership).where(
            Membership.user_id == info.user_id, Membership.team_id == team_id)).first():
        raise PermissionDenied("You are not a member of that team.")
    user_session = session.exec(select(UserSession).where(
        UserSession.token_hash == _token_hash(token))).one()
    user_session.team_id = team_id
    session.add(user_session)
    session.flush()
    return resolve_session(session=session, token=token)


def set_language(*, session: Session, ctx: TeamContext, language: str) -> None:
    if language not in LANGUAGES:
        raise ValidationFailed(field_errors={"language": "Choose English (en) or Spanish (es)."})
    user = session.get(User, ctx.user_id)
    user.language = language
    session.add(user)
    session.flush()


def find_user(*, session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == (email or "").strip().lower())).first()
    if user is None:
        raise NotFound(f"No user with e-mail {email!r}.")
    return user
