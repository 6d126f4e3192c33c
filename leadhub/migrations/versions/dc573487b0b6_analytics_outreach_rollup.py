"""analytics: outreach counted per team-local day, and the triggers that mark changed days

Revision ID: dc573487b0b6
Revises: 0c1d2e3f4a5b
Create Date: 2026-11-24 09:30:00

The dashboard reads outreach counts from analytics_outreach_day. Every insert, delete and
relevant update of `outreach` — from the ORM, Core statements, imports, COPY, raw SQL —
leaves a mark (team, occurred_at) in analytics_outreach_dirty through a trigger in the same
transaction; services/analytics/rollups.py recounts the marked local days before the
dashboard reads them. Works on SQLite and PostgreSQL.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "dc573487b0b6"
down_revision: Union[str, None] = "0c1d2e3f4a5b"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KEY_COLUMNS = ("team_id", "occurred_at", "user_id", "type", "channel", "response_status", "call_outcome")


def upgrade() -> None:
    op.create_table(
        "analytics_outreach_day",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("response_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("call_outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "day", "user_id", "type", "channel", "response_status",
                                "call_outcome"),
    )
    op.create_table(
        "analytics_outreach_dirty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_analytics_outreach_dirty_team", "analytics_outreach_dirty", ["team_id"])
    op.create_table(
        "analytics_rollup_state",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("built_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id"),
    )
    mark = "INSERT INTO analytics_outreach_dirty (team_id, occurred_at) VALUES ({0}.team_id, {0}.occurred_at)"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION analytics_outreach_mark() RETURNS trigger AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN {mark.format('OLD')}; END IF;
                IF TG_OP <> 'DELETE' THEN {mark.format('NEW')}; END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER analytics_outreach_insert_delete AFTER INSERT OR DELETE ON outreach "
                   "FOR EACH ROW EXECUTE FUNCTION analytics_outreach_mark()")
        old = ", ".join(f"OLD.{c}" for c in KEY_COLUMNS)
        new = ", ".join(f"NEW.{c}" for c in KEY_COLUMNS)
        op.execute(f"CREATE TRIGGER analytics_outreach_update AFTER UPDATE ON outreach FOR EACH ROW "
                   f"WHEN (ROW({old}) IS DISTINCT FROM ROW({new})) EXECUTE FUNCTION analytics_outreach_mark()")
    else:
        op.execute(f"CREATE TRIGGER analytics_outreach_insert AFTER INSERT ON outreach "
                   f"BEGIN {mark.format('NEW')}; END")
        op.execute(f"CREATE TRIGGER analytics_outreach_delete AFTER DELETE ON outreach "
                   f"BEGIN {mark.format('OLD')}; END")
        op.execute(f"CREATE TRIGGER analytics_outreach_update AFTER UPDATE OF {', '.join(KEY_COLUMNS)} "
                   f"ON outreach BEGIN {mark.format('OLD')}; {mark.format('NEW')}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS analytics_outreach_update ON outreach")
        op.execute("DROP TRIGGER IF EXISTS analytics_outreach_insert_delete ON outreach")
        op.execute("DROP FUNCTION IF EXISTS analytics_outreach_mark()")
    else:
        for name in ("analytics_outreach_insert", "analytics_outreach_delete", "analytics_outreach_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("analytics_rollup_state")
    op.drop_index("ix_analytics_outreach_dirty_team", table_name="analytics_outreach_dirty")
    op.drop_table("analytics_outreach_dirty")
    op.drop_table("analytics_outreach_day")
