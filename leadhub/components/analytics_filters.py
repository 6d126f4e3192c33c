"""The analytics filter bar: date range (presets or custom), grain, reps, outreach types and
channels, lead sources, campaigns, a lead segment and currency. Every change runs the page's own reload."""

from __future__ import annotations

from typing import Any

import reflex as rx

from leadhub.components.i18n import t
from leadhub.services.models import LEAD_SOURCES
from leadhub.state.analytics import ALL_CHANNELS, AnalyticsFilterState, type_options
from leadhub.state.session import NONE

PRESET_LABELS = [("today", "Today"), ("last_7_days", "Last 7 days"), ("last_30_days", "Last 30 days"),
                 ("this_month", "This month"), ("last_month", "Last month"), ("this_quarter", "This quarter"),
                 ("last_quarter", "Last quarter"), ("this_year", "This year"),
                 ("last_12_months", "Last 12 months"), ("custom", "Custom range")]
GRAIN_LABELS = [("day", "Day"), ("week", "Week"), ("month", "Month")]


def _check(name: str, value: Any, label: Any, selected: rx.Var, reload: Any) -> rx.Component:
    return rx.checkbox(label, checked=selected.contains(value),
                       on_change=lambda _checked: [AnalyticsFilterState.toggle_choice(name, value), reload],
                       size="2", data_option=value)


def multi_select(label: str, name: str, options: list[tuple[str, str]] | rx.Var, selected: rx.Var,
                 reload: Any) -> rx.Component:
    """A popover of checkboxes; the trigger shows how many are chosen."""
    if isinstance(options, list):
        items = [_check(name, value, t(text), selected, reload) for value, text in options]
        body = rx.vstack(*items, spacing="2")
    else:
        body = rx.vstack(rx.foreach(options, lambda o: _check(name, o[0], o[1], selected, reload)), spacing="2")
    return rx.popover.root(
        rx.popover.trigger(rx.button(
            t(label), rx.cond(selected.length() > 0, rx.badge(selected.length(), variant="solid", radius="full")),
            rx.icon("chevron-down", size=14), variant="surface", color_scheme="gray", size="2",
            id=f"filter-{name}")),
        rx.popover.content(body, max_height="22em", overflow_y="auto", min_width="14em"),
    )


def segment_select(reload: Any) -> rx.Component:
    """One saved lead segment (services/segments.py) that every chart follows."""
    return rx.select.root(
        rx.select.trigger(id="filter-segment", aria_label="Segment", placeholder=t("All leads")),
        rx.select.content(
            rx.select.item(t("All leads"), value=NONE),
            rx.foreach(AnalyticsFilterState.segment_options,
                       lambda o: rx.select.item(o[1], value=o[0], data_segment=o[0])),
        ),
        value=AnalyticsFilterState.segment,
        on_change=lambda v: [AnalyticsFilterState.set_segment(v), reload],
        size="2",
    )


def date_range(reload: Any) -> rx.Component:
    return rx.hstack(
        rx.select.root(
            rx.select.trigger(id="filter-preset", aria_label="Date range"),
            rx.select.content(*[rx.select.item(t(text), value=value) for value, text in PRESET_LABELS]),
            value=AnalyticsFilterState.preset,
            on_change=lambda v: [AnalyticsFilterState.set_preset(v), reload],
        ),
        rx.cond(
            AnalyticsFilterState.preset == "custom",
            rx.form(
                rx.hstack(
                    rx.input(type="date", name="date_from", id="filter-date-from",
                             default_value=AnalyticsFilterState.date_from, size="2"),
                    rx.text("–"),
                    rx.input(type="date", name="date_to", id="filter-date-to",
                             default_value=AnalyticsFilterState.date_to, size="2"),
                    rx.button(t("Apply"), type="submit", size="2", variant="soft", id="filter-apply"),
                    align="center", spacing="2",
                ),
                on_submit=lambda form: [AnalyticsFilterState.set_custom_range(form), reload],
                reset_on_submit=False,
            ),
            rx.text(AnalyticsFilterState.range_text, size="2", color_scheme="gray", id="filter-range"),
        ),
        align="center", spacing="2",
    )


def filter_bar(reload: Any, *, grain: bool = True) -> rx.Component:
    """The shared bar; `reload` is the page's event that recomputes after a change."""
    return rx.vstack(
        rx.hstack(
            date_range(reload),
            *([rx.segmented_control.root(
                *[rx.segmented_control.item(t(text), value=value) for value, text in GRAIN_LABELS],
                value=AnalyticsFilterState.grain, size="1", id="filter-grain",
                on_change=lambda v: [AnalyticsFilterState.set_grain(v), reload])] if grain else []),
            rx.spacer(),
            rx.select.root(
                rx.select.trigger(id="filter-currency", aria_label="Currency"),
                rx.select.content(rx.foreach(AnalyticsFilterState.currency_options,
                                             lambda c: rx.select.item(c, value=c))),
                value=AnalyticsFilterState.currency,
                on_change=lambda v: [AnalyticsFilterState.set_currency(v), reload],
                size="2",
            ),
            width="100%", align="center", spacing="3", wrap="wrap",
        ),
        rx.hstack(
            rx.cond(AnalyticsFilterState.role != "rep",
                    multi_select("Reps", "sel_users", AnalyticsFilterState.member_options,
                                 AnalyticsFilterState.sel_users, reload),
                    rx.badge(t("Your numbers only"), color_scheme="gray", size="2", id="filter-own-only")),
            multi_select("Outreach types", "sel_types", [(v, label) for v, label in type_options()],
                         AnalyticsFilterState.sel_types, reload),
            multi_select("Platforms and networks", "sel_channels", [(c, c) for c in ALL_CHANNELS],
                         AnalyticsFilterState.sel_channels, reload),
            multi_select("Lead sources", "sel_sources", [(s, s) for s in LEAD_SOURCES],
                         AnalyticsFilterState.sel_sources, reload),
            multi_select("Campaigns", "sel_campaigns", AnalyticsFilterState.campaign_options,
                         AnalyticsFilterState.sel_campaigns, reload),
            rx.hstack(rx.icon("users", size=14, color="var(--gray-11)"), rx.text(t("Segment"), size="2"),
                      segment_select(reload), align="center", spacing="1"),
            rx.cond(AnalyticsFilterState.filter_count > 0,
                    rx.button(rx.icon("x", size=14), t("Clear filters"), variant="ghost", size="2",
                              on_click=[AnalyticsFilterState.clear_filters, reload], id="filter-clear")),
            spacing="2", wrap="wrap", width="100%",
        ),
        rx.cond(AnalyticsFilterState.filter_errors.length() > 0,
                rx.callout(rx.foreach(AnalyticsFilterState.filter_errors.values(), rx.text), icon="triangle-alert",
                           color_scheme="red", size="1")),
        spacing="2", width="100%", padding="0.75em", border="1px solid var(--gray-5)",
        border_radius="var(--radius-3)", background="var(--gray-2)", margin_bottom="1em",
        id="analytics-filters",
    )
