"""Scoring: the BANT starter model, rules on standard and custom fields, behaviour with caps
and decay on a fixed clock, explanations in English and Spanish, ratings by threshold unless
set by hand, re-scoring a team in batches with progress, and scores kept current by events.
Runs on SQLite and PostgreSQL."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from leadhub.services import custom_fields, events, leads, outreach, scoring
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import DomainEvent, Lead, Outreach, OutreachType
from leadhub.services.scoring import BEHAVIOUR_RULE, FIELD_RULE, LeadScore, ScoringJob

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def make(session, ctx, **fields):
    fields.setdefault("last_name", "Pérez")
    lead = leads.create_lead(session=session, ctx=ctx, data=fields)
    session.commit()
    return lead


def only_rules(session, team, *rules):
    """Replace the team's model by these rules (each a dict as Settings sends it)."""
    scoring.load_model(session=session, team_id=team.team.id)
    for rule in scoring.get_model(session=session, ctx=team.admin_ctx).rules:
        scoring.delete_rule(session=session, ctx=team.admin_ctx, rule_id=rule.id)
    for rule in rules:
        scoring.add_rule(session=session, ctx=team.admin_ctx, data=rule)
    session.commit()


def opened(session, lead, at):
    session.add(DomainEvent(team_id=lead.team_id, name=scoring.EMAIL_OPENED_EVENT, lead_id=lead.id,
                            payload={}, occurred_at=at, dispatched_at=at))
    session.commit()


# --- The starter model and explanations --------------------------------------------------

def test_bant_starter_model_scores_and_explains_a_new_lead(session, team_a):
    lead = make(session, team_a.rep_ctx, first_name="Ana", title="Sales Director",
                budget="12000", need="Urgent", interest="High")
    assert lead.score == 20 + 10 + 15 + 15 + 10
    assert lead.rating == "Hot" and not lead.rating_manual
    explanation = scoring.explain(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    assert scoring.explanation_text(explanation.lines) == (
        "+20 budget ≥ 10,000; +10 budget ≥ 1,000; +15 title contains Director; "
        "+15 need is Urgent; +10 interest is High")
    assert scoring.explanation_text(explanation.lines, "es") == (
        "+20 presupuesto ≥ 10.000; +10 presupuesto ≥ 1.000; +15 cargo contiene Director; "
        "+15 necesidad es Urgente; +10 interés es Alto")


def test_a_lead_no_rule_speaks_about_stays_unrated(session, team_a):
    lead = make(session, team_a.rep_ctx)
    assert (lead.score, lead.rating) == (0, "")
    lead = leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                             changes={"budget": "500"})
    session.commit()
    assert (lead.score, lead.rating) == (0, "")
    lead = leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                             changes={"need": "Moderate"})
    session.commit()
    assert (lead.score, lead.rating) == (8, "Cold")


def test_no_touch_penalty_counts_from_creation_until_the_first_touch(session, team_a):
    lead = make(session, team_a.rep_ctx, need="Urgent")
    lead.created_at = NOW - timedelta(days=40)
    session.commit()
    result = scoring.rescore_lead(session=session, ctx=team_a.rep_ctx, lead=lead, now=NOW)
    assert [(c.points, scoring.describe(c)) for c in result.contributions] == [
        (15, "need is Urgent"), (-10, "no touch for 30 days")]
    assert result.score == 5
    session.add(Outreach(team_id=team_a.team.id, user_id=team_a.rep.id, type=int(OutreachType.CALL),
                         occurred_at=NOW - timedelta(days=3), lead_id=lead.id))
    session.commit()
    session.refresh(lead)
    result = scoring.rescore_lead(session=session, ctx=team_a.rep_ctx, lead=lead, now=NOW)
    assert result.score == 15


# --- Rules -----------------------------------------------------------------------------------

