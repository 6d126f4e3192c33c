"""Analytics dashboard: KPI tiles and interactive charts that follow one filter bar; a click on
a bar opens the records behind it."""

from __future__ import annotations

import reflex as rx
from reflex.utils.imports import ImportVar
from reflex.vars.base import LiteralVar, Var, VarData

from leadhub.components.analytics_filters import filter_bar
from leadhub.components.charts import chart
from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.state.analytics import DashboardState
from leadhub.state.session import SessionState

TABS = [("Dashboard", "/analytics", "layout-dashboard"), ("Reports", "/analytics/reports", "table"),
        ("Channel costs", "/analytics/costs", "wallet")]
TREND_COLOURS = {"up": "var(--green-11)", "down": "var(--red-11)", "flat": "var(--gray-11)",
                 "none": "var(--gray-11)"}


class RelabelOnLanguage(rx.Fragment):
    """Runs a page's relabel event whenever the language changes: figures are built in the
    user's language on the server, so a new language means drawing them again."""

    @classmethod
    def create(cls, *children, handler=None, **props):
        component = super().create(*children, **props)
        component._relabel_handler = handler
        return component

    def add_hooks(self) -> list[Var]:
        chain = rx.fragment(on_mount=self._relabel_handler).event_triggers["on_mount"]
        call = LiteralVar.create(chain)
        lang = SessionState.lang
        return [Var(f"useEffect(() => {{ {call!s}(); }}, [{lang!s}]);",
                    _var_data=VarData.merge(lang._get_all_var_data(), call._get_all_var_data(),
                                            VarData(imports={"react": [ImportVar(tag="useEffect")]})))]


def analytics_nav(active: str) -> rx.Component:
    """Links between the analytics pages (the sidebar has one entry for all of them)."""
    return rx.hstack(
        *[rx.link(rx.button(rx.icon(icon, size=14), t(label), variant="solid" if label == active else "soft",
                            size="2"), href=href, data_tab=label.lower().replace(" ", "-"))
          for label, href, icon in TABS],
        spacing="2", margin_bottom="1em",
    )


def kpi_tile(kpi: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(kpi["label"], size="2", color_scheme="gray"),
            rx.heading(kpi["value"], size="6", class_name="kpi-value"),
            rx.text(kpi["change"], size="1", color=rx.match(kpi["trend"], *TREND_COLOURS.items(), "var(--gray-11)")),
            spacing="1",
        ),
        cursor=rx.cond(kpi["drill"] != "", "pointer", "default"),
        on_click=DashboardState.open_kpi(kpi["key"]),
        data_kpi=kpi["key"],
        width="100%",
    )


def kpi_row() -> rx.Component:
    return rx.grid(rx.foreach(DashboardState.kpis, kpi_tile), columns=rx.breakpoints(initial="2", md="5"),
                   spacing="3", width="100%", margin_bottom="1em", id="kpi-tiles")


def section(title: str, hint: str, *children: rx.Component, section_id: str = "",
            span: bool = False) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t(title), size="3"),
            rx.text(t(hint), size="1", color_scheme="gray"),
            *children,
            spacing="2", width="100%",
        ),
        width="100%", grid_column=rx.breakpoints(initial="auto", lg="span 2") if span else "auto",
        id=section_id or None,
    )


def dashboard_chart(name: str, height: str = "300px") -> rx.Component:
    return chart(DashboardState.figures[name], f"chart-{name}",
                 on_click=lambda points: DashboardState.open_drill(name, points), height=height)


def numbers_table(headers: list[str], rows: rx.Var, keys: list[str], table_id: str) -> rx.Component:
    """Exact numbers beside a chart."""
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(h)) for h in headers])),
            rx.table.body(rx.foreach(rows, lambda row: rx.table.row(
                *[rx.table.cell(row[k], text_align="left" if i == 0 else "right", white_space="nowrap")
                  for i, k in enumerate(keys)]))),
            size="1", variant="ghost", width="100%",
        ),
        overflow_x="auto", width="100%", id=table_id,
    )


