"""Qualification and nurturing pages (segments, e-mails, workflows), registered in one call so
the app module stays a list of areas."""

from __future__ import annotations

import reflex as rx

from leadhub.components.i18n import t

TABS = [("Segments", "/segments"), ("E-mails", "/emails"), ("Workflows", "/workflows")]


def nurturing_tabs() -> rx.Component:
    """The tab bar shared by the nurturing pages."""
    path = rx.State.router.page.path
    return rx.hstack(
        *[rx.link(t(label), href=href, underline="none", padding_x="0.75em", padding_y="0.35em",
                  border_radius="var(--radius-2)",
                  background=rx.cond(path == href, "var(--accent-3)", "transparent"),
                  color=rx.cond(path == href, "var(--accent-11)", "var(--gray-11)"), size="2")
          for label, href in TABS],
        spacing="1", margin_bottom="1em",
    )


def register_nurturing_pages(app: rx.App) -> None:
    from leadhub.pages.segments import segments_page
    from leadhub.state.segments import SegmentsState
    from leadhub.state.session import SessionState

    from leadhub.pages.emails import emails_page
    from leadhub.pages.workflows import workflows_page
    from leadhub.state.emails import EmailsState
    from leadhub.state.workflows import WorkflowsState

    app.add_page(segments_page, route="/segments",
                 on_load=[SessionState.require_login, SegmentsState.load], title="LeadHub · Segments")
    app.add_page(emails_page, route="/emails",
                 on_load=[SessionState.require_login, EmailsState.load], title="LeadHub · E-mails")
    app.add_page(workflows_page, route="/workflows",
                 on_load=[SessionState.require_login, WorkflowsState.load], title="LeadHub · Workflows")
