"""The public form routes over HTTP: hosted page, embed script, submissions (HTML and JSON),
bots, rate limit, CORS in front of the app's own restrictive CORS, size limits, escaping."""

import time

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware

from leadhub.api import forms as forms_api
from leadhub.services import forms
from leadhub.services.models import Lead

ALLOWED = "https://www.acme.es"


@pytest.fixture(autouse=True)
def fresh_limiter(monkeypatch):
    monkeypatch.setattr(forms_api, "_limiter", forms_api.MemoryLimiter())
    monkeypatch.setenv("LEADHUB_FORM_RATE_LIMIT", "50/60")


@pytest.fixture
def public_client(app_database):
    """The routes as the real server stacks them: our per-form CORS outside a global CORS
    layer configured like rxconfig (the app's own origin, with credentials)."""
    from fastapi.testclient import TestClient

    from leadhub.api import api
    from leadhub.api.public_cors import PublicFormCORS
    outer = Starlette()
    outer.mount("", api)
    outer.add_middleware(CORSMiddleware, allow_credentials=True, allow_methods=["*"], allow_headers=["*"],
                         allow_origins=["http://127.0.0.1:3000"])
    with TestClient(PublicFormCORS(outer)) as client:
        yield client


def make_form(session, team, **overrides):
    data = {"name": "Contact <us>", "fields": [
        {"name": "first_name"}, {"name": "last_name", "label_es": "Apellidos"},
        {"name": "email", "required": True}, {"name": "description"}],
        "allowed_origins": ALLOWED, "thank_you_en": "Thanks, we'll call you."}
    data.update(overrides)
    form = forms.save_form(session=session, ctx=team.admin_ctx, data=data)
    session.commit()
    return form


def token(form):
    return forms.fill_token(form.key, time.time() - 10)


def leads_of(session, team):
    session.expire_all()
    return session.exec(select(Lead).where(Lead.team_id == team.team.id)).all()


