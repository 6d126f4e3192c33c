"""Background upkeep of the analytics rollups on the one Huey queue (services/tasks.py).

The dashboard brings a team's rollup up to date itself before reading it (rollups.refresh),
so this is not needed for correctness: every minute it recounts the days that writes marked
since, team by team in short transactions, so a dashboard after a large import or a busy
hour finds little or nothing left to do. Idempotent: a mark is consumed once (DELETE …
RETURNING), a day's counts are replaced whole.
"""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import select

from leadhub.services.analytics import rollups
from leadhub.services.analytics.models import OutreachDirty
from leadhub.services.db import session_scope
from leadhub.services.models import Team
from leadhub.services.tasks import huey

log = logging.getLogger(__name__)

TEAMS_PER_RUN = 200


def refresh_pending(*, engine: Engine | None = None) -> list[int]:
    """Recount the marked days of every team that has marks; returns those teams' ids."""
    with session_scope(engine) as session:
        team_ids = list(session.exec(select(OutreachDirty.team_id).distinct().limit(TEAMS_PER_RUN)).all())
    done = []
    for team_id in team_ids:
        try:
            with session_scope(engine) as session:
                team = session.get(Team, team_id)
                if team is not None:
                    rollups.refresh(session, team)
                else:                   # the team was deleted (its outreach with it)
                    session.execute(delete(OutreachDirty).where(OutreachDirty.team_id == team_id))
            done.append(team_id)
        except Exception:  # noqa: BLE001 - one team's failure must not stop the others
            log.warning("Analytics rollup refresh failed for team %s", team_id, exc_info=True)
    return done


@huey.periodic_task(crontab(minute="*"))
def refresh_analytics_rollups() -> None:
    """Every minute: recount the outreach days written since the last run."""
    refresh_pending()
