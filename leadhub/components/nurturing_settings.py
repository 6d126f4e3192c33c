"""The Settings cards of qualification and nurturing, in one place for the Settings page."""

from __future__ import annotations

import reflex as rx

from leadhub.components.scoring import predictive_card, scoring_card
from leadhub.pages.emails import smtp_card


def nurturing_settings() -> rx.Component:
    """Scoring rules and thresholds, the predictive model, the e-mail server."""
    return rx.fragment(scoring_card(), predictive_card(), smtp_card())
