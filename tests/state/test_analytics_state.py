"""Analytics states call the services, keep only aggregated figures, and refuse what the
caller may not see."""

from __future__ import annotations

import json

import pytest

from leadhub.services import auth
from leadhub.services.analytics import costs
from leadhub.state.analytics import DashboardState
from leadhub.state.analytics_reports import CostsState, ReportsState
from tests.services import analytics_data
from tests.state.conftest import make_state


def _login(session, email, password):
    token, _ = auth.login(session=session, email=email, password=password)
    session.commit()
    return token


@pytest.fixture
def known(session, team_a, team_b):
    return analytics_data.build(session, team_a, team_b)


def _on_known_range(state):
    state.preset, state.date_from, state.date_to, state.grain = "custom", "2026-03-23", "2026-04-05", "week"


def test_dashboard_holds_figures_of_aggregates_and_drills_into_a_bar(app_database, session, team_a, known):
    state = make_state(DashboardState, _login(session, team_a.manager.email, "manager-pass-1"))
    _on_known_range(state)
    state.load()
    assert state.loaded and state.range_text == "23 Mar 2026 – 05 Apr 2026"
    volume = state.figures["volume_type"]
    assert sum(sum(trace["y"]) for trace in volume["data"]) == 7
    assert "template" not in volume["layout"]
    assert len(json.dumps(state.figures)) < 60_000          # small: aggregates only
    tiles = {k["key"]: k for k in state.kpis}
    assert tiles["new_leads"]["value"] == "3" and tiles["new_leads"]["change"].startswith("+50.0%")
    assert tiles["won_revenue"]["value"] == "1,300 EUR"
    assert state.notes and "500.00 USD" in state.notes[0]

    platform = next(i for i, trace in enumerate(volume["data"]) if trace["name"] == "Platform")
    week = volume["data"][platform]["x"].index("2026-03-23")
    state.open_drill("volume_type", [{"curveNumber": platform, "pointNumber": week, "x": "2026-03-23"}])
    assert state.drill_open and state.drill_total == volume["data"][platform]["y"][week] == 2
    assert {r["title"] for r in state.drill_rows} == {"Platform Upwork"}
    state.open_drill("volume_type", [{"curveNumber": 99, "pointNumber": 0}])   # forged: ignored
    assert state.drill_total == 2


def test_a_rep_sees_own_numbers_and_cannot_ask_for_another_reps(app_database, session, team_a, known):
    state = make_state(DashboardState, _login(session, team_a.rep2.email, "rep-pass-2"))
    _on_known_range(state)
    state.load()
    assert sum(sum(t["y"]) for t in state.figures["volume_type"]["data"]) == 2
    state.sel_users = [str(team_a.rep.id)]             # a forged filter
    state.figures = {}
    result = state.load()
    assert state.figures == {} and "toast" in repr(result).lower()


def test_segment_picker_narrows_every_chart_and_a_new_language_redraws_them(app_database, session, team_a,
                                                                           known):
    from leadhub.services import segments

    segment = segments.create_segment(session=session, ctx=team_a.manager_ctx, data={
        "name": "Formularios web", "entity": "lead",
        "conditions": [{"field": "lead_source", "operator": "equals", "value": "Web Form"}]})
    session.commit()
    state = make_state(DashboardState, _login(session, team_a.manager.email, "manager-pass-1"))
    _on_known_range(state)
    state.load()
    assert state.segment_options == [[str(segment.id), "Formularios web"]]
    state.set_segment(str(segment.id))
    state.load()
    assert sum(sum(t["y"]) for t in state.figures["volume_type"]["data"]) == 2      # o7 and o8
    assert {k["key"]: k["value"] for k in state.kpis}["new_leads"] == "2" and state.filter_count == 1
    state.set_segment("999999")                                                     # forged: ignored
    assert state.segment == str(segment.id)
    english = {t["name"] for t in state.figures["volume_type"]["data"]}
    assert state.relabel() is None                                                  # same language
    state.lang = "es"
    assert state.relabel() is not None                                              # reloads
    state.load()
    spanish = {t["name"] for t in state.figures["volume_type"]["data"]}
    assert "Platform" in english and "Platform" not in spanish and "Llamada" in spanish
    channels = state.figures["funnel"]["data"][0]["x"]          # the channel chart's categories
    assert channels == [row["label"] for row in state.funnel_rows]  # as its table names them
    assert "Redes sociales: LinkedIn" in channels and not any(c.startswith("Social") for c in channels)
    assert {row["status"] for row in state.campaign_rows} == {"Activa"}
    state.clear_filters()
    assert state.segment == "none" and state.filter_count == 0


