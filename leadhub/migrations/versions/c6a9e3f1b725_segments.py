"""segments: saved, shareable filters over leads and contacts

Revision ID: c6a9e3f1b725
Revises: b3f7d2e9c514
Create Date: 2026-11-25 11:00:00

Written by hand for segments only (segments.py).
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c6a9e3f1b725"
down_revision: Union[str, None] = "b3f7d2e9c514"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("entity", sa.String(length=10), nullable=False),
        sa.Column("match", sa.String(length=4), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_segment_team_name", "segment", ["team_id", "name"])


def downgrade() -> None:
    op.drop_index("ix_segment_team_name", table_name="segment")
    op.drop_table("segment")
