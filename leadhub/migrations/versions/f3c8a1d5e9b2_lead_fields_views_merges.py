"""leads module: custom fields, standard field rules, saved views, merges, phone indexes

Revision ID: f3c8a1d5e9b2
Revises: b9adbbbd482a
Create Date: 2026-11-24 10:00:00

Written by hand for the leads module only (custom_fields.py, saved_views.py, merge.py,
dedupe.py): other branches add their own.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "f3c8a1d5e9b2"
down_revision: Union[str, None] = "b9adbbbd482a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "lead_field_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "key", name="uq_lead_field_definition_team_key"),
    )
    op.create_index("ix_lead_field_definition_team_id", "lead_field_definition", ["team_id"])
    op.create_table(
        "lead_standard_field",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "field", name="uq_lead_standard_field_team_field"),
    )
    op.create_index("ix_lead_standard_field_team_id", "lead_standard_field", ["team_id"])
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("sort", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("descending", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_saved_view_team_user", "saved_view", ["team_id", "user_id"])
    op.create_table(
        "lead_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_lead_ids", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("merged_by", sa.Integer(), nullable=True),
        sa.Column("merged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["survivor_id"], ["lead.id"]),
        sa.ForeignKeyConstraint(["merged_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_lead_merge_survivor_id", "lead_merge", ["survivor_id"])
    op.create_index("ix_lead_merge_team_merged", "lead_merge", ["team_id", "merged_at"])
    op.create_index("ix_lead_team_phone", "lead", ["team_id", "phone"])
    op.create_index("ix_lead_team_mobile", "lead", ["team_id", "mobile"])


def downgrade() -> None:
    op.drop_index("ix_lead_team_mobile", table_name="lead")
    op.drop_index("ix_lead_team_phone", table_name="lead")
    op.drop_index("ix_lead_merge_team_merged", table_name="lead_merge")
    op.drop_index("ix_lead_merge_survivor_id", table_name="lead_merge")
    op.drop_table("lead_merge")
    op.drop_index("ix_saved_view_team_user", table_name="saved_view")
    op.drop_table("saved_view")
    op.drop_index("ix_lead_standard_field_team_id", table_name="lead_standard_field")
    op.drop_table("lead_standard_field")
    op.drop_index("ix_lead_field_definition_team_id", table_name="lead_field_definition")
    op.drop_table("lead_field_definition")