def test_field_conditions_on_standard_and_custom_fields(session, team_a):
    employees = custom_fields.create_field(session=session, ctx=team_a.admin_ctx,
                                           label="Employees", type="number")
    renewal = custom_fields.create_field(session=session, ctx=team_a.admin_ctx,
                                         label="Renewal", type="date")
    partner = custom_fields.create_field(session=session, ctx=team_a.admin_ctx,
                                         label="Partner", type="checkbox")
    session.commit()
    only_rules(
        session, team_a,
        {"kind": FIELD_RULE, "field": employees.column, "operator": "gte", "value": "100", "points": 7},
        {"kind": FIELD_RULE, "field": renewal.column, "operator": "before", "value": "2026-12-31",
         "points": 4},
        {"kind": FIELD_RULE, "field": partner.column, "operator": "is_true", "points": 3},
        {"kind": FIELD_RULE, "field": "lead_source", "operator": "one_of",
         "value": "Referral, Partner", "points": 6},
        {"kind": FIELD_RULE, "field": "email", "operator": "is_empty", "points": -5},
        {"kind": FIELD_RULE, "field": "company", "operator": "not_contains", "value": "test",
         "points": 2, "label": "real company"},
    )
    lead = make(session, team_a.rep_ctx, company="Peña SL", lead_source="Referral", custom_fields={
        employees.key: "250", renewal.key: "2026-09-01", partner.key: "yes"})
    explanation = scoring.explain(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    assert explanation.text() == (
        "+7 Employees ≥ 100; +4 Renewal before 2026-12-31; +3 Partner is checked; "
        "+6 lead source is Referral; −5 e-mail is empty; +2 real company")
    assert lead.score == 7 + 4 + 3 + 6 - 5 + 2


def test_rules_are_checked_at_their_fields_and_only_admins_edit_them(session, team_a):
    with pytest.raises(PermissionDenied):
        scoring.add_rule(session=session, ctx=team_a.manager_ctx,
                         data={"kind": FIELD_RULE, "field": "title", "operator": "equals",
                               "value": "CEO", "points": 5})
    cases = [
        ({"kind": FIELD_RULE, "field": "nope", "operator": "equals", "value": "x", "points": 1}, "field"),
        ({"kind": FIELD_RULE, "field": "budget", "operator": "contains", "value": "x", "points": 1}, "operator"),
        ({"kind": FIELD_RULE, "field": "budget", "operator": "gte", "value": "lots", "points": 1}, "value"),
        ({"kind": FIELD_RULE, "field": "title", "operator": "equals", "value": "", "points": 1}, "value"),
        ({"kind": FIELD_RULE, "field": "title", "operator": "equals", "value": "x", "points": "ten"}, "points"),
        ({"kind": FIELD_RULE, "field": "title", "operator": "equals", "value": "x", "points": 1,
          "decay_days": 5}, "decay_days"),
        ({"kind": BEHAVIOUR_RULE, "behaviour": "dancing", "points": 1}, "behaviour"),
        ({"kind": BEHAVIOUR_RULE, "behaviour": "status_reached", "value": "Lost", "points": 1}, "value"),
        ({"kind": BEHAVIOUR_RULE, "behaviour": "email_opened", "points": 1, "cap": "0"}, "cap"),
    ]
    for data, field_name in cases:
        with pytest.raises(ValidationFailed) as caught:
            scoring.add_rule(session=session, ctx=team_a.admin_ctx, data=data)
        assert field_name in caught.value.field_errors, data


def test_thresholds_must_leave_room_for_warm(session, team_a):
    with pytest.raises(ValidationFailed) as caught:
        scoring.set_thresholds(session=session, ctx=team_a.admin_ctx, hot="30", warm="30")
    assert "warm" in caught.value.field_errors
    model = scoring.set_thresholds(session=session, ctx=team_a.admin_ctx, hot="40", warm="10")
    assert (model.hot, model.warm) == (40, 10)


# --- Behaviour, caps and decay on a fixed clock ----------------------------------------------

def test_behaviour_points_fade_linearly_and_respect_the_cap(session, team_a):
    only_rules(session, team_a, {"kind": BEHAVIOUR_RULE, "behaviour": "email_opened", "points": 10,
                                 "decay_days": 10, "cap": 18})
    lead = make(session, team_a.rep_ctx)
    opened(session, lead, NOW)                          # worth 10
    opened(session, lead, NOW - timedelta(days=5))      # worth 5
    opened(session, lead, NOW - timedelta(days=20))     # faded away
    result = scoring.rescore_lead(session=session, ctx=team_a.rep_ctx, lead=lead, now=NOW)
    assert result.score == 15
    [line] = result.contributions
    assert scoring.describe(line) == "e-mail opened (×2, fading)"
    opened(session, lead, NOW - timedelta(days=1))      # 9 more, but the cap is 18
    assert scoring.rescore_lead(session=session, ctx=team_a.rep_ctx, lead=lead, now=NOW).score == 18
    later = NOW + timedelta(days=8)                     # 2 + 0 + 1 → 3
    assert scoring.rescore_lead(session=session, ctx=team_a.rep_ctx, lead=lead, now=later).score == 3
    assert scoring.rescore_lead(session=session, ctx=team_a.rep_ctx, lead=lead,
                                now=NOW + timedelta(days=30)).score == 0


def test_behaviour_without_decay_counts_every_occurrence(session, team_a):
    only_rules(session, team_a,
               {"kind": BEHAVIOUR_RULE, "behaviour": "outreach_replied", "points": 4},
               {"kind": BEHAVIOUR_RULE, "behaviour": "status_reached", "value": "Qualified", "points": 12})
    lead = make(session, team_a.rep_ctx)
    for days in (100, 50):
        session.add(Outreach(team_id=team_a.team.id, user_id=team_a.rep.id, type=2,
                             occurred_at=NOW - timedelta(days=days), response_status="replied",
                             responded_at=NOW - timedelta(days=days - 1), lead_id=lead.id))
    session.commit()
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, changes={"status": "Qualified"})
    session.commit()
    result = scoring.rescore_lead(session=session, ctx=team_a.rep_ctx, lead=lead, now=NOW + timedelta(days=400))
    assert [(c.points, scoring.describe(c)) for c in result.contributions] == [
        (8, "outreach replied (×2)"), (12, "reached Qualified")]


