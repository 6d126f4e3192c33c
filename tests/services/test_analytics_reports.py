"""The report builder and saved reports, on the known analytics data set."""

from __future__ import annotations

import pytest

from leadhub.services.analytics import reports
from leadhub.services.analytics.reports import ReportSpec
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from tests.services import analytics_data
from tests.services.analytics_data import known_filter


@pytest.fixture
def known(session, team_a, team_b):
    return analytics_data.build(session, team_a, team_b)


def run(session, ctx, **spec):
    result = reports.run_report(session=session, ctx=ctx, spec=ReportSpec(**spec), flt=known_filter())
    return result, [tuple(row) for row in result.frame.itertuples(index=False)]


def test_count_of_leads_by_source_and_status(session, team_a, known):
    result, rows = run(session, team_a.manager_ctx, object="leads", group_by=("lead_source",))
    assert rows == [("Web Form", 2.0), ("Upwork", 1.0)]
    assert result.columns == ["Lead source", "Count"]
    _, rows = run(session, team_a.manager_ctx, object="leads", group_by=("lead_source", "status"))
    assert sorted(rows) == [("Upwork", "New", 1.0), ("Web Form", "Converted", 1.0), ("Web Form", "Qualified", 1.0)]


def test_outreach_by_week_and_type_in_the_teams_time_zone(session, team_a, known):
    _, rows = run(session, team_a.manager_ctx, object="outreach", group_by=("occurred_at:week", "type"))
    assert sorted(rows) == [("2026-03-23", "Call", 1.0), ("2026-03-23", "E-mail", 1.0),
                            ("2026-03-23", "Platform", 2.0), ("2026-03-23", "Social", 1.0),
                            ("2026-03-30", "Call", 1.0), ("2026-03-30", "Platform", 1.0)]
    _, rows = run(session, team_a.manager_ctx, object="outreach", group_by=("user",))
    assert rows == [("Raúl Rep", 5.0), ("Rosa Rep", 2.0)]


def test_sum_and_average_of_deal_amounts_stay_in_one_currency(session, team_a, known):
    result, rows = run(session, team_a.manager_ctx, object="deals", group_by=("stage",), measure="sum",
                       measure_field="amount", date_field="close_date")
    assert rows == [("Closed Won", 1300.0)] and result.currency == "EUR"      # d2 (USD) left out
    assert result.columns == ["Stage", "Sum of Amount"]
    _, rows = run(session, team_a.manager_ctx, object="deals", group_by=("owner",), measure="avg",
                  measure_field="amount")
    assert sorted(rows) == [("Raúl Rep", 1000.0), ("Rosa Rep", 1150.0)]      # d1 | d3 2000, d4 300
    _, rows = run(session, team_a.manager_ctx, object="deals", group_by=("close_date:month", "currency"))
    assert sorted(rows) == [("2026-04-01", "EUR", 2.0), ("2026-04-01", "USD", 1.0), ("—", "EUR", 1.0)]


def test_contacts_by_last_touch_month(session, team_a, known):
    _, rows = run(session, team_a.manager_ctx, object="contacts", group_by=("owner",))
    assert sorted(rows) == [("Raúl Rep", 2.0), ("Rosa Rep", 1.0)]            # c1 and c2, c3 made in range


def test_custom_fields_group_like_standard_ones(session, team_a, known):
    custom_fields = pytest.importorskip("leadhub.services.custom_fields")
    from leadhub.services.models import Lead

    spec = custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Tier", type="picklist",
                                      options=["Gold", "Silver"])
    for lead_key, tier in (("L1", "Gold"), ("L2", "Gold"), ("L3", "Silver")):
        lead = session.get(Lead, known[lead_key])
        lead.custom_fields = {spec.key: tier}
        session.add(lead)
    session.commit()
    fields = reports.fields_for(session=session, ctx=team_a.manager_ctx, obj="leads")
    assert fields[f"cf.{spec.key}"].label == "Tier"
    _, rows = run(session, team_a.manager_ctx, object="leads", group_by=(f"cf.{spec.key}",))
    assert rows == [("Gold", 2.0), ("Silver", 1.0)]


