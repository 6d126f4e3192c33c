"""The /forms page: the team's web forms with their numbers, the builder dialog (admins) and
the embed snippet; the forms service does the work and checks roles."""

from __future__ import annotations

import reflex as rx

from leadhub.api.forms import embed_snippet, hosted_url
from leadhub.services import campaigns, custom_fields, forms
from leadhub.services.db import session_scope
from leadhub.services.display import local_time
from leadhub.state.session import NONE, SessionState, handles_errors

YES = "1"


class FormsState(SessionState):
    rows: list[dict[str, str]] = []
    builder_open: bool = False
    editing_id: int = 0
    values: dict[str, str] = {}
    fields: list[dict[str, str]] = []       # every field a form may ask for, with the form's choices
    owner_mode: str = "creator"
    round_robin: list[str] = []
    members: list[list[str]] = []
    campaign_choices: list[list[str]] = []
    source_choices: list[str] = []
    field_errors: dict[str, str] = {}
    form_key: int = 0
    snippet_open: bool = False
    snippet: str = ""
    snippet_url: str = ""
    snippet_name: str = ""

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            summaries = forms.list_forms(session=session, ctx=ctx)
        self.rows = [{
            "id": str(f.id), "key": f.key, "name": f.name, "fields": str(f.fields),
            "submissions": str(f.submissions), "views": str(f.views), "leads": str(f.leads_created),
            "converted": str(f.converted),
            "rate": "—" if f.conversion_rate is None else f"{100 * f.conversion_rate:.1f}%",
            "archived": YES if f.archived else "", "url": hosted_url(f.key),
            "updated": local_time(f.updated_at, self.team_timezone, "%Y-%m-%d"),
        } for f in summaries]

    # --- the builder ----------------------------------------------------------------------

    def _choices(self, session, ctx) -> None:
        self.members = [[str(i), name] for i, name in forms.members(session=session, ctx=ctx)]
        self.campaign_choices = [[str(c.id), c.name] for c in campaigns.list_campaigns(
            session=session, ctx=ctx, limit=200)]
        schema = custom_fields.lead_schema(session=session, ctx=ctx)
        self.source_choices = list(schema.options.get("lead_source", []))

    @rx.event
    @handles_errors
    def open_new(self):
        ctx = self._ctx()
        with session_scope() as session:
            self._choices(session, ctx)
            choices = forms.field_choices(session=session, ctx=ctx)
        default = {"first_name", "last_name", "email", "phone", "company", "description"}
        self.fields = [self._field_row(f, f.name in default or f.required) for f in choices]
        self.values = {"name": "", "lead_source": "Web Form" if "Web Form" in self.source_choices else NONE,
                       "campaign_id": NONE, "owner_id": NONE, "thank_you_en": "", "thank_you_es": "",
                       "redirect_url": "", "allowed_origins": "", "language": self.lang or "en"}
        self.owner_mode, self.round_robin = "creator", []
        self.editing_id, self.field_errors = 0, {}
        self.form_key += 1
        self.builder_open = True

    @staticmethod
    def _field_row(f: forms.FormField, included: bool, label_en: str = "", label_es: str = "",
                   required: bool | None = None) -> dict[str, str]:
        return {"name": f.name, "default_en": f.label_en, "default_es": f.label_es,
                "label_en": label_en, "label_es": label_es, "included": YES if included else "",
                "required": YES if (f.required if required is None else required) else "",
                "locked": YES if f.required and f.name in ("last_name",) else "",
                "custom": YES if f.name.startswith("cf.") else ""}

    @rx.event
    @handles_errors
    def open_edit(self, form_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            self._choices(session, ctx)
            form = forms.get_form(session=session, ctx=ctx, form_id=int(form_id))
            choices = forms.field_choices(session=session, ctx=ctx)
        chosen = {item["name"]: item for item in form.fields or []}
        ordered = [c for name in chosen for c in choices if c.name == name] + \
            [c for c in choices if c.name not in chosen]
        self.fields = [self._field_row(c, c.name in chosen, chosen.get(c.name, {}).get("label_en", ""),
                                       chosen.get(c.name, {}).get("label_es", ""),
                                       bool(chosen[c.name].get("required")) or c.required if c.name in chosen else None)
                       for c in ordered]
        self.values = {"name": form.name, "lead_source": form.lead_source or NONE,
                       "campaign_id": str(form.campaign_id) if form.campaign_id else NONE,
                       "owner_id": str(form.owner_id) if form.owner_id else NONE,
                       "thank_you_en": form.thank_you_en, "thank_you_es": form.thank_you_es,
                       "redirect_url": form.redirect_url, "allowed_origins": "\n".join(form.allowed_origins or []),
                       "language": form.language}
        self.owner_mode = form.owner_mode
        self.round_robin = [str(i) for i in form.round_robin_ids or []]
        self.editing_id, self.field_errors = form.id, {}
        self.form_key += 1
        self.builder_open = True

    @rx.event
    def set_builder_open(self, open_: bool):
        self.builder_open = open_

    @rx.event
    def toggle_field(self, name: str):
        self.fields = [{**f, "included": "" if f["included"] else YES} if f["name"] == name and not f["locked"]
                       else f for f in self.fields]

    @rx.event
    def toggle_required(self, name: str):
        self.fields = [{**f, "required": "" if f["required"] else YES} if f["name"] == name and not f["locked"]
                       else f for f in self.fields]

    @rx.event
    def set_label(self, name: str, lang: str, value: str):
        key = "label_es" if lang == "es" else "label_en"
        self.fields = [{**f, key: value[:80]} if f["name"] == name else f for f in self.fields]

    @rx.event
    def move_field(self, name: str, offset: int):
        index = next((i for i, f in enumerate(self.fields) if f["name"] == name), None)
        if index is None:
            return
        fields = list(self.fields)
        target = max(0, min(len(fields) - 1, index + int(offset)))
        fields.insert(target, fields.pop(index))
        self.fields = fields

    @rx.event
    def set_owner_mode(self, mode: str):
        self.owner_mode = mode if mode in forms.OWNER_MODES else "creator"

    @rx.event
    def toggle_round_robin(self, user_id: str):
        self.round_robin = [u for u in self.round_robin if u != user_id] if user_id in self.round_robin \
            else [*self.round_robin, user_id]

    @rx.event
    @handles_errors
    def save(self, data: dict):
        self.field_errors = {}
        ctx = self._ctx()
        pick = lambda key: "" if data.get(key) in (None, NONE) else data.get(key)  # noqa: E731
        payload = {
            "name": data.get("name", ""), "lead_source": pick("lead_source"), "campaign_id": pick("campaign_id"),
            "owner_mode": self.owner_mode, "owner_id": pick("owner_id"), "round_robin_ids": self.round_robin,
            "thank_you_en": data.get("thank_you_en", ""), "thank_you_es": data.get("thank_you_es", ""),
            "redirect_url": data.get("redirect_url", ""), "allowed_origins": data.get("allowed_origins", ""),
            "language": data.get("language") or "en",
            "fields": [{"name": f["name"], "label_en": f["label_en"], "label_es": f["label_es"],
                        "required": bool(f["required"])} for f in self.fields if f["included"]],
        }
        with session_scope() as session:
            form = forms.save_form(session=session, ctx=ctx, data=payload, form_id=self.editing_id or None)
            key, name = form.key, form.name
        self.builder_open = False
        events = [FormsState.load, rx.toast.success(self.tr("Form saved."))]
        if not self.editing_id:
            self._show_snippet(key, name)
        return events

    @rx.event
    @handles_errors
    def set_archived(self, form_id: str, archived: bool):
        ctx = self._ctx()
        with session_scope() as session:
            forms.archive_form(session=session, ctx=ctx, form_id=int(form_id), archived=archived)
        return FormsState.load

    # --- the snippet ----------------------------------------------------------------------

    def _show_snippet(self, key: str, name: str) -> None:
        self.snippet = embed_snippet(key)
        self.snippet_url = hosted_url(key)
        self.snippet_name = name
        self.snippet_open = True

    @rx.event
    def open_snippet(self, key: str, name: str):
        if any(r["key"] == key for r in self.rows):
            self._show_snippet(key, name)

    @rx.event
    def set_snippet_open(self, open_: bool):
        self.snippet_open = open_

    @rx.event
    def copy_snippet(self):
        return [rx.set_clipboard(self.snippet), rx.toast.success(self.tr("Copied."))]