# --- Ratings ---------------------------------------------------------------------------------

def test_rating_follows_thresholds_unless_a_rep_sets_it(session, team_a):
    lead = make(session, team_a.rep_ctx, need="Moderate")
    assert lead.rating == "Cold"
    # the form sends back the rating it showed: not a decision
    lead = leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                             changes={"rating": "Cold", "budget": "20000"})
    session.commit()
    assert (lead.score, lead.rating, lead.rating_manual) == (38, "Warm", False)
    lead = leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                             changes={"rating": "Hot"})
    session.commit()
    assert (lead.rating, lead.rating_manual) == ("Hot", True)
    lead = leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                             changes={"rating": "Hot", "budget": "", "need": ""})
    session.commit()
    assert (lead.score, lead.rating, lead.rating_manual) == (0, "Hot", True)
    explanation = scoring.explain(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    assert (explanation.rating_manual, explanation.auto_rating) == (True, "")
    scoring.clear_manual_rating(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    session.commit()
    session.refresh(lead)
    assert (lead.rating, lead.rating_manual) == ("", False)


def test_a_rating_chosen_when_creating_is_kept(session, team_a):
    lead = make(session, team_a.rep_ctx, rating="Warm")
    assert (lead.score, lead.rating, lead.rating_manual) == (0, "Warm", True)


# --- Re-scoring the team ---------------------------------------------------------------------

def test_changing_the_rules_rescores_the_team_in_batches_with_progress(session, engine, team_a, team_b):
    made = [make(session, team_a.rep_ctx, title=f"Director {i}") for i in range(7)]
    other = make(session, team_b.rep_ctx, title="Director")
    assert {lead.score for lead in made} == {15}
    scoring.add_rule(session=session, ctx=team_a.admin_ctx,
                     data={"kind": FIELD_RULE, "field": "title", "operator": "contains",
                           "value": "Director", "points": 30})
    job = scoring.start_rescore(session=session, ctx=team_a.admin_ctx)
    again = scoring.start_rescore(session=session, ctx=team_a.admin_ctx)
    assert again.id == job.id and job.status == "queued"
    session.commit()
    seen = []
    real_batch = scoring.rescore_batch

    def watching(*args, **kwargs):
        changed = real_batch(*args, **kwargs)
        with engine.connect() as conn:
            row = conn.execute(select(ScoringJob.done, ScoringJob.total)
                               .where(ScoringJob.id == job.id)).one()
        seen.append(tuple(row))
        return changed

    scoring.rescore_batch = watching
    try:
        result = scoring.run_job(job.id, engine=engine, batch_size=3)
    finally:
        scoring.rescore_batch = real_batch
    assert (result.status, result.total, result.done, result.changed) == ("done", 7, 7, 7)
    assert seen == [(0, 7), (3, 7), (6, 7)]
    assert scoring.run_job(job.id, engine=engine) is None  # finished jobs are not run again
    session.expire_all()
    assert {session.get(Lead, lead.id).score for lead in made} == {45}
    assert {session.get(Lead, lead.id).rating for lead in made} == {"Warm"}
    assert session.get(Lead, other.id).score == 15
    changed = session.exec(select(DomainEvent).where(
        DomainEvent.name == scoring.SCORE_CHANGED_EVENT, DomainEvent.team_id == team_a.team.id)).all()
    assert len(changed) == 7 and changed[0].payload["from"] == 15 and changed[0].payload["to"] == 45
    assert scoring.latest_job(session=session, ctx=team_a.admin_ctx).percent == 100


def test_only_admins_start_a_rescore_and_jobs_stay_in_their_team(session, team_a, team_b):
    with pytest.raises(PermissionDenied):
        scoring.start_rescore(session=session, ctx=team_a.rep_ctx)
    job = scoring.start_rescore(session=session, ctx=team_a.admin_ctx)
    session.commit()
    with pytest.raises(NotFound):
        scoring.job_progress(session=session, ctx=team_b.admin_ctx, job_id=job.id)
    lead = make(session, team_a.rep_ctx)
    with pytest.raises(NotFound):
        scoring.explain(session=session, ctx=team_b.admin_ctx, lead_id=lead.id)


def test_time_dependent_models_are_rescored_every_night(session, engine, team_a):
    lead = make(session, team_a.rep_ctx, need="Urgent")
    session.execute(Lead.__table__.update().where(Lead.__table__.c.id == lead.id)
                    .values(created_at=datetime.now(timezone.utc) - timedelta(days=45)))
    session.commit()
    [job_id] = scoring.rescore_time_dependent_teams(engine=engine)
    scoring.run_job(job_id, engine=engine)
    session.expire_all()
    assert session.get(Lead, lead.id).score == 5


# --- Scores follow events --------------------------------------------------------------------

def test_a_reply_on_an_outreach_rescores_through_the_outbox(session, engine, team_a):
    only_rules(session, team_a, {"kind": BEHAVIOUR_RULE, "behaviour": "outreach_replied", "points": 10})
    lead = make(session, team_a.rep_ctx)
    sent = outreach.log_outreach(session=session, ctx=team_a.rep_ctx, type="email", email="a@b.es",
                                 description="Propuesta", occurred_at="2026-03-01 10:00",
                                 lead_id=lead.id)
    session.commit()
    outreach.set_response(session=session, ctx=team_a.rep_ctx, outreach_id=sent.id,
                          response_status="replied")
    session.commit()
    [event] = session.exec(select(DomainEvent).where(
        DomainEvent.name == scoring.OUTREACH_REPLIED_EVENT)).all()
    assert event.lead_id == lead.id and event.payload["outreach_id"] == sent.id
    events.dispatch_event(event.id, engine=engine)
    session.expire_all()
    assert session.get(Lead, lead.id).score == 10
    row = session.exec(select(LeadScore).where(LeadScore.lead_id == lead.id)).one()
    assert row.contributions[0]["behaviour"] == "outreach_replied"


def test_a_status_change_event_rescores(session, engine, team_a):
    only_rules(session, team_a, {"kind": BEHAVIOUR_RULE, "behaviour": "status_reached",
                                 "value": "Contacted", "points": 5})
    lead = make(session, team_a.rep_ctx)
    session.add(leads.LeadStatusHistory(team_id=team_a.team.id, lead_id=lead.id,
                                        from_status="New", to_status="Contacted"))
    session.flush()
    event = events.record(session=session, ctx=team_a.rep_ctx, name="LeadStatusChanged",
                          lead_id=lead.id, payload={"lead_id": lead.id})
    session.commit()
    events.dispatch_event(event.id, engine=engine)
    session.expire_all()
    assert session.get(Lead, lead.id).score == 5
