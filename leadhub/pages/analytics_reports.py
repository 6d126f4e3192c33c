"""Report builder and channel costs: the other two analytics pages."""

from __future__ import annotations

import reflex as rx

from leadhub.components.analytics_filters import filter_bar
from leadhub.components.charts import chart
from leadhub.components.forms import field_error, labelled, text_field
from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.pages.analytics import RelabelOnLanguage, analytics_nav
from leadhub.services.outreach import TYPE_LABELS, OutreachType
from leadhub.state.analytics_reports import CostsState, ReportsState
from leadhub.state.session import NONE

OBJECT_LABELS = [("leads", "Leads"), ("outreach", "Outreach"), ("contacts", "Contacts"), ("deals", "Deals")]
MEASURE_LABELS = [("count", "Count"), ("sum", "Sum"), ("avg", "Average")]
CHART_LABELS = [("bar", "Bars"), ("line", "Line"), ("pie", "Pie")]
GRAIN_LABELS = [("day", "Day"), ("week", "Week"), ("month", "Month")]


def _select(name: str, value: rx.Var, options, on_change, *, with_none: bool = False,
            translate: bool = True) -> rx.Component:
    if isinstance(options, list):
        items = [rx.select.item(t(label) if translate else label, value=key) for key, label in options]
    else:
        items = [rx.foreach(options, lambda o: rx.select.item(o[1], value=o[0]))]
    if with_none:
        items.insert(0, rx.select.item("—", value=NONE))
    return rx.select.root(rx.select.trigger(id=name, min_width="9em"), rx.select.content(*items),
                          value=value, on_change=on_change)


def control(label: str, widget: rx.Component) -> rx.Component:
    """A labelled control that keeps its own width, so the builder reads as one row."""
    return rx.vstack(rx.text(t(label), size="2", weight="medium"), widget, spacing="1")


def builder() -> rx.Component:
    s = ReportsState
    choice = lambda name: (lambda v: s.set_choice(name, v))  # noqa: E731
    return rx.card(rx.hstack(
        control("Record type", _select("r_object", s.r_object, OBJECT_LABELS, s.set_object)),
        control("Group by", rx.hstack(
            _select("r_group1", s.r_group1, s.group_options, choice("r_group1")),
            rx.cond(s.group1_has_grain, _select("r_grain1", s.r_grain1, GRAIN_LABELS, choice("r_grain1"))),
            spacing="1")),
        control("Then by", rx.hstack(
            _select("r_group2", s.r_group2, s.group_options, choice("r_group2"), with_none=True),
            rx.cond(s.group2_has_grain, _select("r_grain2", s.r_grain2, GRAIN_LABELS, choice("r_grain2"))),
            spacing="1")),
        control("Measure", rx.hstack(
            _select("r_measure", s.r_measure, MEASURE_LABELS, choice("r_measure")),
            rx.cond(s.r_measure != "count",
                    _select("r_measure_field", s.r_measure_field, s.number_options, choice("r_measure_field"),
                            with_none=True)),
            spacing="1")),
        control("Date range applies to", _select("r_date_field", s.r_date_field, s.date_options,
                                                  choice("r_date_field"))),
        control("Chart", _select("r_chart", s.r_chart, CHART_LABELS, choice("r_chart"))),
        spacing="4", wrap="wrap", align="end",
    ), width="100%", margin_bottom="1em")


def result_table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(rx.foreach(ReportsState.columns, rx.table.column_header_cell))),
            rx.table.body(rx.foreach(ReportsState.rows, lambda row: rx.table.row(
                rx.foreach(row, rx.table.cell), class_name="report-row"))),
            size="1", width="100%", variant="surface",
        ),
        max_height="28em", overflow_y="auto", width="100%", id="report-table",
    )


def saved_reports() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(t("Saved reports"), size="3"),
        rx.hstack(
            rx.input(value=ReportsState.save_name, on_change=ReportsState.set_save_name,
                     placeholder=t("Report name"), id="report-name", width="100%"),
            rx.checkbox(t("Share with the team"), checked=ReportsState.save_shared,
                        on_change=ReportsState.set_save_shared, id="report-shared"),
            width="100%", align="center",
        ),
        field_error(ReportsState.field_errors, "name"),
        rx.hstack(
            rx.button(rx.icon("save", size=14), t("Save"), on_click=ReportsState.save, size="2", id="report-save"),
            rx.cond(ReportsState.report_id != 0,
                    rx.button(t("Save as new"), on_click=[ReportsState.new_report, ReportsState.save],
                              variant="soft", size="2")),
            spacing="2",
        ),
        rx.divider(),
        rx.cond(ReportsState.saved.length() > 0,
                rx.vstack(rx.foreach(ReportsState.saved, lambda r: rx.hstack(
                    rx.link(r["name"], href="#", on_click=ReportsState.open_saved(r["id"]), weight="medium"),
                    rx.cond(r["shared"] != "", rx.badge(t("shared"), size="1")),
                    rx.text(r["author"], size="1", color_scheme="gray"),
                    rx.spacer(),
                    rx.cond(r["mine"] != "", rx.icon_button(rx.icon("trash-2", size=12), size="1", variant="ghost",
                                                           color_scheme="red",
                                                           on_click=ReportsState.delete_saved(r["id"]))),
                    width="100%", align="center", class_name="saved-report")), width="100%", spacing="1"),
                rx.text(t("No saved reports yet."), size="2", color_scheme="gray")),
        spacing="3", width="100%",
    ), width="100%")


