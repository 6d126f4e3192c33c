"""The `leadhub` command end to end on a real database: what it prints, what it stores, and
exit code 2 with a readable message (never a traceback) for bad input."""

import re

import pytest
from sqlalchemy import func, inspect
from sqlmodel import select

from leadhub.cli import main
from leadhub.config import get_settings
from leadhub.services import auth
from leadhub.services.demo import DEMO_USERS
from leadhub.services.errors import NotAuthenticated
from leadhub.services.models import Lead, Membership, Team


def _use_database(monkeypatch, tmp_path, url: str) -> None:
    monkeypatch.setenv("LEADHUB_DATABASE_URL", url)
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()


@pytest.fixture
def leadhub(database_url, monkeypatch, tmp_path):
    """Run the CLI against the test database: leadhub("team", "create", ...) -> exit code."""
    _use_database(monkeypatch, tmp_path, database_url)
    yield lambda *argv: main(list(argv))
    get_settings.cache_clear()


def _count(session, model, *conditions) -> int:
    return session.exec(select(func.count()).select_from(model).where(*conditions)).one()


def test_db_upgrade_builds_a_fresh_database_and_can_run_again(monkeypatch, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    _use_database(monkeypatch, tmp_path, url)
    try:
        assert main(["db", "upgrade"]) == 0
        assert main(["db", "upgrade"]) == 0
    finally:
        get_settings.cache_clear()
    from leadhub.services.db import engine_for
    assert {"team", "lead", "outreach", "deal"} <= set(inspect(engine_for(url)).get_table_names())
    assert "up to date" in capsys.readouterr().out


def test_db_upgrade_on_a_migrated_database_changes_nothing(leadhub, capsys):
    assert leadhub("db", "upgrade") == 0


def test_an_unmigrated_database_is_reported_without_a_traceback(monkeypatch, tmp_path, capsys):
    _use_database(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert main(["team", "create", "--name", "X"]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "leadhub db upgrade" in err and "Traceback" not in err


def test_team_create_prints_the_new_team_id(leadhub, session, capsys):
    assert leadhub("team", "create", "--name", "Ventas Sur", "--timezone", "Europe/Madrid",
                   "--currency", "EUR", "--language", "es", "--country", "es") == 0
    team = session.get(Team, int(capsys.readouterr().out.strip()))
    assert (team.name, team.timezone, team.currency, team.language, team.country) == (
        "Ventas Sur", "Europe/Madrid", "EUR", "es", "ES")


def test_user_create_without_password_prints_one_that_works(leadhub, session, team_a, capsys):
    assert leadhub("user", "create", "--team", str(team_a.team.id), "--email", "Nuevo@Empresa.es",
                   "--role", "manager", "--name", "Íñigo Peña") == 0
    out = capsys.readouterr().out
    password = re.search(r"^Password: (\S+)$", out, re.MULTILINE).group(1)
    _, info = auth.login(session=session, email="nuevo@empresa.es", password=password)
    assert (info.team_id, info.role, info.user_name) == (team_a.team.id, "manager", "Íñigo Peña")


def test_user_create_with_password_does_not_echo_it(leadhub, session, team_a, capsys):
    assert leadhub("user", "create", "--team", str(team_a.team.id), "--email", "rep3@empresa.es",
                   "--role", "rep", "--password", "given-pass-9") == 0
    assert "given-pass-9" not in capsys.readouterr().out
    user = auth.find_user(session=session, email="rep3@empresa.es")
    assert session.exec(select(Membership.role).where(Membership.user_id == user.id)).one() == "rep"
    auth.login(session=session, email="rep3@empresa.es", password="given-pass-9")


def test_reset_password_replaces_the_old_one(leadhub, session, team_a, capsys):
    assert leadhub("user", "reset-password", "--email", team_a.rep.email,
                   "--password", "brand-new-pass") == 0
    session.expire_all()
    auth.login(session=session, email=team_a.rep.email, password="brand-new-pass")
    with pytest.raises(NotAuthenticated):
        auth.login(session=session, email=team_a.rep.email, password="rep-pass-1")
    session.commit()  # the login attempts, so the CLI is not kept waiting on SQLite's lock

    assert leadhub("user", "reset-password", "--email", team_a.rep2.email) == 0
    password = re.search(r"^Password: (\S+)$", capsys.readouterr().out, re.MULTILINE).group(1)
    session.expire_all()
    auth.login(session=session, email=team_a.rep2.email, password=password)


BAD_INPUT = [
    (["team", "create", "--name", " ", "--timezone", "Mars/Olympus", "--currency", "XXX"],
     ["--name:", "--timezone:", "--currency:"]),
    (["team", "create", "--name", "Ventas", "--country", "Spain"], ["--country:"]),
    (["user", "create", "--team", "{team}", "--email", "not-an-email", "--role", "rep"],
     ["--email:"]),
    (["user", "create", "--team", "99999", "--email", "x@empresa.es", "--role", "rep"],
     ["No team with id 99999"]),
    (["user", "create", "--team", "{team}", "--email", "x@empresa.es", "--role", "rep",
      "--password", "short"], ["--password:", "8 characters"]),
    (["user", "create", "--team", "{team}", "--email", "admin@acmeventas.com", "--role", "rep"],
     ["already exists"]),
    (["user", "create", "--team", "{team}", "--email", "x@empresa.es", "--role", "boss"],
     ["invalid choice"]),
    (["user", "create", "--team", "one", "--email", "x@empresa.es", "--role", "rep"],
     ["--team"]),
    (["user", "reset-password", "--email", "nobody@empresa.es"], ["No user with e-mail"]),
    (["user", "reset-password", "--email", "admin@acmeventas.com", "--password", "short"],
     ["--password:"]),
    (["demo", "--leads", "-5"], ["--leads:"]),
    (["demo", "--leads", "many"], ["--leads"]),
    (["team"], ["required"]),
]


@pytest.mark.parametrize("argv, messages", BAD_INPUT,
                         ids=[" ".join(argv[:3]) + f" #{i}" for i, (argv, _) in enumerate(BAD_INPUT)])
def test_bad_input_exits_2_with_a_message(leadhub, session, team_a, capsys, argv, messages):
    argv = [arg.format(team=team_a.team.id) for arg in argv]
    assert leadhub(*argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for message in messages:
        assert message in err
    assert _count(session, Team) == 1 and _count(session, Lead) == 0


def test_demo_loads_and_prints_the_logins(leadhub, session, capsys):
    assert leadhub("demo", "--leads", "300") == 0
    out = capsys.readouterr().out
    assert "300 leads" in out
    for user in DEMO_USERS:
        assert re.search(rf"{re.escape(user.email)}\s+{re.escape(user.password)}", out)
    team = session.exec(select(Team)).one()
    assert team.name == "Demo Ventas" and _count(session, Lead, Lead.team_id == team.id) == 300
    auth.login(session=session, email=DEMO_USERS[0].email, password=DEMO_USERS[0].password)


def test_demo_if_empty_loads_once_and_then_only_shows_the_logins(leadhub, session, capsys):
    assert leadhub("demo", "--if-empty", "--leads", "300") == 0
    capsys.readouterr()
    assert leadhub("demo", "--if-empty", "--leads", "300") == 0
    out = capsys.readouterr().out
    assert "not loaded" in out
    for user in DEMO_USERS:
        assert user.email in out and user.password in out
    assert _count(session, Team) == 1 and _count(session, Lead) == 300


def test_demo_if_empty_leaves_a_used_database_alone(leadhub, session, team_a, capsys):
    assert leadhub("demo", "--if-empty") == 0
    out = capsys.readouterr().out
    assert "not loaded" in out and "demo.leadhub.app" not in out
    assert _count(session, Team) == 1 and _count(session, Lead) == 0


def test_demo_with_a_team_name_adds_a_second_demo_team(leadhub, session, capsys):
    assert leadhub("demo", "--leads", "20") == 0
    assert leadhub("demo", "--leads", "20", "--team-name", "Demo Bench") == 0
    names = set(session.exec(select(Team.name)).all())
    assert names == {"Demo Ventas", "Demo Bench"} and _count(session, Lead) == 40
