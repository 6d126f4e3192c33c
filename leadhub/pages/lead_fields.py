"""/leads/fields: custom fields of leads, required standard fields and picklist options (admins)."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import field_error, labelled
from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.services.custom_fields import FIELD_TYPES, TYPE_LABELS
from leadhub.state.lead_fields import LeadFieldsState as F


def new_field_form() -> rx.Component:
    errors = F.field_errors
    return rx.form(
        rx.hstack(
            rx.box(labelled("Name", rx.input(name="label", id="field-label", width="14em"), errors, "label")),
            labelled("Type", rx.select.root(
                rx.select.trigger(id="field-type", width="10em"),
                rx.select.content(*[rx.select.item(t(TYPE_LABELS[k]), value=k) for k in FIELD_TYPES]),
                name="type", value=F.new_type, on_change=F.set_new_type), errors, "type"),
            rx.cond(F.new_type == "picklist",
                    labelled("Options", rx.text_area(name="options", id="field-options", rows="2",
                                                     placeholder=t("One per line"), width="16em"), errors, "options")),
            rx.hstack(rx.el.input(type="checkbox", name="required", id="field-required"),
                      rx.text(t("Required"), as_="label", html_for="field-required", size="2"),
                      align="center", spacing="2", height="2em"),
            rx.button(rx.icon("plus", size=14), t("Add field"), type="submit", id="field-add"),
            spacing="3", align="end", wrap="wrap",
        ),
        on_submit=F.create, reset_on_submit=True, key=F.form_key,
    )


def field_row(f: rx.Var) -> rx.Component:
    archived = f["archived"] != ""
    return rx.table.row(
        rx.table.cell(rx.text(f["label"], weight="medium", color=rx.cond(archived, "var(--gray-9)", "inherit"))),
        rx.table.cell(rx.code(f["key"], size="1")),
        rx.table.cell(f["type_label"]),
        rx.table.cell(rx.text(f["options_inline"], size="1", color_scheme="gray")),
        rx.table.cell(rx.cond(f["required"] != "", rx.badge(t("Required"), size="1"))),
        rx.table.cell(rx.cond(
            archived,
            rx.hstack(rx.badge(t("Removed"), color_scheme="gray", size="1"),
                      rx.button(t("Restore"), size="1", variant="soft", on_click=F.restore(f["id"]))),
            rx.hstack(
                rx.icon_button(rx.icon("arrow-up", size=12), size="1", variant="ghost", aria_label="Up",
                               on_click=F.move(f["id"], -1)),
                rx.icon_button(rx.icon("arrow-down", size=12), size="1", variant="ghost", aria_label="Down",
                               on_click=F.move(f["id"], 1)),
                rx.icon_button(rx.icon("pencil", size=12), size="1", variant="ghost", aria_label="Edit",
                               on_click=F.open_edit(f["id"])),
                rx.icon_button(rx.icon("trash-2", size=12), size="1", variant="ghost", color_scheme="red",
                               aria_label="Remove", on_click=F.remove(f["id"])),
                spacing="1"),
        )),
        class_name="field-row", data_key=f["key"],
    )


def edit_dialog() -> rx.Component:
    errors, f = F.field_errors, F.editing
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Edit field")),
            rx.form(
                rx.vstack(
                    labelled("Name", rx.input(name="label", default_value=f["label"], width="100%"), errors, "label"),
                    rx.cond(f["type"] == "picklist",
                            labelled("Options", rx.text_area(name="options", default_value=f["options"], rows="5",
                                                             width="100%"), errors, "options")),
                    rx.hstack(rx.el.input(type="checkbox", name="required", id="edit-required",
                                          default_checked=f["required"] != ""),
                              rx.text(t("Required"), as_="label", html_for="edit-required", size="2"),
                              align="center", spacing="2"),
                    rx.hstack(rx.spacer(),
                              rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
                              rx.button(t("Save"), type="submit"), width="100%"),
                    spacing="3",
                ),
                on_submit=F.save_edit, key=f["id"],
            ),
            max_width="28em",
        ),
        open=F.edit_open, on_open_change=F.set_edit_open,
    )


def standard_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.text(t("Required standard fields"), weight="bold", size="3"),
        rx.text(t("Last name is always required."), size="2", color_scheme="gray"),
        rx.grid(rx.foreach(F.standard, lambda s: rx.hstack(
            rx.switch(checked=s["required"] != "", on_change=lambda v: F.set_required(s["field"], v), size="1"),
            rx.text(s["label"], size="2"), spacing="2", align="center", data_standard=s["field"])),
            columns="3", spacing="2", width="100%"),
        spacing="3"), width="100%")


def picklist_form(name: str, label: str) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(t(label), weight="medium", size="2"),
            rx.el.input(type="hidden", name="field", value=name),
            rx.text_area(name="options", default_value=F.picklists[name], rows="8", width="100%", id=f"options-{name}"),
            field_error(F.field_errors, "options"),
            rx.button(t("Save options"), size="1", type="submit"),
            spacing="2", width="100%",
        ),
        on_submit=F.save_options, key=F.picklists[name], width="100%",
    )


def lead_fields_page() -> rx.Component:
    """/leads/fields."""
    return app_shell(
        page_title("Lead fields", rx.link(rx.button(rx.icon("arrow-left", size=14), t("Leads"), variant="soft"),
                                          href="/leads")),
        rx.cond(
            F.role != "admin",
            rx.callout(t("Only admins can change team settings and members."), icon="lock"),
            rx.vstack(
                rx.card(rx.vstack(
                    rx.text(t("Custom fields"), weight="bold", size="3"),
                    rx.text(t("They appear in the lead form and page, as list columns and filters, and in CSV export. Removing a field hides its values; restoring it brings them back."),
                            size="2", color_scheme="gray"),
                    new_field_form(),
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(h)) for h in
                                                       ("Name", "Key", "Type", "Options", "Required", "")])),
                        rx.table.body(rx.foreach(F.fields, field_row)),
                        size="1", width="100%", id="fields-table",
                    ),
                    spacing="3"), width="100%"),
                standard_card(),
                rx.card(rx.vstack(
                    rx.text(t("Picklist options"), weight="bold", size="3"),
                    rx.text(t("One option per line. Leads keep a value that is no longer in the list."), size="2",
                            color_scheme="gray"),
                    rx.grid(picklist_form("lead_source", "Lead source"), picklist_form("industry", "Industry"),
                            columns="2", spacing="4", width="100%"),
                    spacing="3"), width="100%"),
                spacing="4", width="100%",
            ),
        ),
        edit_dialog(),
    )
