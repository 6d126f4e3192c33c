"""A lead's own page: header actions, its fields in groups, the timeline with a note box,
and its activities, campaigns and documents, each creatable from here."""

from __future__ import annotations

import reflex as rx

from leadhub.components.conversion_dialog import conversion_dialog, convert_button, converted_links
from leadhub.components.forms import field_error, labelled
from leadhub.components.i18n import t, t_value
from leadhub.components.layout import app_shell
from leadhub.components.lead_form import RATINGS, STATUSES, lead_dialog, rating_badge, status_badge
from leadhub.components.merge_dialog import merge_dialog
from leadhub.components.outreach_form import log_outreach_button, outreach_dialog
from leadhub.components.send_email import send_email_button, send_email_dialog
from leadhub.components.scoring import score_panel
from leadhub.services.activities import STATUSES as ACTIVITY_STATUSES
from leadhub.services.activities import TYPES as ACTIVITY_TYPES
from leadhub.state.duplicates import MergeState
from leadhub.state.lead_detail import LeadDetailState as D
from leadhub.state.session import NONE


KIND_ICONS = {"note": "sticky-note", "status": "flag", "outreach": "send", "activity": "calendar-check",
              "document": "paperclip", "merge": "merge", "event": "zap"}
ACTIVITY_ICONS = {"task": "square-check", "event": "calendar", "call": "phone", "email": "mail",
                  "meeting": "users"}


def card(title: str, *children: rx.Component, action: rx.Component | None = None, **props) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(t(title), weight="bold", size="3"), rx.spacer(), action or rx.fragment(),
                      width="100%", align="center"),
            *children,
            spacing="3", width="100%",
        ),
        width="100%", **props,
    )


# --- header -------------------------------------------------------------------------------

def _select(field: str, value: rx.Var, items: list[rx.Component] | rx.Component, label: str) -> rx.Component:
    content = rx.select.content(*items) if isinstance(items, list) else rx.select.content(items)
    return rx.vstack(
        rx.text(t(label), size="1", color_scheme="gray"),
        rx.select.root(rx.select.trigger(id=f"lead-{field}", min_width="9em"), content, value=value,
                       on_change=lambda v: D.change(field, v), size="2", disabled=D.is_converted),
        spacing="0",
    )


def convert_action() -> rx.Component:
    if convert_button is None:
        return rx.tooltip(rx.button(rx.icon("circle-check-big", size=14), t("Convert"), disabled=True),
                          content=t("Lead conversion is coming soon."))
    return rx.cond(D.is_converted, rx.fragment(), convert_button(D.record_id, variant="soft", id="convert-lead"))


def delete_action() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(rx.icon("trash-2", size=14), t("Delete"), color_scheme="red",
                                          variant="soft", id="delete-lead")),
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Delete this lead?")),
            rx.alert_dialog.description(t("Its notes, activities and documents are deleted too. This cannot be undone.")),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(t("Delete"), color_scheme="red", on_click=D.delete_lead,
                                                 id="delete-lead-confirm")),
                justify="end", spacing="2", margin_top="1em",
            ),
        ),
        open=D.delete_open, on_open_change=D.set_delete_open,
    )


