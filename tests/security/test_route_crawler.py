"""Every HTTP route of the app, called with team A's credentials (an admin API key and an admin's
session cookie) and the ids of team B's records — in the path, the query string and every id
field of the documented request bodies: never a 2xx for B's record, never a 500, never B's data
in the answer, no row of B changed and nothing of A linked to B.

Routes are found by walking the app (mounted apps and included routers too). Each must be
classified in ROUTE_KINDS, so a new route fails here until someone decides what protects it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import Mount

from leadhub.services import auth, emails, imports, tasks
from tests.api.v1_support import bearer, make_key
from tests.conftest import TeamFixture
from tests.security.seed import MARKER, cross_team_links, seed_team_b, snapshot

# path → what protects it
API_KEY = "api key"              # /api/v1: the bearer key's team
SESSION = "session"              # the browser's session cookie, checked in the database
SECRET_TOKEN = "secret token"    # public by design; an unguessable token is the only key
PUBLIC = "public"                # nothing private in it
SIGNED = "signed"                # only our own processes, with an HMAC of the server's secret key
ROUTE_KINDS: dict[str, str] = {
    "/api/health": PUBLIC,
    "/api/health/workers": PUBLIC,
    "/api/documents/{document_id}": SESSION,
    "/api/leads/export.csv": SESSION,
    "/api/imports/{job_id}/errors.csv": SESSION,
    "/api/e/inbound": API_KEY,          # replies forwarded by a mail service, with a team key
    "/api/e/o/{token}.gif": SECRET_TOKEN,
    "/api/e/c/{token}": SECRET_TOKEN,
    "/api/e/u/{token}": SECRET_TOKEN,
    "/api/forms/{key}": SECRET_TOKEN,
    "/api/forms/{key}/embed.js": SECRET_TOKEN,
    "/api/forms/{key}/submit": SECRET_TOKEN,
    "/api/internal/team-signal": SIGNED,
    "/api/v1/openapi.json": PUBLIC,
    "/api/v1/docs": PUBLIC,
    "/api/v1/docs/oauth2-redirect": PUBLIC,
}
ALWAYS_OK = {PUBLIC}
# Secret-token routes answer every unknown token the same harmless way (the pixel is always a GIF).
UNKNOWN_TOKEN_OK = {("GET", "/api/e/o/{token}.gif"), ("OPTIONS", "/api/forms/{key}/submit")}
# An id name → the kind of B's record it names (ids of other kinds may be A's own records).
KIND_OF_ID = {"lead_id": "lead", "contact_id": "contact", "account_id": "account", "deal_id": "deal",
              "outreach_id": "outreach", "activity_id": "activity", "import_id": "import_job",
              "job_id": "import_job", "key_id": "api_key", "webhook_id": "webhook", "document_id": "document",
              "campaign_id": "campaign"}
USER_IDS = ("owner_id", "user_id")
LIST_QUERY_IDS = ("owner_id", "user_id", "lead_id", "contact_id", "account_id", "deal_id")


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every route the app serves besides Reflex's own (the app module adds
    routers of its own to `api`, so it is imported first)."""
    import leadhub.leadhub  # noqa: F401
    from leadhub.api import api

    def walk(app, prefix=""):
        for route in app.routes:
            if isinstance(route, Mount):
                yield from walk(route.app, prefix + route.path)
            elif hasattr(route, "original_router"):   # FastAPI's include_router
                yield from walk(route.original_router, prefix + route.include_context.prefix)
            else:
                for method in sorted(getattr(route, "methods", None) or ["GET"]):
                    if method != "HEAD":
                        yield method, prefix + route.path

    return sorted(set(walk(api)))


def kind_of(path: str) -> str | None:
    if path in ROUTE_KINDS:
        return ROUTE_KINDS[path]
    if path.startswith("/api/v1/"):
        return API_KEY
    return None


