"""Duplicate groups across the team, and the merge dialog (also opened from a lead's page).

Finding groups reads every lead of the team, so it runs in a background event, in a worker
thread, and the result is kept per team and team version (any lead change bumps it) so a
second visit, or another member's, is instant until something changes.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from typing import Any

import reflex as rx
from sqlmodel import select

from leadhub.services import custom_fields, dedupe, merge
from leadhub.services.context import TeamContext
from leadhub.services.db import session_scope
from leadhub.services.display import local_time, money, phone
from leadhub.services.errors import LeadHubError, NotAuthenticated
from leadhub.services.models import Lead, User
from leadhub.state.lead_detail import LABELS, TRANSLATED_VALUES
from leadhub.state.session import SessionState, handles_errors

PAGE_SIZE = 20
_CACHE: OrderedDict[tuple[int, int], dedupe.GroupPage] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _team_version(session, team_id: int) -> int:
    try:
        from leadhub.services import team_signal
    except ImportError:
        return -1
    return team_signal.current(session=session, team_id=team_id)


def all_groups(ctx: TeamContext) -> dedupe.GroupPage:
    """Every duplicate group of the team (cached per team version)."""
    with session_scope() as session:
        version = _team_version(session, ctx.team_id)
        key = (ctx.team_id, version)
        with _CACHE_LOCK:
            cached = _CACHE.get(key)
        if cached is not None and version >= 0:
            return cached
        result = dedupe.duplicate_groups(session=session, ctx=ctx, page=1, page_size=100_000)
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > 16:
            _CACHE.popitem(last=False)
    return result


class DuplicatesState(SessionState):
    loading: bool = False
    groups: list[dict[str, str]] = []
    members: dict[str, list[dict[str, str]]] = {}
    total: int = 0
    page: int = 1
    pages: int = 1

    @rx.event(background=True)
    async def load(self):
        async with self:
            try:
                ctx = self._ctx()
            except NotAuthenticated:
                yield self._to_login()
                return
            self.loading = True
            page, tz, lang = self.page, self.team_timezone, self.lang
        try:
            result = await asyncio.to_thread(all_groups, ctx)
        except LeadHubError as exc:
            async with self:
                self.loading = False
            yield rx.toast.error(exc.message)
            return
        pages = max(1, -(-len(result.groups) // PAGE_SIZE))
        page = max(1, min(page, pages))
        chosen = result.groups[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        async with self:
            self.total, self.page, self.pages = len(result.groups), page, pages
            self.groups = [{"key": str(i), "ids": ",".join(str(x) for x in g.lead_ids),
                            "size": str(len(g.lead_ids)), "reasons": " · ".join(self._reason(r) for r in g.reasons[:6])}
                           for i, g in enumerate(chosen)]
            self.members = {str(i): [{"id": str(m["id"]), "name": m["name"], "company": m["company"],
                                      "email": m["email"], "phone": phone(m["phone"] or m["mobile"]),
                                      "status": m["status"], "owner": m["owner"],
                                      "created": local_time(m["created_at"], tz, "%Y-%m-%d")}
                                     for m in g.members] for i, g in enumerate(chosen)}
            self.loading = False

    def _reason(self, text: str) -> str:
        head, _, rest = text.partition(": ")
        return f"{self.tr(head)}: {rest}" if rest else self.tr(head)

    @rx.event
    def go_to_page(self, page: int):
        self.page = max(1, min(int(page), self.pages))
        return DuplicatesState.load


class MergeState(SessionState):
    """Pick the surviving lead and, field by field, the value that survives."""

    merge_open: bool = False
    merge_leads: list[dict[str, str]] = []
    merge_fields: list[list[str]] = []
    merge_values: dict[str, dict[str, str]] = {}
    choices: dict[str, str] = {}
    survivor: str = ""

    @rx.event
    @handles_errors
    def open_merge(self, ids: str):
        """Open the dialog for leads "12,15,19" (the first one survives unless changed)."""
        ctx = self._ctx()
        lead_ids = [int(i) for i in str(ids).split(",") if i.strip().isdigit()]
        with session_scope() as session:
            rows = merge.merge_preview(session=session, ctx=ctx, lead_ids=lead_ids)
            schema = custom_fields.lead_schema(session=session, ctx=ctx)
            owners = {u.id: u.full_name or u.email for u in session.exec(
                select(User).where(User.id.in_({r.owner_id for r in rows if r.owner_id}))).all()}
            self._fill(rows, schema, owners)
        self.merge_open = True

    def _display(self, lead: Lead, name: str, owners: dict[int, str]) -> str:
        value = getattr(lead, name)
        if name == "owner_id":
            return owners.get(value, "") if value else ""
        if name == "outreach_id":
            return f"#{value}" if value else ""
        if name in ("phone", "mobile"):
            return phone(value)
        if name == "budget":
            return money(value, self.team_currency)
        if name in TRANSLATED_VALUES and value:
            return self.tr(value)
        return "" if value is None else str(value)

    def _fill(self, rows: list[Lead], schema: custom_fields.LeadSchema, owners: dict[int, str]) -> None:
        tz = self.team_timezone
        self.merge_leads = [{"id": str(r.id), "name": f"{r.first_name} {r.last_name}".strip(),
                             "created": local_time(r.created_at, tz, "%Y-%m-%d")} for r in rows]
        labels = {**{k: self.tr(v) for k, v in LABELS.items()}, "owner_id": self.tr("Owner"),
                  "outreach_id": self.tr("Outreach"), "notes": self.tr("Notes")}
        specs = schema.by_key()
        values: dict[str, dict[str, str]] = {str(r.id): {} for r in rows}
        fields: list[list[str]] = []
        for name in merge.CHOOSABLE:
            shown = [self._display(r, name, owners) for r in rows]
            if any(shown):
                fields.append([name, labels.get(name, name), "1" if len(set(shown)) > 1 else ""])
                for r, text in zip(rows, shown):
                    values[str(r.id)][name] = text
        keys = dict.fromkeys(k for r in rows for k in (r.custom_fields or {}))
        for key in keys:
            spec = specs.get(key)
            name = f"custom_fields.{key}"
            shown = [custom_fields.display_value(spec, (r.custom_fields or {}).get(key)) if spec
                     else str((r.custom_fields or {}).get(key, "") or "") for r in rows]
            label = spec.label if spec else f"{key} ({self.tr('removed field')})"
            fields.append([name, label, "1" if len(set(shown)) > 1 else ""])
            for r, text in zip(rows, shown):
                values[str(r.id)][name] = self.tr(text)
        self.merge_fields, self.merge_values = fields, values
        self.survivor = str(rows[0].id)
        self._default_choices(rows)

    def _default_choices(self, rows: list[Lead]) -> None:
        self.choices = {k: str(v) for k, v in merge.default_choices(rows).items()}

    @rx.event
    @handles_errors
    def set_survivor(self, lead_id: str):
        ctx = self._ctx()
        ids = [lead_id] + [r["id"] for r in self.merge_leads if r["id"] != lead_id]
        with session_scope() as session:
            rows = merge.merge_preview(session=session, ctx=ctx, lead_ids=[int(i) for i in ids])
            self._default_choices(rows)
        self.survivor = lead_id

    @rx.event
    def choose(self, field: str, lead_id: str):
        if field in self.choices and any(r["id"] == lead_id for r in self.merge_leads):
            self.choices = {**self.choices, field: lead_id}

    @rx.event
    def set_merge_open(self, is_open: bool):
        self.merge_open = is_open

    @rx.event
    @handles_errors
    def confirm_merge(self):
        ctx = self._ctx()
        survivor = int(self.survivor)
        others = [int(r["id"]) for r in self.merge_leads if int(r["id"]) != survivor]
        choices: dict[str, Any] = {k: int(v) for k, v in self.choices.items()}
        with session_scope() as session:
            result = merge.merge_leads(session=session, ctx=ctx, survivor_id=survivor, merged_ids=others,
                                       choices=choices)
            merged = len(result.merged_ids)
        self.merge_open = False
        message = self.tr("Lead merged into this one.") if merged == 1 else \
            self.tr("{n} leads merged into this one.").replace("{n}", str(merged))
        return [rx.redirect(f"/leads/{survivor}"), rx.toast.success(message)]
