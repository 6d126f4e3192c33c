"""follow-up e-mails: team SMTP settings, templates, messages with tracking, unsubscribes, sequences

Revision ID: d8b4f2a6c931
Revises: c6a9e3f1b725
Create Date: 2026-11-25 12:00:00

Written by hand for follow-up e-mails only (emails.py).
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d8b4f2a6c931"
down_revision: Union[str, None] = "c6a9e3f1b725"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

UTC = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "smtp_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", sa.String(length=10), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("password_encrypted", sa.String(length=2000), nullable=False),
        sa.Column("from_email", sa.String(length=254), nullable=False),
        sa.Column("from_name", sa.String(length=120), nullable=False),
        sa.Column("per_minute", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id"),
    )
    op.create_table(
        "email_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.String(length=20000), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_email_template_team_name", "email_template", ["team_id", "name"])
    op.create_table(
        "email_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("enrollment_id", sa.Integer(), nullable=True),
        sa.Column("to_email", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.String(length=30000), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("error", sa.String(length=1000), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_by", sa.Integer(), nullable=True),
        sa.Column("outreach_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("sent_at", UTC(), nullable=True),
        sa.Column("opened_at", UTC(), nullable=True),
        sa.Column("clicked_at", UTC(), nullable=True),
        sa.Column("opens", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["template_id"], ["email_template.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["sent_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["outreach_id"], ["outreach.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_email_message_team_created", "email_message", ["team_id", "created_at"])
    op.create_index("ix_email_message_status", "email_message", ["status", "created_at"])
    op.create_index("ix_email_message_token", "email_message", ["token"], unique=True)
    op.create_index("ix_email_message_lead_id", "email_message", ["lead_id"])
    op.create_index("ix_email_message_enrollment_id", "email_message", ["enrollment_id"])
    op.create_table(
        "email_unsubscribe",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("unsubscribed_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "email", name="uq_email_unsubscribe_team_email"),
    )
    op.create_table(
        "email_sequence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_email_sequence_team_id", "email_sequence", ["team_id"])
    op.create_table(
        "sequence_enrollment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("stop_reason", sa.String(length=40), nullable=False),
        sa.Column("next_run_at", UTC(), nullable=False),
        sa.Column("started_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sequence_id"], ["email_sequence.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sequence_id", "lead_id", name="uq_sequence_enrollment_lead"),
    )
    op.create_index("ix_sequence_enrollment_due", "sequence_enrollment", ["status", "next_run_at"])
    op.create_index("ix_sequence_enrollment_lead_id", "sequence_enrollment", ["lead_id"])


def downgrade() -> None:
    op.drop_table("sequence_enrollment")
    op.drop_table("email_sequence")
    op.drop_table("email_unsubscribe")
    op.drop_table("email_message")
    op.drop_table("email_template")
    op.drop_table("smtp_settings")
