"""v1 validation: unknown fields and bad values are refused with 422 and a message per field,
never dropped and never a 500; duplicates are a 409 with the matches unless the caller says
what to do; the OpenAPI document describes exactly the v1 routes."""

import pytest
from sqlmodel import func, select

from leadhub.services import custom_fields
from leadhub.services.models import Lead
from tests.api.v1_support import bearer, make_key, outbox  # noqa: F401


@pytest.fixture
def h(session, team_a, outbox):
    return bearer(make_key(session, team_a))


def _fields(answer) -> dict[str, str]:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["type"] == "ValidationFailed" and error["message"]
    assert all(isinstance(v, str) and v for v in error["field_errors"].values())
    return error["field_errors"]


def test_unknown_fields_are_refused_by_name(client, h):
    assert _fields(client.post("/api/v1/leads", headers=h, json={"last_name": "X", "nickname": "x", "team_id": 2})) == {
        "nickname": "Unknown field.", "team_id": "Unknown field."}
    assert _fields(client.post("/api/v1/accounts", headers=h, json={"name": "X", "id": 7})) == {"id": "Unknown field."}
    assert _fields(client.patch("/api/v1/leads/1", headers=h, json={"score": 99})) == {"score": "Unknown field."}
    assert _fields(client.post("/api/v1/leads/1/convert", headers=h, json={"deal": {"colour": "red"}})) == {
        "deal.colour": "Unknown field."}
    assert _fields(client.get("/api/v1/leads", headers=h, params={"colour": "red"})) == {"colour": "Unknown field."}
    for path in ("outreach", "contacts", "deals", "activities", "webhooks", "api-keys"):
        assert "bogus" in _fields(client.post(f"/api/v1/{path}", headers=h, json={"bogus": 1})), path


def test_bad_values_get_field_errors(session, client, h, team_a):
    fields = _fields(client.post("/api/v1/leads", headers=h, json={
        "last_name": "", "email": "not-an-email", "status": "Converted", "rating": "Lukewarm",
        "budget": -5, "owner_id": "abc", "phone": 12345}))
    assert set(fields) == {"last_name", "status", "rating", "budget", "owner_id", "phone"}
    # values only the service can judge come back per field too
    fields = _fields(client.post("/api/v1/leads", headers=h, json={
        "last_name": "Ok", "email": "not-an-email", "phone": "12", "website": "nope", "owner_id": 999999}))
    assert set(fields) == {"email", "phone", "website", "owner_id"}
    assert _fields(client.post("/api/v1/leads", headers=h, json={"last_name": "a\x00b"})) == {
        "last_name": "Text cannot contain NUL characters."}
    assert set(_fields(client.post("/api/v1/leads", headers=h, json={"last_name": "X", "budget": "1e400"})))
    assert set(_fields(client.post("/api/v1/leads", headers=h, json={"last_name": "X", "budget": "12.345"}))) == {"budget"}
    assert set(_fields(client.post("/api/v1/leads", headers=h, json={"last_name": "X", "owner_id": 2**40}))) == {"owner_id"}
    assert set(_fields(client.post("/api/v1/leads", headers=h, json={"last_name": "X", "owner_id": True}))) == {"owner_id"}
    assert set(_fields(client.post("/api/v1/leads", headers=h, json={"last_name": "X", "custom_fields": {"a": [1]}})))
    assert _fields(client.get(f"/api/v1/leads/{2**40}", headers=h)) == {"lead_id": "Input should be less than or equal to 2147483647"}
    assert set(_fields(client.get("/api/v1/leads", headers=h, params={"limit": 0, "status": "Nope"}))) == {"limit", "status"}
    assert set(_fields(client.get("/api/v1/leads", headers=h, params={"updated_since": "2026-01-01T10:00:00"}))) == {
        "updated_since"}                                    # a time needs its zone
    assert set(_fields(client.post("/api/v1/outreach", headers=h, json={
        "type": "email", "description": "x", "occurred_at": "2026-01-05 10:00"}))) == {"occurred_at"}
    fields = _fields(client.post("/api/v1/outreach", headers=h, json={
        "type": "email", "description": "x", "occurred_at": "2026-01-05T10:00:00Z", "phone": "+34612345678"}))
    assert set(fields) == {"email", "phone"}                # e-mail missing, phone not used for e-mail
    fields = _fields(client.post("/api/v1/outreach", headers=h, json={
        "type": "call", "description": "x", "occurred_at": "2099-01-05T10:00:00Z", "phone": "+34612345678"}))
    assert set(fields) == {"occurred_at"}
    assert set(_fields(client.post("/api/v1/deals", headers=h, json={"name": "D", "currency": "euro",
                                                                     "probability": 140}))) == {"currency", "probability"}
    assert set(_fields(client.post("/api/v1/webhooks", headers=h, json={
        "url": "http://10.0.0.1/hook", "events": ["lead.deleted"]}))) == {"events.0"}
    assert set(_fields(client.post("/api/v1/webhooks", headers=h, json={
        "url": "http://10.0.0.1/hook", "events": ["lead.created"]}))) == {"url"}
    answer = client.post("/api/v1/leads", headers={**h, "Content-Type": "application/json"}, content=b"{not json")
    assert _fields(answer)
    assert _fields(client.post("/api/v1/leads", headers=h, json=["last_name"]))
    assert session.exec(select(func.count()).select_from(Lead)).one() == 0


