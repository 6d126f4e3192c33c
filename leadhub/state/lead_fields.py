"""/leads/fields: a team admin shapes the lead form (custom fields, required fields, picklists)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from leadhub.services import custom_fields
from leadhub.services.custom_fields import REQUIRABLE_STANDARD, STANDARD_PICKLISTS, TYPE_LABELS
from leadhub.services.db import session_scope
from leadhub.state.lead_detail import LABELS
from leadhub.state.session import SessionState, handles_errors


class LeadFieldsState(SessionState):
    fields: list[dict[str, str]] = []
    standard: list[dict[str, str]] = []
    picklists: dict[str, str] = {}
    field_errors: dict[str, str] = {}
    new_type: str = "text"
    form_key: int = 0
    editing: dict[str, str] = {}
    edit_open: bool = False

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            specs = custom_fields.list_fields(session=session, ctx=ctx, include_archived=True)
            schema = custom_fields.lead_schema(session=session, ctx=ctx)
        self.fields = [{"id": str(s.id), "key": s.key, "label": s.label, "type": s.type,
                        "type_label": self.tr(TYPE_LABELS[s.type]), "options": "\n".join(s.options),
                        "options_inline": ", ".join(s.options), "required": "1" if s.required else "",
                        "archived": "1" if s.archived else ""} for s in specs]
        self.standard = [{"field": name, "label": self.tr(LABELS.get(name, name)),
                          "required": "1" if name in schema.required else ""} for name in REQUIRABLE_STANDARD]
        self.picklists = {name: "\n".join(schema.options[name]) for name in STANDARD_PICKLISTS}

    @rx.event
    def set_new_type(self, value: str):
        self.new_type = value

    @rx.event
    @handles_errors
    def create(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        with session_scope() as session:
            custom_fields.create_field(session=session, ctx=ctx, label=form.get("label", ""),
                                       type=form.get("type", self.new_type), options=form.get("options", ""),
                                       required=bool(form.get("required")))
        self.form_key += 1
        self.new_type = "text"
        return [LeadFieldsState.load, rx.toast.success(self.tr("Field added."))]

    @rx.event
    def open_edit(self, field_id: str):
        self.editing = next((f for f in self.fields if f["id"] == field_id), {})
        self.field_errors = {}
        self.edit_open = bool(self.editing)

    @rx.event
    def set_edit_open(self, is_open: bool):
        self.edit_open = is_open

    @rx.event
    @handles_errors
    def save_edit(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        with session_scope() as session:
            custom_fields.update_field(
                session=session, ctx=ctx, field_id=int(self.editing["id"]), label=form.get("label", ""),
                options=form.get("options") if self.editing.get("type") == "picklist" else None,
                required=bool(form.get("required")))
        self.edit_open = False
        return [LeadFieldsState.load, rx.toast.success(self.tr("Field saved."))]

    @rx.event
    @handles_errors
    def remove(self, field_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            custom_fields.remove_field(session=session, ctx=ctx, field_id=int(field_id))
        return [LeadFieldsState.load,
                rx.toast.success(self.tr("Field removed. Its values are kept and come back if you restore it."))]

    @rx.event
    @handles_errors
    def restore(self, field_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            custom_fields.restore_field(session=session, ctx=ctx, field_id=int(field_id))
        return LeadFieldsState.load

    @rx.event
    @handles_errors
    def move(self, field_id: str, offset: int):
        ctx = self._ctx()
        with session_scope() as session:
            custom_fields.move_field(session=session, ctx=ctx, field_id=int(field_id), offset=int(offset))
        return LeadFieldsState.load

    @rx.event
    @handles_errors
    def set_required(self, field_name: str, required: bool):
        ctx = self._ctx()
        with session_scope() as session:
            custom_fields.set_standard_required(session=session, ctx=ctx, field_name=field_name,
                                                required=bool(required))
        return LeadFieldsState.load

    @rx.event
    @handles_errors
    def save_options(self, form: dict[str, Any]):
        ctx = self._ctx()
        self.field_errors = {}
        name = form.get("field", "")
        with session_scope() as session:
            custom_fields.set_standard_options(session=session, ctx=ctx, field_name=name,
                                               options=form.get("options", ""))
        return [LeadFieldsState.load, rx.toast.success(self.tr("Options saved."))]
