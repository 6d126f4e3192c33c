"""HTTP tests: the FastAPI routes on the test database, called through httpx's TestClient."""

from __future__ import annotations

import pytest

from leadhub.config import get_settings
from leadhub.services.db import engine_for


@pytest.fixture
def app_database(database_url, monkeypatch, tmp_path):
    """Point the app's engine and data folder at this test's database and a temp folder."""
    monkeypatch.setenv("LEADHUB_DATABASE_URL", database_url)
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield engine_for(database_url)
    get_settings.cache_clear()


@pytest.fixture
def client(app_database):
    from fastapi.testclient import TestClient

    from leadhub.api import api
    with TestClient(api) as test_client:
        yield test_client


def login(session, client, email, password):
    """Sign in through the service and hand the client the session cookie."""
    from leadhub.services import auth
    token, _ = auth.login(session=session, email=email, password=password)
    session.commit()
    client.cookies.set("leadhub_session", token)
    return token
