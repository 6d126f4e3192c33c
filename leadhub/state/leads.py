"""The leads list: holds one page of rows and the open form; the service does the work."""

from __future__ import annotations

from typing import Any

import reflex as rx

from leadhub.services import leads
from leadhub.services.db import session_scope
from leadhub.services.display import local_time, money, phone, relative
from leadhub.services.leads import LeadQuery
from leadhub.state.session import NONE, SessionState, handles_errors

ANY = "all"
FORM_FIELDS = (
    "first_name", "last_name", "company", "title", "email", "phone", "mobile", "website",
    "lead_source", "industry", "status", "rating", "budget", "need", "interest", "owner_id",
    "street", "city", "state", "postal_code", "country", "description",
)
PAGE_SIZE = 25


class LeadsState(SessionState):
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    search: str = ""
    status_filter: str = ANY
    rating_filter: str = ANY
    source_filter: str = ANY
    owner_filter: str = ANY
    sort: str = "created_at"
    descending: bool = True
    owners: list[list[str]] = []

    dialog_open: bool = False
    editing_id: int = 0
    form_values: dict[str, str] = {}
    form_key: int = 0
    field_errors: dict[str, str] = {}

    def _query(self, ctx) -> LeadQuery:
        owner = None
        if self.owner_filter == "me":
            owner = ctx.user_id
        elif self.owner_filter not in (ANY, ""):
            owner = int(self.owner_filter)
        pick = lambda v: "" if v == ANY else v  # noqa: E731
        return LeadQuery(search=self.search, status=pick(self.status_filter),
                         rating=pick(self.rating_filter), lead_source=pick(self.source_filter),
                         owner_id=owner, sort=self.sort, descending=self.descending,
                         page=self.page, page_size=PAGE_SIZE)

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            result = leads.list_leads(session=session, ctx=ctx, query=self._query(ctx))
            if not self.owners:
                self.owners = [[str(uid), name] for uid, name in
                               leads.team_owners(session=session, ctx=ctx)]
        tz, currency = self.team_timezone, self.team_currency
        self.rows = [{
            "id": str(r.id), "name": r.name, "company": r.company, "email": r.email,
            "phone": phone(r.phone), "status": r.status, "rating": r.rating, "source": r.lead_source,
            "score": str(r.score), "budget": money(r.budget, currency), "owner": r.owner_name,
            "created": local_time(r.created_at, tz, "%Y-%m-%d"),
            "last_contacted": relative(r.last_contacted_at, lang=self.lang),
        } for r in result.rows]
        self.total, self.page, self.pages = result.total, result.page, result.pages

    @rx.event
    def set_search(self, value: str):
        self.search, self.page = value, 1
        return LeadsState.load

    @rx.event
    def set_filter(self, name: str, value: str):
        if name in ("status_filter", "rating_filter", "source_filter", "owner_filter"):
            setattr(self, name, value)
            self.page = 1
        return LeadsState.load

    @rx.event
    def sort_by(self, column: str):
        if column not in leads.SORTABLE:
            return
        if self.sort == column:
            self.descending = not self.descending
        else:
            self.sort, self.descending = column, column in ("created_at", "updated_at", "score", "budget")
        return LeadsState.load

    @rx.event
    def go_to_page(self, page: int):
        self.page = max(1, min(int(page), self.pages))
        return LeadsState.load

    # --- the create / edit dialog ---------------------------------------------------------

    def _open_form(self, values: dict[str, str], lead_id: int) -> None:
        self.form_values = {name: values.get(name, "") for name in FORM_FIELDS}
        self.editing_id = lead_id
        self.field_errors = {}
        self.form_key += 1
        self.dialog_open = True

    @rx.event
    @handles_errors
    def open_new(self):
        ctx = self._ctx()
        self._open_form({"status": "New", "owner_id": str(ctx.user_id), "rating": NONE,
                         "need": NONE, "interest": NONE, "lead_source": NONE, "industry": NONE}, 0)

    @rx.event
    @handles_errors
    def open_edit(self, lead_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            lead = leads.get_lead(session=session, ctx=ctx, lead_id=int(lead_id))
            values = {name: _as_text(getattr(lead, name)) for name in FORM_FIELDS}
        for name in ("rating", "need", "interest", "lead_source", "industry"):
            values[name] = values[name] or NONE
        self._open_form(values, lead.id)

    @rx.event
    def set_dialog_open(self, is_open: bool):
        self.dialog_open = is_open

    @rx.event
    @handles_errors
    def save(self, form: dict[str, Any]):
        ctx = self._ctx()
        data = {name: ("" if form.get(name) == NONE else form.get(name, ""))
                for name in FORM_FIELDS if name in form}
        self.field_errors = {}
        with session_scope() as session:
            if self.editing_id:
                leads.update_lead(session=session, ctx=ctx, lead_id=self.editing_id, changes=data)
            else:
                leads.create_lead(session=session, ctx=ctx, data=data)
        message = self.tr("Lead saved." if self.editing_id else "Lead created.")
        self.dialog_open = False
        return [LeadsState.load, rx.toast.success(message)]

    @rx.event
    @handles_errors
    def delete(self):
        ctx = self._ctx()
        with session_scope() as session:
            leads.delete_lead(session=session, ctx=ctx, lead_id=self.editing_id)
        self.dialog_open = False
        return [LeadsState.load, rx.toast.success(self.tr("Lead deleted."))]


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)
