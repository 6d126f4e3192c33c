"""The workflows page: rules with their switches, a builder, and the log of recent runs."""

from __future__ import annotations

import reflex as rx

from leadhub.i18n import translate
from leadhub.services import leads, workflows
from leadhub.services.db import session_scope
from leadhub.services.display import local_time
from leadhub.state.session import SessionState, handles_errors

ACTION_FIELDS = {
    "set_field": ("field", "value"), "assign_round_robin": ("user_ids",), "create_task": ("subject", "due_in_days"),
    "add_to_campaign": ("campaign_id",), "add_to_sequence": ("sequence_id",), "notify": ("channel", "text"),
    "webhook": ("url",),
}


class WorkflowsState(SessionState):
    rules: list[dict[str, str]] = []
    runs: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    name: str = ""
    trigger: str = "status_changed"
    config: str = ""
    condition_field: str = ""
    condition_value: str = ""
    actions: list[dict[str, str]] = []
    trigger_choices: list[list[str]] = []
    action_choices: list[list[str]] = []

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    @rx.var
    def config_hint(self) -> str:
        return {"status_changed": "to status (optional), e.g. Qualified",
                "field_changed": "field (optional), e.g. title",
                "score_crossed": "score to cross upwards, e.g. 50",
                "no_touch": "days without a touch, e.g. 14"}.get(self.trigger, "")

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        self.trigger_choices = [[k, translate(v[0], self.lang)] for k, v in workflows.TRIGGERS.items()]
        self.action_choices = [[k, translate(v, self.lang)] for k, v in workflows.ACTIONS.items()]
        with session_scope() as session:
            rules = workflows.list_rules(session=session, ctx=ctx)
            names = {r.id: r.name for r in rules}
            self.rules = [{
                "id": str(r.id), "name": r.name, "enabled": "yes" if r.enabled else "",
                "trigger": translate(workflows.TRIGGERS[r.trigger][0], self.lang)
                + (f" ({', '.join(f'{k}: {v}' for k, v in r.trigger_config.items())})" if r.trigger_config else ""),
                "actions": ", ".join(translate(workflows.ACTIONS[a["type"]], self.lang) for a in r.actions),
            } for r in rules]
            self.runs = [{
                "id": str(run.id), "rule": names.get(run.rule_id, "?"), "status": run.status,
                "lead_id": str(run.lead_id or ""), "log": " · ".join(run.log),
                "at": local_time(run.started_at, self.team_timezone, "%Y-%m-%d %H:%M:%S"),
            } for run in workflows.list_runs(session=session, ctx=ctx, limit=30)]

    @rx.event
    def set_name(self, value: str):
        self.name = value

    @rx.event
    def set_trigger(self, value: str):
        self.trigger, self.config = value, ""

    @rx.event
    def set_config(self, value: str):
        self.config = value

    @rx.event
    def set_condition_field(self, value: str):
        self.condition_field = value

    @rx.event
    def set_condition_value(self, value: str):
        self.condition_value = value

    @rx.event
    def add_action(self, kind: str):
        if kind in workflows.ACTIONS and len(self.actions) < 10:
            self.actions = [*self.actions, {"type": kind, "a": "", "b": ""}]

    @rx.event
    def set_action(self, index: int, key: str, value: str):
        rows = [dict(r) for r in self.actions]
        if 0 <= int(index) < len(rows) and key in ("a", "b"):
            rows[int(index)][key] = value
            self.actions = rows

    @rx.event
    def remove_action(self, index: int):
        self.actions = [r for i, r in enumerate(self.actions) if i != int(index)]

    def _config(self) -> dict:
        value = self.config.strip()
        if not value:
            return {}
        return {"status_changed": {"to": value}, "field_changed": {"field": value},
                "score_crossed": {"threshold": value, "direction": "up"},
                "no_touch": {"days": value}}.get(self.trigger, {})

    def _actions(self) -> list[dict]:
        out = []
        for row in self.actions:
            names = ACTION_FIELDS[row["type"]]
            action = {"type": row["type"]}
            for name, raw in zip(names, (row["a"], row["b"])):
                action[name] = [u.strip() for u in raw.split(",") if u.strip()] if name == "user_ids" else raw
            out.append(action)
        return out

    @rx.event
    @handles_errors
    def save(self):
        self.field_errors = {}
        ctx = self._ctx()
        conditions = []
        if self.condition_field.strip() and self.condition_value.strip():
            conditions = [{"field": self.condition_field.strip(), "operator": "contains",
                           "value": self.condition_value}]
        with session_scope() as session:
            workflows.save_rule(session=session, ctx=ctx, data={
                "name": self.name, "trigger": self.trigger, "trigger_config": self._config(),
                "conditions": conditions, "actions": self._actions()})
        self.name, self.config, self.actions = "", "", []
        self.condition_field = self.condition_value = ""
        return [WorkflowsState.load, rx.toast.success(self.tr("Workflow saved."))]

    @rx.event
    @handles_errors
    def toggle(self, rule_id: str, enabled: bool):
        ctx = self._ctx()
        with session_scope() as session:
            workflows.set_enabled(session=session, ctx=ctx, rule_id=int(rule_id), enabled=enabled)
        return WorkflowsState.load

    @rx.event
    @handles_errors
    def delete(self, rule_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            workflows.delete_rule(session=session, ctx=ctx, rule_id=int(rule_id))
        return WorkflowsState.load


LEAD_FIELD_NAMES = [name for name in leads.EDITABLE_FIELDS if name not in ("custom_fields", "outreach_id")]
