"""Analytics dashboard speed on a big team: the service beside the same SQL run raw, in one run.

    .venv/bin/python bench/analytics.py [--database-url URL] [--outreach 1000000] [--leads 200000]
                                        [--deals 50000] [--runs 7] [--keep]

Loads one team (Europe/Madrid, 10 reps) with a year of data into a fresh database (SQLite in
a temp folder unless --database-url; a PostgreSQL database is emptied first), with bulk inserts
(COPY on PostgreSQL) and explicit ids, foreign-key checks off while loading.

The dashboard reads outreach counts from the rollup tables (services/analytics/rollups.py) and
the funnel, ROI and first-touch charts from copies kept on contacts, deals and leads by triggers
(services/analytics/attribution.py). The bulk load bypasses triggers on PostgreSQL, so the
script fills the copies (`attribution.backfill`) and builds the rollup once, and prints how long
the rollup took. The service then finds nothing to recount, as after the periodic task; the few
statements it spends checking that are part of the baseline too.

Then, for each date range, it times `metrics.dashboard()` — every KPI tile and chart of the
analytics page, pandas shaping included — and, as the baseline, the very SQL statements that
call sent (captured from SQLAlchemy with their parameters) replayed one after the other on a raw
DBAPI cursor with every row fetched. The service reads the lead, deal, contact and task charts
on a second connection while the first reads the outreach charts (db.alongside), so it can beat
its own statements run in a row. Prints the median and the fastest of the runs and the ratio of
the medians.

Measured on 2026-12-05 on the shared 2-core machine (load average about 1), 1M outreach / 200k
leads / 50k deals, median / best of 9 runs (SQLite 5), service vs raw SQL:

    PostgreSQL 15   service             raw SQL             ratio   (2026-11-24, quiet: service / raw)
    last 30 days     403 /  366 ms       419 /  362 ms      0.96x   (588 / 508 ms)
    12 months, wk    769 /  657 ms      1402 / 1029 ms      0.55x   (2425 / 2377 ms)
    12 months, mo    737 /  669 ms      1073 /  864 ms      0.69x   (2476 / 2350 ms)
    SQLite          service             raw SQL             ratio   (same data, before the second connection)
    last 30 days     477 /  406 ms       694 /  682 ms      0.69x   (1040 / 775 ms)
    12 months, wk   2439 / 2074 ms      3198 / 2732 ms      0.76x   (4341 / 4227 ms)
    12 months, mo   2504 / 1707 ms      3582 / 3152 ms      0.70x   (3293 / 3236 ms)

Re-run on a quiet machine the same day (load average 0 before loading, fresh database):

    PostgreSQL 15   service             raw SQL             ratio
    last 30 days     285 /  267 ms       309 /  299 ms      0.92x
    12 months, wk    483 /  462 ms       769 /  756 ms      0.63x
    12 months, mo    473 /  457 ms       781 /  768 ms      0.61x

The machine's speed drifts by a third within minutes (the same statements replayed took 1.1 to
1.7 s for 12 months); earlier runs that day gave 12 months 964 / 968 ms median (raw 1598 / 1540).
What took PostgreSQL's 12 months from ~2.4 s to under 1 s, statement by statement (--profile):
funnel contacts and deals and ROI read the copies instead of joining 1M outreach (260 + 230 +
110 -> 100 + 90 + 11 ms); first touch reads Lead.first_touch_at, not a look-up per lead (400 ->
80-130 ms); durations with date_part, not EXTRACT's numeric; leads touched as count(DISTINCT)
per rep (the DISTINCT subquery was hashed once work_mem allowed it: 580 ms); the breakdown's
partial months as two key ranges, not an OR read as the whole year (130 -> 20 ms); relationship
health from a small partial index of outreach naming a contact, without the per-contact join
and without snooze tests while nobody is snoozed (400 -> ~250 ms in three statements); KPI
tiles and lead sources from one scan of the leads; work_mem 64 MB, random_page_cost 1.1, no
parallel workers for the dashboard's transactions; and the second connection.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sqlalchemy import event, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from leadhub.services import all_models, migrations  # noqa: E402,F401
from leadhub.services.analytics import attribution, metrics, rollups  # noqa: E402
from leadhub.services.analytics.filters import make_filter  # noqa: E402
from leadhub.services.context import TeamContext  # noqa: E402
from leadhub.services.db import engine_for  # noqa: E402
from leadhub.services.models import LEAD_SOURCES, Team  # noqa: E402

REPS = 10
DAY = 86400.0
TYPES = np.array([1, 2, 3, 4, 5])
TYPE_WEIGHTS = np.array([0.25, 0.30, 0.20, 0.15, 0.10])
CHANNELS = {1: ["Upwork", "Guru", "PeoplePerHour"], 4: ["LinkedIn", "X", "Facebook"],
            5: ["WhatsApp", "Telegram"]}
STATUSES = np.array(["awaiting", "replied", "positive", "negative", "bounced"])
STATUS_WEIGHTS = np.array([0.55, 0.2, 0.1, 0.1, 0.05])
OUTCOMES = np.array(["connected", "voicemail", "no_answer", "busy", "wrong_number"])
LEAD_STATUSES = np.array(["New", "Contacted", "Qualified", "Unqualified", "Converted"])
STAGES = np.array(["Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"])


# --- Loading ----------------------------------------------------------------------------------

def _timestamps(rng, now: datetime, n: int, days: int = 365) -> np.ndarray:
    return now.timestamp() - rng.random(n) * days * DAY


def _iso(seconds: float | None) -> str | None:
    if seconds is None or seconds != seconds:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _copy_rows(conn, table: str, columns: list[str], rows) -> None:
    """COPY on PostgreSQL, executemany on SQLite; `rows` yields tuples."""
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        cursor = raw.cursor()
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 20000:
                cursor.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', batch)
                batch.clear()
        if batch:
            cursor.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', batch)


def load(engine, *, outreach: int, leads: int, deals: int, seed: int = 7) -> tuple[int, list[int], int]:
    """(team id, rep ids, manager id) after loading a year of data for one big team."""
    rng = np.random.default_rng(seed)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    pg = engine.dialect.name == "postgresql"
    stamp = _iso(now.timestamp())
    with engine.begin() as conn:
        if pg:
            conn.execute(text("SET session_replication_role = replica"))
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        team_id = conn.execute(text(
            "INSERT INTO team (name, timezone, currency, language, country, created_at) "
            "VALUES ('Bench Ventas', 'Europe/Madrid', 'EUR', 'es', 'ES', :t) RETURNING id"), {"t": now}).scalar()
        user_ids = []
        for i in range(REPS + 1):
            uid = conn.execute(text(
                "INSERT INTO \"user\" (email, full_name, password_hash, language, is_active, created_at) "
                "VALUES (:e, :n, 'x', 'es', true, :t) RETURNING id"),
                {"e": f"bench{i}-{team_id}@example.com", "n": f"Rep {i:02d}" if i else "Manager",
                 "t": now}).scalar()
            conn.execute(text("INSERT INTO membership (team_id, user_id, role, created_at) "
                              "VALUES (:team, :u, :r, :t)"),
                         {"team": team_id, "u": uid, "r": "rep" if i else "manager", "t": now})
            user_ids.append(uid)
        manager, reps = user_ids[0], np.array(user_ids[1:])
        base = {name: (conn.execute(text(f'SELECT coalesce(max(id), 0) FROM "{name}"')).scalar() or 0)
                for name in ("lead", "outreach", "contact", "deal", "campaign", "activity")}

        # outreach
        o_ids = base["outreach"] + 1 + np.arange(outreach)
        o_at = np.sort(_timestamps(rng, now, outreach))      # rows arrive in time order, as in real use
        o_type = rng.choice(TYPES, size=outreach, p=TYPE_WEIGHTS)
        o_user = rng.choice(reps, size=outreach)
        o_status = rng.choice(STATUSES, size=outreach, p=STATUS_WEIGHTS)
        o_outcome = np.where(o_type == 3, rng.choice(OUTCOMES, size=outreach), None)
        o_status = np.where((o_type == 3) & (o_outcome == "connected"), "replied", o_status)
        o_channel = np.full(outreach, None, dtype=object)
        for kind, names in CHANNELS.items():
            mask = o_type == kind
            o_channel[mask] = rng.choice(names, size=int(mask.sum()))
        o_lead = np.where(rng.random(outreach) < 0.6, base["lead"] + 1 + rng.integers(0, leads, outreach), 0)
        contacts = max(1, outreach // 10)
        o_contact = np.where(rng.random(outreach) < 0.1, base["contact"] + 1 + rng.integers(0, contacts, outreach), 0)
        o_reply = o_at + rng.random(outreach) * 3 * DAY
        responded = np.isin(o_status, ["replied", "positive", "negative", "bounced"])

        # leads: 40 % were born from an outreach
        l_ids = base["lead"] + 1 + np.arange(leads)
        l_at = np.sort(_timestamps(rng, now, leads))
        l_outreach = np.where(rng.random(leads) < 0.4, rng.choice(o_ids, size=leads), 0)
        l_status = rng.choice(LEAD_STATUSES, size=leads, p=[0.3, 0.25, 0.2, 0.1, 0.15])
        l_source = rng.choice(np.array(LEAD_SOURCES), size=leads)
        l_owner = rng.choice(reps, size=leads)
        l_converted = np.where(l_status == "Converted", l_at + rng.random(leads) * 30 * DAY, np.nan)
        _copy_rows(conn, "lead", [
            "id", "team_id", "first_name", "last_name", "company", "title", "lead_source", "industry",
            "email", "phone", "mobile", "website", "street", "city", "state", "postal_code", "country",
            "status", "rating", "need", "interest", "description", "notes", "score", "custom_fields",
            "owner_id", "outreach_id", "position", "version", "search_text", "converted_at",
            "created_at", "updated_at"],
            ((int(l_ids[i]), team_id, "Ana", f"Lead{i}", "", "", str(l_source[i]), "", "", "", "", "", "",
              "", "", "", "", str(l_status[i]), "", "", "", "", "", 0, "{}", int(l_owner[i]),
              int(l_outreach[i]) or None, float(i), 0, f"lead{i}", _iso(l_converted[i]),
              _iso(l_at[i]), _iso(l_at[i])) for i in range(leads)))
        o_desc = "bench"
        _copy_rows(conn, "outreach", [
            "id", "team_id", "user_id", "type", "channel", "description", "occurred_at",
            "response_status", "responded_at", "call_outcome", "lead_id", "contact_id", "created_at"],
            ((int(o_ids[i]), team_id, int(o_user[i]), int(o_type[i]), o_channel[i], o_desc,
              _iso(o_at[i]), str(o_status[i]), _iso(o_reply[i]) if responded[i] else None, o_outcome[i],
              int(o_lead[i]) or None, int(o_contact[i]) or None, _iso(o_at[i])) for i in range(outreach)))

        # contacts: made from an outreach, a few hours to days later
        c_ids = base["contact"] + 1 + np.arange(contacts)
        c_from = np.sort(rng.choice(np.arange(outreach), size=contacts, replace=False))
        c_at = np.minimum(o_at[c_from] + rng.random(contacts) * 5 * DAY, now.timestamp())
        c_last = np.where(rng.random(contacts) < 0.9, c_at + rng.random(contacts) * (now.timestamp() - c_at), np.nan)
        c_lead = np.where(rng.random(contacts) < 0.5, rng.choice(l_ids, size=contacts), 0)
        _copy_rows(conn, "contact", [
            "id", "team_id", "first_name", "last_name", "email", "phone", "title", "outreach_id", "lead_id",
            "last_contacted_at", "owner_id", "created_at", "updated_at"],
            ((int(c_ids[i]), team_id, "Ana", f"Contact{i}", "", "", "", int(o_ids[c_from[i]]),
              int(c_lead[i]) or None, _iso(c_last[i]), int(o_user[c_from[i]]), _iso(c_at[i]), _iso(c_at[i]))
             for i in range(contacts)))

        # deals: most from a contact (and its outreach), the rest from a lead
        d_ids = base["deal"] + 1 + np.arange(deals)
        d_contact = rng.integers(0, contacts, deals)
        from_contact = rng.random(deals) < 0.7
        d_at = np.where(from_contact, c_at[d_contact] + rng.random(deals) * 20 * DAY, _timestamps(rng, now, deals))
        order = np.argsort(d_at)
        d_at, d_contact, from_contact = np.minimum(d_at[order], now.timestamp()), d_contact[order], from_contact[order]
        d_stage = rng.choice(STAGES, size=deals, p=[0.15, 0.15, 0.15, 0.1, 0.25, 0.2])
        d_close = np.where(np.isin(d_stage, ["Closed Won", "Closed Lost"]),
                           np.minimum(d_at + rng.random(deals) * 60 * DAY, now.timestamp()), np.nan)
        d_currency = np.where(rng.random(deals) < 0.9, "EUR", "USD")
        d_amount = np.round(rng.gamma(2.0, 4000.0, deals), 2)
        d_lead = np.where(from_contact, c_lead[d_contact], rng.choice(l_ids, size=deals))
        _copy_rows(conn, "deal", [
            "id", "team_id", "name", "amount", "currency", "stage", "close_date", "probability",
            "contact_id", "lead_id", "outreach_id", "owner_id", "created_at", "updated_at"],
            ((int(d_ids[i]), team_id, f"Deal {i}", float(d_amount[i]), str(d_currency[i]), str(d_stage[i]),
              (datetime.fromtimestamp(d_close[i], timezone.utc).date().isoformat()
               if d_close[i] == d_close[i] else None), 50,
              int(c_ids[d_contact[i]]) if from_contact[i] else None, int(d_lead[i]) or None,
              int(o_ids[c_from[d_contact[i]]]) if from_contact[i] else None, int(rng.choice(reps)),
              _iso(d_at[i]), _iso(d_at[i])) for i in range(deals)))

        # campaigns and their members, tasks and completed touches, channel costs
        campaigns = 20
        today = now.date()
        for k in range(campaigns):
            start = today - timedelta(days=int(rng.integers(0, 360)))
            conn.execute(text(
                "INSERT INTO campaign (id, team_id, name, type, status, budget, actual_cost, start_date, "
                "end_date, created_at) VALUES (:id, :team, :n, 'Email', 'Active', :b, :c, :s, :e, :t)"),
                {"id": base["campaign"] + 1 + k, "team": team_id, "n": f"Campaign {k}", "b": 5000, "c": 4000,
                 "s": start, "e": start + timedelta(days=60), "t": now})
        members = rng.choice(l_ids, size=min(50_000, leads), replace=False)
        _copy_rows(conn, "campaign_member", ["team_id", "campaign_id", "lead_id", "added_at"],
                   ((team_id, base["campaign"] + 1 + int(i % campaigns), int(lead), stamp)
                    for i, lead in enumerate(members)))
        tasks = 50_000
        t_due = now.timestamp() + (rng.random(tasks) - 0.5) * 60 * DAY
        _copy_rows(conn, "activity", [
            "id", "team_id", "type", "subject", "description", "due_at", "status", "owner_id", "contact_id",
            "completed_at", "created_at"],
            ((base["activity"] + 1 + i, team_id, "task" if i % 2 else "call", f"Task {i}", "", _iso(t_due[i]),
              "planned" if i % 2 else "completed", int(rng.choice(reps)),
              int(rng.choice(c_ids)), None if i % 2 else _iso(min(t_due[i], now.timestamp())), stamp)
             for i in range(tasks)))
        month = today.replace(day=1)
        cost_rows = []
        for _ in range(13):
            for kind, names in ((1, CHANNELS[1]), (4, CHANNELS[4]), (2, [""])):
                for name in names:
                    cost_rows.append((team_id, month.isoformat(), kind, name, float(rng.integers(100, 3000)),
                                      "EUR", "", stamp))
            month = (month - timedelta(days=1)).replace(day=1)
        _copy_rows(conn, "channel_cost", ["team_id", "month", "type", "channel", "amount", "currency",
                                          "note", "updated_at"], iter(cost_rows))
        if pg:
            conn.execute(text("SET session_replication_role = DEFAULT"))
            for table in ("lead", "outreach", "contact", "deal", "campaign", "activity"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                  f"(SELECT max(id) FROM \"{table}\"))"))
    with Session(engine) as session:     # what the triggers write, for rows loaded without them
        attribution.backfill(session, team_id)
        session.commit()
    with engine.connect() as conn:
        if pg:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.exec_driver_sql("ANALYZE")
    return team_id, [int(r) for r in reps], manager


# --- Timing -----------------------------------------------------------------------------------

def capture(engine, fn) -> list[tuple[str, object]]:
    """The (statement, parameters) pairs `fn` sends, in order."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def timed_pair(service, raw, runs: int) -> tuple[list[float], list[float]]:
    """Both timed in alternating order, run by run, so load from elsewhere on the machine
    falls on both alike; one warm-up call each first."""
    service(), raw()
    service_ms, raw_ms = [], []
    for run in range(runs):
        for fn, samples in ((service, service_ms), (raw, raw_ms))[::1 if run % 2 == 0 else -1]:
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
    return service_ms, raw_ms


