"""The lead form (standard fields grouped as in Vtiger, then the team's custom fields) and its
dialog, for any state built on LeadFormMixin; badges for status and rating."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import select_field, text_field
from leadhub.components.i18n import t, t_value
from leadhub.services.leads import CHOICES
from leadhub.state.session import NONE

STATUSES = CHOICES["status"]
RATINGS = CHOICES["rating"]
STATUS_COLOURS = {"New": "blue", "Contacted": "cyan", "Qualified": "green",
                  "Unqualified": "gray", "Converted": "purple"}
RATING_COLOURS = {"Hot": "red", "Warm": "orange", "Cold": "sky"}


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(t_value(status, STATUSES),
                    color_scheme=rx.match(status, *STATUS_COLOURS.items(), "gray"), variant="soft")


def rating_badge(rating: rx.Var) -> rx.Component:
    return rx.cond(rating != "", rx.badge(t_value(rating, RATINGS),
                                          color_scheme=rx.match(rating, *RATING_COLOURS.items(), "gray")))


def _section(title: str, *fields: rx.Component, columns: str = "2") -> rx.Component:
    return rx.vstack(
        rx.text(t(title), weight="bold", size="2", color_scheme="gray"),
        rx.grid(*fields, columns=columns, spacing="3", width="100%"),
        spacing="2",
        width="100%",
    )


def _custom_label(spec: rx.Var) -> rx.Component:
    return rx.text(spec["label"], rx.cond(spec["required"] != "", rx.text.span(" *", color="var(--red-9)"), ""),
                   as_="label", size="2", weight="medium", html_for=spec["id"])


def custom_input(S, spec: rx.Var) -> rx.Component:
    """One custom field's input, by type; its error underneath."""
    name, values, errors = spec["name"], S.form_values, S.field_errors
    colour = rx.cond(errors.contains(name), "red", "gray")
    control = rx.match(
        spec["type"],
        ("textarea", rx.text_area(name=name, id=spec["id"], default_value=values[name], width="100%", rows="2")),
        ("picklist", rx.select.root(
            rx.select.trigger(width="100%", id=spec["id"], placeholder="—"),
            rx.select.content(rx.select.item("—", value=NONE),
                              rx.foreach(S.custom_options[spec["key"]], lambda o: rx.select.item(o, value=o))),
            name=name, default_value=rx.cond(values[name] != "", values[name], NONE))),
        ("checkbox", rx.el.input(type="checkbox", name=name, id=spec["id"], default_checked=values[name] == "true",
                                 style={"width": "1.1em", "height": "1.1em"})),
        ("date", rx.input(name=name, id=spec["id"], type="date", default_value=values[name], width="100%",
                          color_scheme=colour)),
        rx.input(name=name, id=spec["id"], default_value=values[name], width="100%", color_scheme=colour,
                 placeholder=rx.cond(spec["type"] == "url", "https://", "")),
    )
    return rx.vstack(
        _custom_label(spec),
        control,
        rx.cond(errors.contains(name), rx.text(errors[name], color="var(--red-11)", size="1",
                                              data_error_for=name)),
        spacing="1", width="100%",
    )