def header() -> rx.Component:
    lead = D.lead
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), t("Leads"), spacing="1", align="center"),
                href="/leads", size="2"),
        rx.hstack(
            rx.vstack(
                rx.hstack(rx.heading(lead["name"], size="6", id="lead-name"), status_badge(lead["status"]),
                          rating_badge(rx.cond(lead["rating"] != NONE, lead["rating"], "")),
                          spacing="3", align="center", wrap="wrap"),
                rx.text(rx.cond(lead["title"] != "", lead["title"] + " · ", ""), lead["company"], size="3",
                        color_scheme="gray"),
                rx.hstack(
                    rx.cond(lead["email"] != "", rx.link(rx.hstack(rx.icon("mail", size=14), lead["email"], spacing="1",
                                                                   align="center"), href="mailto:" + lead["email"],
                                                         is_external=True, size="2")),
                    rx.cond(lead["phone"] != "", rx.link(rx.hstack(rx.icon("phone", size=14), lead["phone"], spacing="1",
                                                                   align="center"), href="tel:" + lead["phone"],
                                                         is_external=True, size="2")),
                    rx.text(t("Score"), " ", lead["score"], size="2", color_scheme="gray"),
                    rx.cond(lead["last_contacted"] != "",
                            rx.text(t("Last contacted"), " ", lead["last_contacted"], size="2", color_scheme="gray",
                                    title=lead["last_contacted_local"])),
                    spacing="4", wrap="wrap", align="center",
                ),
                spacing="1",
            ),
            rx.spacer(),
            rx.hstack(
                rx.button(rx.icon("pencil", size=14), t("Edit"), on_click=D.edit, variant="soft", id="edit-lead",
                          disabled=D.is_converted),
                log_outreach_button(lead_id=D.record_id, variant="soft"),
                send_email_button(D.record_id, variant="soft"),
                convert_action(),
                delete_action(),
                spacing="2", wrap="wrap",
            ),
            width="100%", align="start", wrap="wrap", spacing="4",
        ),
        rx.hstack(
            _select("owner_id", lead["owner_id"],  # "Nobody" shows an unowned lead (e.g. from a web form)
                    [rx.select.item(t("Nobody"), value=NONE),
                     rx.foreach(D.owners, lambda o: rx.select.item(o[1], value=o[0]))], "Owner"),
            _select("status", lead["status"], [rx.select.item(t(s), value=s) for s in STATUSES if s != "Converted"]
                    + [rx.select.item(t("Converted"), value="Converted", disabled=True)], "Status"),
            _select("rating", lead["rating"], [rx.select.item("—", value=NONE),
                                               *[rx.select.item(t(r), value=r) for r in RATINGS]], "Rating"),
            spacing="4", wrap="wrap",
        ),
        spacing="3", width="100%", margin_bottom="1em",
    )


def duplicates_callout() -> rx.Component:
    return rx.cond(D.possible_duplicates.length() > 0, rx.callout.root(
        rx.callout.icon(rx.icon("copy")),
        rx.vstack(
            rx.text(t("Possible duplicates of this lead"), weight="bold", size="2"),
            rx.foreach(D.possible_duplicates, lambda d: rx.hstack(
                rx.link(d["name"], href="/leads/" + d["id"], size="2", weight="medium"),
                rx.text(d["company"], size="2"),
                rx.text(d["reasons"], size="1", color_scheme="gray"),
                rx.button(rx.icon("merge", size=12), t("Merge"), size="1", variant="soft",
                          on_click=MergeState.open_merge(D.lead["id"] + "," + d["id"]), class_name="merge-with"),
                spacing="2", align="center", wrap="wrap",
            )),
            spacing="2",
        ),
        color_scheme="amber", width="100%", margin_bottom="1em", id="possible-duplicates",
    ))


# --- fields ---------------------------------------------------------------------------------

def field_grid(pairs: rx.Var) -> rx.Component:
    return rx.grid(
        rx.foreach(pairs, lambda p: rx.vstack(
            rx.text(p[1], size="1", color_scheme="gray"),
            rx.text(rx.cond(p[2] != "", p[2], "—"), size="2", white_space="pre-wrap",
                    data_field=p[0]),
            spacing="0",
        )),
        columns="2", spacing="3", width="100%",
    )


def details() -> rx.Component:
    return rx.vstack(
        rx.foreach(D.groups, lambda g: card_for_group(g)),
        rx.cond(D.custom_values.length() > 0, rx.card(rx.vstack(
            rx.text(t("Custom fields"), weight="bold", size="3"),
            field_grid(D.custom_values), spacing="3"), width="100%", id="custom-values")),
        source_details_card(),
        spacing="3", width="100%",
    )


def source_details_card() -> rx.Component:
    """UTM parameters, referrer and page of the lead's web-form submissions, newest first."""
    def visit(v: rx.Var) -> rx.Component:
        return rx.vstack(
            rx.hstack(rx.icon("globe", size=14), rx.text(v["form"], size="2", weight="medium"),
                      rx.text(v["when"], size="1", color_scheme="gray"), spacing="2", align="center", wrap="wrap"),
            rx.grid(
                rx.foreach(D.source_rows, lambda r: rx.cond(r[0] == v["id"], rx.fragment(
                    rx.text(r[1], size="1", color_scheme="gray"),
                    rx.cond(r[3] != "",
                            rx.link(r[2], href=r[3], is_external=True, size="2", rel="noopener noreferrer nofollow",
                                    style={"overflowWrap": "anywhere"}, class_name="source-value"),
                            rx.text(r[2], size="2", style={"overflowWrap": "anywhere"}, class_name="source-value")),
                ))),
                columns="minmax(7em, auto) 1fr", spacing="1", width="100%", align="baseline",
            ),
            spacing="1", width="100%", class_name="source-visit",
        )

    return rx.cond(D.source_visits.length() > 0, rx.card(rx.vstack(
        rx.text(t("Source details"), weight="bold", size="3"),
        rx.foreach(D.source_visits, visit),
        spacing="3", width="100%"), width="100%", id="source-details"))


