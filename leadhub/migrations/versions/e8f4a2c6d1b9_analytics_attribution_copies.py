"""analytics: copies of the attributed outreach on contacts and deals, and each lead's first touch

Revision ID: e8f4a2c6d1b9
Revises: b7e3a91c04d2
Create Date: 2026-12-05 13:30:00

The channel funnel, ROI and reps' first touch joined up to a million outreach rows per chart.
Contacts and deals now carry copies of their outreach's occurred_at, type, channel and user
(`outreach_*`), and leads the instant of their first outreach logged at or after their creation
(`first_touch_at`). Triggers keep them right in the writer's own transaction, whatever wrote
(ORM, Core, imports, merges, COPY with triggers on): on contact/deal insert or outreach_id change,
on an outreach's edit, insert, move or delete, and on a lead's created_at change (merges).
Existing rows are filled here. services/analytics/attribution.py documents the columns and fills
them after bulk loads that bypass triggers. Works on SQLite and PostgreSQL.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e8f4a2c6d1b9"
down_revision: Union[str, None] = "b7e3a91c04d2"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COPIED = ("occurred_at", "type", "channel", "user_id")
COPIES = ", ".join(f"outreach_{c}" for c in COPIED)
FROM_OUTREACH = ", ".join(COPIED)
LEAD_INCLUDE = ["status", "lead_source", "owner_id", "outreach_id", "first_touch_at"]


def first_touch(lead: str) -> str:
    """SQL: the first outreach of `lead` (a table alias or NEW) at or after its creation."""
    return (f"(SELECT min(o.occurred_at) FROM outreach o WHERE o.team_id = {lead}.team_id "
            f"AND o.lead_id = {lead}.id AND o.occurred_at >= {lead}.created_at)")


def upgrade() -> None:
    for table in ("contact", "deal"):
        op.add_column(table, sa.Column("outreach_occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(),
                                       nullable=True))
        op.add_column(table, sa.Column("outreach_type", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("outreach_channel", sqlmodel.sql.sqltypes.AutoString(length=80),
                                       nullable=True))
        op.add_column(table, sa.Column("outreach_user_id", sa.Integer(), nullable=True))
        op.create_index(f"ix_{table}_team_outreach_occurred", table, ["team_id", "outreach_occurred_at"])
    op.add_column("lead", sa.Column("first_touch_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":     # leads of a range read from the index alone
        op.drop_index("ix_lead_team_created", table_name="lead")
        op.create_index("ix_lead_team_created", "lead", ["team_id", "created_at"], postgresql_include=LEAD_INCLUDE)
    # contacts touched in a range (relationship health) from a small index, not every outreach row
    op.create_index("ix_outreach_team_occurred_contact", "outreach", ["team_id", "occurred_at", "contact_id"],
                    postgresql_where=sa.text("contact_id IS NOT NULL"),
                    sqlite_where=sa.text("contact_id IS NOT NULL"))

    set_copies = ", ".join(f"outreach_{c} = NEW.{c}" for c in COPIED)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION analytics_copy_outreach() RETURNS trigger AS $$
            BEGIN
                IF NEW.outreach_id IS NULL THEN
                    NEW.outreach_occurred_at := NULL; NEW.outreach_type := NULL;
                    NEW.outreach_channel := NULL; NEW.outreach_user_id := NULL;
                ELSE
                    SELECT {FROM_OUTREACH} INTO NEW.outreach_occurred_at, NEW.outreach_type,
                           NEW.outreach_channel, NEW.outreach_user_id
                      FROM outreach WHERE id = NEW.outreach_id;
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        for table in ("contact", "deal"):
            op.execute(f"CREATE TRIGGER analytics_{table}_outreach_copy BEFORE INSERT OR UPDATE OF outreach_id "
                       f"ON {table} FOR EACH ROW EXECUTE FUNCTION analytics_copy_outreach()")
        op.execute(f"""
            CREATE FUNCTION analytics_outreach_copies() RETURNS trigger AS $$
            BEGIN
                UPDATE contact SET {set_copies} WHERE outreach_id = NEW.id;
                UPDATE deal SET {set_copies} WHERE outreach_id = NEW.id;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        old = ", ".join(f"OLD.{c}" for c in COPIED)
        new = ", ".join(f"NEW.{c}" for c in COPIED)
        op.execute(f"CREATE TRIGGER analytics_outreach_copies AFTER UPDATE ON outreach FOR EACH ROW "
                   f"WHEN (ROW({old}) IS DISTINCT FROM ROW({new})) EXECUTE FUNCTION analytics_outreach_copies()")
        op.execute(f"""
            CREATE FUNCTION analytics_lead_first_touch() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    UPDATE lead SET first_touch_at = NEW.occurred_at
                     WHERE id = NEW.lead_id AND team_id = NEW.team_id AND NEW.occurred_at >= created_at
                       AND (first_touch_at IS NULL OR first_touch_at > NEW.occurred_at);
                    RETURN NULL;
                END IF;
                UPDATE lead l SET first_touch_at = {first_touch('l')} WHERE l.id = OLD.lead_id;
                IF TG_OP = 'UPDATE' AND NEW.lead_id IS DISTINCT FROM OLD.lead_id THEN
                    UPDATE lead l SET first_touch_at = {first_touch('l')} WHERE l.id = NEW.lead_id;
                END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER analytics_lead_first_touch_insert AFTER INSERT ON outreach FOR EACH ROW "
                   "WHEN (NEW.lead_id IS NOT NULL) EXECUTE FUNCTION analytics_lead_first_touch()")
        op.execute("CREATE TRIGGER analytics_lead_first_touch_delete AFTER DELETE ON outreach FOR EACH ROW "
                   "WHEN (OLD.lead_id IS NOT NULL) EXECUTE FUNCTION analytics_lead_first_touch()")
        op.execute("CREATE TRIGGER analytics_lead_first_touch_update AFTER UPDATE ON outreach FOR EACH ROW "
                   "WHEN (ROW(OLD.lead_id, OLD.occurred_at, OLD.team_id) IS DISTINCT FROM "
                   "ROW(NEW.lead_id, NEW.occurred_at, NEW.team_id)) EXECUTE FUNCTION analytics_lead_first_touch()")
        op.execute(f"""
            CREATE FUNCTION analytics_lead_created_changed() RETURNS trigger AS $$
            BEGIN
                NEW.first_touch_at := {first_touch('NEW')};
                RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER analytics_lead_created_changed BEFORE UPDATE OF created_at ON lead "
                   "FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at) "
                   "EXECUTE FUNCTION analytics_lead_created_changed()")
    else:
        copy = (f"UPDATE {{0}} SET ({COPIES}) = (SELECT {FROM_OUTREACH} FROM outreach WHERE id = NEW.outreach_id) "
                f"WHERE id = NEW.id")
        for table in ("contact", "deal"):
            op.execute(f"CREATE TRIGGER analytics_{table}_outreach_insert AFTER INSERT ON {table} "
                       f"WHEN NEW.outreach_id IS NOT NULL BEGIN {copy.format(table)}; END")
            op.execute(f"CREATE TRIGGER analytics_{table}_outreach_update AFTER UPDATE OF outreach_id ON {table} "
                       f"BEGIN {copy.format(table)}; END")
        op.execute(f"CREATE TRIGGER analytics_outreach_copies AFTER UPDATE OF {', '.join(COPIED)} ON outreach "
                   f"BEGIN UPDATE contact SET {set_copies} WHERE outreach_id = NEW.id; "
                   f"UPDATE deal SET {set_copies} WHERE outreach_id = NEW.id; END")
        recount = f"UPDATE lead SET first_touch_at = {first_touch('lead')}"
        op.execute("CREATE TRIGGER analytics_lead_first_touch_insert AFTER INSERT ON outreach "
                   "WHEN NEW.lead_id IS NOT NULL BEGIN UPDATE lead SET first_touch_at = NEW.occurred_at "
                   "WHERE id = NEW.lead_id AND team_id = NEW.team_id AND NEW.occurred_at >= created_at "
                   "AND (first_touch_at IS NULL OR first_touch_at > NEW.occurred_at); END")
        op.execute(f"CREATE TRIGGER analytics_lead_first_touch_delete AFTER DELETE ON outreach "
                   f"WHEN OLD.lead_id IS NOT NULL BEGIN {recount} WHERE id = OLD.lead_id; END")
        op.execute(f"CREATE TRIGGER analytics_lead_first_touch_update AFTER UPDATE OF lead_id, occurred_at, team_id "
                   f"ON outreach BEGIN {recount} WHERE id IN (OLD.lead_id, NEW.lead_id); END")
        op.execute(f"CREATE TRIGGER analytics_lead_created_changed AFTER UPDATE OF created_at ON lead "
                   f"BEGIN {recount} WHERE id = NEW.id; END")

    # rows written before the triggers
    for table in ("contact", "deal"):
        op.execute(f"UPDATE {table} SET ({COPIES}) = (SELECT {FROM_OUTREACH} FROM outreach o "
                   f"WHERE o.id = {table}.outreach_id) WHERE outreach_id IS NOT NULL")
    op.execute(f"UPDATE lead SET first_touch_at = {first_touch('lead')} "
               f"WHERE EXISTS (SELECT 1 FROM outreach o WHERE o.lead_id = lead.id)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS analytics_lead_created_changed ON lead")
        for name in ("lead_first_touch_insert", "lead_first_touch_delete", "lead_first_touch_update",
                     "outreach_copies"):
            op.execute(f"DROP TRIGGER IF EXISTS analytics_{name} ON outreach")
        for table in ("contact", "deal"):
            op.execute(f"DROP TRIGGER IF EXISTS analytics_{table}_outreach_copy ON {table}")
        for function in ("analytics_lead_created_changed", "analytics_lead_first_touch",
                         "analytics_outreach_copies", "analytics_copy_outreach"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for name in ("lead_created_changed", "lead_first_touch_insert", "lead_first_touch_delete",
                     "lead_first_touch_update", "outreach_copies", "contact_outreach_insert",
                     "contact_outreach_update", "deal_outreach_insert", "deal_outreach_update"):
            op.execute(f"DROP TRIGGER IF EXISTS analytics_{name}")
    op.drop_index("ix_outreach_team_occurred_contact", table_name="outreach")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_lead_team_created", table_name="lead")
        op.create_index("ix_lead_team_created", "lead", ["team_id", "created_at"])
    op.drop_column("lead", "first_touch_at")
    for table in ("contact", "deal"):
        op.drop_index(f"ix_{table}_team_outreach_occurred", table_name=table)
        for column in ("outreach_user_id", "outreach_channel", "outreach_type", "outreach_occurred_at"):
            op.drop_column(table, column)
