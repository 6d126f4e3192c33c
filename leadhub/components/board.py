"""Board pieces: a lead card (draggable, with its keyboard "Move to…" menu) and a status
column (a drop target that loads more cards as it scrolls)."""

from __future__ import annotations

import reflex as rx
import reflex_pragmatic_dnd as dnd

from leadhub.components.i18n import t, t_value
from leadhub.components.visible import visible_sentinel
from leadhub.services.board import COLUMNS, CONVERTED
from leadhub.state.board import BoardState

STATUS_COLOURS = {"New": "blue", "Contacted": "cyan", "Qualified": "green",
                  "Unqualified": "gray", "Converted": "purple"}
RATING_COLOURS = {"Hot": "red", "Warm": "orange", "Cold": "sky"}
RATINGS = list(RATING_COLOURS)


def _move_menu(card: rx.Var, status: str) -> rx.Component:
    """Every move a drag can make, from the keyboard (Radix menus are keyboard-driven)."""
    move = BoardState.move_card
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(rx.icon("ellipsis-vertical", size=14), variant="ghost", size="1",
                           color_scheme="gray", aria_label=t("Move to…"),
                           title=t("Move to…"), class_name="board-move-menu"),
        ),
        rx.dropdown_menu.content(
            *[rx.dropdown_menu.item(t(target), on_select=move(card.id, card.version, target, "", ""),
                                    custom_attrs={"data-move-to": target})
              for target in COLUMNS if target != status],
            rx.dropdown_menu.separator(),
            rx.dropdown_menu.item(t("Move up"), disabled=card.prev_id == "",
                                  on_select=move(card.id, card.version, status, card.prev_id, ""),
                                  custom_attrs={"data-move-to": "up"}),
            rx.dropdown_menu.item(t("Move down"), disabled=card.next_id == "",
                                  on_select=move(card.id, card.version, status, "", card.next_id),
                                  custom_attrs={"data-move-to": "down"}),
            size="1",
        ),
    )


def lead_card(card: rx.Var, status: str) -> rx.Component:
    hot = card.rating == "Hot"
    body = rx.box(
        rx.hstack(
            # a button, not a link: Chromium will not start a drag on a link, even one marked
            # draggable="false", so grabbing the name would not move the card
            rx.el.button(card.name, on_click=rx.redirect("/leads/" + card.id),
                         class_name="board-card-name", type="button",
                         style={"all": "unset", "cursor": "pointer", "fontWeight": 600,
                                "fontSize": "var(--font-size-2)", "overflowWrap": "anywhere",
                                "_hover": {"textDecoration": "underline"}}),
            rx.spacer(),
            rx.cond(hot, rx.badge(t("Hot"), color_scheme="red", variant="solid", size="1",
                                  class_name="board-hot")),
            _move_menu(card, status),
            align="start",
            spacing="1",
            width="100%",
        ),
        rx.cond(card.company != "", rx.text(card.company, size="1", color_scheme="gray",
                                             truncate=True)),
        rx.hstack(
            rx.tooltip(rx.avatar(fallback=card.initials, size="1", radius="full"),
                       content=card.owner),
            rx.cond((card.rating != "") & ~hot,
                    rx.badge(t_value(card.rating, RATINGS), size="1", variant="soft",
                             color_scheme=rx.match(card.rating, *RATING_COLOURS.items(), "gray"))),
            rx.badge(t("Score"), " ", card.score, size="1", variant="outline", color_scheme="gray"),
            rx.spacer(),
            rx.cond(card.last_contact != "",
                    rx.text(rx.icon("clock", size=10), " ", card.last_contact, size="1",
                            color_scheme="gray", title=t("Last contacted"))),
            align="center",
            spacing="1",
            width="100%",
            margin_top="0.4em",
        ),
        rx.cond(card.source != "", rx.text(card.source, size="1", color_scheme="gray")),
        custom_attrs={"data-lead-id": card.id, "data-status": status,
                      "data-version": card.version},
        class_name="board-card",
        padding="0.55em 0.65em",
        border_radius="var(--radius-3)",
        background="var(--color-panel-solid)",
        border="1px solid var(--gray-5)",
        border_left=rx.cond(hot, "4px solid var(--red-9)", "1px solid var(--gray-5)"),
        box_shadow="var(--shadow-1)",
        cursor="grab",
        width="100%",
        _hover={"border_color": "var(--accent-8)"},
    )
    return dnd.drop_target(
        dnd.draggable(
            body,
            drag_id=card.id,
            item_data={"kind": "card", "id": card.id, "version": card.version,
                       "status": status},
            style={"width": "100%"},
        ),
        target_data={"kind": "card", "id": card.id, "status": status},
        with_closest_edge=True,
        show_drop_indicator=True,
        drop_indicator_gap="8px",
        key=card.id,
        style={"width": "100%"},
    )


def _column_header(column: rx.Var, status: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.badge(t(status), color_scheme=STATUS_COLOURS[status], variant="soft", size="2"),
            rx.spacer(),
            rx.text(column.count, weight="bold", size="2", class_name="board-count"),
            width="100%",
            align="center",
        ),
        rx.text(rx.cond(column.budget != "", column.budget, "—"), size="1",
                color_scheme="gray", class_name="board-budget"),
        spacing="1",
        width="100%",
        padding_x="0.25em",
    )


def status_column(index: int, status: str) -> rx.Component:
    column = BoardState.columns[index]
    seen = column.offset + column.shown
    cards = rx.vstack(
        rx.cond(column.more_above,
                rx.button(rx.icon("chevron-up", size=12), t("Show earlier cards"), size="1",
                          variant="ghost", width="100%", on_click=BoardState.load_earlier(status))),
        rx.foreach(column.cards, lambda card: lead_card(card, status)),
        rx.cond(column.more_below,
                visible_sentinel(
                    rx.button(t("Load more"), size="1", variant="soft", width="100%",
                              on_click=BoardState.load_more(status, seen)),
                    token=seen.to_string(),
                    on_visible=BoardState.load_more(status, seen),
                    class_name="board-load-more",
                    # never the scroll anchor: the cards above it are, so new cards land
                    # below the fold instead of pushing the marker back into view
                    style={"overflowAnchor": "none", "width": "100%"},
                )),
        rx.cond(column.count == 0,
                rx.text(t("Drop a lead here to convert it.") if status == CONVERTED
                        else t("No leads here."),
                        size="1", color_scheme="gray", padding="1em", text_align="center",
                        width="100%")),
        spacing="2",
        width="100%",
        min_height="6em",
        padding="0.25em",
    )
    return rx.vstack(
        _column_header(column, status),
        dnd.drop_target(
            dnd.scroll_container(cards, allowed_axis="vertical", class_name="board-column-scroll",
                                 style={"maxHeight": "calc(100vh - 245px)", "overflowY": "auto",
                                        "overflowAnchor": "auto"}),
            target_data={"kind": "column", "status": status, "last": column.last_id},
            style={"width": "100%"},
        ),
        custom_attrs={"data-status": status},
        class_name="board-column",
        aria_label=t(status),
        role="region",
        flex="1 1 0",
        min_width="11em",
        padding="0.5em",
        spacing="2",
        background="var(--gray-2)",
        border="1px solid var(--gray-4)",
        border_radius="var(--radius-4)",
    )
