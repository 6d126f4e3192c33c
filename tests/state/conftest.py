"""State tests: real services and database behind standalone Reflex states."""

from __future__ import annotations

import pytest

from leadhub.config import get_settings
from leadhub.services.db import engine_for


@pytest.fixture
def app_database(database_url, monkeypatch):
    """Point the app's own engine (what states use) at the test database."""
    monkeypatch.setenv("LEADHUB_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield engine_for(database_url)
    get_settings.cache_clear()


def make_state(cls, token: str = ""):
    """A state as a browser tab would have it, signed in with `token`: built from the root
    state, so every substate exists (computed vars of other pages that depend on the
    session's vars are marked dirty when those change)."""
    import reflex as rx

    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(cls.get_full_name().split(".")[1:])
    state.token = token
    return state
