"""Outreach entries as the timeline shows them: type icon, channel, who and when, response, results."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from leadhub.components.i18n import t
from leadhub.services.outreach import RESPONSE_LABELS
from leadhub.state.outreach import RESPONSES, TYPE_COLOURS, TYPE_LABELS
from leadhub.state.session import SessionState

RESPONSE_COLOURS = {"awaiting": "gray", "replied": "blue", "positive": "green", "negative": "red",
                    "bounced": "orange"}
RECORD_ICONS = {"lead": "user", "contact": "contact", "deal": "handshake"}


def on_language_change(handler: rx.EventHandler) -> rx.Component:
    """Runs `handler` each time the user switches language (the element is re-mounted)."""
    return rx.fragment(rx.box(on_mount=handler, display="none"), key=SessionState.lang)


def type_icon(kind: rx.Var | str, size: int = 16) -> rx.Component:
    """The icon of an outreach type (Lucide icons need a literal name, hence the match)."""
    icons = {"platform": "briefcase", "email": "mail", "call": "phone", "social": "share-2",
             "messenger": "message-circle"}
    if isinstance(kind, str):
        return rx.icon(icons[kind], size=size)
    return rx.match(kind, *[(key, rx.icon(name, size=size)) for key, name in icons.items()],
                    rx.icon("send", size=size))


def type_colour(kind: rx.Var) -> rx.Var:
    return rx.match(kind, *[(key, colour) for key, (colour, _) in TYPE_COLOURS.items()], "gray")


def record_icon(kind: rx.Var) -> rx.Component:
    return rx.match(kind, *[(key, rx.icon(name, size=12)) for key, name in RECORD_ICONS.items()],
                    rx.icon("link", size=12))


def record_chip(link: rx.Var) -> rx.Component:
    return rx.link(
        rx.badge(record_icon(link.kind), link.label, variant="surface", color_scheme="gray",
                 radius="full", size="1"),
        href=link.href, underline="none", data_record=link.kind,
    )


def response_select(entry: rx.Var, on_change: Callable[[rx.Var, rx.Var], rx.EventSpec]) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(variant="soft", color=rx.match(entry.response, *RESPONSE_COLOURS.items(), "gray"),
                          aria_label="Response", min_width="8.5em"),
        rx.select.content(*[rx.select.item(t(RESPONSE_LABELS[s]), value=s) for s in RESPONSES]),
        value=entry.response,
        on_change=lambda status: on_change(entry.id, status),
        disabled=~entry.editable,
        size="1",
    )


def _contact_bits(entry: rx.Var) -> rx.Component:
    """Channel, URL or handle, e-mail and phone, whichever the entry has."""
    return rx.hstack(
        rx.text(entry.type_label, weight="bold", size="2"),
        rx.cond(entry.channel != "", rx.badge(entry.channel, color_scheme=type_colour(entry.kind),
                                              variant="soft")),
        rx.cond(entry.value != "",
                rx.cond(entry.value_is_url,
                        rx.link(entry.value, href=entry.value, is_external=True, size="2",
                                class_name="outreach-value", max_width="28em", overflow="hidden",
                                text_overflow="ellipsis", white_space="nowrap"),
                        rx.text(entry.value, size="2", class_name="outreach-value"))),
        rx.cond(entry.email != "", rx.link(entry.email, href="mailto:" + entry.email, size="2")),
        rx.cond(entry.phone != "", rx.link(entry.phone, href="tel:" + entry.phone_e164, size="2",
                                           white_space="nowrap")),
        spacing="2", align="center", wrap="wrap", min_width="0",
    )


def _meta(entry: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(entry.user, " · ", entry.time, size="1", color_scheme="gray",
                title=entry.when),
        rx.cond(entry.call_outcome != "",
                rx.hstack(rx.icon("phone-call", size=11),
                          rx.text(entry.call_outcome, rx.cond(entry.duration != "", " · " + entry.duration, ""),
                                  size="1"),
                          spacing="1", align="center", color="var(--gray-11)", class_name="call-result")),
        rx.cond(entry.targets.length() > 0,
                rx.hstack(rx.text(t("For"), size="1", color_scheme="gray"),
                          rx.foreach(entry.targets, record_chip), spacing="1", align="center")),
        spacing="3", align="center", wrap="wrap",
    )


def _produced(entry: rx.Var) -> rx.Component:
    return rx.cond(
        entry.produced.length() > 0,
        rx.hstack(
            rx.text(t("Produced"), size="1", color_scheme="gray"),
            rx.foreach(entry.produced, record_chip),
            rx.cond(entry.more_produced > 0,
                    rx.text("+", entry.more_produced, " ", t("more"), size="1", color_scheme="gray")),
            spacing="1", align="center", wrap="wrap", class_name="outreach-produced",
        ),
    )


def day_header(entry: rx.Var) -> rx.Component:
    return rx.cond(
        entry.day_header != "",
        rx.hstack(
            rx.text(entry.day_header, weight="bold", size="2"),
            rx.cond(entry.day_count > 0,
                    rx.badge(entry.day_count, variant="soft", color_scheme="gray", radius="full")),
            align="center", padding_top="0.75em", padding_bottom="0.25em", width="100%",
            border_bottom="1px solid var(--gray-5)", class_name="day-header",
        ),
    )


def outreach_entry(entry: rx.Var, on_response: Callable[[rx.Var, rx.Var], rx.EventSpec],
                   extra: Callable[[rx.Var], rx.Component] | None = None) -> rx.Component:
    """One outreach; `extra(entry)` adds actions on the right (e.g. "link" on the contact page)."""
    return rx.fragment(
        day_header(entry),
        rx.hstack(
            rx.center(type_icon(entry.kind), width="2em", height="2em", border_radius="50%",
                      flex_shrink="0", background="var(--gray-3)",
                      color=rx.match(entry.kind, *[(k, f"var(--{c}-11)") for k, (c, _) in TYPE_COLOURS.items()],
                                     "var(--gray-11)")),
            rx.vstack(
                _contact_bits(entry),
                rx.cond(entry.description != "",
                        rx.text(entry.description, size="2", white_space="pre-wrap",
                                class_name="outreach-description", style={"overflow_wrap": "anywhere"})),
                _meta(entry),
                _produced(entry),
                spacing="1", flex="1", min_width="0",
            ),
            rx.vstack(response_select(entry, on_response), extra(entry) if extra else rx.fragment(),
                      align="end", spacing="2", flex_shrink="0"),
            width="100%", align="start", spacing="3", padding_y="0.6em",
            class_name="outreach-entry", data_outreach_id=entry.id, data_type=entry.kind,
        ),
    )


def outreach_list(entries: rx.Var, on_response: Callable, empty: rx.Var | str,
                  extra: Callable[[rx.Var], rx.Component] | None = None, id: str = "") -> rx.Component:
    return rx.cond(
        entries.length() > 0,
        rx.vstack(rx.foreach(entries, lambda e: outreach_entry(e, on_response, extra)),
                  spacing="0", width="100%", id=id or None),
        rx.callout(empty, icon="info", class_name="outreach-empty"),
    )


def type_label(kind: str) -> rx.Var | str:
    return t(TYPE_LABELS[kind])
