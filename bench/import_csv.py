"""CSV import speed and memory: the real import beside a bare pandas + bulk insert, same run.

    .venv/bin/python bench/import_csv.py [--rows 100000] [--existing 10000] [--database-url URL]
                                         [--duplicates update]

`--database-url postgresql://…/bench_import` measures on PostgreSQL: that database (and
bench_import_baseline, bench_import_import beside it) is dropped and made anew.

Makes a team with `--existing` leads and two custom fields (a number and a picklist), then a
Spanish-Excel-style CSV (semicolon, UTF-8 with BOM, "Correo electrónico"…) of `--rows` rows
where 10% repeat an existing lead's e-mail. Each side runs in its own child process on its
own copy of the database, so peak memory (ru_maxrss) is that side's alone:

- import: `imports.start_import` + `imports.run_import` (mapping, vectorised checks, duplicate
  matching with the team index, scoring, bulk inserts, progress per chunk, error report);
- baseline: `pandas.read_csv` + one Core bulk insert of the same rows into `lead`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FIRST = ["José", "María", "Lucía", "Carlos", "Ana", "Javier", "Elena", "Pablo", "Sofía", "Diego",
         "Laura", "Miguel", "Carmen", "Andrés", "Paula", "Jorge", "Marta", "Raúl", "Irene", "Óscar"]
LAST = ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
        "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
        "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos"]
WORDS = ["Soluciones", "Logística", "Consultores", "Ibérica", "Digital", "Norte", "Sur", "Atlántico",
         "Innovación", "Servicios", "Grupo", "Técnica", "Médica", "Hostelería", "Energía", "Datos"]
CITIES = ["Madrid", "Barcelona", "Sevilla", "Valencia", "Bilbao", "Málaga", "Zaragoza", "Logroño"]


def person(rng: random.Random, i: int) -> dict[str, str]:
    first, last = rng.choice(FIRST), f"{rng.choice(LAST)} {rng.choice(LAST)}"
    company = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i % 4000} S.L."
    return {"first": first, "last": last, "email": f"contacto{i}@empresa{i % 9000}.es",
            "phone": f"6{rng.randrange(10_000_000, 99_999_999)}" if rng.random() < 0.6 else "",
            "company": company, "city": rng.choice(CITIES)}


def setup(url: str, existing: int, seed: int) -> dict:
    from sqlalchemy import insert
    from sqlmodel import Session

    from leadhub.services import auth, custom_fields, leads, migrations
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    from leadhub.services.models import Lead, utcnow
    migrations.upgrade(url)
    engine = engine_for(url)
    rng = random.Random(seed)
    with Session(engine) as session:
        team, admin = auth.sign_up(session=session, team_name="Bench Ventas", email="admin@bench.es",
                                   password="bench-password-1", timezone="Europe/Madrid", currency="EUR")
        ctx = TeamContext(team.id, admin.id, "admin")
        employees = custom_fields.create_field(session=session, ctx=ctx, label="Empleados", type="number")
        tier = custom_fields.create_field(session=session, ctx=ctx, label="Segmento", type="picklist",
                                          options="Pyme, Mediana, Grande")
        now = utcnow()
        rows = []
        for i in range(existing):
            p = person(rng, i)
            rows.append({"team_id": team.id, "first_name": p["first"], "last_name": p["last"],
                         "email": p["email"], "company": p["company"], "city": p["city"],
                         "phone": "", "status": "New", "custom_fields": {}, "owner_id": admin.id,
                         "search_text": leads.search_text_for(p["first"], p["last"], p["company"], p["email"]),
                         "created_at": now, "updated_at": now, "position": -i})
        if rows:
            session.execute(insert(Lead.__table__), rows)
        session.commit()
        info = {"team_id": team.id, "user_id": admin.id, "employees": employees.column, "tier": tier.column}
    engine.dispose()  # closing the last connection folds the WAL into the file we copy
    return info


def make_csv(rows: int, existing: int, seed: int) -> bytes:
    rng = random.Random(seed + 1)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Nombre", "Apellidos", "Correo electrónico", "Teléfono", "Empresa", "Ciudad",
                     "Empleados", "Segmento"])
    for i in range(rows):
        if existing and rng.random() < 0.10:   # 10% repeat an existing lead's e-mail
            j = rng.randrange(existing)
            p = person(rng, j)
            p["email"] = f"contacto{j}@empresa{j % 9000}.es"
        else:
            p = person(rng, existing + i)
        writer.writerow([p["first"], p["last"], p["email"], p["phone"], p["company"], p["city"],
                         str(rng.randrange(1, 5000)), rng.choice(["Pyme", "Mediana", "Grande"])])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def child_import(url: str, path: str, info: dict, duplicates: str) -> dict:
    os.environ["LEADHUB_DATA_DIR"] = str(Path(path).parent / "data")
    from sqlmodel import Session

    from leadhub.services import imports
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    engine = engine_for(url)
    data = Path(path).read_bytes()
    ctx = TeamContext(info["team_id"], info["user_id"], "admin")
    mapping = {"Nombre": "first_name", "Apellidos": "last_name", "Correo electrónico": "email",
               "Teléfono": "phone", "Empresa": "company", "Ciudad": "city",
               "Empleados": info["employees"], "Segmento": info["tier"]}
    start = time.perf_counter()
    with Session(engine) as session:
        job = imports.start_import(session=session, ctx=ctx, file_bytes=data, filename="bench.csv",
                                   mapping=mapping, options={"duplicates": duplicates}, enqueue=False)
        session.commit()
        job_id = job.id
    result = imports.run_import(job_id, engine=engine)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "created": result.created, "updated": result.updated,
            "skipped": result.skipped, "errors": result.errors, "status": result.status}


def child_baseline(url: str, path: str, info: dict) -> dict:
    import pandas as pd
    from sqlalchemy import insert

    from leadhub.services.db import engine_for
    from leadhub.services.models import Lead, utcnow
    engine = engine_for(url)
    start = time.perf_counter()
    frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    now = utcnow()
    rows = [{"team_id": info["team_id"], "first_name": r[0], "last_name": r[1], "email": r[2],
             "phone": r[3], "company": r[4], "city": r[5], "status": "New", "owner_id": info["user_id"],
             "custom_fields": {"empleados": r[6], "segmento": r[7]}, "created_at": now, "updated_at": now}
            for r in frame.itertuples(index=False)]
    with engine.begin() as conn:
        conn.execute(insert(Lead.__table__), rows)
    return {"seconds": time.perf_counter() - start, "created": len(rows)}


def create_database(url: str, suffix: str = "", template: bool = False) -> str:
    """PostgreSQL: (re)create the database of `url` (+ `suffix`), empty or — `template` — as a
    copy of `url`'s database, so each side starts from the same team and leads, as the SQLite
    file copies do. Returns its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from leadhub.config import normalise_database_url
    from leadhub.services.db import engine_for
    engine_for(url).dispose()   # a template must have no open connections
    source = make_url(normalise_database_url(url))
    name = f"{source.database}{suffix}"
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{source.database}"' if template else "")))
    admin.dispose()
    return source.set(database=name).render_as_string(hide_password=False)


