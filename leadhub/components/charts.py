"""Plotly charts of the analytics pages: figures built on the server from small aggregated
frames, as plain dicts (no plotly template inside: the component brings its own), and the
click map that turns a clicked bar back into a drill-down spec.

Every bar chart draws all its traces over one shared list of categories, so a click's
(curveNumber, pointNumber) names the segment: `Drill.spec(curve, point)` is the chart's base
spec plus the trace's key plus the category's key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from plotly.graph_objects import Figure
from plotly.graph_objs.layout import Template

PALETTE = ["#3E63DD", "#12A594", "#E54D2E", "#F76B15", "#8E4EC6", "#FFC53D", "#0090FF", "#D6409F",
           "#46A758", "#978365", "#5B5BD6", "#AB4ABA"]
STEP_COLOURS = {"outreach": "#3E63DD", "contacts": "#12A594", "deals": "#F76B15", "won": "#46A758",
                "leads": "#3E63DD", "qualified": "#12A594", "converted": "#46A758", "revenue": "#46A758",
                "cost": "#E54D2E"}
Tr = Callable[[str], str]


@dataclass
class Drill:
    """How a click on one chart becomes a drill-down spec (kept server-side, small)."""

    base: dict[str, Any]
    curve_key: str = ""
    curves: list[Any] = field(default_factory=list)
    point_key: str = ""
    points: list[Any] = field(default_factory=list)
    curve_specs: list[dict] | None = None     # when traces differ by more than one key

    def spec(self, curve: int, point: int) -> dict[str, Any] | None:
        result = dict(self.base)
        if self.curve_specs is not None:
            if not 0 <= curve < len(self.curve_specs) or self.curve_specs[curve] is None:
                return None
            result.update(self.curve_specs[curve])
        elif self.curve_key:
            if not 0 <= curve < len(self.curves):
                return None
            result[self.curve_key] = self.curves[curve]
        if self.point_key:
            if not 0 <= point < len(self.points):
                return None
            value = self.points[point]
            if value is None:
                return None
            if isinstance(value, dict):
                result.update(value)
            else:
                result[self.point_key] = value
        return result

    def to_json(self) -> dict:
        return {"base": self.base, "curve_key": self.curve_key, "curves": self.curves,
                "point_key": self.point_key, "points": self.points, "curve_specs": self.curve_specs}

    @classmethod
    def from_json(cls, data: dict) -> Drill:
        return cls(**data)


def _layout(*, barmode: str = "group", height: int = 300, y_title: str = "", percent: bool = False,
            horizontal: bool = False, log: bool = False, money: str = "") -> dict:
    value_axis = {"title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#e5e7eb",
                  "tickformat": ".0%" if percent else (",~s" if money else ",d" if not log else ""),
                  "type": "log" if log else "linear", "automargin": True}
    category_axis = {"automargin": True, "type": "category"}
    return {
        "barmode": barmode, "height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        # above the plot: below it, a horizontal legend overlaps long rotated category labels
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "xaxis": value_axis if horizontal else category_axis,
        "yaxis": category_axis if horizontal else value_axis,
        "hovermode": "closest", "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"size": 12},
    }


def _bar(name: str, x: list, y: list, colour: str, hover: str, horizontal: bool = False) -> dict:
    trace = {"type": "bar", "name": name, "marker": {"color": colour}, "hovertemplate": hover}
    if horizontal:
        trace.update(orientation="h", x=y, y=x)
    else:
        trace.update(x=x, y=y)
    return trace


def empty_figure() -> dict:
    return finish({"data": [], "layout": _layout()})


def finish(figure: dict, *, counts: bool = True) -> dict:
    """Whole-number ticks when counts are small, and a note instead of an empty grid."""
    layout = figure["layout"]
    values = [v for trace in figure["data"]
              for v in (trace.get("x") if trace.get("orientation") == "h" or trace.get("type") == "funnel"
                        else trace.get("y") or trace.get("values") or [])
              if isinstance(v, (int, float))]
    axis = layout.get("xaxis" if any(t.get("orientation") == "h" for t in figure["data"]) else "yaxis", {})
    if layout.get("barmode") == "stack" and figure["data"]:
        values = [sum(column) for column in zip(*[t.get("y") or [] for t in figure["data"]])] or values
    if counts and values and max(values) < 6 and axis.get("type") != "log" and axis.get("tickformat") != ".0%":
        axis.update(dtick=1, tickformat="d")
    if axis.get("type") == "log":
        axis.update(dtick=1, tickformat="")
    if not values or not any(values):
        layout["annotations"] = [{"text": "—", "showarrow": False, "xref": "paper", "yref": "paper",
                                  "x": 0.5, "y": 0.5, "font": {"size": 28, "color": "#9ca3af"}}]
    return figure


# --- Figures ----------------------------------------------------------------------------------

def volume_by(frame, key: str, label_column: str, grain: str, tr: Tr) -> tuple[dict, Drill]:
    """Stacked bars of outreach per bucket, one trace per type (or rep)."""
    buckets = sorted({str(b) for b in frame["bucket"]})
    keys = list(dict.fromkeys(frame[key]))
    traces = []
    for i, k in enumerate(keys):
        part = frame[frame[key] == k].sort_values("bucket")
        name = tr(str(part[label_column].iloc[0])) if len(part) else str(k)
        traces.append(_bar(name, [str(b) for b in part["bucket"]], [int(v) for v in part["count"]],
                           PALETTE[i % len(PALETTE)], "<b>%{x}</b><br>%{fullData.name}: %{y:,}<extra></extra>"))
    layout = _layout(barmode="stack")
    layout["xaxis"]["type"] = "category"
    layout["xaxis"]["nticks"] = 16
    return finish({"data": traces, "layout": layout}), Drill(
        base={"object": "outreach", "grain": grain}, curve_key=key, curves=[int(k) for k in keys],
        point_key="bucket", points=buckets)


def funnel_figure(frame, labels: list[str], tr: Tr) -> tuple[dict, Drill]:
    """Grouped bars per channel (`labels`, in the user's language): outreach, contacts, deals,
    won (log scale: they differ a lot)."""
    steps = [("outreach", "Outreach", {"object": "outreach"}),
             ("contacts", "Contacts", {"object": "contacts", "basis": "funnel"}),
             ("deals", "Deals", {"object": "deals", "basis": "funnel"}),
             ("won", "Won", {"object": "deals", "basis": "funnel", "won": True})]
    traces = [_bar(tr(title), labels, [int(v) for v in frame[column]], STEP_COLOURS[column],
                   "<b>%{x}</b><br>%{fullData.name}: %{y:,}<extra></extra>")
              for column, title, _ in steps]
    points = [{"type": int(t), "channel": c} for t, c in zip(frame["type"], frame["channel"])]
    return finish({"data": traces, "layout": _layout(log=True)}), Drill(
        base={}, curve_specs=[spec for _, _, spec in steps], point_key="_channel", points=points)


def grouped_counts(frame, category: str, columns: list[tuple[str, str, dict]], tr: Tr, *,
                   base: dict, point_key: str, points: list, translate_categories: bool = False,
                   horizontal: bool = False) -> tuple[dict, Drill]:
    """Grouped bars of several count columns per category (sources, campaigns, reps)."""
    categories = [str(c) for c in frame[category]]
    shown = [tr(c) if translate_categories else c for c in categories]
    shown = [s or tr("(none)") for s in shown]
    traces = [_bar(tr(title), shown, [int(v) for v in frame[column]], STEP_COLOURS.get(column, PALETTE[i]),
                   ("<b>%{y}</b><br>%{fullData.name}: %{x:,}<extra></extra>" if horizontal else
                    "<b>%{x}</b><br>%{fullData.name}: %{y:,}<extra></extra>"), horizontal=horizontal)
              for i, (column, title, _) in enumerate(columns)]
    layout = _layout(horizontal=horizontal, height=max(300, 28 * len(categories) + 80) if horizontal else 300)
    return finish({"data": traces, "layout": layout}), Drill(
        base=base, curve_specs=[spec for _, _, spec in columns], point_key=point_key, points=points)


def stacked_status(by_status, statuses: list[str], tr: Tr) -> tuple[dict, Drill]:
    """Leads by source, stacked by status (Vtiger's "leads by source" and "by status")."""
    totals = by_status.groupby("lead_source")["count"].sum().sort_values(ascending=False)
    sources = list(totals.index)
    traces = []
    for i, status in enumerate(statuses):
        part = by_status[by_status["status"] == status].set_index("lead_source")["count"]
        traces.append(_bar(tr(status), [s or tr("(none)") for s in sources],
                           [int(part.get(s, 0)) for s in sources], PALETTE[i % len(PALETTE)],
                           "<b>%{x}</b><br>%{fullData.name}: %{y:,}<extra></extra>"))
    return finish({"data": traces, "layout": _layout(barmode="stack")}), Drill(
        base={"object": "leads"}, curve_key="status", curves=list(statuses), point_key="lead_source",
        points=sources)


def money_bars(frame, category: str, columns: list[tuple[str, str, dict | None]], currency: str, tr: Tr, *,
               base: dict, point_key: str, points: list, labels: list[str] | None = None) -> tuple[dict, Drill]:
    """Grouped bars of money per category (revenue against cost)."""
    shown = labels or [str(c) for c in frame[category]]
    traces = [_bar(tr(title), shown, [round(float(v), 2) for v in frame[column]], STEP_COLOURS.get(column, PALETTE[i]),
                   f"<b>%{{x}}</b><br>%{{fullData.name}}: %{{y:,.2f}} {currency}<extra></extra>")
              for i, (column, title, _) in enumerate(columns)]
    layout = _layout(money=currency)
    layout["yaxis"]["title"] = {"text": currency}
    return finish({"data": traces, "layout": layout}, counts=False), Drill(
        base=base, curve_specs=[spec for _, _, spec in columns], point_key=point_key, points=points)


def rate_bars(frame, labels: list[str], tr: Tr, *, base: dict, point_key: str, points: list) -> tuple[dict, Drill]:
    """Response and positive rates per group, with the counts behind them on hover."""
    custom = [[int(r), int(p), int(d)] for r, p, d in zip(frame["responded"], frame["positive"], frame["delivered"])]
    traces = [
        {"type": "bar", "name": tr("Replied"), "x": labels, "y": [float(v) for v in frame["response_rate"]],
         "customdata": custom, "marker": {"color": PALETTE[0]},
         "hovertemplate": "<b>%{x}</b><br>%{fullData.name}: %{y:.1%} (%{customdata[0]:,} / %{customdata[2]:,})<extra></extra>"},
        {"type": "bar", "name": tr("Positive"), "x": labels, "y": [float(v) for v in frame["positive_rate"]],
         "customdata": custom, "marker": {"color": PALETTE[8]},
         "hovertemplate": "<b>%{x}</b><br>%{fullData.name}: %{y:.1%} (%{customdata[1]:,} / %{customdata[2]:,})<extra></extra>"},
    ]
    return finish({"data": traces, "layout": _layout(percent=True)}, counts=False), Drill(
        base=base, curve_specs=[{"response": "responded"}, {"response": "positive"}], point_key=point_key,
        points=points)


def outcome_bars(frame, outcomes: dict[str, str], tr: Tr) -> tuple[dict, Drill]:
    """Call outcomes per rep, stacked."""
    names = list(dict.fromkeys(frame["name"]))
    users = [int(frame[frame["name"] == n]["user_id"].iloc[0]) for n in names]
    traces = []
    for i, (outcome, label) in enumerate(outcomes.items()):
        part = frame[frame["outcome"] == outcome].set_index("name")["count"]
        traces.append(_bar(tr(label), names, [int(part.get(n, 0)) for n in names], PALETTE[i],
                           "<b>%{x}</b><br>%{fullData.name}: %{y:,}<extra></extra>"))
    return finish({"data": traces, "layout": _layout(barmode="stack")}), Drill(
        base={"object": "outreach", "type": 3}, curve_key="outcome", curves=list(outcomes),
        point_key="user_id", points=users)


def bucket_bars(frame, tr: Tr, *, base: dict, colour: str, labels: dict[str, str] | None = None
                ) -> tuple[dict, Drill]:
    """One bar per named bucket (health charts)."""
    labels = [tr((labels or {}).get(b, b)) for b in frame["bucket"]]
    trace = _bar(tr("Count"), labels, [int(v) for v in frame["count"]], colour,
                 "<b>%{x}</b>: %{y:,}<extra></extra>")
    layout = _layout(height=240)
    layout["showlegend"] = False
    return finish({"data": [trace], "layout": layout}), Drill(base=base, point_key="bucket", points=list(frame["bucket"]))


def form_funnel(rows: list[dict], tr: Tr) -> tuple[dict, Drill]:
    """Views → submissions → qualified → converted over every form, as a plotly funnel."""
    steps = [("views", "Views", None), ("submissions", "Submissions", {}),
             ("qualified", "Qualified", {"stage": "qualified"}), ("converted", "Converted", {"stage": "converted"})]
    values = [sum(int(r[key]) for r in rows) for key, _, _ in steps]
    trace = {"type": "funnel", "y": [tr(label) for _, label, _ in steps], "x": values,
             "textinfo": "value+percent initial", "marker": {"color": [PALETTE[0], PALETTE[1], PALETTE[5], PALETTE[8]]},
             "hovertemplate": "<b>%{y}</b>: %{x:,} (%{percentInitial:.1%})<extra></extra>"}
    layout = {"height": 260, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "showlegend": False,
              "yaxis": {"automargin": True}, "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
              "font": {"size": 12}}
    return finish({"data": [trace], "layout": layout}, counts=False), Drill(
        base={"object": "leads", "basis": "form"}, point_key="_step", points=[spec for _, _, spec in steps])


def report_figure(frame, columns: list[str], chart: str, tr: Tr) -> dict:
    """The report builder's chart: bars (grouped by the second field), a line or a pie."""
    if frame.empty:
        return empty_figure()
    value = columns[-1]
    if chart == "pie":
        labels = [" · ".join(str(frame[c].iloc[i]) for c in frame.columns[:-1]) for i in range(len(frame))]
        return {"data": [{"type": "pie", "labels": labels, "values": [float(v or 0) for v in frame["value"]],
                          "hovertemplate": f"<b>%{{label}}</b><br>{value}: %{{value:,}} (%{{percent}})<extra></extra>"}],
                "layout": {**_layout(height=380), "showlegend": True}}
    kind = "scatter" if chart == "line" else "bar"
    traces = []
    if "g1" in frame.columns:
        categories = list(dict.fromkeys(frame["g0"]))
        for i, series in enumerate(dict.fromkeys(frame["g1"])):
            part = frame[frame["g1"] == series].set_index("g0")["value"]
            traces.append({"type": kind, "name": str(series), "x": categories,
                           "y": [float(part.get(c, 0) or 0) for c in categories],
                           "marker": {"color": PALETTE[i % len(PALETTE)]},
                           "hovertemplate": "<b>%{x}</b><br>%{fullData.name}: %{y:,.2f}<extra></extra>"})
    else:
        traces.append({"type": kind, "name": value, "x": [str(v) for v in frame["g0"]],
                       "y": [float(v or 0) for v in frame["value"]], "marker": {"color": PALETTE[0]},
                       "hovertemplate": f"<b>%{{x}}</b><br>{value}: %{{y:,.2f}}<extra></extra>"})
    layout = _layout(barmode="group", height=380)
    layout["yaxis"]["tickformat"] = ",~s"
    layout["yaxis"]["title"] = {"text": value}
    return {"data": traces, "layout": layout}


# --- Component ----------------------------------------------------------------------------------

_TEMPLATE = Template(layout={"font": {"family": "Inter, system-ui, sans-serif"},
                             "colorway": PALETTE})
_CONFIG = {"displaylogo": False, "responsive": True,
           "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
           "toImageButtonOptions": {"format": "png", "scale": 2}}


def chart(figure: rx.Var, chart_id: str, on_click: Any = None, height: str = "300px") -> rx.Component:
    """A plotly chart of a figure held in state; `on_click(points)` receives the clicked points."""
    props = {"on_click": on_click} if on_click is not None else {}
    return rx.box(
        rx.plotly(data=figure.to(Figure), template=_TEMPLATE, config=_CONFIG, id=chart_id,
                  width="100%", style={"width": "100%", "height": height}, **props),
        width="100%",
        min_height=height,
        class_name="analytics-chart",
        data_chart=chart_id,
    )
