"""The deal create/edit dialog and the attribution a deal shows, for the deals page and for
pages that start a deal from a contact: render `deal_dialog()` once on the page and open it
with `new_deal_from_contact_button(contact_id)`."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import labelled, text_field
from leadhub.components.i18n import t, t_value
from leadhub.services.auth import CURRENCIES
from leadhub.services.deals import STAGES
from leadhub.services.outreach import TYPE_LABELS
from leadhub.state.deals import DealsState as S

OUTREACH_TYPES = list(TYPE_LABELS.values())
STAGE_COLOURS = {"Prospecting": "gray", "Qualification": "blue", "Proposal": "cyan",
                 "Negotiation": "amber", "Closed Won": "green", "Closed Lost": "red"}


def stage_badge(stage: rx.Var) -> rx.Component:
    return rx.badge(t_value(stage, STAGES),
                    color_scheme=rx.match(stage, *STAGE_COLOURS.items(), "gray"), variant="soft")


def attribution(row: rx.Var, size: str = "1") -> rx.Component:
    """Where a deal came from: outreach type and value, the rep who did it, the lead source."""
    has_outreach, has_rep, has_source = row["outreach"] != "", row["rep"] != "", row["source"] != ""
    return rx.vstack(
        rx.cond(has_outreach, rx.hstack(
            rx.badge(t_value(row["outreach"], OUTREACH_TYPES), variant="surface", size="1"),
            rx.text(row["outreach_value"], size=size, title=row["outreach_value"],
                    style={"overflow": "hidden", "textOverflow": "ellipsis",
                           "whiteSpace": "nowrap", "minWidth": "0"}),
            spacing="1", align="center", width="100%", max_width="18em")),
        rx.cond(has_rep | has_source, rx.text(
            rx.cond(has_rep, rx.text.span(row["rep"]), ""),
            rx.cond(has_rep & has_source, " · ", ""),
            rx.cond(has_source, rx.text.span(t("Lead source"), ": ", row["source"]), ""),
            size="1", color_scheme="gray")),
        rx.cond(~has_outreach & ~has_source, rx.text("—", size=size, color_scheme="gray")),
        spacing="1",
        width="100%",
        class_name="deal-attribution",
    )


def new_deal_from_contact_button(contact_id: rx.Var | int | str, **props) -> rx.Component:
    """A new deal for this contact; the page must also render `deal_dialog()`."""
    return rx.button(rx.icon("handshake", size=14), t("New deal"),
                     on_click=S.open_from_contact(contact_id), type="button",
                     id="new-deal-from-contact", **props)


def _select(label: str, name: str, options, default: rx.Var, translate: bool = True) -> rx.Component:
    if isinstance(options, list):
        content = rx.select.content(*[rx.select.item(t(o) if translate else o, value=o)
                                      for o in options])
    else:
        content = rx.select.content(rx.foreach(options, lambda o: rx.select.item(o[1], value=o[0])))
    return labelled(label, rx.select.root(rx.select.trigger(width="100%", id=f"deal-{name}"),
                                          content, name=name, default_value=default),
                    S.field_errors, name)


def _context() -> rx.Component:
    c = S.deal_context
    return rx.cond(
        (c["account"] != "") | (c["contact"] != "") | (c["outreach"] != "") | (c["source"] != ""),
        rx.grid(
            rx.cond(c["account"] != "", rx.text(t("Account"), ": ", rx.text.strong(c["account"]),
                                                size="2")),
            rx.cond(c["contact"] != "", rx.text(t("Contact"), ": ", rx.text.strong(c["contact"]),
                                                size="2")),
            rx.box(attribution(c, size="2"), grid_column="span 2"),
            columns="2", spacing="2", width="100%", padding="0.75em",
            background="var(--gray-2)", border_radius="var(--radius-3)",
        ),
    )


def deal_form() -> rx.Component:
    errors, values = S.field_errors, S.deal_values
    return rx.form(
        rx.vstack(
            _context(),
            rx.grid(
                rx.box(text_field("Deal name", "name", errors, values["name"], required=True),
                       grid_column="span 2"),
                text_field("Amount", "amount", errors, values["amount"], placeholder="12.500,00"),
                _select("Currency", "currency", list(CURRENCIES), values["currency"],
                        translate=False),
                _select("Stage", "stage", STAGES, values["stage"]),
                text_field("Probability (%)", "probability", errors, values["probability"],
                           placeholder="auto"),
                text_field("Close date", "close_date", errors, values["close_date"], type_="date"),
                _select("Owner", "owner_id", S.owners, values["owner_id"]),
                columns="2", spacing="3", width="100%",
            ),
            rx.hstack(
                rx.spacer(),
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray",
                                          type="button")),
                rx.button(t("Save"), type="submit", id="deal-save"),
                width="100%",
            ),
            spacing="4",
        ),
        on_submit=S.save,
        reset_on_submit=False,
        no_validate=True,
        key=S.deal_key,
        id="deal-form",
    )


def deal_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.deal_editing_id != 0, t("Edit deal"), t("New deal"))),
            deal_form(),
            max_width="38em",
        ),
        open=S.deal_open,
        on_open_change=S.set_deal_open,
    )
