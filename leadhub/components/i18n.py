"""t(english): the catalog's text in the language the user picked."""

from __future__ import annotations

import reflex as rx

from leadhub.i18n import ES
from leadhub.state.session import SessionState


def t(text: str) -> rx.Var | str:
    spanish = ES.get(text)
    if spanish is None or spanish == text:
        return text
    return rx.cond(SessionState.lang == "es", spanish, text)


def language_switch() -> rx.Component:
    return rx.segmented_control.root(
        rx.segmented_control.item("EN", value="en"),
        rx.segmented_control.item("ES", value="es"),
        value=SessionState.lang,
        on_change=SessionState.set_language,
        size="1",
        aria_label="Language",
    )


def t_value(value: rx.Var, options: list[str]) -> rx.Component | rx.Var:
    """A stored choice value (status, rating, role…) shown in the user's language."""
    return rx.match(value, *[(option, t(option)) for option in options], value)
