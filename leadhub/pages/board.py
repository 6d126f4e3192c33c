"""Board: the team's leads as status columns; drag (or use a card's menu) to move them."""

from __future__ import annotations

import reflex as rx
import reflex_pragmatic_dnd as dnd

from leadhub.components.board import status_column
from leadhub.components.conversion_dialog import conversion_dialog as lead_conversion_dialog
from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.services.board import COLUMNS
from leadhub.services.models import LEAD_SOURCES
from leadhub.state.board import ANY, BoardState

RATINGS = ["Hot", "Warm", "Cold"]


def _select(name: str, value: rx.Var, all_label: str, *items: rx.Component) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=t(all_label), id=f"board-{name}"),
        rx.select.content(rx.select.item(t(all_label), value=ANY), *items),
        value=value,
        on_change=lambda v: BoardState.set_filter(name, v),
        size="2",
    )


def filters() -> rx.Component:
    return rx.hstack(
        rx.input(rx.input.slot(rx.icon("search", size=14)),
                 placeholder=t("Search name, company, e-mail, phone…"),
                 default_value=BoardState.search,
                 on_change=BoardState.set_search.debounce(300),
                 width="18em", id="board-search"),
        _select("owner_filter", BoardState.owner_filter, "Anyone",
                rx.select.item(t("Me"), value="me"),
                rx.foreach(BoardState.owners, lambda o: rx.select.item(o[1], value=o[0]))),
        _select("rating_filter", BoardState.rating_filter, "All ratings",
                *[rx.select.item(t(r), value=r) for r in RATINGS]),
        _select("source_filter", BoardState.source_filter, "All sources",
                *[rx.select.item(t(s), value=s) for s in LEAD_SOURCES]),
        _select("campaign_filter", BoardState.campaign_filter, "All campaigns",
                rx.foreach(BoardState.campaigns, lambda c: rx.select.item(c[1], value=c[0]))),
        _select("segment_filter", BoardState.segment_filter, "All segments",
                rx.foreach(BoardState.segment_choices,
                           lambda s: rx.select.item(s[1], value=s[0]))),
        spacing="2",
        wrap="wrap",
        margin_bottom="1em",
    )


def board_page() -> rx.Component:
    """The status board, live for the whole team."""
    return app_shell(
        page_title("Board"),
        filters(),
        rx.cond(
            BoardState.columns.length() == len(COLUMNS),
            rx.hstack(
                *[status_column(i, status) for i, status in enumerate(COLUMNS)],
                spacing="3",
                align="start",
                width="100%",
                overflow_x="auto",
                padding_bottom="0.5em",
                id="board",
                # a finger needs a bigger target than the compact desktop menu button; on a
                # phone a column is most of the screen wide and the board scrolls sideways
                style={"@media (pointer: coarse)": {"& .board-move-menu": {
                           "min_width": "40px", "min_height": "40px"}},
                       "@media (max-width: 48em)": {"& .board-column": {
                           "min_width": "min(17em, 80vw)"}}},
            ),
            rx.center(rx.spinner(size="3"), height="40vh", width="100%"),
        ),
        dnd.monitor(on_drop=BoardState.on_drop),
        rx.box(BoardState.announcement, aria_live="polite", role="status", id="board-announcer",
               style={"position": "absolute", "width": "1px", "height": "1px",
                      "overflow": "hidden", "clipPath": "inset(50%)"}),
        lead_conversion_dialog(on_done=BoardState.close_conversion),
    )
