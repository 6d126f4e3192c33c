"""Tables of the analytics area: what managers record (channel costs) and keep (saved reports)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from leadhub.services.models import Lead, Outreach, utcnow

# Rep conversions count leads converted in the range: without this index a range means a scan
# of the whole team's leads (declared here, with the analytics migration that creates it).
Index("ix_lead_team_converted_analytics", Lead.__table__.c.team_id, Lead.__table__.c.converted_at)
# Reps' leads touched (distinct rep–lead pairs of a range): read in (rep, lead) order from the
# index alone, no hashing of every pair. First touch: a lead's first outreach from the index alone.
_o = Outreach.__table__.c
Index("ix_outreach_team_user_lead_analytics", _o.team_id, _o.user_id, _o.lead_id, _o.occurred_at)
Index("ix_outreach_team_lead_analytics", _o.team_id, _o.lead_id, _o.occurred_at)
# Relationship health: the contacts touched in a range, from a small index of the outreach that
# names a contact rather than every outreach row.
Index("ix_outreach_team_occurred_contact", _o.team_id, _o.occurred_at, _o.contact_id,
      postgresql_where=_o.contact_id.is_not(None), sqlite_where=_o.contact_id.is_not(None))


class ChannelCost(SQLModel, table=True):
    """What one outreach channel cost the team in one month (Upwork connects, ad spend…).

    `channel` is "" for types without channels (e-mail, call) or for a type's total cost."""

    __tablename__ = "channel_cost"
    __table_args__ = (
        UniqueConstraint("team_id", "month", "type", "channel", "currency",
                         name="uq_channel_cost_team_month_channel"),
        Index("ix_channel_cost_team_month", "team_id", "month"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE")
    month: date = Field(description="first day of the month")
    type: int = Field(description="OutreachType")
    channel: str = Field(default="", max_length=80)
    amount: Decimal = Field(sa_type=Numeric(14, 2))
    currency: str = Field(default="USD", max_length=3)
    note: str = Field(default="", max_length=200)
    updated_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)


class SavedReport(SQLModel, table=True):
    """A report definition (object, grouping, measure, filters) kept by its author and,
    when shared, visible to the whole team."""

    __tablename__ = "saved_report"
    __table_args__ = (Index("ix_saved_report_team_name", "team_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE")
    owner_id: int = Field(foreign_key="user.id")
    name: str = Field(max_length=120)
    definition: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    shared: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# --- Rollups (services/analytics/rollups.py) ----------------------------------------------------

class OutreachDay(SQLModel, table=True):
    """Outreach counted per team-local day and every column the dashboard groups or filters
    outreach by; kept right by rollups.refresh() from the marks the database triggers leave."""

    __tablename__ = "analytics_outreach_day"

    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True, description="the team's local day")
    user_id: int = Field(primary_key=True)
    type: int = Field(primary_key=True)
    channel: str = Field(default="", max_length=80, primary_key=True)
    response_status: str = Field(default="", max_length=16, primary_key=True)
    call_outcome: str = Field(default="", max_length=16, primary_key=True)
    count: int = Field(default=0)


class OutreachVolumeDay(SQLModel, table=True):
    """Outreach per team-local day, rep and type only: the volume charts read this (a tenth of
    the rows of analytics_outreach_day). Recounted from it with the same days."""

    __tablename__ = "analytics_outreach_volume_day"

    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE", primary_key=True)
    day: date = Field(primary_key=True)
    user_id: int = Field(primary_key=True)
    type: int = Field(primary_key=True)
    count: int = Field(default=0)


class OutreachMonth(SQLModel, table=True):
    """analytics_outreach_day summed per local calendar month (`month` is its first day): the
    breakdown of a range reads whole months here and only the partial months' days there."""

    __tablename__ = "analytics_outreach_month"

    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE", primary_key=True)
    month: date = Field(primary_key=True)
    user_id: int = Field(primary_key=True)
    type: int = Field(primary_key=True)
    channel: str = Field(default="", max_length=80, primary_key=True)
    response_status: str = Field(default="", max_length=16, primary_key=True)
    call_outcome: str = Field(default="", max_length=16, primary_key=True)
    count: int = Field(default=0)


class OutreachDirty(SQLModel, table=True):
    """An outreach row was written at this instant (old and new values on an update): the
    local day it falls on must be recounted. Written by triggers on `outreach` only."""

    __tablename__ = "analytics_outreach_dirty"
    __table_args__ = (Index("ix_analytics_outreach_dirty_team", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int
    occurred_at: datetime


class RollupState(SQLModel, table=True):
    """A team's rollups were built on this time zone's days (a new zone means a rebuild)."""

    __tablename__ = "analytics_rollup_state"

    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE", primary_key=True)
    timezone: str = Field(max_length=64)
    built_at: datetime = Field(default_factory=utcnow)
