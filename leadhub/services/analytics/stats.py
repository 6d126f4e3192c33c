"""Medians computed by the database, so no duration column is ever fetched row by row.

PostgreSQL has `percentile_cont(0.5) WITHIN GROUP (ORDER BY v)`. SQLite has no percentile
function: the median is the mean of the one or two middle rows of each group, found with
`row_number()` and `count()` window functions; SQLite sorts in its own (spillable) temp store.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, and_, cast, func, or_
from sqlmodel import Session, select


def grouped_median(session: Session, source, *, keys: tuple[str, ...] = (),
                   value: str = "value") -> dict[tuple, float]:
    """{(key values…): median of `value`} over a subquery with those labelled columns;
    NULL values are left out, groups without any value are absent."""
    sub = source.subquery("median_source")
    key_columns = [sub.c[k] for k in keys]
    column = cast(sub.c[value], Float)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = (select(*key_columns, func.percentile_cont(0.5).within_group(column))
                     .where(sub.c[value].is_not(None)).group_by(*key_columns))
    else:
        partition = key_columns or None
        ranked = select(
            *key_columns, column.label("v"),
            func.row_number().over(partition_by=partition, order_by=column).label("rn"),
            func.count().over(partition_by=partition).label("cnt"),
        ).where(sub.c[value].is_not(None)).subquery("ranked")
        rk = [ranked.c[k] for k in keys]
        middle = or_(ranked.c.rn == (ranked.c.cnt + 1) // 2, ranked.c.rn == (ranked.c.cnt + 2) // 2)
        statement = select(*rk, func.avg(ranked.c.v)).where(and_(middle)).group_by(*rk)
    return {tuple(row[:-1]): float(row[-1]) for row in session.exec(statement).all()
            if row[-1] is not None}


def median(session: Session, source, *, value: str = "value") -> float | None:
    """The median of one labelled column of a subquery (None when it has no values)."""
    return grouped_median(session, source, value=value).get((), None)


def ratio(part: Any, whole: Any) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return float(part) / float(whole) if whole else None