def test_every_route_is_classified():
    routes = app_routes()
    unknown = sorted({p for _, p in routes if kind_of(p) is None})
    assert unknown == [], f"classify these routes in ROUTE_KINDS (what protects them?): {unknown}"
    stale = sorted(set(ROUTE_KINDS) - {p for _, p in routes})
    assert stale == [], f"ROUTE_KINDS names routes that no longer exist: {stale}"
    assert len(routes) > 50


def _example(name: str, schema: dict, schemas: dict, value: int) -> Any:
    """A plausible value for a body property (ids: B's id)."""
    if "$ref" in schema:
        return _body(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas, value, required_only=True)
    options = schema.get("anyOf") or schema.get("allOf")
    if options:
        return _example(name, next(o for o in options if o.get("type") != "null"), schemas, value)
    if name.endswith("_id"):
        return value
    if "enum" in schema:
        return "email" if "email" in schema["enum"] else schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer" or kind == "number":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "boolean":
        return True
    if kind == "array":
        return ["lead.created"] if name == "events" else []
    if kind == "object":
        return {}
    if "email" in name:
        return "crawl@acme.es"
    if name == "url":
        return "https://example.com/crawl"
    if name in ("occurred_at", "due_at") or schema.get("format") == "date-time":
        return "2026-01-05T10:00:00Z"
    if name == "content":
        return "last_name,email\nCrawl,crawl@acme.es\n"
    if name == "type":
        return "email"
    if name == "role":
        return "rep"
    return "Crawl"


def _body(schema: dict, schemas: dict, value: int, required_only: bool = False) -> dict:
    names = schema.get("required", []) if required_only else list(schema.get("properties", {}))
    return {n: _example(n, schema["properties"][n], schemas, value) for n in names}


def request_bodies(operation: dict, schemas: dict, value: int) -> list[dict | None]:
    """The required fields, plus one of the body's id fields at a time set to B's id."""
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    if not content:
        return [None]
    ref = content["schema"].get("$ref", "")
    schema = schemas[ref.rsplit("/", 1)[-1]] if ref else content["schema"]
    base = _body(schema, schemas, value, required_only=True)
    if "email" in schema.get("properties", {}):
        base["email"] = "crawl@acme.es"
    bodies = [base]
    for name, prop in schema.get("properties", {}).items():
        if name.endswith("_id") or "$ref" in prop or any("$ref" in o for o in prop.get("anyOf", [])):
            bodies.append({**base, name: _example(name, prop, schemas, value)})
    return bodies


@pytest.fixture
def world(client, session, monkeypatch, tmp_path):
    monkeypatch.setattr(tasks, "enqueue_after_commit", lambda **ids: None)
    monkeypatch.setattr(imports, "_enqueue_after_commit", lambda *args: None)
    monkeypatch.setattr(emails, "_enqueue_after_commit", lambda s: s.info.pop("leadhub.emails.deliver", None))
    from leadhub.api.v1 import deps
    monkeypatch.setattr(deps, "limiter", deps.api_keys.RateLimiter(per_minute=10**9))
    b = seed_team_b(session, monkeypatch)
    a = TeamFixture(session, "Acme Ventas")
    key = make_key(session, a)
    token, _ = auth.login(session=session, email=a.admin.email, password="admin-pass-1")
    session.commit()
    client.cookies.set("leadhub_session", token)
    return a, b, bearer(key)


def _fill(path: str, value: int) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


