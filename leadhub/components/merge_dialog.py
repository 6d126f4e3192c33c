"""The merge dialog: one column per lead, one row per field; click a value to keep it.
Render `merge_dialog()` once per page and open it with `MergeState.open_merge("12,15")`."""

from __future__ import annotations

import reflex as rx

from leadhub.components.i18n import t
from leadhub.state.duplicates import MergeState as M


def _value_cell(field: rx.Var, lead: rx.Var) -> rx.Component:
    chosen = M.choices[field[0]] == lead["id"]
    value = M.merge_values[lead["id"]][field[0]]
    return rx.table.cell(
        rx.hstack(
            rx.icon(rx.cond(chosen, "circle-check", "circle"), size=14,
                    color=rx.cond(chosen, "var(--accent-9)", "var(--gray-8)")),
            rx.text(rx.cond(value != "", value, "—"), size="2",
                    color=rx.cond(value != "", "var(--gray-12)", "var(--gray-9)")),
            spacing="2", align="center",
        ),
        on_click=M.choose(field[0], lead["id"]),
        cursor="pointer",
        background=rx.cond(chosen, "var(--accent-3)", "transparent"),
        data_field=field[0],
        data_lead=lead["id"],
        class_name="merge-cell",
    )


def _survivor_header(lead: rx.Var) -> rx.Component:
    keep = M.survivor == lead["id"]
    return rx.table.column_header_cell(
        rx.vstack(
            rx.link(lead["name"], href="/leads/" + lead["id"], is_external=True, weight="bold", size="2"),
            rx.text(t("Created"), " ", lead["created"], " · #", lead["id"], size="1", color_scheme="gray"),
            rx.button(rx.cond(keep, t("Kept"), t("Keep this lead")), size="1",
                      variant=rx.cond(keep, "solid", "outline"), on_click=M.set_survivor(lead["id"]),
                      class_name="keep-lead", data_lead=lead["id"]),
            spacing="1",
        ),
        min_width="14em",
    )


def merge_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Merge duplicates")),
            rx.dialog.description(
                t("Choose the lead to keep and, for each field, the value to keep. Activities, notes, documents, campaigns and history of every lead move to the one you keep; the others are removed and stay readable on its timeline."),
                size="2", margin_bottom="1em"),
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(t("Field")),
                    rx.foreach(M.merge_leads, _survivor_header),
                )),
                rx.table.body(rx.foreach(M.merge_fields, lambda field: rx.table.row(
                    rx.table.row_header_cell(rx.hstack(
                        rx.text(field[1], size="2", weight="medium"),
                        rx.cond(field[2] != "", rx.badge(t("differs"), color_scheme="amber", size="1")),
                        spacing="2", align="center")),
                    rx.foreach(M.merge_leads, lambda lead: _value_cell(field, lead)),
                ))),
                size="1", variant="surface", width="100%",
            ), max_height="60vh", overflow="auto"),
            rx.hstack(
                rx.spacer(),
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.button(rx.icon("merge", size=14), t("Merge"), on_click=M.confirm_merge, id="merge-confirm"),
                spacing="2", margin_top="1em", width="100%",
            ),
            max_width="min(70em, 95vw)",
            id="merge-dialog",
        ),
        open=M.merge_open,
        on_open_change=M.set_merge_open,
    )
