"""analytics: slim per-day volume rollup and per-month outreach rollup

Revision ID: 73e06cff2a8a
Revises: 1c9645d05bea
Create Date: 2026-11-24 10:00:00

Both are recounted from analytics_outreach_day by services/analytics/rollups.py; existing
rollup states are dropped so every team is rebuilt (with the new tables) on its next read.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "73e06cff2a8a"
down_revision: Union[str, None] = "1c9645d05bea"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "analytics_outreach_volume_day",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "day", "user_id", "type"),
    )
    op.create_table(
        "analytics_outreach_month",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("response_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("call_outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "month", "user_id", "type", "channel", "response_status",
                                "call_outcome"),
    )
    op.execute("DELETE FROM analytics_rollup_state")


def downgrade() -> None:
    op.drop_table("analytics_outreach_month")
    op.drop_table("analytics_outreach_volume_day")
    op.execute("DELETE FROM analytics_rollup_state")
