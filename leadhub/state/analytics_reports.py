"""The report builder's and channel-cost form's state: thin adapters over the analytics services."""

from __future__ import annotations

from datetime import date
from typing import Any

import reflex as rx

from leadhub.components import charts
from leadhub.services.analytics import costs, reports
from leadhub.services.analytics.reports import ReportSpec
from leadhub.services.db import session_scope
from leadhub.services.display import money
from leadhub.services.outreach import CHANNELS, TYPE_LABELS, OutreachType
from leadhub.state.analytics import AnalyticsFilterState
from leadhub.state.session import NONE, SessionState, handles_errors

GROUP_KINDS_WITH_GRAIN = ("time", "date")


class ReportsState(AnalyticsFilterState):
    r_object: str = "leads"
    r_group1: str = "lead_source"
    r_grain1: str = "month"
    r_group2: str = NONE
    r_grain2: str = "month"
    r_measure: str = "count"
    r_measure_field: str = NONE
    r_date_field: str = "created_at"
    r_chart: str = "bar"
    group_options: list[list[str]] = []       # [key, label, kind]
    number_options: list[list[str]] = []
    date_options: list[list[str]] = []
    columns: list[str] = []
    rows: list[list[str]] = []
    figure: dict = {}
    _figure_lang: str = ""
    truncated: bool = False
    field_errors: dict[str, str] = {}
    saved: list[dict[str, str]] = []
    report_id: int = 0
    save_name: str = ""
    save_shared: bool = False
    currency_note: str = ""

    @rx.var
    def group1_has_grain(self) -> bool:
        return self._kind(self.r_group1) in GROUP_KINDS_WITH_GRAIN

    @rx.var
    def group2_has_grain(self) -> bool:
        return self._kind(self.r_group2) in GROUP_KINDS_WITH_GRAIN

    def _kind(self, key: str) -> str:
        return next((o[2] for o in self.group_options if o[0] == key), "")

    def _spec(self) -> ReportSpec:
        def group(key, grain):
            if key in ("", NONE):
                return ""
            return f"{key}:{grain}" if self._kind(key) in GROUP_KINDS_WITH_GRAIN else key

        return ReportSpec(
            object=self.r_object, group_by=tuple(g for g in (group(self.r_group1, self.r_grain1),
                                                             group(self.r_group2, self.r_grain2)) if g),
            measure=self.r_measure, measure_field="" if self.r_measure_field == NONE else self.r_measure_field,
            date_field=self.r_date_field, chart=self.r_chart,
            filters={"preset": self.preset, "date_from": self.date_from, "date_to": self.date_to,
                     "user_ids": [int(u) for u in self.sel_users], "types": [int(x) for x in self.sel_types],
                     "channels": list(self.sel_channels), "lead_sources": list(self.sel_sources),
                     "campaign_ids": [int(c) for c in self.sel_campaigns], "currency": self.currency,
                     "segment_id": self._segment_id()})

    def _load_fields(self, session, ctx) -> None:
        catalogue = reports.fields_for(session=session, ctx=ctx, obj=self.r_object)
        tr = self.tr
        self.group_options = [[f.key, tr(f.label), f.kind] for f in catalogue.values() if f.kind != "number"]
        self.number_options = [[f.key, tr(f.label)] for f in catalogue.values() if f.kind == "number"]
        self.date_options = [[f.key, tr(f.label)] for f in catalogue.values() if f.kind in GROUP_KINDS_WITH_GRAIN]

    def _load_saved(self, session, ctx) -> None:
        self.saved = [{"id": str(r.id), "name": r.name, "author": author, "shared": "1" if r.shared else "",
                       "mine": "1" if r.owner_id == ctx.user_id or ctx.is_admin else ""}
                      for r, author in reports.list_reports(session=session, ctx=ctx)]

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            self._load_options(session, ctx)
            self._load_fields(session, ctx)
            self._load_saved(session, ctx)
        return ReportsState.run

    @rx.event
    def relabel(self):
        """The language changed: run the report again so its chart and columns follow."""
        if self._figure_lang and self._figure_lang != self.lang:
            return ReportsState.run

    @rx.event
    @handles_errors
    def run(self):
        ctx = self._ctx()
        self.field_errors = {}
        with session_scope() as session:
            if not self.group_options:
                self._load_fields(session, ctx)
            flt = self._filter(session, ctx)
            result = reports.in_language(
                reports.run_report(session=session, ctx=ctx, spec=self._spec(), flt=flt), self.tr)
        tr = self.tr
        self.columns = result.columns
        self.rows = [[*(str(v) for v in row[:-1]), "" if row[-1] is None else f"{row[-1]:,.2f}".rstrip("0").rstrip(".")]
                     for row in result.frame.itertuples(index=False)]
        self.figure = charts.report_figure(result.frame, self.columns, result.spec.chart, tr)
        self._figure_lang = self.lang
        self.truncated = result.truncated
        self.currency_note = (f"{tr('Amounts in')} {result.currency}"
                              if self.r_object == "deals" and self.r_measure != "count" else "")

    @rx.event
    def set_object(self, value: str):
        if value not in reports.OBJECTS:
            return
        self.r_object = value
        self.r_group1 = {"leads": "lead_source", "outreach": "type", "contacts": "owner", "deals": "stage"}[value]
        self.r_group2, self.r_measure, self.r_measure_field = NONE, "count", NONE
        self.r_date_field = reports.DEFAULT_DATE_FIELD[value]
        self.group_options = []
        return ReportsState.reload_fields

    @rx.event
    @handles_errors
    def reload_fields(self):
        ctx = self._ctx()
        with session_scope() as session:
            self._load_fields(session, ctx)
        return ReportsState.run

    @rx.event
    def set_choice(self, name: str, value: str):
        if name in ("r_group1", "r_grain1", "r_group2", "r_grain2", "r_measure", "r_measure_field",
                    "r_date_field", "r_chart") and isinstance(value, str):
            setattr(self, name, value)
            if name == "r_measure" and value != "count" and self.r_measure_field == NONE and self.number_options:
                self.r_measure_field = self.number_options[0][0]
        return ReportsState.run

    @rx.event
    def set_save_name(self, value: str):
        self.save_name = value

    @rx.event
    def set_save_shared(self, value: bool):
        self.save_shared = bool(value)

    @rx.event
    @handles_errors
    def save(self):
        ctx = self._ctx()
        with session_scope() as session:
            report = reports.save_report(session=session, ctx=ctx, name=self.save_name, spec=self._spec(),
                                         shared=self.save_shared, report_id=self.report_id or None)
            self.report_id = report.id
            self._load_saved(session, ctx)
        return rx.toast.success(self.tr("Report saved."))

    @rx.event
    def new_report(self):
        self.report_id, self.save_name, self.save_shared = 0, "", False

    @rx.event
    @handles_errors
    def open_saved(self, report_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            report = reports.get_report(session=session, ctx=ctx, report_id=int(report_id))
            spec = ReportSpec.from_json(report.definition)
            self.report_id, self.save_name, self.save_shared = report.id, report.name, report.shared
        self.r_object, self.r_measure, self.r_chart = spec.object, spec.measure, spec.chart
        self.r_measure_field = spec.measure_field or NONE
        self.r_date_field = spec.date_field or reports.DEFAULT_DATE_FIELD[spec.object]
        groups = [*spec.group_by, ""][:2]
        (self.r_group1, _, grain1), (group2, _, grain2) = (g.partition(":") for g in groups)
        self.r_group2 = group2 or NONE
        self.r_grain1, self.r_grain2 = grain1 or "month", grain2 or "month"
        saved = spec.filters
        self.preset = saved.get("preset") or self.preset
        self.date_from, self.date_to = saved.get("date_from") or "", saved.get("date_to") or ""
        self.sel_users = [str(u) for u in saved.get("user_ids") or []]
        self.sel_types = [str(x) for x in saved.get("types") or []]
        self.sel_channels = list(saved.get("channels") or [])
        self.sel_sources = list(saved.get("lead_sources") or [])
        self.sel_campaigns = [str(c) for c in saved.get("campaign_ids") or []]
        self.segment = str(saved.get("segment_id") or NONE)
        self.currency = saved.get("currency") or self.currency
        return ReportsState.reload_fields

    @rx.event
    @handles_errors
    def delete_saved(self, report_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            reports.delete_report(session=session, ctx=ctx, report_id=int(report_id))
            self._load_saved(session, ctx)
        if self.report_id == int(report_id):
            self.report_id, self.save_name = 0, ""
        return rx.toast.success(self.tr("Report deleted."))

    @rx.event
    @handles_errors
    def export_csv(self):
        ctx = self._ctx()
        with session_scope() as session:
            flt = self._filter(session, ctx)
            result = reports.in_language(
                reports.run_report(session=session, ctx=ctx, spec=self._spec(), flt=flt), self.tr)
        name = (self.save_name or f"{self.r_object}-report").strip().replace(" ", "-").lower()
        return rx.download(data=reports.to_csv(result), filename=f"{name}.csv")

    @rx.event
    def export_png(self):
        """Plotly draws the PNG in the browser (its own "download plot" button)."""
        return rx.call_script(
            "document.querySelector('#report-chart .modebar-btn[data-title^=\"Download plot\"]')?.click()")


class CostsState(SessionState):
    """Channel costs per month: managers and admins record them for ROI."""

    allowed: bool = False
    year: int = 0
    rows: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    form_type: str = str(int(OutreachType.PLATFORM))
    form_key: int = 0
    default_month: str = ""

    @rx.var
    def channel_choices(self) -> list[str]:
        try:
            return [NONE, *CHANNELS.get(OutreachType(int(self.form_type)), ())]
        except ValueError:
            return [NONE]

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        self.allowed = ctx.is_manager
        if not self.allowed:
            self.rows = []
            return
        with session_scope() as session:
            if not self.year:
                from leadhub.services import teamtime
                from leadhub.services.models import Team

                today = teamtime.local_today(session.get(Team, ctx.team_id))
                self.year, self.default_month = today.year, f"{today:%Y-%m}"
            found = costs.list_costs(session=session, ctx=ctx, year=self.year)
        self.rows = [{"id": str(c.id), "month": f"{c.month:%Y-%m}", "type": self.tr(TYPE_LABELS[OutreachType(c.type)]),
                      "channel": c.channel or self.tr("All"), "amount": money(c.amount, c.currency),
                      "note": c.note} for c in found]

    @rx.event
    def set_year(self, step: int):
        self.year = max(2000, min(2100, self.year + int(step)))
        return CostsState.load

    @rx.event
    def set_form_type(self, value: str):
        self.form_type = value

    @rx.event
    @handles_errors
    def save(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        channel = form.get("channel") or ""
        with session_scope() as session:
            costs.set_cost(session=session, ctx=ctx, cost_in=costs.CostIn(
                month=form.get("month", ""), type=form.get("type", self.form_type),
                channel="" if channel == NONE else channel, amount=form.get("amount", ""),
                currency=form.get("currency", ""), note=form.get("note", "")))
        try:
            self.year = date.fromisoformat(str(form.get("month", ""))[:7] + "-01").year
        except ValueError:
            pass
        self.form_key += 1
        return [CostsState.load, rx.toast.success(self.tr("Cost saved."))]

    @rx.event
    @handles_errors
    def delete(self, cost_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            costs.delete_cost(session=session, ctx=ctx, cost_id=int(cost_id))
        return CostsState.load

