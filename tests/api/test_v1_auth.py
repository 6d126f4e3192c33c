"""v1 API keys: bearer auth on every route, keys shown once and stored hashed, revocation,
roles capped by the member's, admin-only routes, rate limit."""

import hashlib

import pytest
from sqlmodel import select

from leadhub.api.v1 import deps
from leadhub.services import api_keys, auth
from leadhub.services.api_keys import ApiKey, RateLimiter
from leadhub.services.errors import RateLimited, ValidationFailed
from tests.api.v1_support import bearer, make_key, outbox  # noqa: F401


def _error(answer, status, type_):
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"} and body["error"]["type"] == type_
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


ROUTES = [("GET", "/api/v1/leads"), ("POST", "/api/v1/leads"), ("GET", "/api/v1/leads/1"),
          ("PATCH", "/api/v1/leads/1"), ("DELETE", "/api/v1/leads/1"), ("POST", "/api/v1/leads/1/convert"),
          ("GET", "/api/v1/outreach"), ("GET", "/api/v1/contacts"), ("GET", "/api/v1/accounts"),
          ("GET", "/api/v1/deals"), ("GET", "/api/v1/activities"), ("GET", "/api/v1/me"),
          ("GET", "/api/v1/api-keys"), ("GET", "/api/v1/webhooks")]


def test_missing_malformed_unknown_and_revoked_keys_get_401(session, client, team_a, outbox):
    token = make_key(session, team_a)
    for method, path in ROUTES:
        _error(client.request(method, path), 401, "NotAuthenticated")
    answer = client.get("/api/v1/leads")
    assert answer.headers["www-authenticate"] == "Bearer"
    _error(client.get("/api/v1/leads", headers={"Authorization": f"Basic {token}"}), 401, "NotAuthenticated")
    _error(client.get("/api/v1/leads", headers=bearer("lh_not-a-real-key")), 401, "NotAuthenticated")
    _error(client.get("/api/v1/leads", headers=bearer(token[:-1] + "x")), 401, "NotAuthenticated")
    _error(client.get("/api/v1/leads", headers=bearer("x" * 5000)), 401, "NotAuthenticated")
    # a browser session cookie is not an API key
    login = auth.login(session=session, email=team_a.admin.email, password="admin-pass-1")[0]
    session.commit()
    client.cookies.set("leadhub_session", login)
    _error(client.get("/api/v1/leads"), 401, "NotAuthenticated")
    client.cookies.clear()

    assert client.get("/api/v1/leads", headers=bearer(token)).status_code == 200
    key_id = session.exec(select(ApiKey.id)).one()
    api_keys.revoke_key(session=session, ctx=team_a.admin_ctx, key_id=key_id)
    session.commit()
    error = _error(client.get("/api/v1/leads", headers=bearer(token)), 401, "NotAuthenticated")
    assert "revoked" in error["message"]


def test_keys_are_stored_hashed_shown_once_and_listed_by_prefix(session, client, team_a, outbox):
    admin = make_key(session, team_a)
    answer = client.post("/api/v1/api-keys", headers=bearer(admin), json={"name": "Zapier", "role": "manager"})
    assert answer.status_code == 201, answer.text
    created = answer.json()
    token = created["token"]
    assert token.startswith("lh_") and len(token) > 40 and created["prefix"] == token[:11]
    assert created["role"] == "manager" and created["user_id"] == team_a.admin.id
    stored = session.exec(select(ApiKey).where(ApiKey.id == created["id"])).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(v) for v in stored.model_dump().values()}

    listed = client.get("/api/v1/api-keys", headers=bearer(admin)).json()
    assert {k["name"] for k in listed} == {"test admin", "Zapier"}
    assert all("token" not in k and "token_hash" not in k for k in listed)
    assert client.get("/api/v1/me", headers=bearer(token)).json() == {
        "team_id": team_a.team.id, "team_name": "Acme Ventas", "user_id": team_a.admin.id,
        "user_name": "Acme Ventas Admin", "role": "manager", "key_prefix": created["prefix"]}
    session.expire_all()
    assert session.get(ApiKey, created["id"]).last_used_at is not None

    assert client.delete(f"/api/v1/api-keys/{created['id']}", headers=bearer(admin)).status_code == 204
    _error(client.get("/api/v1/me", headers=bearer(token)), 401, "NotAuthenticated")
    revoked = next(k for k in client.get("/api/v1/api-keys", headers=bearer(admin)).json() if k["id"] == created["id"])
    assert revoked["revoked_at"] is not None


