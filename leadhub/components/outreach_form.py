"""The "Log outreach" button and dialog, for any page.

Put `outreach_dialog()` once on a page and as many `log_outreach_button(...)` as you like:

    log_outreach_button(lead_id=LeadDetailState.lead_id)        # logged for that lead
    outreach_dialog(on_saved=[LeadDetailState.load])            # reload after a save

The dialog shows only the fields of the chosen type, remembers the last type in the browser,
takes the time in the team's time zone (asking which one is meant on the night the clocks go
back) and shows each error under its field.
"""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import field_error, labelled, text_field
from leadhub.components.i18n import t
from leadhub.components.outreach_timeline import type_icon
from leadhub.services.outreach import CALL_OUTCOME_LABELS, MESSENGERS, PLATFORMS, SOCIAL_NETWORKS
from leadhub.state.outreach import TYPE_LABELS
from leadhub.state.outreach_form import KINDS, OutreachFormState
from leadhub.state.session import NONE, SessionState

S = OutreachFormState


def log_outreach_button(lead_id: rx.Var | int = 0, contact_id: rx.Var | int = 0,
                        label: str = "Log outreach", **props) -> rx.Component:
    """Opens the dialog, for the given lead or contact when there is one."""
    props.setdefault("id", "log-outreach")
    return rx.button(rx.icon("send", size=14), t(label),
                     on_click=S.open_for(lead_id, contact_id), **props)


def channel_text(option: str) -> rx.Var | str:
    if option == NONE:
        return "—"
    return t("Other channel") if option == "Other" else option


def _choice(label: str, name: str, options: list[tuple[str, rx.Var | str]],
            default: rx.Var | str = "", required: bool = False) -> rx.Component:
    return labelled(
        label,
        rx.select.root(
            rx.select.trigger(width="100%", id=name, placeholder="—"),
            rx.select.content(*[rx.select.item(text, value=value) for value, text in options]),
            name=name, default_value=default,
        ),
        S.field_errors, name, required,
    )


def _channels(label: str, options: tuple[str, ...], optional: bool) -> rx.Component:
    values = [NONE, *options] if optional else list(options)
    return _choice(label, "channel", [(o, channel_text(o)) for o in values],
                   NONE if optional else "", required=not optional)


def _fields_of(kind: str) -> rx.Component:
    errors, values = S.field_errors, S.defaults
    fields = {
        "platform": [
            _channels("Platform", PLATFORMS, optional=True),
            text_field("Profile or job URL", "value", errors, placeholder="https://www.upwork.com/jobs/…"),
        ],
        "email": [
            text_field("E-mail", "email", errors, values["email"], required=True, type_="email"),
        ],
        "call": [
            text_field("Phone", "phone", errors, values["phone"], required=True,
                       placeholder="+34 612 345 678"),
            _choice("Call outcome", "call_outcome",
                    [(NONE, "—")] + [(k, t(v)) for k, v in CALL_OUTCOME_LABELS.items()], NONE),
            text_field("Duration (minutes)", "call_duration_seconds", errors, placeholder="12:30"),
        ],
        "social": [
            _channels("Network", SOCIAL_NETWORKS, optional=False),
            text_field("Profile URL", "value", errors, required=True,
                       placeholder="https://www.linkedin.com/in/…"),
        ],
        "messenger": [
            _channels("Messenger", MESSENGERS, optional=False),
            text_field("Phone", "phone", errors, values["phone"], placeholder="+34 612 345 678"),
            text_field("Handle", "value", errors, placeholder="@ana_lopez"),
        ],
    }[kind]
    return rx.grid(*fields, columns="2", spacing="3", width="100%", key=kind)


def type_picker() -> rx.Component:
    return rx.vstack(
        rx.segmented_control.root(
            *[rx.segmented_control.item(
                rx.hstack(type_icon(kind, 14), rx.text(t(TYPE_LABELS[kind])), spacing="1", align="center"),
                value=kind, custom_attrs={"data-outreach-type": kind}) for kind in KINDS],
            value=S.kind,
            on_change=S.set_kind,
            width="100%",
            id="outreach-type",
        ),
        field_error(S.field_errors, "type"),
        width="100%", spacing="1",
    )


