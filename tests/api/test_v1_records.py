"""v1 CRUD for every record type, and lead conversion, through HTTP with an API key."""

from leadhub.api.v1.schemas import DealRead, LeadRead
from leadhub.services import webhooks
from leadhub.services.models import Account, Contact, Deal, Lead
from tests.api.v1_support import bearer, make_key, outbox  # noqa: F401


def test_leads_create_get_update_delete(session, client, team_a, outbox):
    h = bearer(make_key(session, team_a, role="rep", user=team_a.rep))
    answer = client.post("/api/v1/leads", headers=h, json={
        "first_name": "José", "last_name": "Núñez", "company": "Peña S.L.", "email": " Jose@Pena.ES ",
        "phone": "612 34 56 78", "budget": "12500.5", "rating": "Hot", "lead_source": "Referral"})
    assert answer.status_code == 201, answer.text
    lead = answer.json()
    assert set(lead) == set(LeadRead.model_fields)
    assert lead["email"] == "jose@pena.es" and lead["phone"] == "+34612345678"
    assert lead["budget"] == "12500.50" and lead["status"] == "New" and lead["owner_id"] == team_a.rep.id
    assert lead["created_at"].endswith("Z") or lead["created_at"].endswith("+00:00")

    assert client.get(f"/api/v1/leads/{lead['id']}", headers=h).json() == lead
    changed = client.patch(f"/api/v1/leads/{lead['id']}", headers=h, json={"status": "Contacted", "city": "Sevilla"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "Contacted" and changed.json()["city"] == "Sevilla"
    assert changed.json()["first_name"] == "José"            # untouched fields stay
    assert client.delete(f"/api/v1/leads/{lead['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/leads/{lead['id']}", headers=h).status_code == 404


def test_outreach_contacts_accounts_deals_activities(session, client, team_a, outbox):
    h = bearer(make_key(session, team_a, role="manager", user=team_a.manager))
    lead = client.post("/api/v1/leads", headers=h, json={"last_name": "Ruiz"}).json()

    call = client.post("/api/v1/outreach", headers=h, json={
        "type": "call", "description": "Intro call", "occurred_at": "2026-01-12T10:30:00+01:00",
        "phone": "+34 612 000 111", "call_outcome": "connected", "call_duration_seconds": 300,
        "lead_id": lead["id"]})
    assert call.status_code == 201, call.text
    call = call.json()
    assert call["type"] == "call" and call["occurred_at"].startswith("2026-01-12T09:30:00")
    assert call["response_status"] == "replied" and call["user_id"] == team_a.manager.id
    answered = client.patch(f"/api/v1/outreach/{call['id']}", headers=h, json={"response_status": "positive"})
    assert answered.status_code == 200 and answered.json()["response_status"] == "positive"
    assert client.get(f"/api/v1/outreach/{call['id']}", headers=h).json()["response_status"] == "positive"

    account = client.post("/api/v1/accounts", headers=h, json={"name": "Ruiz Hermanos", "website": "ruiz.es"})
    assert account.status_code == 201, account.text
    account = account.json()
    assert account["website"] == "https://ruiz.es" and account["owner_id"] == team_a.manager.id
    assert client.post("/api/v1/accounts", headers=h, json={"name": " ruiz  hermanos"}).status_code == 409
    assert client.patch(f"/api/v1/accounts/{account['id']}", headers=h, json={"city": "Cádiz"}).json()["city"] == "Cádiz"

    contact = client.post("/api/v1/contacts", headers=h, json={
        "first_name": "Ana", "last_name": "Ruiz", "email": "ana@ruiz.es", "account_id": account["id"],
        "lead_id": lead["id"], "outreach_id": call["id"]})
    assert contact.status_code == 201, contact.text
    contact = contact.json()
    assert contact["outreach_id"] == call["id"] and contact["account_id"] == account["id"]
    assert client.patch(f"/api/v1/contacts/{contact['id']}", headers=h, json={"title": "CEO"}).json()["title"] == "CEO"

    deal = client.post("/api/v1/deals", headers=h, json={"name": "Ruiz web", "amount": 4200, "contact_id": contact["id"]})
    assert deal.status_code == 201, deal.text
    deal = deal.json()
    assert set(deal) == set(DealRead.model_fields)
    assert deal["amount"] == "4200.00" and deal["currency"] == "EUR" and deal["probability"] == 10
    assert deal["account_id"] == account["id"] and deal["outreach_id"] == call["id"]   # from the contact
    moved = client.patch(f"/api/v1/deals/{deal['id']}", headers=h, json={"stage": "Proposal"}).json()
    assert moved["stage"] == "Proposal" and moved["probability"] == 50

    task = client.post("/api/v1/activities", headers=h, json={
        "lead_id": lead["id"], "subject": "Send proposal", "due_at": "2026-02-01T09:00:00Z"})
    assert task.status_code == 201, task.text
    task = task.json()
    assert task["status"] == "planned" and task["owner_id"] == team_a.manager.id
    done = client.patch(f"/api/v1/activities/{task['id']}", headers=h, json={"status": "completed"}).json()
    assert done["status"] == "completed" and done["completed_at"] is not None

    listed = {path: client.get(f"/api/v1/{path}", headers=h).json()["data"]
              for path in ("outreach", "contacts", "accounts", "deals", "activities")}
    assert [o["id"] for o in listed["outreach"]] == [call["id"]]
    assert [c["id"] for c in listed["contacts"]] == [contact["id"]]
    assert [a["id"] for a in listed["accounts"]] == [account["id"]]
    assert [d["id"] for d in listed["deals"]] == [deal["id"]]
    assert [a["id"] for a in listed["activities"]] == [task["id"]]
    assert client.get("/api/v1/activities", headers=h, params={"lead_id": lead["id"], "status": "planned"}).json()["data"] == []

    # deletes leave the records that pointed at them, without the link
    for path, record in (("activities", task), ("outreach", call), ("contacts", contact), ("accounts", account)):
        assert client.delete(f"/api/v1/{path}/{record['id']}", headers=h).status_code == 204, path
        assert client.get(f"/api/v1/{path}/{record['id']}", headers=h).status_code == 404
    session.expire_all()
    kept = session.get(Deal, deal["id"])
    assert kept.contact_id is None and kept.account_id is None and kept.outreach_id is None
    assert client.delete(f"/api/v1/deals/{deal['id']}", headers=h).status_code == 204
    assert session.get(Lead, lead["id"]) is not None


def test_rep_keys_change_only_their_own_records(session, client, team_a, outbox):
    manager = bearer(make_key(session, team_a, role="manager", user=team_a.manager))
    rep = bearer(make_key(session, team_a, role="rep", user=team_a.rep))
    account = client.post("/api/v1/accounts", headers=manager, json={"name": "Ajena"}).json()
    contact = client.post("/api/v1/contacts", headers=manager, json={"last_name": "Ajeno"}).json()
    assert client.get(f"/api/v1/accounts/{account['id']}", headers=rep).status_code == 200   # reps see the team's
    for method, path, body in (("PATCH", f"/api/v1/accounts/{account['id']}", {"city": "X"}),
                               ("DELETE", f"/api/v1/accounts/{account['id']}", None),
                               ("PATCH", f"/api/v1/contacts/{contact['id']}", {"title": "X"}),
                               ("DELETE", f"/api/v1/contacts/{contact['id']}", None)):
        answer = client.request(method, path, headers=rep, json=body)
        assert answer.status_code == 403 and answer.json()["error"]["type"] == "PermissionDenied", path


def test_conversion_through_the_api(session, client, team_a, outbox):
    h = bearer(make_key(session, team_a, role="rep", user=team_a.rep))
    lead = client.post("/api/v1/leads", headers=h, json={
        "first_name": "Lucía", "last_name": "Mora", "company": "Mora Diseño", "email": "lucia@moradiseno.es",
        "budget": 9000}).json()
    client.post("/api/v1/activities", headers=h, json={"lead_id": lead["id"], "subject": "Call back"})
    answer = client.post(f"/api/v1/leads/{lead['id']}/convert", headers=h, json={"deal": {"stage": "Qualification"}})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["lead"]["status"] == "Converted" and result["account_created"] is True
    assert result["account"]["name"] == "Mora Diseño"
    assert result["contact"]["email"] == "lucia@moradiseno.es" and result["contact"]["lead_id"] == lead["id"]
    assert result["deal"]["amount"] == "9000.00" and result["deal"]["stage"] == "Qualification"
    assert result["lead"]["converted_deal_id"] == result["deal"]["id"]
    again = client.post(f"/api/v1/leads/{lead['id']}/convert", headers=h, json={})
    assert again.status_code == 409 and again.json()["error"]["type"] == "Conflict"
    read_only = client.patch(f"/api/v1/leads/{lead['id']}", headers=h, json={"city": "Vigo"})
    assert read_only.status_code == 422

    other = client.post("/api/v1/leads", headers=h, json={"last_name": "Sin cuenta"}).json()
    answer = client.post(f"/api/v1/leads/{other['id']}/convert", headers=h,
                         json={"account_mode": "none", "create_deal": False})
    assert answer.status_code == 200, answer.text
    assert answer.json()["account"] is None and answer.json()["deal"] is None
    assert answer.json()["contact"]["last_name"] == "Sin cuenta"
    existing = client.post("/api/v1/leads", headers=h, json={"last_name": "Tercero", "company": "Otra"}).json()
    answer = client.post(f"/api/v1/leads/{existing['id']}/convert", headers=h,
                         json={"account_mode": "existing", "account_id": result["account"]["id"]})
    assert answer.status_code == 200 and answer.json()["account_created"] is False
    assert answer.json()["contact"]["account_id"] == result["account"]["id"]
    bad = client.post(f"/api/v1/leads/{existing['id']}/convert", headers=h, json={"deal": {"amount": -1}})
    assert bad.status_code in (409, 422)
    session.expire_all()
    assert session.query(Account).count() == 1
    assert session.query(Contact).count() == 3


def test_webhook_data_has_the_api_read_fields():
    assert set(webhooks.LEAD_FIELDS) == set(LeadRead.model_fields)
    assert set(webhooks.DEAL_FIELDS) == set(DealRead.model_fields)
