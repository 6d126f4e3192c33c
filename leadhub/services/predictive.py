"""Predictive score: how likely a lead is to convert (0–100), learned from the team's own history.

The team's converted leads are the positives and its unqualified (lost) leads the negatives.
Each lead becomes a few readable features (source, industry, need, interest, budget, whether
the title names a decision maker, contact data, touches and replies), and scikit-learn fits a
logistic regression on them: its weights say plainly which features push a lead up or down,
so every prediction comes with its top factors.

Accuracy is measured honestly: a quarter of the history (stratified) is held out, the model
is fitted on the rest, and the AUC on the held-out leads is what the admin sees; the model
used for predictions is then refitted on all of it. With fewer than MIN_PER_CLASS leads of
either outcome the team is told there is too little history, and nothing is predicted.

The fitted model is stored as JSON (feature names, scaling, weights), never as a pickle, and
predictions are computed from it with plain arithmetic.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, case
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, func, select

from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.models import (
    Activity,
    ActivityStatus,
    Lead,
    LeadStatus,
    Outreach,
    ResponseStatus,
    Role,
    utcnow,
)

log = logging.getLogger(__name__)

MIN_PER_CLASS = 15
HOLDOUT_SHARE = 0.25
TOP_FACTORS = 3
RANDOM_STATE = 7
AUTHORITY_WORDS = ("director", "head", "vp", "vice president", "chief", "ceo", "cto", "cfo",
                   "owner", "founder", "gerente", "jefe", "president")
RESPONDED = (ResponseStatus.REPLIED.value, ResponseStatus.POSITIVE.value,
             ResponseStatus.NEGATIVE.value)
CATEGORICAL = ("lead_source", "industry", "need", "interest")


class PredictiveModel(SQLModel, table=True):
    """A team's latest training: outcome, accuracy, and the fitted weights as JSON."""

    __tablename__ = "predictive_model"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False, unique=True))
    status: str = Field(default="untrained", max_length=20)  # ready | too_little_history | failed
    converted: int = Field(default=0)
    lost: int = Field(default=0)
    auc: float | None = None
    held_out: int = Field(default=0)
    weights: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    message: str = Field(default="", max_length=500)
    trained_at: datetime | None = None
    requested_at: datetime | None = None


class LeadPrediction(SQLModel, table=True):
    __tablename__ = "lead_prediction"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(sa_column=Column(Integer, ForeignKey("team.id", ondelete="CASCADE"),
                                          nullable=False, index=True))
    lead_id: int = Field(sa_column=Column(Integer, ForeignKey("lead.id", ondelete="CASCADE"),
                                          nullable=False, unique=True))
    likelihood: int = Field(default=0, description="0-100")
    factors: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    predicted_at: datetime = Field(default_factory=utcnow)


# --- Features ---------------------------------------------------------------------------------

def _activity_counts(session: Session, team_id: int, lead_ids: list[int]) -> dict[int, dict[str, float]]:
    counts: dict[int, dict[str, float]] = defaultdict(dict)
    if not lead_ids:
        return counts
    for lead_id, touches, replies in session.exec(
            select(Outreach.lead_id, func.count(),
                   func.sum(case((Outreach.response_status.in_(RESPONDED), 1), else_=0)))
            .where(Outreach.team_id == team_id, Outreach.lead_id.in_(lead_ids))
            .group_by(Outreach.lead_id)).all():
        counts[lead_id]["touches"] = float(touches or 0)
        counts[lead_id]["replies"] = float(replies or 0)
    for lead_id, done in session.exec(
            select(Activity.lead_id, func.count())
            .where(Activity.team_id == team_id, Activity.lead_id.in_(lead_ids),
                   Activity.status == ActivityStatus.COMPLETED.value)
            .group_by(Activity.lead_id)).all():
        counts[lead_id]["activities"] = float(done or 0)
    return counts


def lead_features(lead: Lead, counts: dict[str, float]) -> dict[str, float]:
    """A lead as named numbers: one-hot choices ("lead_source=Referral") and measures."""
    features: dict[str, float] = {}
    for name in CATEGORICAL:
        value = (getattr(lead, name) or "").strip()
        if value:
            features[f"{name}={value}"] = 1.0
    budget = float(lead.budget) if lead.budget is not None else None
    if budget is None:
        features["budget_missing"] = 1.0
    else:
        features["budget_log"] = math.log10(1.0 + max(0.0, budget))
    title = (lead.title or "").lower()
    if any(word in title for word in AUTHORITY_WORDS):
        features["title_decision_maker"] = 1.0
    for name in ("email", "phone", "company", "website"):
        if (getattr(lead, name) or "").strip():
            features[f"has_{name}"] = 1.0
    for name in ("touches", "replies", "activities"):
        if counts.get(name):
            features[f"{name}_log"] = math.log1p(counts[name])
    return features