def card_for_group(group: rx.Var) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(group["title"], weight="bold", size="3"), rx.spacer(),
                  rx.icon_button(rx.icon("pencil", size=12), size="1", variant="ghost", on_click=D.edit,
                                 aria_label="Edit", disabled=D.is_converted),
                  width="100%"),
        field_grid(D.group_fields[group["key"]]),
        spacing="3"), width="100%")


# --- timeline -------------------------------------------------------------------------------

def note_box() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text_area(name="body", id="note-body", placeholder=t("Write a note for the team…"), rows="3",
                         width="100%"),
            field_error(D.field_errors, "body"),
            rx.hstack(rx.spacer(), rx.button(rx.icon("sticky-note", size=14), t("Add note"), type="submit",
                                             id="add-note"), width="100%"),
            spacing="2", width="100%",
        ),
        on_submit=D.add_note, reset_on_submit=True, key=D.note_key, width="100%",
    )


def timeline_entry(entry: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.box(rx.icon(rx.match(entry["kind"], *KIND_ICONS.items(), "circle"), size=16),
               padding="0.4em", border_radius="50%", background="var(--accent-3)", color="var(--accent-11)"),
        rx.vstack(
            rx.hstack(rx.text(entry["title"], weight="medium", size="2"),
                      rx.text(entry["extra"], size="2", color_scheme="gray", white_space="pre-wrap"),
                      spacing="2", wrap="wrap"),
            rx.cond(entry["body"] != "", rx.text(entry["body"], size="2", white_space="pre-wrap")),
            rx.hstack(
                rx.text(entry["when"], size="1", color_scheme="gray"),
                rx.cond(entry["actor"] != "", rx.text("· ", entry["actor"], size="1", color_scheme="gray")),
                rx.cond(entry["kind"] == "document",
                        rx.el.a(t("Download"), href="/api/documents/" + entry["id"], download=True, reload_document=True,
                                style={"fontSize": "var(--font-size-1)"})),
                rx.cond(entry["kind"] == "note",
                        rx.link(t("Delete"), size="1", color_scheme="gray", on_click=D.delete_note(entry["id"]),
                                href="#")),
                spacing="1", align="center",
            ),
            spacing="1", width="100%",
        ),
        spacing="3", align="start", width="100%",
        data_kind=entry["kind"], class_name="timeline-entry",
    )


def timeline_panel() -> rx.Component:
    return rx.vstack(
        note_box(),
        rx.divider(),
        rx.cond(D.timeline.length() > 0,
                rx.vstack(rx.foreach(D.timeline, timeline_entry), spacing="4", width="100%", id="timeline"),
                rx.text(t("Nothing here yet."), color_scheme="gray", size="2")),
        rx.cond(D.timeline_total > D.timeline.length(),
                rx.button(t("Show more"), variant="ghost", size="1", on_click=D.show_more)),
        spacing="3", width="100%",
    )


# --- related records ------------------------------------------------------------------------

