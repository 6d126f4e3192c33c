"""The follow-up queue: who has gone quiet, most urgent first, with one-click touch and snooze."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import field_error
from leadhub.components.i18n import t, t_value
from leadhub.components.layout import app_shell, page_title
from leadhub.components.outreach_timeline import on_language_change
from leadhub.state.followup import FollowUpState
from leadhub.state.session import SessionState

S = FollowUpState
RATING_COLOURS = {"Hot": "red", "Warm": "orange", "Cold": "sky"}
TOUCH_LABELS = {"call": "Call", "email": "E-mail", "meeting": "Meeting"}


def rep_picker() -> rx.Component:
    """Managers and admins choose whose queue (the service refuses it to reps anyway)."""
    return rx.cond(
        SessionState.role != "rep",
        rx.select.root(
            rx.select.trigger(aria_label="Rep", id="followup-rep"),
            rx.select.content(
                rx.select.item(t("My queue"), value="me"),
                rx.select.item(t("Everyone"), value="all"),
                rx.foreach(S.members, lambda m: rx.select.item(m[1], value=m[0])),
            ),
            value=S.rep_filter,
            on_change=S.set_rep,
        ),
    )


def rating_badge(rating: rx.Var) -> rx.Component:
    return rx.cond(rating != "",
                   rx.badge(t_value(rating, list(RATING_COLOURS)),
                            color_scheme=rx.match(rating, *RATING_COLOURS.items(), "gray")),
                   rx.text("—", color_scheme="gray"))


def touch_menu(row: rx.Var) -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(rx.button(rx.icon("check", size=14), t("Log touch"), size="1",
                                           variant="soft", class_name="log-touch")),
        rx.dropdown_menu.content(*[
            rx.dropdown_menu.item(t(label), on_click=S.log_touch(row["kind"], row["id"], kind),
                                  custom_attrs={"data-touch": kind})
            for kind, label in TOUCH_LABELS.items()]),
    )


def snooze_popover(row: rx.Var) -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(rx.button(rx.icon("alarm-clock", size=14), t("Snooze"), size="1",
                                     variant="soft", color_scheme="gray", class_name="snooze")),
        rx.popover.content(
            rx.vstack(
                rx.text(t("Snooze until"), size="2", weight="bold"),
                rx.hstack(
                    rx.button(t("Tomorrow"), size="1", variant="soft",
                              on_click=S.snooze_for(row["kind"], row["id"], 1)),
                    rx.button(t("In 3 days"), size="1", variant="soft",
                              on_click=S.snooze_for(row["kind"], row["id"], 3)),
                    rx.button(t("Next week"), size="1", variant="soft",
                              on_click=S.snooze_for(row["kind"], row["id"], 7)),
                    spacing="2",
                ),
                rx.form(
                    rx.hstack(
                        rx.el.input(type="hidden", name="kind", default_value=row["kind"]),
                        rx.el.input(type="hidden", name="record_id", default_value=row["id"]),
                        rx.input(type="date", name="until", class_name="snooze-until", size="1",
                                 aria_label="Snooze until"),
                        rx.button(t("Snooze"), type="submit", size="1", class_name="snooze-save"),
                        spacing="2", align="center",
                    ),
                    field_error(S.field_errors, "until"),
                    on_submit=S.snooze,
                    reset_on_submit=False,
                ),
                spacing="2",
            ),
        ),
    )


def queue_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(
            rx.cond(row["kind"] == "lead", rx.icon("user", size=14), rx.icon("contact", size=14)),
            rx.vstack(
                rx.link(row["name"], href=row["href"], weight="medium"),
                rx.text(rx.cond(row["kind"] == "lead", t("Lead"), t("Contact")),
                        rx.cond(row["company"] != "", " · " + row["company"], ""),
                        size="1", color_scheme="gray"),
                spacing="0",
            ),
            spacing="2", align="center",
        )),
        rx.table.cell(rating_badge(row["rating"])),
        rx.table.cell(row["score"], text_align="right"),
        rx.table.cell(rx.vstack(
            rx.badge(row["overdue"], " ", t("overdue"), color_scheme="red", variant="soft",
                     title=row["due_local"], class_name="overdue"),
            rx.text(t("Last touch"), ": ", row["last_rel"], size="1", color_scheme="gray",
                    title=row["last_local"], class_name="last-touch"),
            spacing="1", align="start",
        ), white_space="nowrap"),
        rx.table.cell(rx.cond(row["deal_value"] != "", row["deal_value"], "—"), text_align="right",
                      white_space="nowrap"),
        rx.table.cell(row["owner"]),
        rx.table.cell(rx.vstack(touch_menu(row), snooze_popover(row), spacing="1", align="start"),
                      min_width="11em", white_space="nowrap"),
        class_name="followup-row",
        data_kind=row["kind"],
        data_record_id=row["id"],
    )


def queue_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell(t("Record")),
            rx.table.column_header_cell(t("Rating")),
            rx.table.column_header_cell(t("Score")),
            rx.table.column_header_cell(t("Overdue by")),
            rx.table.column_header_cell(t("Open deals")),
            rx.table.column_header_cell(t("Owner")),
            rx.table.column_header_cell(t("Actions")),
        )),
        rx.table.body(rx.foreach(S.rows, queue_row)),
        variant="surface", size="1", width="100%", id="followup-table",
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.text(S.total, " ", rx.cond(S.total == 1, t("item"), t("items")), " · ",
                t("Page"), " ", S.page, " ", t("of"), " ", S.pages, size="2", color_scheme="gray",
                id="followup-count"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=14), t("Previous"), variant="soft", size="1",
                  disabled=S.page <= 1, on_click=S.go_to_page(S.page - 1)),
        rx.button(t("Next"), rx.icon("chevron-right", size=14), variant="soft", size="1",
                  disabled=S.page >= S.pages, on_click=S.go_to_page(S.page + 1)),
        width="100%", align="center", margin_top="0.75em",
    )


def followup_page() -> rx.Component:
    """Contacts and open leads gone quiet, by priority."""
    return app_shell(
        page_title("Follow-up queue", rep_picker()),
        rx.cond(S.total > 0, queue_table(),
                rx.callout(t("Nobody is waiting for a follow-up."), icon="party-popper", id="followup-empty")),
        pager(),
        on_language_change(S.relabel),
    )