def profile(engine, statements, top: int = 8) -> None:
    """Each captured statement timed alone, slowest first."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        costs = []
        for statement, parameters in statements:
            start = time.perf_counter()
            cursor.execute(statement, parameters)
            rows = len(cursor.fetchall()) if cursor.description is not None else 0
            costs.append(((time.perf_counter() - start) * 1000, rows, statement))
        raw.rollback()
    finally:
        raw.close()
    for ms, rows, statement in sorted(costs, reverse=True)[:top]:
        print(f"  {ms:8.1f} ms {rows:6d} rows  {' '.join(statement.split())[:400]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--outreach", type=int, default=1_000_000)
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--deals", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="reuse the data already loaded")
    parser.add_argument("--profile", action="store_true", help="also print the slowest statements")
    args = parser.parse_args()

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='leadhub-bench-')}/bench.db"
    print(f"database url: {url}")
    engine = engine_for(url)
    if not args.keep:
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        migrations.upgrade(url)
        started = time.perf_counter()
        team_id, reps, manager = load(engine, outreach=args.outreach, leads=args.leads, deals=args.deals)
        print(f"database: {engine.dialect.name}; {args.outreach:,} outreach, {args.leads:,} leads, "
              f"{args.deals:,} deals loaded in {time.perf_counter() - started:.1f} s")
    else:
        migrations.upgrade(url)     # tables and indexes added since the data was loaded
        with engine.connect() as conn:   # statistics for them, as after a load
            if engine.dialect.name == "postgresql":
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
            else:
                conn.exec_driver_sql("ANALYZE")
        with engine.connect() as conn:
            team_id, manager = conn.execute(text(
                "SELECT m.team_id, m.user_id FROM membership m JOIN team t ON t.id = m.team_id "
                "WHERE t.name = 'Bench Ventas' AND m.role = 'manager' ORDER BY m.id DESC LIMIT 1")).one()
    ctx = TeamContext(team_id=team_id, user_id=manager, role="manager")
    with Session(engine, expire_on_commit=False) as session:
        team = session.get(Team, team_id)
        started = time.perf_counter()
        rollups.refresh(session, team)     # first build after a bulk load (the app does it lazily)
        session.commit()
        print(f"outreach rollup brought up to date in {time.perf_counter() - started:.1f} s")

    print("load average before timing: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(f"{'dashboard':28} {'service med':>12} {'min':>9} {'raw SQL med':>12} {'min':>9} {'ratio':>6} "
          f"{'queries':>7}")
    for label, preset, grain in (("last 30 days, by day", "last_30_days", "day"),
                                 ("last 12 months, by week", "last_12_months", "week"),
                                 ("last 12 months, by month", "last_12_months", "month")):
        flt = make_filter(team=team, preset=preset, grain=grain)

        def service_call():
            with Session(engine) as session:
                metrics.dashboard(session=session, ctx=ctx, flt=flt)

        statements = capture(engine, service_call)

        def raw_call():
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                for statement, parameters in statements:
                    cursor.execute(statement, parameters)
                    if cursor.description is not None:
                        cursor.fetchall()
                raw.rollback()
            finally:
                raw.close()

        if args.profile:
            profile(engine, statements)
        service_ms, raw_ms = timed_pair(service_call, raw_call, args.runs)
        s_med, r_med = statistics.median(service_ms), statistics.median(raw_ms)
        print(f"{label:28} {s_med:10.1f}ms {min(service_ms):7.1f}ms {r_med:10.1f}ms {min(raw_ms):7.1f}ms "
              f"{s_med / r_med:5.2f}x {len(statements):7d}")


if __name__ == "__main__":
    main()
