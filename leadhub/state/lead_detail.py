"""/leads/[lead_id]: the lead's fields in groups, its timeline, related records and actions.

Holds what is on screen only (the fields as text, one window of the timeline, the lead's
activities, campaigns and documents); every handler asks the services, which check the
session, the team and the role again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import reflex as rx

from leadhub.services import (
    activities,
    campaigns,
    custom_fields,
    dedupe,
    documents,
    leads,
    merge,
    notes,
    source_details,
    timeline,
)
from leadhub.services.db import session_scope
from leadhub.services.display import local_time, money, phone, relative
from leadhub.services.errors import LeadHubError, NotAuthenticated, NotFound, ValidationFailed
from leadhub.services.models import Lead, LeadStatus, User
from leadhub.state.lead_form import LeadFormMixin
from leadhub.state.session import NONE, SessionState, handles_errors

TIMELINE_STEP = 20
GROUPS = {
    "personal": ("Personal and company", ("first_name", "last_name", "company", "title")),
    "contact": ("Contact details", ("email", "phone", "mobile", "website")),
    "qualification": ("Qualification", ("lead_source", "industry", "status", "rating", "budget", "need",
                                        "interest", "score")),
    "address": ("Address and more", ("street", "city", "state", "postal_code", "country", "description")),
}
LABELS = {
    "first_name": "First name", "last_name": "Last name", "company": "Company", "title": "Title",
    "email": "E-mail", "phone": "Phone", "mobile": "Mobile", "website": "Website",
    "lead_source": "Lead source", "industry": "Industry", "status": "Status", "rating": "Rating",
    "budget": "Budget", "need": "Need", "interest": "Interest", "score": "Score", "street": "Street",
    "city": "City", "state": "State", "postal_code": "Postal code", "country": "Country",
    "description": "Description",
}
TRANSLATED_VALUES = {"status", "rating", "need", "interest"}
UTM_LABELS = {"utm_source": "UTM source", "utm_medium": "UTM medium", "utm_campaign": "UTM campaign",
              "utm_term": "UTM term", "utm_content": "UTM content"}


class LeadDetailState(LeadFormMixin, SessionState):
    record_id: int = 0
    not_found: bool = False
    lead: dict[str, str] = {}
    groups: list[dict[str, str]] = []
    group_fields: dict[str, list[list[str]]] = {}
    custom_values: list[list[str]] = []
    source_visits: list[dict[str, str]] = []
    source_rows: list[list[str]] = []        # [visit id, label, value, link ('' = plain text)]

    timeline: list[dict[str, str]] = []
    timeline_total: int = 0
    timeline_limit: int = TIMELINE_STEP
    note_key: int = 0

    activity_rows: list[dict[str, str]] = []
    activity_open: bool = False
    activity_key: int = 0
    activity_edit: dict[str, str] = {}
    my_user_id: str = ""                    # a new activity's owner when the lead has none
    activity_edit_open: bool = False
    campaign_rows: list[dict[str, str]] = []
    campaign_choices: list[list[str]] = []
    document_rows: list[dict[str, str]] = []
    uploading: bool = False
    possible_duplicates: list[dict[str, str]] = []
    delete_open: bool = False

    def _route_id(self) -> int:
        last = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        return int(last) if last.isdigit() else 0

    @rx.var
    def is_converted(self) -> bool:
        return self.lead.get("status", "") == LeadStatus.CONVERTED.value

    @rx.var
    def document_limit(self) -> str:
        return f"{documents.max_document_bytes() // (1024 * 1024)} MB"

    # --- loading -------------------------------------------------------------------------------

    @rx.event
    @handles_errors
    def load(self):
        """on_load: the lead in the URL; a merged lead's URL leads to its survivor."""
        ctx = self._ctx()
        self.my_user_id = str(ctx.user_id)
        route_id = self._route_id() or self.record_id
        if route_id != self.record_id:
            self.record_id, self.timeline_limit = route_id, TIMELINE_STEP
        with session_scope() as session:
            try:
                lead = leads.get_lead(session=session, ctx=ctx, lead_id=self.record_id)
            except NotFound:
                survivor = merge.survivor_of(session=session, ctx=ctx, lead_id=self.record_id)
                if survivor is not None:
                    return rx.redirect(f"/leads/{survivor}", replace=True)
                self.not_found, self.lead = True, {}
                return None
            self.not_found = False
            schema = self._load_schema(session, ctx)
            owner = session.get(User, lead.owner_id) if lead.owner_id else None
            self._show_lead(lead, owner, schema)
            self._load_related(session, ctx)
            self._load_timeline(session, ctx)
            data = {k: getattr(lead, k) for k in ("first_name", "last_name", "company", "email", "phone", "mobile")}
            self.possible_duplicates = [
                {"id": str(m.lead_id), "name": m.name, "company": m.company,
                 "reasons": self._reasons(m)}
                for m in dedupe.find_duplicates(session=session, ctx=ctx, data=data, exclude_lead_id=lead.id, limit=5)]
        return None

    def _value(self, lead: Lead, name: str) -> str:
        value = getattr(lead, name)
        if name in ("phone", "mobile"):
            return phone(value)
        if name == "budget":
            return money(value, self.team_currency)
        if name in TRANSLATED_VALUES and value:
            return self.tr(value)
        return "" if value is None else str(value)

    def _show_lead(self, lead: Lead, owner: User | None, schema: custom_fields.LeadSchema) -> None:
        tz = self.team_timezone
        self.lead = {
            "id": str(lead.id), "name": f"{lead.first_name} {lead.last_name}".strip(),
            "company": lead.company, "title": lead.title, "status": lead.status, "rating": lead.rating or NONE,
            "owner_id": str(lead.owner_id or NONE), "owner": (owner.full_name or owner.email) if owner else "",
            "email": lead.email, "phone": phone(lead.phone or lead.mobile), "score": str(lead.score),
            "created": local_time(lead.created_at, tz), "updated": local_time(lead.updated_at, tz),
            "last_contacted": relative(lead.last_contacted_at, lang=self.lang),
            "last_contacted_local": local_time(lead.last_contacted_at, tz),
            "website": lead.website,
        }
        self.groups = [{"key": key, "title": self.tr(title)} for key, (title, _) in GROUPS.items()]
        self.group_fields = {key: [[name, self.tr(LABELS[name]), self._value(lead, name)] for name in names]
                             for key, (_, names) in GROUPS.items()}
        stored = lead.custom_fields or {}
        self.custom_values = [[spec.key, spec.label, self.tr(custom_fields.display_value(spec, stored.get(spec.key)))]
                              for spec in schema.fields]

    def _load_related(self, session, ctx) -> None:
        tz = self.team_timezone
        self.activity_rows = [{
            "id": str(a.id), "type": a.type, "subject": a.subject, "status": a.status,
            "due": local_time(a.due_at, tz), "owner": a.owner_name, "overdue": "1" if a.overdue else "",
            "description": a.description,
        } for a in activities.list_activities(session=session, ctx=ctx, lead_id=self.record_id)]
        self.campaign_rows = [{"id": str(c.id), "name": c.name, "added": local_time(added, tz, "%Y-%m-%d")}
                              for c, added in campaigns.campaigns_of_lead(session=session, ctx=ctx,
                                                                          lead_id=self.record_id)]
        self._load_sources(session, ctx)
        self.document_rows = [{
            "id": str(d.id), "filename": d.filename, "size": documents.human_size(d.size_bytes),
            "uploaded": local_time(d.created_at, tz), "by": by or "",
        } for d, by in documents.list_documents(session=session, ctx=ctx, lead_id=self.record_id)]

    def _load_sources(self, session, ctx) -> None:
        """UTM parameters, referrer and page of the lead's web-form submissions (untrusted text:
        React escapes it, and only http(s) addresses become links)."""
        visits = source_details.lead_source_visits(session=session, ctx=ctx, lead_id=self.record_id, limit=3)
        self.source_visits = [{"id": str(v.submission_id), "form": v.form_name,
                               "when": local_time(v.submitted_at, self.team_timezone)} for v in visits]
        rows: list[list[str]] = []
        for v in visits:
            for key, value in v.utm.items():
                rows.append([str(v.submission_id), self.tr(UTM_LABELS[key]), value, ""])
            for label, url in (("Page URL", v.page_url), ("Referrer", v.referrer)):
                if url:
                    rows.append([str(v.submission_id), self.tr(label), url, source_details.safe_link(url)])
        self.source_rows = rows

    def _load_timeline(self, session, ctx) -> None:
        page = timeline.lead_timeline(session=session, ctx=ctx, lead_id=self.record_id,
                                      page_size=min(self.timeline_limit, 200))
        self.timeline_total = page.total
        self.timeline = [self._entry(item) for item in page.items]

    def _entry(self, item: timeline.TimelineItem) -> dict[str, str]:
        tz = self.team_timezone
        entry = {"kind": item.kind, "id": str(item.record_id), "when": local_time(item.at, tz),
                 "actor": item.actor, "title": item.title, "body": item.body, "extra": "", "overdue": ""}
        details = item.details
        if item.kind == "status":
            if details["from"]:
                entry["title"] = self.tr("Status changed")
                entry["extra"] = f"{self.tr(details['from'])} → {self.tr(details['to'])}"
            else:
                entry["title"] = self.tr("Lead created")
                entry["extra"] = self.tr(details["to"])
        elif item.kind == "note":
            entry["title"] = self.tr("Note")
        elif item.kind == "outreach":
            bits = [details.get("channel"), details.get("email"), phone(details.get("phone")), details.get("value")]
            entry["title"] = self.tr(item.title)
            entry["extra"] = " · ".join(b for b in bits if b) + (
                f" · {self.tr(details['response'])}" if details.get("response") else "")
        elif item.kind == "activity":
            due = local_time(details.get("due_at"), tz)
            entry["extra"] = " · ".join(b for b in (self.tr(details["type"]), self.tr(details["status"]),
                                                    f"{self.tr('Due')} {due}" if due else "") if b)
        elif item.kind == "document":
            entry["extra"] = documents.human_size(details.get("size", 0))
        elif item.kind == "merge":
            entry["title"] = self.tr("Merged duplicates")
            lines = []
            for snap in details.get("snapshot", []):
                values = [f"{self.tr(LABELS.get(k, k))}: {v}" for k, v in snap.items()
                          if k in LABELS and v not in (None, "")]
                lines.append(f"#{snap.get('id')} — " + "; ".join(values))
            entry["extra"] = "\n".join(lines)
        elif item.kind == "event" and item.title == activities.ACTIVITY_UPDATED:
            entry["title"] = self.tr("Activity edited")
            entry["extra"] = str(details.get("subject", ""))
            entry["body"] = self._activity_changes(details.get("changes") or {})
        elif item.kind == "event":
            entry["title"] = self.tr(item.title)
        return entry

    def _activity_changes(self, changes: dict[str, Any]) -> str:
        """One line per change, 'Due: 2026-05-04 10:00 → 2026-05-05 09:00', in the team's zone."""
        owners = {o[0]: o[1] for o in self.owners}
        labels = {"type": "Type", "subject": "Subject", "description": "Description", "due_at": "Due",
                  "status": "Status", "owner_id": "Owner"}

        def shown(name: str, value: Any) -> str:
            if value in (None, ""):
                return "—"
            if name == "due_at":
                try:
                    return local_time(datetime.fromisoformat(str(value)), self.team_timezone)
                except ValueError:
                    return str(value)
            if name in ("type", "status"):
                return self.tr(str(value))
            if name == "owner_id":
                return owners.get(str(value), f"#{value}")
            text = str(value)
            return text if len(text) <= 60 else text[:59] + "…"

        parts = []
        for name in activities.FIELDS:
            if name in changes and isinstance(changes[name], list) and len(changes[name]) == 2:
                before, after = changes[name]
                parts.append(f"{self.tr(labels[name])}: {shown(name, before)} → {shown(name, after)}")
        return "\n".join(parts)

    @rx.event
    @handles_errors
    def show_more(self):
        ctx = self._ctx()
        self.timeline_limit = min(self.timeline_limit + TIMELINE_STEP, 200)
        with session_scope() as session:
            self._load_timeline(session, ctx)

    # --- actions on the lead --------------------------------------------------------------------

    def _after_save(self, lead_id: int, created: bool) -> list:
        if created:
            return [rx.redirect(f"/leads/{lead_id}")]
        return [LeadDetailState.load]

    @rx.event
    @handles_errors
    def edit(self):
        return LeadDetailState.open_edit(self.record_id)

    @rx.event
    @handles_errors
    def change(self, field: str, value: str):
        """Owner, status or rating changed from the header."""
        if field not in ("owner_id", "status", "rating"):
            return None
        ctx = self._ctx()
        with session_scope() as session:
            leads.update_lead(session=session, ctx=ctx, lead_id=self.record_id,
                              changes={field: "" if value == NONE else value})
        return [LeadDetailState.load, rx.toast.success(self.tr("Lead saved."))]

    @rx.event
    def set_delete_open(self, is_open: bool):
        self.delete_open = is_open

    @rx.event
    @handles_errors
    def delete_lead(self):
        ctx = self._ctx()
        with session_scope() as session:
            leads.delete_lead(session=session, ctx=ctx, lead_id=self.record_id)
        self.delete_open = False
        return [rx.redirect("/leads"), rx.toast.success(self.tr("Lead deleted."))]

    # --- notes ------------------------------------------------------------------------------------

    @rx.event
    @handles_errors
    def add_note(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        with session_scope() as session:
            notes.add_note(session=session, ctx=ctx, lead_id=self.record_id, body=form.get("body", ""))
        self.note_key += 1
        return [LeadDetailState.load, rx.toast.success(self.tr("Note added."))]

    @rx.event
    @handles_errors
    def delete_note(self, note_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            notes.delete_note(session=session, ctx=ctx, note_id=int(note_id))
        return LeadDetailState.load

    # --- activities ----------------------------------------------------------------------------------

    @rx.event
    def set_activity_open(self, is_open: bool):
        self.activity_open = is_open
        if is_open:
            self.field_errors = {}
            self.activity_key += 1

    @rx.event
    @handles_errors
    def add_activity(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        data = {k: form.get(k, "") for k in ("type", "subject", "due_at", "status", "owner_id", "description")}
        with session_scope() as session:
            activities.create_activity(session=session, ctx=ctx, lead_id=self.record_id, data=data)
        self.activity_open = False
        return [LeadDetailState.load, rx.toast.success(self.tr("Activity added."))]

    @rx.event
    @handles_errors
    def open_activity_edit(self, activity_id: str):
        """The edit dialog, filled with the activity as stored (due time in the team's zone)."""
        ctx = self._ctx()
        with session_scope() as session:
            self.activity_edit = activities.form_values(session=session, ctx=ctx, activity_id=int(activity_id))
        self.field_errors = {}
        self.activity_key += 1
        self.activity_edit_open = True

    @rx.event
    def set_activity_edit_open(self, is_open: bool):
        self.activity_edit_open = is_open
        if not is_open:
            self.field_errors = {}

    @rx.event
    @handles_errors
    def save_activity(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        activity_id = int(self.activity_edit.get("id") or 0)
        changes = {k: form.get(k, "") for k in activities.FIELDS if k in form}
        with session_scope() as session:
            activities.update_activity(session=session, ctx=ctx, activity_id=activity_id, changes=changes)
        self.activity_edit_open = False
        return [LeadDetailState.load, rx.toast.success(self.tr("Activity saved."))]

    @rx.event
    @handles_errors
    def set_activity_status(self, activity_id: str, status: str):
        ctx = self._ctx()
        with session_scope() as session:
            activities.set_status(session=session, ctx=ctx, activity_id=int(activity_id), status=status)
        return LeadDetailState.load

    @rx.event
    @handles_errors
    def delete_activity(self, activity_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            activities.delete_activity(session=session, ctx=ctx, activity_id=int(activity_id))
        return LeadDetailState.load

    # --- campaigns -------------------------------------------------------------------------------------

    @rx.event
    @handles_errors
    def load_campaign_choices(self):
        ctx = self._ctx()
        mine = {row["id"] for row in self.campaign_rows}
        with session_scope() as session:
            self.campaign_choices = [[str(c.id), c.name] for c in
                                     campaigns.list_campaigns(session=session, ctx=ctx, limit=200)
                                     if str(c.id) not in mine]

    @rx.event
    @handles_errors
    def add_to_campaign(self, campaign_id: str):
        if not campaign_id:
            return None
        ctx = self._ctx()
        with session_scope() as session:
            campaigns.add_lead(session=session, ctx=ctx, campaign_id=int(campaign_id), lead_id=self.record_id)
        return LeadDetailState.load

    @rx.event
    @handles_errors
    def create_campaign(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        with session_scope() as session:
            campaign = campaigns.create_campaign(session=session, ctx=ctx, name=form.get("campaign_name", ""))
            campaigns.add_lead(session=session, ctx=ctx, campaign_id=campaign.id, lead_id=self.record_id)
        return [LeadDetailState.load, rx.toast.success(self.tr("Added to the campaign."))]

    @rx.event
    @handles_errors
    def remove_from_campaign(self, campaign_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            campaigns.remove_lead(session=session, ctx=ctx, campaign_id=int(campaign_id), lead_id=self.record_id)
        return LeadDetailState.load

    # --- documents ---------------------------------------------------------------------------------------

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """Store the dropped files (each checked against the size limit while it is read)."""
        try:
            ctx = self._ctx()
        except NotAuthenticated:
            return self._to_login()
        limit = documents.max_document_bytes()
        stored, errors = 0, []
        for file in files:
            content = await file.read(limit + 1)
            name = file.name or file.filename or "document"
            try:
                with session_scope() as session:
                    documents.upload_document(session=session, ctx=ctx, lead_id=self.record_id, filename=name,
                                              content=content, content_type=file.content_type)
                stored += 1
            except ValidationFailed as exc:
                errors.append(f"{name}: {self.tr(next(iter(exc.field_errors.values()), exc.message))}")
            except NotAuthenticated:
                return self._to_login()
            except NotFound as exc:
                # the lead was deleted (or is not this team's): no later file can go anywhere
                errors.append(self.tr(exc.message) + " " + self.tr("The document was not uploaded."))
                break
            except LeadHubError as exc:
                errors.append(f"{name}: {self.tr(exc.message)}")
        events: list = [LeadDetailState.load]
        if stored:
            message = self.tr("Document uploaded.") if stored == 1 else \
                self.tr("{n} documents uploaded.").replace("{n}", str(stored))
            events.append(rx.toast.success(message))
        for error in errors:
            events.append(rx.toast.error(error))
        return events

    @rx.event
    @handles_errors
    def delete_document(self, document_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            documents.delete_document(session=session, ctx=ctx, document_id=int(document_id))
        return [LeadDetailState.load, rx.toast.success(self.tr("Document deleted."))]
