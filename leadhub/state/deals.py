"""The deals page: one page of rows or the stage pipeline, and the create/edit dialog (also
opened from a contact with `DealsState.open_from_contact(contact_id)`)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from leadhub.services import auth, contacts, deals, events, leads, pipeline
from leadhub.services.db import session_scope
from leadhub.services.deals import DealCreate, DealUpdate
from leadhub.services.display import local_time, money
from leadhub.services.models import Deal, OutreachType
from leadhub.services.outreach import TYPE_LABELS
from leadhub.state.session import SessionState, handles_errors

ANY = "all"
PAGE_SIZE = 25
FORM_FIELDS = ("name", "amount", "currency", "stage", "close_date", "probability", "owner_id")
VIEWS = ("list", "pipeline")


class DealsState(SessionState):
    view: str = "list"
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    stage_filter: str = ANY
    owner_filter: str = ANY
    sort: str = "created_at"
    descending: bool = True
    owners: list[list[str]] = []
    stage_counts: dict[str, str] = {}
    stage_sums: dict[str, str] = {}
    stage_more: dict[str, str] = {}
    cards: dict[str, list[dict[str, str]]] = {}

    deal_open: bool = False
    deal_editing_id: int = 0
    deal_contact_id: int = 0
    deal_context: dict[str, str] = {}
    deal_values: dict[str, str] = {}
    deal_key: int = 0
    field_errors: dict[str, str] = {}
    _opened_from_url: str = ""

    def _owner(self, ctx) -> int | None:
        if self.owner_filter == "me":
            return ctx.user_id
        if self.owner_filter not in (ANY, "") and self.owner_filter.isdigit():
            return int(self.owner_filter)
        return None

    def _row(self, row: pipeline.DealRow) -> dict[str, str]:
        return {
            "id": str(row.id), "name": row.name, "amount": money(row.amount, row.currency),
            "stage": row.stage, "probability": f"{row.probability}%",
            "close_date": row.close_date.isoformat() if row.close_date else "",
            "account": row.account_name, "contact": row.contact_name,
            "contact_id": str(row.contact_id or ""), "owner": row.owner_name,
            "lead_id": str(row.lead_id or ""), "source": row.lead_source,
            "outreach": _type_label(row.outreach_type), "outreach_value": row.outreach_value,
            "rep": row.outreach_rep,
            "outreach_at": local_time(row.outreach_at, self.team_timezone, "%Y-%m-%d"),
            "created": local_time(row.created_at, self.team_timezone, "%Y-%m-%d"),
        }

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            if not self.owners:
                self.owners = [[str(uid), name] for uid, name in
                               leads.team_owners(session=session, ctx=ctx)]
            if self.view == "pipeline":
                columns = pipeline.pipeline(session=session, ctx=ctx, owner_id=self._owner(ctx))
            else:
                result = pipeline.deal_rows(
                    session=session, ctx=ctx, page=self.page, page_size=PAGE_SIZE,
                    stage=None if self.stage_filter == ANY else self.stage_filter,
                    owner_id=self._owner(ctx), sort=self.sort, descending=self.descending)
        if self.view == "pipeline":
            self.stage_counts = {c.stage: str(c.count) for c in columns}
            self.stage_sums = {c.stage: " · ".join(money(total, currency)
                                                  for currency, total in c.sums) for c in columns}
            self.stage_more = {c.stage: str(c.count - len(c.rows)) if c.has_more else ""
                               for c in columns}
            self.cards = {c.stage: [self._row(r) for r in c.rows] for c in columns}
            self.rows = []
        else:
            self.rows = [self._row(r) for r in result.rows]
            self.total, self.pages = result.total, result.pages
            self.page = min(self.page, self.pages)
            self.cards = {}
        wanted = str(self.router.url.query_parameters.get("deal", ""))
        if wanted.isdigit() and wanted != self._opened_from_url:   # /deals?deal=ID opens it
            self._opened_from_url = wanted
            return DealsState.open_edit(wanted)

    @rx.event
    def set_view(self, view: str | list[str]):
        if view in VIEWS:
            self.view = view
            return DealsState.load

    @rx.event
    def set_filter(self, name: str, value: str):
        if name in ("stage_filter", "owner_filter"):
            setattr(self, name, value)
            self.page = 1
        return DealsState.load

    @rx.event
    def sort_by(self, column: str):
        if column not in deals.SORTABLE:
            return
        if self.sort == column:
            self.descending = not self.descending
        else:
            self.sort = column
            self.descending = column in ("created_at", "updated_at", "amount", "probability")
        return DealsState.load

    @rx.event
    def go_to_page(self, page: int):
        self.page = max(1, min(int(page), self.pages))
        return DealsState.load

    @rx.event
    @handles_errors
    def move_stage(self, deal_id: str, stage: str):
        """The pipeline's "Move to…" menu (also what a keyboard user has)."""
        ctx = self._ctx()
        with session_scope() as session:
            deals.update_deal(session=session, ctx=ctx, deal_id=int(deal_id),
                              deal_in=DealUpdate(stage=stage))
        return DealsState.load

    # --- the create / edit dialog ---------------------------------------------------------

    def _open(self, values: dict[str, str], deal_id: int, contact_id: int,
              context: dict[str, str]) -> None:
        self.deal_values = {name: values.get(name, "") for name in FORM_FIELDS}
        self.deal_editing_id, self.deal_contact_id = deal_id, contact_id
        self.deal_context = context
        self.field_errors = {}
        self.deal_key += 1
        self.deal_open = True

    def _ensure_owners(self, session, ctx) -> None:
        if not self.owners:
            self.owners = [[str(uid), name] for uid, name in
                           leads.team_owners(session=session, ctx=ctx)]

    @rx.event
    @handles_errors
    def open_new(self):
        ctx = self._ctx()
        with session_scope() as session:
            self._ensure_owners(session, ctx)
            currency = auth.get_team(session=session, ctx=ctx).currency
        self._open({"stage": deals.STAGES[0], "currency": currency,
                    "owner_id": str(ctx.user_id)}, 0, 0, {})

    @rx.event
    @handles_errors
    def open_from_contact(self, contact_id: int | str):
        """A new deal for a contact: its account, lead and outreach are inherited on save."""
        ctx = self._ctx()
        with session_scope() as session:
            contact = contacts.get_contact(session=session, ctx=ctx, contact_id=int(contact_id))
            self._ensure_owners(session, ctx)
            currency = auth.get_team(session=session, ctx=ctx).currency
            # what the new deal will inherit, described like a deal row
            [row] = pipeline.describe(session=session, ctx=ctx, items=[Deal(
                team_id=ctx.team_id, name="", contact_id=contact.id,
                account_id=contact.account_id, lead_id=contact.lead_id,
                outreach_id=contact.outreach_id, owner_id=contact.owner_id,
                lead_source=contact.lead_source)])
        person = f"{contact.first_name} {contact.last_name}".strip()
        self._open({"name": row.account_name or person, "stage": deals.STAGES[0],
                    "currency": currency,
                    "owner_id": str(contact.owner_id or ctx.user_id)},
                   0, contact.id, {**self._row(row), "contact": person})

    @rx.event
    @handles_errors
    def open_edit(self, deal_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            deal = deals.get_deal(session=session, ctx=ctx, deal_id=int(deal_id))
            self._ensure_owners(session, ctx)
            [row] = pipeline.describe(session=session, ctx=ctx, items=[deal])
            values = {name: _text(getattr(deal, name)) for name in FORM_FIELDS}
        self._open(values, deal.id, 0, self._row(row))

    @rx.event
    def set_deal_open(self, is_open: bool):
        self.deal_open = bool(is_open)

    @rx.event
    @handles_errors
    def save(self, form: dict[str, Any]):
        """Create or change the deal; a new one with an outreach source records LeadAcquired,
        which the worker dispatches once this commits."""
        ctx = self._ctx()
        data = {name: _text(form.get(name)) for name in FORM_FIELDS if name in form}
        self.deal_values = {**self.deal_values, **data}
        self.field_errors = {}
        if "probability" in data and not data["probability"].strip():
            data["probability"] = None
        with session_scope() as session:
            events.after_commit(session)
            if self.deal_editing_id:
                deals.update_deal(session=session, ctx=ctx, deal_id=self.deal_editing_id,
                                  deal_in=DealUpdate(**data))
            elif self.deal_contact_id:
                deals.deal_from_contact(session=session, ctx=ctx, contact_id=self.deal_contact_id,
                                        deal_in=DealCreate(**data))
            else:
                deals.create_deal(session=session, ctx=ctx, deal_in=DealCreate(**data))
        message = self.tr("Deal saved." if self.deal_editing_id else "Deal created.")
        self.deal_open = False
        if self.deal_contact_id:                   # opened from a contact's page
            return rx.toast.success(message)
        return [DealsState.load, rx.toast.success(message)]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _type_label(kind: int | None) -> str:
    try:
        return TYPE_LABELS[OutreachType(kind)] if kind is not None else ""
    except ValueError:
        return ""
