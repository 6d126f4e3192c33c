"""The REST API v1 on the real production server: httpx with an API key against /api/v1 next to
the Reflex app, and an admin creating and revoking a key in Settings → API access."""

import re

import httpx
import pytest

pytestmark = pytest.mark.e2e


def _key(live_app, role: str = "manager") -> str:
    """A key made through the service, straight into the app's database."""
    from sqlmodel import Session, select

    from leadhub.services import api_keys
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    from leadhub.services.models import User

    with Session(engine_for(live_app.database_url)) as session:
        admin = session.exec(select(User).where(User.email == live_app.seed.admin.email)).one()
        ctx = TeamContext(live_app.seed.extra["team_id"], admin.id, "admin")
        _, token = api_keys.create_key(session=session, ctx=ctx, name=f"e2e {role}", role=role)
        session.commit()
    return token


def test_the_api_answers_beside_the_app(live_app):
    token = _key(live_app)
    with httpx.Client(base_url=f"{live_app.url}/api/v1", trust_env=False, timeout=15) as api:
        doc = api.get("/openapi.json")
        assert doc.status_code == 200 and doc.json()["info"]["title"] == "LeadHub API"
        assert "/leads" in doc.json()["paths"]
        refused = api.get("/leads")
        assert refused.status_code == 401 and refused.json()["error"]["type"] == "NotAuthenticated"

        api.headers["Authorization"] = f"Bearer {token}"
        assert api.get("/me").json()["role"] == "manager"
        ids = []
        for name in ("Uno", "Dos", "Tres"):
            answer = api.post("/leads", json={"last_name": name, "email": f"{name.lower()}@e2e.example.com"})
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
        page = api.get("/leads", params={"limit": 2, "search": "e2e.example"}).json()
        rest = api.get("/leads", params={"limit": 2, "search": "e2e.example", "cursor": page["next_cursor"]}).json()
        assert [r["id"] for r in page["data"] + rest["data"]] == sorted(ids, reverse=True)
        assert rest["next_cursor"] is None
        duplicate = api.post("/leads", json={"last_name": "Otro", "email": "uno@e2e.example.com"})
        assert duplicate.status_code == 409 and duplicate.json()["error"]["matches"][0]["id"] == ids[0]
        unknown = api.post("/leads", json={"last_name": "X", "colour": "red"})
        assert unknown.status_code == 422 and unknown.json()["error"]["field_errors"] == {"colour": "Unknown field."}
        changed = api.patch(f"/leads/{ids[1]}", json={"status": "Qualified"})
        assert changed.status_code == 200 and changed.json()["status"] == "Qualified"
        assert api.delete(f"/leads/{ids[2]}").status_code == 204
        assert api.get(f"/leads/{ids[2]}").status_code == 404


def test_an_admin_creates_and_revokes_a_key_in_settings(page, live_app, screenshot):
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("#email", live_app.seed.admin.email)
    page.fill("#password", live_app.seed.admin.password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/leads$"))
    page.goto("/settings")
    card = page.locator("#api-access")
    expect(card).to_be_visible()
    page.fill("#api-key-name", "Zapier e2e")
    page.click("#api-key-create")
    shown = page.locator("#api-shown-once")
    expect(shown).to_contain_text("lh_")
    token = shown.inner_text().strip()
    screenshot("api-access-key-created")
    with httpx.Client(base_url=f"{live_app.url}/api/v1", trust_env=False, timeout=15,
                      headers={"Authorization": f"Bearer {token}"}) as api:
        me = api.get("/me")
        assert me.status_code == 200 and me.json()["role"] == "rep"
        row = card.locator(f"[data-api-key='{token[:11]}']")
        expect(row).to_contain_text("Zapier e2e")
        row.get_by_role("button", name="Revoke").click()
        expect(row).to_contain_text("Revoked")
        assert api.get("/me").status_code == 401
