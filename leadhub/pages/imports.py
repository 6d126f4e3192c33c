"""/leads/import: the CSV import wizard (upload, preview and map, duplicates and defaults,
live progress, refused rows as CSV, undo) and the team's recent imports."""

from __future__ import annotations

import reflex as rx

from leadhub.components.forms import labelled
from leadhub.components.i18n import t, t_value
from leadhub.components.layout import app_shell, page_title
from leadhub.state.imports import ImportState as S
from leadhub.state.session import NONE

STATUSES = ["draft", "queued", "running", "done", "failed", "undoing", "undone"]
DUPLICATE_MODES = [("skip", "Skip them"), ("update", "Update the existing lead"), ("create", "Create them anyway")]


def steps() -> rx.Component:
    def step(number: str, label: str, name: str) -> rx.Component:
        return rx.badge(number, " · ", t(label), variant=rx.cond(S.step == name, "solid", "soft"),
                        size="2", color_scheme=rx.cond(S.step == name, "indigo", "gray"))
    return rx.hstack(step("1", "Upload", "upload"), step("2", "Map columns", "map"),
                     step("3", "Import", "progress"), spacing="2", margin_bottom="1em")


def upload_step() -> rx.Component:
    return rx.card(
        rx.upload.root(
            rx.vstack(rx.icon("file-up", size=28),
                      rx.text(t("Drop a CSV file here or click to choose"), weight="medium"),
                      rx.text(t("UTF-8, UTF-16 or Latin-1/Windows-1252; commas, semicolons or tabs (Excel exports work)."),
                              size="1", color_scheme="gray"),
                      align="center", spacing="2"),
            id="import-file", multiple=False, accept={"text/csv": [".csv", ".txt", ".tsv"]},
            on_drop=S.upload(rx.upload_files(upload_id="import-file")),
            border="1px dashed var(--gray-7)", border_radius="var(--radius-3)", padding="2.5em", width="100%",
            cursor="pointer",
        ),
        rx.cond(S.field_errors.contains("file"),
                rx.text(S.field_errors["file"], color="var(--red-11)", size="2", data_error_for="file")),
        width="100%",
    )


def mapping_cell(header: rx.Var) -> rx.Component:
    return rx.table.column_header_cell(rx.vstack(
        rx.text(header, weight="bold", size="2"),
        rx.select.root(
            rx.select.trigger(width="100%", size="1"),
            rx.select.content(rx.foreach(S.target_choices, lambda c: rx.select.item(c[1], value=c[0]))),
            value=S.mapping[header], on_change=lambda v: S.set_target(header, v), size="1"),
        spacing="1", min_width="11em"), data_header=header)


def preview_table() -> rx.Component:
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(rx.foreach(S.headers, mapping_cell))),
        rx.table.body(rx.foreach(S.preview_rows, lambda row: rx.table.row(
            rx.foreach(row, lambda cell: rx.table.cell(rx.text(cell, size="1")))))),
        size="1", variant="surface", id="import-preview"), overflow_x="auto", width="100%")


def _option_select(name: str, choices: rx.Var, value: rx.Var, pairs: bool = True) -> rx.Component:
    item = (lambda c: rx.select.item(c[1], value=c[0])) if pairs else (lambda c: rx.select.item(c, value=c))
    return rx.select.root(
        rx.select.trigger(width="100%", id=f"import-{name}"),
        rx.select.content(rx.select.item("—", value=NONE), rx.foreach(choices, item)),
        value=value, on_change=lambda v: S.set_option(name, v))


def map_step() -> rx.Component:
    return rx.vstack(
        rx.card(rx.vstack(
            rx.hstack(rx.icon("file-text", size=16), rx.text(S.filename, weight="medium"),
                      rx.text(S.file_info, size="1", color_scheme="gray", id="import-file-info"),
                      rx.spacer(),
                      rx.cond(S.saved_mappings.length() > 0, rx.select.root(
                          rx.select.trigger(placeholder=t("Use a saved mapping"), id="saved-mapping"),
                          rx.select.content(rx.foreach(S.saved_mappings, lambda m: rx.select.item(m[1], value=m[0]))),
                          value="", on_change=S.apply_mapping)),
                      align="center", spacing="2", width="100%"),
            rx.text(t("Choose the lead field of each column (suggested from the headers)."), size="2"),
            preview_table(),
            rx.form(rx.hstack(rx.input(name="mapping_name", placeholder=t("Name this mapping to reuse it"),
                                       size="1", width="18em", id="mapping-name"),
                              rx.button(t("Save mapping"), size="1", variant="soft", type="submit"),
                              spacing="2"),
                    on_submit=S.save_mapping, reset_on_submit=True),
            spacing="3", width="100%")),
        rx.card(rx.vstack(
            rx.text(t("Leads that already exist (same e-mail or phone, or similar name at a similar company)"),
                    weight="medium", size="2"),
            rx.radio_group.root(
                rx.hstack(*[rx.radio_group.item(t(label), value=value) for value, label in DUPLICATE_MODES],
                          spacing="4"),
                value=S.duplicates, on_change=S.set_duplicates, id="import-duplicates"),
            rx.grid(
                labelled("Owner", _option_select("owner_id", S.members, S.owner_id)),
                labelled("Lead source", _option_select("lead_source", S.source_choices, S.lead_source, pairs=False)),
                labelled("Campaign", _option_select("campaign_id", S.campaign_choices, S.campaign_id)),
                columns="3", spacing="3", width="100%"),
            rx.text(t("Owner, source and campaign apply to every new lead whose row leaves them empty."),
                    size="1", color_scheme="gray"),
            rx.cond(S.field_errors.contains("mapping"),
                    rx.callout(S.field_errors["mapping"], icon="triangle-alert", color_scheme="red", size="1",
                               id="mapping-error")),
            rx.hstack(rx.button(t("Back"), variant="soft", color_scheme="gray", on_click=S.restart),
                      rx.button(rx.icon("play", size=14), t("Import"), on_click=S.start, id="import-start"),
                      spacing="2"),
            spacing="3", width="100%")),
        spacing="3", width="100%",
    )


