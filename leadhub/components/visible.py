"""A marker that fires an event when it scrolls into view, for loading more as a rep scrolls."""

from __future__ import annotations

import reflex as rx
from reflex.components.component import NoSSRComponent

_JSX = rx.asset("visible.jsx", shared=True)


class VisibleSentinel(NoSSRComponent):
    library = f"$/public{_JSX}"
    tag = "VisibleSentinel"

    # Changing it re-arms the observer (e.g. the number of cards shown).
    token: rx.Var[str]
    root_margin: rx.Var[str]

    on_visible: rx.EventHandler[lambda: []]


visible_sentinel = VisibleSentinel.create
