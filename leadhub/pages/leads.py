"""Leads: the searchable, sortable, paged list and the create/edit form."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import select_field, text_field
from leadhub.components.i18n import t, t_value
from leadhub.components.layout import app_shell, page_title
from leadhub.services.leads import CHOICES
from leadhub.services.models import INDUSTRIES, LEAD_SOURCES
from leadhub.state.leads import ANY, NONE, LeadsState

STATUSES = CHOICES["status"]
RATINGS = CHOICES["rating"]
STATUS_COLOURS = {"New": "blue", "Contacted": "cyan", "Qualified": "green",
                  "Unqualified": "gray", "Converted": "purple"}
RATING_COLOURS = {"Hot": "red", "Warm": "orange", "Cold": "sky"}


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(t_value(status, STATUSES),
                    color_scheme=rx.match(status, *STATUS_COLOURS.items(), "gray"), variant="soft")


def rating_badge(rating: rx.Var) -> rx.Component:
    return rx.cond(rating != "", rx.badge(t_value(rating, RATINGS),
                                          color_scheme=rx.match(rating, *RATING_COLOURS.items(), "gray")))


def _filter_select(name: str, value: rx.Var, all_label: str, options: list[str]) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=all_label, id=name),
        rx.select.content(
            rx.select.item(t(all_label), value=ANY),
            *[rx.select.item(t(o), value=o) for o in options],
        ),
        value=value,
        on_change=lambda v: LeadsState.set_filter(name, v),
    )


def filters() -> rx.Component:
    return rx.hstack(
        rx.input(rx.input.slot(rx.icon("search", size=14)),
                 placeholder=t("Search name, company, e-mail, phone…"),
                 default_value=LeadsState.search,
                 on_change=LeadsState.set_search.debounce(300),
                 width="22em", id="lead-search"),
        _filter_select("status_filter", LeadsState.status_filter, "All statuses", STATUSES),
        _filter_select("rating_filter", LeadsState.rating_filter, "All ratings", RATINGS),
        _filter_select("source_filter", LeadsState.source_filter, "All sources", LEAD_SOURCES),
        rx.select.root(
            rx.select.trigger(aria_label="Owner", id="owner_filter"),
            rx.select.content(
                rx.select.item(t("Anyone"), value=ANY),
                rx.select.item(t("Me"), value="me"),
                rx.foreach(LeadsState.owners, lambda o: rx.select.item(o[1], value=o[0])),
            ),
            value=LeadsState.owner_filter,
            on_change=lambda v: LeadsState.set_filter("owner_filter", v),
        ),
        spacing="2",
        wrap="wrap",
        margin_bottom="1em",
    )


def sort_header(label: str, column: str) -> rx.Component:
    arrow = rx.cond(LeadsState.sort == column,
                    rx.cond(LeadsState.descending, rx.icon("arrow-down", size=12),
                            rx.icon("arrow-up", size=12)), "")
    return rx.table.column_header_cell(
        rx.hstack(rx.text(t(label)), arrow, spacing="1", align="center", cursor="pointer",
                  on_click=LeadsState.sort_by(column)),
        data_sort=column,
    )


def lead_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["name"], href="#", on_click=LeadsState.open_edit(row["id"]),
                              weight="medium")),
        rx.table.cell(row["company"]),
        rx.table.cell(row["email"]),
        rx.table.cell(row["phone"]),
        rx.table.cell(status_badge(row["status"])),
        rx.table.cell(rating_badge(row["rating"])),
        rx.table.cell(row["source"]),
        rx.table.cell(row["owner"]),
        rx.table.cell(row["score"], text_align="right"),
        rx.table.cell(row["created"]),
        data_lead_id=row["id"],
        class_name="lead-row",
    )


def lead_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(
            sort_header("Name", "name"),
            sort_header("Company", "company"),
            rx.table.column_header_cell(t("E-mail")),
            rx.table.column_header_cell(t("Phone")),
            sort_header("Status", "status"),
            sort_header("Rating", "rating"),
            sort_header("Source", "lead_source"),
            rx.table.column_header_cell(t("Owner")),
            sort_header("Score", "score"),
            sort_header("Created", "created_at"),
        )),
        rx.table.body(rx.foreach(LeadsState.rows, lead_row)),
        variant="surface",
        size="1",
        width="100%",
        id="leads-table",
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.text(LeadsState.total, " ", rx.cond(LeadsState.total == 1, t("lead"), t("leads")), " · ",
                t("Page"), " ", LeadsState.page, " ",
                t("of"), " ", LeadsState.pages, size="2", color_scheme="gray", id="leads-count"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=14), t("Previous"), variant="soft", size="1",
                  disabled=LeadsState.page <= 1, on_click=LeadsState.go_to_page(LeadsState.page - 1)),
        rx.button(t("Next"), rx.icon("chevron-right", size=14), variant="soft", size="1",
                  disabled=LeadsState.page >= LeadsState.pages,
                  on_click=LeadsState.go_to_page(LeadsState.page + 1), id="next-page"),
        width="100%",
        align="center",
        margin_top="0.75em",
    )


def _section(title: str, *fields: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.text(t(title), weight="bold", size="2", color_scheme="gray"),
        rx.grid(*fields, columns="2", spacing="3", width="100%"),
        spacing="2",
        width="100%",
    )


def lead_form() -> rx.Component:
    errors, values = LeadsState.field_errors, LeadsState.form_values
    none_first = lambda options: [NONE, *options]  # noqa: E731
    return rx.form(
        rx.vstack(
            _section(
                "Personal and company",
                text_field("First name", "first_name", errors, values["first_name"]),
                text_field("Last name", "last_name", errors, values["last_name"], required=True),
                text_field("Company", "company", errors, values["company"]),
                text_field("Title", "title", errors, values["title"]),
                select_field("Lead source", "lead_source", none_first(LEAD_SOURCES), errors,
                             values["lead_source"]),
                select_field("Industry", "industry", none_first(INDUSTRIES), errors, values["industry"]),
            ),
            _section(
                "Contact details",
                text_field("E-mail", "email", errors, values["email"], type_="email"),
                text_field("Phone", "phone", errors, values["phone"], placeholder="+34 612 345 678"),
                text_field("Mobile", "mobile", errors, values["mobile"]),
                text_field("Website", "website", errors, values["website"]),
            ),
            _section(
                "Qualification",
                select_field("Status", "status", [s for s in STATUSES if s != "Converted"], errors,
                             values["status"]),
                select_field("Rating", "rating", none_first(RATINGS), errors, values["rating"]),
                text_field("Budget", "budget", errors, values["budget"], placeholder="12.500,00"),
                select_field("Need", "need", none_first(CHOICES["need"]), errors, values["need"]),
                select_field("Interest", "interest", none_first(CHOICES["interest"]), errors,
                             values["interest"]),
                select_field("Owner", "owner_id", LeadsState.owners, errors, values["owner_id"]),
            ),
            _section(
                "Address and more",
                text_field("Street", "street", errors, values["street"]),
                text_field("City", "city", errors, values["city"]),
                text_field("State", "state", errors, values["state"]),
                text_field("Postal code", "postal_code", errors, values["postal_code"]),
                text_field("Country", "country", errors, values["country"]),
            ),
            rx.vstack(
                rx.text(t("Description"), as_="label", size="2", weight="medium"),
                rx.text_area(name="description", default_value=values["description"], width="100%",
                             rows="3"),
                width="100%",
                spacing="1",
            ),
            rx.hstack(
                rx.cond(LeadsState.editing_id != 0, delete_button()),
                rx.spacer(),
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
                rx.button(t("Save"), type="submit", id="lead-save"),
                width="100%",
            ),
            spacing="4",
        ),
        on_submit=LeadsState.save,
        reset_on_submit=False,
        no_validate=True,
        key=LeadsState.form_key,
        id="lead-form",
    )


def delete_button() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(rx.icon("trash-2", size=14), t("Delete"), color_scheme="red",
                                          variant="soft", type="button")),
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Delete this lead?")),
            rx.alert_dialog.description(t("This cannot be undone.")),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(t("Delete"), color_scheme="red",
                                                 on_click=LeadsState.delete)),
                justify="end",
                spacing="2",
                margin_top="1em",
            ),
        ),
    )


def lead_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(LeadsState.editing_id != 0, t("Edit lead"), t("New lead"))),
            lead_form(),
            max_width="46em",
        ),
        open=LeadsState.dialog_open,
        on_open_change=LeadsState.set_dialog_open,
    )


def leads_page() -> rx.Component:
    """The team's leads, paged in SQL."""
    return app_shell(
        page_title("Leads", rx.button(rx.icon("plus", size=14), t("New lead"),
                                      on_click=LeadsState.open_new, id="new-lead")),
        filters(),
        rx.cond(LeadsState.total > 0, lead_table(),
                rx.callout(t("No leads match these filters."), icon="info", id="no-leads")),
        pager(),
        lead_dialog(),
    )