def drill_dialog() -> rx.Component:
    row = lambda r: rx.table.row(  # noqa: E731
        rx.table.cell(rx.cond(r["href"] != "", rx.link(r["title"], href=r["href"], weight="medium"),
                              rx.text(r["title"], weight="medium")),
                      rx.text(r["detail"], size="1", color_scheme="gray")),
        rx.table.cell(r["when"]), rx.table.cell(r["status"]), rx.table.cell(r["amount"], text_align="right"),
        rx.table.cell(r["owner"]), class_name="drill-row", data_kind=r["kind"], data_id=r["id"])
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(DashboardState.drill_title),
            rx.text(DashboardState.drill_total, " ", t("records"), size="2", color_scheme="gray", id="drill-total"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(h)) for h in
                                              ("Record", "Date", "Status", "Amount", "Owner")])),
                rx.table.body(rx.foreach(DashboardState.drill_rows, row)),
                size="1", width="100%", id="drill-table",
            ),
            rx.hstack(
                rx.text(t("Page"), " ", DashboardState.drill_page, " ", t("of"), " ", DashboardState.drill_pages,
                        size="2", color_scheme="gray"),
                rx.spacer(),
                rx.button(rx.icon("chevron-left", size=14), t("Previous"), size="1", variant="soft",
                          disabled=DashboardState.drill_page <= 1,
                          on_click=DashboardState.drill_go(DashboardState.drill_page - 1)),
                rx.button(t("Next"), rx.icon("chevron-right", size=14), size="1", variant="soft",
                          disabled=DashboardState.drill_page >= DashboardState.drill_pages,
                          on_click=DashboardState.drill_go(DashboardState.drill_page + 1), id="drill-next"),
                rx.dialog.close(rx.button(t("Close"), size="1", variant="soft", color_scheme="gray")),
                width="100%", align="center", margin_top="0.75em",
            ),
            max_width="60em",
        ),
        open=DashboardState.drill_open,
        on_open_change=DashboardState.set_drill_open,
    )


def rates_section() -> rx.Component:
    return section(
        "Response rates", "Replied and positive answers over delivered outreach (bounces left out).",
        rx.segmented_control.root(
            rx.segmented_control.item(t("By type"), value="type"),
            rx.segmented_control.item(t("By platform"), value="channel"),
            rx.segmented_control.item(t("By rep"), value="rep"),
            value=DashboardState.rates_by, on_change=DashboardState.set_rates_by, size="1", id="rates-by"),
        rx.match(DashboardState.rates_by,
                 ("channel", dashboard_chart("rates_channel")),
                 ("rep", dashboard_chart("rates_rep")),
                 dashboard_chart("rates_type")),
        rx.text(t("Call outcomes per rep"), size="2", weight="medium"),
        dashboard_chart("outcomes", height="260px"),
        section_id="section-rates",
    )


