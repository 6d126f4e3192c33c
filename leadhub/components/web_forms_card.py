"""The Settings card for web forms: each form's submissions and conversion rate, and the way
to the builder and snippets on /forms."""

from __future__ import annotations

import reflex as rx

from leadhub.components.i18n import t
from leadhub.state.forms import FormsState as S


def web_forms_card() -> rx.Component:
    return rx.card(
        rx.hstack(rx.heading(t("Web forms"), size="4"), rx.spacer(),
                  rx.link(rx.button(rx.icon("file-input", size=14), t("Manage web forms"), variant="soft", size="2"),
                          href="/forms", id="settings-forms-link"),
                  align="center", width="100%", margin_bottom="0.75em"),
        rx.cond(
            S.rows.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(t("Form")), rx.table.column_header_cell(t("Submissions")),
                    rx.table.column_header_cell(t("Conversion rate")))),
                rx.table.body(rx.foreach(S.rows, lambda r: rx.table.row(
                    rx.table.cell(r["name"]), rx.table.cell(r["submissions"]), rx.table.cell(r["rate"])))),
                size="1", width="100%", id="settings-forms-table"),
            rx.text(t("No forms yet."), size="2", color_scheme="gray"),
        ),
        on_mount=S.load, width="100%",
    )
