"""v1 CSV import: the import service behind /imports — mapping checked at once, rows imported
by the worker's job, refused rows reported, duplicates matched, other teams kept out."""

import pytest
from sqlmodel import select

from leadhub.services import imports, leads
from leadhub.services.models import Lead
from tests.api.v1_support import bearer, make_key, outbox  # noqa: F401


@pytest.fixture(autouse=True)
def no_queue(monkeypatch):
    """Jobs stay queued: the tests run them as the worker would, without the real queue."""
    monkeypatch.setattr(imports, "_enqueue_after_commit", lambda *args: None)


CSV = ("Nombre,Apellidos,Empresa,Email,Teléfono\n"
       "Ana,García,Acme,ana@acme.es,612345678\n"
       "Luis,Pérez,Beta,not-an-email,\n"
       "Marta,López,Gamma,marta@gamma.es,\n")


def test_import_a_csv_through_the_api(session, client, team_a, team_b, outbox):
    h = bearer(make_key(session, team_a, role="rep", user=team_a.rep))
    leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "López", "email": "marta@gamma.es"})
    session.commit()
    answer = client.post("/api/v1/imports", headers=h, json={"filename": "feria.csv", "content": CSV,
                                                             "duplicates": "update", "lead_source": "Trade Show"})
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert job["status"] == "queued" and job["total"] == 3 and job["filename"] == "feria.csv"

    imports.run_import(job["id"])                           # what the worker does
    done = client.get(f"/api/v1/imports/{job['id']}", headers=h).json()
    assert done["status"] == "done", done
    assert (done["created"], done["updated"], done["errors"]) == (1, 1, 1)
    report = client.get(f"/api/v1/imports/{job['id']}/errors", headers=h)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert report.content.decode("utf-8-sig").splitlines()[1].startswith("3,Email,")
    ana = session.exec(select(Lead).where(Lead.email == "ana@acme.es")).one()
    assert (ana.first_name, ana.company, ana.phone, ana.lead_source) == ("Ana", "Acme", "+34612345678", "Trade Show")
    assert session.exec(select(Lead).where(Lead.email == "marta@gamma.es")).one().company == "Gamma"

    other = bearer(make_key(session, team_b))
    assert client.get(f"/api/v1/imports/{job['id']}", headers=other).status_code == 404
    assert client.get(f"/api/v1/imports/{job['id']}/errors", headers=other).status_code == 404
    assert client.post(f"/api/v1/imports/{job['id']}/undo", headers=other).status_code == 404

    undo = client.post(f"/api/v1/imports/{job['id']}/undo", headers=h)
    assert undo.status_code == 202 and undo.json()["status"] == "undoing"
    imports.run_undo(job["id"])
    assert client.get(f"/api/v1/imports/{job['id']}", headers=h).json()["status"] == "undone"
    assert session.exec(select(Lead).where(Lead.email == "ana@acme.es")).first() is None


def test_bad_imports_are_refused_per_field(session, client, team_a, outbox):
    h = bearer(make_key(session, team_a))

    def fields(body):
        answer = client.post("/api/v1/imports", headers=h, json=body)
        assert answer.status_code == 422, answer.text
        return set(answer.json()["error"]["field_errors"])
    assert fields({"content": CSV, "mapping": {"Nombre": "shoe_size"}}) == {"mapping"}
    assert fields({"content": CSV, "mapping": {"Email": "email"}}) == {"mapping"}          # no last name
    assert fields({"content": CSV, "duplicates": "merge"}) == {"duplicates"}
    assert fields({"content": CSV, "owner_id": 999999}) == {"owner_id"}
    assert fields({"content": '"unterminated'}) == {"file"}
    assert fields({"content": ""}) == {"content"}
    assert fields({"content": CSV, "delimiter": ";"}) == {"delimiter"}
    answer = client.post("/api/v1/imports", headers=h, json={"content": CSV, "mapping": {
        "Nombre": "first_name", "Apellidos": "last_name", "Email": "", "Teléfono": ""}})
    assert answer.status_code == 202


def test_custom_fields_through_the_api(session, client, team_a, outbox):
    from leadhub.services import custom_fields
    tier = custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Tier", type="picklist",
                                      options="Gold, Silver")
    since = custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Cliente desde", type="date")
    session.commit()
    h = bearer(make_key(session, team_a, role="rep", user=team_a.rep))
    content = ("Apellidos,Email,Tier,Alta\n"
               "Pla,pla@x.es,silver,01/02/2025\n"
               "Roca,roca@x.es,Bronze,\n")
    answer = client.post("/api/v1/imports", headers=h, json={
        "content": content, "mapping": {"Apellidos": "last_name", "Email": "email", "Tier": tier.column,
                                        "Alta": since.column}})
    assert answer.status_code == 202, answer.text
    imports.run_import(answer.json()["id"])
    done = client.get(f"/api/v1/imports/{answer.json()['id']}", headers=h).json()
    assert (done["created"], done["errors"]) == (1, 1)
    report = client.get(f"/api/v1/imports/{done['id']}/errors", headers=h).content.decode("utf-8-sig")
    assert report.splitlines()[1] == '3,Tier,"Choose one of: Gold, Silver."'
    pla = session.exec(select(Lead).where(Lead.email == "pla@x.es")).one()
    assert pla.custom_fields == {tier.key: "Silver", since.key: "2025-02-01"}
    # suggested from the labels when no mapping is given
    answer = client.post("/api/v1/imports", headers=h, json={"content": "Last name,Tier\nMir,Gold\n"})
    imports.run_import(answer.json()["id"])
    assert session.exec(select(Lead).where(Lead.last_name == "Mir")).one().custom_fields == {tier.key: "Gold"}