def test_rep_and_manager_keys_cannot_do_admin_things(session, client, team_a, outbox):
    rep = make_key(session, team_a, role="rep", user=team_a.rep)
    manager = make_key(session, team_a, role="manager", user=team_a.manager)
    demoted_admin = make_key(session, team_a, role="rep")           # the admin's key, as a rep
    for token in (rep, manager, demoted_admin):
        _error(client.get("/api/v1/api-keys", headers=bearer(token)), 403, "PermissionDenied")
        _error(client.post("/api/v1/api-keys", headers=bearer(token), json={"name": "mine", "role": "admin"}),
               403, "PermissionDenied")
        _error(client.get("/api/v1/webhooks", headers=bearer(token)), 403, "PermissionDenied")
        _error(client.post("/api/v1/webhooks", headers=bearer(token),
                           json={"url": "https://example.com/hook", "events": ["lead.created"]}),
               403, "PermissionDenied")
        _error(client.delete("/api/v1/api-keys/1", headers=bearer(token)), 403, "PermissionDenied")
    # a rep may not delete a teammate's lead, a manager may
    lead = client.post("/api/v1/leads", headers=bearer(manager), json={"last_name": "Mine"}).json()
    _error(client.delete(f"/api/v1/leads/{lead['id']}", headers=bearer(rep)), 403, "PermissionDenied")
    assert client.delete(f"/api/v1/leads/{lead['id']}", headers=bearer(manager)).status_code == 204


def test_a_keys_role_never_exceeds_its_members(session, client, team_a, outbox):
    with pytest.raises(ValidationFailed) as refused:
        api_keys.create_key(session=session, ctx=team_a.admin_ctx, name="too much", role="admin",
                            user_id=team_a.rep.id)
    assert "role" in refused.value.field_errors
    admin = make_key(session, team_a)
    answer = client.post("/api/v1/api-keys", headers=bearer(admin),
                         json={"name": "x", "role": "manager", "user_id": team_a.rep.id})
    assert _error(answer, 422, "ValidationFailed")["field_errors"].keys() == {"role"}

    manager_key = make_key(session, team_a, role="manager", user=team_a.manager)
    assert client.get("/api/v1/me", headers=bearer(manager_key)).json()["role"] == "manager"
    auth.change_role(session=session, ctx=team_a.admin_ctx, user_id=team_a.manager.id, role="rep")
    session.commit()
    assert client.get("/api/v1/me", headers=bearer(manager_key)).json()["role"] == "rep"
    auth.remove_member(session=session, ctx=team_a.admin_ctx, user_id=team_a.manager.id)
    session.commit()
    _error(client.get("/api/v1/me", headers=bearer(manager_key)), 401, "NotAuthenticated")


def test_requests_beyond_the_rate_limit_get_429_with_retry_after(session, client, team_a, monkeypatch, outbox):
    monkeypatch.setattr(deps, "limiter", RateLimiter(per_minute=3))
    token, other = make_key(session, team_a), make_key(session, team_a, name="other")
    for _ in range(3):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    answer = client.get("/api/v1/me", headers=bearer(token))
    _error(answer, 429, "RateLimited")
    assert int(answer.headers["retry-after"]) >= 1
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200   # per key


def test_rate_limiter_refills_evenly():
    limiter = RateLimiter(per_minute=60)
    for _ in range(60):
        limiter.check("k", now=100.0)
    with pytest.raises(RateLimited) as limited:
        limiter.check("k", now=100.0)
    assert limited.value.retry_after == 1
    limiter.check("k", now=101.0)          # one request a second comes back


def test_a_deactivated_members_key_and_a_removed_members_key_get_401(session, client, team_a, outbox):
    from leadhub.services.models import User
    rep_key = make_key(session, team_a, role="rep", user=team_a.rep)
    manager_key = make_key(session, team_a, role="manager", user=team_a.manager)
    assert client.get("/api/v1/me", headers=bearer(rep_key)).status_code == 200
    user = session.get(User, team_a.rep.id)
    user.is_active = False
    session.add(user)
    auth.remove_member(session=session, ctx=team_a.admin_ctx, user_id=team_a.manager.id)
    session.commit()
    for key in (rep_key, manager_key):
        error = _error(client.get("/api/v1/leads", headers=bearer(key)), 401, "NotAuthenticated")
        assert "left the team" in error["message"]
