"""Settings read from the environment, so one build runs on a laptop or in production."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    redis_url: str | None
    session_hours: int
    app_url: str
    # PostgreSQL connection pool, per process (SQLite ignores these). Every app or worker
    # process holds up to db_pool_size + db_max_overflow connections: keep the sum over all
    # processes below the server's max_connections.
    db_pool_size: int = 10
    db_max_overflow: int = 20
    db_pool_timeout: float = 10.0     # seconds to wait for a free connection, then an error
    db_pool_recycle: int = 1800       # seconds before a connection is replaced
    db_connect_timeout: int = 5       # seconds to wait for the server to answer a new connection
    # How long a worker's claim on a notification lasts: after a crash (kill -9, lost machine)
    # another worker sends it once this has passed. Keep it above the 10 s HTTP timeout.
    notification_lease_seconds: int = 120

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _secret_key(data_dir: Path) -> str:
    """Use LEADHUB_SECRET_KEY, else a random key kept in the data folder (never in the repo)."""
    key = os.environ.get("LEADHUB_SECRET_KEY")
    if key:
        return key
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def normalise_database_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}.") from None
    if number < 0:
        raise ValueError(f"{name} must not be negative, not {value!r}.")
    return number


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    data_dir = Path(os.environ.get("LEADHUB_DATA_DIR", PROJECT_ROOT / "data")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("LEADHUB_DATABASE_URL") or f"sqlite:///{data_dir / 'leadhub.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=normalise_database_url(database_url),
        secret_key=_secret_key(data_dir),
        redis_url=os.environ.get("LEADHUB_REDIS_URL") or None,
        session_hours=int(os.environ.get("LEADHUB_SESSION_HOURS", "12")),
        app_url=os.environ.get("LEADHUB_APP_URL", "http://127.0.0.1:3000"),
        db_pool_size=_int_env("LEADHUB_DB_POOL_SIZE", 10),
        db_max_overflow=_int_env("LEADHUB_DB_MAX_OVERFLOW", 20),
        db_pool_timeout=float(_int_env("LEADHUB_DB_POOL_TIMEOUT", 10)),
        db_pool_recycle=_int_env("LEADHUB_DB_POOL_RECYCLE", 1800),
        db_connect_timeout=_int_env("LEADHUB_DB_CONNECT_TIMEOUT", 5),
        notification_lease_seconds=max(11, _int_env("LEADHUB_NOTIFICATION_LEASE_SECONDS", 120)),
    )
