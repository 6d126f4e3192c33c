"""analytics: channel costs per month, saved reports, indexes for dashboard scans

Revision ID: a7c4e2b9d1f0
Revises: b9adbbbd482a
Create Date: 2026-11-24 07:00:00

Written by hand for the analytics area only (services/analytics): other branches add their
own. Works on SQLite and PostgreSQL.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a7c4e2b9d1f0"
down_revision: Union[str, None] = "b9adbbbd482a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "channel_cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "month", "type", "channel", "currency",
                            name="uq_channel_cost_team_month_channel"),
    )
    op.create_index("ix_channel_cost_team_month", "channel_cost", ["team_id", "month"])
    op.create_table(
        "saved_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_saved_report_team_name", "saved_report", ["team_id", "name"])
    # Dashboard scans of a date range read only this index; first touches read the second.
    op.create_index("ix_outreach_team_occurred_analytics", "outreach",
                    ["team_id", "occurred_at", "type", "user_id", "channel", "response_status",
                     "call_outcome", "lead_id", "contact_id", "id"])
    op.create_index("ix_outreach_lead_occurred", "outreach", ["lead_id", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_outreach_lead_occurred", table_name="outreach")
    op.drop_index("ix_outreach_team_occurred_analytics", table_name="outreach")
    op.drop_index("ix_saved_report_team_name", table_name="saved_report")
    op.drop_table("saved_report")
    op.drop_index("ix_channel_cost_team_month", table_name="channel_cost")
    op.drop_table("channel_cost")
