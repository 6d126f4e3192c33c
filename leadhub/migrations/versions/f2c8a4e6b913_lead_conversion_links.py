"""lead conversion: links from a converted lead to its account, contact and deal; lead source
on contacts and deals

Revision ID: f2c8a4e6b913
Revises: b9adbbbd482a
Create Date: 2026-11-24 12:00:00

Written by hand for the conversion dialog only (services/conversion.py): other branches add
their own. On SQLite the three foreign-key columns are added with ALTER TABLE … ADD COLUMN …
REFERENCES, not batch mode's copy-and-move: rebuilding `lead` drops the old table, and with
foreign keys on that deletes every row pointing at a lead with ON DELETE CASCADE (follow-up
snoozes). The plain lead_source columns use batch mode, which ALTERs them in place.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "f2c8a4e6b913"
down_revision: Union[str, None] = "b9adbbbd482a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

LINKS = (("converted_account_id", "account"), ("converted_contact_id", "contact"),
         ("converted_deal_id", "deal"))


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, target in LINKS:
        name = f"fk_lead_{column}"
        if sqlite:
            op.execute(f"ALTER TABLE lead ADD COLUMN {column} INTEGER "
                       f"CONSTRAINT {name} REFERENCES {target} (id)")
        else:
            op.add_column("lead", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, "lead", target, [column], ["id"])
    for table in ("contact", "deal"):
        with op.batch_alter_table(table, recreate="never") as batch:
            batch.add_column(sa.Column("lead_source", sqlmodel.sql.sqltypes.AutoString(length=60),
                                       nullable=False, server_default=""))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ("deal", "contact"):
        with op.batch_alter_table(table, recreate="never") as batch:
            batch.drop_column("lead_source")
    for column, _ in reversed(LINKS):
        if sqlite:
            op.execute(f"ALTER TABLE lead DROP COLUMN {column}")
        else:
            op.drop_constraint(f"fk_lead_{column}", "lead", type_="foreignkey")
            op.drop_column("lead", column)
