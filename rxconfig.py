"""Reflex configuration: everything environment-specific comes from LEADHUB_* variables."""

import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from leadhub.config import get_settings

settings = get_settings()


def _same_machine_origins(url: str) -> list[str]:
    """The app's own origin, under both names of the loopback host."""
    origins = [url.rstrip("/")]
    for a, b in (("//127.0.0.1", "//localhost"), ("//localhost", "//127.0.0.1")):
        if a in url:
            origins.append(url.rstrip("/").replace(a, b))
    return origins


config = rx.Config(
    app_name="leadhub",
    db_url=settings.database_url,
    redis_url=os.environ.get("REFLEX_REDIS_URL") or settings.redis_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # The app's own pages and API are same-origin; public form origins get their own
    # per-route CORS in the form endpoint.
    cors_allowed_origins=[o for o in os.environ.get("LEADHUB_CORS_ORIGINS", "").split(",") if o]
    or _same_machine_origins(settings.app_url),
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[SitemapPlugin],
)
