"""Predictive score on a synthetic history where the answer is known: referrals with a budget
convert, cold-call leads without one do not. The model must find that (AUC on held-out leads),
explain a lead by those factors, and say so when there is too little history."""

import random

import pytest
from sqlalchemy import insert

from leadhub.services import predictive
from leadhub.services.errors import NotFound, PermissionDenied
from leadhub.services.models import Lead


def history(session, team, n, *, seed=3):
    """n closed leads: 85 % of referrals with a budget convert, 10 % of the rest do."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        good = rng.random() < 0.5
        source = "Referral" if good else rng.choice(["Cold Call", "Advertisement"])
        budget = rng.choice([20000, 50000, 80000]) if good else rng.choice([None, 500, 1000])
        converted = rng.random() < (0.85 if good else 0.10)
        rows.append(dict(team_id=team.team.id, last_name=f"H{i}", lead_source=source,
                         industry=rng.choice(["Software", "Retail"]), budget=budget,
                         status="Converted" if converted else "Unqualified", custom_fields={}))
    session.execute(insert(Lead), rows)
    session.commit()


def open_lead(session, team, **fields):
    lead = Lead(team_id=team.team.id, last_name="Open", status="New", **fields)
    session.add(lead)
    session.commit()
    return lead


def test_too_little_history_is_said_plainly(session, team_a):
    history(session, team_a, 12)
    result = predictive.train(session, team_a.team.id)
    session.commit()
    assert result.status == "too_little_history" and result.auc is None
    assert "at least 15 converted and 15 lost" in result.message
    lead = open_lead(session, team_a, lead_source="Referral")
    assert predictive.lead_prediction(session=session, ctx=team_a.rep_ctx, lead_id=lead.id) is None


def test_learns_the_known_answer_and_explains_each_lead(session, team_a, team_b):
    history(session, team_a, 400)
    history(session, team_b, 400, seed=9)
    good = open_lead(session, team_a, lead_source="Referral", budget=60000, industry="Retail")
    poor = open_lead(session, team_a, lead_source="Cold Call", industry="Retail")
    result = predictive.train(session, team_a.team.id)
    session.commit()
    assert result.status == "ready" and result.held_out == 100
    assert result.converted + result.lost == 400
    assert result.auc > 0.8
    high = predictive.lead_prediction(session=session, ctx=team_a.rep_ctx, lead_id=good.id)
    low = predictive.lead_prediction(session=session, ctx=team_a.rep_ctx, lead_id=poor.id)
    assert high.likelihood >= 70 and low.likelihood <= 30
    assert {name for name, _ in high.factors} & {"lead_source=Referral", "budget_log"}
    assert all(effect > 0 for name, effect in high.factors if name in ("lead_source=Referral", "budget_log"))
    assert predictive.factor_label("lead_source=Referral") == "source is Referral"
    assert predictive.factor_label("lead_source=Referral", "es") == "origen es Referral"
    stored = session.get(predictive.LeadPrediction, good.id) or session.exec(
        predictive.select(predictive.LeadPrediction).where(predictive.LeadPrediction.lead_id == good.id)).one()
    assert stored.likelihood == high.likelihood
    with pytest.raises(NotFound):
        predictive.lead_prediction(session=session, ctx=team_b.rep_ctx, lead_id=good.id)
    status = predictive.model_status(session=session, ctx=team_a.admin_ctx)
    assert status.status == "ready" and status.auc == result.auc


def test_only_admins_ask_for_training_and_it_runs_in_its_own_transaction(session, engine, team_a):
    with pytest.raises(PermissionDenied):
        predictive.request_training(session=session, ctx=team_a.rep_ctx)
    history(session, team_a, 80)
    predictive.request_training(session=session, ctx=team_a.admin_ctx)
    session.commit()
    result = predictive.run_training(team_a.team.id, engine=engine)
    assert result.status == "ready"
    session.expire_all()
    assert predictive.model_status(session=session, ctx=team_a.admin_ctx).requested_at is None
