"""The report builder: pick a record type, group by one or two fields (custom fields and time
buckets included), a measure and filters; the database groups, pandas shapes the table.

Fields and measures come from a fixed catalogue per record type (never from user text), so a
report definition can be stored as JSON and shared within the team safely. A shared report is
a definition, not data: whoever opens it sees the numbers their own role allows (a rep sees
only their own records). Sums and averages of money count deals in the filter's currency only.
At most MAX_GROUPS groups are returned, largest first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pandas as pd
from sqlalchemy import Float, String, cast, func, literal
from sqlmodel import Session, select

from leadhub.services.analytics import filters as flt_mod
from leadhub.services.analytics.filters import (
    AnalyticsFilter,
    Scope,
    contact_where,
    deal_where,
    lead_where,
    outreach_where,
    scope,
)
from leadhub.services.analytics.models import SavedReport
from leadhub.services.analytics.timebuckets import as_date, date_bucket, local_bucket
from leadhub.services.context import TeamContext
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import Contact, Deal, Lead, Outreach, User, utcnow
from leadhub.services.outreach import CALL_OUTCOME_LABELS, RESPONSE_LABELS, TYPE_LABELS, OutreachType

OBJECTS = ("leads", "outreach", "contacts", "deals")
MEASURES = ("count", "sum", "avg")
CHARTS = ("bar", "line", "pie")
MAX_GROUPS = 200
NAME_MAX = 120
TIME_GRAINS = ("day", "week", "month")


@dataclass(frozen=True)
class Field_:
    key: str
    label: str
    kind: str             # "category", "user", "type", "time", "date", "number"
    column: Any = None    # SQL expression (None for time fields: built per scope)
    vocabulary: bool = False              # values are the product's words (statuses, stages…): translated
    labels: dict[str, str] | None = None  # stored codes → English labels (call outcomes, responses)


def _catalogue(obj: str) -> dict[str, Field_]:
    if obj == "leads":
        # sources and industries are the team's own picklists, kept in the team's words
        fields = [Field_("lead_source", "Lead source", "category", Lead.lead_source),
                  Field_("status", "Status", "category", Lead.status, vocabulary=True),
                  Field_("rating", "Rating", "category", Lead.rating, vocabulary=True),
                  Field_("industry", "Industry", "category", Lead.industry),
                  Field_("country", "Country", "category", Lead.country),
                  Field_("need", "Need", "category", Lead.need),
                  Field_("interest", "Interest", "category", Lead.interest),
                  Field_("owner", "Owner", "user", Lead.owner_id),
                  Field_("created_at", "Created", "time", Lead.created_at),
                  Field_("converted_at", "Converted", "time", Lead.converted_at),
                  Field_("budget", "Budget", "number", Lead.budget),
                  Field_("score", "Score", "number", Lead.score)]
    elif obj == "outreach":
        fields = [Field_("type", "Outreach type", "type", Outreach.type, vocabulary=True),
                  Field_("channel", "Channel", "category", func.coalesce(Outreach.channel, "")),
                  Field_("user", "Rep", "user", Outreach.user_id),
                  Field_("response_status", "Response", "category", Outreach.response_status,
                         vocabulary=True, labels=RESPONSE_LABELS),
                  Field_("call_outcome", "Call outcome", "category", func.coalesce(Outreach.call_outcome, ""),
                         vocabulary=True, labels=CALL_OUTCOME_LABELS),
                  Field_("occurred_at", "Occurred", "time", Outreach.occurred_at),
                  Field_("call_duration_seconds", "Call duration (s)", "number", Outreach.call_duration_seconds)]
    elif obj == "contacts":
        fields = [Field_("owner", "Owner", "user", Contact.owner_id),
                  Field_("created_at", "Created", "time", Contact.created_at),
                  Field_("last_contacted_at", "Last contacted", "time", Contact.last_contacted_at)]
    elif obj == "deals":
        fields = [Field_("stage", "Stage", "category", Deal.stage, vocabulary=True),
                  Field_("currency", "Currency", "category", Deal.currency),
                  Field_("owner", "Owner", "user", Deal.owner_id),
                  Field_("created_at", "Created", "time", Deal.created_at),
                  Field_("close_date", "Close date", "date", Deal.close_date),
                  Field_("amount", "Amount", "number", Deal.amount),
                  Field_("probability", "Probability", "number", Deal.probability)]
    else:
        raise ValidationFailed(field_errors={"object": "Choose leads, outreach, contacts or deals."})
    return {f.key: f for f in fields}


def _custom_fields(session: Session, ctx: TeamContext) -> dict[str, Field_]:
    """The team's active lead custom fields, when the custom fields feature is installed."""
    try:
        from leadhub.services import custom_fields
    except ImportError:
        return {}
    result = {}
    for spec in custom_fields.list_fields(session=session, ctx=ctx):
        element = Lead.custom_fields[spec.key]
        if spec.type == "number":
            result[f"cf.{spec.key}"] = Field_(f"cf.{spec.key}", spec.label, "number",
                                              cast(element.as_float(), Float))
        elif spec.type != "textarea":
            result[f"cf.{spec.key}"] = Field_(f"cf.{spec.key}", spec.label, "category",
                                              func.coalesce(cast(element.as_string(), String), ""))
    return result


