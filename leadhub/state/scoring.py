"""The scoring card in Settings (rules, thresholds, re-scoring progress) and the score panel a
lead page embeds; the scoring service does the work and checks roles."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from leadhub.i18n import translate
from leadhub.services import custom_fields, predictive, scoring
from leadhub.services.db import session_scope
from leadhub.services.display import local_time
from leadhub.services.errors import LeadHubError, NotAuthenticated
from leadhub.services.models import LeadStatus, Role
from leadhub.state.session import SessionState, handles_errors

POLL_SECONDS = 0.5
RUN_HERE_AFTER_SECONDS = 2.0   # no worker took the job by then: run it in this process


def _lead_id_from_path(path: str) -> int:
    """The id in /leads/<id>, or 0."""
    parts = [p for p in str(path).split("/") if p]
    if len(parts) >= 2 and parts[0] == "leads" and parts[1].isdigit():
        return int(parts[1])
    return 0


class ScoringSettingsState(SessionState):
    """Settings → Scoring: what earns points, the Hot/Warm lines, and the re-scoring job."""

    rules: list[dict[str, str]] = []
    thresholds: dict[str, str] = {"hot": "", "warm": ""}
    field_errors: dict[str, str] = {}
    form_key: int = 0
    kind: str = scoring.FIELD_RULE
    field_name: str = "budget"
    operator: str = "gte"
    behaviour: str = "email_opened"
    field_choices: list[list[str]] = []     # [value, label, type]
    job: dict[str, str] = {}
    watching: bool = False

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    @rx.var
    def field_type(self) -> str:
        return next((c[2] for c in self.field_choices if c[0] == self.field_name), "text")

    @rx.var
    def operator_choices(self) -> list[list[str]]:
        ops = scoring.OPERATORS_BY_TYPE.get(self.field_type, ())
        return [[op, translate(scoring.OPERATOR_LABELS[op], self.lang)] for op in ops]

    @rx.var
    def behaviour_choices(self) -> list[list[str]]:
        return [[k, translate(v, self.lang)] for k, v in scoring.BEHAVIOURS.items()]

    @rx.var
    def needs_value(self) -> bool:
        if self.kind == scoring.BEHAVIOUR_RULE:
            return self.behaviour in ("status_reached", "activity_completed")
        return self.operator not in scoring.NO_VALUE_OPERATORS

    @rx.var
    def job_active(self) -> bool:
        return self.job.get("status", "") in ("queued", "running")

    @rx.var
    def job_percent(self) -> int:
        try:
            return int(self.job.get("percent", "0"))
        except ValueError:
            return 0

    def _show_job(self, progress: scoring.JobProgress | None) -> None:
        if progress is None:
            self.job = {}
            return
        self.job = {"id": str(progress.id), "status": progress.status, "done": str(progress.done),
                    "total": str(progress.total), "changed": str(progress.changed),
                    "percent": str(progress.percent), "error": progress.error,
                    "finished": local_time(progress.finished_at, self.team_timezone, "%Y-%m-%d %H:%M")
                    if progress.finished_at else ""}

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            model = scoring.get_model(session=session, ctx=ctx)
            schema = custom_fields.lead_schema(session=session, ctx=ctx)
            self.rules = [self._rule_row(rule, schema) for rule in model.rules]
            self.thresholds = {"hot": str(model.hot), "warm": str(model.warm)}
            self.field_choices = [
                [name, translate(label, self.lang), kind]
                for name, (label, kind) in scoring.STANDARD_FIELDS.items()] + [
                [spec.column, spec.label, scoring.field_type(spec.column, schema) or "text"]
                for spec in schema.fields]
            self._show_job(scoring.latest_job(session=session, ctx=ctx))
        self.field_errors = {}
        self.form_key += 1
        if self.job_active and not self.watching:
            return ScoringSettingsState.watch_job

    def _rule_row(self, rule: scoring.Rule, schema) -> dict[str, str]:
        extras = []
        if rule.cap:
            extras.append(translate("at most {n} points", self.lang).format(n=rule.cap))
        if rule.decay_days:
            extras.append(translate("fades over {n} days", self.lang).format(n=rule.decay_days))
        return {"id": str(rule.id), "points": scoring.signed(rule.points),
                "text": scoring.describe_rule(rule, self.lang, schema),
                "extras": " · ".join(extras), "enabled": "yes" if rule.enabled else "",
                "kind": rule.kind, "positive": "yes" if rule.points >= 0 else ""}

    @rx.event
    def set_kind(self, kind: str | list[str]):
        if isinstance(kind, str) and kind in (scoring.FIELD_RULE, scoring.BEHAVIOUR_RULE):
            self.kind = kind
            self.field_errors = {}

    @rx.event
    def set_field_name(self, name: str):
        self.field_name = name
        ops = scoring.OPERATORS_BY_TYPE.get(self.field_type, ())
        if self.operator not in ops and ops:
            self.operator = ops[0]

    @rx.event
    def set_operator(self, operator: str):
        self.operator = operator

    @rx.event
    def set_behaviour(self, behaviour: str):
        self.behaviour = behaviour

    @rx.event
    @handles_errors
    def add_rule(self, form: dict[str, Any]):
        self.field_errors = {}
        ctx = self._ctx()
        data = {"kind": self.kind, "points": form.get("points", ""), "label": form.get("label", ""),
                "value": form.get("value", "")}
        if self.kind == scoring.FIELD_RULE:
            data.update(field=self.field_name, operator=self.operator)
        else:
            data.update(behaviour=self.behaviour, cap=form.get("cap", ""),
                        decay_days=form.get("decay_days", ""))
        with session_scope() as session:
            scoring.add_rule(session=session, ctx=ctx, data=data)
            self._show_job(scoring.start_rescore(session=session, ctx=ctx))
        return [ScoringSettingsState.load, ScoringSettingsState.watch_job,
                rx.toast.success(self.tr("Rule added. Re-scoring the team…"))]

    @rx.event
    @handles_errors
    def toggle_rule(self, rule_id: str, enabled: bool):
        ctx = self._ctx()
        with session_scope() as session:
            scoring.set_rule_enabled(session=session, ctx=ctx, rule_id=int(rule_id), enabled=enabled)
            self._show_job(scoring.start_rescore(session=session, ctx=ctx))
        return [ScoringSettingsState.load, ScoringSettingsState.watch_job]

    @rx.event
    @handles_errors
    def delete_rule(self, rule_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            scoring.delete_rule(session=session, ctx=ctx, rule_id=int(rule_id))
            self._show_job(scoring.start_rescore(session=session, ctx=ctx))
        return [ScoringSettingsState.load, ScoringSettingsState.watch_job,
                rx.toast.success(self.tr("Rule removed. Re-scoring the team…"))]

    @rx.event
    @handles_errors
    def save_thresholds(self, form: dict[str, Any]):
        self.field_errors = {}
        ctx = self._ctx()
        with session_scope() as session:
            scoring.set_thresholds(session=session, ctx=ctx, hot=form.get("hot", ""),
                                   warm=form.get("warm", ""))
            self._show_job(scoring.start_rescore(session=session, ctx=ctx))
        return [ScoringSettingsState.load, ScoringSettingsState.watch_job,
                rx.toast.success(self.tr("Thresholds saved. Re-scoring the team…"))]

    @rx.event
    @handles_errors
    def reset_starter(self):
        ctx = self._ctx()
        with session_scope() as session:
            scoring.reset_to_starter(session=session, ctx=ctx)
            self._show_job(scoring.start_rescore(session=session, ctx=ctx))
        return [ScoringSettingsState.load, ScoringSettingsState.watch_job]

    @rx.event
    @handles_errors
    def rescore_now(self):
        ctx = self._ctx()
        with session_scope() as session:
            self._show_job(scoring.start_rescore(session=session, ctx=ctx))
        return ScoringSettingsState.watch_job

    @rx.event(background=True)
    async def watch_job(self):
        """Show the job's progress until it ends; run it here if no worker has taken it."""
        async with self:
            if self.watching or not self.job.get("id"):
                return
            self.watching = True
            token, job_id = self.token, int(self.job["id"])
        waited, runner = 0.0, None
        try:
            while True:
                try:
                    with session_scope() as session:
                        from leadhub.services import auth
                        ctx = auth.resolve_session(session=session, token=token).ctx
                        progress = scoring.job_progress(session=session, ctx=ctx, job_id=job_id)
                except (LeadHubError, NotAuthenticated):
                    return
                async with self:
                    self._show_job(progress)
                if not progress.active:
                    return
                if progress.status == "queued" and waited >= RUN_HERE_AFTER_SECONDS and runner is None:
                    runner = asyncio.create_task(asyncio.to_thread(scoring.run_job, job_id))
                await asyncio.sleep(POLL_SECONDS)
                waited += POLL_SECONDS
        finally:
            async with self:
                self.watching = False


