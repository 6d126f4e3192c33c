"""Team isolation: a key of team A never sees, changes or links to team B's records, on any
route — for A every record of B simply does not exist (404), and lists leave them out."""

import pytest
from sqlmodel import select

from leadhub.services import (
    accounts,
    activities,
    contacts,
    deals,
    leads,
    outreach,
    webhooks,
)
from leadhub.services.models import Account, Activity, Contact, Deal, Lead, Outreach
from leadhub.services.webhooks import WebhookEndpoint
from tests.api.v1_support import bearer, make_key, outbox  # noqa: F401


@pytest.fixture
def team_b_records(session, team_b, monkeypatch):
    """One record of every kind in team B, made through the services."""
    monkeypatch.setenv("LEADHUB_WEBHOOKS_ALLOW_PRIVATE", "1")
    ctx = team_b.admin_ctx
    lead = leads.create_lead(session=session, ctx=ctx, data={
        "first_name": "Bea", "last_name": "Beta", "company": "Beta Corp", "email": "bea@beta.mx",
        "phone": "+52 55 1234 5678"})
    touch = outreach.log_outreach(session=session, ctx=ctx, type="email", description="Hola",
                                  occurred_at="2026-01-05 10:00", email="bea@beta.mx", lead_id=lead.id)
    account = accounts.create_account(session=session, ctx=ctx, data={"name": "Beta Corp"})
    contact = contacts.create_contact(session=session, ctx=ctx, data={"last_name": "Beta",
                                                                     "account_id": account.id})
    deal = deals.create_deal(session=session, ctx=ctx, deal_in=deals.DealCreate(name="Beta deal",
                                                                               contact_id=contact.id))
    activity = activities.create_activity(session=session, ctx=ctx, lead_id=lead.id, data={"subject": "Llamar"})
    endpoint, _ = webhooks.create_endpoint(session=session, ctx=ctx, url="http://127.0.0.1:9/hook",
                                           events=["lead.created"])
    session.commit()
    make_key(session, team_b, name="B's key")
    return {"leads": lead.id, "outreach": touch.id, "accounts": account.id, "contacts": contact.id,
            "deals": deal.id, "activities": activity.id, "webhooks": endpoint.id}


def _not_found(answer, what):
    assert answer.status_code == 404, f"{what}: {answer.status_code} {answer.text}"
    assert answer.json()["error"]["type"] == "NotFound", what


PATCHES = {"leads": {"city": "Hackeada"}, "outreach": {"response_status": "positive"},
           "accounts": {"city": "Hackeada"}, "contacts": {"title": "Hackeada"},
           "deals": {"name": "Hackeada"}, "activities": {"subject": "Hackeada"},
           "webhooks": {"enabled": False}}


