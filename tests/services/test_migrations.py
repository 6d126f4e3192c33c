"""The Alembic history has one head and produces exactly the tables the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from leadhub.services import all_models  # noqa: F401 - registers every table
from leadhub.services.db import engine_for
from leadhub.services.migrations import alembic_config


def test_the_migration_history_has_a_single_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several Alembic heads {heads}: add a merge revision"


def test_the_migrated_schema_matches_the_models(database_url):
    engine = engine_for(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