def server_cpu(url: str) -> float | None:
    """PostgreSQL: CPU seconds of the server processes still serving this child's database (its
    pooled connections), read from /proc; None on SQLite or when they cannot be read."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from leadhub.config import normalise_database_url
    watcher = create_engine(normalise_database_url(url), poolclass=NullPool)   # not one of the pooled ones
    with watcher.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND pid <> pg_backend_pid()")).scalars().all()
    watcher.dispose()
    ticks, total = os.sysconf("SC_CLK_TCK"), 0.0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks   # utime, stime
    except (OSError, IndexError, ValueError):
        return None
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--existing", type=int, default=10_000)
    parser.add_argument("--duplicates", default="update", choices=["skip", "update", "create"])
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", nargs=4, metavar=("KIND", "URL", "CSV", "INFO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, url, path, info = args.child
        info = json.loads(info)
        result = child_import(url, path, info, args.duplicates) if kind == "import" \
            else child_baseline(url, path, info)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["peak_mb"] = usage.ru_maxrss / 1024
        result["cpu_s"] = usage.ru_utime + usage.ru_stime   # the whole child, start-up included
        result["server_cpu_s"] = server_cpu(url)
        print(json.dumps(result))
        return

    folder = Path(tempfile.mkdtemp(prefix="leadhub-import-bench-"))
    template = folder / "template.db"
    url = create_database(args.database_url) if args.database_url else f"sqlite:///{template}"
    info = setup(url, args.existing, args.seed)
    csv_path = folder / "leads.csv"
    csv_path.write_bytes(make_csv(args.rows, args.existing, args.seed))
    load = os.getloadavg()
    print(f"{args.rows:,} rows ({csv_path.stat().st_size / 1e6:.1f} MB, semicolons, UTF-8 BOM), "
          f"{args.existing:,} existing leads, duplicates={args.duplicates}; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    results = {}
    for kind in ("baseline", "import"):
        if args.database_url:
            target = create_database(url, f"_{kind}", template=True)
        else:
            copy = folder / f"{kind}.db"
            shutil.copy(template, copy)
            target = f"sqlite:///{copy}"
        output = subprocess.run([sys.executable, __file__, "--duplicates", args.duplicates, "--child", kind,
                                 target, str(csv_path), json.dumps(info)],
                                capture_output=True, text=True, check=True).stdout
        results[kind] = json.loads(output.strip().splitlines()[-1])
    base, real = results["baseline"], results["import"]

    def server(r: dict) -> str:
        return f"{r['server_cpu_s']:9.1f}" if r.get("server_cpu_s") is not None else f"{'':9}"
    print(f"{'':34} {'seconds':>8} {'CPU s':>7} {'peak MB':>8} {'server CPU s' if args.database_url else ''}  result")
    print(f"{'baseline: read_csv + bulk insert':34} {base['seconds']:8.2f} {base['cpu_s']:7.1f} {base['peak_mb']:8.0f} "
          f"{server(base) if args.database_url else ''}  {base['created']:,} rows inserted")
    print(f"{'import (service, all checks)':34} {real['seconds']:8.2f} {real['cpu_s']:7.1f} {real['peak_mb']:8.0f} "
          f"{server(real) if args.database_url else ''}  {real['status']}: {real['created']:,} created, "
          f"{real['updated']:,} updated, {real['skipped']:,} skipped, {real['errors']:,} errors")
    print(f"ratio import/baseline: {real['seconds'] / base['seconds']:.1f}x time, "
          f"{real['cpu_s'] / base['cpu_s']:.1f}x CPU; targets ≤ 10 s and ≤ 500 MB: "
          f"{'met' if real['seconds'] <= 10 and real['peak_mb'] <= 500 else 'NOT met'}"
          + ("" if load[0] < 1.5 else f" (load average {load[0]:.1f}: wall-clock figures are not reliable, "
                                      f"compare CPU seconds)"))


if __name__ == "__main__":
    main()
