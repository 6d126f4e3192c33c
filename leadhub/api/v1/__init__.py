"""LeadHub's REST API for integrations, v1: its own FastAPI application mounted at /api/v1, so
/api/v1/openapi.json documents exactly these routes.

    deps.py      bearer API key → TeamContext, rate limit, one transaction per request
    errors.py    one JSON error shape for every failure
    schemas.py   request and answer models (unknown fields refused)
    leads.py     /leads, duplicates, conversion
    records.py   /outreach, /contacts, /accounts, /deals, /activities
    imports.py   /imports (CSV, through the import service)
    admin.py     /me, /api-keys, /webhooks
"""

from __future__ import annotations

from fastapi import FastAPI

from leadhub.api.v1 import admin, errors, imports, leads, records

DESCRIPTION = """
The records of one team, for integrations (Zapier-style tools, scripts, other systems).

**Authentication.** Every request sends an API key: `Authorization: Bearer lh_…`. Admins create
keys in Settings → API access (or through `/api-keys`); the key is shown once and stored only as
a hash. A key belongs to one team and acts as one member of it (its creator unless another is
chosen) with a role chosen at creation — rep, manager or admin, never above the member's own
role. Demoting or removing the member narrows or stops the key; a revoked key stops at once.
Missing, unknown or revoked keys get **401**; what the role may not do, **403**. Records of
other teams do not exist for a key (**404**). Each key may make `LEADHUB_API_RATE_LIMIT`
requests a minute (default 600), then gets **429** with `Retry-After`.

**Errors** always look like `{"error": {"type", "message", "field_errors"}}`. Unknown fields
and bad values are refused with **422** and a message per field (`field_errors`), never dropped.

**Lists** return `{"data": [...], "next_cursor": "..."}`; pass `cursor=<next_cursor>` (same
filters and `sort`) for the next page, until `next_cursor` is null. `limit` is 1–200 (default
50). Pages never repeat or skip a record while records are added. `updated_since` and
`sort=updated_at` make incremental syncs cheap.

**Times** carry a zone offset (`2026-05-04T09:30:00+02:00` or `…Z`); answers are in UTC.
Money is a decimal string with two places.

**Webhooks** (`/webhooks`) push `lead.created`, `lead.status_changed` and `deal.created`,
signed with `X-LeadHub-Signature: sha256=<HMAC of the body>`.
"""

v1 = FastAPI(title="LeadHub API", version="1.0.0", description=DESCRIPTION,
             openapi_url="/openapi.json", docs_url="/docs", redoc_url=None)
errors.install(v1)
v1.include_router(leads.router)
for router in records.routers:
    v1.include_router(router)
v1.include_router(imports.router)
v1.include_router(admin.router)
