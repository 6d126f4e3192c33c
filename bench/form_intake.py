"""Form intake throughput: the public submission endpoint of the real app, served as in
production, beside a bare one-INSERT endpoint served by the same server code, in the same run.

    .venv/bin/python bench/form_intake.py [--clients 20] [--seconds 20] [--postgres URL]

Intake: `reflex run --env prod --backend-only` (the production backend: Reflex's granian
launcher with the whole app — Reflex's layers, our public-form layer, the FastAPI routes),
on a fresh migrated SQLite database (WAL, as the app configures it) with a team and a form.
Without Redis Reflex serves one worker process, as `make run` does on SQLite.

Baseline: a bare FastAPI route that reads the same url-encoded body and does one INSERT (its
own transaction) per request, served by the same Reflex function that serves the app in prod
(`reflex.utils.exec.run_granian_backend_prod`, same server settings, one worker).

The load: `--clients` keep-alive HTTP/1.1 connections from one asyncio process, each posting
url-encoded submissions (Accept: application/json) as fast as answers come, every one with a
new e-mail, for `--seconds`. The rate limiter runs on every request, with its limit raised
(LEADHUB_FORM_RATE_LIMIT) because every client is 127.0.0.1. Every answer other than 200 and
every broken connection counts as an error. Afterwards the database is read: every accepted
submission's e-mail must be stored (as a lead, with its submission row), and nothing else.

With `--postgres URL` (e.g. postgresql://postgres@127.0.0.1:5432/bench_intake_pg; the database
is dropped and created afresh) the same run also serves the intake as `scripts/prod.sh` does:
TWO app workers (GRANIAN_WORKERS=2) on that PostgreSQL database, with Redis as Reflex's state
manager and the app's Redis (REFLEX_REDIS_URL = LEADHUB_REDIS_URL = --redis, by default
redis://127.0.0.1:6379/13: only that db is flushed, before and after). Its row is printed
beside the SQLite single-process rows, after the bare baseline served the same way (two
workers, its INSERT on that PostgreSQL database), with the same storage check on PostgreSQL.
The server CPU counts the app's processes only, not PostgreSQL's or Redis's.

The machine is shared, so besides accepted/s the server's CPU time per accepted request
(user + system of all its processes, from /proc) is printed for both: it depends far less
on what else runs.

Measured 2026-11-24, `--seconds 10 --postgres postgresql://postgres@127.0.0.1:5432/bench_intake_pg`,
shared 2-core machine with the test suite running (load average in the first line):

    20 clients × 10 s on 127.0.0.1, one server worker, SQLite (+ two workers on PostgreSQL + Redis); load average 1.44 2.40 4.13 on 2 cores
                                                    accepted/s  p50 ms  p99 ms server CPU ms/req  errors; stored
    baseline: bare endpoint, one INSERT                   1805     9.7    34.6              0.44  0 of 18,059; 18,059 rows, 0 accepted missing
    form intake (reflex run --env prod)                    743    24.0    78.9              1.17  0 of 7,436; 7,436 leads, 0 accepted missing
    baseline: bare endpoint, PostgreSQL, 2 workers         846    19.2   106.5              0.87  0 of 8,493; 8,493 rows, 0 accepted missing
    form intake, PostgreSQL + Redis, 2 workers             136   135.1   379.2              5.75  0 of 1,369; 1,369 leads, 0 accepted missing
      (validate, dedupe, insert, score, events, rate limit; SQLite, one worker)
    load average now 3.50
    intake/baseline: 0.41 accepted/s, 2.64× the CPU per request; target ≥ 400/s with zero errors and every accepted submission stored: met
    PostgreSQL 2 workers: intake/baseline 0.16 accepted/s, 6.63× the CPU per request
    PostgreSQL 2 workers / SQLite 1 worker: 0.18 accepted/s, 4.90× the CPU per request; same target: NOT met

An earlier run (load 1.36) gave 204 accepted/s, 5.74 ms CPU/req for the PostgreSQL intake: the
gap is not the database (the bare INSERT on PostgreSQL costs 0.87 ms) but ~5 ms of app CPU per
request more than on SQLite - still to be profiled (issue #10).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --- the baseline app (imported by granian's worker) --------------------------------------

def bare_app():
    """One route, one INSERT per request (factory for granian)."""
    from urllib.parse import parse_qsl

    from fastapi import FastAPI
    from sqlalchemy import text

    from leadhub.services.db import get_engine
    app = FastAPI()
    engine = get_engine()

    @app.post("/bare")
    async def bare(request: Request):
        values = dict(parse_qsl((await request.body()).decode()))
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_bare (last_name, email, created_at) VALUES (:l, :e, :t)"),
                         {"l": values.get("last_name", ""), "e": values.get("email", ""), "t": time.time()})
        return {"ok": True}

    return app


def serve_bare(port: int) -> None:
    """The baseline under Reflex's own production server function (run in a subprocess)."""
    from reflex_base.constants.base import LogLevel

    from reflex.utils.exec import run_granian_backend_prod
    run_granian_backend_prod("127.0.0.1", port, LogLevel.WARNING, app_target="form_intake:bare_app")


