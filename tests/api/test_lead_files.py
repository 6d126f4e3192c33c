"""Documents download only for the lead's team, as attachments; CSV export of the filtered list."""

import csv
import io

from leadhub.services import documents, leads
from tests.api.conftest import login


def test_documents_are_served_as_attachments_to_the_leads_team_only(session, client, team_a, team_b):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Núñez"})
    doc = documents.upload_document(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                                    filename="propuesta <final>.html", content=b"<script>alert(1)</script>",
                                    content_type="text/html")
    session.commit()
    assert client.get(f"/api/documents/{doc.id}").status_code == 401
    login(session, client, team_b.admin.email, "admin-pass-1")
    answer = client.get(f"/api/documents/{doc.id}")
    assert answer.status_code == 404 and answer.json()["error"]["type"] == "NotFound"
    login(session, client, team_a.rep2.email, "rep-pass-2")
    answer = client.get(f"/api/documents/{doc.id}")
    assert answer.status_code == 200 and answer.content == b"<script>alert(1)</script>"
    assert answer.headers["content-type"] == "application/octet-stream"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"].startswith('attachment; filename="propuesta _final_.html"')
    client.cookies.set("leadhub_session", "forged")
    assert client.get(f"/api/documents/{doc.id}").status_code == 401


def test_export_streams_the_filtered_list_as_safe_csv(session, client, team_a, team_b):
    for i in range(3):
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": f"Hot{i}", "rating": "Hot"})
    cold = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "=cmd|' /C calc'!A0", "rating": "Cold"})
    leads.create_lead(session=session, ctx=team_b.rep_ctx, data={"last_name": "Other team", "rating": "Hot"})
    session.commit()
    assert client.get("/api/leads/export.csv").status_code == 401
    login(session, client, team_a.rep.email, "rep-pass-1")
    answer = client.get("/api/leads/export.csv", params={"rating": "Hot", "sort": "name", "desc": "0"})
    assert answer.status_code == 200 and answer.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [r["Last name"] for r in rows] == ["Hot0", "Hot1", "Hot2"]
    answer = client.get("/api/leads/export.csv", params={"ids": f"{cold.id}", "columns": "id,last_name"})
    assert answer.content.decode("utf-8-sig").splitlines() == ["Id,Last name", f"{cold.id},'=cmd|' /C calc'!A0"]
    assert client.get("/api/leads/export.csv", params={"ids": "1,x"}).status_code == 422
