"""Leads list speed with a big team: the service beside hand-written SQL, in the same run.

    .venv/bin/python bench/leads_list.py [--leads 100000] [--database-url URL] [--runs 30]

Loads demo data into a fresh database (SQLite in a temp folder unless --database-url), then
times each list query through `leads.list_leads` (count + one page, with the ORM) and the
same query as raw SQL on the same connection pool. Prints median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from leadhub.services import leads, migrations  # noqa: E402
from leadhub.services.context import TeamContext  # noqa: E402
from leadhub.services.db import engine_for  # noqa: E402
from leadhub.services.demo import load_demo  # noqa: E402
from leadhub.services.leads import LeadQuery  # noqa: E402
from leadhub.services.models import Membership  # noqa: E402

RAW_COLUMNS = ("l.id, l.first_name, l.last_name, l.company, l.email, l.phone, l.status, l.rating, "
               "l.lead_source, l.score, l.budget, u.full_name, u.email, l.created_at, "
               "l.last_contacted_at")


def raw_sql(where: str, order: str, page: int, size: int = 25) -> list[tuple[str, str]]:
    return [
        (f"SELECT count(*) FROM lead l WHERE l.team_id = :team {where}", ""),
        (f"SELECT {RAW_COLUMNS} FROM lead l LEFT JOIN \"user\" u ON u.id = l.owner_id "
         f"WHERE l.team_id = :team {where} ORDER BY {order} LIMIT {size} OFFSET {(page - 1) * size}", ""),
    ]


def cases(owner_id: int) -> list[tuple[str, LeadQuery, list, dict]]:
    return [
        ("first page, newest first", LeadQuery(),
         raw_sql("", "l.created_at DESC, l.id DESC", 1), {}),
        ("status = Qualified, page 20", LeadQuery(status="Qualified", page=20),
         raw_sql("AND l.status = 'Qualified'", "l.created_at DESC, l.id DESC", 20), {}),
        ("search 'garcia'", LeadQuery(search="garcia"),
         raw_sql("AND l.search_text LIKE '%garcia%'", "l.created_at DESC, l.id DESC", 1), {}),
        ("owner + rating, sort by name", LeadQuery(owner_id=owner_id, rating="Hot", sort="name",
                                                    descending=False),
         raw_sql("AND l.owner_id = :owner AND l.rating = 'Hot'",
                 "l.last_name ASC, l.first_name ASC, l.id ASC", 1), {"owner": owner_id}),
        ("sort by name, page 400", LeadQuery(sort="name", descending=False, page=400),
         raw_sql("", "l.last_name ASC, l.first_name ASC, l.id ASC", 400), {}),
    ]


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='leadhub-bench-')}/bench.db"
    migrations.upgrade(url)
    engine = engine_for(url)
    start = time.perf_counter()
    with Session(engine) as session:
        result = load_demo(session=session, leads=args.leads, seed=7)
        session.commit()
        team_id = result.team.id
        admin_id, owner_id = session.exec(select(Membership.user_id).where(
            Membership.team_id == team_id).order_by(Membership.id)).all()[:2]
    print(f"database: {engine.dialect.name}; demo data with {args.leads:,} leads loaded in "
          f"{time.perf_counter() - start:.1f} s")
    ctx = TeamContext(team_id=team_id, user_id=admin_id, role="admin")

    print(f"{'query':34} {'service med':>12} {'p95':>8} {'raw SQL med':>12} {'p95':>8} {'ratio':>6}")
    for name, query, statements, params in cases(owner_id):
        def service_call():
            with Session(engine) as session:
                leads.list_leads(session=session, ctx=ctx, query=query)

        def raw_call():
            with engine.connect() as conn:
                for sql, _ in statements:
                    conn.execute(text(sql), {"team": team_id, **params}).all()

        s_med, s_p95 = timed(service_call, args.runs)
        r_med, r_p95 = timed(raw_call, args.runs)
        print(f"{name:34} {s_med:10.2f}ms {s_p95:6.2f}ms {r_med:10.2f}ms {r_p95:6.2f}ms "
              f"{s_med / r_med:5.2f}x")


if __name__ == "__main__":
    main()
