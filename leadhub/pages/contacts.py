"""Contacts: the searchable list, the create/edit form, and each contact's page."""

from __future__ import annotations

import reflex as rx

from leadhub.components.deal_dialog import deal_dialog, new_deal_from_contact_button
from leadhub.components.forms import labelled, select_field, text_field
from leadhub.components.i18n import t
from leadhub.components.layout import app_shell, page_title
from leadhub.components.outreach_form import log_outreach_button, outreach_dialog
from leadhub.components.outreach_timeline import on_language_change, outreach_list, type_icon
from leadhub.state.contacts import TOUCH_KINDS, ContactDetailState, ContactsState
from leadhub.state.outreach import TYPE_LABELS

L = ContactsState
D = ContactDetailState


# --- the list -----------------------------------------------------------------------------

def filters() -> rx.Component:
    return rx.hstack(
        rx.input(rx.input.slot(rx.icon("search", size=14)),
                 placeholder=t("Search name, e-mail, phone, title…"), default_value=L.search,
                 on_change=L.set_search.debounce(300), width="22em", id="contact-search"),
        rx.select.root(
            rx.select.trigger(aria_label="Owner", id="contact-owner-filter"),
            rx.select.content(
                rx.select.item(t("Anyone"), value="all"),
                rx.select.item(t("Me"), value="me"),
                rx.foreach(L.owners, lambda o: rx.select.item(o[1], value=o[0])),
            ),
            value=L.owner_filter,
            on_change=L.set_owner_filter,
        ),
        spacing="2", wrap="wrap", margin_bottom="1em",
    )


def sort_header(label: str, column: str) -> rx.Component:
    arrow = rx.cond(L.sort == column,
                    rx.cond(L.descending, rx.icon("arrow-down", size=12), rx.icon("arrow-up", size=12)), "")
    return rx.table.column_header_cell(
        rx.hstack(rx.text(t(label)), arrow, spacing="1", align="center", cursor="pointer",
                  on_click=L.sort_by(column)),
        data_sort=column,
    )


def contact_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["name"], href="/contacts/" + row["id"], weight="medium")),
        rx.table.cell(row["title"]),
        rx.table.cell(row["email"]),
        rx.table.cell(row["phone"], white_space="nowrap"),
        rx.table.cell(row["owner"]),
        rx.table.cell(rx.vstack(rx.text(row["last_rel"], size="2"),
                                rx.text(row["last_local"], size="1", color_scheme="gray"), spacing="0"),
                      white_space="nowrap"),
        rx.table.cell(rx.cond(row["source"] != "",
                              rx.hstack(type_icon(row["source_kind"], 14), rx.text(row["source"], size="2"),
                                        spacing="1", align="center"))),
        rx.table.cell(rx.icon_button(rx.icon("pencil", size=14), variant="ghost", size="1",
                                     aria_label="Edit", on_click=L.open_edit(row["id"]))),
        data_contact_id=row["id"],
        class_name="contact-row",
    )


def contact_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(
            sort_header("Name", "name"),
            rx.table.column_header_cell(t("Title")),
            sort_header("E-mail", "email"),
            rx.table.column_header_cell(t("Phone")),
            rx.table.column_header_cell(t("Owner")),
            sort_header("Last contacted", "last_contacted_at"),
            rx.table.column_header_cell(t("Came from")),
            rx.table.column_header_cell(""),
        )),
        rx.table.body(rx.foreach(L.rows, contact_row)),
        variant="surface", size="1", width="100%", id="contacts-table",
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.text(L.total, " ", rx.cond(L.total == 1, t("contact"), t("contacts")), " · ",
                t("Page"), " ", L.page, " ", t("of"), " ", L.pages, size="2", color_scheme="gray",
                id="contacts-count"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=14), t("Previous"), variant="soft", size="1",
                  disabled=L.page <= 1, on_click=L.go_to_page(L.page - 1)),
        rx.button(t("Next"), rx.icon("chevron-right", size=14), variant="soft", size="1",
                  disabled=L.page >= L.pages, on_click=L.go_to_page(L.page + 1)),
        width="100%", align="center", margin_top="0.75em",
    )


def contact_form(on_saved: list) -> rx.Component:
    errors, values = L.field_errors, L.form_values
    return rx.form(
        rx.vstack(
            rx.cond(L.from_label != "",
                    rx.callout(rx.text(t("Came from"), ": ", L.from_label), icon="link", size="1",
                               id="contact-from-outreach")),
            rx.grid(
                text_field("First name", "first_name", errors, values["first_name"]),
                text_field("Last name", "last_name", errors, values["last_name"], required=True),
                text_field("E-mail", "email", errors, values["email"], type_="email"),
                text_field("Phone", "phone", errors, values["phone"], placeholder="+34 612 345 678"),
                text_field("Title", "title", errors, values["title"]),
                select_field("Owner", "owner_id", L.owners, errors, values["owner_id"]),
                columns="2", spacing="3", width="100%",
            ),
            rx.hstack(
                rx.spacer(),
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
                rx.button(t("Save"), type="submit", id="contact-save"),
                width="100%",
            ),
            spacing="4",
        ),
        on_submit=[L.save, *on_saved],
        reset_on_submit=False,
        no_validate=True,
        key=L.form_key,
        id="contact-form",
    )


