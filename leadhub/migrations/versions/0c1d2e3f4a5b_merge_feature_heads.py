"""Merge the feature branches of session 1 into one head.

Every later migration builds on this revision, so ``alembic upgrade head`` has one target.

Revision ID: 0c1d2e3f4a5b
Revises: a1f3c9d27b60, a7c4e2b9d1f0, c4d9e7a1b2f6, c5e2a7f4d918, c7e31f0a5d42,
    d4b8e6f1a2c3, e2c7a9d4f618, e5a9d2c4b817, f2c8a4e6b913, f3c8a1d5e9b2
Create Date: 2026-11-24
"""

from typing import Sequence, Union

revision: str = "0c1d2e3f4a5b"
down_revision: Union[str, Sequence[str], None] = (
    "a1f3c9d27b60",
    "a7c4e2b9d1f0",
    "c4d9e7a1b2f6",
    "c5e2a7f4d918",
    "c7e31f0a5d42",
    "d4b8e6f1a2c3",
    "e2c7a9d4f618",
    "e5a9d2c4b817",
    "f2c8a4e6b913",
    "f3c8a1d5e9b2",
)
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
