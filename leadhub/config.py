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
    )
