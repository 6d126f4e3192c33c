"""Request body limits and an unreachable database, over real HTTP: LeadHub's routes served by
granian in another process (as in production), on their own databases.

- /api/v1 refuses bodies over its limit with 413 in the API's one error shape, whether the
  client declares the size (Content-Length) or streams it (chunked): nothing is stored, and a
  body under the limit still works. Imports have a limit of their own.
- The public form endpoint answers a submission with 503 and Retry-After while PostgreSQL is
  down (our own server, stopped) or unreachable (a closed port), stores nothing of it, and
  takes the same submission once the server is back.
"""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import text
from sqlmodel import Session

from leadhub.services import api_keys, auth, forms, migrations
from leadhub.services.context import TeamContext
from leadhub.services.db import engine_for
from tests.faults.conftest import empty_database, free_port, process_env


def _team_and_form(url: str) -> tuple[str, str]:
    """A team with a form and an admin API key: (form key, API token)."""
    with Session(engine_for(url)) as session:
        team, admin = auth.sign_up(session=session, team_name="Límites Ventas", email="admin@limites.es",
                                   password="limites-pass-1", timezone="Europe/Madrid", currency="EUR")
        ctx = TeamContext(team.id, admin.id, "admin")
        form = forms.save_form(session=session, ctx=ctx, data={
            "name": "Contacto", "fields": [{"name": "last_name"}, {"name": "email", "required": True}]})
        _, token = api_keys.create_key(session=session, ctx=ctx, name="Zapier", role="admin")
        session.commit()
        return form.key, token


def _sqlite(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'leadhub.db'}"
    migrations.upgrade(url)
    return url