def fields_for(*, session: Session, ctx: TeamContext, obj: str) -> dict[str, Field_]:
    """Every field a report on `obj` may group by or measure, custom fields included."""
    catalogue = _catalogue(obj)
    if obj == "leads":
        catalogue.update(_custom_fields(session, ctx))
    return catalogue


DEFAULT_DATE_FIELD = {"leads": "created_at", "outreach": "occurred_at", "contacts": "created_at",
                      "deals": "created_at"}


@dataclass(frozen=True)
class ReportSpec:
    """A report definition. `group_by` items are field keys, time fields as "created_at:month"."""

    object: str
    group_by: tuple[str, ...]
    measure: str = "count"
    measure_field: str = ""
    date_field: str = ""
    chart: str = "bar"
    filters: dict = field(default_factory=dict)   # the filter bar's raw values (preset, dates, ids…)

    def to_json(self) -> dict:
        data = asdict(self)
        data["group_by"] = list(self.group_by)
        return data

    @classmethod
    def from_json(cls, data: dict) -> ReportSpec:
        try:
            return cls(object=str(data["object"]), group_by=tuple(str(g) for g in data.get("group_by", ())),
                       measure=str(data.get("measure", "count")), measure_field=str(data.get("measure_field", "")),
                       date_field=str(data.get("date_field", "")), chart=str(data.get("chart", "bar")),
                       filters=dict(data.get("filters") or {}))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationFailed(field_errors={"definition": "This report definition is broken."}) from exc


def validate(*, session: Session, ctx: TeamContext, spec: ReportSpec) -> ReportSpec:
    """The spec with defaults filled in, or ValidationFailed naming the bad parts."""
    errors: dict[str, str] = {}
    if spec.object not in OBJECTS:
        raise ValidationFailed(field_errors={"object": "Choose leads, outreach, contacts or deals."})
    catalogue = fields_for(session=session, ctx=ctx, obj=spec.object)
    groups = [g for g in spec.group_by if g]
    if not 1 <= len(groups) <= 2:
        errors["group_by"] = "Group by one or two fields."
    for index, group in enumerate(groups):
        key, _, grain = group.partition(":")
        found = catalogue.get(key)
        if found is None or found.kind == "number":
            errors[f"group_by_{index}"] = "Choose a field from the list."
        elif found.kind in ("time", "date") and grain not in TIME_GRAINS:
            errors[f"group_by_{index}"] = "Choose day, week or month for a date field."
        elif found.kind not in ("time", "date") and grain:
            errors[f"group_by_{index}"] = "Choose a field from the list."
    if len(groups) == 2 and groups[0] == groups[1]:
        errors["group_by_1"] = "Choose two different fields."
    if spec.measure not in MEASURES:
        errors["measure"] = "Choose count, sum or average."
    elif spec.measure != "count":
        target = catalogue.get(spec.measure_field)
        if target is None or target.kind != "number":
            errors["measure_field"] = "Choose a number field to add up or average."
    date_field = spec.date_field or DEFAULT_DATE_FIELD[spec.object]
    if catalogue.get(date_field) is None or catalogue[date_field].kind not in ("time", "date"):
        errors["date_field"] = "Choose the date the range applies to."
    if spec.chart not in CHARTS:
        errors["chart"] = "Choose a bar, line or pie chart."
    if errors:
        raise ValidationFailed(field_errors=errors)
    return replace(spec, group_by=tuple(groups), date_field=date_field,
                   measure_field=spec.measure_field if spec.measure != "count" else "")