def contact_dialog(on_saved: list) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(L.editing_id != 0, t("Edit contact"), t("New contact"))),
            contact_form(on_saved),
            max_width="40em",
        ),
        open=L.dialog_open,
        on_open_change=L.set_dialog_open,
    )


def contacts_page() -> rx.Component:
    """The team's contacts, paged in SQL."""
    return app_shell(
        page_title("Contacts", rx.button(rx.icon("plus", size=14), t("New contact"),
                                         on_click=L.open_new, id="new-contact")),
        filters(),
        rx.cond(L.total > 0, contact_table(),
                rx.callout(t("No contacts match these filters."), icon="info", id="no-contacts")),
        pager(),
        contact_dialog(on_saved=[L.load]),
        on_language_change(L.relabel),
    )


# --- one contact --------------------------------------------------------------------------

def _fact(label: str, value: rx.Var, id: str = "") -> rx.Component:
    return rx.vstack(rx.text(t(label), size="1", color_scheme="gray"),
                     rx.text(value, size="3", weight="bold", id=id or None),
                     spacing="0", align="start")


def last_contacted_card() -> rx.Component:
    c = D.contact
    return rx.card(
        rx.vstack(
            rx.text(t("Last contacted"), size="1", color_scheme="gray"),
            rx.text(c["last_rel"], size="5", weight="bold", id="contact-last-contacted"),
            rx.text(c["last_local"], size="1", color_scheme="gray"),
            spacing="1",
        ),
        width="100%",
    )


def touch_form() -> rx.Component:
    errors = D.field_errors
    return rx.form(
        rx.vstack(
            rx.grid(
                labelled("Kind", rx.select.root(
                    rx.select.trigger(width="100%", id="touch-kind"),
                    rx.select.content(*[rx.select.item(t(label), value=kind)
                                        for kind, label in TOUCH_KINDS.items()]),
                    name="kind", default_value="call"), errors, "kind"),
                text_field("When it happened", "at", errors, type_="datetime-local"),
                columns="1", spacing="2", width="100%",
            ),
            rx.text(t("Leave the time empty for now."), size="1", color_scheme="gray"),
            labelled("Note", rx.text_area(name="note", id="touch-note", rows="2", width="100%",
                                          placeholder=t("What happened?")), errors, "note", required=True),
            rx.button(rx.icon("check", size=14), t("Log touch"), type="submit", id="touch-save", size="2"),
            spacing="2", width="100%",
        ),
        on_submit=D.log_touch,
        reset_on_submit=False,
        no_validate=True,
        key=D.touch_key,
        id="touch-form",
    )