def activity_fields(prefix: str, values: rx.Var | None = None) -> rx.Component:
    """The inputs of an activity, empty for a new one or filled with `values` for an edit."""
    errors = D.field_errors

    def start(name: str, default):
        return values[name] if values is not None else default

    return rx.vstack(
        rx.grid(
            labelled("Type", rx.select.root(
                rx.select.trigger(width="100%", id=f"{prefix}-type"),
                rx.select.content(*[rx.select.item(t(k), value=k) for k in ACTIVITY_TYPES]),
                name="type", default_value=start("type", "task")), errors, "type"),
            labelled("Status", rx.select.root(
                rx.select.trigger(width="100%", id=f"{prefix}-status"),
                rx.select.content(*[rx.select.item(t(k), value=k) for k in ACTIVITY_STATUSES]),
                name="status", default_value=start("status", "planned")), errors, "status"),
            columns="2", spacing="3", width="100%",
        ),
        labelled("Subject", rx.input(name="subject", id=f"{prefix}-subject", width="100%",
                                     default_value=start("subject", "")), errors, "subject", required=True),
        rx.grid(
            labelled("Due", rx.input(name="due_at", id=f"{prefix}-due", type="datetime-local", width="100%",
                                     default_value=start("due_at", "")), errors, "due_at"),
            labelled("Owner", rx.select.root(
                rx.select.trigger(width="100%", id=f"{prefix}-owner"),
                rx.select.content(rx.foreach(D.owners, lambda o: rx.select.item(o[1], value=o[0]))),
                name="owner_id", default_value=start("owner_id", rx.cond(D.lead["owner_id"] != NONE, D.lead["owner_id"],
                                                                       D.my_user_id))),
            errors, "owner_id"),
            columns="2", spacing="3", width="100%",
        ),
        labelled("Description", rx.text_area(name="description", id=f"{prefix}-description", width="100%",
                                             rows="2", default_value=start("description", "")),
                 errors, "description"),
        rx.text(t("Times are in the team's time zone:"), " ", D.team_timezone, size="1", color_scheme="gray"),
        rx.hstack(rx.spacer(),
                  rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
                  rx.button(t("Save"), type="submit", id=f"{prefix}-save"), width="100%"),
        spacing="3",
    )


def activity_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus", size=14), t("Add"), size="1", variant="soft",
                                    id="add-activity")),
        rx.dialog.content(
            rx.dialog.title(t("New activity")),
            rx.form(activity_fields("activity"), on_submit=D.add_activity, reset_on_submit=False,
                    key=D.activity_key, no_validate=True),
            max_width="32em",
        ),
        open=D.activity_open, on_open_change=D.set_activity_open,
    )


def activity_edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Edit activity")),
            rx.form(activity_fields("edit-activity", D.activity_edit), on_submit=D.save_activity,
                    reset_on_submit=False, key=D.activity_key, no_validate=True),
            max_width="32em", id="activity-edit-dialog",
        ),
        open=D.activity_edit_open, on_open_change=D.set_activity_edit_open,
    )


def activity_row(a: rx.Var) -> rx.Component:
    done = a["status"] != "planned"
    return rx.hstack(
        rx.icon(rx.match(a["type"], *ACTIVITY_ICONS.items(), "square-check"), size=16,
                color=rx.cond(a["overdue"] != "", "var(--red-10)", "var(--gray-10)")),
        rx.vstack(
            rx.text(a["subject"], size="2", weight="medium",
                    text_decoration=rx.cond(done, "line-through", "none")),
            rx.hstack(
                rx.text(t_value(a["type"], ACTIVITY_TYPES), size="1", color_scheme="gray"),
                rx.cond(a["due"] != "", rx.text("· ", a["due"], size="1",
                                                color=rx.cond(a["overdue"] != "", "var(--red-11)", "var(--gray-11)"),
                                                weight=rx.cond(a["overdue"] != "", "bold", "regular"))),
                rx.cond(a["overdue"] != "", rx.badge(t("Overdue"), color_scheme="red", size="1")),
                rx.cond(done, rx.badge(t_value(a["status"], ACTIVITY_STATUSES), size="1", color_scheme="gray")),
                rx.text("· ", a["owner"], size="1", color_scheme="gray"),
                spacing="1", align="center", wrap="wrap",
            ),
            spacing="0", width="100%",
        ),
        rx.cond(done,
                rx.icon_button(rx.icon("rotate-ccw", size=12), size="1", variant="ghost", aria_label="Reopen",
                               on_click=D.set_activity_status(a["id"], "planned")),
                rx.icon_button(rx.icon("check", size=12), size="1", variant="soft", aria_label="Complete",
                               on_click=D.set_activity_status(a["id"], "completed"), class_name="complete-activity")),
        rx.icon_button(rx.icon("pencil", size=12), size="1", variant="ghost", color_scheme="gray",
                       aria_label="Edit", on_click=D.open_activity_edit(a["id"]), class_name="edit-activity"),
        rx.icon_button(rx.icon("x", size=12), size="1", variant="ghost", color_scheme="gray", aria_label="Delete",
                       on_click=D.delete_activity(a["id"])),
        spacing="2", align="start", width="100%", padding="0.4em",
        border_radius="var(--radius-2)",
        background=rx.cond(a["overdue"] != "", "var(--red-2)", "transparent"),
        class_name="activity-row", data_overdue=a["overdue"],
    )


