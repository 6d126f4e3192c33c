"""Schema upgrades through Alembic, callable from the CLI, `make run` and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from leadhub.config import get_settings, normalise_database_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url",
                           normalise_database_url(database_url or get_settings().database_url))
    return config


def upgrade(database_url: str | None = None) -> None:
    """Bring the database to the newest schema; safe to run again."""
    command.upgrade(alembic_config(database_url), "heads")


def make_revision(message: str, database_url: str | None = None) -> None:
    """Autogenerate a migration from the models (developers only)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