# --- set-up ---------------------------------------------------------------------------------

def fresh_postgres(url: str) -> None:
    """Drop and create the PostgreSQL database of `url` (the bench's own database)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def flush_redis(redis_url: str) -> None:
    """Empty the bench's own Redis db (only that one)."""
    import redis
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()


def prepare(folder: Path, postgres: str | None = None) -> tuple[str, str]:
    """Migrated database with a team and a form; (database url, form key)."""
    from sqlalchemy import text
    from sqlmodel import Session

    from leadhub.services import auth, forms, migrations
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    url = f"sqlite:///{folder / 'leadhub.db'}"
    if postgres:
        url = postgres
        fresh_postgres(url)
    migrations.upgrade(url)
    engine = engine_for(url)
    with Session(engine) as session:
        team, admin = auth.sign_up(session=session, team_name="Bench Ventas", email="admin@bench.es",
                                   password="bench-password-1", timezone="Europe/Madrid", currency="EUR")
        ctx = TeamContext(team.id, admin.id, "admin")
        form = forms.save_form(session=session, ctx=ctx, data={
            "name": "Contacto", "fields": [{"name": "first_name"}, {"name": "last_name"},
                                           {"name": "email", "required": True}, {"name": "company"},
                                           {"name": "phone"}, {"name": "description"}],
            "lead_source": "Web Form"})
        key = form.key
        primary_key = "SERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY"
        session.execute(text(f"CREATE TABLE bench_bare (id {primary_key}, last_name TEXT, email TEXT, "
                             "created_at REAL)"))
        session.commit()
    engine.dispose()
    return url, key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(target: str, folder: Path, url: str, port: int, workers: int = 1,
          redis_url: str | None = None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADHUB_", "REFLEX_", "GRANIAN_"))}
    env.update({"LEADHUB_DATABASE_URL": url, "LEADHUB_DATA_DIR": str(folder),
                "LEADHUB_SECRET_KEY": "bench-secret", "LEADHUB_APP_URL": f"http://127.0.0.1:{port}",
                "LEADHUB_FORM_RATE_LIMIT": "100000000/60", "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
                # the app's build and state folders of this run, never the checkout's .web
                "REFLEX_WEB_WORKDIR": str(folder / ".web"), "REFLEX_STATES_WORKDIR": str(folder / "states"),
                "REFLEX_UPLOADED_FILES_DIR": str(folder / "uploads"), "REFLEX_TELEMETRY_ENABLED": "false"})
    if redis_url:   # as scripts/prod.sh: Redis shared by the app workers, GRANIAN_WORKERS of them
        env.update({"LEADHUB_REDIS_URL": redis_url, "REFLEX_REDIS_URL": redis_url,
                    "GRANIAN_WORKERS": str(workers)})
    if target == "app":
        command = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-only",
                   "--backend-port", str(port), "--backend-host", "127.0.0.1", "--loglevel", "warning"]
    else:
        command = [sys.executable, "-c", f"import form_intake; form_intake.serve_bare({port})"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=open(folder / "server.log", "wb"), start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(1.0)
                return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise RuntimeError(f"server did not start: {(folder / 'server.log').read_text()[-2000:]}")


def server_cpu_seconds(root_pid: int) -> float:
    """User + system CPU of the server process and its workers (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    wanted, total = {root_pid}, 0
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _) in stats.items():
            if ppid in wanted and pid not in wanted:
                wanted.add(pid)
                changed = True
    for pid in wanted:
        total += stats.get(pid, (0, 0))[1]
    return total / tick


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --- the load -------------------------------------------------------------------------------

async def http(reader, writer, method: str, path: str, body: bytes = b"", port: int = 0) -> tuple[int, bytes]:
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n")
    writer.write(head.encode() + body)
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        data = b""
        while True:
            size = int((await reader.readline()).strip(), 16)
            if size == 0:
                await reader.readline()
                break
            data += await reader.readexactly(size + 2)
        return status, data
    return status, await reader.readexactly(length)


async def load(port: int, path: str, token: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    codes: dict[int, int] = {}
    accepted: list[str] = []
    counter = iter(range(10**9))
    deadline = time.monotonic() + seconds

    async def client(n: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < deadline:
                i = next(counter)
                email = f"lucia.{i}.{n}@empresa{i % 5000}.es"
                body = urlencode({"_t": token, "first_name": "Lucía", "last_name": f"Pérez {i}",
                                  "email": email, "company": f"Empresa {i % 5000} S.L.",
                                  "phone": f"+3461{i % 10_000_000:07d}", "description": "Quiero una demo",
                                  "utm_source": "bench", "_page": "https://www.acme.es/contacto"}).encode()
                start = time.perf_counter()
                try:
                    status, _ = await http(reader, writer, "POST", path, body, port)
                except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                    codes[-1] = codes.get(-1, 0) + 1      # a broken connection is an error too
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                latencies.append(time.perf_counter() - start)
                codes[status] = codes.get(status, 0) + 1
                if status == 200:
                    accepted.append(email)
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.monotonic() - started
    latencies.sort()
    ok = codes.get(200, 0)
    return {"ok": ok, "codes": codes, "accepted": accepted, "rate": ok / elapsed, "elapsed": elapsed,
            "errors": sum(v for k, v in codes.items() if k != 200),
            "p50": statistics.median(latencies) * 1000 if latencies else 0,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0}


async def fetch_token(port: int, key: str) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    status, page = await http(reader, writer, "GET", f"/api/forms/{key}", port=port)
    writer.close()
    assert status == 200, status
    return re.search(rb'name="_t" value="([^"]+)"', page).group(1).decode()


def verify(url: str, side: str, accepted: list[str]) -> dict:
    """What the database holds after the run, checked against every accepted submission."""
    from sqlalchemy import text

    from leadhub.services.db import engine_for
    with engine_for(url).connect() as conn:
        if side == "intake":
            emails = [r[0] for r in conn.execute(text("SELECT email FROM lead"))]
            submissions = conn.execute(text("SELECT count(*) FROM form_submission")).scalar()
            linked = conn.execute(text("SELECT count(*) FROM form_submission s JOIN lead l ON l.id = s.lead_id"
                                       )).scalar()
        else:
            emails = [r[0] for r in conn.execute(text("SELECT email FROM bench_bare"))]
            submissions = linked = len(emails)
    stored_set = set(emails)
    missing = sum(1 for e in accepted if e not in stored_set)
    return {"rows": len(emails), "submissions": submissions, "linked": linked, "missing": missing,
            "complete": missing == 0 and len(emails) == len(accepted) == submissions == linked}


def run_side(side: str, clients: int, seconds: float, postgres: str | None = None,
             redis_url: str | None = None) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"leadhub-intake-{side}-"))
    url, key = prepare(folder, postgres)
    port = free_port()
    if redis_url:
        flush_redis(redis_url)
    server = serve("app" if side == "intake" else "bare", folder, url, port,
                   workers=2 if postgres else 1, redis_url=redis_url)
    try:
        token, path = "", "/bare"
        if side == "intake":
            token = asyncio.run(fetch_token(port, key))
            path = f"/api/forms/{key}/submit"
            time.sleep(3.2)   # the form's minimum fill time
        cpu_before = server_cpu_seconds(server.pid)
        result = asyncio.run(load(port, path, token, clients, seconds))
        result["cpu_ms"] = 1000 * (server_cpu_seconds(server.pid) - cpu_before) / max(1, result["ok"])
    finally:
        stop(server)
        if redis_url:
            flush_redis(redis_url)
    result["stored"] = verify(url, side, result.pop("accepted"))
    shutil.rmtree(folder, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--postgres", metavar="URL",
                        help="also serve the intake with two app workers on this PostgreSQL database "
                             "(dropped and created afresh) with Redis, as scripts/prod.sh does")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13",
                        help="Redis db of the PostgreSQL run (flushed before and after; default %(default)s)")
    args = parser.parse_args()
    load_avg = os.getloadavg()
    print(f"{args.clients} clients × {args.seconds:.0f} s on 127.0.0.1, one server worker, SQLite"
          f"{' (+ two workers on PostgreSQL + Redis)' if args.postgres else ''}; "
          f"load average {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f} on {os.cpu_count()} cores")
    base = run_side("baseline", args.clients, args.seconds)
    real = run_side("intake", args.clients, args.seconds)
    rows = [("baseline: bare endpoint, one INSERT", base, "rows"),
            ("form intake (reflex run --env prod)", real, "leads")]
    if args.postgres:
        pg_base = run_side("baseline", args.clients, args.seconds, args.postgres, args.redis)
        pg = run_side("intake", args.clients, args.seconds, args.postgres, args.redis)
        rows += [("baseline: bare endpoint, PostgreSQL, 2 workers", pg_base, "rows"),
                 ("form intake, PostgreSQL + Redis, 2 workers", pg, "leads")]
    print(f"{'':47} {'accepted/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'server CPU ms/req':>17}  "
          f"errors; stored")
    for label, r, what in rows:
        st = r["stored"]
        print(f"{label:47} {r['rate']:10.0f} {r['p50']:7.1f} {r['p99']:7.1f} {r['cpu_ms']:17.2f}  "
              f"{r['errors']} of {r['ok'] + r['errors']:,}; {st['rows']:,} {what}, "
              f"{st['missing']} accepted missing{'' if st['complete'] else ' — INCOMPLETE'}")
    print(f"{'  (validate, dedupe, insert, score, events, rate limit; SQLite, one worker)':44}")
    print(f"load average now {os.getloadavg()[0]:.2f}")
    met = real["rate"] >= 400 and not real["errors"] and real["stored"]["complete"]
    print(f"intake/baseline: {real['rate'] / base['rate']:.2f} accepted/s, "
          f"{real['cpu_ms'] / base['cpu_ms']:.2f}× the CPU per request; target ≥ 400/s with zero errors "
          f"and every accepted submission stored: {'met' if met else 'NOT met'}")
    if args.postgres:
        met = pg["rate"] >= 400 and not pg["errors"] and pg["stored"]["complete"]
        print(f"PostgreSQL 2 workers: intake/baseline {pg['rate'] / pg_base['rate']:.2f} accepted/s, "
              f"{pg['cpu_ms'] / pg_base['cpu_ms']:.2f}× the CPU per request")
        print(f"PostgreSQL 2 workers / SQLite 1 worker: {pg['rate'] / real['rate']:.2f} accepted/s, "
              f"{pg['cpu_ms'] / real['cpu_ms']:.2f}× the CPU per request; same target: "
              f"{'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
