"""/leads/duplicates: every group of likely duplicates in the team, why they match, and merge."""

from __future__ import annotations

import reflex as rx

from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.components.lead_form import status_badge
from leadhub.components.merge_dialog import merge_dialog
from leadhub.state.duplicates import DuplicatesState as G
from leadhub.state.duplicates import MergeState


def member_row(m: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(m["name"], href="/leads/" + m["id"], weight="medium")),
        rx.table.cell(m["company"]),
        rx.table.cell(m["email"]),
        rx.table.cell(m["phone"], white_space="nowrap"),
        rx.table.cell(status_badge(m["status"])),
        rx.table.cell(m["owner"]),
        rx.table.cell(m["created"]),
        class_name="duplicate-member", data_lead_id=m["id"],
    )


def group_card(group: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(group["size"], " ", t("leads"), color_scheme="amber"),
                rx.text(group["reasons"], size="2", color_scheme="gray"),
                rx.spacer(),
                rx.button(rx.icon("merge", size=14), t("Merge"), size="1", on_click=MergeState.open_merge(group["ids"]),
                          class_name="merge-group"),
                width="100%", align="center", wrap="wrap",
            ),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(h)) for h in
                                               ("Name", "Company", "E-mail", "Phone", "Status", "Owner", "Created")])),
                rx.table.body(rx.foreach(G.members[group["key"]], member_row)),
                size="1", width="100%",
            ),
            spacing="2", width="100%",
        ),
        width="100%", class_name="duplicate-group", data_ids=group["ids"],
    )


def duplicates_page() -> rx.Component:
    """/leads/duplicates."""
    return app_shell(
        page_title("Duplicates", rx.link(rx.button(rx.icon("arrow-left", size=14), t("Leads"), variant="soft"),
                                         href="/leads")),
        rx.text(t("Leads that share an e-mail or a phone number, or have a similar name at a similar company."),
                size="2", color_scheme="gray", margin_bottom="1em"),
        rx.cond(
            G.loading,
            rx.hstack(rx.spinner(), rx.text(t("Looking for duplicates…"), size="2"), spacing="2"),
            rx.cond(G.total > 0,
                    rx.vstack(rx.foreach(G.groups, group_card), spacing="3", width="100%", id="duplicate-groups"),
                    rx.callout(t("No likely duplicates found."), icon="circle-check", id="no-duplicates")),
        ),
        rx.cond(G.pages > 1, rx.hstack(
            rx.text(G.total, " ", t("groups"), " · ", t("Page"), " ", G.page, " ", t("of"), " ", G.pages, size="2"),
            rx.spacer(),
            rx.button(t("Previous"), size="1", variant="soft", disabled=G.page <= 1, on_click=G.go_to_page(G.page - 1)),
            rx.button(t("Next"), size="1", variant="soft", disabled=G.page >= G.pages, on_click=G.go_to_page(G.page + 1)),
            width="100%", margin_top="1em")),
        merge_dialog(),
    )