def _when() -> rx.Component:
    return rx.vstack(
        labelled(
            "When it happened",
            rx.input(type="datetime-local", name="occurred_at", id="occurred_at",
                     default_value=S.defaults["occurred_at"], on_blur=S.check_time, width="100%",
                     color_scheme=rx.cond(S.field_errors.contains("occurred_at"), "red", "gray")),
            S.field_errors, "occurred_at", required=True,
        ),
        rx.cond(
            S.ambiguous,
            rx.vstack(
                rx.text(t("This time happens twice that night: which one?"), size="1", weight="medium"),
                rx.radio_group.root(
                    rx.hstack(
                        rx.text(rx.radio_group.item(value="0"), " ", S.fold_labels[0], " (",
                                t("the first, before the clocks go back"), ")", as_="label", size="1"),
                        rx.text(rx.radio_group.item(value="1"), " ", S.fold_labels[1], " (",
                                t("the second, after the clocks go back"), ")", as_="label", size="1"),
                        spacing="3", wrap="wrap",
                    ),
                    name="occurred_fold", default_value="0", id="occurred_fold",
                ),
                spacing="1", padding="0.5em", border_radius="var(--radius-2)",
                background="var(--amber-3)", width="100%",
            ),
        ),
        rx.text(t("Times are in the team's time zone"), " (", SessionState.team_timezone, ")",
                size="1", color_scheme="gray"),
        spacing="1", width="100%",
    )


def _follow_up() -> rx.Component:
    errors = S.field_errors
    return rx.vstack(
        rx.checkbox(t("Follow-up required"), checked=S.follow_up, on_change=S.set_follow_up,
                    class_name="follow-up-toggle"),
        rx.cond(
            S.follow_up,
            rx.grid(
                text_field("Follow up by", "follow_up_due", errors, S.defaults["follow_up_due"], type_="date"),
                text_field("Follow-up subject", "follow_up_subject", errors),
                columns="2", spacing="3", width="100%",
            ),
        ),
        spacing="2", width="100%",
    )


def _logged_by() -> rx.Component:
    """Managers and admins may log for a member of the team."""
    return labelled(
        "Logged by",
        rx.select.root(
            rx.select.trigger(width="100%", id="user_id"),
            rx.select.content(rx.foreach(S.members, lambda m: rx.select.item(m[1], value=m[0]))),
            name="user_id", default_value=S.defaults["user_id"],
        ),
        S.field_errors, "user_id",
    )


def outreach_form(on_saved: list | None = None) -> rx.Component:
    errors = S.field_errors
    return rx.form(
        rx.vstack(
            type_picker(),
            rx.match(S.kind, *[(kind, _fields_of(kind)) for kind in KINDS], _fields_of("email")),
            labelled("Description",
                     rx.text_area(name="description", id="description", rows="3", width="100%",
                                  placeholder=t("What did you send or say?"),
                                  color_scheme=rx.cond(errors.contains("description"), "red", "gray")),
                     errors, "description", required=True),
            rx.grid(
                _when(),
                rx.cond(SessionState.role != "rep", _logged_by()),
                columns="2", spacing="3", width="100%",
            ),
            _follow_up(),
            rx.hstack(
                rx.spacer(),
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
                rx.button(rx.icon("send", size=14), t("Log"), type="submit", id="outreach-save"),
                width="100%",
            ),
            spacing="4",
        ),
        on_submit=[S.save, *(on_saved or [])],
        reset_on_submit=False,
        no_validate=True,
        key=S.form_key,
        id="outreach-form",
    )


def outreach_dialog(on_saved: list | None = None) -> rx.Component:
    """The dialog itself, once per page; `on_saved` events run after each submit."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Log outreach"), rx.cond(S.for_label != "", rx.text.span(" · ", S.for_label,
                                                                                       color_scheme="gray"))),
            outreach_form(on_saved),
            max_width="44em",
        ),
        open=S.dialog_open,
        on_open_change=S.set_dialog_open,
    )
