"""Deals: the paged, sortable list and the stage pipeline, both with each deal's attribution."""

from __future__ import annotations

import reflex as rx

from leadhub.components.deal_dialog import STAGE_COLOURS, attribution, deal_dialog, stage_badge
from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.services.deals import STAGES
from leadhub.state.deals import ANY, DealsState as S


def _select(name: str, value: rx.Var, aria: str, *items: rx.Component) -> rx.Component:
    return rx.select.root(rx.select.trigger(aria_label=aria, id=name), rx.select.content(*items),
                          value=value, on_change=lambda v: S.set_filter(name, v))


def toolbar() -> rx.Component:
    return rx.hstack(
        rx.segmented_control.root(
            rx.segmented_control.item(rx.hstack(rx.icon("list", size=14), t("List"), spacing="1",
                                                 align="center"), value="list"),
            rx.segmented_control.item(rx.hstack(rx.icon("columns-3", size=14), t("Pipeline"),
                                                 spacing="1", align="center"), value="pipeline"),
            value=S.view, on_change=S.set_view, id="deals-view",
        ),
        rx.cond(S.view == "list", _select(
            "stage_filter", S.stage_filter, "Stage",
            rx.select.item(t("All stages"), value=ANY),
            *[rx.select.item(t(s), value=s) for s in STAGES])),
        _select("owner_filter", S.owner_filter, "Owner",
                rx.select.item(t("Anyone"), value=ANY),
                rx.select.item(t("Me"), value="me"),
                rx.foreach(S.owners, lambda o: rx.select.item(o[1], value=o[0]))),
        spacing="2",
        wrap="wrap",
        margin_bottom="1em",
        align="center",
    )


def sort_header(label: str, column: str, **props) -> rx.Component:
    arrow = rx.cond(S.sort == column, rx.cond(S.descending, rx.icon("arrow-down", size=12),
                                              rx.icon("arrow-up", size=12)), "")
    return rx.table.column_header_cell(
        rx.hstack(rx.text(t(label)), arrow, spacing="1", align="center", cursor="pointer",
                  on_click=S.sort_by(column)),
        data_sort=column, **props)


def deal_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["name"], href="#", on_click=S.open_edit(row["id"]),
                              weight="medium")),
        rx.table.cell(row["account"]),
        rx.table.cell(rx.cond(row["contact_id"] != "",
                              rx.link(row["contact"], href="/contacts/" + row["contact_id"]), "")),
        rx.table.cell(row["amount"], text_align="right", white_space="nowrap"),
        rx.table.cell(stage_badge(row["stage"])),
        rx.table.cell(row["close_date"], white_space="nowrap"),
        rx.table.cell(row["owner"]),
        rx.table.cell(attribution(row)),
        data_deal_id=row["id"],
        class_name="deal-row",
    )


def deal_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(
            sort_header("Deal", "name"),
            rx.table.column_header_cell(t("Account")),
            rx.table.column_header_cell(t("Contact")),
            sort_header("Amount", "amount", text_align="right"),
            sort_header("Stage", "stage"),
            sort_header("Close date", "close_date"),
            rx.table.column_header_cell(t("Owner")),
            rx.table.column_header_cell(t("Attribution")),
        )),
        rx.table.body(rx.foreach(S.rows, deal_row)),
        variant="surface", size="1", width="100%", id="deals-table",
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.text(S.total, " ", rx.cond(S.total == 1, t("deal"), t("deals")), " · ", t("Page"), " ",
                S.page, " ", t("of"), " ", S.pages, size="2", color_scheme="gray",
                id="deals-count"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=14), t("Previous"), variant="soft", size="1",
                  disabled=S.page <= 1, on_click=S.go_to_page(S.page - 1)),
        rx.button(t("Next"), rx.icon("chevron-right", size=14), variant="soft", size="1",
                  disabled=S.page >= S.pages, on_click=S.go_to_page(S.page + 1)),
        width="100%", align="center", margin_top="0.75em",
    )


def list_view() -> rx.Component:
    return rx.fragment(
        rx.cond(S.total > 0, deal_table(),
                rx.callout(t("No deals match these filters."), icon="info", id="no-deals")),
        pager(),
    )


def _move_menu(card: rx.Var) -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(rx.icon_button(rx.icon("arrow-right-left", size=12), size="1",
                                                variant="ghost", aria_label="Move to…")),
        rx.dropdown_menu.content(
            rx.text(t("Move to…"), size="1", color_scheme="gray", padding_x="0.75em",
                    padding_y="0.25em"),
            *[rx.dropdown_menu.item(t(stage), on_click=S.move_stage(card["id"], stage),
                                    disabled=card["stage"] == stage) for stage in STAGES],
        ),
    )


def deal_card(card: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(card["name"], href="#", on_click=S.open_edit(card["id"]), weight="medium",
                        size="2"),
                rx.spacer(), _move_menu(card), width="100%", align="start",
            ),
            rx.cond(card["account"] != "", rx.text(card["account"], size="1", color_scheme="gray")),
            rx.text(card["amount"], size="2", weight="bold", white_space="nowrap"),
            rx.cond(card["close_date"] != "", rx.hstack(
                rx.icon("calendar", size=12, color="var(--gray-10)"),
                rx.text(card["close_date"], size="1", color_scheme="gray"),
                spacing="1", align="center")),
            attribution(card),
            spacing="1", width="100%",
        ),
        size="1", width="100%", data_deal_id=card["id"], class_name="deal-card",
    )


def stage_column(stage: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.badge(t(stage), color_scheme=STAGE_COLOURS[stage], variant="soft"),
                  rx.spacer(),
                  rx.text(S.stage_counts[stage], size="2", weight="bold", class_name="stage-count"),
                  width="100%", align="center"),
        rx.text(rx.cond(S.stage_sums[stage] != "", S.stage_sums[stage], "—"), size="1",
                color_scheme="gray", class_name="stage-sum", min_height="1.2em"),
        rx.foreach(S.cards[stage], deal_card),
        rx.cond(S.stage_more[stage] != "",
                rx.text("+", S.stage_more[stage], " ", t("more"), size="1", color_scheme="gray")),
        spacing="2",
        flex="1",
        min_width="10em",
        padding="0.5em",
        background="var(--gray-2)",
        border_radius="var(--radius-3)",
        data_stage=stage,
        class_name="stage-column",
    )


def pipeline_view() -> rx.Component:
    return rx.hstack(*[stage_column(stage) for stage in STAGES], spacing="2", align="start",
                     width="100%", overflow_x="auto", padding_bottom="0.5em", id="pipeline")


def deals_page() -> rx.Component:
    """The team's deals, as a paged list or a stage pipeline."""
    return app_shell(
        page_title("Deals", rx.button(rx.icon("plus", size=14), t("New deal"),
                                      on_click=S.open_new, id="new-deal")),
        toolbar(),
        rx.cond(S.view == "pipeline", pipeline_view(), list_view()),
        deal_dialog(),
    )
