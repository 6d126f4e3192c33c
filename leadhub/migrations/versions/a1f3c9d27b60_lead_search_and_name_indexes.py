"""lead search and name indexes

Revision ID: a1f3c9d27b60
Revises: b9adbbbd482a
Create Date: 2026-11-24 06:30:00
"""
from typing import Sequence, Union

from alembic import op

revision: str = "a1f3c9d27b60"
down_revision: Union[str, None] = "b9adbbbd482a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_index("ix_lead_team_last_name", table_name="lead")
    op.create_index("ix_lead_team_last_name", "lead", ["team_id", "last_name", "first_name"])
    op.create_index("ix_lead_team_search", "lead", ["team_id", "search_text"])


def downgrade() -> None:
    op.drop_index("ix_lead_team_search", table_name="lead")
    op.drop_index("ix_lead_team_last_name", table_name="lead")
    op.create_index("ix_lead_team_last_name", "lead", ["team_id", "last_name"])
