"""board: lead version for compare-and-set moves, team signal for live boards

Revision ID: d4b8e6f1a2c3
Revises: b9adbbbd482a
Create Date: 2026-11-24 06:20:00

Written by hand for the status board only (board.py, team_signal.py): other branches add
their own. Batch mode keeps the ALTER working on SQLite.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d4b8e6f1a2c3"
down_revision: Union[str, None] = "b9adbbbd482a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("lead") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    # Column counts and budget sums read only this index (no table rows) on a big team.
    op.create_index("ix_lead_team_status_budget", "lead", ["team_id", "status", "budget"])
    op.create_table(
        "team_signal",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("team_id"),
    )


def downgrade() -> None:
    op.drop_table("team_signal")
    op.drop_index("ix_lead_team_status_budget", table_name="lead")
    with op.batch_alter_table("lead") as batch:
        batch.drop_column("version")
