"""The "Send e-mail" button and dialog of the lead page.

    send_email_button(lead_id=LeadDetailState.record_id)   # in the page's actions
    send_email_dialog()                                      # once on the page

Pick a template or write the e-mail; "Preview" shows it with the lead's merge fields filled in.
A lead that unsubscribed (or has no address) gets a clear message instead of a form.
"""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import labelled
from leadhub.components.i18n import t
from leadhub.state.send_email import SendEmailState as S
from leadhub.state.session import NONE


def send_email_button(lead_id: rx.Var | int, **props) -> rx.Component:
    props.setdefault("id", "send-email")
    return rx.button(rx.icon("mail", size=14), t("Send e-mail"), on_click=S.open_for(lead_id), **props)


def _form() -> rx.Component:
    return rx.vstack(
        rx.text(t("To"), " ", rx.text.span(S.to_email, weight="medium", id="send-email-to"), size="2"),
        labelled("Template", rx.select.root(
            rx.select.trigger(width="100%", id="send-email-template"),
            rx.select.content(rx.select.item(t("No template: write it here"), value=NONE),
                              rx.foreach(S.templates, lambda o: rx.select.item(o[1], value=o[0]))),
            value=S.template_id, on_change=S.choose_template)),
        labelled("Subject", rx.input(value=S.subject, on_change=S.set_subject, id="send-email-subject",
                                     width="100%", color_scheme=rx.cond(S.field_errors.contains("subject"),
                                                                        "red", "gray")),
                 S.field_errors, "subject", True),
        labelled("Message", rx.text_area(value=S.body, on_change=S.set_body, id="send-email-body", rows="8",
                                         width="100%"),
                 S.field_errors, "body", True),
        rx.text(t("Merge fields such as {{first_name}} or {{company}} are filled in for this lead."),
                size="1", color_scheme="gray"),
        rx.cond(
            S.preview_subject != "",
            rx.card(rx.vstack(rx.text(t("Preview"), size="1", color_scheme="gray"),
                              rx.text(S.preview_subject, weight="bold", size="2", id="send-email-preview-subject"),
                              rx.text(S.preview_body, size="2", white_space="pre-wrap", id="send-email-preview-body"),
                              spacing="1"), width="100%"),
        ),
        rx.hstack(
            rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
            rx.spacer(),
            rx.button(rx.icon("eye", size=14), t("Preview"), variant="soft", on_click=S.preview,
                      id="send-email-preview"),
            rx.button(rx.icon("send", size=14), t("Send"), on_click=S.send, id="send-email-send"),
            width="100%",
        ),
        spacing="3", width="100%",
    )


def send_email_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Send e-mail")),
            rx.cond(
                S.refused != "",
                rx.vstack(rx.callout(S.refused, icon="mail-x", color_scheme="amber", id="send-email-refused",
                                     width="100%"),
                          rx.dialog.close(rx.button(t("Close"), variant="soft", color_scheme="gray")),
                          align="end", spacing="3", width="100%"),
                _form(),
            ),
            max_width="640px",
        ),
        open=S.open, on_open_change=S.set_open,
    )