def test_team_lead_rules_apply_to_the_api(session, client, h, team_a):
    custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Region", type="picklist",
                            options=["North", "South"], required=True)
    session.commit()
    fields = _fields(client.post("/api/v1/leads", headers=h, json={"last_name": "X"}))
    assert set(fields) == {"custom_fields.region"}
    fields = _fields(client.post("/api/v1/leads", headers=h, json={"last_name": "X", "custom_fields": {"region": "East"}}))
    assert set(fields) == {"custom_fields.region"}
    answer = client.post("/api/v1/leads", headers=h, json={"last_name": "X", "custom_fields": {"region": "north"}})
    assert answer.status_code == 201 and answer.json()["custom_fields"] == {"region": "North"}


def test_duplicates_are_a_409_with_matches_unless_the_caller_decides(client, h):
    first = client.post("/api/v1/leads", headers=h, json={
        "first_name": "Ana", "last_name": "García", "company": "Acme", "email": "ana@acme.es"}).json()
    answer = client.post("/api/v1/leads", headers=h, json={"last_name": "Otra", "email": " ANA@acme.es"})
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["type"] == "DuplicateLead" and error["matches"][0]["id"] == first["id"]
    assert "email" in error["matches"][0]["kinds"] and error["matches"][0]["reasons"]
    assert client.get("/api/v1/leads", headers=h).json()["data"] == [first]        # nothing written

    updated = client.post("/api/v1/leads", headers=h, params={"on_duplicate": "update"},
                          json={"last_name": "García", "email": "ana@acme.es", "city": "Bilbao"})
    assert updated.status_code == 200 and updated.json()["id"] == first["id"]
    assert updated.json()["city"] == "Bilbao" and updated.json()["first_name"] == "Ana"
    created = client.post("/api/v1/leads", headers=h, params={"on_duplicate": "create"},
                          json={"last_name": "García", "email": "ana@acme.es"})
    assert created.status_code == 201 and created.json()["id"] != first["id"]
    assert set(_fields(client.post("/api/v1/leads", headers=h, params={"on_duplicate": "merge"},
                                   json={"last_name": "X"}))) == {"on_duplicate"}

    other = client.post("/api/v1/leads", headers=h, json={"last_name": "Zeta", "email": "z@zeta.es"}).json()
    clash = client.patch(f"/api/v1/leads/{other['id']}", headers=h, json={"email": "ana@acme.es"})
    assert clash.status_code == 409 and clash.json()["error"]["type"] == "DuplicateLead"
    assert client.patch(f"/api/v1/leads/{other['id']}", headers=h, json={"city": "Vigo"}).status_code == 200
    allowed = client.patch(f"/api/v1/leads/{other['id']}", headers=h, params={"on_duplicate": "allow"},
                           json={"email": "ana@acme.es"})
    assert allowed.status_code == 200 and allowed.json()["email"] == "ana@acme.es"
    dupes = client.get(f"/api/v1/leads/{other['id']}/duplicates", headers=h).json()
    assert {d["id"] for d in dupes} == {first["id"], created.json()["id"]}


def test_unknown_routes_and_methods_answer_in_the_same_shape(client, h):
    answer = client.get("/api/v1/nothing-here", headers=h)
    assert answer.status_code == 404 and answer.json()["error"]["type"] == "NotFound"
    answer = client.put("/api/v1/leads", headers=h, json={})
    assert answer.status_code == 405 and answer.json()["error"]["type"] == "MethodNotAllowed"


def test_openapi_documents_exactly_the_v1_routes(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["info"]["title"] == "LeadHub API"
    assert doc["servers"] == [{"url": "/api/v1"}]
    assert all(not path.startswith("/api/") and "documents" not in path for path in doc["paths"])
    assert {"/leads", "/leads/{lead_id}", "/leads/{lead_id}/convert", "/outreach", "/contacts/{contact_id}",
            "/accounts", "/deals/{deal_id}", "/activities", "/api-keys", "/webhooks"} <= set(doc["paths"])
    assert doc["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "lh_…",
        "description": doc["components"]["securitySchemes"]["ApiKey"]["description"]}
    schemas = doc["components"]["schemas"]
    for name in ("LeadCreate", "LeadUpdate", "AccountCreate", "DealCreate", "OutreachCreate", "WebhookCreate"):
        assert schemas[name]["additionalProperties"] is False, name
    create = doc["paths"]["/leads"]["post"]
    assert "on_duplicate" in create["description"] and {"200", "201", "409", "422", "401"} <= set(create["responses"])
    assert create["security"] == [{"ApiKey": []}]
