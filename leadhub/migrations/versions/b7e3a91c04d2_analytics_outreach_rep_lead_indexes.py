"""analytics: outreach indexes for reps' leads touched and first touch

Revision ID: b7e3a91c04d2
Revises: 73e06cff2a8a
Create Date: 2026-11-24 10:55:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = "b7e3a91c04d2"
down_revision: Union[str, None] = "73e06cff2a8a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_outreach_team_user_lead_analytics", "outreach",
                    ["team_id", "user_id", "lead_id", "occurred_at"])
    op.create_index("ix_outreach_team_lead_analytics", "outreach", ["team_id", "lead_id", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_outreach_team_lead_analytics", table_name="outreach")
    op.drop_index("ix_outreach_team_user_lead_analytics", table_name="outreach")
