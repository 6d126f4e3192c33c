"""/forms: the team's public web forms, their submissions and conversion rate, the builder
(admins) and the snippet to paste into a web site; a link to the CSV import wizard."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import labelled
from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.state.forms import FormsState as S
from leadhub.state.session import NONE

OWNER_MODES = [("creator", "Unassigned"), ("fixed", "One owner"), ("round_robin", "Take turns (round robin)")]


def form_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(rx.text(row["name"], weight="medium"),
                                rx.cond(row["archived"] != "", rx.badge(t("Offline"), color_scheme="gray")),
                                spacing="2", align="center")),
        rx.table.cell(row["views"], text_align="right"),
        rx.table.cell(row["submissions"], text_align="right", class_name="form-submissions"),
        rx.table.cell(row["rate"], text_align="right", class_name="form-rate"),
        rx.table.cell(row["leads"], text_align="right"),
        rx.table.cell(row["converted"], text_align="right"),
        rx.table.cell(rx.hstack(
            rx.link(rx.button(rx.icon("external-link", size=14), t("Open"), size="1", variant="soft"),
                    href=row["url"], is_external=True, class_name="form-hosted-link"),
            rx.button(rx.icon("code", size=14), t("Embed"), size="1", variant="soft",
                      on_click=S.open_snippet(row["key"], row["name"]), class_name="form-embed"),
            rx.cond(S.is_admin, rx.hstack(
                rx.button(rx.icon("pencil", size=14), t("Edit"), size="1", variant="soft",
                          on_click=S.open_edit(row["id"]), class_name="form-edit"),
                rx.cond(row["archived"] != "",
                        rx.button(t("Put online"), size="1", variant="ghost", on_click=S.set_archived(row["id"], False)),
                        rx.button(t("Take offline"), size="1", variant="ghost", color_scheme="gray",
                                  on_click=S.set_archived(row["id"], True))),
                spacing="2")),
            spacing="2")),
        data_form_key=row["key"], class_name="form-row",
    )


def forms_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell(t("Form")), rx.table.column_header_cell(t("Views")),
            rx.table.column_header_cell(t("Submissions")), rx.table.column_header_cell(t("Conversion rate")),
            rx.table.column_header_cell(t("Leads created")), rx.table.column_header_cell(t("Converted")),
            rx.table.column_header_cell(""))),
        rx.table.body(rx.foreach(S.rows, form_row)),
        variant="surface", size="2", width="100%", id="forms-table",
    )


def field_row(f: rx.Var) -> rx.Component:
    name = f["name"]
    return rx.table.row(
        rx.table.cell(rx.checkbox(checked=f["included"] != "", disabled=f["locked"] != "",
                                  on_change=lambda _v: S.toggle_field(name), aria_label="On the form")),
        rx.table.cell(rx.hstack(rx.text(f["default_en"], size="2"),
                                rx.cond(f["custom"] != "", rx.badge(t("custom"), size="1")), spacing="1")),
        rx.table.cell(rx.input(default_value=f["label_en"], placeholder=f["default_en"], size="1",
                               on_blur=lambda v: S.set_label(name, "en", v), aria_label="Label (English)")),
        rx.table.cell(rx.input(default_value=f["label_es"], placeholder=f["default_es"], size="1",
                               on_blur=lambda v: S.set_label(name, "es", v), aria_label="Label (Spanish)")),
        rx.table.cell(rx.checkbox(checked=f["required"] != "", disabled=f["locked"] != "",
                                  on_change=lambda _v: S.toggle_required(name), aria_label="Required")),
        rx.table.cell(rx.hstack(
            rx.icon_button(rx.icon("arrow-up", size=12), size="1", variant="ghost", type="button",
                           on_click=S.move_field(name, -1), aria_label="Move up"),
            rx.icon_button(rx.icon("arrow-down", size=12), size="1", variant="ghost", type="button",
                           on_click=S.move_field(name, 1), aria_label="Move down"), spacing="1")),
        data_field=name, opacity=rx.cond(f["included"] != "", "1", "0.55"),
    )


def _select(name: str, options: rx.Var | list, default: rx.Var, none_label: str = "—") -> rx.Component:
    items = rx.foreach(options, lambda o: rx.select.item(o[1], value=o[0])) if isinstance(options, rx.Var) \
        else [rx.select.item(t(label), value=value) for value, label in options]
    content = rx.select.content(rx.select.item(none_label, value=NONE), items) if isinstance(options, rx.Var) \
        else rx.select.content(*items)
    return rx.select.root(rx.select.trigger(width="100%", id=f"form-{name}"), content, name=name,
                          default_value=default)


def builder_dialog() -> rx.Component:
    errors, values = S.field_errors, S.values
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.editing_id != 0, t("Edit form"), t("New form"))),
            rx.form(
                rx.vstack(
                    labelled("Name", rx.input(name="name", id="form-name", default_value=values["name"],
                                              width="100%"), errors, "name", required=True),
                    rx.text(t("Fields"), weight="bold", size="2"),
                    rx.box(rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell(""), rx.table.column_header_cell(t("Field")),
                            rx.table.column_header_cell(t("Label (English)")),
                            rx.table.column_header_cell(t("Label (Spanish)")),
                            rx.table.column_header_cell(t("Required")), rx.table.column_header_cell(""))),
                        rx.table.body(rx.foreach(S.fields, field_row)), size="1", width="100%"),
                        max_height="16em", overflow_y="auto", width="100%", id="form-fields"),
                    rx.cond(errors.contains("fields"),
                            rx.text(errors["fields"], color="var(--red-11)", size="1", data_error_for="fields")),
                    rx.text(t("Every lead from this form gets"), weight="bold", size="2"),
                    rx.grid(
                        labelled("Lead source", rx.select.root(
                            rx.select.trigger(width="100%", id="form-lead_source"),
                            rx.select.content(rx.select.item("—", value=NONE),
                                              rx.foreach(S.source_choices, lambda o: rx.select.item(o, value=o))),
                            name="lead_source", default_value=values["lead_source"]), errors, "lead_source"),
                        labelled("Campaign", _select("campaign_id", S.campaign_choices, values["campaign_id"]),
                                 errors, "campaign_id"),
                        labelled("Owner", rx.select.root(
                            rx.select.trigger(width="100%", id="form-owner-mode"),
                            rx.select.content(*[rx.select.item(t(label), value=v) for v, label in OWNER_MODES]),
                            value=S.owner_mode, on_change=S.set_owner_mode), errors, "owner_mode"),
                        rx.cond(S.owner_mode == "fixed",
                                labelled("Member", _select("owner_id", S.members, values["owner_id"]), errors, "owner_id"),
                                rx.fragment()),
                        columns="2", spacing="3", width="100%",
                    ),
                    rx.cond(S.owner_mode == "round_robin", rx.vstack(
                        rx.text(t("Members who take turns"), size="2", weight="medium"),
                        rx.hstack(rx.foreach(S.members, lambda m: rx.hstack(
                            rx.checkbox(checked=S.round_robin.contains(m[0]),
                                        on_change=lambda _v: S.toggle_round_robin(m[0])),
                            rx.text(m[1], size="2"), spacing="1", align="center")), wrap="wrap", spacing="3"),
                        rx.cond(errors.contains("round_robin_ids"),
                                rx.text(errors["round_robin_ids"], color="var(--red-11)", size="1")),
                        spacing="1", width="100%")),
                    rx.text(t("After sending"), weight="bold", size="2"),
                    rx.grid(
                        labelled("Thank-you message (English)", rx.text_area(
                            name="thank_you_en", default_value=values["thank_you_en"], rows="2", width="100%"),
                            errors, "thank_you_en"),
                        labelled("Thank-you message (Spanish)", rx.text_area(
                            name="thank_you_es", default_value=values["thank_you_es"], rows="2", width="100%"),
                            errors, "thank_you_es"),
                        columns="2", spacing="3", width="100%"),
                    labelled("Or send visitors to this address", rx.input(
                        name="redirect_url", id="form-redirect", default_value=values["redirect_url"],
                        placeholder="https://www.example.com/thanks", width="100%"), errors, "redirect_url"),
                    rx.grid(
                        labelled("Web sites that may embed it (one per line)", rx.text_area(
                            name="allowed_origins", id="form-origins", default_value=values["allowed_origins"],
                            placeholder="https://www.example.com", rows="2", width="100%"),
                            errors, "allowed_origins"),
                        labelled("Language of the hosted page", rx.select.root(
                            rx.select.trigger(width="100%"),
                            rx.select.content(rx.select.item("English", value="en"),
                                              rx.select.item("Español", value="es")),
                            name="language", default_value=values["language"]), errors, "language"),
                        columns="2", spacing="3", width="100%"),
                    rx.hstack(
                        rx.spacer(),
                        rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(t("Save"), type="submit", id="form-save"), width="100%"),
                    spacing="3", width="100%",
                ),
                on_submit=S.save, reset_on_submit=False, key=S.form_key,
            ),
            max_width="56em",
        ),
        open=S.builder_open, on_open_change=S.set_builder_open,
    )


def snippet_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Put this form on your web site")),
            rx.dialog.description(S.snippet_name, size="2", margin_bottom="0.75em"),
            rx.vstack(
                rx.text(t("Paste this where the form should appear:"), size="2"),
                rx.box(rx.code(S.snippet, variant="ghost", size="2"), id="form-snippet", width="100%", padding="0.75em",
                       background="var(--gray-3)", border_radius="var(--radius-2)", word_break="break-all"),
                rx.hstack(rx.button(rx.icon("copy", size=14), t("Copy"), on_click=S.copy_snippet, id="copy-snippet"),
                          rx.link(t("Open the hosted page"), href=S.snippet_url, is_external=True, size="2"),
                          spacing="3", align="center"),
                rx.text(t("The web site must be listed among the form's web sites; the hosted page also works in an iframe and without JavaScript."),  # noqa: E501
                        size="1", color_scheme="gray"),
                rx.hstack(rx.spacer(), rx.dialog.close(rx.button(t("Close"), variant="soft")), width="100%"),
                spacing="3", width="100%",
            ),
            max_width="40em",
        ),
        open=S.snippet_open, on_open_change=S.set_snippet_open,
    )


def forms_page() -> rx.Component:
    """The team's web forms."""
    return app_shell(
        page_title(
            "Web forms",
            rx.link(rx.button(rx.icon("upload", size=14), t("Import CSV"), variant="soft"), href="/leads/import",
                    id="import-link"),
            rx.cond(S.is_admin, rx.button(rx.icon("plus", size=14), t("New form"), on_click=S.open_new,
                                          id="new-form")),
        ),
        rx.cond(S.rows.length() > 0, forms_table(),
                rx.callout(rx.cond(S.is_admin, t("No forms yet: create one and put it on your web site."),
                                   t("No forms yet: an admin can create them.")), icon="file-input", id="no-forms")),
        rx.text(t("Conversion rate: submissions per view of the form (hosted page or embed)."),
                size="1", color_scheme="gray", margin_top="0.75em"),
        builder_dialog(),
        snippet_dialog(),
    )