def test_hosted_page_is_plain_escaped_html_with_token_and_honeypot(session, client, team_a):
    form = make_form(session, team_a)
    answer = client.get(f"/api/forms/{form.key}", params={"utm_source": '"><script>x</script>', "lang": "es"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert "Contact &lt;us&gt;" in page and "Apellidos" in page and "Enviar" in page
    assert 'name="_t"' in page and f'name="{forms.HONEYPOT}"' in page
    assert "frame-ancestors 'self' https://www.acme.es" in answer.headers["content-security-policy"]
    assert client.get("/api/forms/not-a-real-key-123").status_code == 404


def test_html_post_creates_a_lead_and_shows_thanks_or_errors(session, client, team_a):
    form = make_form(session, team_a)
    base = {"_t": token(form), "utm_source": "newsletter", "_page": "https://www.acme.es/contact"}
    bad = client.post(f"/api/forms/{form.key}/submit",
                      data={**base, "last_name": "<b>Pérez</b>", "email": "not-an-email"})
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]
    assert 'value="&lt;b&gt;Pérez&lt;/b&gt;"' in bad.text and 'id="f-email-error"' in bad.text
    good = client.post(f"/api/forms/{form.key}/submit",
                       data={**base, "last_name": "<b>Pérez</b>", "email": "p@x.es"})
    assert good.status_code == 200 and "Thanks, we&#x27;ll call you." in good.text
    [lead] = leads_of(session, team_a)
    assert lead.last_name == "<b>Pérez</b>" and lead.lead_source == ""
    sub = session.exec(select(forms.FormSubmission)).one()
    assert (sub.utm_source, sub.page_url) == ("newsletter", "https://www.acme.es/contact")


def test_redirect_after_success(session, client, team_a):
    form = make_form(session, team_a, redirect_url="https://www.acme.es/gracias")
    answer = client.post(f"/api/forms/{form.key}/submit", follow_redirects=False,
                         data={"_t": token(form), "last_name": "Ruiz", "email": "r@x.es"})
    assert answer.status_code == 303 and answer.headers["location"] == "https://www.acme.es/gracias"


def test_json_submissions_answer_json(session, client, team_a):
    form = make_form(session, team_a)
    url = f"/api/forms/{form.key}/submit"
    answer = client.post(url, json={"_t": token(form), "last_name": "", "email": "x"})
    assert answer.status_code == 422
    assert set(answer.json()["error"]["field_errors"]) == {"last_name", "email"}
    answer = client.post(url, json={"_t": token(form), "last_name": "Ruiz", "email": "r@x.es",
                                    "_lang": "es"})
    assert answer.status_code == 200 and answer.json()["ok"] is True
    assert client.post(url, content=b"[1, 2]", headers={"content-type": "application/json"}).status_code == 422


def test_bots_get_a_success_and_store_nothing(session, client, team_a):
    form = make_form(session, team_a)
    url = f"/api/forms/{form.key}/submit"
    honeypot = client.post(url, json={"_t": token(form), "last_name": "Bot", "email": "b@x.es",
                                      forms.HONEYPOT: "http://spam.example"})
    too_fast = client.post(url, json={"_t": forms.fill_token(form.key), "last_name": "Bot", "email": "b@x.es"})
    no_token = client.post(url, json={"last_name": "Bot", "email": "b@x.es"})
    assert [r.status_code for r in (honeypot, too_fast, no_token)] == [200, 200, 200]
    assert leads_of(session, team_a) == []


def test_rate_limit_per_client_address(session, client, team_a, monkeypatch):
    monkeypatch.setenv("LEADHUB_FORM_RATE_LIMIT", "3/60")
    form = make_form(session, team_a)
    url = f"/api/forms/{form.key}/submit"
    codes = [client.post(url, json={"_t": token(form), "last_name": f"R{i}", "email": f"r{i}@x.es"}).status_code
             for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    limited = client.post(url, json={"_t": token(form), "last_name": "R", "email": "r@x.es"})
    assert int(limited.headers["retry-after"]) > 0 and limited.json()["error"]["type"] == "RateLimited"
    assert len(leads_of(session, team_a)) == 3


def test_oversized_bodies_and_fields(session, client, team_a):
    form = make_form(session, team_a)
    url = f"/api/forms/{form.key}/submit"
    huge = client.post(url, data={"_t": token(form), "last_name": "x", "email": "a@b.es",
                                  "description": "x" * 40_000})
    assert huge.status_code == 413
    long_name = client.post(url, json={"_t": token(form), "last_name": "x" * 200, "email": "a@b.es"})
    assert long_name.status_code == 422 and "last_name" in long_name.json()["error"]["field_errors"]
    assert leads_of(session, team_a) == []


def test_cors_answers_only_the_forms_own_sites(session, public_client, team_a):
    form = make_form(session, team_a)
    url = f"/api/forms/{form.key}/submit"
    pre = public_client.options(url, headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in pre.headers
    evil = public_client.options(url, headers={"Origin": "https://evil.example",
                                               "Access-Control-Request-Method": "POST"})
    assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers
    ok = public_client.post(url, headers={"Origin": ALLOWED},
                            json={"_t": token(form), "last_name": "Cors", "email": "c@x.es"})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in ok.headers
    refused = public_client.post(url, headers={"Origin": "https://evil.example"},
                                 json={"_t": token(form), "last_name": "Evil", "email": "e@x.es"})
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
    assert [lead.last_name for lead in leads_of(session, team_a)] == ["Cors"]
    # the rest of the app keeps the global, restrictive CORS
    other = public_client.options("/api/leads/export.csv", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "GET"})
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers


def test_embed_script_renders_text_only_and_carries_a_token(session, client, team_a):
    form = make_form(session, team_a, name="</script><script>alert(1)</script>")
    answer = client.get(f"/api/forms/{form.key}/embed.js")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/javascript")
    js = answer.text
    assert "</script>" not in js and "innerHTML" not in js and "textContent" in js
    assert f'"action": "http://127.0.0.1:3000/api/forms/{form.key}/submit"' in js
    assert forms_api.embed_snippet(form.key) == (
        f'<script src="http://127.0.0.1:3000/api/forms/{form.key}/embed.js" async></script>')
    session.expire_all()
    assert session.get(forms.WebForm, form.id).views == 1
