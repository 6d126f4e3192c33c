"""The follow-up intervals card of the Settings page: days without a touch, per rating."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import text_field
from leadhub.components.i18n import t
from leadhub.state.followup import FollowUpPolicyState
from leadhub.state.session import SessionState

S = FollowUpPolicyState


def followup_policy_card() -> rx.Component:
    """Everyone sees the intervals; only admins can save them (the service checks too)."""
    errors, values = S.field_errors, S.values
    return rx.card(
        rx.heading(t("Follow-up intervals"), size="4", margin_bottom="0.25em"),
        rx.text(t("Days without a touch before a record needs a follow-up."), size="2",
                color_scheme="gray", margin_bottom="0.75em"),
        rx.form(
            rx.grid(
                text_field("Hot", "hot_days", errors, values["hot_days"], type_="number"),
                text_field("Warm", "warm_days", errors, values["warm_days"], type_="number"),
                text_field("Cold", "cold_days", errors, values["cold_days"], type_="number"),
                text_field("Unrated", "unrated_days", errors, values["unrated_days"], type_="number"),
                columns="4", spacing="3", width="100%",
            ),
            rx.cond(
                SessionState.role == "admin",
                rx.button(t("Save"), type="submit", margin_top="1em", id="save-intervals"),
                rx.text(t("Only admins can change the intervals."), size="2", color_scheme="gray",
                        margin_top="1em"),
            ),
            on_submit=S.save,
            reset_on_submit=False,
            no_validate=True,
            key=S.form_key,
            id="followup-policy-form",
        ),
        width="100%",
        on_mount=S.load,
        id="followup-policy",
    )