def touches_card() -> rx.Component:
    s = D.stats
    return rx.card(
        rx.vstack(
            rx.heading(t("Touches"), size="3"),
            rx.grid(
                _fact("Touches in the last 30 days", s["last_30"], "stat-last-30"),
                _fact("Touches per 30 days", s["per_30"], "stat-per-30"),
                _fact("Average gap", rx.text.span(s["gap"], " ", t("days")), "stat-gap"),
                _fact("Total touches", s["total"], "stat-total"),
                columns="2", spacing="3", width="100%",
            ),
            rx.divider(),
            touch_form(),
            rx.divider(),
            rx.text(t("Recent touches"), size="2", weight="bold"),
            rx.cond(
                D.recent.length() > 0,
                rx.vstack(rx.foreach(D.recent, lambda r: rx.vstack(
                    rx.hstack(rx.badge(r["kind"], variant="soft", size="1"),
                              rx.text(r["rel"], size="1", color_scheme="gray", title=r["when"]),
                              rx.text(r["user"], size="1", color_scheme="gray"), spacing="2", align="center"),
                    rx.text(r["summary"], size="2", style={"overflow_wrap": "anywhere"}),
                    spacing="0", width="100%", class_name="recent-touch")),
                    spacing="2", width="100%", id="recent-touches"),
                rx.text(t("No touches yet."), size="2", color_scheme="gray"),
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _link_button(entry: rx.Var) -> rx.Component:
    return rx.button(rx.icon("link", size=12), t("Link"), size="1", on_click=D.link(entry.id),
                     class_name="link-outreach")


def picker_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Choose the outreach that brought this contact in")),
            rx.hstack(
                rx.segmented_control.root(
                    rx.segmented_control.item(t("Logged for this contact"), value="contact"),
                    rx.segmented_control.item(t("All team outreach"), value="all"),
                    value=D.picker_scope, on_change=D.set_picker_scope,
                ),
                rx.select.root(
                    rx.select.trigger(aria_label="Type", id="picker-type"),
                    rx.select.content(
                        rx.select.item(t("All types"), value="all"),
                        *[rx.select.item(t(label), value=kind) for kind, label in TYPE_LABELS.items()],
                    ),
                    value=D.picker_type, on_change=D.set_picker_type,
                ),
                spacing="3", wrap="wrap", margin_bottom="0.5em",
            ),
            rx.box(outreach_list(D.picker_entries, D.set_response, t("No outreach yet."), extra=_link_button),
                   max_height="60vh", overflow_y="auto", width="100%"),
            rx.hstack(
                rx.button(rx.icon("chevron-left", size=14), variant="soft", size="1",
                          disabled=D.picker_page <= 1, on_click=D.picker_go(D.picker_page - 1)),
                rx.text(D.picker_page, " / ", D.picker_pages, size="1"),
                rx.button(rx.icon("chevron-right", size=14), variant="soft", size="1",
                          disabled=D.picker_page >= D.picker_pages, on_click=D.picker_go(D.picker_page + 1)),
                rx.spacer(),
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                align="center", width="100%", margin_top="0.75em",
            ),
            max_width="48em",
        ),
        open=D.picker_open,
        on_open_change=D.set_picker_open,
    )


def attribution_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Attribution"), size="3"),
            rx.text(t("The outreach that brought this contact in."), size="1", color_scheme="gray"),
            rx.cond(
                D.attribution.length() > 0,
                outreach_list(D.attribution, D.set_response, t("Not attributed to any outreach yet."),
                              id="contact-attribution"),
                rx.vstack(
                    rx.text(t("Not attributed to any outreach yet."), size="2", id="no-attribution"),
                    rx.button(rx.icon("link", size=14), t("Link outreach"), variant="soft", size="2",
                              on_click=D.open_picker, id="open-link-outreach"),
                    spacing="2",
                ),
            ),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def timeline_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(t("Outreach timeline"), size="3"), rx.spacer(),
                      rx.text(D.total, size="1", color_scheme="gray"), width="100%", align="center"),
            outreach_list(D.entries, D.set_response, t("No outreach yet."), id="contact-timeline"),
            rx.cond(D.pages > 1, rx.hstack(
                rx.button(rx.icon("chevron-left", size=14), t("Previous"), variant="soft", size="1",
                          disabled=D.page <= 1, on_click=D.go_to_page(D.page - 1)),
                rx.text(D.page, " / ", D.pages, size="1"),
                rx.button(t("Next"), rx.icon("chevron-right", size=14), variant="soft", size="1",
                          disabled=D.page >= D.pages, on_click=D.go_to_page(D.page + 1)),
                align="center", spacing="2")),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def _icon_link(icon: str, text, href: rx.Var) -> rx.Component:
    return rx.link(rx.hstack(rx.icon(icon, size=12), text, spacing="1", align="center"), href=href, size="2")


def contact_header() -> rx.Component:
    c = D.contact
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), t("Back to contacts"), spacing="1", align="center"),
                href="/contacts", size="2"),
        rx.hstack(
            rx.heading(c["name"], size="6", id="contact-name"),
            rx.spacer(),
            rx.button(rx.icon("pencil", size=14), t("Edit"), variant="soft",
                      on_click=L.open_edit(D.record_id), id="edit-contact"),
            log_outreach_button(contact_id=D.record_id),
            new_deal_from_contact_button(D.record_id),
            width="100%", align="center",
        ),
        rx.hstack(
            rx.cond(c["title"] != "", rx.text(c["title"], size="2")),
            rx.cond(c["email"] != "", _icon_link("mail", c["email"], "mailto:" + c["email"])),
            rx.cond(c["phone"] != "", _icon_link("phone", c["phone"], "tel:" + c["phone_e164"])),
            rx.cond(c["owner"] != "", rx.text(t("Owner"), ": ", c["owner"], size="2", color_scheme="gray")),
            rx.cond(c["lead_href"] != "",
                    _icon_link("user", rx.text.span(t("Lead"), ": ", c["lead_label"]), c["lead_href"])),
            spacing="4", wrap="wrap", align="center",
        ),
        spacing="2", width="100%", margin_bottom="1em",
    )


def contact_detail_page() -> rx.Component:
    """One contact: last contacted, touches, attribution and its outreach timeline."""
    return app_shell(
        rx.cond(
            D.contact.contains("id"),
            rx.vstack(
                contact_header(),
                rx.flex(
                    rx.box(timeline_card(), flex="2", min_width="0"),
                    rx.vstack(last_contacted_card(), attribution_card(), touches_card(),
                              flex="1", min_width="18em", spacing="3"),
                    spacing="4", width="100%", align="start",
                    direction=rx.breakpoints(initial="column", md="row"),
                ),
                width="100%",
            ),
            rx.cond(
                D.not_found,
                rx.vstack(
                    page_title("Contacts"),
                    rx.callout(t("No such contact in this team."), icon="info", id="contact-not-found"),
                    rx.link(t("Back to contacts"), href="/contacts"),
                ),
                rx.center(rx.spinner(), width="100%", padding="3em"),
            ),
        ),
        contact_dialog(on_saved=[D.load]),
        outreach_dialog(on_saved=[D.load]),
        picker_dialog(),
        deal_dialog(),
        on_language_change(D.relabel),
    )