def test_stored_codes_read_as_labels_and_product_words_in_the_users_language(session, team_a, known):
    from leadhub.i18n import translate

    result, rows = run(session, team_a.manager_ctx, object="outreach", group_by=("call_outcome",))
    assert rows == [("—", 5.0), ("Connected", 1.0), ("No answer", 1.0)]          # not "no_answer"
    _, rows = run(session, team_a.manager_ctx, object="outreach", group_by=("response_status",))
    assert ("Awaiting", 2.0) in rows and ("Bounced", 1.0) in rows

    spanish = reports.in_language(result, lambda text: translate(text, "es"))
    assert spanish.columns == ["Resultado de la llamada", "Cantidad"]
    assert [tuple(r) for r in spanish.frame.itertuples(index=False)] == [
        ("—", 5.0), ("Conectada", 1.0), ("No contestó", 1.0)]
    assert reports.to_csv(spanish).splitlines()[-1] == "No contestó,1.0"
    assert result.frame["g0"].tolist() == ["—", "Connected", "No answer"]         # the result is left as it was

    result, _ = run(session, team_a.manager_ctx, object="leads", group_by=("lead_source", "status"),
                    measure="avg", measure_field="score")
    spanish = reports.in_language(result, lambda text: translate(text, "es"))
    assert spanish.columns == ["Origen", "Estado", "Media de Puntuación"]
    assert {(a, b) for a, b, _ in spanish.frame.itertuples(index=False)} == {   # sources are the team's picklist
        ("Web Form", "Calificado"), ("Web Form", "Convertido"), ("Upwork", "Nuevo")}


def test_bad_definitions_are_refused_at_the_field(session, team_a, known):
    for spec, key in ((dict(object="users", group_by=("x",)), "object"),
                      (dict(object="leads", group_by=()), "group_by"),
                      (dict(object="leads", group_by=("password_hash",)), "group_by_0"),
                      (dict(object="leads", group_by=("created_at",)), "group_by_0"),
                      (dict(object="leads", group_by=("status",), measure="sum", measure_field="status"),
                       "measure_field"),
                      (dict(object="leads", group_by=("status", "status")), "group_by_1")):
        with pytest.raises(ValidationFailed) as error:
            reports.run_report(session=session, ctx=team_a.manager_ctx, spec=ReportSpec(**spec),
                               flt=known_filter())
        assert key in error.value.field_errors, spec


def test_csv_export(session, team_a, known):
    result, _ = run(session, team_a.manager_ctx, object="deals", group_by=("stage",), measure="avg",
                    measure_field="amount", date_field="close_date")
    assert reports.to_csv(result).splitlines() == ["Stage,Average of Amount", "Closed Won,650.0"]


def test_saved_reports_are_shared_within_the_team_only(session, team_a, team_b, known):
    spec = ReportSpec(object="leads", group_by=("status",), filters={"preset": "last_30_days"})
    private = reports.save_report(session=session, ctx=team_a.manager_ctx, name="Mine", spec=spec)
    shared = reports.save_report(session=session, ctx=team_a.manager_ctx, name="Team view", spec=spec,
                                 shared=True)
    session.commit()
    assert [r.name for r, _ in reports.list_reports(session=session, ctx=team_a.manager_ctx)] == ["Mine", "Team view"]
    assert [(r.name, author) for r, author in reports.list_reports(session=session, ctx=team_a.rep_ctx)] == [
        ("Team view", "Marta Manager")]
    assert reports.list_reports(session=session, ctx=team_b.manager_ctx) == []
    with pytest.raises(NotFound):
        reports.get_report(session=session, ctx=team_a.rep_ctx, report_id=private.id)
    with pytest.raises(NotFound):
        reports.get_report(session=session, ctx=team_b.admin_ctx, report_id=shared.id)
    with pytest.raises(PermissionDenied):
        reports.save_report(session=session, ctx=team_a.rep_ctx, name="Hijack", spec=spec, report_id=shared.id)
    with pytest.raises(PermissionDenied):
        reports.delete_report(session=session, ctx=team_a.rep_ctx, report_id=shared.id)
    loaded = ReportSpec.from_json(reports.get_report(session=session, ctx=team_a.rep_ctx,
                                                     report_id=shared.id).definition)
    assert loaded.group_by == ("status",) and loaded.date_field == "created_at"
    reports.delete_report(session=session, ctx=team_a.admin_ctx, report_id=shared.id)
    session.commit()
    assert reports.list_reports(session=session, ctx=team_a.rep_ctx) == []


def test_a_shared_report_shows_a_rep_only_their_own_records(session, team_a, known):
    _, rows = run(session, team_a.rep2_ctx, object="outreach", group_by=("user",))
    assert rows == [("Rosa Rep", 2.0)]
