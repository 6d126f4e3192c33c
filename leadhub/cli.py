"""The operator's command line: schema upgrades, teams, users and demo data, without the UI.

    leadhub db upgrade
    leadhub team create --name "Ventas Sur" [--timezone Europe/Madrid] [--currency EUR]
                        [--language es] [--country ES]
    leadhub user create --team 1 --email ana@empresa.es --role admin [--name "Ana"] [--password P]
    leadhub user reset-password --email ana@empresa.es [--password P]
    leadhub demo [--leads 2000] [--if-empty] [--team-name "Demo Ventas"] [--seed 42]
    leadhub worker [--workers 2] [--shutdown-timeout 30]
                                      deliver notifications and dispatch events (Ctrl-C or
                                      SIGTERM stops it after the tasks in progress)
    leadhub import FILE --team 1 [--mapping "Correo=email,Apellidos=last_name" | NAME]
                   [--duplicates skip|update|create] [--user ana@empresa.es]

The database is LEADHUB_DATABASE_URL (default: a SQLite file in the data folder). Bad input
is answered with a message on stderr and exit code 2; a database that cannot be reached or
is not migrated gives exit code 1.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
import time
from collections.abc import Sequence

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from leadhub.config import get_settings
from leadhub.services import auth, demo, migrations
from leadhub.services.db import session_scope
from leadhub.services.errors import LeadHubError, NotFound, ValidationFailed
from leadhub.services.models import Role, Team

EXIT_OK, EXIT_DATABASE, EXIT_BAD_INPUT = 0, 1, 2
# Service field names that the CLI spells differently.
FIELD_OPTIONS = {"team_name": "--name", "full_name": "--name"}
COUNT_LABELS = {"campaign_members": "campaign members", "lead_status_history": "status changes"}


def _database_label() -> str:
    return make_url(get_settings().database_url).render_as_string(hide_password=True)


def _db_upgrade(args: argparse.Namespace) -> int:
    migrations.upgrade(get_settings().database_url)
    print(f"Database schema is up to date ({_database_label()}).")
    return EXIT_OK


def _team_create(args: argparse.Namespace) -> int:
    if not (len(args.country) == 2 and args.country.isalpha()):
        raise ValidationFailed(field_errors={"country": "Use a two-letter country code, e.g. ES or MX."})
    with session_scope() as session:
        team = auth.create_team(session=session, name=args.name, timezone=args.timezone,
                                currency=args.currency, language=args.language,
                                country=args.country)
    print(team.id)
    return EXIT_OK


def _user_create(args: argparse.Namespace) -> int:
    password = args.password or secrets.token_urlsafe(12)
    with session_scope() as session:
        team = session.get(Team, args.team)
        if team is None:
            raise NotFound(f"No team with id {args.team}.")
        user = auth.create_user(session=session, email=args.email, password=password,
                                full_name=args.name or "", language=team.language)
        auth.add_membership(session=session, team_id=team.id, user_id=user.id, role=args.role)
    print(f"Created {args.role} {user.email} (user {user.id}) in team {team.id} \"{team.name}\".")
    if not args.password:
        print(f"Password: {password}")
    return EXIT_OK


def _user_reset_password(args: argparse.Namespace) -> int:
    password = args.password or secrets.token_urlsafe(12)
    with session_scope() as session:
        user = auth.find_user(session=session, email=args.email)
        auth.set_password(session=session, user_id=user.id, password=password)
    print(f"Password of {user.email} changed; their open sessions have ended.")
    if not args.password:
        print(f"Password: {password}")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    load = demo.ensure_demo if args.if_empty else demo.load_demo
    with session_scope() as session:
        result = load(session=session, leads=args.leads, seed=args.seed, team_name=args.team_name)
    seconds = time.perf_counter() - started
    if result.created:
        counts = ", ".join(f"{count:,} {COUNT_LABELS.get(name, name)}"
                           for name, count in result.counts.items())
        print(f"Loaded demo team \"{result.team.name}\" (id {result.team.id}) in {seconds:.1f} s: "
              f"{counts}.")
    else:
        print("The database already has a team; demo data not loaded.")
    if result.logins:
        print()
        print(_logins_table(result.logins))
        print(f"\nSign in at {get_settings().app_url}")
    return EXIT_OK


def _worker(args: argparse.Namespace) -> int:
    from leadhub.services import tasks

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.workers < 1 or args.shutdown_timeout < 0:
        raise ValidationFailed(field_errors={
            "workers": "Use at least one worker thread, e.g. --workers 2."} if args.workers < 1
            else {"shutdown_timeout": "Use zero or more seconds, e.g. --shutdown-timeout 30."})
    print(f"LeadHub worker: {args.workers} threads on the {type(tasks.huey).__name__} queue; "
          "Ctrl-C or SIGTERM stops it after the tasks in progress.", flush=True)
    tasks.run_worker(workers=args.workers, shutdown_timeout=args.shutdown_timeout)
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from leadhub.services import imports

    result, report = imports.import_path(path=args.file, team_id=args.team, mapping=args.mapping,
                                         duplicates=args.duplicates, user_email=args.user)
    print(f"Import {result.id} {result.status}: {result.created:,} created, {result.updated:,} updated, "
          f"{result.skipped:,} skipped, {result.errors:,} rows refused.")
    if result.errors:
        print(f"Refused rows (row, column, reason): {report}")
    if result.message:
        print(result.message, file=sys.stderr)
    return EXIT_OK if result.status == "done" else EXIT_BAD_INPUT


def _logins_table(logins: Sequence[demo.DemoLogin]) -> str:
    rows = [("Role", "E-mail", "Password", "Name")]
    rows += [(login.role, login.email, login.password or "(changed since the demo was loaded)",
              login.full_name) for login in logins]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadhub", description="LeadHub operator commands (database from LEADHUB_DATABASE_URL).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    db.add_parser("upgrade", help="bring the schema up to date (safe to repeat)") \
        .set_defaults(handler=_db_upgrade)

    team = commands.add_parser("team", help="teams").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    team_create = team.add_parser("create", help="create an empty team and print its id")
    team_create.add_argument("--name", required=True)
    team_create.add_argument("--timezone", default="UTC", help="IANA zone, e.g. Europe/Madrid")
    team_create.add_argument("--currency", default="USD", help=", ".join(auth.CURRENCIES))
    team_create.add_argument("--language", default="en", choices=auth.LANGUAGES)
    team_create.add_argument("--country", default="US",
                             help="two-letter code, the default region for phone numbers")
    team_create.set_defaults(handler=_team_create)

    user = commands.add_parser("user", help="users").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    user_create = user.add_parser("create", help="create a user in a team")
    user_create.add_argument("--team", required=True, type=int, help="team id")
    user_create.add_argument("--email", required=True)
    user_create.add_argument("--role", required=True, choices=[r.value for r in Role])
    user_create.add_argument("--name", help="full name")
    user_create.add_argument("--password", help="generated and printed when left out")
    user_create.set_defaults(handler=_user_create)
    reset = user.add_parser("reset-password", help="set a new password and end open sessions")
    reset.add_argument("--email", required=True)
    reset.add_argument("--password", help="generated and printed when left out")
    reset.set_defaults(handler=_user_reset_password)

    demo_parser = commands.add_parser("demo", help="load a demo team with a year of data")
    demo_parser.add_argument("--leads", type=int, default=demo.DEFAULT_LEADS,
                             help=f"how many leads (default {demo.DEFAULT_LEADS:,})")
    demo_parser.add_argument("--if-empty", action="store_true",
                             help="do nothing (but show the demo logins) when any team exists")
    demo_parser.add_argument("--team-name", default=demo.DEMO_TEAM_NAME)
    demo_parser.add_argument("--seed", type=int, default=42, help="same seed, same data")
    demo_parser.set_defaults(handler=_demo)

    worker = commands.add_parser("worker", help="run the background worker: notifications, "
                                 "event dispatch and the outbox sweep, until stopped")
    worker.add_argument("--workers", type=int, default=2, help="worker threads (default 2)")
    worker.add_argument("--shutdown-timeout", type=float, default=30.0,
                        help="seconds a stop (SIGTERM, Ctrl-C) waits for tasks in progress "
                        "before leaving them to the sweep (default 30)")
    worker.set_defaults(handler=_worker)

    import_parser = commands.add_parser("import", help="import leads from a CSV file into a team")
    import_parser.add_argument("file", help="CSV file (UTF-8, UTF-16 or Latin-1; , ; or tab)")
    import_parser.add_argument("--team", type=int, required=True)
    import_parser.add_argument("--mapping", default="",
                               help='"Header=field,…", a saved mapping\'s name, or empty for the suggested one')
    import_parser.add_argument("--duplicates", choices=("skip", "update", "create"), default="skip")
    import_parser.add_argument("--user", help="member it runs as (default: the team's first admin)")
    import_parser.set_defaults(handler=_import)
    return parser


def _report(error: LeadHubError) -> None:
    field_errors = getattr(error, "field_errors", {})
    print(f"leadhub: {'invalid input' if field_errors else error.message}", file=sys.stderr)
    for field, message in field_errors.items():
        option = FIELD_OPTIONS.get(field, "--" + field.replace("_", "-"))
        print(f"  {option}: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `leadhub` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    try:
        return args.handler(args)
    except LeadHubError as exc:
        _report(exc)
        return EXIT_BAD_INPUT
    except (OperationalError, ProgrammingError) as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        print(f"leadhub: database error: {reason}\n"
              f"  Database: {_database_label()}\n"
              "  Is it running, and has `leadhub db upgrade` been run?", file=sys.stderr)
        return EXIT_DATABASE


if __name__ == "__main__":
    sys.exit(main())