def dashboard_body() -> rx.Component:
    return rx.vstack(
        kpi_row(),
        rx.foreach(DashboardState.notes, lambda note: rx.callout(note, icon="info", size="1", width="100%")),
        rx.grid(
            section("Outreach volume by type", "Outreach per day, week or month in the team's time zone.",
                    dashboard_chart("volume_type"), section_id="section-volume"),
            section("Outreach volume by rep", "The same outreach, per rep.", dashboard_chart("volume_rep"),
                    section_id="section-volume-rep"),
            section("Channel effectiveness",
                    "Outreach in the range and the contacts, deals and wins it led to (log scale); "
                    "median times between the steps.",
                    dashboard_chart("funnel"),
                    numbers_table(["Channel", "Outreach", "Contacts", "Deals", "Won", "Won revenue", "Contact rate",
                                   "Deal rate", "Win rate", "To contact", "To deal", "To win"],
                                  DashboardState.funnel_rows,
                                  ["label", "outreach", "contacts", "deals", "won", "revenue", "contact_rate",
                                   "deal_rate", "win_rate", "to_contact", "to_deal", "to_won"], "funnel-table"),
                    section_id="section-funnel", span=True),
            section("Lead source performance", "Leads created in the range, by source.",
                    dashboard_chart("sources"),
                    numbers_table(["Source", "Leads", "Qualified", "Converted", "Conversion", "Won deals",
                                   "Won revenue"], DashboardState.source_rows,
                                  ["source", "leads", "qualified", "converted", "rate", "won", "revenue"],
                                  "sources-table"),
                    section_id="section-sources"),
            section("Leads by source and status", "Where the range's leads stand now.",
                    dashboard_chart("status_by_source"), section_id="section-status"),
            section("Rep performance", "Work in the range and what it produced; first touch is the median "
                    "time from a new inbound lead to its first outreach.",
                    dashboard_chart("reps", height="340px"),
                    numbers_table(["Rep", "Outreach", "Leads touched", "Conversions", "Won deals", "Won revenue",
                                   "First touch"], DashboardState.rep_rows,
                                  ["name", "outreach", "touched", "conversions", "won", "revenue", "first_touch"],
                                  "reps-table"),
                    section_id="section-reps"),
            section("Return on channel spend", "Won revenue of deals closing in the range against the "
                    "channel costs recorded for those months.",
                    dashboard_chart("roi"),
                    numbers_table(["Channel", "Won deals", "Won revenue", "Cost", "Net", "ROI"],
                                  DashboardState.roi_rows, ["label", "won", "revenue", "cost", "net", "roi"],
                                  "roi-table"),
                    section_id="section-roi"),
            section("Campaign performance", "Campaigns running in the range, over their whole life.",
                    dashboard_chart("campaigns"),
                    numbers_table(["Campaign", "Status", "Leads", "Qualified", "Converted", "Won deals",
                                   "Won revenue", "Budget", "Actual cost", "ROI"], DashboardState.campaign_rows,
                                  ["name", "status", "leads", "qualified", "converted", "won", "revenue",
                                   "budget", "cost", "roi"], "campaigns-table"),
                    section_id="section-campaigns", span=True),
            rates_section(),
            section("Relationship health", "Contacts by time since their last touch, touches per contact "
                    "in the range, and open follow-up tasks by due date.",
                    rx.text(t("Time since last touch"), size="2", weight="medium"),
                    dashboard_chart("health_age", height="220px"),
                    rx.text(t("Touches per contact"), size="2", weight="medium"),
                    dashboard_chart("health_touches", height="220px"),
                    rx.text(t("Follow-ups due"), size="2", weight="medium"),
                    dashboard_chart("health_due", height="220px"),
                    section_id="section-health"),
            section("Web form funnel", "Views → submissions → qualified → converted.",
                    rx.cond(DashboardState.forms_ready,
                            rx.vstack(
                                dashboard_chart("forms", height="260px"),
                                numbers_table(["Form", "Views", "Submissions", "Submission rate", "Qualified",
                                               "Converted"], DashboardState.form_rows,
                                              ["name", "views", "submissions", "rate", "qualified", "converted"],
                                              "forms-table"),
                                width="100%"),
                            rx.callout(t("No web forms yet: this funnel appears once the team publishes forms."),
                                       icon="file-input", size="1")),
                    section_id="section-forms", span=True),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%",
        ),
        width="100%",
    )


def analytics_page() -> rx.Component:
    """The manager dashboard."""
    return app_shell(
        page_title("Analytics"),
        analytics_nav("Dashboard"),
        filter_bar(DashboardState.load),
        rx.cond(DashboardState.loaded, dashboard_body(),
                rx.center(rx.spinner(size="3"), padding="4em", width="100%")),
        drill_dialog(),
        RelabelOnLanguage.create(handler=DashboardState.relabel),
    )