def activities_card() -> rx.Component:
    return card("Activities",
                rx.cond(D.activity_rows.length() > 0,
                        rx.vstack(rx.foreach(D.activity_rows, activity_row), spacing="1", width="100%",
                                  id="activities"),
                        rx.text(t("No activities yet."), size="2", color_scheme="gray")),
                activity_edit_dialog(),
                action=activity_dialog())


def campaigns_card() -> rx.Component:
    return card(
        "Campaigns",
        rx.foreach(D.campaign_rows, lambda c: rx.hstack(
            rx.icon("megaphone", size=14), rx.text(c["name"], size="2"), rx.spacer(),
            rx.text(c["added"], size="1", color_scheme="gray"),
            rx.icon_button(rx.icon("x", size=12), size="1", variant="ghost", color_scheme="gray",
                           aria_label="Remove", on_click=D.remove_from_campaign(c["id"])),
            width="100%", align="center", class_name="campaign-row")),
        rx.select.root(
            rx.select.trigger(placeholder=t("Add to a campaign…"), width="100%", id="campaign-picker"),
            rx.select.content(rx.foreach(D.campaign_choices, lambda c: rx.select.item(c[1], value=c[0]))),
            value="", on_change=D.add_to_campaign, on_open_change=lambda _o: D.load_campaign_choices(),
        ),
        rx.form(rx.hstack(rx.input(name="campaign_name", placeholder=t("New campaign name"), size="1",
                                   width="100%", id="campaign-name"),
                          rx.button(t("Create"), size="1", type="submit", variant="soft"), width="100%"),
                field_error(D.field_errors, "name"),
                on_submit=D.create_campaign, reset_on_submit=True, width="100%"),
    )


def documents_card() -> rx.Component:
    return card(
        "Documents",
        rx.foreach(D.document_rows, lambda d: rx.hstack(
            rx.icon("file", size=14),
            rx.vstack(
                rx.el.a(d["filename"], href="/api/documents/" + d["id"], download=True, reload_document=True,
                        style={"fontSize": "var(--font-size-2)", "fontWeight": "500"}),
                rx.text(d["size"], " · ", d["uploaded"], " · ", d["by"], size="1", color_scheme="gray"),
                spacing="0",
            ),
            rx.spacer(),
            rx.icon_button(rx.icon("x", size=12), size="1", variant="ghost", color_scheme="gray",
                           aria_label="Delete", on_click=D.delete_document(d["id"])),
            width="100%", align="center", class_name="document-row")),
        rx.upload.root(
            rx.vstack(rx.icon("upload", size=18), rx.text(t("Drop files here or click to choose"), size="2"),
                      rx.text(t("At most"), " ", D.document_limit, " ", t("per file"), size="1", color_scheme="gray"),
                      align="center", spacing="1"),
            id="lead-documents",
            multiple=True,
            on_drop=D.upload(rx.upload_files(upload_id="lead-documents")),
            border="1px dashed var(--gray-7)", border_radius="var(--radius-3)", padding="1em", width="100%",
            cursor="pointer",
        ),
    )


def not_found() -> rx.Component:
    return rx.callout(t("This lead does not exist or belongs to another team."), icon="info", id="lead-not-found")


def lead_detail_page() -> rx.Component:
    """/leads/[lead_id]."""
    return app_shell(
        rx.cond(
            D.not_found,
            not_found(),
            rx.vstack(
                header(),
                rx.cond(D.is_converted, converted_links(D.record_id)),
                duplicates_callout(),
                rx.grid(
                    rx.tabs.root(
                        rx.tabs.list(rx.tabs.trigger(t("Timeline"), value="timeline", id="tab-timeline"),
                                     rx.tabs.trigger(t("Details"), value="details", id="tab-details")),
                        rx.tabs.content(rx.box(timeline_panel(), padding_top="1em"), value="timeline"),
                        rx.tabs.content(rx.box(details(), padding_top="1em"), value="details"),
                        default_value="timeline", width="100%",
                    ),
                    rx.vstack(score_panel(D.lead["score"] + D.lead["rating"]), activities_card(),
                              campaigns_card(), documents_card(),
                              spacing="3", width="100%"),
                    columns=rx.breakpoints(initial="1", md="3fr 2fr"),
                    spacing="5", width="100%",
                ),
                width="100%",
            ),
        ),
        lead_dialog(D),
        outreach_dialog(on_saved=[D.load]),
        send_email_dialog(),
        merge_dialog(),
        conversion_dialog(on_done=D.load) if conversion_dialog is not None else rx.fragment(),
    )
