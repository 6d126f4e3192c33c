"""Reflex configuration: everything environment-specific comes from LEADHUB_* variables."""

import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from leadhub.config import get_settings

settings = get_settings()

config = rx.Config(
    app_name="leadhub",
    db_url=settings.database_url,
    redis_url=os.environ.get("REFLEX_REDIS_URL") or settings.redis_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # The app's own pages and API are same-origin; public form origins get their own
    # per-route CORS in the form endpoint.
    cors_allowed_origins=[o for o in os.environ.get("LEADHUB_CORS_ORIGINS", "").split(",") if o]
    or [settings.app_url],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[SitemapPlugin],
)
