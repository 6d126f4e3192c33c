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


def test_custom_fields_are_mapped_checked_stored_exported_and_undone(session, engine, team_a):
    from leadhub.services import bulk
    from leadhub.services.leads import LeadQuery
    admin = team_a.admin_ctx
    specs = {
        "number": custom_fields.create_field(session=session, ctx=admin, label="Número de empleados", type="number"),
        "date": custom_fields.create_field(session=session, ctx=admin, label="Fecha de alta", type="date"),
        "picklist": custom_fields.create_field(session=session, ctx=admin, label="Segmento", type="picklist",
                                               options="Pyme, Grande"),
        "checkbox": custom_fields.create_field(session=session, ctx=admin, label="Acepta RGPD", type="checkbox",
                                               required=True),
        "url": custom_fields.create_field(session=session, ctx=admin, label="LinkedIn", type="url"),
    }
    existing = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
        "last_name": "García", "email": "ana@x.es", "custom_fields": {
            specs["picklist"].key: "Grande", specs["checkbox"].key: True}})
    session.commit()
    headers = ["Apellidos", "Correo", "NUMERO DE EMPLEADOS", "Fecha de Alta", "Segmentos", "Acepta RGPD", "Linkedin"]
    rows = [headers,
            ["García", "ana@x.es", "1250", "", "pyme", "sí", ""],                        # updates the lead
            ["Núñez", "n@x.es", "3,5", "29/03/2026", "Grande", "1", "linkedin.com/in/nunez"],
            ["Bad", "b1@x.es", "muchos", "2026-02-30", "Mediana", "quizá", "no es una web"],
            ["Sin", "b2@x.es", "", "", "", "no", ""],                                    # required box unticked
            ["Vacío", "v@x.es", "", "", "", "x", ""]]
    job = imports.create_draft(session=session, ctx=team_a.rep_ctx, file_bytes=csv_bytes(rows), filename="cf.csv")
    preview = imports.preview(session=session, ctx=team_a.rep_ctx, job_id=job.id)
    assert preview.suggested == {"Apellidos": "last_name", "Correo": "email",
                                 **{h: spec.column for h, spec in zip(headers[2:], specs.values())}}
    assert {spec.column for spec in specs.values()} <= {t for t, _ in imports.targets(
        custom_fields.lead_schema(session=session, ctx=team_a.rep_ctx))}
    imports.start(session=session, ctx=team_a.rep_ctx, job_id=job.id, mapping=preview.suggested,
                  options={"duplicates": "update"}, enqueue=False)
    session.commit()
    result = imports.run_import(job.id, engine=engine)
    session.expire_all()
    assert (result.created, result.updated, result.errors) == (2, 1, 2)
    report = imports.error_report_csv(session=session, ctx=team_a.rep_ctx, job_id=job.id).decode("utf-8-sig")
    refused = {(int(r), c): reason for r, c, reason in list(csv.reader(io.StringIO(report)))[1:]}
    assert set(refused) == {(4, "NUMERO DE EMPLEADOS"), (4, "Fecha de Alta"), (4, "Segmentos"),
                            (4, "Acepta RGPD"), (4, "Linkedin"), (5, "Acepta RGPD")}
    assert refused[(4, "Segmentos")] == "Choose one of: Pyme, Grande." and refused[(5, "Acepta RGPD")] == "This field is required."
    key = {kind: spec.key for kind, spec in specs.items()}
    nunez = session.exec(select(Lead).where(Lead.email == "n@x.es")).one()
    assert nunez.custom_fields == {key["number"]: 3.5, key["date"]: "2026-03-29", key["picklist"]: "Grande",
                                   key["checkbox"]: True, key["url"]: "https://linkedin.com/in/nunez"}
    assert session.exec(select(Lead).where(Lead.email == "v@x.es")).one().custom_fields == {key["checkbox"]: True}
    ana = session.get(Lead, existing.id)
    assert ana.custom_fields == {key["number"]: 1250, key["picklist"]: "Pyme", key["checkbox"]: True}

    exported = "".join(bulk.export_rows(session=session, ctx=team_a.manager_ctx,
                                        selection=bulk.Selection.matching(LeadQuery())))
    table = {r["Correo electrónico"] if "Correo electrónico" in r else r["E-mail"]: r
             for r in csv.DictReader(io.StringIO(exported))}
    assert table["n@x.es"]["Segmento"] == "Grande" and table["n@x.es"]["LinkedIn"] == "https://linkedin.com/in/nunez"
    assert table["n@x.es"]["Fecha de alta"] and table["ana@x.es"]["Segmento"] == "Pyme"

    imports.start_undo(session=session, ctx=team_a.rep_ctx, job_id=job.id, enqueue=False)
    session.commit()
    imports.run_undo(job.id, engine=engine)
    session.expire_all()
    assert session.exec(select(Lead).where(Lead.email == "n@x.es")).first() is None
    assert session.get(Lead, existing.id).custom_fields == {key["picklist"]: "Grande", key["checkbox"]: True}


