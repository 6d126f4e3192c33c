"""Web forms and CSV import in Chromium: an admin builds a form and copies its snippet; the
snippet on a page of another local origin renders the form and creates a lead without leaving
the page; what the visitor typed (a <script>) shows as text in the leads list and on the lead's
page; a CSV file goes through the import wizard with a progress bar and its refused rows."""

from __future__ import annotations

import csv
import http.server
import io
import re
import threading
import time
from functools import partial

import pytest
from sqlmodel import Session, select

from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e

SCRIPT_NAME = "<script>window.__pwned = 1</script>Núñez"


@pytest.fixture
def other_origin(tmp_path):
    """A web site on another local origin (another port), serving files from a folder."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_embedded_form_on_another_origin_creates_a_lead(page, browser, live_app, other_origin, screenshot):
    from playwright.sync_api import expect

    from leadhub.services.db import engine_for
    from leadhub.services.forms import FormSubmission
    from leadhub.services.models import Lead

    folder, site = other_origin
    sign_in(page, live_app.seed.admin)
    page.goto("/forms")
    page.click("#new-form")
    page.fill("#form-name", "Contacto web")
    page.fill("#form-origins", site)
    page.click("#form-save")
    snippet_box = page.locator("#form-snippet")
    expect(snippet_box).to_contain_text("embed.js")
    screenshot("forms-snippet")
    snippet = re.search(r'<script src="[^"]+" async></script>', snippet_box.inner_text()).group(0)
    page.keyboard.press("Escape")
    expect(page.locator(".form-row", has_text="Contacto web")).to_have_count(1)

    (folder / "landing.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Acme</title></head><body>"
        "<h1>Acme Iberia</h1><p>Write to us:</p>" + snippet + "</body></html>", encoding="utf-8")
    visitor = browser.new_context(viewport={"width": 900, "height": 800}, locale="es-ES")
    host = visitor.new_page()
    host.goto(f"{site}/landing.html?utm_source=e2e&utm_campaign=otono")
    expect(host.locator("form.leadhub-form")).to_be_visible()
    host.locator("input[name=first_name]").fill("Íñigo")
    host.locator("input[name=last_name]").fill(SCRIPT_NAME)
    host.locator("input[name=email]").fill("not-an-email")
    time.sleep(3.2)  # the minimum fill time: a person takes longer than a bot
    host.locator("form.leadhub-form button[type=submit]").click()
    expect(host.locator("[id$='-email-error']")).to_contain_text("valid e-mail")
    screenshot("form-embedded-field-error", host)
    host.locator("input[name=email]").fill("inigo@acme.es")
    host.locator("textarea[name=description]").fill("Quiero una demo <b>ya</b>")
    host.locator("form.leadhub-form button[type=submit]").click()
    expect(host.locator(".leadhub-thanks")).to_be_visible()
    assert host.url.startswith(f"{site}/landing.html")   # the visitor never left the page
    screenshot("form-embedded-thanks", host)
    visitor.close()

    engine = engine_for(live_app.database_url)
    with Session(engine) as session:
        lead = session.exec(select(Lead).where(Lead.email == "inigo@acme.es")).one()
        submission = session.exec(select(FormSubmission).where(FormSubmission.lead_id == lead.id)).one()
    assert lead.last_name == SCRIPT_NAME and lead.lead_source == "Web Form"
    assert (submission.utm_source, submission.utm_campaign) == ("e2e", "otono")
    assert submission.page_url.startswith(f"{site}/landing.html")

    page.goto("/forms")
    row = page.locator(".form-row", has_text="Contacto web")
    expect(row.locator(".form-submissions")).to_have_text("1")
    expect(row.locator(".form-rate")).to_have_text("100.0%")

    # What the visitor typed is text everywhere: the list and the lead's page.
    page.goto("/leads")
    page.fill("#lead-search", "inigo@acme.es")
    lead_row = page.locator(".lead-row", has_text="window.__pwned")
    expect(lead_row).to_have_count(1)
    expect(lead_row).to_contain_text(SCRIPT_NAME)
    screenshot("form-lead-escaped-in-list")
    page.goto(f"/leads/{lead.id}")
    expect(page.get_by_text(SCRIPT_NAME, exact=False).first).to_be_visible()
    assert page.evaluate("window.__pwned") is None
    screenshot("form-lead-escaped-detail")


def test_hosted_page_works_without_javascript(browser, live_app):
    from playwright.sync_api import expect

    from leadhub.services import forms
    from leadhub.services.context import TeamContext
    from leadhub.services.db import engine_for
    from leadhub.services.models import Lead

    engine = engine_for(live_app.database_url)
    with Session(engine, expire_on_commit=False) as session:
        ctx = TeamContext(live_app.seed.extra["team_id"], 1, "admin")
        form = forms.save_form(session=session, ctx=ctx, data={
            "name": "Sin JavaScript", "fields": [{"name": "last_name"}, {"name": "email", "required": True}],
            "thank_you_es": "¡Gracias por escribirnos!"})
        session.commit()
    context = browser.new_context(java_script_enabled=False, base_url=live_app.url)
    page = context.new_page()
    page.goto(f"/api/forms/{form.key}?lang=es")
    page.fill("input[name=last_name]", "Sinjs")
    page.fill("input[name=email]", "sinjs@acme.es")
    time.sleep(3.2)
    page.click("button[type=submit]")
    expect(page.locator(".thanks")).to_have_text("¡Gracias por escribirnos!")
    context.close()
    with Session(engine) as session:
        assert session.exec(select(Lead).where(Lead.email == "sinjs@acme.es")).one().last_name == "Sinjs"


def _seed_admin_ctx(live_app, session):
    from leadhub.services.context import TeamContext
    from leadhub.services.models import User
    admin = session.exec(select(User).where(User.email == live_app.seed.admin.email)).one()
    return TeamContext(live_app.seed.extra["team_id"], admin.id, "admin")


def test_csv_import_through_the_wizard(page, live_app, tmp_path, screenshot):
    from playwright.sync_api import expect

    from leadhub.services import custom_fields
    from leadhub.services.db import engine_for
    from leadhub.services.models import Lead

    engine = engine_for(live_app.database_url)
    with Session(engine, expire_on_commit=False) as session:   # the team's own lead fields
        ctx = _seed_admin_ctx(live_app, session)
        segment = custom_fields.create_field(session=session, ctx=ctx, label="Segmento E2E", type="picklist",
                                             options="Pyme, Grande")
        staff = custom_fields.create_field(session=session, ctx=ctx, label="Empleados E2E", type="number")
        session.commit()
    try:
        _import_through_the_wizard(page, live_app, tmp_path, screenshot, expect, engine, segment, staff, Lead)
    finally:
        with Session(engine) as session:   # other tests share the seed team: put its fields back
            ctx = _seed_admin_ctx(live_app, session)
            for spec in (segment, staff):
                custom_fields.remove_field(session=session, ctx=ctx, field_id=spec.id)
            session.commit()


def _import_through_the_wizard(page, live_app, tmp_path, screenshot, expect, engine, segment, staff, Lead):
    rows = ["Nombre;Apellidos;Correo electrónico;Teléfono;Empresa;Ciudad;Segmento E2E;Plantilla"]
    rows += [f"Persona{i};Apellido{i};persona{i}@import.es;;Empresa {i};Logroño;{'Pyme' if i % 2 else 'grande'};{i}"
             for i in range(1, 3001)]
    rows += ["Mala;Fila;esto-no-es-un-correo;;;;;", ";SinNombre;sin@import.es;12;;;;",
             "Otra;Mala;otra@import.es;;;;Enorme;muchos"]
    path = tmp_path / "clientes.csv"
    path.write_bytes("\r\n".join(rows).encode("cp1252"))   # a Spanish Excel export

    sign_in(page, live_app.seed.rep)
    page.click("#import-csv")
    page.wait_for_url(re.compile(r".*/leads/import$"))
    page.set_input_files("#import-file input[type=file]", str(path))
    expect(page.locator("#import-preview")).to_be_visible()
    expect(page.locator("#import-file-info")).to_contain_text("3003")
    expect(page.locator("#import-preview")).to_contain_text("Logroño")
    # A custom field is suggested by its label; another is chosen by hand for a column it does not name.
    expect(page.locator("[data-header='Segmento E2E'] button[role=combobox]")).to_have_text("Segmento E2E")
    plantilla = page.locator("[data-header='Plantilla'] button[role=combobox]")
    expect(plantilla).to_have_text("Do not import")
    plantilla.click()
    page.get_by_role("option", name="Empleados E2E").click()
    expect(plantilla).to_have_text("Empleados E2E")
    screenshot("import-mapping")
    page.click("#import-start")
    expect(page.locator("#import-progress")).to_be_visible()
    screenshot("import-progress")
    expect(page.locator("#import-status")).to_have_text("done", timeout=60_000)
    expect(page.locator("#import-created")).to_contain_text("3000")
    expect(page.locator("#import-errors")).to_contain_text("3")
    screenshot("import-done")
    link = page.locator("#import-error-csv")
    assert link.get_attribute("download")
    answer = page.request.get(link.get_attribute("href"))   # what the link fetches, with the session cookie
    assert answer.status == 200 and answer.headers["content-disposition"].startswith("attachment;")
    report = answer.body().decode("utf-8-sig")
    assert "3002" in report and "Correo electrónico" in report and "Teléfono" in report
    refused = {(row, column): reason for row, column, reason in list(csv.reader(io.StringIO(report)))[1:]}
    assert refused[("3004", "Segmento E2E")] == "Choose one of: Pyme, Grande."
    assert refused[("3004", "Plantilla")].startswith("Enter a number")
    with Session(engine) as session:
        first, second = (session.exec(select(Lead).where(Lead.email == f"persona{i}@import.es")).one()
                         for i in (1, 2))
    assert first.custom_fields == {segment.key: "Pyme", staff.key: 1}
    assert second.custom_fields == {segment.key: "Grande", staff.key: 2}

    page.click(".import-undo")
    page.click(".import-undo-confirm")
    expect(page.locator("#import-status")).to_have_text("undone", timeout=60_000)
    page.goto("/leads")
    page.fill("#lead-search", "import.es")
    expect(page.locator("#no-leads")).to_be_visible()
