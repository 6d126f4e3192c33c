"""Leads: the list (saved views, columns, filters incl. custom fields, selection and bulk
actions, CSV export) and the create/edit dialog with the duplicate check."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import labelled
from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.components.lead_form import RATINGS, STATUSES, rating_badge, status_badge
from leadhub.components.lead_form import lead_dialog as form_dialog
from leadhub.services.models import INDUSTRIES, LEAD_SOURCES
from leadhub.services.saved_views import PERIODS
from leadhub.state.leads import ANY, NONE, LeadsState

S = LeadsState
NOWRAP = rx.Var.create(["phone", "mobile", "created_at", "updated_at", "last_contacted_at", "budget", "status",
                        "rating", "score"])
# re-exported for pages that show the same badges
__all__ = ["leads_page", "lead_dialog", "status_badge", "rating_badge"]


def _filter_select(name: str, value: rx.Var, all_label: str, options: list[str] | list[tuple[str, str]],
                   ) -> rx.Component:
    items = [rx.select.item(t(o), value=o) if isinstance(o, str) else rx.select.item(t(o[1]), value=o[0])
             for o in options]
    return rx.select.root(
        rx.select.trigger(aria_label=all_label, id=name),
        rx.select.content(rx.select.item(t(all_label), value=ANY), *items),
        value=value,
        on_change=lambda v: S.set_filter(name, v),
    )


def view_picker() -> rx.Component:
    return rx.hstack(
        rx.select.root(
            rx.select.trigger(aria_label="View", id="view-picker", min_width="12em"),
            rx.select.content(rx.foreach(S.views, lambda v: rx.select.item(
                rx.cond(v["shared"] != "", v["name"] + " ·  👥", v["name"]), value=v["key"]))),
            value=S.view_key,
            on_change=S.apply_view,
        ),
        rx.tooltip(rx.icon_button(rx.icon("save", size=14), variant="soft", size="2", aria_label="Save view",
                                  on_click=S.set_view_dialog_open(True), id="save-view"),
                   content=t("Save this view")),
        rx.cond(S.view_key.startswith("builtin:"), rx.fragment(),
                rx.tooltip(rx.icon_button(rx.icon("trash-2", size=14), variant="soft", color_scheme="red",
                                          size="2", aria_label="Delete view", on_click=S.delete_view),
                           content=t("Delete this view"))),
        spacing="1", align="center",
    )


def view_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Save this view")),
            rx.dialog.description(t("Filters, columns and sort are saved."), size="2", margin_bottom="1em"),
            rx.form(
                rx.vstack(
                    labelled("Name", rx.input(name="name", id="view-name", width="100%"), S.field_errors, "name"),
                    rx.hstack(rx.el.input(type="checkbox", name="shared", id="view-shared"),
                              rx.text(t("Share with the team"), as_="label", html_for="view-shared", size="2"),
                              align="center", spacing="2"),
                    rx.cond(S.view_key.startswith("builtin:"), rx.fragment(), rx.hstack(
                        rx.el.input(type="checkbox", name="overwrite", id="view-overwrite"),
                        rx.text(t("Replace the current view"), as_="label", html_for="view-overwrite", size="2"),
                        align="center", spacing="2")),
                    rx.hstack(rx.spacer(),
                              rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
                              rx.button(t("Save"), type="submit", id="view-save"), width="100%"),
                    spacing="3",
                ),
                on_submit=S.save_view, reset_on_submit=True,
            ),
            max_width="26em",
        ),
        open=S.view_dialog_open,
        on_open_change=S.set_view_dialog_open,
    )


def custom_filter(spec: rx.Var) -> rx.Component:
    key = spec["key"]
    value = S.custom_filters.get(key, "")
    control = rx.match(
        spec["type"],
        ("picklist", rx.select.root(
            rx.select.trigger(width="100%"),
            rx.select.content(rx.select.item(t("Any"), value=ANY),
                              rx.foreach(S.custom_options[key], lambda o: rx.select.item(o, value=o))),
            value=rx.cond(value != "", value, ANY), on_change=lambda v: S.set_custom_filter(key, v))),
        ("checkbox", rx.select.root(
            rx.select.trigger(width="100%"),
            rx.select.content(rx.select.item(t("Any"), value=ANY), rx.select.item(t("Yes"), value="yes"),
                              rx.select.item(t("No"), value="no")),
            value=rx.cond(value != "", value, ANY), on_change=lambda v: S.set_custom_filter(key, v))),
        rx.input(default_value=value, width="100%", type=rx.cond(spec["type"] == "date", "date", "text"),
                 on_blur=lambda v: S.set_custom_filter(key, v)),
    )
    return rx.vstack(rx.text(spec["label"], size="2", weight="medium"), control, spacing="1", width="100%")


def more_filters() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(rx.button(rx.icon("sliders-horizontal", size=14), t("More filters"),
                                     rx.cond(S.active_filter_count > 0, rx.badge(S.active_filter_count)),
                                     variant="soft", id="more-filters")),
        rx.popover.content(
            rx.vstack(
                rx.text(t("Industry"), size="2", weight="medium"),
                _filter_select("industry_filter", S.industry_filter, "All industries", INDUSTRIES),
                rx.text(t("Created"), size="2", weight="medium"),
                _filter_select("created_filter", S.created_filter, "Any time", list(PERIODS.items())),
                rx.foreach(S.custom_filter_fields, custom_filter),
                rx.button(t("Clear filters"), variant="ghost", size="1", on_click=S.clear_filters),
                spacing="2", width="18em",
            ),
        ),
    )


def column_chooser() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(rx.button(rx.icon("columns-3", size=14), t("Columns"), variant="soft", id="columns")),
        rx.popover.content(rx.vstack(
            rx.foreach(S.column_choices, lambda c: rx.hstack(
                rx.checkbox(checked=S.columns.contains(c["key"]), disabled=c["key"] == "name",
                            on_change=lambda _v: S.toggle_column(c["key"])),
                rx.text(c["label"], size="2"), rx.cond(c["custom"] != "", rx.badge(t("custom"), size="1")),
                spacing="2", align="center", data_column=c["key"])),
            spacing="1", max_height="60vh", overflow_y="auto",
        )),
    )


def filters() -> rx.Component:
    return rx.hstack(
        view_picker(),
        rx.input(rx.input.slot(rx.icon("search", size=14)),
                 placeholder=t("Search name, company, e-mail, phone…"),
                 default_value=S.search, key=S.view_key,
                 on_change=S.set_search.debounce(300),
                 width="18em", id="lead-search"),
        _filter_select("status_filter", S.status_filter, "All statuses", STATUSES),
        _filter_select("rating_filter", S.rating_filter, "All ratings", RATINGS),
        _filter_select("source_filter", S.source_filter, "All sources", LEAD_SOURCES),
        rx.select.root(
            rx.select.trigger(aria_label="Owner", id="owner_filter"),
            rx.select.content(
                rx.select.item(t("Anyone"), value=ANY),
                rx.select.item(t("Me"), value="me"),
                rx.select.item(t("Nobody"), value="none"),
                rx.foreach(S.owners, lambda o: rx.select.item(o[1], value=o[0])),
            ),
            value=S.owner_filter,
            on_change=lambda v: S.set_filter("owner_filter", v),
        ),
        more_filters(),
        column_chooser(),
        spacing="2",
        wrap="wrap",
        margin_bottom="1em",
        align="center",
    )


def _header_label(column: rx.Var) -> rx.Component:
    return rx.text(column["label"])


def header_cell(column: rx.Var) -> rx.Component:
    key = column["key"]
    arrow = rx.cond(S.sort == key, rx.cond(S.descending, rx.icon("arrow-down", size=12),
                                           rx.icon("arrow-up", size=12)), "")
    return rx.table.column_header_cell(
        rx.cond(column["sortable"] != "",
                rx.hstack(_header_label(column), arrow, spacing="1", align="center", cursor="pointer",
                          on_click=S.sort_by(key)),
                _header_label(column)),
        data_sort=key, white_space="nowrap",
    )


def cell(row: rx.Var, column: rx.Var) -> rx.Component:
    return rx.table.cell(rx.match(
        column,
        ("name", rx.link(row["name"], href="/leads/" + row["id"], weight="medium", class_name="lead-link")),
        ("status", status_badge(row["status"])),
        ("rating", rating_badge(row["rating"])),
        ("score", rx.text(row["score"], text_align="right")),
        rx.text(row[column]),
    ), white_space=rx.cond(NOWRAP.contains(column), "nowrap", "normal"),
        # a long e-mail breaks anywhere inside its cell instead of pushing the table wide; words
        # of names and companies wrap whole, in columns wide enough for them
        style={"overflowWrap": rx.cond(column == "email", "anywhere", "normal")},
        min_width=rx.match(column, ("name", "9em"), ("company", "10em"), ("title", "10em"), ("email", "12em"),
                           ("city", "8em"), "auto"))


def lead_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.checkbox(checked=S.selected.contains(row["id"]),
                                  on_change=lambda _v: S.toggle_selected(row["id"]),
                                  aria_label="Select", class_name="row-select")),
        rx.foreach(S.columns, lambda column: cell(row, column)),
        rx.table.cell(rx.icon_button(rx.icon("pencil", size=14), variant="ghost", size="1", aria_label="Edit",
                                     on_click=S.open_edit(row["id"]), class_name="lead-edit")),
        data_lead_id=row["id"],
        class_name="lead-row",
    )


def lead_table() -> rx.Component:
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell(rx.checkbox(checked=S.page_selected, on_change=lambda _v: S.toggle_page(),
                                                    aria_label="Select page", id="select-page"), width="2em"),
            rx.foreach(S.column_headers, header_cell),
            rx.table.column_header_cell(""),
        )),
        rx.table.body(rx.foreach(S.rows, lead_row)),
        variant="surface",
        size="1",
        width="100%",
        id="leads-table",
    ), overflow_x="auto", width="100%")


def _bulk_select(action: str, placeholder: str, items: list[rx.Component] | rx.Component) -> rx.Component:
    content = rx.select.content(*items) if isinstance(items, list) else rx.select.content(items)
    return rx.select.root(rx.select.trigger(placeholder=t(placeholder), id=f"bulk-{action}"), content,
                          value="", on_change=lambda v: S.bulk_apply(action, v), size="1")


def bulk_bar() -> rx.Component:
    return rx.cond(S.selection_count > 0, rx.hstack(
        rx.text(S.selection_count, " ", t("selected"), weight="bold", size="2", id="selection-count"),
        rx.cond(S.page_selected & ~S.all_matching & (S.total > S.rows.length()),
                rx.button(t("Select all"), " ", S.total, variant="ghost", size="1", on_click=S.select_all_matching,
                          id="select-all-matching")),
        _bulk_select("assign_owner", "Assign owner", rx.foreach(S.owners, lambda o: rx.select.item(o[1], value=o[0]))),
        _bulk_select("set_status", "Change status", [rx.select.item(t(s), value=s) for s in STATUSES if s != "Converted"]),
        _bulk_select("set_rating", "Change rating", [rx.select.item("—", value=NONE),
                                                     *[rx.select.item(t(r), value=r) for r in RATINGS]]),
        rx.select.root(rx.select.trigger(placeholder=t("Add to campaign"), id="bulk-add_to_campaign"),
                       rx.select.content(rx.foreach(S.campaign_choices, lambda c: rx.select.item(c[1], value=c[0]))),
                       value="", on_change=lambda v: S.bulk_apply("add_to_campaign", v), size="1",
                       on_open_change=lambda _o: S.load_campaigns()),
        download_link(rx.button(rx.icon("download", size=14), t("Export CSV"), variant="soft", size="1",
                                tab_index=-1), "export-selection"),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(rx.button(rx.icon("trash-2", size=14), t("Delete"), color_scheme="red",
                                              variant="soft", size="1", id="bulk-delete")),
            rx.alert_dialog.content(
                rx.alert_dialog.title(t("Delete the selected leads?")),
                rx.alert_dialog.description(S.selection_count, " ", t("leads and their notes, activities and documents will be deleted. This cannot be undone.")),
                rx.hstack(rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                          rx.alert_dialog.action(rx.button(t("Delete"), color_scheme="red", on_click=S.bulk_delete,
                                                           id="bulk-delete-confirm")),
                          justify="end", spacing="2", margin_top="1em"),
            ),
            open=S.bulk_confirm_open, on_open_change=S.set_bulk_confirm_open,
        ),
        rx.spacer(),
        rx.button(t("Clear selection"), variant="ghost", size="1", on_click=S.clear_selection),
        spacing="2", align="center", wrap="wrap", width="100%", padding="0.5em 0.75em",
        background="var(--accent-3)", border_radius="var(--radius-3)", margin_bottom="0.75em", id="bulk-bar",
    ))


def download_link(child: rx.Component, id_: str) -> rx.Component:
    """A download from /api: a document navigation, not the router's client-side one."""
    return rx.el.a(child, href=S.export_href, download=True, reload_document=True, id=id_)