def test_the_command_line_and_the_api_take_the_same_path(session, engine, team_a, database_url, tmp_path,
                                                         monkeypatch):
    """`leadhub import` and POST /api/v1/imports both go through start_import and run_import:
    the same file gives the same leads, counts and report of refused rows."""
    from leadhub.config import get_settings
    monkeypatch.setenv("LEADHUB_DATABASE_URL", database_url)
    get_settings.cache_clear()
    tier = custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Tier", type="picklist",
                                      options="Gold, Silver")
    session.commit()
    rows = SPANISH_ROWS + [["Luis", "Ruiz", "luis@x.es", "0034 699 11 22 33", "", "", ], ["Mal", "", "", "", "", ""]]
    rows = [r + [t] for r, t in zip(rows, ["Tier", "gold", "", "Silver", "", ""])]
    path = tmp_path / "same.csv"
    path.write_bytes(csv_bytes(rows, delimiter=";", encoding="cp1252"))
    mapping_text = "Nombre=first_name,Apellidos=last_name,Correo electrónico=email,Teléfono=phone,Tier=" + tier.column

    def snapshot(job_id):
        session.expire_all()
        made = session.exec(select(Lead).where(Lead.import_id == job_id).order_by(Lead.id)).all()
        return [(m.first_name, m.last_name, m.email, m.phone, m.custom_fields, m.score, m.rating) for m in made]

    by_cli, report_path = imports.import_path(path=str(path), team_id=team_a.team.id, mapping=mapping_text,
                                             user_email=team_a.rep.email, engine=engine)
    cli_leads = snapshot(by_cli.id)
    cli_report = report_path.read_bytes()
    imports.start_undo(session=session, ctx=team_a.rep_ctx, job_id=by_cli.id, enqueue=False)
    session.commit()
    imports.run_undo(by_cli.id, engine=engine)

    mapping = dict(part.split("=") for part in mapping_text.split(","))
    job = imports.start_import(session=session, ctx=team_a.rep_ctx, file_bytes=path.read_bytes(),
                               filename="same.csv", mapping=mapping, options={"duplicates": "skip"}, enqueue=False)
    session.commit()
    by_api = imports.run_import(job.id, engine=engine)
    assert (by_api.created, by_api.errors, by_api.status) == (by_cli.created, by_cli.errors, by_cli.status) == (3, 1, "done")
    assert snapshot(by_api.id) == cli_leads
    assert cli_leads[2][3] == "+34699112233" and cli_leads[0][4] == {tier.key: "Gold"}
    assert imports.error_report_csv(session=session, ctx=team_a.rep_ctx, job_id=by_api.id) == cli_report
    get_settings.cache_clear()


PHONE_CASES = ["612 34 56 78", "+34 612 345 678", "0034 612 345 678", "34612345678", "(91) 123 45 67",
               "912-345-678", "612.34.56.78", "+34 (0) 612 345 678", "512 34 56 78", "612 34 56 7",
               "+33 6 12 34 56 78", "+1 212 555 0100", "612 34 56 78 ext 5", "6123456789", "900 123 456"]