FACTOR_LABELS = {
    "budget_missing": "no budget given", "budget_log": "budget",
    "title_decision_maker": "title names a decision maker", "has_email": "has an e-mail",
    "has_phone": "has a phone", "has_company": "has a company", "has_website": "has a website",
    "touches_log": "touches", "replies_log": "replies", "activities_log": "completed activities",
}
CATEGORY_LABELS = {"lead_source": "source", "industry": "industry", "need": "need",
                   "interest": "interest"}


def factor_label(feature: str, lang: str = "en") -> str:
    """A feature in words: "source is Referral", "replies"."""
    from leadhub.i18n import translate
    if "=" in feature:
        name, value = feature.split("=", 1)
        return translate("{field} is {value}", lang).format(
            field=translate(CATEGORY_LABELS.get(name, name), lang), value=translate(value, lang))
    return translate(FACTOR_LABELS.get(feature, feature), lang)


# --- Training ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainingResult:
    status: str
    converted: int
    lost: int
    auc: float | None
    held_out: int
    message: str


def _history(session: Session, team_id: int) -> tuple[list[dict[str, float]], list[int]]:
    leads = list(session.exec(select(Lead).where(
        Lead.team_id == team_id,
        Lead.status.in_([LeadStatus.CONVERTED.value, LeadStatus.UNQUALIFIED.value]))).all())
    counts = _activity_counts(session, team_id, [lead.id for lead in leads])
    rows = [lead_features(lead, counts.get(lead.id, {})) for lead in leads]
    outcomes = [1 if lead.status == LeadStatus.CONVERTED.value else 0 for lead in leads]
    return rows, outcomes


def _fit(rows: list[dict[str, float]], outcomes: list[int]):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MaxAbsScaler
    pipeline = make_pipeline(DictVectorizer(sparse=True), MaxAbsScaler(),
                             LogisticRegression(max_iter=2000, C=1.0, class_weight="balanced"))
    pipeline.fit(rows, outcomes)
    return pipeline


def _weights(pipeline) -> dict[str, Any]:
    vectorizer, scaler, regression = (step for _, step in pipeline.steps)
    names = list(vectorizer.get_feature_names_out())
    return {"features": names, "scale": [float(s) for s in scaler.scale_],
            "coef": [float(c) for c in regression.coef_[0]],
            "intercept": float(regression.intercept_[0])}


def train(session: Session, team_id: int) -> TrainingResult:
    """Fit the team's model from its history (in the caller's transaction) and store it."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    rows, outcomes = _history(session, team_id)
    converted, lost = sum(outcomes), len(outcomes) - sum(outcomes)
    row = _row(session, team_id)
    row.converted, row.lost, row.trained_at = converted, lost, utcnow()
    if converted < MIN_PER_CLASS or lost < MIN_PER_CLASS:
        row.status, row.auc, row.held_out, row.weights = "too_little_history", None, 0, {}
        row.message = (f"Too little history to learn from: it needs at least {MIN_PER_CLASS} "
                       f"converted and {MIN_PER_CLASS} lost (unqualified) leads; the team has "
                       f"{converted} converted and {lost} lost.")
        session.add(row)
        session.exec(LeadPrediction.__table__.delete().where(
            LeadPrediction.__table__.c.team_id == team_id))
        session.flush()
        return _result(row)
    train_rows, test_rows, train_y, test_y = train_test_split(
        rows, outcomes, test_size=HOLDOUT_SHARE, stratify=outcomes, random_state=RANDOM_STATE)
    held = _fit(train_rows, train_y)
    auc = float(roc_auc_score(test_y, held.predict_proba(test_rows)[:, 1]))
    final = _fit(rows, outcomes)
    row.status, row.auc, row.held_out = "ready", round(auc, 4), len(test_y)
    row.weights, row.message = _weights(final), ""
    session.add(row)
    session.flush()
    predict_open_leads(session, team_id, row.weights)
    return _result(row)


def _row(session: Session, team_id: int) -> PredictiveModel:
    row = session.exec(select(PredictiveModel).where(PredictiveModel.team_id == team_id)).first()
    return row or PredictiveModel(team_id=team_id)


def _result(row: PredictiveModel) -> TrainingResult:
    return TrainingResult(row.status, row.converted, row.lost, row.auc, row.held_out, row.message)


# --- Predicting -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Prediction:
    likelihood: int
    factors: tuple[tuple[str, float], ...]   # (feature, signed effect on the log-odds)


def predict(weights: dict[str, Any], features: dict[str, float]) -> Prediction:
    """Likelihood (0–100) from stored weights, with the features that moved it most."""
    index = {name: i for i, name in enumerate(weights["features"])}
    logit = weights["intercept"]
    effects = []
    for name, value in features.items():
        i = index.get(name)
        if i is None:
            continue
        scale = weights["scale"][i] or 1.0
        effect = weights["coef"][i] * value / scale
        logit += effect
        effects.append((name, effect))
    probability = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))
    effects.sort(key=lambda e: abs(e[1]), reverse=True)
    top = tuple((name, round(effect, 3)) for name, effect in effects[:TOP_FACTORS] if abs(effect) > 1e-6)
    return Prediction(likelihood=int(round(probability * 100)), factors=top)


def predict_open_leads(session: Session, team_id: int, weights: dict[str, Any],
                       batch_size: int = 1000) -> int:
    """Store a prediction for every lead still in play; returns how many."""
    open_statuses = [LeadStatus.NEW.value, LeadStatus.CONTACTED.value, LeadStatus.QUALIFIED.value]
    last_id, total = 0, 0
    while True:
        leads = list(session.exec(select(Lead).where(
            Lead.team_id == team_id, Lead.status.in_(open_statuses), Lead.id > last_id)
            .order_by(Lead.id).limit(batch_size)).all())
        if not leads:
            return total
        ids = [lead.id for lead in leads]
        counts = _activity_counts(session, team_id, ids)
        existing = {row.lead_id: row for row in session.exec(
            select(LeadPrediction).where(LeadPrediction.lead_id.in_(ids))).all()}
        now = utcnow()
        for lead in leads:
            prediction = predict(weights, lead_features(lead, counts.get(lead.id, {})))
            row = existing.get(lead.id) or LeadPrediction(team_id=team_id, lead_id=lead.id)
            row.likelihood, row.predicted_at = prediction.likelihood, now
            row.factors = [list(f) for f in prediction.factors]
            session.add(row)
        session.flush()
        last_id, total = ids[-1], total + len(leads)


def refresh_lead(session: Session, lead: Lead) -> Prediction | None:
    """Re-predict one lead after it changed (when the team has a ready model)."""
    model = session.exec(select(PredictiveModel).where(
        PredictiveModel.team_id == lead.team_id, PredictiveModel.status == "ready")).first()
    if model is None or lead.id is None:
        return None
    counts = _activity_counts(session, lead.team_id, [lead.id]).get(lead.id, {})
    prediction = predict(model.weights, lead_features(lead, counts))
    row = session.exec(select(LeadPrediction).where(LeadPrediction.lead_id == lead.id)).first() \
        or LeadPrediction(team_id=lead.team_id, lead_id=lead.id)
    row.likelihood, row.predicted_at = prediction.likelihood, utcnow()
    row.factors = [list(f) for f in prediction.factors]
    session.add(row)
    return prediction


# --- What the app asks --------------------------------------------------------------------------

@dataclass(frozen=True)
class ModelStatus:
    status: str
    converted: int
    lost: int
    auc: float | None
    held_out: int
    message: str
    trained_at: datetime | None
    requested_at: datetime | None
    min_per_class: int = MIN_PER_CLASS


def model_status(*, session: Session, ctx: TeamContext) -> ModelStatus:
    """How the team's model stands (the admin card)."""
    row = _row(session, ctx.team_id)
    return ModelStatus(row.status, row.converted, row.lost, row.auc, row.held_out, row.message,
                       row.trained_at, row.requested_at)


