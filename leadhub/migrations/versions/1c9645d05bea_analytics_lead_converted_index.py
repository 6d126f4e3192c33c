"""analytics: index for leads converted in a range (rep conversions)

Revision ID: 1c9645d05bea
Revises: dc573487b0b6
Create Date: 2026-11-24 09:50:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = "1c9645d05bea"
down_revision: Union[str, None] = "dc573487b0b6"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_lead_team_converted_analytics", "lead", ["team_id", "converted_at"])


def downgrade() -> None:
    op.drop_index("ix_lead_team_converted_analytics", table_name="lead")
