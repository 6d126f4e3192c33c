"""HTTP routes mounted beside the Reflex app (`rx.App(api_transformer=api)`).

One FastAPI app; each area adds an `APIRouter` in its own module here and one
`api.include_router(...)` line below. Routes are thin adapters over the services: they
resolve the caller with `caller` (the `leadhub_session` cookie, checked in the database on
every request) and translate service errors into one JSON shape with `errors.py`.
Reflex keeps `/ping`, `/_health`, `/_event` and `/_upload`; ours live under `/api/`.
"""

from __future__ import annotations

from fastapi import FastAPI

from leadhub.api import forms, health, imports, lead_files
from leadhub.api import nurturing as nurturing_routes
from leadhub.api.errors import install_error_handlers
from leadhub.api.v1 import v1

api = FastAPI(title="LeadHub", docs_url=None, redoc_url=None, openapi_url=None)
install_error_handlers(api)
api.add_middleware(limits.BodyLimit)  # 413 for /api/v1 bodies over their limit (limits.api_rules)
api.include_router(health.router)  # /api/health, /api/health/workers
api.include_router(lead_files.router)
api.include_router(nurturing_routes.router)  # e-mail opens, clicks, unsubscribe
api.include_router(forms.router)
api.include_router(imports.router)
api.mount("/api/v1", v1)  # the REST API for integrations, with its own OpenAPI document
