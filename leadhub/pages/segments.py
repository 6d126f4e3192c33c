"""Segments: saved filters over leads and contacts, with live counts and an editor."""

from __future__ import annotations

import reflex as rx

from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.state.segments import SegmentsState as S


def segment_card(segment: rx.Var) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(segment["name"], weight="bold", size="3"),
                rx.hstack(
                    rx.badge(rx.cond(segment["entity"] == "lead", t("Leads"), t("Contacts")),
                             variant="soft", size="1"),
                    rx.cond(segment["shared"] != "", rx.badge(t("Shared"), variant="outline", size="1"),
                            rx.badge(t("Only me"), variant="outline", color_scheme="gray", size="1")),
                    spacing="1"),
                spacing="1",
            ),
            rx.spacer(),
            rx.heading(segment["count"], size="6", class_name="segment-count"),
            align="center", width="100%",
        ),
        on_click=[S.edit(segment["id"]), S.show_members(segment["id"])],
        cursor="pointer", width="100%", class_name="segment", data_segment=segment["name"],
    )


def condition_row(row: rx.Var, index: int) -> rx.Component:
    return rx.hstack(
        rx.select.root(
            rx.select.trigger(width="14em", class_name="cond-field"),
            rx.select.content(rx.foreach(S.fields_of_entity, lambda c: rx.select.item(c[1], value=c[0]))),
            value=row["field"], on_change=lambda v: S.set_condition(index, "field", v),
        ),
        rx.select.root(
            rx.select.trigger(width="14em", class_name="cond-operator"),
            rx.select.content(rx.foreach(S.operator_choices[row["type"]],
                                         lambda c: rx.select.item(c[1], value=c[0]))),
            value=row["operator"], on_change=lambda v: S.set_condition(index, "operator", v),
        ),
        rx.cond(
            row["needs_value"] != "",
            rx.cond(
                row["type"] == "campaign",
                rx.select.root(
                    rx.select.trigger(width="100%", placeholder="—"),
                    rx.select.content(rx.foreach(S.campaign_choices, lambda c: rx.select.item(c[1], value=c[0]))),
                    value=row["value"], on_change=lambda v: S.set_condition(index, "value", v),
                ),
                rx.input(value=row["value"], on_change=lambda v: S.set_condition(index, "value", v),
                         width="100%", class_name="cond-value", debounce_timeout=400),
            ),
            rx.box(width="100%"),
        ),
        rx.icon_button(rx.icon("x", size=14), variant="ghost", color_scheme="gray", size="1",
                       on_click=S.remove_condition(index), aria_label="Remove"),
        width="100%", spacing="2", align="center", class_name="condition",
    )


def editor() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.input(value=S.name, on_change=S.set_name, placeholder=t("Segment name"),
                         id="segment-name", width="100%",
                         color_scheme=rx.cond(S.field_errors.contains("name"), "red", "gray")),
                rx.segmented_control.root(
                    rx.segmented_control.item(t("Leads"), value="lead"),
                    rx.segmented_control.item(t("Contacts"), value="contact"),
                    value=S.entity, on_change=S.set_entity, size="1"),
                width="100%", align="center",
            ),
            rx.cond(S.field_errors.contains("name"),
                    rx.text(S.field_errors["name"], size="1", color="var(--red-11)")),
            rx.hstack(
                rx.text(t("Match"), size="2"),
                rx.segmented_control.root(
                    rx.segmented_control.item(t("all conditions"), value="all"),
                    rx.segmented_control.item(t("any condition"), value="any"),
                    value=S.match, on_change=S.set_match, size="1"),
                align="center", spacing="2",
            ),
            rx.foreach(S.conditions, condition_row),
            rx.button(rx.icon("plus", size=14), t("Add condition"), variant="ghost", size="1",
                      on_click=S.add_condition, id="add-condition"),
            rx.divider(),
            rx.hstack(
                rx.text(t("Matches now:"), size="2"),
                rx.heading(rx.cond(S.preview != "", S.preview, "—"), size="5", id="segment-preview"),
                rx.spacer(),
                rx.text(rx.hstack(t("Share with the team"), rx.switch(checked=S.shared, on_change=S.set_shared),
                                  spacing="2", align="center"), as_="label", size="2"),
                rx.cond(S.editing_id > 0, rx.button(t("Delete"), variant="soft", color_scheme="red",
                                                    on_click=S.delete(S.editing_id.to_string()))),
                rx.button(t("Save"), on_click=S.save, id="segment-save"),
                width="100%", align="center", spacing="3",
            ),
            rx.cond(S.members.length() > 0, rx.vstack(
                rx.text(t("Latest members"), size="2", weight="medium"),
                rx.foreach(S.members, lambda m: rx.hstack(
                    rx.cond(S.entity == "lead",
                            rx.link(m["name"], href="/leads/" + m["id"]),
                            rx.link(m["name"], href="/contacts/" + m["id"])),
                    rx.text(m["detail"], size="1", color_scheme="gray"),
                    rx.spacer(),
                    rx.cond(m["score"] != "", rx.badge(m["score"], variant="soft")),
                    width="100%", class_name="segment-member")),
                spacing="1", width="100%", id="segment-members")),
            spacing="3", width="100%",
        ),
        width="100%", id="segment-editor",
    )


def segments_page() -> rx.Component:
    """Saved filters the whole team can use in e-mails, workflows, the board and analytics."""
    from leadhub.pages.nurturing import nurturing_tabs
    return app_shell(
        nurturing_tabs(),
        rx.hstack(page_title("Segments"), rx.spacer(),
                  rx.button(rx.icon("plus", size=14), t("New segment"), on_click=S.new_segment,
                            id="new-segment"), width="100%", align="center"),
        rx.grid(
            rx.vstack(rx.foreach(S.segments, segment_card),
                      rx.cond(S.segments.length() == 0,
                              rx.text(t("No segments yet."), color_scheme="gray", size="2")),
                      spacing="2", width="100%", id="segment-list"),
            rx.cond(S.editor_open, editor(),
                    rx.text(t("Choose a segment or make a new one."), color_scheme="gray", size="2")),
            columns=rx.breakpoints(initial="1", md="1fr 2fr"), spacing="4", width="100%",
        ),
    )
