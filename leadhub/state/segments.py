"""The segments page: the team's saved filters with live counts, and the editor."""

from __future__ import annotations

from typing import Any

import reflex as rx

from leadhub.i18n import translate
from leadhub.services import campaigns, custom_fields, segments
from leadhub.services.db import session_scope
from leadhub.services.errors import ValidationFailed
from leadhub.state.session import SessionState, handles_errors


class SegmentsState(SessionState):
    segments: list[dict[str, str]] = []
    editing_id: int = 0
    editor_open: bool = False
    name: str = ""
    entity: str = "lead"
    match: str = "all"
    shared: bool = True
    conditions: list[dict[str, str]] = []
    field_choices: dict[str, list[list[str]]] = {}       # entity -> [value, label, type]
    operator_choices: dict[str, list[list[str]]] = {}    # type -> [operator, label]
    campaign_choices: list[list[str]] = []
    preview: str = ""
    members: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}

    @rx.var
    def fields_of_entity(self) -> list[list[str]]:
        return self.field_choices.get(self.entity, [])

    def _choices(self, session, ctx) -> None:
        schema = custom_fields.lead_schema(session=session, ctx=ctx)
        self.field_choices = {
            entity: [[name, translate(label, self.lang) if not name.startswith("cf.") else label, kind]
                     for name, (label, kind) in segments.fields_for(entity, schema).items()]
            for entity in segments.ENTITIES}
        self.operator_choices = {kind: [[op, translate(segments.OPERATOR_LABELS[op], self.lang)]
                                        for op in ops] for kind, ops in segments.OPERATORS.items()}
        self.campaign_choices = [[str(c.id), c.name] for c in
                                 campaigns.list_campaigns(session=session, ctx=ctx, limit=200)]

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            self._choices(session, ctx)
            rows = segments.list_segments(session=session, ctx=ctx)
            self.segments = [{
                "id": str(s.id), "name": s.name, "entity": s.entity,
                "count": str(segments.count(session=session, ctx=ctx, segment_id=s.id)),
                "shared": "yes" if s.shared else "", "mine": "yes" if s.mine else ""} for s in rows]

    def _type_of(self, field: str) -> str:
        return next((c[2] for c in self.field_choices.get(self.entity, []) if c[0] == field), "text")

    def _row(self, field: str, operator: str = "", value: Any = "") -> dict[str, str]:
        kind = self._type_of(field)
        ops = segments.OPERATORS.get(kind, ())
        if operator not in ops:
            operator = ops[0] if ops else ""
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return {"field": field, "operator": operator, "value": "" if value is None else str(value),
                "type": kind, "needs_value": "" if operator in segments.NO_VALUE else "yes"}

    @rx.event
    def new_segment(self):
        self.editing_id, self.name, self.entity, self.match, self.shared = 0, "", "lead", "all", True
        self.conditions = [self._row("score", "gte", "30")]
        self.field_errors, self.members = {}, []
        self.editor_open = True
        return SegmentsState.refresh_preview

    @rx.event
    @handles_errors
    def edit(self, segment_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            segment = segments.get_segment(session=session, ctx=ctx, segment_id=int(segment_id))
        self.editing_id, self.name, self.entity = segment.id, segment.name, segment.entity
        self.match, self.shared = segment.match, segment.shared
        self.conditions = [self._row(c.field, c.operator, c.value) for c in segment.conditions]
        self.field_errors = {}
        self.editor_open = True
        return SegmentsState.refresh_preview

    @rx.event
    def close(self):
        self.editor_open = False

    @rx.event
    def set_name(self, value: str):
        self.name = value

    @rx.event
    def set_entity(self, value: str | list[str]):
        if isinstance(value, str) and value in segments.ENTITIES:
            self.entity = value
            first = self.field_choices.get(value, [["last_name"]])[0][0]
            self.conditions = [self._row(first)]
            return SegmentsState.refresh_preview

    @rx.event
    def set_match(self, value: str | list[str]):
        if value in ("all", "any"):
            self.match = value
            return SegmentsState.refresh_preview

    @rx.event
    def set_shared(self, value: bool):
        self.shared = bool(value)

    @rx.event
    def set_condition(self, index: int, key: str, value: str):
        index = int(index)
        if not 0 <= index < len(self.conditions) or key not in ("field", "operator", "value"):
            return
        row = dict(self.conditions[index])
        row[key] = value
        if key == "field":
            row = self._row(value)
        elif key == "operator":
            row = self._row(row["field"], value, row["value"])
        rows = list(self.conditions)
        rows[index] = row
        self.conditions = rows
        return SegmentsState.refresh_preview

    @rx.event
    def add_condition(self):
        if len(self.conditions) < segments.MAX_CONDITIONS:
            first = self.field_choices.get(self.entity, [["last_name"]])[0][0]
            self.conditions = [*self.conditions, self._row(first)]

    @rx.event
    def remove_condition(self, index: int):
        rows = list(self.conditions)
        if 0 <= int(index) < len(rows):
            rows.pop(int(index))
        self.conditions = rows
        return SegmentsState.refresh_preview

    def _data(self) -> dict[str, Any]:
        return {"name": self.name, "entity": self.entity, "match": self.match, "shared": self.shared,
                "conditions": [{"field": c["field"], "operator": c["operator"], "value": c["value"]}
                               for c in self.conditions]}

    @rx.event
    def refresh_preview(self):
        """The live count while editing; an incomplete condition just shows no number yet."""
        try:
            ctx = self._ctx()
            with session_scope() as session:
                total = segments.preview_count(session=session, ctx=ctx, data=self._data())
            self.preview = str(total)
            self.field_errors = {}
        except ValidationFailed as exc:
            self.preview = ""
            self.field_errors = {k: self.tr(v) for k, v in exc.field_errors.items()}
        except Exception:  # noqa: BLE001 - a preview never breaks the editor
            self.preview = ""

    @rx.event
    @handles_errors
    def save(self):
        ctx = self._ctx()
        with session_scope() as session:
            if self.editing_id:
                segment = segments.update_segment(session=session, ctx=ctx, segment_id=self.editing_id,
                                                  data=self._data())
            else:
                segment = segments.create_segment(session=session, ctx=ctx, data=self._data())
        self.editing_id = segment.id
        return [SegmentsState.load, SegmentsState.show_members(segment.id),
                rx.toast.success(self.tr("Segment saved."))]

    @rx.event
    @handles_errors
    def delete(self, segment_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            segments.delete_segment(session=session, ctx=ctx, segment_id=int(segment_id))
        self.editor_open = False
        return [SegmentsState.load, rx.toast.success(self.tr("Segment deleted."))]

    @rx.event
    @handles_errors
    def show_members(self, segment_id: int):
        ctx = self._ctx()
        with session_scope() as session:
            rows, _ = segments.members_page(session=session, ctx=ctx, segment_id=int(segment_id))
        self.members = [{"id": str(r["id"]), "name": r["name"] or "—", "detail": r["detail"] or "",
                         "score": "" if r["score"] is None else str(r["score"]),
                         "rating": r["rating"] or ""} for r in rows]