def _request(port: int, method: str, path: str, body=None, headers=None) -> tuple[int, dict, bytes]:
    """One request; `body` may be an iterator of bytes (sent chunked, no Content-Length)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {},
                     encode_chunked=body is not None and not isinstance(body, (bytes, str)))
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def _leads(url: str) -> list[str]:
    with engine_for(url).connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT last_name FROM lead ORDER BY id"))]


def test_api_bodies_over_the_limit_get_413_declared_or_streamed(tmp_path, processes):
    url = _sqlite(tmp_path)
    _, token = _team_and_form(url)
    app = processes.api(process_env(database_url=url, data_dir=tmp_path / "data",
                                    LEADHUB_API_MAX_BODY_KB="64", LEADHUB_API_MAX_IMPORT_MB="1"))
    auth_json = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def lead(last_name: str, padding: int = 0) -> bytes:
        return json.dumps({"last_name": last_name, "description": "x" * padding}).encode()

    status, _, body = _request(app.port, "POST", "/api/v1/leads", lead("Pequeño"), auth_json)
    assert status == 201, body

    # declared too large: refused before the route runs (nothing is read, nothing stored)
    status, headers, body = _request(app.port, "POST", "/api/v1/leads", lead("Grande", 70_000), auth_json)
    assert status == 413, body
    error = json.loads(body)["error"]
    assert error["type"] == "TooLarge" and "64 KB" in error["message"] and error["field_errors"] == {}
    assert headers["content-type"] == "application/json"

    # streamed (chunked, no Content-Length): cut off once past the limit
    def chunks():
        yield b'{"last_name": "Troceado", "description": "'
        for _ in range(40):
            yield b"y" * 4096
        yield b'"}'
    status, headers, body = _request(app.port, "POST", "/api/v1/leads", chunks(), auth_json)
    assert status == 413, body
    assert "content-length" not in headers or int(headers["content-length"]) == len(body)
    assert json.loads(body)["error"]["type"] == "TooLarge"

    # a chunked body under the limit is fine
    def small():
        yield '{"last_name": "Troceado pequeño"}'.encode()
    status, _, body = _request(app.port, "POST", "/api/v1/leads", small(), auth_json)
    assert status == 201, body

    # an unauthenticated oversized body is refused the same way (no route, no key check)
    status, _, body = _request(app.port, "POST", "/api/v1/leads", lead("Anónimo", 70_000),
                               {"Content-Type": "application/json"})
    assert status == 413 and json.loads(body)["error"]["type"] == "TooLarge"

    # CSV imports have their own, larger limit
    csv = "last_name,email\n" + "".join(f"Importado {i},imp{i}@acme.es\n" for i in range(5000))   # ~150 KB
    status, _, body = _request(app.port, "POST", "/api/v1/imports",
                               json.dumps({"content": csv, "duplicates": "skip"}).encode(), auth_json)
    assert status == 202, body
    huge = "last_name,email\n" + "".join(f"Importado {i},imp{i}@acme.es\n" for i in range(40000))  # ~1.2 MB
    status, _, body = _request(app.port, "POST", "/api/v1/imports",
                               json.dumps({"content": huge, "duplicates": "skip"}).encode(), auth_json)
    assert status == 413 and "1 MB" in json.loads(body)["error"]["message"]

    assert sorted(_leads(url)) == ["Pequeño", "Troceado pequeño"]


def test_the_form_endpoint_refuses_a_streamed_oversized_submission(tmp_path, processes):
    url = _sqlite(tmp_path)
    key, _ = _team_and_form(url)
    app = processes.api(process_env(database_url=url, data_dir=tmp_path / "data"))

    def chunks():
        yield urlencode({"_t": forms.fill_token(key, time.time() - 10), "last_name": "Largo",
                         "email": "largo@acme.es", "description": ""}).encode()
        for _ in range(20):
            yield b"x" * 4096
    status, _, body = _request(app.port, "POST", f"/api/forms/{key}/submit", chunks(),
                               {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
    assert status == 413, body
    assert json.loads(body)["error"]["type"] == "TooLarge"
    assert _leads(url) == []


def _submit(port: int, key: str, last_name: str, *, as_json: bool = True) -> tuple[int, dict, bytes]:
    values = {"_t": forms.fill_token(key, time.time() - 10), "last_name": last_name,
              "email": f"{last_name.lower()}@acme.es"}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if as_json:
        headers["Accept"] = "application/json"
    return _request(port, "POST", f"/api/forms/{key}/submit", urlencode(values).encode(), headers)


def test_a_submission_while_postgresql_is_down_gets_503_and_is_not_stored(tmp_path, own_postgres, processes):
    empty_database(own_postgres.url)
    key, _ = _team_and_form(own_postgres.url)
    app = processes.api(process_env(database_url=own_postgres.url, data_dir=tmp_path / "data",
                                    LEADHUB_DB_CONNECT_TIMEOUT="2"))
    assert _submit(app.port, key, "Antes")[0] == 200       # the form is cached, the pool holds a connection
    own_postgres.stop("fast")
    try:
        status, headers, body = _submit(app.port, key, "Durante")
        assert status == 503, body
        assert int(headers["retry-after"]) > 0 and headers["cache-control"] == "no-store"
        error = json.loads(body)["error"]
        assert error["type"] == "ServiceUnavailable" and "try again" in error["message"]
        status, headers, body = _submit(app.port, key, "Durante", as_json=False)   # the HTML form post
        assert status == 503 and int(headers["retry-after"]) > 0
        assert headers["content-type"].startswith("text/html") and b"try again" in body
    finally:
        own_postgres.start()
    assert _submit(app.port, key, "Durante")[0] == 200     # sent again once the server is back
    assert _leads(own_postgres.url) == ["Antes", "Durante"]
    with engine_for(own_postgres.url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM form_submission")).scalar() == 2
        assert conn.execute(text("SELECT count(*) FROM domain_event WHERE name = 'FormSubmitted'")).scalar() == 2


@pytest.mark.parametrize("as_json", [True, False])
def test_an_unreachable_database_gets_503_for_the_page_and_the_submission(tmp_path, processes, as_json):
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"    # nothing listens there
    app = processes.api(process_env(database_url=closed, data_dir=tmp_path / "data",
                                    LEADHUB_DB_CONNECT_TIMEOUT="2"))
    key = "AbCdEfGhIjKlMnOpQrStUvWx"
    status, headers, body = _submit(app.port, key, "Nadie", as_json=as_json)
    assert status == 503 and int(headers["retry-after"]) > 0, body
    status, headers, _ = _request(app.port, "GET", f"/api/forms/{key}")
    assert status == 503 and int(headers["retry-after"]) > 0
