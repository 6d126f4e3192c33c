"""Outreach: the team's timeline by day, its volume per type, and the "Log outreach" dialog."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import field_error
from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.components.outreach_form import channel_text, log_outreach_button, outreach_dialog
from leadhub.components.outreach_timeline import on_language_change, outreach_list, type_colour, type_icon
from leadhub.services.outreach import MESSENGERS, PLATFORMS, SOCIAL_NETWORKS
from leadhub.state.outreach import ANY, TYPE_LABELS, OutreachState

S = OutreachState
CHANNELS = list(dict.fromkeys([*PLATFORMS, *SOCIAL_NETWORKS, *MESSENGERS]))


def _select(name: str, value: rx.Var, *items: rx.Component, label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label, id=name),
        rx.select.content(*items),
        value=value,
        on_change=lambda v: S.set_filter(name, v),
    )


def _date(name: str, label: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(t(label), size="1", color_scheme="gray"),
            rx.input(type="date", value=getattr(S, name), id=name, size="2", aria_label=label,
                     on_change=(lambda v: S.set_filter(name, v)),
                     color_scheme=rx.cond(S.field_errors.contains(name), "red", "gray")),
            align="center", spacing="1",
        ),
        field_error(S.field_errors, name),
        spacing="1",
    )


def filters() -> rx.Component:
    return rx.hstack(
        _select("type_filter", S.type_filter,
                rx.select.item(t("All types"), value=ANY),
                *[rx.select.item(t(label), value=kind) for kind, label in TYPE_LABELS.items()],
                label="Type"),
        _select("channel_filter", S.channel_filter,
                rx.select.item(t("All channels"), value=ANY),
                *[rx.select.item(channel_text(c), value=c) for c in CHANNELS],
                label="Channel"),
        _select("user_filter", S.user_filter,
                rx.select.item(t("Anyone"), value=ANY),
                rx.select.item(t("Me"), value="me"),
                rx.foreach(S.members, lambda m: rx.select.item(m[1], value=m[0])),
                label="By"),
        _date("date_from", "From"),
        _date("date_to", "To"),
        spacing="3", wrap="wrap", align="start", margin_bottom="1em",
    )


def _volume_badge(item: rx.Var) -> rx.Component:
    selected = S.type_filter == item.kind
    return rx.button(
        type_icon(item.kind, 14), item.label,
        rx.badge(item.count, variant="solid", color_scheme=type_colour(item.kind), radius="full"),
        variant=rx.cond(selected, "solid", "soft"), color_scheme=type_colour(item.kind), size="1",
        on_click=S.toggle_type(item.kind), data_volume=item.kind, class_name="volume-badge",
    )


def volume() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(t("Outreach per day"), weight="bold", size="2"),
                rx.spacer(),
                rx.hstack(rx.foreach(S.volume, _volume_badge), spacing="2", wrap="wrap", id="volume"),
                width="100%", align="center", wrap="wrap", spacing="2",
            ),
            rx.box(
                rx.plotly.basic(data=S.chart, config={"displayModeBar": False, "responsive": True},
                                width="100%", height="150px"),
                width="100%", height="150px", id="volume-chart",
            ),
            spacing="2", width="100%",
        ),
        width="100%", margin_bottom="1em",
    )


def _contact_from(entry: rx.Var) -> rx.Component:
    return rx.tooltip(
        rx.link(rx.icon_button(rx.icon("user-plus", size=14), variant="ghost", size="1", color_scheme="gray",
                               aria_label="New contact from this outreach"),
                href="/contacts?from_outreach=" + entry.id.to_string()),
        content=t("New contact from this outreach"),
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.text(S.total, " ", rx.cond(S.total == 1, t("action"), t("actions")), " · ",
                t("Page"), " ", S.page, " ", t("of"), " ", S.pages, size="2", color_scheme="gray",
                id="outreach-count"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=14), t("Previous"), variant="soft", size="1",
                  disabled=S.page <= 1, on_click=S.go_to_page(S.page - 1)),
        rx.button(t("Next"), rx.icon("chevron-right", size=14), variant="soft", size="1",
                  disabled=S.page >= S.pages, on_click=S.go_to_page(S.page + 1), id="outreach-next"),
        width="100%", align="center", margin_top="0.75em",
    )


def outreach_page() -> rx.Component:
    """The team's outreach by day, paged in SQL."""
    return app_shell(
        page_title("Outreach", log_outreach_button()),
        filters(),
        volume(),
        outreach_list(S.entries, S.set_response, t("No outreach matches these filters."),
                      extra=_contact_from, id="outreach-timeline"),
        pager(),
        outreach_dialog(on_saved=[S.load]),
        on_language_change(S.relabel),
    )
