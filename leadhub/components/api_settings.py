"""Settings card for admins: API keys for integrations and outgoing webhooks (REST API v1)."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import field_error
from leadhub.components.i18n import t
from leadhub.state.api_settings import EVENTS, KEY_ROLES, ApiSettingsState as S
from leadhub.state.session import SessionState


def _shown_once() -> rx.Component:
    """The new token or secret, with the one chance to copy it."""
    once = S.shown_once
    return rx.cond(
        once.contains("value"),
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(
                rx.text(rx.cond(once["kind"] == "key", t("Copy the new API key now: it is not shown again."),
                                t("Copy the signing secret now: it is not shown again.")),
                        weight="medium", size="2"),
                rx.text(once["label"], size="1", color_scheme="gray"),
                rx.hstack(
                    rx.code(once["value"], id="api-shown-once", size="2", style={"word_break": "break-all"}),
                    rx.button(rx.icon("copy", size=14), t("Copy"), size="1", variant="soft",
                              on_click=rx.set_clipboard(once["value"])),
                    rx.button(t("Done"), size="1", on_click=S.dismiss_shown_once),
                    align="center", spacing="2", wrap="wrap",
                ),
                spacing="1", width="100%",
            ),
            color_scheme="amber", width="100%",
        ),
    )


def _key_row(key: rx.Var) -> rx.Component:
    revoked = key["revoked"] != ""
    return rx.table.row(
        rx.table.cell(key["name"]),
        rx.table.cell(rx.code(key["prefix"], "…")),
        rx.table.cell(key["role"], " · ", key["user"]),
        rx.table.cell(key["created"]),
        rx.table.cell(rx.cond(key["last_used"] != "", key["last_used"], "—")),
        rx.table.cell(rx.cond(
            revoked,
            rx.badge(t("Revoked"), color_scheme="gray", variant="soft"),
            rx.button(t("Revoke"), size="1", variant="soft", color_scheme="red",
                      on_click=S.revoke_key(key["id"])))),
        data_api_key=key["prefix"],
    )


def _keys_section() -> rx.Component:
    errors = S.field_errors
    return rx.vstack(
        rx.heading(t("API keys"), size="3"),
        rx.text(t("Integrations call the REST API at /api/v1 with Authorization: Bearer <key>."), " ",
                t("A key acts as one member of the team, with a role no higher than theirs."),
                size="2", color_scheme="gray"),
        rx.link(t("API reference (OpenAPI)"), href="/api/v1/docs", is_external=True, size="2"),
        rx.cond(S.keys.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(h)) for h in
                                           ("Name", "Key", "Acts as", "Created", "Last used", "")])),
            rx.table.body(rx.foreach(S.keys, _key_row)),
            size="1", width="100%",
        )),
        rx.form(
            rx.hstack(
                rx.vstack(rx.input(name="name", id="api-key-name", placeholder=t("Name, e.g. Zapier"),
                                   width="100%"),
                          field_error(errors, "key_name"), spacing="1", flex="2"),
                rx.vstack(rx.select.root(
                    rx.select.trigger(aria_label="Role"),
                    rx.select.content(*[rx.select.item(t(r), value=r) for r in KEY_ROLES]),
                    name="role", default_value="rep"), field_error(errors, "key_role"), spacing="1"),
                rx.vstack(rx.select.root(
                    rx.select.trigger(placeholder=t("Acts as"), aria_label="Acts as"),
                    rx.select.content(rx.foreach(S.members, lambda m: rx.select.item(m[1], value=m[0]))),
                    name="user_id"), field_error(errors, "key_user_id"), spacing="1"),
                rx.button(t("Create key"), type="submit", id="api-key-create"),
                align="start", spacing="2", width="100%", wrap="wrap",
            ),
            on_submit=S.create_key, reset_on_submit=True, key=S.api_form_key,
        ),
        spacing="2", width="100%",
    )


def _hook_row(hook: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(hook["url"], size="1", style={"word_break": "break-all"}),
                      rx.text(hook["description"], size="1", color_scheme="gray")),
        rx.table.cell(rx.text(hook["events"], size="1")),
        rx.table.cell(rx.code(hook["secret"], size="1")),
        rx.table.cell(rx.switch(checked=hook["enabled"].to(bool), aria_label="On",
                                on_change=lambda on: S.set_hook_enabled(hook["id"], on))),
        rx.table.cell(rx.hstack(
            rx.button(t("Send test"), size="1", variant="soft", on_click=S.test_hook(hook["id"])),
            rx.button(t("New secret"), size="1", variant="soft", on_click=S.rotate_hook(hook["id"])),
            rx.button(t("Remove"), size="1", variant="soft", color_scheme="red",
                      on_click=S.delete_hook(hook["id"])),
            spacing="1", wrap="wrap")),
    )


def _hooks_section() -> rx.Component:
    errors = S.field_errors
    return rx.vstack(
        rx.heading(t("Webhooks"), size="3"),
        rx.text(t("LeadHub POSTs these events as JSON, signed with X-LeadHub-Signature."), " ",
                t("The signature is sha256=HMAC of the body with the webhook's secret."),
                size="2", color_scheme="gray"),
        rx.cond(S.hooks.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(h)) for h in
                                           ("Address", "Events", "Secret", "On", "")])),
            rx.table.body(rx.foreach(S.hooks, _hook_row)),
            size="1", width="100%",
        )),
        rx.form(
            rx.vstack(
                rx.hstack(
                    rx.vstack(rx.input(name="url", id="webhook-url", placeholder="https://hooks.zapier.com/…",
                                       width="100%"),
                              field_error(errors, "hook_url"), spacing="1", flex="2"),
                    rx.input(name="description", placeholder=t("Description"), flex="1"),
                    rx.button(t("Add webhook"), type="submit", id="webhook-create"),
                    align="start", spacing="2", width="100%", wrap="wrap",
                ),
                rx.hstack(*[rx.text(rx.hstack(
                    rx.checkbox(checked=S.hook_events.contains(event),
                                on_change=lambda on, e=event: S.toggle_event(e, on)),
                    rx.code(event, size="1"), spacing="1", align="center"), as_="label", size="2")
                    for event in EVENTS], spacing="3", wrap="wrap"),
                field_error(errors, "hook_events"),
                spacing="2", width="100%",
            ),
            on_submit=S.create_hook, reset_on_submit=True, key=S.api_form_key,
        ),
        spacing="2", width="100%",
    )


def api_access_card() -> rx.Component:
    """API keys and webhooks; admins only."""
    return rx.cond(
        SessionState.role == "admin",
        rx.card(
            rx.vstack(
                rx.heading(t("API access"), size="4"),
                _shown_once(),
                _keys_section(),
                rx.separator(size="4"),
                _hooks_section(),
                spacing="4", width="100%",
            ),
            width="100%", id="api-access",
            on_mount=S.load,
        ),
    )
