"""Workflows: when EVENT and CONDITIONS then ACTIONS, with a log of every run."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import field_error
from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.state.workflows import WorkflowsState as S

RUN_COLORS = {"done": "green", "skipped": "gray", "failed": "red", "loop_blocked": "amber"}
ACTION_HINTS = {
    "set_field": ("field, e.g. interest", "value, e.g. High"),
    "assign_round_robin": ("user ids, e.g. 2, 3", ""),
    "create_task": ("subject", "due in days"),
    "add_to_campaign": ("campaign id", ""),
    "add_to_sequence": ("sequence id", ""),
    "notify": ("telegram or slack", "text, e.g. {name} is hot"),
    "webhook": ("https://…", ""),
}


def rule_row(rule: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(rule["name"], weight="bold")),
        rx.table.cell(rule["trigger"]),
        rx.table.cell(rule["actions"]),
        rx.table.cell(rx.switch(checked=rule["enabled"] != "", disabled=~S.is_admin,
                                on_change=lambda on: S.toggle(rule["id"], on))),
        rx.table.cell(rx.cond(S.is_admin, rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost",
                                                         color_scheme="red", on_click=S.delete(rule["id"])))),
        class_name="workflow-rule",
    )


def action_row(action: rx.Var, index: int) -> rx.Component:
    hints = rx.match(action["type"], *[(k, v[0]) for k, v in ACTION_HINTS.items()], "")
    second = rx.match(action["type"], *[(k, v[1]) for k, v in ACTION_HINTS.items()], "")
    return rx.hstack(
        rx.badge(action["type"]),
        rx.input(placeholder=hints, value=action["a"], on_change=lambda v: S.set_action(index, "a", v),
                 width="100%", class_name="action-a"),
        rx.cond(second != "", rx.input(placeholder=second, value=action["b"],
                                       on_change=lambda v: S.set_action(index, "b", v), width="100%",
                                       class_name="action-b")),
        rx.icon_button(rx.icon("x", size=12), size="1", variant="ghost", on_click=S.remove_action(index)),
        width="100%", align="center", spacing="2",
    )


def builder() -> rx.Component:
    return rx.card(
        rx.heading(t("New workflow"), size="4", margin_bottom="0.5em"),
        rx.vstack(
            rx.input(placeholder=t("Workflow name"), value=S.name, on_change=S.set_name, id="workflow-name",
                     width="100%"),
            field_error(S.field_errors, "name"),
            rx.hstack(
                rx.text(t("When"), weight="bold", size="2"),
                rx.select.root(rx.select.trigger(id="workflow-trigger"),
                               rx.select.content(rx.foreach(S.trigger_choices, lambda c: rx.select.item(c[1], value=c[0]))),
                               value=S.trigger, on_change=S.set_trigger),
                rx.cond(S.config_hint != "", rx.input(placeholder=S.config_hint, value=S.config,
                                                      on_change=S.set_config, id="workflow-config", width="100%")),
                width="100%", align="center", spacing="2"),
            rx.hstack(
                rx.text(t("and"), weight="bold", size="2"),
                rx.input(placeholder=t("field (optional), e.g. title"), value=S.condition_field,
                         on_change=S.set_condition_field, id="workflow-cond-field"),
                rx.text(t("contains"), size="2"),
                rx.input(placeholder=t("value"), value=S.condition_value, on_change=S.set_condition_value,
                         id="workflow-cond-value"),
                width="100%", align="center", spacing="2"),
            rx.text(t("then"), weight="bold", size="2"),
            rx.foreach(S.actions, action_row),
            rx.hstack(*[rx.button(rx.icon("plus", size=12), kind, size="1", variant="soft",
                                  on_click=S.add_action(kind), class_name=f"add-action-{kind}")
                        for kind in ACTION_HINTS], wrap="wrap", spacing="1"),
            rx.cond(S.field_errors.length() > 0, rx.vstack(rx.foreach(
                S.field_errors, lambda item: rx.text(item[0], ": ", item[1], size="1", color="var(--red-11)")))),
            rx.button(t("Save workflow"), on_click=S.save, id="save-workflow"),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def workflows_page() -> rx.Component:
    """Team automation rules, run in the background; a rule cannot trigger itself endlessly."""
    from leadhub.pages.nurturing import nurturing_tabs
    return app_shell(
        nurturing_tabs(),
        rx.hstack(page_title("Workflows"), rx.spacer(),
                  rx.icon_button(rx.icon("refresh-cw", size=14), variant="ghost", on_click=S.load,
                                 aria_label="Refresh"), width="100%", align="center"),
        rx.vstack(
        rx.card(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(h)) for h in
                                           ("Name", "When", "Then", "On", "")])),
            rx.table.body(rx.foreach(S.rules, rule_row)), size="1", width="100%", id="workflow-rules"),
            width="100%"),
        rx.cond(S.is_admin, builder(),
                rx.text(t("Only admins can change workflows."), size="2", color_scheme="gray")),
        rx.card(
            rx.heading(t("Recent runs"), size="4", margin_bottom="0.5em"),
            rx.table.root(
                rx.table.body(rx.foreach(S.runs, lambda run: rx.table.row(
                    rx.table.cell(run["at"]), rx.table.cell(run["rule"]),
                    rx.table.cell(rx.badge(run["status"], color_scheme=rx.match(
                        run["status"], *list(RUN_COLORS.items()), "gray"))),
                    rx.table.cell(rx.cond(run["lead_id"] != "", rx.link("#" + run["lead_id"],
                                                                        href="/leads/" + run["lead_id"]))),
                    rx.table.cell(rx.text(run["log"], size="1")),
                    class_name="workflow-run"))),
                size="1", width="100%", id="workflow-runs"),
            width="100%"),
        spacing="4", width="100%"),
    )
