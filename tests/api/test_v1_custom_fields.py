"""Custom fields through /api/v1/leads: values are checked by the field's type, unknown keys are
refused by name with the team's keys, a removed field's values are hidden but kept, and the
OpenAPI document says all of it."""

import pytest
from sqlmodel import func, select

from leadhub.services import custom_fields
from leadhub.services.models import Lead
from tests.api.v1_support import bearer, make_key, outbox  # noqa: F401


@pytest.fixture
def fields(session, team_a):
    made = {}
    for label, kind, options, required in (
            ("Region", "picklist", ["North", "South"], True), ("Employees", "number", None, False),
            ("Start date", "date", None, False), ("Newsletter", "checkbox", None, False),
            ("Landing page", "url", None, False), ("Comentario", "text", None, False)):
        made[label] = custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label=label, type=kind,
                                                 options=options, required=required)
    session.commit()
    return made


@pytest.fixture
def h(session, team_a, outbox):
    return bearer(make_key(session, team_a))


def _errors(answer) -> dict[str, str]:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["type"] == "ValidationFailed" and error["message"]
    return error["field_errors"]


def _count(session) -> int:
    return session.exec(select(func.count()).select_from(Lead)).one()


def test_values_are_checked_by_type_and_stored_normalised(session, client, h, fields):
    assert [f["key"] for f in client.get("/api/v1/leads/fields", headers=h).json()] == [
        "region", "employees", "start_date", "newsletter", "landing_page", "comentario"]
    assert client.get("/api/v1/leads/fields", headers=h).json()[0] == {
        "key": "region", "label": "Region", "type": "picklist", "options": ["North", "South"], "required": True}

    assert _errors(client.post("/api/v1/leads", headers=h, json={"last_name": "Ruiz"})) == {
        "custom_fields.region": "This field is required."}
    errors = _errors(client.post("/api/v1/leads", headers=h, json={"last_name": "Ruiz", "custom_fields": {
        "region": "East", "employees": "many", "start_date": "2026-13-45", "newsletter": "maybe",
        "landing_page": "not a web address"}}))
    assert errors == {
        "custom_fields.region": "Choose one of: North, South.",
        "custom_fields.employees": "Enter a number, e.g. 42 or 3,5.",
        "custom_fields.start_date": "Enter a date like 2026-03-29.",
        "custom_fields.newsletter": "Use yes or no.",
        "custom_fields.landing_page": "Enter a web address such as https://example.com."}
    assert set(_errors(client.post("/api/v1/leads", headers=h, json={
        "last_name": "Ruiz", "custom_fields": {"region": "North", "employees": True}}))) == {"custom_fields.employees"}
    assert set(_errors(client.post("/api/v1/leads", headers=h, json={
        "last_name": "Ruiz", "custom_fields": {"region": "North", "comentario": "x" * 256}}))) == {"custom_fields.comentario"}
    assert _errors(client.post("/api/v1/leads", headers=h, json={
        "last_name": "Ruiz", "custom_fields": {"region": ["North"]}})) == {
        "custom_fields.region": "Use text, a number, true/false or null."}
    assert _count(session) == 0

    created = client.post("/api/v1/leads", headers=h, json={"last_name": "Ruiz", "custom_fields": {
        "region": "north", "employees": "3,5", "start_date": "29/03/2026", "newsletter": True,
        "landing_page": "acme.es/landing?utm_source=x", "comentario": "  Llamar después de las 17 h  "}})
    assert created.status_code == 201, created.text
    expected = {"region": "North", "employees": 3.5, "start_date": "2026-03-29", "newsletter": True,
                "landing_page": "https://acme.es/landing?utm_source=x", "comentario": "Llamar después de las 17 h"}
    assert created.json()["custom_fields"] == expected
    lead_id = created.json()["id"]
    assert client.get(f"/api/v1/leads/{lead_id}", headers=h).json()["custom_fields"] == expected
    assert client.get("/api/v1/leads", headers=h).json()["data"][0]["custom_fields"] == expected


