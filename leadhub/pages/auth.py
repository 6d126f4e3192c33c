"""Public pages: sign in and create a team."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import labelled, text_field
from leadhub.components.i18n import language_switch, t
from leadhub.services.auth import CURRENCIES
from leadhub.state.auth_pages import COMMON_TIMEZONES, LoginState, SignupState


def _card(*children: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(rx.icon("target", color="var(--accent-9)"), rx.heading("LeadHub", size="6"),
                          rx.spacer(), language_switch(), align="center", width="100%"),
                rx.text(t("Lead management for sales teams"), color_scheme="gray", size="2"),
                *children,
                spacing="4",
                width="100%",
            ),
            width="26em",
            max_width="94vw",
            size="4",
        ),
        min_height="100vh",
        background="var(--gray-2)",
    )


def login_page() -> rx.Component:
    """Sign in with e-mail and password."""
    return _card(
        rx.heading(t("Sign in to LeadHub"), size="4"),
        rx.form(
            rx.vstack(
                labelled("E-mail", rx.input(name="email", id="email", type="email", width="100%",
                                            auto_complete="username", required=True)),
                labelled("Password", rx.input(name="password", id="password", type="password",
                                              width="100%", auto_complete="current-password",
                                              required=True)),
                rx.cond(LoginState.error != "",
                        rx.callout(LoginState.error, icon="triangle-alert", color_scheme="red",
                                   size="1", id="login-error")),
                rx.button(t("Sign in"), type="submit", width="100%", id="login-submit"),
                spacing="3",
            ),
            on_submit=LoginState.submit,
            reset_on_submit=False,
        ),
        rx.link(t("New here? Create a team"), href="/signup", size="2"),
    )


def signup_page() -> rx.Component:
    """Create a team and become its admin."""
    errors = SignupState.field_errors
    return _card(
        rx.heading(t("Create your team"), size="4"),
        rx.form(
            rx.vstack(
                text_field("Team name", "team_name", errors, required=True),
                text_field("Your name", "full_name", errors),
                text_field("E-mail", "email", errors, required=True, type_="email"),
                text_field("Password", "password", errors, required=True, type_="password"),
                rx.hstack(
                    labelled("Time zone", rx.select(COMMON_TIMEZONES, value=SignupState.timezone,
                                                    on_change=SignupState.set_timezone, width="100%"),
                             errors, "timezone"),
                    labelled("Currency", rx.select(list(CURRENCIES), value=SignupState.currency,
                                                   on_change=SignupState.set_currency, width="100%"),
                             errors, "currency"),
                    width="100%",
                ),
                rx.button(t("Create team"), type="submit", width="100%", id="signup-submit"),
                spacing="3",
            ),
            on_submit=SignupState.submit,
            reset_on_submit=False,
        ),
        rx.link(t("Already have an account? Sign in"), href="/login", size="2"),
    )
