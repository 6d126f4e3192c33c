"""notification channel settings

Revision ID: e5a9d2c4b817
Revises: b9adbbbd482a
Create Date: 2026-11-24 10:00:00

Written by hand for notifications only (services/notifications/models.py): other branches
add their own tables.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e5a9d2c4b817"
down_revision: Union[str, None] = "b9adbbbd482a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "notification_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("secret_ciphertext", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("secret_hint", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("api_base_url", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("template", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "kind", name="uq_notification_channel_team_kind"),
    )
    with op.batch_alter_table("notification_channel", schema=None) as batch_op:
        batch_op.create_index("ix_notification_channel_team", ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification_channel", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_channel_team")
    op.drop_table("notification_channel")
