"""follow-up policy and snooze tables

Revision ID: c7e31f0a5d42
Revises: b9adbbbd482a
Create Date: 2026-11-24 09:00:00

Written by hand for the follow-up queue only (followup.py): other branches add their own.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c7e31f0a5d42"
down_revision: Union[str, None] = "b9adbbbd482a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "followup_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("hot_days", sa.Integer(), nullable=False),
        sa.Column("warm_days", sa.Integer(), nullable=False),
        sa.Column("cold_days", sa.Integer(), nullable=False),
        sa.Column("unrated_days", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id"),
    )
    op.create_table(
        "followup_snooze",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("snoozed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["snoozed_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lead_id", name="uq_followup_snooze_lead"),
        sa.UniqueConstraint("contact_id", name="uq_followup_snooze_contact"),
    )
    op.create_index("ix_followup_snooze_team_id", "followup_snooze", ["team_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_followup_snooze_team_id", table_name="followup_snooze")
    op.drop_table("followup_snooze")
    op.drop_table("followup_policy")
