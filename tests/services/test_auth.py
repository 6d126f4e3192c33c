"""Sign-up, login, sessions, lockout and roles, on a real database."""

from datetime import timedelta

import pytest
from sqlmodel import select

from leadhub.services import auth
from leadhub.services.errors import (
    Conflict,
    NotAuthenticated,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from leadhub.services.models import LoginAttempt, UserSession, utcnow


def test_sign_up_creates_team_and_admin_and_login_works(session):
    team, user = auth.sign_up(session=session, team_name="Ñandú Ventas", email="  Ana@Example.COM ",
                              password="secret-123", full_name="Ana Núñez",
                              timezone="America/Bogota", currency="COP", language="es")
    session.commit()
    assert user.email == "ana@example.com"
    assert user.password_hash.startswith("$argon2")
    token, info = auth.login(session=session, email="ANA@example.com", password="secret-123")
    session.commit()
    assert info.team_name == "Ñandú Ventas" and info.role == "admin"
    assert info.team_timezone == "America/Bogota"
    stored = session.exec(select(UserSession)).one()
    assert stored.token_hash != token and len(stored.token_hash) == 64
    assert auth.resolve_session(session=session, token=token).user_id == user.id


def test_sign_up_reports_every_bad_field(session):
    with pytest.raises(ValidationFailed) as err:
        auth.sign_up(session=session, team_name=" ", email="not-an-email", password="short",
                     timezone="Mars/Olympus", currency="XXX")
    assert set(err.value.field_errors) == {"team_name", "email", "password", "timezone", "currency"}


def test_duplicate_email_is_refused(session):
    auth.sign_up(session=session, team_name="A", email="a@x.com", password="password-1")
    with pytest.raises(Conflict):
        auth.sign_up(session=session, team_name="B", email="A@X.com", password="password-2")


def test_wrong_password_and_unknown_email_give_the_same_answer(session, team_a):
    with pytest.raises(NotAuthenticated) as wrong:
        auth.login(session=session, email=team_a.admin.email, password="nope-nope")
    with pytest.raises(NotAuthenticated) as unknown:
        auth.login(session=session, email="ghost@nowhere.com", password="nope-nope")
    assert wrong.value.message == unknown.value.message


def test_repeated_failures_slow_down_login(session, team_a):
    for _ in range(auth.FREE_FAILURES):
        with pytest.raises(NotAuthenticated):
            auth.login(session=session, email=team_a.rep.email, password="bad-guess")
    session.commit()
    with pytest.raises(RateLimited) as limited:
        auth.login(session=session, email=team_a.rep.email, password="rep-pass-1")
    assert limited.value.retry_after >= 1
    # once the wait has passed, the right password works again
    for attempt in session.exec(select(LoginAttempt)).all():
        attempt.attempted_at -= timedelta(minutes=5)
        session.add(attempt)
    session.commit()
    token, info = auth.login(session=session, email=team_a.rep.email, password="rep-pass-1")
    assert info.role == "rep"


def test_logout_and_expiry_end_the_session(session, team_a):
    token, _ = auth.login(session=session, email=team_a.rep.email, password="rep-pass-1")
    auth.logout(session=session, token=token)
    session.commit()
    with pytest.raises(NotAuthenticated):
        auth.resolve_session(session=session, token=token)

    token, _ = auth.login(session=session, email=team_a.rep.email, password="rep-pass-1")
    stored = session.exec(select(UserSession).where(UserSession.revoked_at.is_(None))).one()
    stored.expires_at = utcnow() - timedelta(seconds=1)
    session.add(stored)
    session.commit()
    with pytest.raises(NotAuthenticated):
        auth.resolve_session(session=session, token=token)
    with pytest.raises(NotAuthenticated):
        auth.resolve_session(session=session, token="made-up-token")


def test_password_reset_ends_open_sessions(session, team_a):
    token, _ = auth.login(session=session, email=team_a.rep.email, password="rep-pass-1")
    auth.set_password(session=session, user_id=team_a.rep.id, password="brand-new-pass")
    session.commit()
    with pytest.raises(NotAuthenticated):
        auth.resolve_session(session=session, token=token)
    auth.login(session=session, email=team_a.rep.email, password="brand-new-pass")


def test_only_admins_manage_members(session, team_a):
    with pytest.raises(PermissionDenied):
        auth.invite_member(session=session, ctx=team_a.rep_ctx, email="x@y.com", role="rep")
    with pytest.raises(PermissionDenied):
        auth.invite_member(session=session, ctx=team_a.manager_ctx, email="x@y.com", role="rep")
    with pytest.raises(PermissionDenied):
        auth.change_role(session=session, ctx=team_a.rep_ctx, user_id=team_a.rep.id, role="admin")
    with pytest.raises(PermissionDenied):
        auth.update_team_settings(session=session, ctx=team_a.manager_ctx, name="X",
                                  timezone="UTC", currency="USD", language="en", country="US")


def test_last_admin_cannot_be_demoted_or_removed(session, team_a):
    with pytest.raises(Conflict):
        auth.change_role(session=session, ctx=team_a.admin_ctx, user_id=team_a.admin.id, role="rep")
    with pytest.raises(Conflict):
        auth.remove_member(session=session, ctx=team_a.admin_ctx, user_id=team_a.admin.id)


def test_user_in_two_teams_switches_team(session, team_a, team_b):
    auth.add_membership(session=session, team_id=team_b.team.id, user_id=team_a.rep.id, role="manager")
    session.commit()
    token, info = auth.login(session=session, email=team_a.rep.email, password="rep-pass-1",
                             team_id=team_a.team.id)
    assert info.team_id == team_a.team.id and info.role == "rep"
    switched = auth.switch_team(session=session, token=token, team_id=team_b.team.id)
    assert switched.team_id == team_b.team.id and switched.role == "manager"
    with pytest.raises(PermissionDenied):
        auth.switch_team(session=session, token=token, team_id=9999)


def test_admin_cannot_touch_members_of_another_team(session, team_a, team_b):
    from leadhub.services.errors import NotFound
    with pytest.raises(NotFound):
        auth.change_role(session=session, ctx=team_a.admin_ctx, user_id=team_b.rep.id, role="admin")
    with pytest.raises(NotFound):
        auth.remove_member(session=session, ctx=team_a.admin_ctx, user_id=team_b.rep.id)
    assert {u.id for u, _ in auth.list_members(session=session, ctx=team_a.admin_ctx)}.isdisjoint(
        {u.id for u, _ in auth.list_members(session=session, ctx=team_b.admin_ctx)})


@pytest.mark.parametrize("timezone, country", [
    ("Europe/Madrid", "ES"), ("America/Mexico_City", "MX"), ("America/Bogota", "CO"), ("UTC", "US")])
def test_team_country_follows_its_time_zone(session, timezone, country):
    team, _ = auth.sign_up(session=session, team_name="T", email=f"a-{country.lower()}@x.com",
                           password="password-1", timezone=timezone)
    assert team.country == country


def test_team_country_must_be_a_two_letter_code(session):
    with pytest.raises(ValidationFailed) as err:
        auth.create_team(session=session, name="T", country="Spain")
    assert "country" in err.value.field_errors


def test_changing_your_own_password_ends_your_other_sessions(session, team_a, team_b):
    thief, _ = auth.login(session=session, email=team_a.rep.email, password="rep-pass-1")
    mine, info = auth.login(session=session, email=team_a.rep.email, password="rep-pass-1")
    someone_else, _ = auth.login(session=session, email=team_a.rep2.email, password="rep-pass-2")
    session.commit()
    auth.change_own_password(session=session, ctx=info.ctx, current="rep-pass-1", new="fresh-pass-77",
                             keep_token=mine)
    session.commit()
    with pytest.raises(NotAuthenticated):
        auth.resolve_session(session=session, token=thief)
    assert auth.resolve_session(session=session, token=mine).user_id == team_a.rep.id
    assert auth.resolve_session(session=session, token=someone_else).user_id == team_a.rep2.id
    auth.change_own_password(session=session, ctx=info.ctx, current="fresh-pass-77", new="fresh-pass-88")
    session.commit()
    with pytest.raises(NotAuthenticated):   # no session named to keep: every one ends
        auth.resolve_session(session=session, token=mine)