def test_patch_changes_only_the_keys_sent_and_null_clears(session, client, h, fields):
    lead_id = client.post("/api/v1/leads", headers=h, json={"last_name": "Ruiz", "custom_fields": {
        "region": "South", "employees": 40, "newsletter": True}}).json()["id"]
    answer = client.patch(f"/api/v1/leads/{lead_id}", headers=h, json={"custom_fields": {
        "employees": 41, "newsletter": False, "start_date": "2026-05-04"}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["custom_fields"] == {"region": "South", "employees": 41, "newsletter": False,
                                              "start_date": "2026-05-04"}
    answer = client.patch(f"/api/v1/leads/{lead_id}", headers=h, json={"custom_fields": {"start_date": None}})
    assert "start_date" not in answer.json()["custom_fields"]
    # a required field cannot be cleared; a bad value changes nothing
    assert _errors(client.patch(f"/api/v1/leads/{lead_id}", headers=h, json={"custom_fields": {"region": None}})) == {
        "custom_fields.region": "This field is required."}
    assert set(_errors(client.patch(f"/api/v1/leads/{lead_id}", headers=h, json={
        "first_name": "Ana", "custom_fields": {"employees": "lots"}}))) == {"custom_fields.employees"}
    stored = client.get(f"/api/v1/leads/{lead_id}", headers=h).json()
    assert stored["first_name"] == "" and stored["custom_fields"]["employees"] == 41
    # a PATCH without custom_fields leaves them alone
    client.patch(f"/api/v1/leads/{lead_id}", headers=h, json={"city": "Sevilla"})
    assert client.get(f"/api/v1/leads/{lead_id}", headers=h).json()["custom_fields"]["region"] == "South"


def test_unknown_keys_are_refused_by_name_with_the_teams_keys(session, client, h, fields, team_b):
    answer = client.post("/api/v1/leads", headers=h, json={"last_name": "Ruiz", "custom_fields": {
        "region": "North", "colour": "red"}})
    errors = _errors(answer)
    assert errors == {"custom_fields.colour": "Unknown custom field. This team's custom fields: region, "
                                              "employees, start_date, newsletter, landing_page, comentario."}
    assert "colour" in answer.json()["error"]["message"] and "/api/v1/leads/fields" in answer.json()["error"]["message"]
    # another team's keys are unknown to a key of this team
    other = bearer(make_key(session, team_b))
    errors = _errors(client.post("/api/v1/leads", headers=other, json={"last_name": "X", "custom_fields": {"region": "North"}}))
    assert errors == {"custom_fields.region": "Unknown custom field. This team's custom fields: none."}
    assert client.get("/api/v1/leads/fields", headers=other).json() == []
    assert _count(session) == 0


def test_a_removed_field_is_hidden_but_kept_and_comes_back_on_restore(session, client, h, fields, team_a):
    lead_id = client.post("/api/v1/leads", headers=h, json={"last_name": "Ruiz", "custom_fields": {
        "region": "North", "employees": 12}}).json()["id"]
    custom_fields.remove_field(session=session, ctx=team_a.admin_ctx, field_id=fields["Employees"].id)
    session.commit()
    assert client.get(f"/api/v1/leads/{lead_id}", headers=h).json()["custom_fields"] == {"region": "North"}
    assert "employees" not in [f["key"] for f in client.get("/api/v1/leads/fields", headers=h).json()]
    errors = _errors(client.patch(f"/api/v1/leads/{lead_id}", headers=h, json={"custom_fields": {"employees": 99}}))
    assert errors == {"custom_fields.employees": "This custom field was removed by an admin; it cannot be set."}
    # editing other values keeps the hidden one in the database
    answer = client.patch(f"/api/v1/leads/{lead_id}", headers=h, json={"custom_fields": {"region": "South"}})
    assert answer.json()["custom_fields"] == {"region": "South"}
    session.expire_all()
    assert session.get(Lead, lead_id).custom_fields == {"region": "South", "employees": 12}
    custom_fields.restore_field(session=session, ctx=team_a.admin_ctx, field_id=fields["Employees"].id)
    session.commit()
    assert client.get(f"/api/v1/leads/{lead_id}", headers=h).json()["custom_fields"] == {"region": "South", "employees": 12}


def test_openapi_documents_custom_fields(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/leads/fields" in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert "GET /leads/fields" in schemas["LeadCreate"]["properties"]["custom_fields"]["description"]
    assert "removed fields" in schemas["LeadRead"]["properties"]["custom_fields"]["description"]
    assert set(schemas["LeadFieldRead"]["properties"]["type"]["enum"]) == set(custom_fields.FIELD_TYPES)
    create = spec["paths"]["/leads"]["post"]["description"]
    assert "**Custom fields.**" in create and "refused (**422**" in create
    assert "**Custom fields.**" in spec["paths"]["/leads/{lead_id}"]["patch"]["description"]
