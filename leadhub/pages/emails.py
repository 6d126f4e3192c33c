"""E-mails: templates with merge fields, sending to a segment, who got what, and sequences."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import field_error, labelled, text_field
from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.state.emails import EmailsState as S
from leadhub.state.emails import SmtpSettingsState

STATUS_COLORS = {"queued": "gray", "sent": "green", "failed": "red", "skipped": "amber"}


def template_editor() -> rx.Component:
    errors, values = S.field_errors, S.form
    return rx.form(
        rx.vstack(
            rx.grid(
                text_field("Name", "name", errors, values["name"]),
                labelled("Language", rx.select.root(
                    rx.select.trigger(width="100%", id="language"),
                    rx.select.content(rx.select.item("English", value="en"), rx.select.item("Español", value="es")),
                    name="language", default_value=values["language"]), errors, "language"),
                columns="2", spacing="3", width="100%"),
            text_field("Subject", "subject", errors, values["subject"]),
            labelled("Message", rx.text_area(name="body", id="body", default_value=values["body"], rows="8",
                                             width="100%"), errors, "body"),
            rx.text(t("Merge fields:"), " {{first_name}} {{last_name}} {{company}} {{title}} {{owner_name}} "
                    "{{team_name}} {{cf.<key>}}", size="1", color_scheme="gray"),
            rx.button(t("Save template"), type="submit", id="save-template"),
            spacing="2", width="100%",
        ),
        on_submit=S.save_template, reset_on_submit=False, key=S.form_key, width="100%",
    )


def templates_card() -> rx.Component:
    return rx.card(
        rx.hstack(rx.heading(t("Templates"), size="4"), rx.spacer(),
                  rx.cond(S.can_edit, rx.button(rx.icon("plus", size=14), t("New template"), size="1",
                                                on_click=S.new_template, id="new-template")),
                  width="100%", align="center"),
        rx.vstack(rx.foreach(S.templates, lambda tpl: rx.hstack(
            rx.badge(tpl["language"], variant="outline", size="1"),
            rx.link(tpl["name"], on_click=S.edit_template(tpl["id"]), cursor="pointer"),
            rx.text(tpl["subject"], size="1", color_scheme="gray"),
            spacing="2", align="center", class_name="email-template")), spacing="1", margin_y="0.5em"),
        rx.cond(S.form.contains("name") & S.can_edit, template_editor()),
        width="100%",
    )


def send_card() -> rx.Component:
    return rx.card(
        rx.heading(t("Send to a segment"), size="4", margin_bottom="0.5em"),
        rx.hstack(
            rx.select.root(rx.select.trigger(placeholder=t("Template"), id="send-template"),
                           rx.select.content(rx.foreach(S.templates, lambda x: rx.select.item(x["name"], value=x["id"]))),
                           value=S.send_template, on_change=S.set_send_template),
            rx.select.root(rx.select.trigger(placeholder=t("Segment"), id="send-segment"),
                           rx.select.content(rx.foreach(S.segment_choices, lambda x: rx.select.item(x[1], value=x[0]))),
                           value=S.send_segment, on_change=S.set_send_segment),
            rx.button(rx.icon("send", size=14), t("Send"), on_click=S.send_to_segment, id="send-segment-go",
                      disabled=~S.can_edit),
            spacing="2", align="center", wrap="wrap",
        ),
        rx.text(t("Unsubscribed leads and leads without an e-mail are skipped. Sent in the background, throttled."),
                size="1", color_scheme="gray", margin_top="0.5em"),
        width="100%",
    )


def messages_card() -> rx.Component:
    return rx.card(
        rx.hstack(rx.heading(t("Recent e-mails"), size="4"), rx.spacer(),
                  rx.icon_button(rx.icon("refresh-cw", size=14), size="1", variant="ghost", on_click=S.load,
                                 aria_label="Refresh"), width="100%"),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(h)) for h in
                                           ("To", "Subject", "Status", "Sent", "Opened", "Clicked")])),
            rx.table.body(rx.foreach(S.messages, lambda m: rx.table.row(
                rx.table.cell(m["to"]), rx.table.cell(m["subject"]),
                rx.table.cell(rx.tooltip(rx.badge(m["status"], color_scheme=rx.match(
                    m["status"], *list(STATUS_COLORS.items()), "gray")), content=rx.cond(m["error"] != "", m["error"], m["status"]))),
                rx.table.cell(m["sent"]),
                rx.table.cell(rx.cond(m["opened"] != "", rx.icon("check", size=14))),
                rx.table.cell(rx.cond(m["clicked"] != "", rx.icon("check", size=14))),
                class_name="email-row"))),
            size="1", width="100%",
        ),
        width="100%",
    )


def sequences_card() -> rx.Component:
    return rx.card(
        rx.heading(t("Sequences"), size="4"),
        rx.text(t("Steps run in order; a sequence stops when the lead replies, converts or unsubscribes."),
                size="1", color_scheme="gray"),
        rx.vstack(rx.foreach(S.sequences, lambda s: rx.hstack(
            rx.text(s["name"], weight="bold", size="2"), rx.text(s["steps"], size="1"), rx.spacer(),
            rx.badge(s["enrolled"], " ", t("enrolled"), variant="soft"), width="100%", class_name="sequence")),
            spacing="1", margin_y="0.5em", width="100%"),
        rx.cond(S.can_edit, rx.vstack(
            rx.input(placeholder=t("Sequence name"), value=S.sequence_name, on_change=S.set_sequence_name,
                     id="sequence-name"),
            rx.foreach(S.steps, lambda step, i: rx.hstack(
                rx.badge(rx.match(step["kind"], ("send", t("send")), ("wait", t("wait")),
                                  ("send_if_no_reply", t("send if no reply")), step["kind"])),
                rx.cond(step["kind"] == "wait",
                        rx.input(value=step["days"], on_change=lambda v: S.set_step(i, "days", v), width="5em",
                                 type="number"),
                        rx.select.root(rx.select.trigger(),
                                       rx.select.content(rx.foreach(S.templates, lambda x: rx.select.item(x["name"], value=x["id"]))),
                                       value=step["template_id"], on_change=lambda v: S.set_step(i, "template_id", v))),
                rx.icon_button(rx.icon("x", size=12), size="1", variant="ghost", on_click=S.remove_step(i)),
                align="center", spacing="2")),
            rx.hstack(
                rx.button(t("+ send"), size="1", variant="soft", on_click=S.add_step("send")),
                rx.button(t("+ wait"), size="1", variant="soft", on_click=S.add_step("wait")),
                rx.button(t("+ send if no reply"), size="1", variant="soft", on_click=S.add_step("send_if_no_reply")),
                rx.spacer(),
                rx.button(t("Save sequence"), size="1", on_click=S.save_sequence, id="save-sequence"),
                width="100%"),
            field_error(S.field_errors, "steps"),
            rx.divider(),
            rx.hstack(
                rx.select.root(rx.select.trigger(placeholder=t("Sequence"), id="enroll-sequence"),
                               rx.select.content(rx.foreach(S.sequences, lambda x: rx.select.item(x["name"], value=x["id"]))),
                               value=S.enroll_sequence, on_change=S.set_enroll_sequence),
                rx.select.root(rx.select.trigger(placeholder=t("Segment"), id="enroll-segment"),
                               rx.select.content(rx.foreach(S.segment_choices, lambda x: rx.select.item(x[1], value=x[0]))),
                               value=S.enroll_segment_id, on_change=S.set_enroll_segment),
                rx.button(t("Start the segment on it"), size="1", on_click=S.enroll_segment, id="enroll-go"),
                spacing="2", align="center", wrap="wrap"),
            spacing="2", width="100%")),
        width="100%",
    )


def emails_page() -> rx.Component:
    """Follow-up e-mails of the team."""
    from leadhub.pages.nurturing import nurturing_tabs
    return app_shell(
        nurturing_tabs(),
        page_title("E-mails"),
        rx.grid(
            rx.vstack(templates_card(), sequences_card(), spacing="4", width="100%"),
            rx.vstack(send_card(), messages_card(), spacing="4", width="100%"),
            columns=rx.breakpoints(initial="1", lg="1fr 1fr"), spacing="4", width="100%",
        ),
    )


def smtp_card() -> rx.Component:
    """Settings card: the team's own SMTP server (admins)."""
    D = SmtpSettingsState
    errors, values = D.field_errors, D.values
    return rx.cond(D.is_admin, rx.card(
        rx.heading(t("E-mail server (SMTP)"), size="4", margin_bottom="0.5em"),
        rx.form(
            rx.grid(
                text_field("Host", "host", errors, values["host"], placeholder="smtp.example.com"),
                text_field("Port", "port", errors, values["port"], type_="number"),
                labelled("Security", rx.select.root(
                    rx.select.trigger(width="100%"),
                    rx.select.content(rx.select.item("STARTTLS", value="starttls"),
                                      rx.select.item("SSL/TLS", value="ssl"), rx.select.item(t("None"), value="none")),
                    name="security", default_value=values["security"]), errors, "security"),
                text_field("User", "username", errors, values["username"]),
                text_field("Password", "password", errors, "", type_="password",
                           placeholder=rx.cond(values["password_set"] != "", "••••", "")),
                text_field("Messages per minute", "per_minute", errors, values["per_minute"], type_="number"),
                text_field("From address", "from_email", errors, values["from_email"]),
                text_field("From name", "from_name", errors, values["from_name"]),
                columns="2", spacing="3", width="100%"),
            rx.button(t("Save"), type="submit", margin_top="1em", id="save-smtp"),
            on_submit=D.save, reset_on_submit=False, key=D.form_key,
        ),
        width="100%", on_mount=D.load, id="smtp-card",
    ))
