"""Security checks share the API tests' fixtures: the app pointed at the test database."""

from tests.api.conftest import app_database, client  # noqa: F401