class ScorePanelState(SessionState):
    """Why a lead has its score: the panel the lead page embeds (`score_panel()`)."""

    lead_id: int = 0
    score: str = ""
    rating: str = ""
    auto_rating: str = ""
    rating_manual: bool = False
    lines: list[dict[str, str]] = []
    scored_at: str = ""
    thresholds: str = ""
    likelihood: str = ""
    factors: list[dict[str, str]] = []
    prediction_note: str = ""

    @rx.event
    def load(self):
        """on_mount: the lead of the page's URL (/leads/<id>)."""
        return ScorePanelState.load_lead(_lead_id_from_path(self.router.url.path))

    @rx.event
    @handles_errors
    def load_lead(self, lead_id: int):
        self.lead_id = int(lead_id or 0)
        if not self.lead_id:
            self.lines = []
            return
        ctx = self._ctx()
        with session_scope() as session:
            explanation = scoring.explain(session=session, ctx=ctx, lead_id=self.lead_id)
        self.score = str(explanation.score)
        self.rating, self.auto_rating = explanation.rating, explanation.auto_rating
        self.rating_manual = explanation.rating_manual
        self.lines = [{"points": points, "text": text, "positive": "yes" if not points.startswith("−") else ""}
                      for points, text in explanation.described(self.lang)]
        self.scored_at = local_time(explanation.scored_at, self.team_timezone, "%Y-%m-%d %H:%M") \
            if explanation.scored_at else ""
        self.thresholds = translate("Hot from {hot} points, Warm from {warm}.", self.lang).format(
            hot=explanation.hot, warm=explanation.warm)
        self._show_prediction(ctx)

    def _show_prediction(self, ctx) -> None:
        with session_scope() as session:
            prediction = predictive.lead_prediction(session=session, ctx=ctx, lead_id=self.lead_id)
            status = predictive.model_status(session=session, ctx=ctx)
        self.likelihood, self.factors, self.prediction_note = "", [], ""
        if prediction is not None:
            self.likelihood = f"{prediction.likelihood}%"
            self.factors = [{"text": predictive.factor_label(name, self.lang),
                             "positive": "yes" if effect > 0 else ""}
                            for name, effect in prediction.factors]
        elif status.status == "too_little_history":
            self.prediction_note = too_little_history(status, self.lang)
        else:
            self.prediction_note = translate("Not trained yet: an admin can train it in Settings.", self.lang)

    @rx.event
    @handles_errors
    def let_score_decide(self):
        ctx = self._ctx()
        with session_scope() as session:
            scoring.clear_manual_rating(session=session, ctx=ctx, lead_id=self.lead_id)
        follow_up = [ScorePanelState.load_lead(self.lead_id),
                     rx.toast.success(self.tr("The score sets the rating again."))]
        try:  # the lead page shows the rating too: let it read the lead again
            from leadhub.state.lead_detail import LeadDetailState
            follow_up.append(LeadDetailState.load)
        except ImportError:
            pass
        return follow_up


