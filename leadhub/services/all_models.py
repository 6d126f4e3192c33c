"""Imports every module that defines tables, so Alembic and tests see the whole schema."""

from leadhub.services import models  # noqa: F401
