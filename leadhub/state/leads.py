"""The leads list: one page of rows in the chosen view's columns, filters (standard and custom),
saved views, selection and bulk actions; the create/edit dialog comes from LeadFormMixin."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import reflex as rx

from leadhub.services import bulk, campaigns, custom_fields, leads, saved_views
from leadhub.services.bulk import Selection
from leadhub.services.db import session_scope
from leadhub.services.display import local_time, money, phone, relative
from leadhub.services.leads import LeadQuery, LeadRow
from leadhub.services.saved_views import DEFAULT_COLUMNS, PERIODS, STANDARD_COLUMNS
from leadhub.state.lead_form import FORM_FIELDS, LeadFormMixin  # noqa: F401  (FORM_FIELDS re-exported)
from leadhub.state.session import NONE, SessionState, handles_errors

ANY = "all"
PAGE_SIZE = 25
SORT_KEYS = {"name": "name", "company": "company", "status": "status", "rating": "rating",
             "score": "score", "created_at": "created_at", "updated_at": "updated_at",
             "lead_source": "lead_source", "budget": "budget", "last_contacted_at": "last_contacted_at"}
FILTER_VARS = {"status_filter": "status", "rating_filter": "rating", "source_filter": "lead_source",
               "owner_filter": "owner", "industry_filter": "industry", "created_filter": "created"}
BULK_ACTIONS = ("assign_owner", "set_status", "set_rating", "add_to_campaign")


class LeadsState(LeadFormMixin, SessionState):
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    search: str = ""
    status_filter: str = ANY
    rating_filter: str = ANY
    source_filter: str = ANY
    owner_filter: str = ANY
    industry_filter: str = ANY
    created_filter: str = ANY
    custom_filters: dict[str, str] = {}
    sort: str = "created_at"
    descending: bool = True

    columns: list[str] = list(DEFAULT_COLUMNS)
    column_choices: list[dict[str, str]] = []
    views: list[dict[str, str]] = []
    view_key: str = "builtin:all"
    view_dialog_open: bool = False

    selected: list[str] = []
    all_matching: bool = False
    campaign_choices: list[list[str]] = []
    bulk_confirm_open: bool = False

    # --- loading -----------------------------------------------------------------------

    def _filters(self) -> dict[str, Any]:
        pick = lambda v: "" if v in (ANY, NONE) else v  # noqa: E731
        data: dict[str, Any] = {key: pick(getattr(self, var)) for var, key in FILTER_VARS.items()}
        data["search"] = self.search
        data["custom"] = {k: v for k, v in self.custom_filters.items() if v and v not in (ANY, NONE)}
        return data

    def _query(self, session, ctx) -> LeadQuery:
        return saved_views.query_for(session=session, ctx=ctx, filters=self._filters(), sort=self.sort,
                                     descending=self.descending, page=self.page, page_size=PAGE_SIZE)

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            schema = self._load_schema(session, ctx)
            result = leads.list_leads(session=session, ctx=ctx, query=self._query(session, ctx), schema=schema)
            self.views = [{"key": v.key, "name": self.tr(v.name) if v.builtin else v.name,
                           "mine": "1" if v.mine and not v.builtin else "",
                           "shared": "1" if v.shared and not v.builtin else ""}
                          for v in saved_views.list_views(session=session, ctx=ctx)]
        specs = {s.column: s for s in schema.fields}
        self.column_choices = [{"key": k, "label": self.tr(label), "custom": ""} for k, label in STANDARD_COLUMNS.items()]
        self.column_choices += [{"key": s.column, "label": s.label, "custom": "1"} for s in schema.fields]
        self.columns = [c for c in self.columns if c in STANDARD_COLUMNS or c in specs] or list(DEFAULT_COLUMNS)
        self.rows = [self._row(r, specs) for r in result.rows]
        self.total, self.page, self.pages = result.total, result.page, result.pages
        visible = {r["id"] for r in self.rows}
        if not self.all_matching:
            self.selected = [i for i in self.selected if i in visible]

    def _row(self, r: LeadRow, specs: dict[str, custom_fields.FieldSpec]) -> dict[str, str]:
        tz, currency = self.team_timezone, self.team_currency
        row = {
            "id": str(r.id), "name": r.name, "company": r.company, "title": r.title, "email": r.email,
            "phone": phone(r.phone), "mobile": phone(r.mobile), "status": r.status, "rating": r.rating,
            "lead_source": r.lead_source, "source": r.lead_source, "industry": r.industry,
            "owner": r.owner_name, "score": str(r.score), "budget": money(r.budget, currency),
            "city": r.city, "country": r.country,
            "created_at": local_time(r.created_at, tz, "%Y-%m-%d"),
            "created": local_time(r.created_at, tz, "%Y-%m-%d"),
            "updated_at": local_time(r.updated_at, tz, "%Y-%m-%d"),
            "last_contacted_at": relative(r.last_contacted_at, lang=self.lang),
            "last_contacted": relative(r.last_contacted_at, lang=self.lang),
        }
        for column, spec in specs.items():
            if column in self.columns:
                row[column] = self.tr(custom_fields.display_value(spec, r.custom.get(spec.key)))
        return row

    @rx.var
    def column_headers(self) -> list[dict[str, str]]:
        labels = {c["key"]: c["label"] for c in self.column_choices}
        return [{"key": c, "label": labels.get(c, STANDARD_COLUMNS.get(c, c)),
                 "sortable": "1" if c in SORT_KEYS or c.startswith("cf.") else ""} for c in self.columns]

    @rx.var
    def custom_filter_fields(self) -> list[dict[str, str]]:
        return [s for s in self.custom_specs if s["type"] != "textarea"]

    @rx.var
    def active_filter_count(self) -> int:
        extra = [self.industry_filter, self.created_filter]
        return sum(1 for v in extra if v not in (ANY, NONE, "")) + sum(
            1 for v in self.custom_filters.values() if v and v not in (ANY, NONE))

    @rx.var
    def export_href(self) -> str:
        """The CSV download of what is selected, or of every lead the filters match."""
        if self.selected and not self.all_matching:
            return "/api/leads/export.csv?" + urlencode({"ids": ",".join(self.selected)})
        values = {"status": self.status_filter, "rating": self.rating_filter,
                  "lead_source": self.source_filter, "owner": self.owner_filter,
                  "industry": self.industry_filter, "created": self.created_filter,
                  "search": self.search}
        params = {k: v for k, v in values.items() if v and v not in (ANY, NONE)}
        params.update({f"cf.{k}": v for k, v in self.custom_filters.items() if v and v not in (ANY, NONE)})
        params["sort"], params["desc"] = self.sort, "1" if self.descending else "0"
        return "/api/leads/export.csv?" + urlencode(params)

    @rx.var
    def selection_count(self) -> int:
        return self.total if self.all_matching else len(self.selected)

    @rx.var
    def page_selected(self) -> bool:
        return bool(self.rows) and all(r["id"] in self.selected for r in self.rows)

    # --- filters, sort, pages -------------------------------------------------------------

    def _changed(self):
        self.page, self.all_matching, self.selected = 1, False, []
        return LeadsState.load

    @rx.event
    def set_search(self, value: str):
        if value == self.search:  # the debounced box may send its value again: keep the selection
            return None
        self.search = value
        return self._changed()

    @rx.event
    def set_filter(self, name: str, value: str):
        if name not in FILTER_VARS or getattr(self, name) == value:
            return None
        setattr(self, name, value)
        return self._changed()

    @rx.event
    def set_custom_filter(self, key: str, value: str):
        filters = dict(self.custom_filters)
        filters[key] = value
        filters = {k: v for k, v in filters.items() if v and v not in (ANY, NONE)}
        if filters == self.custom_filters:  # a select sending its value again: keep the selection
            return None
        self.custom_filters = filters
        return self._changed()

    @rx.event
    def clear_filters(self):
        self.search = ""
        for var in FILTER_VARS:
            setattr(self, var, ANY)
        self.custom_filters = {}
        self.view_key = "builtin:all"
        return self._changed()

    @rx.event
    def sort_by(self, column: str):
        key = "created_at" if column == "created" else column
        if key not in leads.SORTABLE and not key.startswith("cf."):
            return None
        if self.sort == key:
            self.descending = not self.descending
        else:
            self.sort, self.descending = key, key in ("created_at", "updated_at", "score", "budget")
        return LeadsState.load

    @rx.event
    def go_to_page(self, page: int):
        self.page = max(1, min(int(page), self.pages))
        return LeadsState.load

    # --- columns and saved views ------------------------------------------------------------

    @rx.event
    def toggle_column(self, column: str):
        if column == "name":
            return None
        if column in self.columns:
            self.columns = [c for c in self.columns if c != column]
        else:
            self.columns = [*self.columns, column]
        return LeadsState.load

    @rx.event
    @handles_errors
    def apply_view(self, key: str):
        ctx = self._ctx()
        with session_scope() as session:
            view = saved_views.get_view(session=session, ctx=ctx, key=key)
        flt = saved_views.ViewFilters.from_dict(view.filters)
        self.search = flt.search
        for var, name in FILTER_VARS.items():
            setattr(self, var, getattr(flt, name) or ANY)
        self.custom_filters = dict(flt.custom)
        self.columns = list(view.columns)
        self.sort, self.descending, self.view_key = view.sort, view.descending, view.key
        return self._changed()

    @rx.event
    def set_view_dialog_open(self, is_open: bool):
        self.view_dialog_open = is_open
        if is_open:
            self.field_errors = {}

    @rx.event
    @handles_errors
    def save_view(self, form: dict[str, Any]):
        ctx = self._ctx()
        overwrite = form.get("overwrite") and not self.view_key.startswith("builtin:")
        with session_scope() as session:
            view = saved_views.save_view(
                session=session, ctx=ctx, name=form.get("name", ""), filters=self._filters(),
                columns=list(self.columns), sort=self.sort, descending=self.descending,
                shared=bool(form.get("shared")), view_key=self.view_key if overwrite else None)
            key = view.key
        self.view_key, self.view_dialog_open = key, False
        return [LeadsState.load, rx.toast.success(self.tr("View saved."))]

    @rx.event
    @handles_errors
    def delete_view(self):
        ctx = self._ctx()
        with session_scope() as session:
            saved_views.delete_view(session=session, ctx=ctx, view_key=self.view_key)
        self.view_key = "builtin:all"
        return [LeadsState.clear_filters, rx.toast.success(self.tr("View deleted."))]

    # --- selection and bulk actions --------------------------------------------------------------

    @rx.event
    def toggle_selected(self, lead_id: str):
        self.all_matching = False
        self.selected = [i for i in self.selected if i != lead_id] if lead_id in self.selected \
            else [*self.selected, lead_id]

    @rx.event
    def toggle_page(self):
        ids = [r["id"] for r in self.rows]
        self.all_matching = False
        if all(i in self.selected for i in ids):
            self.selected = [i for i in self.selected if i not in ids]
        else:
            self.selected = list(dict.fromkeys([*self.selected, *ids]))

    @rx.event
    def select_all_matching(self):
        self.all_matching = True
        self.selected = [r["id"] for r in self.rows]

    @rx.event
    def clear_selection(self):
        self.all_matching, self.selected = False, []

    @rx.event
    @handles_errors
    def load_campaigns(self):
        ctx = self._ctx()
        with session_scope() as session:
            self.campaign_choices = [[str(c.id), c.name] for c in
                                     campaigns.list_campaigns(session=session, ctx=ctx, limit=200)]

    def _selection(self, session, ctx) -> Selection:
        if self.all_matching:
            return Selection.matching(self._query(session, ctx))
        return Selection.of_ids(int(i) for i in self.selected)

    @rx.event
    @handles_errors
    def bulk_apply(self, action: str, value: str):
        """Assign an owner, set status or rating, or add to a campaign, for the selection."""
        if action not in BULK_ACTIONS or value in ("", None):
            return None
        ctx = self._ctx()
        with session_scope() as session:
            selection = self._selection(session, ctx)
            if action == "assign_owner":
                result = bulk.assign_owner(session=session, ctx=ctx, selection=selection,
                                           owner_id=None if value == NONE else int(value))
            elif action == "set_status":
                result = bulk.set_status(session=session, ctx=ctx, selection=selection, status=value)
            elif action == "set_rating":
                result = bulk.set_rating(session=session, ctx=ctx, selection=selection,
                                         rating="" if value == NONE else value)
            else:
                result = bulk.add_to_campaign(session=session, ctx=ctx, selection=selection,
                                              campaign_id=int(value))
        message = self.tr("{n} leads updated.").replace("{n}", str(result.changed))
        if result.skipped:
            message += " " + self.tr("{n} converted leads were left as they are.").replace("{n}", str(result.skipped))
        return [LeadsState.load, rx.toast.success(message)]

    @rx.event
    def set_bulk_confirm_open(self, is_open: bool):
        self.bulk_confirm_open = is_open

    @rx.event
    @handles_errors
    def bulk_delete(self):
        ctx = self._ctx()
        with session_scope() as session:
            result = bulk.delete_leads(session=session, ctx=ctx, selection=self._selection(session, ctx))
        self.bulk_confirm_open = False
        self.selected, self.all_matching = [], False
        return [LeadsState.load,
                rx.toast.success(self.tr("{n} leads deleted.").replace("{n}", str(result.changed)))]

    # --- the dialog ---------------------------------------------------------------------------------

    def _after_save(self, lead_id: int, created: bool) -> list:
        return [LeadsState.load]

    @rx.event
    @handles_errors
    def delete(self):
        ctx = self._ctx()
        with session_scope() as session:
            leads.delete_lead(session=session, ctx=ctx, lead_id=self.editing_id)
        self.dialog_open = False
        return [LeadsState.load, rx.toast.success(self.tr("Lead deleted."))]


PERIOD_CHOICES = list(PERIODS.items())