def pager() -> rx.Component:
    return rx.hstack(
        rx.text(S.total, " ", rx.cond(S.total == 1, t("lead"), t("leads")), " · ",
                t("Page"), " ", S.page, " ", t("of"), " ", S.pages, size="2", color_scheme="gray",
                id="leads-count"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=14), t("Previous"), variant="soft", size="1",
                  disabled=S.page <= 1, on_click=S.go_to_page(S.page - 1)),
        rx.button(t("Next"), rx.icon("chevron-right", size=14), variant="soft", size="1",
                  disabled=S.page >= S.pages, on_click=S.go_to_page(S.page + 1), id="next-page"),
        width="100%",
        align="center",
        margin_top="0.75em",
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
                rx.alert_dialog.action(rx.button(t("Delete"), color_scheme="red", on_click=S.delete)),
                justify="end",
                spacing="2",
                margin_top="1em",
            ),
        ),
    )


def lead_dialog() -> rx.Component:
    """The list's create/edit dialog (the board embeds it too)."""
    return form_dialog(S, rx.cond(S.editing_id != 0, delete_button()))


def leads_page() -> rx.Component:
    """The team's leads, paged in SQL."""
    return app_shell(
        page_title(
            "Leads",
            rx.hstack(  # wraps under the title's row instead of running off a narrow window
                rx.link(rx.button(rx.icon("copy", size=14), t("Duplicates"), variant="soft"), href="/leads/duplicates",
                        id="duplicates-link"),
                rx.cond(S.role == "admin", rx.link(rx.button(rx.icon("list-plus", size=14), t("Fields"), variant="soft"),
                                                   href="/leads/fields", id="fields-link")),
                download_link(rx.button(rx.icon("download", size=14), t("Export CSV"), variant="soft", tab_index=-1),
                              "export-all"),
                rx.link(rx.button(rx.icon("upload", size=14), t("Import CSV"), variant="soft"), href="/leads/import",
                        id="import-csv"),
                rx.button(rx.icon("plus", size=14), t("New lead"), on_click=S.open_new, id="new-lead"),
                spacing="3", wrap="wrap", justify="end", white_space="nowrap"),
        ),
        filters(),
        bulk_bar(),
        rx.cond(S.total > 0, lead_table(),
                rx.callout(t("No leads match these filters."), icon="info", id="no-leads")),
        pager(),
        lead_dialog(),
        view_dialog(),
    )
