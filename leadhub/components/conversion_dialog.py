"""The conversion dialog: a lead becomes an account, a contact and a deal, each optional, with an
existing account offered when one matches. Pages embed `conversion_dialog()` once and open it
with `convert_button(lead_id)` or by returning `ConversionState.open_for(lead_id)`."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import labelled, text_field
from leadhub.components.i18n import t, t_value
from leadhub.services.auth import CURRENCIES
from leadhub.services.deals import STAGES
from leadhub.services.outreach import TYPE_LABELS
from leadhub.state.conversion import ConversionState as S

OUTREACH_TYPES = list(TYPE_LABELS.values())


def convert_button(lead_id: rx.Var | int | str, **props) -> rx.Component:
    """Opens the dialog for this lead (the page must also render `conversion_dialog()`)."""
    return rx.button(rx.icon("circle-check-big", size=14), t("Convert"),
                     on_click=S.open_for(lead_id), type="button", **props)


def converted_links(lead_id: rx.Var | int | str) -> rx.Component:
    """On a converted lead's page: when it was converted and links to what it became."""
    links = S.links
    item = lambda icon, label, name, href: rx.cond(  # noqa: E731
        name != "", rx.hstack(rx.icon(icon, size=14), rx.text(t(label), ": "),
                              rx.link(name, href=href) if href is not None else rx.text.strong(name),
                              spacing="1", align="center"))
    return rx.callout.root(
        rx.callout.icon(rx.icon("circle-check-big")),
        rx.callout.text(rx.hstack(
            rx.text(t("Converted"), " ", links["converted_at"], weight="medium"),
            item("building-2", "Account", links["account_name"], None),
            item("contact", "Contact", links["contact_name"], "/contacts/" + links["contact_id"]),
            item("handshake", "Deal", links["deal_name"], "/deals?deal=" + links["deal_id"]),
            spacing="4", wrap="wrap", align="center")),
        color_scheme="purple", variant="surface", width="100%", id="converted-links",
        on_mount=S.load_links(lead_id),
    )


def _section(title: str, switch: rx.Component | None, *children: rx.Component,
             visible: rx.Var | bool = True) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(t(title), weight="bold", size="2"), rx.spacer(), switch or rx.fragment(),
                  width="100%", align="center"),
        rx.box(*children, width="100%", display=rx.cond(visible, "block", "none")),
        spacing="2",
        width="100%",
        padding="0.75em",
        border="1px solid var(--gray-5)",
        border_radius="var(--radius-3)",
    )


def _grid(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="3"), spacing="3",
                   width="100%")


def _radio(value: str, label: rx.Component, **props) -> rx.Component:
    return rx.text(rx.hstack(rx.radio_group.item(value=value, **props), label, spacing="2",
                             align="center"),
                   as_="label", size="2")


def _match(match: rx.Var) -> rx.Component:
    return _radio(match["id"], rx.hstack(
        rx.text(match["name"], weight="medium"),
        rx.text(match["website"], color_scheme="gray", size="1"),
        rx.match(match["reason"],
                 ("name", rx.badge(t("same name"), variant="soft", size="1")),
                 ("domain", rx.badge(t("same domain"), variant="soft", size="1")),
                 rx.fragment()),
        spacing="2", align="center"), data_account_match=match["id"])


def account_section() -> rx.Component:
    errors, values = S.field_errors, S.values
    return _section(
        "Account", None,
        rx.radio_group.root(
            rx.vstack(
                _radio("existing", t("Use an existing account"), id="account-mode-existing"),
                _radio("new", t("Create a new account"), id="account-mode-new"),
                _radio("none", t("No account"), id="account-mode-none"),
                spacing="1",
            ),
            value=S.account_mode,
            on_change=S.set_account_mode,
        ),
        rx.box(
            rx.radio_group.root(
                rx.vstack(rx.foreach(S.matches, _match), spacing="1"),
                value=S.account_choice,
                on_change=S.set_account_choice,
            ),
            rx.input(rx.input.slot(rx.icon("search", size=14)),
                     placeholder=t("Find another account by name…"),
                     on_change=S.search_accounts.debounce(300), size="1", max_width="20em",
                     margin_top="0.5em", id="account-search"),
            rx.cond(errors.contains("account_id"),
                    rx.text(errors["account_id"], color="var(--red-11)", size="1",
                            data_error_for="account_id")),
            display=rx.cond(S.account_mode == "existing", "block", "none"),
            padding_left="1.5em",
            margin_top="0.5em",
            id="account-matches",
        ),
        rx.box(
            _grid(
                text_field("Account name", "account_name", errors, values["account_name"],
                           required=True),
                text_field("Website", "account_website", errors, values["account_website"]),
                text_field("Industry", "account_industry", errors, values["account_industry"]),
                text_field("Phone", "account_phone", errors, values["account_phone"]),
                text_field("City", "account_city", errors, values["account_city"]),
                text_field("Country", "account_country", errors, values["account_country"]),
            ),
            display=rx.cond(S.account_mode == "new", "block", "none"),
            margin_top="0.5em",
        ),
    )


def contact_section() -> rx.Component:
    errors, values = S.field_errors, S.values
    return _section(
        "Contact",
        rx.switch(checked=S.create_contact, on_change=S.set_create_contact,
                  aria_label="Create a contact"),
        _grid(
            text_field("First name", "contact_first_name", errors, values["contact_first_name"]),
            text_field("Last name", "contact_last_name", errors, values["contact_last_name"],
                       required=True),
            text_field("E-mail", "contact_email", errors, values["contact_email"]),
            text_field("Phone", "contact_phone", errors, values["contact_phone"]),
            text_field("Title", "contact_title", errors, values["contact_title"]),
        ),
        visible=S.create_contact,
    )