def test_team_a_reaches_nothing_of_team_b_through_any_route(world, client, session):
    a, b, headers = world
    a_key_id = _own_key_id(client, headers)
    schemas = client.get("/api/v1/openapi.json").json()
    operations = schemas["paths"]
    components = schemas["components"]["schemas"]
    before = snapshot(session, b.team.team.id)
    problems: list[str] = []
    calls = 0
    for method, path in app_routes():
        kind = kind_of(path)
        operation = operations.get(path.removeprefix("/api/v1"), {}).get(method.lower(), {}) \
            if kind == API_KEY else {}
        for value in b.id_values:
            if path == "/api/v1/api-keys/{key_id}" and value == a_key_id:
                continue  # A may revoke its own key; the crawl needs it
            url = _fill(path, value)
            queries: list[dict] = [{}]
            if method == "GET" and "{" not in path:
                queries.append({name: value for name in LIST_QUERY_IDS if kind != API_KEY or any(
                    p["name"] == name for p in operation.get("parameters", []))})
                if path == "/api/leads/export.csv":
                    queries.append({"ids": ",".join(str(v) for v in b.id_values)})
            for query in queries:
                for body in request_bodies(operation, components, value) if operation else [None]:
                    answer = client.request(method, url, params=query or None, json=body, headers=headers)
                    calls += 1
                    what = f"{method} {url} {query or ''} {body or ''} → {answer.status_code}"
                    text = answer.content.decode("utf-8", "replace").lower()
                    expected_failure = (kind == PUBLIC and answer.status_code == 503) or (   # no worker here
                        answer.status_code == 502 and '"deliveryfailed"' in text)   # A's own webhook is unreachable
                    if answer.status_code >= 500 and not expected_failure:
                        problems.append(f"{what}: server error {text[:200]}")
                    if MARKER in text:
                        at = text.find(MARKER)
                        problems.append(f"{what}: shows B's data …{text[max(0, at - 100):at + 60]}…")
                    names = [*re.findall(r"\{([^}]+)\}", path), *(k for k in (body or {}) if k.endswith("_id")),
                             *query]
                    refers_to_b = any(_is_bs(b, name, value) for name in names)
                    if kind == SIGNED and answer.status_code < 400:
                        problems.append(f"{what}: accepted without the server's signature")
                    if (refers_to_b and kind != PUBLIC and answer.status_code < 300
                            and (method, path) not in UNKNOWN_TOKEN_OK and not _list_without_b(answer, query)):
                        problems.append(f"{what}: accepted an id of team B")
    after = snapshot(session, b.team.team.id)
    changed = [t for t in after if after[t] != before[t]]
    assert problems == [], "\n".join(problems)
    assert changed == [], f"rows of team B changed in {changed}"
    assert cross_team_links(session) == []
    assert calls > 300
    assert client.get("/api/v1/me", headers=headers).status_code == 200   # A stayed signed in throughout


def _own_key_id(client, headers) -> int:
    keys = client.get("/api/v1/api-keys", headers=headers).json()
    keys = keys["data"] if isinstance(keys, dict) else keys
    return max(k["id"] for k in keys)


def _is_bs(b, name: str, value: int) -> bool:
    """Whether `value` under `name` is the id of one of B's records (and not maybe one of A's)."""
    if name in USER_IDS:
        return value in (b.ids["admin"], b.ids["manager"], b.ids["rep"], b.ids["rep2"])
    kind = KIND_OF_ID.get(name)
    return kind is not None and b.ids.get(kind) == value


def _list_without_b(answer, query) -> bool:
    """A list filtered on B's ids may answer 200 with nothing in it."""
    if not query or not answer.headers.get("content-type", "").startswith(("application/json", "text/csv")):
        return False
    if answer.headers["content-type"].startswith("text/csv"):
        return len(answer.text.strip().splitlines()) <= 1
    data = answer.json()
    return isinstance(data, dict) and data.get("data") == []


def test_the_route_crawl_sees_team_b_with_bs_own_key(world, client, session):
    """B's own key on the same routes gets B's records: the checks above can fail."""
    _, b, _ = world
    headers = bearer(b.api_token)
    answer = client.get(f"/api/v1/leads/{b.ids['lead']}", headers=headers)
    assert answer.status_code == 200 and MARKER in answer.text.lower()
    client.cookies.clear()
    token, _ = auth.login(session=session, email=b.team.admin.email, password="admin-pass-1")
    session.commit()
    client.cookies.set("leadhub_session", token)
    answer = client.get(f"/api/documents/{b.ids['document']}")
    assert answer.status_code == 200 and MARKER in answer.text.lower()
