"""CSV import: encodings and delimiters, the suggested mapping in English and Spanish, bad rows
reported by row and column, each duplicate mode, scoring, progress and undo."""

import codecs
import csv
import io

import pytest
from sqlmodel import select

from leadhub.services import campaigns, custom_fields, imports, leads
from leadhub.services.errors import Conflict, PermissionDenied, ValidationFailed
from leadhub.services.models import CampaignMember, Lead, LeadStatusHistory
from leadhub.services.scoring import LeadScore

SPANISH_ROWS = [
    ["Nombre", "Apellidos", "Correo electrónico", "Teléfono", "Empresa", "Ciudad"],
    ["José", "Núñez", "jose@peña.es", "612 34 56 78", "Peña S.L.", "Logroño"],
    ["María", "Gómez", "maria@example.es", "", "Añil", "Cádiz"],
]


def csv_bytes(rows, delimiter=",", encoding="utf-8", bom=False):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    if bom and encoding == "utf-8":
        data = codecs.BOM_UTF8 + data
    return data


@pytest.fixture(autouse=True)
def data_dir(app_data, monkeypatch):
    return app_data


@pytest.fixture
def app_data(tmp_path, monkeypatch):
    from leadhub.config import get_settings
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def run(session, engine, ctx, data, mapping=None, filename="leads.csv", **options):
    job = imports.start_import(session=session, ctx=ctx, file_bytes=data, filename=filename,
                               mapping=mapping, options=options, enqueue=False)
    session.commit()
    result = imports.run_import(job.id, engine=engine)
    session.expire_all()
    return result


def team_leads(session, team):
    return session.exec(select(Lead).where(Lead.team_id == team.team.id).order_by(Lead.id)).all()


@pytest.mark.parametrize("encoding, bom, delimiter", [
    ("utf-8", False, ","), ("utf-8", True, ";"), ("utf-16", False, "\t"), ("cp1252", False, ";"),
    ("latin-1", False, ","),
])
def test_encodings_and_delimiters_are_detected(session, engine, team_a, encoding, bom, delimiter):
    data = csv_bytes(SPANISH_ROWS, delimiter=delimiter, encoding=encoding, bom=bom)
    job = imports.create_draft(session=session, ctx=team_a.rep_ctx, file_bytes=data, filename="x.csv")
    assert job.delimiter == delimiter and job.total_rows == 2
    assert job.headers == SPANISH_ROWS[0]
    preview = imports.preview(session=session, ctx=team_a.rep_ctx, job_id=job.id)
    assert preview.rows[0][:2] == ["José", "Núñez"] and preview.rows[1][5] == "Cádiz"
    assert preview.suggested == {"Nombre": "first_name", "Apellidos": "last_name",
                                 "Correo electrónico": "email", "Teléfono": "phone",
                                 "Empresa": "company", "Ciudad": "city"}
    session.commit()
    result = run(session, engine, team_a.rep_ctx, data)
    assert (result.status, result.created, result.errors) == ("done", 2, 0)
    names = [(lead.first_name, lead.last_name, lead.city) for lead in team_leads(session, team_a)]
    assert names == [("José", "Núñez", "Logroño"), ("María", "Gómez", "Cádiz")]


def test_bad_rows_are_reported_and_good_rows_imported(session, engine, team_a):
    field = custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Employees", type="number")
    tier = custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Tier", type="picklist",
                                      options="Gold, Silver")
    session.commit()
    rows = [["Full name", "E-mail", "Phone", "Budget", "Employees", "Tier", "Industry"],
            ["Ana García", "ana@x.es", "+34 612 345 678", "12.500,50", "25", "gold", "software"],
            ["Bad Mail", "not-an-email", "", "", "", "", ""],
            ["Luis", "luis@x.es", "12", "-5", "many", "Bronze", "Mining"],
            ["", "nobody@x.es", "", "", "", "", ""],
            ["=HYPERLINK(1)", "ok@x.es", "", "100", "3", "Silver", ""]]
    result = run(session, engine, team_a.rep_ctx, csv_bytes(rows), mapping={
        "Full name": "full_name", "E-mail": "email", "Phone": "phone", "Budget": "budget",
        "Employees": field.column, "Tier": tier.column, "Industry": "industry"})
    assert (result.created, result.errors, result.status) == (2, 3, "done")
    made = team_leads(session, team_a)
    assert [(m.first_name, m.last_name) for m in made] == [("Ana", "García"), ("", "=HYPERLINK(1)")]
    ana = made[0]
    assert (ana.phone, str(ana.budget), ana.industry) == ("+34612345678", "12500.50", "Software")
    assert ana.custom_fields == {field.key: 25, tier.key: "Gold"} and ana.import_id == result.id
    assert session.exec(select(LeadScore).where(LeadScore.lead_id == ana.id)).first() is not None
    assert session.exec(select(LeadStatusHistory).where(LeadStatusHistory.lead_id == ana.id)).first() is not None
    report = imports.error_report_csv(session=session, ctx=team_a.rep_ctx, job_id=result.id).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(report)))
    assert lines[0] == ["Row", "Column", "Reason"]
    found = {(int(r), c) for r, c, _ in lines[1:]}
    assert {(3, "E-mail"), (4, "Phone"), (4, "Budget"), (4, "Employees"), (4, "Tier"), (4, "Industry"),
            (5, "Full name")} <= found
    assert all(reason for _, _, reason in lines[1:])