def filter_from(*, session: Session, ctx: TeamContext, raw: dict) -> AnalyticsFilter:
    """The stored filter bar values as a filter (a preset is re-read relative to today)."""
    from leadhub.services.models import Team

    team = session.get(Team, ctx.team_id)
    choices = {name: tuple(raw.get(name) or ()) for name in
               ("user_ids", "types", "channels", "lead_sources", "campaign_ids")}
    return flt_mod.make_filter(team=team, preset=raw.get("preset") or flt_mod.DEFAULT_PRESET,
                               date_from=raw.get("date_from"), date_to=raw.get("date_to"),
                               currency=raw.get("currency") or "", segment_id=raw.get("segment_id"),
                               **choices)


# --- Running ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportResult:
    spec: ReportSpec
    columns: list[str]          # group labels then the measure's label
    frame: pd.DataFrame         # g0 [, g1], value — labels already readable
    truncated: bool
    currency: str
    vocabulary: tuple[bool, ...] = ()   # per group: its values are product words (see in_language)
    measure_field_label: str = ""       # the summed or averaged field's label ("" for count)


def _where(sc: Scope, spec: ReportSpec, catalogue: dict[str, Field_]) -> list:
    date_field = catalogue[spec.date_field]
    if spec.object == "leads":
        return lead_where(sc, date_column=date_field.column)
    if spec.object == "outreach":
        return outreach_where(sc)
    if spec.object == "contacts":
        return [*contact_where(sc), date_field.column >= sc.start, date_field.column < sc.end]
    return deal_where(sc, by="close" if spec.date_field == "close_date" else "created")


def _group_expression(sc: Scope, group: str, catalogue: dict[str, Field_]):
    key, _, grain = group.partition(":")
    found = catalogue[key]
    if found.kind == "time":
        return local_bucket(found.column, sc, grain)
    if found.kind == "date":
        return date_bucket(found.column, sc, grain)
    return found.column


def run_report(*, session: Session, ctx: TeamContext, spec: ReportSpec,
               flt: AnalyticsFilter | None = None) -> ReportResult:
    """Group and measure in SQL; labels (reps, types, dates) are added afterwards."""
    spec = validate(session=session, ctx=ctx, spec=spec)
    flt = flt or filter_from(session=session, ctx=ctx, raw=spec.filters)
    sc = scope(session=session, ctx=ctx, flt=flt)
    catalogue = fields_for(session=session, ctx=ctx, obj=spec.object)
    where = list(_where(sc, spec, catalogue))
    if spec.measure == "count":
        value = literal(1)
    else:
        value = cast(catalogue[spec.measure_field].column, Float)
        if spec.object == "deals" and spec.measure_field == "amount":
            where.append(Deal.currency == sc.currency)
    groups = [_group_expression(sc, g, catalogue).label(f"g{i}") for i, g in enumerate(spec.group_by)]
    inner = select(*groups, value.label("v")).where(*where).subquery()
    keys = [inner.c[f"g{i}"] for i in range(len(groups))]
    aggregate = {"count": func.count(), "sum": func.sum(inner.c.v), "avg": func.avg(inner.c.v)}[spec.measure]
    rows = session.exec(select(*keys, aggregate.label("value")).group_by(*keys)
                        .order_by(aggregate.desc(), *keys).limit(MAX_GROUPS + 1)).all()
    truncated = len(rows) > MAX_GROUPS
    rows = rows[:MAX_GROUPS]
    labels = [_labeller(session, ctx, spec.group_by[i], catalogue) for i in range(len(groups))]
    data = {f"g{i}": [labels[i](r[i]) for r in rows] for i in range(len(groups))}
    data["value"] = [float(r[-1]) if r[-1] is not None else None for r in rows]
    frame = pd.DataFrame(data, columns=[*(f"g{i}" for i in range(len(groups))), "value"])
    if any(catalogue[g.partition(":")[0]].kind in ("time", "date") for g in spec.group_by):
        frame = frame.sort_values([f"g{i}" for i in range(len(groups))], kind="stable").reset_index(drop=True)
    fields = [catalogue[g.partition(":")[0]] for g in spec.group_by]
    measured = "" if spec.measure == "count" else catalogue[spec.measure_field].label
    columns = [f.label for f in fields] + [_measure_label(spec.measure, measured, lambda text: text)]
    return ReportResult(spec=spec, columns=columns, frame=frame, truncated=truncated, currency=sc.currency,
                        vocabulary=tuple(f.vocabulary for f in fields), measure_field_label=measured)


