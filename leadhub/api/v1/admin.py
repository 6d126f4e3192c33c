"""/api-keys and /webhooks (admin keys only), and /me: who a key is."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from leadhub.api.v1.deps import Caller, PathId, unit_of_work
from leadhub.api.v1.errors import STANDARD, responses
from leadhub.api.v1.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    Me,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookTestResult,
    WebhookUpdate,
)
from leadhub.services import api_keys, auth, webhooks

router = APIRouter(responses=STANDARD)
NO_CONTENT = {"status_code": status.HTTP_204_NO_CONTENT, "response_class": Response}


@router.get("/me", response_model=Me, tags=["auth"], summary="Who this key is",
            responses=responses(401, 429))
def me(who: Caller) -> Me:
    """The team, member and role the key acts with (a cheap way to test a key)."""
    with unit_of_work() as session:
        team = auth.get_team(session=session, ctx=who.ctx)
        member = next(((user.full_name or user.email) for user, membership in
                       auth.list_members(session=session, ctx=who.ctx) if user.id == who.ctx.user_id), "")
        return Me(team_id=team.id, team_name=team.name, user_id=who.ctx.user_id, user_name=member,
                  role=who.ctx.role, key_prefix=who.prefix)


# --- API keys -----------------------------------------------------------------------------

@router.get("/api-keys", response_model=list[ApiKeyRead], tags=["api keys"], summary="List API keys")
def list_keys(who: Caller) -> list[ApiKeyRead]:
    """The team's keys by prefix (never the keys themselves), newest first."""
    with unit_of_work() as session:
        return [ApiKeyRead.model_validate(k) for k in api_keys.list_keys(session=session, ctx=who.ctx)]


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED,
             tags=["api keys"], summary="Create an API key")
def create_key(body: ApiKeyCreate, who: Caller) -> ApiKeyCreated:
    """The answer holds `token`, the key itself, this once; only its hash is stored."""
    with unit_of_work() as session:
        key, token = api_keys.create_key(session=session, ctx=who.ctx, name=body.name, role=body.role,
                                         user_id=body.user_id)
        return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), token=token)


@router.delete("/api-keys/{key_id}", tags=["api keys"], summary="Revoke an API key", **NO_CONTENT)
def revoke_key(key_id: PathId, who: Caller) -> Response:
    """The key stops working at once; it stays listed as revoked."""
    with unit_of_work() as session:
        api_keys.revoke_key(session=session, ctx=who.ctx, key_id=key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- Webhooks -----------------------------------------------------------------------------

WEBHOOK_DOC = ("Events: " + ", ".join(f"`{e}`" for e in webhooks.EVENTS) + ". Each delivery is a "
               "POST of `{\"id\", \"event\", \"occurred_at\", \"team_id\", \"data\"}` with "
               "`X-LeadHub-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>`, "
               "`X-LeadHub-Timestamp`, `X-LeadHub-Event` and `X-LeadHub-Delivery`; answers other "
               "than 2xx are retried with backoff (408, 429, 5xx and network errors), then shown "
               "as failed in Settings. Addresses must be https:// and public.")


@router.get("/webhooks", response_model=list[WebhookRead], tags=["webhooks"], summary="List webhooks")
def list_webhooks(who: Caller) -> list[WebhookRead]:
    with unit_of_work() as session:
        return [WebhookRead.model_validate(w) for w in webhooks.list_endpoints(session=session, ctx=who.ctx)]


@router.post("/webhooks", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED,
             tags=["webhooks"], summary="Create a webhook", description=WEBHOOK_DOC +
             " The answer holds the signing `secret` this once.")
def create_webhook(body: WebhookCreate, who: Caller) -> WebhookCreated:
    with unit_of_work() as session:
        endpoint, secret = webhooks.create_endpoint(session=session, ctx=who.ctx, **body.sent())
        return WebhookCreated(**WebhookRead.model_validate(endpoint).model_dump(), secret=secret)


@router.get("/webhooks/{webhook_id}", response_model=WebhookRead, tags=["webhooks"], summary="Get a webhook")
def get_webhook(webhook_id: PathId, who: Caller) -> WebhookRead:
    with unit_of_work() as session:
        return WebhookRead.model_validate(webhooks.get_endpoint(session=session, ctx=who.ctx,
                                                                endpoint_id=webhook_id))


@router.patch("/webhooks/{webhook_id}", response_model=WebhookRead, tags=["webhooks"],
              summary="Update a webhook")
def update_webhook(webhook_id: PathId, body: WebhookUpdate, who: Caller) -> WebhookRead:
    with unit_of_work() as session:
        return WebhookRead.model_validate(webhooks.update_endpoint(
            session=session, ctx=who.ctx, endpoint_id=webhook_id, changes=body.sent()))


@router.post("/webhooks/{webhook_id}/rotate-secret", response_model=WebhookCreated, tags=["webhooks"],
             summary="New signing secret")
def rotate_webhook_secret(webhook_id: PathId, who: Caller) -> WebhookCreated:
    """A new secret, shown this once; deliveries from now on are signed with it."""
    with unit_of_work() as session:
        endpoint, secret = webhooks.rotate_secret(session=session, ctx=who.ctx, endpoint_id=webhook_id)
        return WebhookCreated(**WebhookRead.model_validate(endpoint).model_dump(), secret=secret)


@router.post("/webhooks/{webhook_id}/test", response_model=WebhookTestResult, tags=["webhooks"],
             summary="Send a signed ping", responses=responses(502))
def test_webhook(webhook_id: PathId, who: Caller) -> WebhookTestResult:
    """POSTs `{"event": "ping", …}` now; 502 with the endpoint's answer when it refuses it."""
    with unit_of_work() as session:
        return WebhookTestResult(status_code=webhooks.send_test(session=session, ctx=who.ctx,
                                                                endpoint_id=webhook_id))


@router.delete("/webhooks/{webhook_id}", tags=["webhooks"], summary="Delete a webhook", **NO_CONTENT)
def delete_webhook(webhook_id: PathId, who: Caller) -> Response:
    with unit_of_work() as session:
        webhooks.delete_endpoint(session=session, ctx=who.ctx, endpoint_id=webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