def test_duplicate_modes_skip_update_create(session, engine, team_a):
    existing = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
        "first_name": "Ana", "last_name": "García", "email": "ana@x.es", "company": "Acme", "city": "Madrid"})
    session.commit()
    rows = [["First name", "Last name", "Email", "City", "Title"],
            ["Ana", "García", "ANA@x.es", "Sevilla", "CEO"],
            ["Luis", "Ruiz", "luis@x.es", "Bilbao", ""],
            ["Luis", "Ruiz", "luis@x.es", "", "CTO"]]   # the file repeats itself
    data = csv_bytes(rows)
    skipped = run(session, engine, team_a.rep_ctx, data, duplicates="skip")
    assert (skipped.created, skipped.updated, skipped.skipped) == (1, 0, 2)
    assert session.get(Lead, existing.id).city == "Madrid"
    imports.start_undo(session=session, ctx=team_a.rep_ctx, job_id=skipped.id, enqueue=False)
    session.commit()
    imports.run_undo(skipped.id, engine=engine)

    updated = run(session, engine, team_a.rep_ctx, data, duplicates="update")
    assert (updated.created, updated.updated) == (1, 1)
    lead = session.get(Lead, existing.id)
    assert (lead.city, lead.title) == ("Sevilla", "CEO")
    luis = [m for m in team_leads(session, team_a) if m.last_name == "Ruiz"]
    assert len(luis) == 1 and luis[0].title == "CTO" and luis[0].city == "Bilbao"

    created = run(session, engine, team_a.rep_ctx, data, duplicates="create")
    assert created.created == 3
    assert len(team_leads(session, team_a)) == 1 + 1 + 3


def test_undo_removes_created_leads_and_restores_updated_ones(session, engine, team_a):
    existing = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
        "last_name": "García", "email": "ana@x.es", "city": "Madrid"})
    campaign = campaigns.create_campaign(session=session, ctx=team_a.admin_ctx, name="Feria")
    session.commit()
    rows = [["Last name", "Email", "City"], ["García", "ana@x.es", "Sevilla"], ["Nuevo", "n@x.es", "Vigo"]]
    result = run(session, engine, team_a.rep_ctx, csv_bytes(rows), duplicates="update",
                 campaign_id=campaign.id, lead_source="Trade Show", owner_id=team_a.rep2.id)
    new = [m for m in team_leads(session, team_a) if m.last_name == "Nuevo"][0]
    assert (new.lead_source, new.owner_id) == ("Trade Show", team_a.rep2.id)
    assert session.exec(select(CampaignMember).where(CampaignMember.lead_id == new.id)).first()
    with pytest.raises(PermissionDenied):
        imports.start_undo(session=session, ctx=team_a.rep2_ctx, job_id=result.id)
    imports.start_undo(session=session, ctx=team_a.manager_ctx, job_id=result.id, enqueue=False)
    session.commit()
    undone = imports.run_undo(result.id, engine=engine)
    assert undone.status == "undone"
    session.expire_all()
    assert [m.id for m in team_leads(session, team_a)] == [existing.id]
    assert session.get(Lead, existing.id).city == "Madrid"
    with pytest.raises(Conflict):
        imports.start_undo(session=session, ctx=team_a.manager_ctx, job_id=result.id)


def test_mapping_checks_and_saved_mappings(session, team_a, team_b):
    job = imports.create_draft(session=session, ctx=team_a.rep_ctx, file_bytes=csv_bytes(SPANISH_ROWS),
                               filename="x.csv")
    with pytest.raises(ValidationFailed) as err:
        imports.start(session=session, ctx=team_a.rep_ctx, job_id=job.id, mapping={"Nombre": "first_name"},
                      options={"duplicates": "sometimes"})
    assert set(err.value.field_errors) == {"mapping", "duplicates"}
    with pytest.raises(ValidationFailed):
        imports.start(session=session, ctx=team_a.rep_ctx, job_id=job.id,
                      mapping={"Nombre": "last_name", "Apellidos": "last_name"})
    imports.save_mapping(session=session, ctx=team_a.rep_ctx, name="Excel ES",
                         mapping={"Correo electrónico": "email", "Apellidos": "last_name", "Nombre": ""})
    session.commit()
    [saved] = imports.list_mappings(session=session, ctx=team_a.rep_ctx)
    assert imports.list_mappings(session=session, ctx=team_b.rep_ctx) == []
    assert imports.apply_saved_mapping(["CORREO ELECTRONICO", "apellidos", "Otro"], saved.mapping) == {
        "CORREO ELECTRONICO": "email", "apellidos": "last_name", "Otro": ""}
    with pytest.raises(Exception) as missing:
        imports.progress(session=session, ctx=team_b.admin_ctx, job_id=job.id)
    assert type(missing.value).__name__ == "NotFound"
    with pytest.raises(ValidationFailed):
        imports.create_draft(session=session, ctx=team_a.rep_ctx, file_bytes=b"", filename="empty.csv")


def test_command_line_import(session, team_a, database_url, tmp_path, monkeypatch, capsys):
    from leadhub import cli
    from leadhub.config import get_settings
    monkeypatch.setenv("LEADHUB_DATABASE_URL", database_url)
    get_settings.cache_clear()
    path = tmp_path / "clientes.csv"
    path.write_bytes(csv_bytes(SPANISH_ROWS + [["Sin", "", "sin@x.es", "", "", ""]], delimiter=";",
                               encoding="cp1252"))
    code = cli.main(["import", str(path), "--team", str(team_a.team.id), "--duplicates", "update",
                     "--mapping", "Apellidos=last_name,Correo electrónico=email,Ciudad=city"])
    out = capsys.readouterr().out
    assert code == 0 and "2 created" in out and "1 rows refused" in out and "errors.csv" in out
    session.expire_all()
    assert sorted(m.city for m in team_leads(session, team_a)) == ["Cádiz", "Logroño"]
    assert all(m.first_name == "" for m in team_leads(session, team_a))   # Nombre was not mapped
    assert cli.main(["import", str(path), "--team", "999999"]) == 2
