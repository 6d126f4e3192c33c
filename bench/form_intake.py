"""Form intake throughput: the public submission endpoint beside a bare one-INSERT endpoint,
both served by granian (the server `reflex run --env prod` uses) in the same run.

    .venv/bin/python bench/form_intake.py [--clients 20] [--seconds 20] [--workers 1]

Each side gets a fresh SQLite database (WAL, as the app configures it) and its own granian
server on 127.0.0.1 with `--workers` processes (1 is how the app runs on SQLite: without Redis,
Reflex serves one worker). The served ASGI app is LeadHub's FastAPI app behind the same two
layers as in production (our per-form CORS outside Starlette's global CORS); Reflex's own
routes are not mounted, since the form route never reaches them.

The load: `--clients` keep-alive HTTP/1.1 connections from one asyncio process, each posting
url-encoded submissions (Accept: application/json) as fast as answers come, every one with a
new e-mail, for `--seconds`. The rate limiter runs on every request, with its limit raised
(LEADHUB_FORM_RATE_LIMIT) because every client is 127.0.0.1. Afterwards the stored rows are
counted: every accepted submission must be in the database.

Baseline: a bare FastAPI route under the same server that reads the same form body and does
one INSERT (into a table of its own) per request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
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


# --- the served apps (imported by granian's workers) -----------------------------------------

def intake_app():
    """LeadHub's HTTP routes as production stacks them (factory for granian)."""
    from starlette.applications import Starlette
    from starlette.middleware.cors import CORSMiddleware

    from leadhub.api import api
    from leadhub.api.public_cors import PublicFormCORS
    outer = Starlette()
    outer.mount("", api)
    outer.add_middleware(CORSMiddleware, allow_credentials=True, allow_methods=["*"], allow_headers=["*"],
                         allow_origins=[os.environ["LEADHUB_APP_URL"]])
    return PublicFormCORS(outer)


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


# --- set-up ---------------------------------------------------------------------------------

def prepare(folder: Path) -> tuple[str, str]:
    """Migrated database with a team and a form; (database url, form key)."""
    from sqlalchemy import text
    from sqlmodel import Session

    from leadhub.services import auth, forms, migrations
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    url = f"sqlite:///{folder / 'leadhub.db'}"
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
        session.execute(text("CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, last_name TEXT, email TEXT, "
                             "created_at REAL)"))
        session.commit()
    engine.dispose()
    return url, key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(target: str, folder: Path, url: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "LEADHUB_DATABASE_URL": url, "LEADHUB_DATA_DIR": str(folder),
           "LEADHUB_SECRET_KEY": "bench-secret", "LEADHUB_APP_URL": f"http://127.0.0.1:{port}",
           "LEADHUB_FORM_RATE_LIMIT": "100000000/60", "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}"}
    env.pop("LEADHUB_REDIS_URL", None)
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-ws",
               f"form_intake:{target}"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(1.0)
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"granian did not start: {process.stderr.read().decode()[-2000:]}")


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
    counter = iter(range(10**9))
    deadline = time.monotonic() + seconds

    async def client(n: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < deadline:
                i = next(counter)
                body = urlencode({"_t": token, "first_name": "Lucía", "last_name": f"Pérez {i}",
                                  "email": f"lucia.{i}.{n}@empresa{i % 5000}.es", "company": f"Empresa {i % 5000} S.L.",
                                  "phone": f"+3461{i % 10_000_000:07d}", "description": "Quiero una demo",
                                  "utm_source": "bench", "_page": "https://www.acme.es/contacto"}).encode()
                start = time.perf_counter()
                try:
                    status, _ = await http(reader, writer, "POST", path, body, port)
                except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                    codes[-1] = codes.get(-1, 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                latencies.append(time.perf_counter() - start)
                codes[status] = codes.get(status, 0) + 1
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.monotonic() - started
    latencies.sort()
    ok = codes.get(200, 0)
    return {"ok": ok, "codes": codes, "rate": ok / elapsed, "elapsed": elapsed,
            "p50": statistics.median(latencies) * 1000 if latencies else 0,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0}


async def fetch_token(port: int, key: str) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    status, page = await http(reader, writer, "GET", f"/api/forms/{key}", port=port)
    writer.close()
    assert status == 200, status
    return re.search(rb'name="_t" value="([^"]+)"', page).group(1).decode()


def stored(url: str) -> tuple[int, int, int]:
    from sqlalchemy import text

    from leadhub.services.db import engine_for
    with engine_for(url).connect() as conn:
        return tuple(conn.execute(text(sql)).scalar() for sql in (
            "SELECT count(*) FROM form_submission", "SELECT count(*) FROM lead",
            "SELECT count(*) FROM bench_bare"))


def run_side(name: str, target: str, path_of, clients: int, seconds: float, workers: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"leadhub-intake-{name}-"))
    url, key = prepare(folder)
    port = free_port()
    server = serve(target, folder, url, port, workers)
    try:
        token = ""
        if name == "intake":
            token = asyncio.run(fetch_token(port, key))
            time.sleep(3.2)   # the form's minimum fill time
        cpu_before = server_cpu_seconds(server.pid)
        result = asyncio.run(load(port, path_of(key), token, clients, seconds))
        result["cpu_ms"] = 1000 * (server_cpu_seconds(server.pid) - cpu_before) / max(1, result["ok"])
    finally:
        stop(server)
    result["stored"] = stored(url)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    load_avg = os.getloadavg()
    print(f"{args.clients} clients × {args.seconds:.0f} s on 127.0.0.1, granian with {args.workers} worker(s), "
          f"SQLite; load average {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f} on {os.cpu_count()} cores")
    base = run_side("baseline", "bare_app", lambda key: "/bare", args.clients, args.seconds, args.workers)
    real = run_side("intake", "intake_app", lambda key: f"/api/forms/{key}/submit", args.clients, args.seconds,
                    args.workers)
    print(f"{'':38} {'accepted/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'server CPU ms/req':>18}  answers; stored")
    print(f"{'baseline: bare endpoint, one INSERT':38} {base['rate']:10.0f} {base['p50']:8.1f} {base['p99']:8.1f} "
          f"{base['cpu_ms']:18.2f}  "
          f"{base['codes']}; {base['stored'][2]:,} rows")
    print(f"{'form intake (validate, dedupe, insert,':38} {real['rate']:10.0f} {real['p50']:8.1f} {real['p99']:8.1f} "
          f"{real['cpu_ms']:18.2f}  "
          f"{real['codes']}; {real['stored'][0]:,} submissions, {real['stored'][1]:,} leads")
    print(f"{'  score, events, rate limit)':38}")
    errors = sum(v for k, v in real["codes"].items() if k != 200)
    complete = real["stored"][0] == real["ok"] and real["stored"][1] == real["ok"]
    print(f"intake/baseline: {real['rate'] / base['rate']:.2f}; target ≥ 400/s with zero errors and every "
          f"accepted submission stored: {'met' if real['rate'] >= 400 and not errors and complete else 'NOT met'}")


if __name__ == "__main__":
    main()