def test_a_key_of_team_a_never_reads_or_changes_team_b(session, client, team_a, team_b, team_b_records, outbox):
    h = bearer(make_key(session, team_a))                  # an admin key: the widest role
    before = {model: session.exec(select(model)).all() for model in (Lead, Outreach, Account, Contact, Deal, Activity)}
    before_dump = {m: sorted(repr(r.model_dump()) for r in rows) for m, rows in before.items()}

    for path, record_id in team_b_records.items():
        _not_found(client.get(f"/api/v1/{path}/{record_id}", headers=h), f"GET {path}")
        _not_found(client.patch(f"/api/v1/{path}/{record_id}", headers=h, json=PATCHES[path]), f"PATCH {path}")
        _not_found(client.delete(f"/api/v1/{path}/{record_id}", headers=h), f"DELETE {path}")
    _not_found(client.post(f"/api/v1/leads/{team_b_records['leads']}/convert", headers=h, json={}), "convert")
    _not_found(client.get(f"/api/v1/leads/{team_b_records['leads']}/duplicates", headers=h), "duplicates")
    _not_found(client.post(f"/api/v1/webhooks/{team_b_records['webhooks']}/rotate-secret", headers=h), "rotate")
    _not_found(client.post(f"/api/v1/webhooks/{team_b_records['webhooks']}/test", headers=h), "test")
    b_key_id = client.get("/api/v1/api-keys", headers=bearer(make_key(session, team_b))).json()[0]["id"]
    _not_found(client.delete(f"/api/v1/api-keys/{b_key_id}", headers=h), "revoke")

    # lists: nothing of B, also when filtering on B's ids
    for path in ("leads", "outreach", "accounts", "contacts", "deals", "activities"):
        assert client.get(f"/api/v1/{path}", headers=h).json()["data"] == [], path
    for path, params in (("outreach", {"lead_id": team_b_records["leads"]}),
                         ("contacts", {"account_id": team_b_records["accounts"]}),
                         ("deals", {"contact_id": team_b_records["contacts"]}),
                         ("activities", {"lead_id": team_b_records["leads"]}),
                         ("leads", {"search": "beta", "owner_id": team_b.admin.id})):
        assert client.get(f"/api/v1/{path}", headers=h, params=params).json()["data"] == [], path
    assert client.get("/api/v1/webhooks", headers=h).json() == []
    assert {k["name"] for k in client.get("/api/v1/api-keys", headers=h).json()} == {"test admin"}

    # records of A cannot point at B's
    refused = [
        ("leads", {"last_name": "X", "owner_id": team_b.admin.id}),
        ("leads", {"last_name": "X", "outreach_id": team_b_records["outreach"]}),
        ("outreach", {"type": "email", "description": "x", "occurred_at": "2026-01-05T10:00:00Z",
                      "email": "x@y.es", "lead_id": team_b_records["leads"]}),
        ("outreach", {"type": "email", "description": "x", "occurred_at": "2026-01-05T10:00:00Z",
                      "email": "x@y.es", "contact_id": team_b_records["contacts"]}),
        ("outreach", {"type": "email", "description": "x", "occurred_at": "2026-01-05T10:00:00Z",
                      "email": "x@y.es", "user_id": team_b.rep.id}),
        ("contacts", {"last_name": "X", "account_id": team_b_records["accounts"]}),
        ("contacts", {"last_name": "X", "lead_id": team_b_records["leads"]}),
        ("contacts", {"last_name": "X", "outreach_id": team_b_records["outreach"]}),
        ("contacts", {"last_name": "X", "owner_id": team_b.rep.id}),
        ("accounts", {"name": "X", "owner_id": team_b.rep.id}),
        ("deals", {"name": "X", "account_id": team_b_records["accounts"]}),
        ("deals", {"name": "X", "contact_id": team_b_records["contacts"]}),
        ("deals", {"name": "X", "lead_id": team_b_records["leads"]}),
        ("deals", {"name": "X", "outreach_id": team_b_records["outreach"]}),
        ("deals", {"name": "X", "owner_id": team_b.rep.id}),
        ("activities", {"lead_id": team_b_records["leads"], "subject": "x"}),
        ("api-keys", {"name": "x", "user_id": team_b.admin.id}),
    ]
    for path, body in refused:
        answer = client.post(f"/api/v1/{path}", headers=h, json=body)
        assert answer.status_code in (404, 422), f"{path} {body}: {answer.status_code} {answer.text}"
    own = client.post("/api/v1/leads", headers=h, json={"last_name": "Propio"}).json()
    own_contact = client.post("/api/v1/contacts", headers=h, json={"last_name": "Propio"}).json()
    own_deal = client.post("/api/v1/deals", headers=h, json={"name": "Propio"}).json()
    for path, record_id, body in (
            ("leads", own["id"], {"owner_id": team_b.rep.id}),
            ("contacts", own_contact["id"], {"account_id": team_b_records["accounts"]}),
            ("deals", own_deal["id"], {"contact_id": team_b_records["contacts"]})):
        answer = client.patch(f"/api/v1/{path}/{record_id}", headers=h, json=body)
        assert answer.status_code in (404, 422), f"{path}: {answer.status_code} {answer.text}"
    answer = client.post(f"/api/v1/leads/{own['id']}/convert", headers=h,
                         json={"account_mode": "existing", "account_id": team_b_records["accounts"]})
    assert answer.status_code == 422 and "account_id" in answer.json()["error"]["field_errors"]

    # B's lead is no duplicate for A: the matcher only looks inside the team
    same = client.post("/api/v1/leads", headers=h, json={"first_name": "Bea", "last_name": "Beta",
                                                         "company": "Beta Corp", "email": "bea@beta.mx"})
    assert same.status_code == 201, same.text

    session.expire_all()
    for model, dump in before_dump.items():
        rows = session.exec(select(model).where(model.team_id == team_b.team.id)).all()
        assert sorted(repr(r.model_dump()) for r in rows) == dump, model.__name__
    assert session.exec(select(WebhookEndpoint)).one().enabled is True


def test_a_key_of_team_b_sees_its_own_records(session, client, team_a, team_b, team_b_records, outbox):
    h = bearer(make_key(session, team_b, role="rep", user=team_b.rep))
    for path, record_id in team_b_records.items():
        if path != "webhooks":
            assert client.get(f"/api/v1/{path}/{record_id}", headers=h).status_code == 200, path
            assert [r["id"] for r in client.get(f"/api/v1/{path}", headers=h).json()["data"]] == [record_id], path
