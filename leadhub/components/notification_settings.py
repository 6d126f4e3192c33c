"""Settings cards for admins: where LeadAcquired notifications go (Telegram, Slack) and the
ones that failed after their last try."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import field_error
from leadhub.components.i18n import t
from leadhub.state.notification_settings import NotificationSettingsState as S
from leadhub.state.session import SessionState

CHANNELS = (
    ("telegram", "Telegram", "send", "Bot token", "123456789:AAH…"),
    ("slack", "Slack", "message-square", "Incoming webhook URL", "https://hooks.slack.com/services/…"),
)


def _input(kind: str, name: str, default: rx.Var | str, **props) -> rx.Component:
    key = f"{kind}_{name}"
    return rx.input(name=name, id=f"{kind}-{name}", default_value=default, width="100%",
                    color_scheme=rx.cond(S.field_errors.contains(key), "red", "gray"), **props)


def _field(label: str, kind: str, name: str, control: rx.Component,
           hint: rx.Component | None = None) -> rx.Component:
    return rx.vstack(
        rx.text(t(label), as_="label", size="2", weight="medium", html_for=f"{kind}-{name}"),
        control,
        hint or rx.fragment(),
        field_error(S.field_errors, f"{kind}_{name}"),
        spacing="1", width="100%",
    )


def channel_form(kind: str, title: str, icon: str, secret_label: str, secret_hint: str) -> rx.Component:
    channel = S.channels[kind]
    masked = channel["secret_masked"]
    return rx.form(
        rx.vstack(
            rx.hstack(
                rx.icon(icon, size=18),
                rx.heading(title, size="3"),
                rx.cond(channel["configured"] != "",
                        rx.badge(t("Set up"), color_scheme="green", variant="soft", size="1"),
                        rx.badge(t("Not set up"), color_scheme="gray", variant="soft", size="1")),
                rx.spacer(),
                rx.text(rx.hstack(t("On"), rx.switch(
                    checked=S.enabled[kind], on_change=lambda on: S.set_enabled(kind, on),
                    aria_label=f"{title} on"), spacing="2", align="center"),
                    as_="label", size="2"),
                width="100%", align="center", spacing="2",
            ),
            rx.grid(
                _field(secret_label, kind, "secret",
                       _input(kind, "secret", "", type="password", auto_complete="off",
                              placeholder=rx.cond(masked != "", masked, secret_hint)),
                       rx.cond(masked != "", rx.text(
                           t("Stored"), ": ", rx.code(masked), " — ",
                           t("leave empty to keep it."), size="1", color_scheme="gray"))),
                *([_field("Chat id", kind, "chat_id",
                          _input(kind, "chat_id", channel["chat_id"],
                                 placeholder="-1001234567890")),
                   _field("API base URL", kind, "api_base_url",
                          _input(kind, "api_base_url", channel["api_base_url"],
                                 placeholder="https://api.telegram.org"))]
                  if kind == "telegram" else []),
                columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%",
            ),
            _field("Message template", kind, "template",
                   rx.text_area(name="template", id=f"{kind}-template",
                                default_value=channel["template"], rows="4", width="100%")),
            rx.hstack(
                rx.text(t("Placeholders"), ": ", size="1", color_scheme="gray"),
                rx.foreach(S.placeholders, lambda p: rx.code(p, size="1")),
                wrap="wrap", spacing="1", align="center",
            ),
            field_error(S.field_errors, f"{kind}_enabled"),
            rx.cond(S.last_test.contains(kind), rx.callout.root(
                rx.callout.icon(rx.icon("circle-check")),
                rx.callout.text(t("Test message sent:"), " ",
                                rx.text.span(S.last_test[kind], white_space="pre-wrap")),
                color_scheme="green", size="1", id=f"{kind}-test-result")),
            rx.hstack(
                rx.spacer(),
                rx.button(rx.icon("send", size=14), t("Send test"), type="submit",
                          variant="soft", on_click=S.set_action("test"), id=f"{kind}-test"),
                rx.button(t("Save"), type="submit", on_click=S.set_action("save"),
                          id=f"{kind}-save"),
                width="100%",
            ),
            spacing="3", width="100%",
        ),
        on_submit=lambda form: S.submit(kind, form),
        reset_on_submit=False,
        key=S.notif_key,
        id=f"{kind}-channel-form",
        width="100%",
    )


def notifications_card() -> rx.Component:
    """Telegram and Slack for LeadAcquired messages; admins only."""
    return rx.cond(
        SessionState.role == "admin",
        rx.card(
            rx.heading(t("Notifications"), size="4"),
            rx.text(t("When a deal comes from outreach, LeadHub tells your team here."),
                    size="2", color_scheme="gray", margin_bottom="0.75em"),
            rx.cond(
                S.channels.length() > 0,
                rx.vstack(*[rx.box(channel_form(*c), width="100%", padding="0.75em",
                                   border="1px solid var(--gray-5)",
                                   border_radius="var(--radius-3)") for c in CHANNELS],
                          spacing="3", width="100%"),
                rx.center(rx.spinner(), padding="1em"),
            ),
            width="100%",
            id="notifications-card",
            on_mount=S.load,
        ),
    )


def failed_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["created"], white_space="nowrap"),
        rx.table.cell(row["channel"]),
        rx.table.cell(row["deal"]),
        rx.table.cell(row["attempts"], text_align="right"),
        rx.table.cell(rx.text(row["error"], size="1", color="var(--red-11)")),
        rx.table.cell(rx.button(rx.icon("rotate-cw", size=12), t("Retry"), size="1",
                                variant="soft", on_click=S.retry(row["id"]))),
        data_notification_id=row["id"],
        class_name="failed-notification",
    )


def failed_notifications_card() -> rx.Component:
    """Notifications that gave up after their last try, with Retry and Retry all."""
    return rx.cond(
        SessionState.role == "admin",
        rx.card(
            rx.hstack(
                rx.heading(t("Failed notifications"), size="4"),
                rx.badge(S.failed_total, color_scheme=rx.cond(S.failed_total > 0, "red", "gray")),
                rx.spacer(),
                rx.button(rx.icon("rotate-cw", size=14), t("Retry all"), size="2",
                          variant="soft", on_click=S.retry_all, disabled=S.failed_total == 0,
                          id="retry-all"),
                width="100%", align="center", margin_bottom="0.75em",
            ),
            rx.cond(
                S.failed_total > 0,
                rx.vstack(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell(t("When")),
                            rx.table.column_header_cell(t("Channel")),
                            rx.table.column_header_cell(t("Deal")),
                            rx.table.column_header_cell(t("Tries"), text_align="right"),
                            rx.table.column_header_cell(t("Last error")),
                            rx.table.column_header_cell(""),
                        )),
                        rx.table.body(rx.foreach(S.failed, failed_row)),
                        size="1", width="100%", id="failed-notifications",
                    ),
                    rx.cond(S.failed_pages > 1, rx.hstack(
                        rx.text(t("Page"), " ", S.failed_page, " ", t("of"), " ", S.failed_pages,
                                size="1", color_scheme="gray"),
                        rx.spacer(),
                        rx.button(rx.icon("chevron-left", size=14), size="1", variant="soft",
                                  disabled=S.failed_page <= 1,
                                  on_click=S.go_to_failed_page(S.failed_page - 1)),
                        rx.button(rx.icon("chevron-right", size=14), size="1", variant="soft",
                                  disabled=S.failed_page >= S.failed_pages,
                                  on_click=S.go_to_failed_page(S.failed_page + 1)),
                        width="100%")),
                    width="100%",
                ),
                rx.text(t("Nothing failed: every notification was delivered or is on its way."),
                        size="2", color_scheme="gray", id="no-failed-notifications"),
            ),
            width="100%",
            id="failed-notifications-card",
        ),
    )
