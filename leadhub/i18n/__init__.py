"""The one catalog of user-facing text, English → Spanish.

Keys are the English text itself, so a string missing from the catalog still reads well in
English. Each area of the app keeps its strings in a module here (`core`, …) and this module
merges them. Components use `leadhub.components.i18n.t`; states translate service messages
(errors, toasts) with `translate`.
"""

from __future__ import annotations

from leadhub.i18n import board, core, deals, outreach, nurturing
from leadhub.i18n import leads_detail

from leadhub.i18n import analytics  # noqa: E402

LANGUAGES = {"en": "English", "es": "Español"}

ES: dict[str, str] = dict(analytics.ES)  # the areas below win on words they share
for _area in (core, board, outreach, deals, leads_detail, nurturing):
    ES.update(_area.ES)
from leadhub.i18n import capture  # noqa: E402  (web forms, CSV import)
for _text, _spanish in capture.ES.items():
    ES.setdefault(_text, _spanish)  # another area's wording of a shared word wins
from leadhub.i18n import api as _api  # noqa: E402  (API keys, webhooks)
for _text, _spanish in _api.ES.items():
    ES.setdefault(_text, _spanish)


def translate(text: str, lang: str) -> str:
    """`text` in the user's language, or as it is when the catalog has no translation."""
    if lang == "es":
        return ES.get(text, text)
    return text