def lead_prediction(*, session: Session, ctx: TeamContext, lead_id: int) -> Prediction | None:
    """The lead's likelihood to convert and its top factors, or None without a ready model."""
    lead = get_in_team(session, Lead, ctx, lead_id, "This lead does not exist or belongs to another team.")
    model = session.exec(select(PredictiveModel).where(
        PredictiveModel.team_id == ctx.team_id, PredictiveModel.status == "ready")).first()
    if model is None:
        return None
    counts = _activity_counts(session, ctx.team_id, [lead.id]).get(lead.id, {})
    return predict(model.weights, lead_features(lead, counts))


def request_training(*, session: Session, ctx: TeamContext) -> None:
    """Admins ask for a retraining; the worker (or the page) runs it after commit."""
    ctx.require(Role.ADMIN)
    row = _row(session, ctx.team_id)
    row.requested_at = utcnow()
    session.add(row)
    session.flush()


def run_training(team_id: int, *, engine: Engine | None = None) -> TrainingResult:
    """Train in a transaction of its own (task queue, schedule, or the Settings page)."""
    from leadhub.services.db import get_engine
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            result = train(session, team_id)
            row = _row(session, team_id)
            row.requested_at = None
            session.add(row)
            session.commit()
            return result
        except Exception as exc:
            session.rollback()
            log.exception("Training the predictive model of team %s failed", team_id)
            row = _row(session, team_id)
            row.status, row.message, row.requested_at = "failed", str(exc)[:500], None
            session.add(row)
            session.commit()
            return _result(row)


def teams_with_history(*, engine: Engine | None = None) -> list[int]:
    from leadhub.services.db import get_engine
    from leadhub.services.models import Team
    with Session(engine or get_engine()) as session:
        return list(session.exec(select(Team.id)).all())


from leadhub.services.tasks import huey  # noqa: E402  (tasks imports this module back)
from huey import crontab  # noqa: E402


@huey.task(retries=1, retry_delay=60)
def train_team_task(team_id: int) -> None:
    run_training(team_id)


@huey.periodic_task(crontab(minute="41", hour="2", day_of_week="1"))
def retrain_every_week() -> None:
    """Every Monday night: every team's model learns from the latest outcomes."""
    for team_id in teams_with_history():
        run_training(team_id)
