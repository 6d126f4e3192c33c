"""Form building blocks: a labelled field with its error message underneath."""

from __future__ import annotations

import reflex as rx

from leadhub.components.i18n import t
from leadhub.state.session import NONE


def field_error(errors: rx.Var, name: str) -> rx.Component:
    return rx.cond(
        errors.contains(name),
        rx.text(errors[name], color="var(--red-11)", size="1", data_error_for=name),
    )


def labelled(label: str, control: rx.Component, errors: rx.Var | None = None, name: str = "",
             required: bool = False) -> rx.Component:
    return rx.vstack(
        rx.text(t(label), rx.cond(required, rx.text.span(" *", color="var(--red-9)"), ""),
                as_="label", size="2", weight="medium", html_for=name or None),
        control,
        field_error(errors, name) if errors is not None and name else rx.fragment(),
        spacing="1",
        width="100%",
    )


def text_field(label: str, name: str, errors: rx.Var, default: rx.Var | str = "",
               required: bool = False, type_: str = "text", placeholder: str = "") -> rx.Component:
    return labelled(
        label,
        rx.input(name=name, id=name, default_value=default, type=type_, placeholder=placeholder,
                 width="100%", color_scheme=rx.cond(errors.contains(name), "red", "gray")),
        errors, name, required,
    )


def select_field(label: str, name: str, options: list[str] | rx.Var, errors: rx.Var,
                 default: rx.Var | str = "", translate: bool = True) -> rx.Component:
    if isinstance(options, list):
        items = [rx.select.item("—" if o == NONE else (t(o) if translate else o), value=o)
                 for o in options]
        content = rx.select.content(*items)
    else:
        content = rx.select.content(rx.foreach(options, lambda o: rx.select.item(o[1], value=o[0])))
    return labelled(
        label,
        rx.select.root(rx.select.trigger(width="100%", id=name, placeholder="—"), content,
                       name=name, default_value=default),
        errors, name,
    )