def _select(label: str, name: str, options: list[str], default: rx.Var,
            translate: bool = True) -> rx.Component:
    return labelled(
        label,
        rx.select.root(
            rx.select.trigger(width="100%", id=name),
            rx.select.content(*[rx.select.item(t(o) if translate else o, value=o)
                                for o in options]),
            name=name, default_value=default),
        S.field_errors, name)


def deal_section() -> rx.Component:
    errors, values = S.field_errors, S.values
    return _section(
        "Deal",
        rx.switch(checked=S.create_deal, on_change=S.set_create_deal,
                  aria_label="Create a deal"),
        _grid(
            text_field("Deal name", "deal_name", errors, values["deal_name"], required=True),
            text_field("Amount", "deal_amount", errors, values["deal_amount"],
                       placeholder="12.500,00"),
            _select("Currency", "deal_currency", list(CURRENCIES), values["deal_currency"],
                    translate=False),
            text_field("Close date", "deal_close_date", errors, values["deal_close_date"],
                       type_="date"),
            _select("Stage", "deal_stage", STAGES, values["deal_stage"]),
        ),
        visible=S.create_deal,
    )


def attribution_line() -> rx.Component:
    a = S.attribution
    return rx.cond(
        (a["lead_source"] != "") | (a["outreach_type"] != ""),
        rx.callout.root(
            rx.callout.icon(rx.icon("route")),
            rx.callout.text(
                rx.cond(a["lead_source"] != "",
                        rx.text.span(t("Lead source"), ": ", rx.text.strong(a["lead_source"]))),
                rx.cond(a["outreach_type"] != "", rx.text.span(
                    rx.cond(a["lead_source"] != "", " · ", ""),
                    t("Outreach"), ": ", rx.text.strong(t_value(a["outreach_type"], OUTREACH_TYPES)),
                    " ", a["outreach_value"], " (", a["rep"], ", ", a["at"], ")")),
                " — ", t("the contact and the deal keep this attribution."),
            ),
            size="1", variant="surface", id="conversion-attribution",
        ),
    )


def conversion_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            attribution_line(),
            account_section(),
            contact_section(),
            deal_section(),
            rx.cond(S.field_errors.contains("account_mode"),
                    rx.text(S.field_errors["account_mode"], color="var(--red-11)", size="2",
                            data_error_for="account_mode")),
            rx.hstack(
                rx.spacer(),
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray",
                                          type="button", id="convert-cancel")),
                rx.button(rx.icon("circle-check-big", size=14), t("Convert"), type="submit",
                          id="convert-submit"),
                width="100%",
            ),
            spacing="3",
        ),
        on_submit=S.convert,
        reset_on_submit=False,
        no_validate=True,
        key=S.form_key,
        id="conversion-form",
    )


def _done_line(icon: str, label: str, name: rx.Var, href: rx.Var | str | None,
               note: rx.Component | None = None, **props) -> rx.Component:
    target = rx.link(name, href=href) if href is not None else rx.text(name, weight="medium")
    return rx.hstack(rx.icon(icon, size=16, color="var(--green-10)"), rx.text(t(label), size="2"),
                     target, note or rx.fragment(), spacing="2", align="center", **props)


def conversion_summary(on_done=None) -> rx.Component:
    r = S.result
    done = [S.set_conv_open(False)] + ([on_done] if on_done is not None else [])
    return rx.vstack(
        rx.callout(t("The lead is now Converted and read-only."), icon="circle-check-big",
                   color_scheme="green", width="100%"),
        rx.cond(r["account_id"] != "", _done_line(
            "building-2", "Account", r["account_name"], None,
            rx.badge(rx.cond(r["account_created"] != "", t("new"), t("existing")), size="1"),
            id="converted-account")),
        rx.cond(r["contact_id"] != "", _done_line(
            "contact", "Contact", r["contact_name"], "/contacts/" + r["contact_id"],
            id="converted-contact")),
        rx.cond(r["deal_id"] != "", _done_line(
            "handshake", "Deal", r["deal_name"], "/deals?deal=" + r["deal_id"],
            id="converted-deal")),
        rx.cond(r["lead_acquired"] != "",
                rx.text(t("The team's Telegram and Slack channels will hear about this deal."),
                        size="1", color_scheme="gray")),
        rx.hstack(rx.spacer(), rx.button(t("Done"), on_click=done, id="convert-done"),
                  width="100%"),
        spacing="3",
        width="100%",
        id="conversion-summary",
    )


def conversion_dialog(on_done=None) -> rx.Component:
    """The dialog itself, rendered once per page. `on_done` (an event, e.g. the page's reload)
    runs when the user closes it after a conversion or otherwise."""
    def on_open_change(is_open):
        return [S.set_conv_open(is_open)] + ([on_done] if on_done is not None else [])

    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Convert lead"), " ", rx.text.span(S.conv_lead_name, color_scheme="gray")),
            rx.cond(S.converted, conversion_summary(on_done), conversion_form()),
            max_width="52em",
            id="convert-dialog",
        ),
        open=S.conv_open,
        on_open_change=on_open_change,
    )
