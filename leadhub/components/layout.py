"""The app shell: navigation on the left, team and user on top, the page in the middle."""

from __future__ import annotations

import reflex as rx

from leadhub.components.i18n import language_switch, t, t_value
from leadhub.state.session import SessionState

NAV = [
    ("Leads", "/leads", "users"),
    ("Board", "/board", "kanban"),
    ("Outreach", "/outreach", "send"),
    ("Contacts", "/contacts", "contact"),
    ("Follow-up", "/followup", "bell-ring"),
    ("Deals", "/deals", "handshake"),
    ("Analytics", "/analytics", "chart-column"),
    ("Nurturing", "/segments", "sprout"),
    ("Forms", "/forms", "file-input"),
    ("Settings", "/settings", "settings"),
]


# Below this width (Reflex's "sm" breakpoint, 48em = 768 px) the sidebar gives way to a menu
# button in the header that opens the same links in a drawer.
DESKTOP_ONLY = rx.breakpoints(initial="none", sm="flex")
MOBILE_ONLY = rx.breakpoints(initial="flex", sm="none")


def nav_link(label: str, href: str, icon: str, *, touch: bool = False) -> rx.Component:
    active = rx.State.router.page.path == href
    return rx.link(
        rx.hstack(rx.icon(icon, size=18 if touch else 16), rx.text(t(label), size="3" if touch else "2"),
                  spacing="2", align="center"),
        href=href,
        underline="none",
        padding_x="0.75em",
        padding_y="0.75em" if touch else "0.5em",
        border_radius="var(--radius-2)",
        width="100%",
        color=rx.cond(active, "var(--accent-11)", "var(--gray-12)"),
        background=rx.cond(active, "var(--accent-3)", "transparent"),
        _hover={"background": "var(--gray-3)"},
        aria_current=rx.cond(active, "page", "false"),
        data_nav=label.lower(),
    )


def _brand() -> rx.Component:
    return rx.hstack(rx.icon("target", color="var(--accent-9)"), rx.heading("LeadHub", size="5"),
                     align="center", padding="0.75em")


def sidebar() -> rx.Component:
    return rx.vstack(
        _brand(),
        *[nav_link(*item) for item in NAV],
        width="13em",
        min_width="13em",
        height="100vh",
        position="sticky",
        top="0",
        padding="0.5em",
        spacing="1",
        border_right="1px solid var(--gray-5)",
        background="var(--gray-1)",
        display=DESKTOP_ONLY,
        role="navigation",  # (Radix Flex renders only div or span, so no as_="nav")
        aria_label=t("Menu"),
        id="sidebar",
    )


def nav_drawer() -> rx.Component:
    """The sidebar's links for narrow screens: a menu button opening them in a panel on the
    left. A Radix dialog, so it traps focus, closes on Escape and on a tap outside, and gives
    focus back to the button; every link closes it as it navigates."""
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.icon_button(rx.icon("menu", size=22), variant="ghost", color_scheme="gray", size="3",
                           aria_label=t("Open menu"), title=t("Menu"), id="nav-menu-button",
                           display=MOBILE_ONLY),
        ),
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(rx.icon("target", color="var(--accent-9)"), "LeadHub", size="5",
                                margin="0", padding="0.75em", display="flex", align_items="center",
                                gap="var(--space-3)"),
                rx.spacer(),
                rx.dialog.close(
                    rx.icon_button(rx.icon("x", size=20), variant="ghost", color_scheme="gray",
                                   size="3", aria_label=t("Close menu"), id="nav-drawer-close"),
                ),
                align="center",
                width="100%",
            ),
            rx.el.nav(
                rx.vstack(*[rx.dialog.close(nav_link(*item, touch=True)) for item in NAV],
                          spacing="1", width="100%"),
                aria_label=t("Menu"),
                width="100%",
            ),
            id="nav-drawer",
            aria_describedby=None,
            # a panel along the left edge instead of a centred dialog
            position="fixed",
            top="0",
            left="0",
            bottom="0",
            margin="0",
            width="17em",
            max_width="85vw",
            height="100dvh",
            max_height="100dvh",
            padding="0.5em",
            border_radius="0",
            overflow_y="auto",
        ),
    )


def team_menu() -> rx.Component:
    return rx.cond(
        SessionState.teams.length() > 1,
        rx.select.root(
            rx.select.trigger(placeholder=SessionState.team_name, aria_label="Switch team"),
            rx.select.content(rx.foreach(
                SessionState.teams,
                lambda team: rx.select.item(team["name"], value=team["id"]),
            )),
            on_change=SessionState.switch_team,
            size="1",
        ),
        rx.text(SessionState.team_name, weight="bold", size="2", id="team-name"),
    )


def header() -> rx.Component:
    return rx.hstack(
        nav_drawer(),
        team_menu(),
        rx.spacer(),
        language_switch(),
        rx.hstack(
            rx.avatar(fallback=SessionState.user_name[:2], size="2", radius="full"),
            rx.vstack(
                rx.text(SessionState.user_name, size="2", weight="medium", id="user-name"),
                rx.text(t_value(SessionState.role, ["admin", "manager", "rep"]),
                        size="1", color_scheme="gray", id="user-role"),
                spacing="0",
                display=DESKTOP_ONLY,
            ),
            align="center",
        ),
        rx.button(rx.icon("log-out", size=14),
                  rx.text(t("Sign out"), as_="span", display=rx.breakpoints(initial="none", sm="inline")),
                  variant="ghost", size="2", aria_label=t("Sign out"),
                  on_click=SessionState.logout, id="logout"),
        width="100%",
        align="center",
        padding_x=rx.breakpoints(initial="0.75em", sm="1.5em"),
        padding_y="0.75em",
        border_bottom="1px solid var(--gray-5)",
        spacing=rx.breakpoints(initial="2", sm="4"),
    )


def app_shell(*children: rx.Component) -> rx.Component:
    """A private page: shown once the session is known, empty while it is being checked."""
    return rx.hstack(
        sidebar(),
        rx.vstack(
            header(),
            rx.box(*children, width="100%", min_width="0",
                   padding=rx.breakpoints(initial="0.75em", sm="1.5em")),
            width="100%",
            spacing="0",
            min_width="0",
        ),
        spacing="0",
        width="100%",
        align="start",
    )


def page_title(text: str, *actions: rx.Component) -> rx.Component:
    return rx.hstack(rx.heading(t(text), size="6"), rx.spacer(), *actions,
                     width="100%", align="center", margin_bottom="1em")