def progress_step() -> rx.Component:
    job = S.job
    return rx.card(rx.vstack(
        rx.hstack(rx.text(job["filename"], weight="medium"), rx.badge(t_value(job["status"], STATUSES), id="import-status"),
                  spacing="2", align="center"),
        rx.progress(value=S.percent, max=100, width="100%", id="import-progress"),
        rx.text(job["processed"], " / ", job["total"], " ", t("rows"), " · ", S.percent, "%", size="2",
                color_scheme="gray"),
        rx.hstack(
            rx.badge(t("Created"), ": ", job["created"], color_scheme="green", id="import-created"),
            rx.badge(t("Updated"), ": ", job["updated"], color_scheme="blue", id="import-updated"),
            rx.badge(t("Skipped"), ": ", job["skipped"], color_scheme="gray", id="import-skipped"),
            rx.badge(t("Errors"), ": ", job["errors"], color_scheme="red", id="import-errors"),
            spacing="2", wrap="wrap"),
        rx.cond(job["message"] != "", rx.callout(job["message"], icon="triangle-alert", color_scheme="red", size="1")),
        rx.text(t("You can leave this page: the import goes on in the background."), size="1", color_scheme="gray"),
        rx.hstack(
            rx.cond(job["errors"] != "0",
                    rx.el.a(rx.hstack(rx.icon("download", size=14), t("Download refused rows (CSV)"), spacing="2",
                                      align="center"),
                            href="/api/imports/" + job["id"] + "/errors.csv", download="refused-rows.csv",
                            id="import-error-csv", style={"color": "var(--accent-11)", "fontSize": "14px",
                                                          "padding": "6px 12px", "borderRadius": "var(--radius-2)",
                                                          "background": "var(--accent-3)", "textDecoration": "none"})),
            rx.cond(job["status"] == "done", undo_button(job["id"])),
            rx.button(t("Import another file"), variant="ghost", on_click=S.restart),
            spacing="2", wrap="wrap"),
        spacing="3", width="100%"), width="100%")


def undo_button(job_id: rx.Var) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(rx.icon("undo-2", size=14), t("Undo import"), color_scheme="red",
                                          variant="soft", class_name="import-undo")),
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Undo this import?")),
            rx.alert_dialog.description(t("The leads it created are deleted and the leads it updated get their previous values back.")),  # noqa: E501
            rx.hstack(rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                      rx.alert_dialog.action(rx.button(t("Undo import"), color_scheme="red", on_click=S.undo(job_id),
                                                       class_name="import-undo-confirm")),
                      justify="end", spacing="2", margin_top="1em")),
    )


def recent_table() -> rx.Component:
    return rx.vstack(
        rx.heading(t("Recent imports"), size="3"),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(h)) for h in
                                           ("When", "File", "Status", "Created", "Updated", "Skipped", "Errors", "")])),
            rx.table.body(rx.foreach(S.recent, lambda r: rx.table.row(
                rx.table.cell(r["when"]), rx.table.cell(r["filename"]),
                rx.table.cell(t_value(r["status"], STATUSES)), rx.table.cell(r["created"]),
                rx.table.cell(r["updated"]), rx.table.cell(r["skipped"]), rx.table.cell(r["errors"]),
                rx.table.cell(rx.button(t("Details"), size="1", variant="ghost", on_click=S.show_job(r["id"]))),
                data_import_id=r["id"]))),
            size="1", width="100%", id="recent-imports"),
        spacing="2", width="100%", margin_top="1.5em",
    )


def import_page() -> rx.Component:
    """Bring leads in from a CSV file."""
    return app_shell(
        page_title("Import leads from CSV",
                   rx.link(rx.button(rx.icon("arrow-left", size=14), t("Leads"), variant="soft"), href="/leads")),
        steps(),
        rx.match(S.step, ("map", map_step()), ("progress", progress_step()), upload_step()),
        rx.cond(S.recent.length() > 0, recent_table()),
    )
