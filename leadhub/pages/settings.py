"""Settings: the team, its members and roles, and the user's own password."""

from __future__ import annotations

import reflex as rx

from leadhub.components.api_settings import api_access_card
from leadhub.components.followup_policy import followup_policy_card
from leadhub.components.forms import labelled, text_field
from leadhub.components.i18n import t, t_value
from leadhub.components.layout import app_shell, page_title
from leadhub.components.notification_settings import failed_notifications_card, notifications_card
from leadhub.components.nurturing_settings import nurturing_settings
from leadhub.components.web_forms_card import web_forms_card
from leadhub.i18n import LANGUAGES
from leadhub.services.auth import CURRENCIES
from leadhub.state.auth_pages import COMMON_TIMEZONES
from leadhub.state.settings import SettingsState

ROLES = ["admin", "manager", "rep"]


def _select(name: str, options: list[str], default: rx.Var,
            labels: dict[str, str] | None = None) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(width="100%", id=name),
        rx.select.content(*[rx.select.item((labels or {}).get(o, o), value=o) for o in options]),
        name=name, default_value=default,
    )


def team_card() -> rx.Component:
    errors, values = SettingsState.field_errors, SettingsState.team_form
    return rx.card(
        rx.heading(t("Team settings"), size="4", margin_bottom="0.75em"),
        rx.form(
            rx.grid(
                text_field("Team name", "name", errors, values["name"], required=True),
                labelled("Time zone", _select("timezone", COMMON_TIMEZONES, values["timezone"]),
                         errors, "timezone"),
                labelled("Currency", _select("currency", list(CURRENCIES), values["currency"]),
                         errors, "currency"),
                labelled("Language", _select("language", list(LANGUAGES), values["language"], LANGUAGES),
                         errors, "language"),
                text_field("Country", "country", errors, values["country"], placeholder="ES"),
                columns="2", spacing="3", width="100%",
            ),
            rx.button(t("Save"), type="submit", margin_top="1em", disabled=~SettingsState.is_admin),
            on_submit=SettingsState.save_team,
            reset_on_submit=False,
            key=SettingsState.form_key,
        ),
        width="100%",
    )


def member_row(member: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(member["name"]),
        rx.table.cell(member["email"]),
        rx.table.cell(rx.cond(
            SettingsState.is_admin,
            rx.select.root(
                rx.select.trigger(),
                rx.select.content(*[rx.select.item(t(r), value=r) for r in ROLES]),
                value=member["role"],
                on_change=lambda role: SettingsState.change_role(member["id"], role),
                size="1",
            ),
            t_value(member["role"], ROLES),
        )),
        rx.table.cell(rx.cond(SettingsState.is_admin, rx.button(
            t("Remove"), size="1", variant="soft", color_scheme="red",
            on_click=SettingsState.remove_member(member["id"])))),
        data_member_email=member["email"],
    )


def members_card() -> rx.Component:
    errors = SettingsState.field_errors
    return rx.card(
        rx.heading(t("Members"), size="4", margin_bottom="0.75em"),
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(t("Name")), rx.table.column_header_cell(t("E-mail")),
                rx.table.column_header_cell(t("Role")), rx.table.column_header_cell(""))),
            rx.table.body(rx.foreach(SettingsState.members, member_row)),
            size="1", width="100%", id="members-table",
        ),
        rx.cond(
            SettingsState.is_admin,
            rx.form(
                rx.hstack(
                    text_field("E-mail", "email", errors, type_="email"),
                    text_field("Name", "full_name", errors),
                    labelled("Role", rx.select.root(
                        rx.select.trigger(id="new-member-role"),
                        rx.select.content(*[rx.select.item(t(r), value=r) for r in ROLES]),
                        value=SettingsState.new_member_role,
                        on_change=SettingsState.set_new_member_role)),
                    rx.button(t("Add member"), type="submit", id="add-member"),
                    align="end", spacing="3", width="100%", margin_top="1em",
                ),
                on_submit=SettingsState.add_member,
                reset_on_submit=True,
            ),
            rx.text(t("Only admins can change team settings and members."), size="2",
                    color_scheme="gray", margin_top="1em"),
        ),
        rx.cond(SettingsState.new_member_password != "",
                rx.callout.root(
                    rx.callout.icon(rx.icon("key")),
                    rx.callout.text(t("Temporary password for the new member (shown once):"), " ",
                                    rx.code(SettingsState.new_member_password, id="new-member-password")),
                    margin_top="1em")),
        width="100%",
    )


def password_card() -> rx.Component:
    errors = SettingsState.field_errors
    return rx.card(
        rx.heading(t("Change password"), size="4", margin_bottom="0.75em"),
        rx.form(
            rx.hstack(
                text_field("Current password", "current_password", errors, type_="password"),
                text_field("New password", "new_password", errors, type_="password"),
                rx.button(t("Save"), type="submit"),
                align="end", spacing="3", width="100%",
            ),
            on_submit=SettingsState.change_password,
            key=SettingsState.form_key,
        ),
        width="100%",
    )


def settings_page() -> rx.Component:
    """Team settings, members and the user's password."""
    return app_shell(
        page_title("Settings"),
        rx.vstack(team_card(), members_card(), followup_policy_card(), notifications_card(),
                  failed_notifications_card(), nurturing_settings(),
                  web_forms_card(),
                  api_access_card(),
                  password_card(), spacing="4", width="100%"),
    )