def test_signed_out_browser_is_sent_to_login(app_database, session, team_a, known):
    state = make_state(DashboardState, "forged")
    assert "redirect" in repr(state.load()).lower() and state.figures == {}
    assert "redirect" in repr(state.open_kpi("new_leads")).lower() and state.drill_rows == []


def test_report_builder_runs_saves_and_exports(app_database, session, team_a, known):
    state = make_state(ReportsState, _login(session, team_a.manager.email, "manager-pass-1"))
    _on_known_range(state)
    state.load()
    state.run()
    assert state.columns == ["Lead source", "Count"] and state.rows == [["Web Form", "2"], ["Upwork", "1"]]
    state.set_object("outreach")
    state.reload_fields()
    state.set_choice("r_group1", "occurred_at")
    state.run()
    assert state.rows == [["2026-03-01", "6"], ["2026-04-01", "1"]]
    state.save_name, state.save_shared = "Outreach per month", True
    state.save()
    assert [r["name"] for r in state.saved] == ["Outreach per month"]
    download = state.export_csv()
    assert "download" in repr(download).lower()
    other = make_state(ReportsState, _login(session, team_a.rep.email, "rep-pass-1"))
    other.load()
    assert [r["name"] for r in other.saved] == ["Outreach per month"] and other.saved[0]["mine"] == ""


def test_costs_page_is_for_managers(app_database, session, team_a, known):
    rep = make_state(CostsState, _login(session, team_a.rep.email, "rep-pass-1"))
    rep.load()
    assert not rep.allowed and rep.rows == []
    result = rep.save({"month": "2026-05", "type": "1", "channel": "Upwork", "amount": "100"})
    assert "toast" in repr(result).lower()
    manager = make_state(CostsState, _login(session, team_a.manager.email, "manager-pass-1"))
    manager.load()
    manager.save({"month": "2026-05", "type": "1", "channel": "Upwork", "amount": "1.250,50", "currency": "EUR"})
    manager.load()
    assert manager.year == 2026
    assert any(r["month"] == "2026-05" and r["amount"] == "1,250.50 EUR" for r in manager.rows)
    assert len([c for c in costs.list_costs(session=session, ctx=team_a.manager_ctx, year=2026)
                if c.month.month == 5]) == 1


def test_every_analytics_text_has_spanish():
    """Section titles and hints, filter labels and chart labels too (the shared i18n test only
    sees t("…") calls on one line)."""
    import ast
    from pathlib import Path

    from leadhub.i18n import ES
    from leadhub.services.analytics import metrics, reports
    from leadhub.state import analytics as state_module

    root = Path(__file__).resolve().parents[2] / "leadhub"
    texts = set()
    calls = {"t": 1, "section": 2, "multi_select": 1, "labelled": 1, "text_field": 1, "page_title": 1, "control": 1}
    for path in [root / "pages" / "analytics.py", root / "pages" / "analytics_reports.py",
                 root / "components" / "analytics_filters.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in calls:
                for arg in node.args[:calls[node.func.id]]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        texts.add(arg.value)
            if isinstance(node, ast.Tuple) and len(node.elts) >= 2 and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts[:2]):
                texts.add(node.elts[1].value)       # (value, label) option pairs
    texts |= set(state_module.KPI_LABELS.values()) | set(state_module.CALL_OUTCOME_LABELS.values())
    texts |= set(state_module.BUCKET_LABELS.values()) | {b for b in metrics.AGE_BUCKETS if b != "never"}
    for obj in reports.OBJECTS:
        texts |= {f.label for f in reports._catalogue(obj).values()}
    texts -= {"CSV", "PNG"}
    missing = sorted(t for t in texts if t not in ES and not t.startswith(("/", "layout", "table", "coins")))
    assert missing == []


def test_report_redraws_in_a_new_language(app_database, session, team_a, known):
    state = make_state(ReportsState, _login(session, team_a.manager.email, "manager-pass-1"))
    _on_known_range(state)
    state.load()
    state.run()
    assert state.columns == ["Lead source", "Count"] and state.relabel() is None
    state.lang = "es"
    assert state.relabel() is not None
    state.run()
    assert state.columns[-1] != "Count" and state.relabel() is None
