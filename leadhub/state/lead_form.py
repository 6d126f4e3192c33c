"""The lead create/edit dialog, shared by the leads list and the lead's own page (a mixin).

It shows the team's schema (required fields, picklist options, custom fields), reports
errors at the field, and before saving checks for likely duplicates: the user sees each
match with its reasons, may open it, and saves anyway only by saying so.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from leadhub.services import custom_fields, dedupe, leads
from leadhub.services.db import session_scope
from leadhub.services.display import phone
from leadhub.state.session import NONE, handles_errors

FORM_FIELDS = (
    "first_name", "last_name", "company", "title", "email", "phone", "mobile", "website",
    "lead_source", "industry", "status", "rating", "budget", "need", "interest", "owner_id",
    "street", "city", "state", "postal_code", "country", "description",
)
SELECTS = ("rating", "need", "interest", "lead_source", "industry")
CF = "custom_fields."


class LeadFormMixin(rx.State, mixin=True):
    dialog_open: bool = False
    editing_id: int = 0
    form_values: dict[str, str] = {}
    form_key: int = 0
    field_errors: dict[str, str] = {}
    owners: list[list[str]] = []
    custom_specs: list[dict[str, str]] = []
    custom_options: dict[str, list[str]] = {}
    required_fields: list[str] = []
    source_choices: list[list[str]] = []
    industry_choices: list[list[str]] = []
    duplicates: list[dict[str, str]] = []
    _pending: dict[str, Any] = {}

    def _load_schema(self, session, ctx) -> custom_fields.LeadSchema:
        """The team's fields for the form (cheap: a few small queries)."""
        schema = custom_fields.lead_schema(session=session, ctx=ctx)
        self.custom_specs = [{"key": s.key, "label": s.label, "type": s.type,
                              "required": "1" if s.required else "", "name": CF + s.key,
                              "id": f"cf-{s.key}"} for s in schema.fields]
        self.custom_options = {s.key: list(s.options) for s in schema.fields if s.type == "picklist"}
        self.required_fields = sorted(schema.required) + [CF + s.key for s in schema.fields if s.required]
        self.source_choices = [[NONE, "—"], *([o, o] for o in schema.options["lead_source"])]
        self.industry_choices = [[NONE, "—"], *([o, o] for o in schema.options["industry"])]
        if not self.owners:
            self.owners = [[str(uid), name] for uid, name in leads.team_owners(session=session, ctx=ctx)]
        return schema

    def _open_form(self, values: dict[str, str], lead_id: int) -> None:
        keys = [*FORM_FIELDS, *(spec["name"] for spec in self.custom_specs)]
        self.form_values = {name: values.get(name, "") for name in keys}
        self.editing_id = lead_id
        self.field_errors = {}
        self.duplicates = []
        self._pending = {}
        self.form_key += 1
        self.dialog_open = True

    @rx.event
    @handles_errors
    def open_new(self):
        ctx = self._ctx()
        with session_scope() as session:
            self._load_schema(session, ctx)
        self._open_form({"status": "New", "owner_id": str(ctx.user_id), **{n: NONE for n in SELECTS}}, 0)

    @rx.event
    @handles_errors
    def open_edit(self, lead_id: str | int):
        ctx = self._ctx()
        with session_scope() as session:
            schema = self._load_schema(session, ctx)
            lead = leads.get_lead(session=session, ctx=ctx, lead_id=int(lead_id))
            values = {name: _as_text(getattr(lead, name)) for name in FORM_FIELDS}
            for spec in schema.fields:
                values[CF + spec.key] = custom_fields.form_value(spec, (lead.custom_fields or {}).get(spec.key))
            lead_id = lead.id
        for name in SELECTS:
            values[name] = values[name] or NONE
        values["phone"], values["mobile"] = phone(values["phone"]), phone(values["mobile"])
        self._open_form(values, lead_id)

    @rx.event
    def set_dialog_open(self, is_open: bool):
        self.dialog_open = is_open

    def _data(self, form: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {name: ("" if form.get(name) == NONE else form.get(name, ""))
                                for name in FORM_FIELDS if name in form}
        custom: dict[str, Any] = {}
        for spec in self.custom_specs:
            name = spec["name"]
            value = form.get(name, "")
            if spec["type"] == "checkbox":
                custom[spec["key"]] = "yes" if value not in ("", None, False) else ""
            elif name in form:
                custom[spec["key"]] = "" if value == NONE else value
        if custom:
            data["custom_fields"] = custom
        return data

    @rx.event
    @handles_errors
    def save(self, form: dict[str, Any]):
        return self._save(self._data(form), check_duplicates=True)

    @rx.event
    @handles_errors
    def save_anyway(self):
        """The user saw the likely duplicates and saves all the same."""
        if not self._pending:
            return None
        return self._save(dict(self._pending), check_duplicates=False)

    def _save(self, data: dict[str, Any], *, check_duplicates: bool):
        ctx = self._ctx()
        self.field_errors = {}
        with session_scope() as session:
            lead = leads.get_lead(session=session, ctx=ctx, lead_id=self.editing_id) if self.editing_id else None
            leads.clean_lead_fields(session, ctx, data, partial=lead is not None, lead=lead)
            if check_duplicates:
                probe = {k: getattr(lead, k) if lead is not None and k not in data else data.get(k, "")
                         for k in ("first_name", "last_name", "company", "email", "phone", "mobile")}
                matches = dedupe.find_duplicates(session=session, ctx=ctx, data=probe,
                                                 exclude_lead_id=self.editing_id or None, limit=5)
                if matches:
                    self._pending = data
                    self.duplicates = [{"id": str(m.lead_id), "name": m.name, "company": m.company,
                                        "email": m.email, "phone": phone(m.phone),
                                        "reasons": self._reasons(m)} for m in matches]
                    return None
            if lead is not None:
                saved = leads.update_lead(session=session, ctx=ctx, lead_id=lead.id, changes=data)
            else:
                saved = leads.create_lead(session=session, ctx=ctx, data=data)
            saved_id = saved.id
        created = not self.editing_id
        self.dialog_open = False
        self.duplicates, self._pending = [], {}
        message = self.tr("Lead created." if created else "Lead saved.")
        return [*self._after_save(saved_id, created), rx.toast.success(message)]

    def _reasons(self, match: dedupe.Match) -> str:
        out = []
        for kind, reason in zip(match.kinds, match.reasons):
            label = {"email": "Same e-mail", "phone": "Same phone", "name_company": "Similar name and company",
                     "name": "Same name, no company"}[kind]
            detail = reason.split(": ", 1)[1] if ": " in reason else ""
            out.append(f"{self.tr(label)}: {detail}" if detail else self.tr(label))
        return " · ".join(out)

    @rx.event
    def dismiss_duplicates(self):
        self.duplicates, self._pending = [], {}

    def _after_save(self, lead_id: int, created: bool) -> list:
        """What the page does once a lead is saved (each page says)."""
        return []


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)