def _measure_label(measure: str, field_label: str, translate: Callable[[str], str]) -> str:
    if measure == "count":
        return translate("Count")
    return f"{translate('Sum of' if measure == 'sum' else 'Average of')} {translate(field_label)}"


def in_language(result: ReportResult, translate: Callable[[str], str]) -> ReportResult:
    """The result as a user reads it: column labels and the product's words among the values
    (statuses, ratings, types, stages, responses, outcomes) through `translate`; names, dates,
    the team's picklists (sources, industries), custom and free-text values stay as they are. Table, chart and CSV export all show this."""
    frame = result.frame.copy()
    for i, vocabulary in enumerate(result.vocabulary):
        if vocabulary:
            frame[f"g{i}"] = [translate(v) if isinstance(v, str) else v for v in frame[f"g{i}"]]
    columns = [translate(c) for c in result.columns[:-1]]
    columns.append(_measure_label(result.spec.measure, result.measure_field_label, translate))
    return replace(result, frame=frame, columns=columns)


def _labeller(session: Session, ctx: TeamContext, group: str, catalogue: dict[str, Field_]):
    kind = catalogue[group.partition(":")[0]].kind
    if kind == "user":
        names = dict(flt_mod.team_members(session=session, ctx=ctx))
        return lambda v: names.get(v, "—") if v is not None else "—"
    if kind == "type":
        return lambda v: TYPE_LABELS.get(OutreachType(int(v)), str(v)) if v is not None else "—"
    if kind in ("time", "date"):
        return lambda v: as_date(v).isoformat() if v is not None else "—"
    labels = catalogue[group.partition(":")[0]].labels or {}
    return lambda v: labels.get(str(v), str(v)) if v not in (None, "") else "—"


def to_csv(result: ReportResult) -> str:
    """The report table as CSV (UTF-8, comma separated, header row)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(result.columns)
    for row in result.frame.itertuples(index=False):
        writer.writerow(["" if v is None else (round(v, 2) if isinstance(v, float) else v) for v in row])
    return out.getvalue()


# --- Saved reports ------------------------------------------------------------------------------

def save_report(*, session: Session, ctx: TeamContext, name: str, spec: ReportSpec, shared: bool = False,
                report_id: int | None = None) -> SavedReport:
    """Create, or overwrite your own (admins: any) saved report."""
    spec = validate(session=session, ctx=ctx, spec=spec)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(field_errors={"name": "Give the report a name."})
    if len(name) > NAME_MAX:
        raise ValidationFailed(field_errors={"name": f"Use at most {NAME_MAX} characters."})
    if report_id:
        report = _editable(session, ctx, report_id)
    else:
        report = SavedReport(team_id=ctx.team_id, owner_id=ctx.user_id, name=name)
    report.name, report.definition, report.shared = name, spec.to_json(), bool(shared)
    report.updated_at = utcnow()
    session.add(report)
    session.flush()
    return report


def _editable(session: Session, ctx: TeamContext, report_id: int) -> SavedReport:
    report = get_report(session=session, ctx=ctx, report_id=report_id)
    if report.owner_id != ctx.user_id and not ctx.is_admin:
        raise PermissionDenied("Only its author or an admin can change this report.")
    return report


def get_report(*, session: Session, ctx: TeamContext, report_id: int) -> SavedReport:
    """A report of the caller's team that is theirs or shared."""
    report = session.exec(select(SavedReport).where(SavedReport.id == report_id,
                                                    SavedReport.team_id == ctx.team_id)).first()
    if report is None or (report.owner_id != ctx.user_id and not report.shared):
        raise NotFound("No such report in this team.")
    return report


def delete_report(*, session: Session, ctx: TeamContext, report_id: int) -> None:
    session.delete(_editable(session, ctx, report_id))
    session.flush()


def list_reports(*, session: Session, ctx: TeamContext) -> list[tuple[SavedReport, str]]:
    """(report, author name): the caller's own and those shared in the team, by name."""
    rows = session.exec(select(SavedReport, func.coalesce(User.full_name, User.email))
                        .join(User, User.id == SavedReport.owner_id)
                        .where(SavedReport.team_id == ctx.team_id,
                               (SavedReport.owner_id == ctx.user_id) | SavedReport.shared.is_(True))
                        .order_by(SavedReport.name, SavedReport.id).limit(500)).all()
    return [(report, author or "") for report, author in rows]

