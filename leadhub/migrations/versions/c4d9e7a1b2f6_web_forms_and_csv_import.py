"""capture: public web forms (forms, submissions, daily views), CSV imports (jobs, before-images
of updated leads, saved mappings) and the lead's import id

Revision ID: c4d9e7a1b2f6
Revises: b9adbbbd482a
Create Date: 2026-11-26 09:00:00

Written by hand for forms.py and imports.py only: other branches add their own. Batch mode
keeps the ALTER of lead working on SQLite.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c4d9e7a1b2f6"
down_revision: Union[str, None] = "b9adbbbd482a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

UTC = sqlmodel.sql.sqltypes.UTCDateTime
Text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("lead") as batch:
        batch.add_column(sa.Column("import_id", sa.Integer(), nullable=True))
        batch.create_index("ix_lead_team_import", ["team_id", "import_id"])
    op.create_table(
        "web_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("key", Text(length=40), nullable=False),
        sa.Column("name", Text(length=120), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("lead_source", Text(length=60), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("owner_mode", Text(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("round_robin_ids", sa.JSON(), nullable=False),
        sa.Column("thank_you_en", Text(length=2000), nullable=False),
        sa.Column("thank_you_es", Text(length=2000), nullable=False),
        sa.Column("redirect_url", Text(length=500), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("language", Text(length=5), nullable=False),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.Column("archived_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_web_form_team_id", "web_form", ["team_id"])
    op.create_table(
        "form_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("created_lead", sa.Boolean(), nullable=False),
        *[sa.Column(name, Text(length=200), nullable=False)
          for name in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")],
        sa.Column("referrer", Text(length=500), nullable=False),
        sa.Column("page_url", Text(length=500), nullable=False),
        sa.Column("submitted_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["form_id"], ["web_form.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_form_submission_team_form_at", "form_submission", ["team_id", "form_id", "submitted_at"])
    op.create_index("ix_form_submission_lead_id", "form_submission", ["lead_id"])
    op.create_table(
        "form_view_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["form_id"], ["web_form.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_id", "day", name="uq_form_view_day"),
    )
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("filename", Text(length=255), nullable=False),
        sa.Column("status", Text(length=12), nullable=False),
        sa.Column("encoding", Text(length=40), nullable=False),
        sa.Column("delimiter", Text(length=4), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("message", Text(length=2000), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("started_at", UTC(), nullable=True),
        sa.Column("heartbeat_at", UTC(), nullable=True),
        sa.Column("finished_at", UTC(), nullable=True),
        sa.Column("undone_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_job_team_created", "import_job", ["team_id", "created_at"])
    op.create_table(
        "import_before",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["import_job.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_before_import_id", "import_before", ["import_id"])
    op.create_index("ix_import_before_lead_id", "import_before", ["lead_id"])
    op.create_table(
        "import_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", Text(length=80), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "name", name="uq_import_mapping_team_name"),
    )


def downgrade() -> None:
    op.drop_table("import_mapping")
    op.drop_index("ix_import_before_lead_id", table_name="import_before")
    op.drop_index("ix_import_before_import_id", table_name="import_before")
    op.drop_table("import_before")
    op.drop_index("ix_import_job_team_created", table_name="import_job")
    op.drop_table("import_job")
    op.drop_table("form_view_day")
    op.drop_index("ix_form_submission_lead_id", table_name="form_submission")
    op.drop_index("ix_form_submission_team_form_at", table_name="form_submission")
    op.drop_table("form_submission")
    op.drop_index("ix_web_form_team_id", table_name="web_form")
    op.drop_table("web_form")
    with op.batch_alter_table("lead") as batch:
        batch.drop_index("ix_lead_team_import")
        batch.drop_column("import_id")
