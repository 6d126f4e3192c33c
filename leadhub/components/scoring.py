"""Scoring on screen: the rules card of Settings and the score panel of a lead page."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import field_error
from leadhub.components.i18n import t, t_value
from leadhub.services.models import LeadStatus
from leadhub.state.scoring import PredictiveSettingsState, ScorePanelState, ScoringSettingsState

S = ScoringSettingsState
RATINGS = ["Hot", "Warm", "Cold"]
RATING_COLORS = {"Hot": "red", "Warm": "orange", "Cold": "blue"}


def rating_badge(rating: rx.Var) -> rx.Component:
    return rx.cond(
        rating != "",
        rx.badge(t_value(rating, RATINGS), color_scheme=rx.match(
            rating, *[(r, c) for r, c in RATING_COLORS.items()], "gray"), variant="soft"),
        rx.badge(t("Unrated"), color_scheme="gray", variant="soft"),
    )


def _points(points: rx.Var, positive: rx.Var) -> rx.Component:
    return rx.text(points, weight="bold", size="2", min_width="3em",
                   color=rx.cond(positive != "", "var(--green-11)", "var(--red-11)"))


# --- Settings card ----------------------------------------------------------------------------

def _rule_row(rule: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_points(rule["points"], rule["positive"])),
        rx.table.cell(rx.vstack(
            rx.text(rule["text"], size="2"),
            rx.cond(rule["extras"] != "", rx.text(rule["extras"], size="1", color_scheme="gray")),
            spacing="0")),
        rx.table.cell(rx.badge(rx.cond(rule["kind"] == "field", t("Field"), t("Behaviour")),
                               variant="outline", size="1")),
        rx.table.cell(rx.switch(checked=rule["enabled"] != "", disabled=~S.is_admin,
                                on_change=lambda on: S.toggle_rule(rule["id"], on),
                                aria_label="On", size="1")),
        rx.table.cell(rx.cond(S.is_admin, rx.icon_button(
            rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red",
            on_click=S.delete_rule(rule["id"]), aria_label="Remove"))),
        class_name="scoring-rule", data_rule_id=rule["id"],
    )


def _select(value: rx.Var, choices: rx.Var, on_change, id_: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=id_, width="100%"),
        rx.select.content(rx.foreach(choices, lambda c: rx.select.item(c[1], value=c[0]))),
        value=value, on_change=on_change,
    )


def _labelled(label: str, control: rx.Component, name: str = "") -> rx.Component:
    return rx.vstack(rx.text(t(label), size="1", weight="medium"), control,
                     field_error(S.field_errors, name) if name else rx.fragment(),
                     spacing="1", width="100%")


def _input(name: str, **props) -> rx.Component:
    return rx.input(name=name, id=f"rule-{name}", width="100%",
                    color_scheme=rx.cond(S.field_errors.contains(name), "red", "gray"), **props)


def _new_rule_form() -> rx.Component:
    field_part = rx.grid(
        _labelled("Field", _select(S.field_name, S.field_choices, S.set_field_name, "rule-field"), "field"),
        _labelled("Comparison", _select(S.operator, S.operator_choices, S.set_operator, "rule-operator"),
                  "operator"),
        rx.cond(S.needs_value, _labelled("Value", _input("value", placeholder="10000"), "value")),
        columns="3", spacing="2", width="100%",
    )
    behaviour_part = rx.grid(
        _labelled("Behaviour", _select(S.behaviour, S.behaviour_choices, S.set_behaviour,
                                       "rule-behaviour"), "behaviour"),
        rx.cond(S.behaviour == "status_reached",
                _labelled("Status", rx.select.root(
                    rx.select.trigger(id="rule-status", width="100%"),
                    rx.select.content(*[rx.select.item(t(s.value), value=s.value) for s in LeadStatus]),
                    name="value", default_value="Qualified"), "value"),
                rx.cond(S.behaviour == "activity_completed",
                        _labelled("Activity type", _input("value", placeholder="call"), "value"))),
        _labelled("Cap (most points)", _input("cap", type="number"), "cap"),
        _labelled("Fades over (days)", _input("decay_days", type="number"), "decay_days"),
        columns="4", spacing="2", width="100%",
    )
    return rx.form(
        rx.vstack(
            rx.segmented_control.root(
                rx.segmented_control.item(t("Field condition"), value="field"),
                rx.segmented_control.item(t("Behaviour"), value="behaviour"),
                value=S.kind, on_change=S.set_kind, size="1",
            ),
            rx.cond(S.kind == "field", field_part, behaviour_part),
            rx.grid(
                _labelled("Points", _input("points", type="number", placeholder="10"), "points"),
                rx.box(_labelled("Own wording (optional)", _input("label"), "label"),
                       grid_column="span 2"),
                rx.flex(rx.button(t("Add rule"), type="submit", id="add-rule"), align="end"),
                columns="4", spacing="2", width="100%",
            ),
            spacing="2", width="100%",
        ),
        on_submit=S.add_rule, reset_on_submit=False, no_validate=True, key=S.form_key,
        id="new-rule-form", margin_top="1em",
    )


def _job_status() -> rx.Component:
    job = S.job
    return rx.cond(
        job.contains("status"),
        rx.vstack(
            rx.cond(
                S.job_active,
                rx.hstack(rx.spinner(size="1"), rx.text(
                    t("Re-scoring"), " ", job["done"], " / ", job["total"], size="2"),
                    spacing="2", align="center"),
                rx.cond(job["status"] == "failed",
                        rx.text(t("Re-scoring failed:"), " ", job["error"], size="2", color="var(--red-11)"),
                        rx.text(t("Last re-scoring:"), " ", job["finished"], " · ", job["done"], " ",
                                t("leads"), " · ", job["changed"], " ", t("changed"), size="2",
                                color_scheme="gray"))),
            rx.cond(S.job_active, rx.progress(value=S.job_percent, max=100, width="100%")),
            spacing="1", width="100%", id="rescore-progress", data_status=job["status"],
        ),
    )


def scoring_card() -> rx.Component:
    """Everyone sees how leads are scored; admins change rules and thresholds."""
    errors = S.field_errors
    return rx.card(
        rx.hstack(
            rx.heading(t("Lead scoring"), size="4"),
            rx.spacer(),
            rx.cond(S.is_admin, rx.hstack(
                rx.button(t("Re-score now"), size="1", variant="soft", on_click=S.rescore_now,
                          id="rescore-now", disabled=S.job_active),
                rx.alert_dialog.root(
                    rx.alert_dialog.trigger(rx.button(t("Reset to BANT"), size="1", variant="soft",
                                                      color_scheme="gray")),
                    rx.alert_dialog.content(
                        rx.alert_dialog.title(t("Reset to BANT")),
                        rx.alert_dialog.description(t(
                            "Replace every rule by the BANT starter model (budget, authority, need, timeline)?")),
                        rx.hstack(rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                                  rx.alert_dialog.action(rx.button(t("Reset"), on_click=S.reset_starter)),
                                  justify="end", spacing="2", margin_top="1em"),
                    ),
                ),
                spacing="2")),
            width="100%", align="center",
        ),
        rx.text(t("Points for what a lead is and what it does. Scores update when a lead changes or something happens; changing the rules re-scores the team in the background."),  # noqa: E501
                size="2", color_scheme="gray", margin_y="0.5em"),
        rx.table.root(
            rx.table.body(rx.foreach(S.rules, _rule_row)),
            size="1", width="100%", id="scoring-rules",
        ),
        rx.cond(S.is_admin, _new_rule_form()),
        rx.form(
            rx.hstack(
                _labelled("Hot from", rx.input(name="hot", id="hot-threshold", type="number",
                                               default_value=S.thresholds["hot"]), "hot"),
                _labelled("Warm from", rx.input(name="warm", id="warm-threshold", type="number",
                                                default_value=S.thresholds["warm"]), "warm"),
                rx.cond(S.is_admin, rx.button(t("Save thresholds"), type="submit", id="save-thresholds")),
                align="end", spacing="2", width="100%",
            ),
            on_submit=S.save_thresholds, reset_on_submit=False, no_validate=True, key=S.form_key,
            margin_top="1em",
        ),
        rx.text(t("Below Warm is Cold; a lead no rule applies to stays unrated. A rating set by hand is kept."), size="1", color_scheme="gray", margin_top="0.25em"),
        rx.box(_job_status(), margin_top="0.75em"),
        rx.cond(~S.is_admin, rx.text(t("Only admins can change scoring."), size="2",
                                     color_scheme="gray", margin_top="0.5em")),
        width="100%", on_mount=S.load, id="scoring-card",
    )


# --- The lead's score panel -------------------------------------------------------------------

def score_panel(refresh_key: rx.Var | str = "") -> rx.Component:
    """The score, its rating and every point explained; reads the lead id from /leads/<id>
    (or call `ScorePanelState.load_lead(id)` from the page's own on_load). When
    `refresh_key` changes (e.g. the page's score and rating) the panel loads again."""
    P = ScorePanelState
    return rx.box(rx.card(
        rx.hstack(
            rx.heading(t("Score"), size="3"),
            rx.heading(P.score, size="6", id="lead-score"),
            rating_badge(P.rating),
            rx.cond(P.rating_manual, rx.badge(t("set by hand"), variant="outline", size="1")),
            spacing="3", align="center",
        ),
        rx.cond(
            P.lines.length() > 0,
            rx.vstack(rx.foreach(P.lines, lambda line: rx.hstack(
                _points(line["points"], line["positive"]), rx.text(line["text"], size="2"),
                spacing="2", class_name="score-line")), spacing="1", margin_top="0.5em",
                id="score-lines"),
            rx.text(t("No rule applies to this lead yet."), size="2", color_scheme="gray",
                    margin_top="0.5em"),
        ),
        rx.cond(P.rating_manual, rx.hstack(
            rx.text(t("The score alone would make it:"), " ",
                    rx.cond(P.auto_rating != "", t_value(P.auto_rating, RATINGS), t("Unrated")), size="2"),
            rx.button(t("Let the score decide"), size="1", variant="soft", on_click=P.let_score_decide,
                      id="let-score-decide"),
            spacing="2", align="center", margin_top="0.5em")),
        rx.text(P.thresholds, " ", rx.cond(P.scored_at != "", rx.fragment(t("Scored"), " ", P.scored_at)),
                size="1", color_scheme="gray", margin_top="0.5em"),
        rx.divider(margin_y="0.75em"),
        rx.hstack(rx.text(t("Likelihood to convert"), weight="medium", size="2"),
                  rx.cond(P.likelihood != "", rx.heading(P.likelihood, size="5", id="lead-likelihood")),
                  spacing="3", align="center"),
        rx.cond(
            P.likelihood != "",
            rx.hstack(rx.foreach(P.factors, lambda f: rx.badge(
                rx.cond(f["positive"] != "", "↑ ", "↓ "), f["text"],
                color_scheme=rx.cond(f["positive"] != "", "green", "red"), variant="soft")),
                spacing="2", wrap="wrap", margin_top="0.25em", id="likelihood-factors"),
            rx.text(P.prediction_note, size="1", color_scheme="gray", id="likelihood-note"),
        ),
        width="100%", on_mount=P.load, id="score-panel",
    ), key=refresh_key, width="100%")


def predictive_card() -> rx.Component:
    """How well the learned model predicts conversions, measured on leads it never saw."""
    D = PredictiveSettingsState
    info = D.info
    return rx.card(
        rx.hstack(
            rx.heading(t("Likelihood to convert"), size="4"),
            rx.spacer(),
            rx.cond(D.is_admin, rx.button(
                rx.cond(D.training, rx.spinner(size="1"), rx.icon("refresh-cw", size=14)),
                t("Retrain now"), size="1", variant="soft", on_click=D.retrain,
                disabled=D.training, id="retrain-model")),
            width="100%", align="center",
        ),
        rx.text(t("Learned from this team's converted and lost leads; retrained every week."),
                size="2", color_scheme="gray", margin_y="0.5em"),
        rx.match(
            info["status"],
            ("ready", rx.vstack(
                rx.hstack(rx.text(t("Accuracy (AUC on held-out leads):"), size="2"),
                          rx.heading(info["auc"], size="4", id="model-auc"),
                          rx.text("(", info["held_out"], " ", t("leads held out"), ")", size="1",
                                  color_scheme="gray"), spacing="2", align="center"),
                rx.text(t("Trained on"), " ", info["converted"], " ", t("converted"), " · ",
                        info["lost"], " ", t("lost"), " · ", info["trained"], size="1",
                        color_scheme="gray"),
                rx.text(t("0.5 is a coin toss, 1.0 is perfect."), size="1", color_scheme="gray"),
                spacing="1")),
            ("too_little_history", rx.callout.root(
                rx.callout.icon(rx.icon("info")), rx.callout.text(info["note"], id="model-note"),
                color_scheme="amber", size="1")),
            ("failed", rx.callout.root(rx.callout.text(info["note"]), color_scheme="red", size="1")),
            rx.text(t("Not trained yet."), size="2", color_scheme="gray"),
        ),
        width="100%", on_mount=D.load, id="predictive-card",
    )