@pytest.mark.parametrize("region", ["ES", "MX", "PT", "CL", "US", "FR"])
def test_phones_read_without_the_parser_are_what_phonenumbers_reads(region):
    import random

    import phonenumbers
    rng = random.Random(region)
    code = str(phonenumbers.country_code_for_region(region))
    values = set(PHONE_CASES)
    for _ in range(4000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice([7, 8, 9, 9, 10, 10, 11])))
        digits = rng.choice(["", "", "", "+" + code, "00" + code, code, "0"]) + digits
        values.add("".join(c + (rng.choice(" -.()") if rng.random() < 0.15 else "") for c in digits).strip())
    fast = imports._fast_phones(values, region)
    for value, e164 in fast.items():
        assert leads.normalise_phone(value, region) == e164, value
    if region in ("ES", "MX", "PT", "CL"):   # the shortcut is used where it is certain
        valid = sum(1 for v in values if _valid(v, region))
        assert len(fast) > valid * 0.6
    else:                                    # shared calling codes or national prefixes: parser only
        assert fast == {}
    if region == "ES":
        assert fast["612 34 56 78"] == fast["+34 612 345 678"] == "+34612345678"
        assert "0034 612 345 678" not in fast and "612 34 56 7" not in fast   # to the parser


def _valid(value, region):
    try:
        leads.normalise_phone(value, region)
        return True
    except ValueError:
        return False


def test_batch_contact_matches_agree_with_find():
    from leadhub.services import dedupe
    index = dedupe.DuplicateIndex(region="ES")
    index.add(5, "Ana", "García", "Acme", "ana@x.es", "+34612345678")
    index.add(3, "Luis", "Ruiz", "", "luis@x.es", "", "+34699000111")
    index.add(9, "Otra", "Ana", "", "otra@x.es", "+34612345678")
    index.add(7, "Eva", "Pla", "", "EVA@x.es ", "+34911222333", "+34699000111")
    cases = [("ana@x.es", "", ""), (" ANA@X.ES", "612 34 56 78", ""), ("", "612345678", ""),
             ("otra@x.es", "+34612345678", ""), ("nadie@x.es", "", "699 000 111"), ("eva@x.es", "", ""),
             ("", "", ""), ("nadie@x.es", "+34 600 000 000", ""), ("luis@x.es", "+34911222333", "")]
    expected = [(m[0].lead_id if (m := index.find(email=e, phone=p, mobile=mo, limit=1)) else None)
                for e, p, mo in cases]
    assert index.first_contact_matches(cases) == expected
    assert expected[:4] == [5, 5, 5, 9] and expected[6] is None


def test_rows_are_matched_across_chunks_the_same_way(session, engine, team_a, monkeypatch):
    """A lead repeated far apart in the file is updated once (later rows win), a new row
    repeated later is one lead with the blanks filled, whatever the chunk size; every row is
    counted once: created, updated, skipped or refused."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    existing = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
        "last_name": "García", "email": "ana@x.es", "city": "Madrid", "title": "CEO"})
    session.commit()
    rows = [["Last name", "Email", "City", "Title", "Phone"],
            ["García", "ana@x.es", "Sevilla", "", ""],
            ["Nuevo", "nuevo@x.es", "", "", "612345678"],
            ["Otro", "otro@x.es", "Vigo", "", ""],
            ["Mal", "mal", "", "", ""],
            ["García", "ANA@x.es", "Cádiz", "", ""],
            ["Nuevo", "", "Bilbao", "CTO", "+34 612 34 56 78"]]   # the same phone as row 3
    result = run(session, engine, team_a.rep_ctx, csv_bytes(rows), duplicates="update")
    assert (result.created, result.updated, result.skipped, result.errors) == (2, 2, 1, 1)
    assert result.created + result.updated + result.skipped + result.errors == result.total == 6
    assert session.get(Lead, existing.id).city == "Cádiz"
    nuevo = session.exec(select(Lead).where(Lead.last_name == "Nuevo")).one()
    assert (nuevo.email, nuevo.city, nuevo.title, nuevo.phone) == ("nuevo@x.es", "Bilbao", "CTO", "+34612345678")
    assert "bilbao" in nuevo.search_text
    imports.start_undo(session=session, ctx=team_a.rep_ctx, job_id=result.id, enqueue=False)
    session.commit()
    imports.run_undo(result.id, engine=engine)
    session.expire_all()
    assert [(m.id, m.city) for m in team_leads(session, team_a)] == [(existing.id, "Madrid")]
