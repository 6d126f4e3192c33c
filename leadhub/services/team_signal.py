"""A per-team change counter, so every open board of a team knows when to look again.

Every change to a team's leads bumps `team_signal.version` in the same transaction as the
change. Open boards compare that number with the one they last showed: the database, not a
process's memory, is what they trust, so the signal survives restarts and several workers.
After the transaction commits, the new version is handed to the listeners registered with
`subscribe`, first of all `live.after_commit`, which carries it to open browsers from any
process (the web app, the worker, the CLI); a rolled-back change tells no one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel, select

from leadhub.services.models import Lead, utcnow

log = logging.getLogger(__name__)


class TeamSignal(SQLModel, table=True):
    __tablename__ = "team_signal"

    team_id: int = Field(foreign_key="team.id", primary_key=True)
    version: int = Field(default=0)
    changed_at: datetime = Field(default_factory=utcnow)


Listener = Callable[[int, int], None]
_listeners: list[Listener] = []
_PENDING = "leadhub.team_signal.pending"


def subscribe(listener: Listener) -> None:
    """Call `listener(team_id, version)` after each commit that changed a team's leads."""
    if listener not in _listeners:
        _listeners.append(listener)


def bump(*, session: Session, team_id: int) -> int:
    """Count one more change for the team (in the caller's transaction); the new version."""
    statement = _bump_statement(session.get_bind().dialect.name)
    version = session.execute(statement, {"bump_team": team_id, "bump_at": utcnow()}).scalar_one()
    session.info.setdefault(_PENDING, {})[team_id] = version
    return version


@functools.cache
def _bump_statement(dialect: str):
    """One upsert per dialect, built once: a move runs it on every change."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = TeamSignal.__table__
    return (insert(table).values(team_id=bindparam("bump_team"), version=1,
                                 changed_at=bindparam("bump_at"))
            .on_conflict_do_update(index_elements=[table.c.team_id],
                                   set_={"version": table.c.version + 1,
                                         "changed_at": bindparam("bump_at")})
            .returning(table.c.version))


def current(*, session: Session, team_id: int) -> int:
    """The team's version as stored (0 before its first change)."""
    return session.exec(select(TeamSignal.version).where(TeamSignal.team_id == team_id)).first() or 0


def lead_changed(*, session: Session, lead: Lead) -> None:
    """The one call a service makes after it adds, edits or removes a lead: boards of the
    lead's team refresh, and a board move made on the old version of the lead is refused."""
    lead.version = (lead.version or 0) + 1
    bump(session=session, team_id=lead.team_id)


# Listening once on every session is far cheaper than adding listeners per session (a
# session that bumped nothing finds nothing pending).
@sa_event.listens_for(OrmSession, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, {})
    for team_id, version in pending.items():
        for listener in list(_listeners):
            try:
                listener(team_id, version)
            except Exception:  # noqa: BLE001 - a listener never undoes a committed change
                log.exception("team signal listener failed for team %s", team_id)


@sa_event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


# Every process tells open boards: the web app pushes to them itself, the worker and the CLI
# announce to the web app (leadhub.services.live).
from leadhub.services import live  # noqa: E402

subscribe(live.after_commit)