def reports_page() -> rx.Component:
    """Build a report, see it as a table and a chart, save, share and export it."""
    return app_shell(
        page_title("Analytics"),
        analytics_nav("Reports"),
        filter_bar(ReportsState.run, grain=False),
        RelabelOnLanguage.create(handler=ReportsState.relabel),
        builder(),
        rx.grid(
            rx.card(rx.vstack(
                rx.hstack(
                    rx.heading(t("Result"), size="3"), rx.spacer(),
                    rx.text(ReportsState.currency_note, size="1", color_scheme="gray"),
                    rx.button(rx.icon("download", size=14), "CSV", on_click=ReportsState.export_csv, size="1",
                              variant="soft", id="report-csv"),
                    rx.button(rx.icon("image", size=14), "PNG", on_click=ReportsState.export_png, size="1",
                              variant="soft", id="report-png"),
                    width="100%", align="center",
                ),
                chart(ReportsState.figure, "report-chart", height="380px"),
                rx.cond(ReportsState.truncated,
                        rx.callout(t("Only the 200 largest groups are shown."), icon="info", size="1")),
                result_table(),
                spacing="3", width="100%",
            ), width="100%"),
            saved_reports(),
            columns=rx.breakpoints(initial="1", lg="3fr 1fr"), spacing="4", width="100%",
        ),
    )


def cost_form() -> rx.Component:
    errors = CostsState.field_errors
    return rx.form(
        rx.grid(
            text_field("Month", "month", errors, default=CostsState.default_month, type_="month"),
            labelled("Outreach type", rx.select.root(
                rx.select.trigger(id="type", min_width="9em"),
                rx.select.content(*[rx.select.item(t(TYPE_LABELS[k]), value=str(int(k))) for k in OutreachType]),
                name="type", value=CostsState.form_type, on_change=CostsState.set_form_type), errors, "type"),
            labelled("Platform or network", rx.select.root(
                rx.select.trigger(id="channel", min_width="9em", placeholder=t("All")),
                rx.select.content(rx.foreach(CostsState.channel_choices, lambda c: rx.select.item(
                    rx.cond(c == NONE, t("All"), c), value=c))),
                name="channel", default_value=NONE), errors, "channel"),
            text_field("Amount", "amount", errors, placeholder="1.250,00"),
            text_field("Currency", "currency", errors, default=CostsState.team_currency),
            text_field("Note", "note", errors, placeholder="Upwork connects"),
            rx.button(t("Save"), type="submit", id="cost-save"),
            columns=rx.breakpoints(initial="2", md="7"), spacing="3", align_items="end", width="100%",
        ),
        on_submit=CostsState.save, reset_on_submit=False, key=CostsState.form_key, id="cost-form",
    )


def costs_page() -> rx.Component:
    """What each channel cost per month, for ROI."""
    return app_shell(
        page_title("Analytics"),
        analytics_nav("Channel costs"),
        rx.cond(
            CostsState.allowed,
            rx.vstack(
                rx.text(t("Record what each platform or network cost per month (connects, ad spend, subscriptions). Leave the platform empty for the whole type."),  # noqa: E501
                        size="2", color_scheme="gray"),
                rx.card(cost_form(), width="100%"),
                rx.hstack(
                    rx.icon_button(rx.icon("chevron-left", size=14), on_click=CostsState.set_year(-1),
                                   variant="soft", size="1"),
                    rx.heading(CostsState.year, size="4", id="costs-year"),
                    rx.icon_button(rx.icon("chevron-right", size=14), on_click=CostsState.set_year(1),
                                   variant="soft", size="1"),
                    align="center",
                ),
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(h)) for h in
                                                  ("Month", "Outreach type", "Platform or network", "Amount",
                                                   "Note", "")])),
                    rx.table.body(rx.foreach(CostsState.rows, lambda r: rx.table.row(
                        rx.table.cell(r["month"]), rx.table.cell(r["type"]), rx.table.cell(r["channel"]),
                        rx.table.cell(r["amount"], text_align="right"), rx.table.cell(r["note"]),
                        rx.table.cell(rx.icon_button(rx.icon("trash-2", size=12), size="1", variant="ghost",
                                                     color_scheme="red", on_click=CostsState.delete(r["id"]))),
                        class_name="cost-row"))),
                    size="1", width="100%", variant="surface", id="costs-table",
                ),
                spacing="3", width="100%",
            ),
            rx.callout(t("Only managers and admins record channel costs."), icon="lock"),
        ),
    )

