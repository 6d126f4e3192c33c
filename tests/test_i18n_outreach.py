"""Outreach, contacts and follow-up texts that the scan in test_i18n cannot see (labels built
from tables, service messages with a value in them) have Spanish too."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from leadhub.i18n import ES
from leadhub.i18n.outreach import translate_message
from leadhub.pages.followup import TOUCH_LABELS
from leadhub.services import followup, outreach, teamtime
from leadhub.services.errors import ValidationFailed
from leadhub.state.contacts import TOUCH_BADGES, TOUCH_KINDS
from leadhub.services.outreach import CALL_OUTCOME_LABELS, RESPONSE_LABELS
from leadhub.state.outreach import TYPE_LABELS


def test_labels_from_tables_have_spanish():
    labels = [*TYPE_LABELS.values(), *RESPONSE_LABELS.values(), *CALL_OUTCOME_LABELS.values(),
              *TOUCH_KINDS.values(), *TOUCH_BADGES.values(), *TOUCH_LABELS.values(), "Other channel", "Today", "Yesterday"]
    assert [label for label in labels if label not in ES] == []


def dst_message() -> str:
    with pytest.raises(ValidationFailed) as err:
        teamtime.to_utc(datetime(2026, 3, 29, 2, 30), ZoneInfo("Europe/Madrid"), field="at")
    return err.value.field_errors["at"]


@pytest.mark.parametrize("english, spanish", [
    (dst_message(), "2026-03-29 02:30 no existe en Europe/Madrid: esa noche los relojes se adelantan. "
                    "Usa una hora más tarde."),
    ("Not used for a call outreach.", "No se usa en una acción de tipo llamada."),
    ("Not used for a e-mail outreach.", "No se usa en una acción de tipo correo."),
    (f"Choose the network: {', '.join(outreach.SOCIAL_NETWORKS)}.",
     "Elige la red: LinkedIn, X, Facebook, Instagram, Other."),
    (f"Choose the messenger: {', '.join(outreach.MESSENGERS)}.", "Elige la mensajería: WhatsApp, Telegram, Signal, Other."),
    ("Use at most 5000 characters.", "Usa como máximo 5000 caracteres."),
    (f"Enter between 1 and {followup.MAX_INTERVAL_DAYS} days.", "Escribe entre 1 y 365 días."),
    (f"Choose at most {outreach.MAX_TIMELINE_DAYS} days.", "Elige como máximo 366 días."),
    ("Describe what you sent or said.", "Describe lo que enviaste o dijiste."),
])
def test_service_messages_with_values_are_translated(english, spanish):
    assert translate_message(english, "es") == spanish
    assert translate_message(english, "en") == english
