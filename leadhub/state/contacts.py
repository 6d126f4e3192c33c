"""Contacts: the paged list with its create/edit form, and one contact's page with its touches,
attribution and outreach timeline."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from leadhub.i18n.outreach import translate_message
from leadhub.services import contacts, outreach, touches
from leadhub.services.db import session_scope
from leadhub.services.display import local_time, phone, relative
from leadhub.services.models import OutreachType
from leadhub.services.outreach import OutreachFilter
from leadhub.state.outreach import (
    TYPE_KEYS,
    TYPE_LABELS,
    Entry,
    change_response,
    contact_href,
    lead_href,
    person_name,
    team_members,
    timeline_entries,
)
from leadhub.state.session import NONE, SessionState, handles_errors

ANY = "all"
PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 10
PICKER_PAGE_SIZE = 6
FORM_FIELDS = ("first_name", "last_name", "email", "phone", "title", "owner_id")
TOUCH_KINDS = {"call": "Call", "meeting": "Meeting", "email": "E-mail"}
TOUCH_BADGES = {"outreach": "outreach", "call": "call", "meeting": "meeting", "email": "e-mail"}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _source_label(row, lang: str) -> str:
    kind = TYPE_KEYS[OutreachType(row.type)]
    label = translate_message(TYPE_LABELS[kind], lang)
    detail = row.channel or row.email or row.value or ""
    return f"{label} · {detail}" if detail else label


class ContactsState(SessionState):
    """The /contacts list and the create/edit dialog (also opened from a contact's page)."""

    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    search: str = ""
    owner_filter: str = ANY
    sort: str = "name"
    descending: bool = False
    owners: list[list[str]] = []

    dialog_open: bool = False
    editing_id: int = 0
    from_outreach: int = 0
    from_label: str = ""
    form_values: dict[str, str] = {}
    form_key: int = 0
    field_errors: dict[str, str] = {}
    _loaded_lang: str = ""

    def tr(self, text: str) -> str:
        return translate_message(text, self.lang)

    @rx.event
    def relabel(self):
        """Reload after a language switch (the rows hold texts in the language of the last load)."""
        if self._loaded_lang and self._loaded_lang != self.lang:
            return ContactsState.load
        return None

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        self._loaded_lang = self.lang
        owner = None
        if self.owner_filter == "me":
            owner = ctx.user_id
        elif self.owner_filter not in (ANY, ""):
            owner = int(self.owner_filter)
        tz = self.team_timezone
        with session_scope() as session:
            result = contacts.list_contacts(session=session, ctx=ctx, search=self.search, owner_id=owner,
                                            sort=self.sort, descending=self.descending, page=self.page,
                                            page_size=PAGE_SIZE)
            if result.page > result.pages:
                self.page = result.pages
                result = contacts.list_contacts(session=session, ctx=ctx, search=self.search,
                                                owner_id=owner, sort=self.sort, descending=self.descending,
                                                page=self.page, page_size=PAGE_SIZE)
            members = team_members(session, ctx)
            names = dict(members)
            rows = []
            for c in result.items:
                source = (outreach.get_outreach(session=session, ctx=ctx, outreach_id=c.outreach_id)
                          if c.outreach_id else None)
                rows.append({
                    "id": str(c.id), "name": person_name(c), "email": c.email, "phone": phone(c.phone),
                    "title": c.title, "owner": names.get(c.owner_id, ""),
                    "last_rel": relative(c.last_contacted_at, lang=self.lang) or self.tr("Never"),
                    "last_local": local_time(c.last_contacted_at, tz),
                    "source_kind": TYPE_KEYS[OutreachType(source.type)] if source else "",
                    "source": _source_label(source, self.lang) if source else "",
                })
        self.rows = rows
        self.owners = [[str(uid), name] for uid, name in members]
        self.total, self.page, self.pages = result.total, result.page, result.pages

    @rx.event
    def load_page(self):
        """on_load of /contacts: the list, and the new-contact form when the URL says which
        outreach the contact came from (?from_outreach=ID, from the outreach timeline)."""
        events = [ContactsState.load]
        source = self.router.url.query_parameters.get("from_outreach", "")
        if source.isdigit():
            events.append(ContactsState.open_from_outreach(int(source)))
        return events

    @rx.event
    def set_search(self, value: str):
        self.search, self.page = value, 1
        return ContactsState.load

    @rx.event
    def set_owner_filter(self, value: str):
        self.owner_filter, self.page = value, 1
        return ContactsState.load

    @rx.event
    def sort_by(self, column: str):
        if column not in contacts.SORTS:
            return None
        if self.sort == column:
            self.descending = not self.descending
        else:
            self.sort, self.descending = column, column in ("created_at", "updated_at", "last_contacted_at")
        return ContactsState.load

    @rx.event
    def go_to_page(self, page: int):
        self.page = max(1, min(int(page), self.pages))
        return ContactsState.load

    # --- the create / edit dialog ---------------------------------------------------------

    def _open_form(self, values: dict[str, str], contact_id: int, source_id: int = 0, source: str = ""):
        self.form_values = {name: values.get(name, "") for name in FORM_FIELDS}
        self.editing_id, self.from_outreach, self.from_label = contact_id, source_id, source
        self.field_errors = {}
        self.form_key += 1
        self.dialog_open = True

    def _load_owners(self, session, ctx) -> None:
        if not self.owners:
            self.owners = [[str(uid), name] for uid, name in team_members(session, ctx)]

    @rx.event
    @handles_errors
    def open_new(self):
        ctx = self._ctx()
        with session_scope() as session:
            self._load_owners(session, ctx)
        self._open_form({"owner_id": str(ctx.user_id)}, 0)

    @rx.event
    @handles_errors
    def open_from_outreach(self, outreach_id: int):
        """A new contact attributed to the outreach, with its e-mail or phone filled in."""
        ctx = self._ctx()
        with session_scope() as session:
            source = outreach.get_outreach(session=session, ctx=ctx, outreach_id=int(outreach_id))
            self._load_owners(session, ctx)
            label = _source_label(source, self.lang)
        self._open_form({"owner_id": str(ctx.user_id), "email": source.email or "",
                         "phone": source.phone or ""}, 0, source.id, label)

    @rx.event
    @handles_errors
    def open_edit(self, contact_id: int):
        ctx = self._ctx()
        with session_scope() as session:
            contact = contacts.get_contact(session=session, ctx=ctx, contact_id=int(contact_id))
            self._load_owners(session, ctx)
            values = {name: _text(getattr(contact, name)) for name in FORM_FIELDS}
        self._open_form(values, contact.id)

    @rx.event
    def set_dialog_open(self, is_open: bool):
        self.dialog_open = is_open

    @rx.event
    @handles_errors
    def save(self, form: dict[str, Any]):
        ctx = self._ctx()
        data = {name: ("" if form.get(name) == NONE else form.get(name, "")) for name in FORM_FIELDS
                if name in form}
        self.field_errors = {}
        with session_scope() as session:
            if self.editing_id:
                contacts.update_contact(session=session, ctx=ctx, contact_id=self.editing_id, changes=data)
            else:
                contacts.create_contact(session=session, ctx=ctx, data=data,
                                        outreach_id=self.from_outreach or None)
        message = self.tr("Contact saved." if self.editing_id else "Contact created.")
        self.dialog_open = False
        self.from_outreach, self.from_label = 0, ""
        return rx.toast.success(message)


class ContactDetailState(SessionState):
    """/contacts/[contact_id]: who, last contacted, touches, attribution and outreach."""

    contact: dict[str, str] = {}
    record_id: int = 0
    not_found: bool = False
    attribution: list[Entry] = []
    stats: dict[str, str] = {}
    recent: list[dict[str, str]] = []
    entries: list[Entry] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    touch_key: int = 0
    field_errors: dict[str, str] = {}

    picker_open: bool = False
    picker_scope: str = "contact"
    picker_type: str = ANY
    picker_entries: list[Entry] = []
    picker_page: int = 1
    picker_pages: int = 1
    _loaded_lang: str = ""

    def tr(self, text: str) -> str:
        return translate_message(text, self.lang)

    @rx.event
    def relabel(self):
        """Reload after a language switch (the texts are in the language of the last load)."""
        if self._loaded_lang and self._loaded_lang != self.lang:
            return ContactDetailState.load
        return None

    def _route_id(self) -> int:
        last = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        return int(last) if last.isdigit() else 0

    def _entries(self, session, ctx, rows, members) -> list[Entry]:
        """Timeline entries, without the "for <this contact>" chip the page already says."""
        entries = timeline_entries(session, ctx, rows, tz_name=self.team_timezone, lang=self.lang,
                                   currency=self.team_currency, members=members)
        here = contact_href(self.record_id)
        return [dataclasses.replace(e, targets=[t for t in e.targets if t.href != here]) for e in entries]

    @rx.event
    @handles_errors
    def load(self):
        """on_load: the contact in the URL (another team's id reads as not found)."""
        ctx = self._ctx()
        self._loaded_lang = self.lang
        route_id = self._route_id() or self.record_id
        if route_id != self.record_id:
            self.record_id, self.page = route_id, 1
        tz = self.team_timezone
        self.contact, self.attribution, self.entries, self.recent, self.stats = {}, [], [], [], {}
        self.not_found = True
        with session_scope() as session:
            contact = contacts.get_contact(session=session, ctx=ctx, contact_id=self.record_id)
            self.not_found = False
            members = dict(team_members(session, ctx))
            lead = touches.team_lead(session, ctx, contact.lead_id) if contact.lead_id else None
            self.contact = {
                "id": str(contact.id), "name": person_name(contact), "email": contact.email,
                "phone": phone(contact.phone), "phone_e164": contact.phone, "title": contact.title,
                "owner": members.get(contact.owner_id, ""),
                "last_rel": relative(contact.last_contacted_at, lang=self.lang) or self.tr("Never"),
                "last_local": local_time(contact.last_contacted_at, tz),
                "created": local_time(contact.created_at, tz, "%Y-%m-%d"),
                "lead_label": person_name(lead) if lead else "",
                "lead_href": lead_href(lead.id) if lead else "",
            }
            if contact.outreach_id:
                source = outreach.get_outreach(session=session, ctx=ctx, outreach_id=contact.outreach_id)
                self.attribution = self._entries(session, ctx, [source], members)
            stats = touches.touch_stats(session=session, ctx=ctx, contact_id=contact.id)
            self.stats = {
                "total": str(stats.total), "last_30": str(stats.last_30_days),
                "per_30": f"{stats.touches_per_30_days:g}",
                "gap": "—" if stats.average_gap_days is None else f"{stats.average_gap_days:g}",
                "first": local_time(stats.first_at, tz), "last": local_time(stats.last_at, tz),
            }
            self.recent = [{
                "when": local_time(touch.at, tz), "rel": relative(touch.at, lang=self.lang),
                "kind": self.tr(TOUCH_BADGES.get(touch.kind, touch.kind)),
                "summary": touch.summary, "user": members.get(touch.user_id, ""),
            } for touch in touches.list_touches(session=session, ctx=ctx, contact_id=contact.id, limit=8)]
            self._load_timeline(session, ctx, members)

    def _load_timeline(self, session, ctx, members) -> None:
        result = outreach.list_outreach(session=session, ctx=ctx,
                                        filters=OutreachFilter(contact_id=self.record_id),
                                        page=self.page, page_size=TIMELINE_PAGE_SIZE)
        self.entries = self._entries(session, ctx, result.items, members)
        self.total, self.page, self.pages = result.total, result.page, result.pages

    @rx.event
    @handles_errors
    def go_to_page(self, page: int):
        ctx = self._ctx()
        self.page = max(1, min(int(page), self.pages))
        with session_scope() as session:
            contacts.get_contact(session=session, ctx=ctx, contact_id=self.record_id)
            self._load_timeline(session, ctx, dict(team_members(session, ctx)))

    @rx.event
    @handles_errors
    def set_response(self, outreach_id: int, status: str):
        change_response(self, outreach_id, status)
        return rx.toast.success(self.tr("Response saved."))

    @rx.event
    @handles_errors
    def log_touch(self, form: dict[str, Any]):
        """An offline call, meeting or e-mail with a note; it moves "last contacted" forward."""
        ctx = self._ctx()
        self.field_errors = {}
        with session_scope() as session:
            touches.record_offline_touch(session=session, ctx=ctx, note=form.get("note", ""),
                                         kind=form.get("kind", ""), at=form.get("at") or None,
                                         contact_id=self.record_id)
        self.touch_key += 1
        return [ContactDetailState.load, rx.toast.success(self.tr("Touch logged."))]

    # --- link outreach ----------------------------------------------------------------------

    def _load_picker(self, session, ctx) -> None:
        contacts.get_contact(session=session, ctx=ctx, contact_id=self.record_id)
        filters = OutreachFilter(contact_id=self.record_id if self.picker_scope == "contact" else None,
                                 type=None if self.picker_type == ANY else self.picker_type)
        result = outreach.list_outreach(session=session, ctx=ctx, filters=filters, page=self.picker_page,
                                        page_size=PICKER_PAGE_SIZE)
        self.picker_entries = self._entries(session, ctx, result.items, dict(team_members(session, ctx)))
        self.picker_page, self.picker_pages = result.page, result.pages

    @rx.event
    @handles_errors
    def open_picker(self):
        ctx = self._ctx()
        self.picker_page = 1
        with session_scope() as session:
            if self.picker_scope == "contact" and outreach.list_outreach(
                    session=session, ctx=ctx, filters=OutreachFilter(contact_id=self.record_id),
                    page_size=1).total == 0:
                self.picker_scope = "all"
            self._load_picker(session, ctx)
        self.picker_open = True

    @rx.event
    def set_picker_open(self, is_open: bool):
        self.picker_open = is_open

    @rx.event
    @handles_errors
    def set_picker_scope(self, scope: str | list[str]):
        if scope not in ("contact", "all"):
            return None
        ctx = self._ctx()
        self.picker_scope, self.picker_page = scope, 1
        with session_scope() as session:
            self._load_picker(session, ctx)
        return None

    @rx.event
    @handles_errors
    def set_picker_type(self, kind: str):
        ctx = self._ctx()
        self.picker_type = kind if kind in TYPE_LABELS else ANY
        self.picker_page = 1
        with session_scope() as session:
            self._load_picker(session, ctx)

    @rx.event
    @handles_errors
    def picker_go(self, page: int):
        ctx = self._ctx()
        self.picker_page = max(1, min(int(page), self.picker_pages))
        with session_scope() as session:
            self._load_picker(session, ctx)

    @rx.event
    @handles_errors
    def link(self, outreach_id: int):
        ctx = self._ctx()
        with session_scope() as session:
            contacts.link_outreach(session=session, ctx=ctx, contact_id=self.record_id,
                                   outreach_id=int(outreach_id))
        self.picker_open = False
        return [ContactDetailState.load, rx.toast.success(self.tr("Outreach linked."))]