STATUSES = [s.value for s in LeadStatus]


def too_little_history(status: predictive.ModelStatus, lang: str) -> str:
    return translate("Too little history to predict: it needs {n} converted and {n} lost leads; "
                     "the team has {converted} converted and {lost} lost.", lang).format(
        n=status.min_per_class, converted=status.converted, lost=status.lost)


class PredictiveSettingsState(SessionState):
    """Settings → Likelihood to convert: how good the learned model is, and retraining."""

    info: dict[str, str] = {}
    training: bool = False

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    def _show(self, status: predictive.ModelStatus) -> None:
        auc = f"{status.auc:.2f}" if status.auc is not None else ""
        self.info = {
            "status": status.status, "auc": auc, "held_out": str(status.held_out),
            "converted": str(status.converted), "lost": str(status.lost),
            "trained": local_time(status.trained_at, self.team_timezone, "%Y-%m-%d %H:%M")
            if status.trained_at else "",
            "note": too_little_history(status, self.lang) if status.status == "too_little_history"
            else (status.message if status.status == "failed" else ""),
            "requested": "yes" if status.requested_at else "",
        }

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            self._show(predictive.model_status(session=session, ctx=ctx))

    @rx.event
    @handles_errors
    def retrain(self):
        ctx = self._ctx()
        with session_scope() as session:
            predictive.request_training(session=session, ctx=ctx)
        self.training = True
        return PredictiveSettingsState.run_training

    @rx.event(background=True)
    async def run_training(self):
        """Train off the event loop and show the result (the worker's schedule retrains too)."""
        async with self:
            token = self.token
        try:
            with session_scope() as session:
                from leadhub.services import auth
                ctx = auth.resolve_session(session=session, token=token).ctx
            ctx.require(Role.ADMIN)
            await asyncio.to_thread(predictive.run_training, ctx.team_id)
            with session_scope() as session:
                status = predictive.model_status(session=session, ctx=ctx)
        except LeadHubError:
            async with self:
                self.training = False
            return
        async with self:
            self._show(status)
            self.training = False
