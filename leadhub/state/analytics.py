"""Analytics pages' state: the shared filter bar, the dashboard's figures and the drill-down
list. Figures are built from aggregated frames only; the browser never receives raw rows
beyond one page of a drill-down list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import reflex as rx

from leadhub.components import charts
from leadhub.services import segments
from leadhub.services.analytics import drilldown, metrics
from leadhub.services.analytics.filters import DEFAULT_PRESET, GRAINS, PRESETS, make_filter, team_members
from leadhub.services.db import session_scope
from leadhub.services.display import local_time, money
from leadhub.services.errors import ValidationFailed
from leadhub.services.models import Campaign, Deal, LEAD_SOURCES, OutreachType, Team
from leadhub.services.outreach import CALL_OUTCOME_LABELS, CHANNELS, TYPE_LABELS
from leadhub.state.session import NONE, SessionState, handles_errors
from sqlmodel import select

DRILL_PAGE_SIZE = 15
CHOICE_LISTS = ("sel_users", "sel_types", "sel_channels", "sel_sources", "sel_campaigns")
KPI_LABELS = {"new_leads": "New leads", "conversion_rate": "Conversion rate", "pipeline": "Pipeline value",
              "won_revenue": "Won revenue", "going_cold": "Going cold"}
ALL_CHANNELS = sorted({c for names in CHANNELS.values() for c in names if c != "Other"})
BUCKET_LABELS = {"never": "Never", "overdue": "Overdue", "today": "Due today", "next 7 days": "Next 7 days",
                 "later": "Later"}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} d"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} d"


class AnalyticsFilterState(SessionState):
    """The filter bar every analytics page shares (kept while moving between them)."""

    preset: str = DEFAULT_PRESET
    date_from: str = ""
    date_to: str = ""
    grain: str = "week"
    sel_users: list[str] = []
    sel_types: list[str] = []
    sel_channels: list[str] = []
    sel_sources: list[str] = []
    sel_campaigns: list[str] = []
    currency: str = ""
    segment: str = NONE            # a lead segment's id, or NONE
    segment_options: list[list[str]] = []
    range_text: str = ""
    member_options: list[list[str]] = []
    campaign_options: list[list[str]] = []
    currency_options: list[str] = []
    filter_errors: dict[str, str] = {}

    @rx.var
    def filter_count(self) -> int:
        return (len(self.sel_users) + len(self.sel_types) + len(self.sel_channels) + len(self.sel_sources)
                + len(self.sel_campaigns) + (self.segment != NONE))

    def _segment_id(self) -> int | None:
        return None if self.segment in ("", NONE) else int(self.segment)

    def _filter(self, session, ctx):
        team = session.get(Team, ctx.team_id)
        try:
            flt = make_filter(
                team=team, preset=self.preset, date_from=self.date_from, date_to=self.date_to,
                grain=self.grain, currency=self.currency,
                user_ids=tuple(int(u) for u in self.sel_users), types=tuple(int(t) for t in self.sel_types),
                channels=tuple(self.sel_channels), lead_sources=tuple(self.sel_sources),
                campaign_ids=tuple(int(c) for c in self.sel_campaigns), segment_id=self._segment_id())
        except ValidationFailed as exc:
            self.filter_errors = {k: self.tr(v) for k, v in exc.field_errors.items()}
            raise
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(field_errors={"filters": "Choose values from the lists."}) from exc
        self.filter_errors = {}
        self.date_from, self.date_to = flt.date_from.isoformat(), flt.date_to.isoformat()
        self.range_text = f"{flt.date_from:%d %b %Y} – {flt.date_to:%d %b %Y}"
        return flt

    def _load_options(self, session, ctx) -> None:
        self.segment_options = [[str(s.id), s.name] for s in
                                segments.list_segments(session=session, ctx=ctx, entity="lead")]
        if self.segment != NONE and self.segment not in {o[0] for o in self.segment_options}:
            self.segment = NONE        # deleted or no longer shared
        if self.member_options and self.currency_options:
            return
        self.member_options = [[str(uid), name] for uid, name in team_members(session=session, ctx=ctx)]
        self.campaign_options = [[str(cid), name] for cid, name in session.exec(
            select(Campaign.id, Campaign.name).where(Campaign.team_id == ctx.team_id)
            .order_by(Campaign.name).limit(200)).all()]
        team = session.get(Team, ctx.team_id)
        seen = session.exec(select(Deal.currency).where(Deal.team_id == ctx.team_id).distinct().limit(20)).all()
        self.currency_options = [team.currency] + sorted({c for c in seen if c and c != team.currency})
        if not self.currency:
            self.currency = team.currency

    @rx.event
    def set_preset(self, value: str):
        if value in PRESETS:
            self.preset = value

    @rx.event
    def set_grain(self, value: str | list[str]):
        if isinstance(value, str) and value in GRAINS:
            self.grain = value

    @rx.event
    def set_currency(self, value: str):
        if value in self.currency_options:
            self.currency = value

    @rx.event
    def set_segment(self, value: str):
        if value == NONE or value in {o[0] for o in self.segment_options}:
            self.segment = value

    @rx.event
    def set_custom_range(self, form: dict[str, Any]):
        self.preset = "custom"
        self.date_from, self.date_to = str(form.get("date_from", "")), str(form.get("date_to", ""))

    @rx.event
    def toggle_choice(self, name: str, value: str):
        if name not in CHOICE_LISTS:
            return
        current = list(getattr(self, name))
        setattr(self, name, [v for v in current if v != value] if value in current else [*current, value])

    @rx.event
    def clear_filters(self):
        for name in CHOICE_LISTS:
            setattr(self, name, [])
        self.preset, self.filter_errors, self.segment = DEFAULT_PRESET, {}, NONE


class DashboardState(AnalyticsFilterState):
    """The dashboard: KPI tiles, figures and small tables of exact numbers."""

    figures: dict[str, dict] = {}
    kpis: list[dict[str, str]] = []
    funnel_rows: list[dict[str, str]] = []
    source_rows: list[dict[str, str]] = []
    rep_rows: list[dict[str, str]] = []
    roi_rows: list[dict[str, str]] = []
    campaign_rows: list[dict[str, str]] = []
    notes: list[str] = []
    rates_by: str = "type"
    forms_ready: bool = False
    form_rows: list[dict[str, str]] = []
    loaded: bool = False
    load_ms: int = 0
    _figures_lang: str = ""
    _drills: dict[str, dict] = {}

    drill_open: bool = False
    drill_title: str = ""
    drill_rows: list[dict[str, str]] = []
    drill_total: int = 0
    drill_page: int = 1
    drill_pages: int = 1
    _drill_spec: dict = {}

    @rx.event
    @handles_errors
    def load(self):
        started = datetime.now()
        ctx = self._ctx()
        with session_scope() as session:
            self._load_options(session, ctx)
            flt = self._filter(session, ctx)
            result = metrics.dashboard(session=session, ctx=ctx, flt=flt)
        self._show(result)
        self._figures_lang = self.lang
        self.loaded = True
        self.load_ms = int((datetime.now() - started).total_seconds() * 1000)

    @rx.event
    @handles_errors
    def relabel(self):
        """The language changed (pages/analytics.py watches it): draw the charts again in
        it. Titles, axes, legends and tables are built in the user's language on the server."""
        if self.loaded and self._figures_lang != self.lang:
            return DashboardState.load

    @rx.event
    def set_rates_by(self, value: str | list[str]):
        if isinstance(value, str) and value in ("type", "channel", "rep"):
            self.rates_by = value

    def _channel(self, kind: int, channel: str) -> str:
        label = self.tr(metrics.type_label(kind))
        return f"{label}: {channel}" if channel else label

    def _show(self, result: metrics.Dashboard) -> None:
        tr, currency = self.tr, result.scope.currency
        figures, drills = {}, {}

        def put(name, built):
            figures[name], drills[name] = built[0], built[1].to_json()

        volume = result.volume
        put("volume_type", charts.volume_by(volume.by_type, "type", "label", volume.grain, tr))
        put("volume_rep", charts.volume_by(volume.by_rep, "user_id", "name", volume.grain, tr))

        funnel = result.funnel
        channels = [self._channel(k, c) for k, c in zip(funnel["type"], funnel["channel"])]
        put("funnel", charts.funnel_figure(funnel, channels, tr))
        self.funnel_rows = [{
            "label": label, "outreach": f"{r['outreach']:,}", "contacts": f"{r['contacts']:,}",
            "deals": f"{r['deals']:,}", "won": f"{r['won']:,}", "revenue": money(r["revenue"], currency),
            "contact_rate": _percent(r["contact_rate"]), "deal_rate": _percent(r["deal_rate"]),
            "win_rate": _percent(r["win_rate"]), "to_contact": _hours(r["hours_to_contact"]),
            "to_deal": _days(r["days_to_deal"]), "to_won": _days(r["days_to_won"]),
        } for label, r in zip(channels, funnel.to_dict("records"))]

        sources = result.sources
        put("sources", charts.grouped_counts(
            sources.table, "lead_source",
            [("leads", "Leads", {}), ("qualified", "Qualified", {"stage": "qualified"}),
             ("converted", "Converted", {"stage": "converted"})], tr,
            base={"object": "leads"}, point_key="lead_source", points=list(sources.table["lead_source"]),
            translate_categories=True))
        put("status_by_source", charts.stacked_status(sources.by_status, metrics.STATUSES, tr))
        self.source_rows = [{
            "source": tr(r["lead_source"]) or tr("(none)"), "leads": f"{r['leads']:,}",
            "qualified": f"{r['qualified']:,}", "converted": f"{r['converted']:,}",
            "rate": _percent(r["conversion_rate"]), "won": f"{r['won']:,}",
            "revenue": money(r["revenue"], currency),
        } for r in sources.table.to_dict("records")]

        reps = result.reps
        users = [int(u) for u in reps["user_id"]]
        put("reps", charts.grouped_counts(
            reps, "name", [("outreach", "Outreach", {"object": "outreach"}),
                           ("leads_touched", "Leads touched", {"object": "leads", "basis": "touched"}),
                           ("conversions", "Conversions", {"object": "leads", "basis": "converted"}),
                           ("won", "Won deals", {"object": "deals", "basis": "won"})], tr,
            base={}, point_key="user_id", points=users, horizontal=True))
        self.rep_rows = [{
            "name": r["name"], "outreach": f"{r['outreach']:,}", "touched": f"{r['leads_touched']:,}",
            "conversions": f"{r['conversions']:,}", "won": f"{r['won']:,}",
            "revenue": money(r["revenue"], currency), "first_touch": _hours(r["first_touch_hours"]),
        } for r in reps.to_dict("records")]

        roi = result.roi
        put("roi", charts.money_bars(
            roi, "label", [("revenue", "Won revenue", {"object": "deals", "basis": "roi"}),
                           ("cost", "Cost", None)], currency, tr,
            base={}, point_key="_channel", labels=[self._channel(k, c) for k, c in zip(roi["type"], roi["channel"])],
            points=[{"type": int(t), "channel": c} for t, c in zip(roi["type"], roi["channel"])]))
        self.roi_rows = [{
            "label": self._channel(r["type"], r["channel"]), "won": f"{r['won']:,}",
            "revenue": money(r["revenue"], currency),
            "cost": money(r["cost"], currency), "net": money(r["net"], currency),
            "roi": "—" if r["roi"] is None else f"{r['roi']:.2f}×",
        } for r in roi.to_dict("records")]

        campaigns = result.campaigns
        put("campaigns", charts.grouped_counts(
            campaigns, "name", [("leads", "Leads", {}), ("qualified", "Qualified", {"stage": "qualified"}),
                                ("converted", "Converted", {"stage": "converted"})], tr,
            base={"object": "leads", "basis": "campaign"}, point_key="campaign_id",
            points=[int(c) for c in campaigns["campaign_id"]] if len(campaigns) else []))
        team_currency = self.team_currency
        self.campaign_rows = [{
            "name": r["name"], "status": tr(r["status"]), "leads": f"{r['leads']:,}",
            "qualified": f"{r['qualified']:,}", "converted": f"{r['converted']:,}", "won": f"{r['won']:,}",
            "revenue": money(r["revenue"], currency), "budget": money(r["budget"], team_currency),
            "cost": money(r["actual_cost"], team_currency),
            "roi": "—" if r["roi"] is None else f"{r['roi']:.2f}×",
        } for r in campaigns.to_dict("records")]

        rates = result.responses
        put("rates_type", charts.rate_bars(
            rates.by_type, [tr(v) for v in rates.by_type["label"]], tr, base={"object": "outreach"},
            point_key="type", points=[int(x) for x in rates.by_type["type"]]))
        put("rates_channel", charts.rate_bars(
            rates.by_channel, [self._channel(k, c) for k, c in zip(rates.by_channel["type"], rates.by_channel["channel"])],
            tr, base={"object": "outreach"}, point_key="_channel",
            points=[{"type": int(k), "channel": c} for k, c in zip(rates.by_channel["type"], rates.by_channel["channel"])]))
        put("rates_rep", charts.rate_bars(rates.by_rep, list(rates.by_rep["name"]), tr, base={"object": "outreach"},
                                          point_key="user_id", points=[int(u) for u in rates.by_rep["user_id"]]))
        put("outcomes", charts.outcome_bars(rates.call_outcomes,
                                            CALL_OUTCOME_LABELS, tr))

        health = result.health
        put("health_age", charts.bucket_bars(health.last_touch, tr, base={"object": "contacts", "basis": "age"},
                                             colour=charts.PALETTE[2], labels=BUCKET_LABELS))
        put("health_touches", charts.bucket_bars(health.touches, tr,
                                                 base={"object": "contacts", "basis": "touches"},
                                                 colour=charts.PALETTE[1]))
        put("health_due", charts.bucket_bars(health.followups, tr, base={"object": "tasks"},
                                             colour=charts.PALETTE[3], labels=BUCKET_LABELS))

        self.figures, self._drills = figures, drills
        self.kpis = [self._kpi(k, currency) for k in result.kpis]
        form_rows = result.forms.rows if result.forms is not None else []
        self.forms_ready = bool(form_rows)
        if form_rows:
            put("forms", charts.form_funnel(form_rows, tr))
        self.form_rows = [{
            "name": r["name"], "views": f"{r['views']:,}", "submissions": f"{r['submissions']:,}",
            "rate": _percent(r["submissions"] / r["views"] if r["views"] else None),
            "qualified": f"{r['qualified']:,}", "converted": f"{r['converted']:,}",
        } for r in form_rows]
        self.notes = [f"{tr('Won revenue in other currencies, not included above:')} "
                      + ", ".join(money(v, c) for c, v in sorted(result.other_currencies.items()))
                      ] if result.other_currencies else []

    def _kpi(self, kpi: metrics.Kpi, currency: str) -> dict[str, str]:
        if kpi.is_money:
            value = f"{kpi.value or 0:,.0f} {currency}"
        elif kpi.is_rate:
            value = _percent(kpi.value)
        else:
            value = f"{int(kpi.value or 0):,}"
        change = kpi.change
        if kpi.key == "going_cold":
            trend, text = "none", self.tr("now")
        elif change is None:
            trend, text = "none", self.tr("no previous data") if not kpi.previous else "—"
        else:
            trend = "up" if change > 0 else "down" if change < 0 else "flat"
            text = f"{change * 100:+.1f}% {self.tr('vs previous period')}"
        return {"key": kpi.key, "label": self.tr(KPI_LABELS[kpi.key]), "value": value, "change": text,
                "trend": trend, "drill": "1" if kpi.key != "going_cold" else ""}

    # --- drill-down -------------------------------------------------------------------------

    @rx.event
    @handles_errors
    def open_drill(self, chart: str, points: list[dict]):
        """A click on a chart: the records behind the clicked bar or segment."""
        if chart not in self._drills or not points:
            return
        point = points[0]
        try:
            curve, index = int(point.get("curveNumber", 0)), int(point.get("pointNumber", point.get("pointIndex")))
        except (TypeError, ValueError):
            return
        spec = charts.Drill.from_json(self._drills[chart]).spec(curve, index)
        if spec is None:
            return
        label = point.get("y") if chart == "reps" else point.get("x")
        traces = self.figures.get(chart, {}).get("data", [])
        series = traces[curve].get("name", "") if 0 <= curve < len(traces) and len(traces) > 1 else ""
        self._drill_spec, self.drill_page = spec, 1
        self.drill_title = " · ".join(str(p) for p in (series, label) if p not in (None, ""))
        return self._load_drill()

    @rx.event
    @handles_errors
    def open_kpi(self, key: str):
        spec = {"new_leads": {"object": "leads"}, "conversion_rate": {"object": "leads", "stage": "converted"},
                "pipeline": {"object": "deals", "basis": "pipeline"},
                "won_revenue": {"object": "deals", "basis": "won"}}.get(key)
        if spec is None:
            return
        self._drill_spec, self.drill_page = spec, 1
        self.drill_title = self.tr(KPI_LABELS[key])
        return self._load_drill()

    @rx.event
    @handles_errors
    def drill_go(self, page: int):
        self.drill_page = max(1, min(int(page), self.drill_pages))
        return self._load_drill()

    @rx.event
    def set_drill_open(self, is_open: bool):
        self.drill_open = is_open

    def _load_drill(self):
        ctx = self._ctx()
        with session_scope() as session:
            flt = self._filter(session, ctx)
            page = drilldown.drilldown(session=session, ctx=ctx, flt=flt, spec=self._drill_spec,
                                       page=self.drill_page, page_size=DRILL_PAGE_SIZE)
        tz = self.team_timezone
        self.drill_rows = [{
            "kind": r.kind, "id": str(r.id), "title": r.title or "—", "detail": r.detail or "",
            "href": {"leads": f"/leads/{r.id}", "contacts": f"/contacts/{r.id}"}.get(r.kind, ""),
            "when": (local_time(r.when, tz) if isinstance(r.when, datetime)
                     else r.when.isoformat() if isinstance(r.when, date) else ""),
            "status": self.tr(r.status) if r.status else "", "owner": r.owner,
            "amount": money(r.amount, r.currency or self.team_currency) if r.amount is not None else "",
        } for r in page.items]
        self.drill_total, self.drill_page, self.drill_pages = page.total, page.page, page.pages
        self.drill_open = True


def type_options() -> list[list[str]]:
    return [[str(int(t)), TYPE_LABELS[t]] for t in OutreachType]


def source_options() -> list[str]:
    return list(LEAD_SOURCES)
