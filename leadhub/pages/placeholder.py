"""Areas whose own issues are still open: the shell and navigation already lead there."""

from __future__ import annotations

import reflex as rx

from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title


def coming_soon(title: str):
    def page() -> rx.Component:
        return app_shell(
            page_title(title),
            rx.callout(t("This part of LeadHub is being built."), icon="construction"),
        )
    page.__name__ = f"{title.lower()}_page"
    page.__doc__ = f"{title}: being built."
    return page
