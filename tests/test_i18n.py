"""Every text the UI passes through the catalog has a Spanish translation."""

import re
from pathlib import Path

from leadhub.i18n import ES

LEADHUB = Path(__file__).resolve().parent.parent / "leadhub"
# t("…") and the helpers that call t() on their first argument
CALLS = re.compile(r'\b(?:t|text_field|select_field|labelled|page_title|_section|coming_soon)'
                   r'\(\s*"((?:[^"\\]|\\.)+)"')


def ui_texts() -> dict[str, str]:
    found = {}
    for path in list((LEADHUB / "pages").rglob("*.py")) + list((LEADHUB / "components").rglob("*.py")):
        for text in CALLS.findall(path.read_text(encoding="utf-8")):
            found.setdefault(text, str(path.relative_to(LEADHUB)))
    return found


def test_catalog_covers_every_ui_text():
    texts = ui_texts()
    assert len(texts) > 50  # the scan itself works
    missing = {text: where for text, where in texts.items() if text not in ES}
    assert missing == {}, f"add these to leadhub/i18n: {missing}"