def duplicate_warning(S) -> rx.Component:
    """Likely duplicates found before saving: open them, go back, or save anyway."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("copy")),
        rx.vstack(
            rx.text(t("This lead may already exist:"), weight="bold", size="2"),
            rx.foreach(S.duplicates, lambda d: rx.hstack(
                rx.link(d["name"], href="/leads/" + d["id"], is_external=True, weight="medium", size="2"),
                rx.text(d["company"], size="2"),
                rx.text(d["reasons"], size="1", color_scheme="gray"),
                spacing="2", align="center", wrap="wrap", class_name="duplicate-match",
            )),
            rx.hstack(
                rx.button(t("Go back"), variant="soft", color_scheme="gray", type="button", size="1",
                          on_click=S.dismiss_duplicates),
                rx.button(t("Save anyway"), type="button", size="1", color_scheme="amber",
                          on_click=S.save_anyway, id="save-anyway"),
                spacing="2",
            ),
            spacing="2",
        ),
        color_scheme="amber",
        width="100%",
        id="duplicate-warning",
    )


def lead_form(S, extra_actions: rx.Component | None = None) -> rx.Component:
    errors, values = S.field_errors, S.form_values
    req = S.required_fields.contains
    none_first = lambda options: [NONE, *options]  # noqa: E731
    return rx.form(
        rx.vstack(
            _section(
                "Personal and company",
                text_field("First name", "first_name", errors, values["first_name"], required=req("first_name")),
                text_field("Last name", "last_name", errors, values["last_name"], required=True),
                text_field("Company", "company", errors, values["company"], required=req("company")),
                text_field("Title", "title", errors, values["title"], required=req("title")),
            ),
            _section(
                "Contact details",
                text_field("E-mail", "email", errors, values["email"], type_="email", required=req("email")),
                text_field("Phone", "phone", errors, values["phone"], placeholder="+34 612 345 678",
                           required=req("phone")),
                text_field("Mobile", "mobile", errors, values["mobile"], required=req("mobile")),
                text_field("Website", "website", errors, values["website"], required=req("website")),
            ),
            _section(
                "Qualification",
                select_field("Lead source", "lead_source", S.source_choices, errors, values["lead_source"]),
                select_field("Industry", "industry", S.industry_choices, errors, values["industry"]),
                select_field("Status", "status", [s for s in STATUSES if s != "Converted"], errors,
                             values["status"]),
                select_field("Rating", "rating", none_first(RATINGS), errors, values["rating"]),
                text_field("Budget", "budget", errors, values["budget"], placeholder="12.500,00",
                           required=req("budget")),
                select_field("Need", "need", none_first(CHOICES["need"]), errors, values["need"]),
                select_field("Interest", "interest", none_first(CHOICES["interest"]), errors,
                             values["interest"]),
                select_field("Owner", "owner_id", S.owners, errors, values["owner_id"]),
            ),
            _section(
                "Address and more",
                text_field("Street", "street", errors, values["street"], required=req("street")),
                text_field("City", "city", errors, values["city"], required=req("city")),
                text_field("State", "state", errors, values["state"], required=req("state")),
                text_field("Postal code", "postal_code", errors, values["postal_code"], required=req("postal_code")),
                text_field("Country", "country", errors, values["country"], required=req("country")),
            ),
            rx.vstack(
                rx.text(t("Description"), as_="label", size="2", weight="medium", html_for="description"),
                rx.text_area(name="description", id="description", default_value=values["description"],
                             width="100%", rows="3"),
                width="100%",
                spacing="1",
            ),
            rx.cond(S.custom_specs.length() > 0, rx.vstack(
                rx.text(t("Custom fields"), weight="bold", size="2", color_scheme="gray"),
                rx.grid(rx.foreach(S.custom_specs, lambda spec: custom_input(S, spec)),
                        columns="2", spacing="3", width="100%"),
                spacing="2", width="100%", id="custom-fields-section",
            )),
            rx.cond(S.duplicates.length() > 0, duplicate_warning(S)),
            rx.hstack(
                extra_actions or rx.fragment(),
                rx.spacer(),
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
                rx.button(t("Save"), type="submit", id="lead-save"),
                width="100%",
            ),
            spacing="4",
        ),
        on_submit=S.save,
        reset_on_submit=False,
        no_validate=True,
        key=S.form_key,
        id="lead-form",
    )


def lead_dialog(S, extra_actions: rx.Component | None = None) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.editing_id != 0, t("Edit lead"), t("New lead"))),
            lead_form(S, extra_actions),
            max_width="48em",
        ),
        open=S.dialog_open,
        on_open_change=S.set_dialog_open,
    )
