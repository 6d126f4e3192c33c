"""The follow-up queue and the intervals card call the follow-up service, keep reps to their own
queue, map field errors, and refuse another team's ids."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from leadhub.services import followup
from leadhub.services.models import Deal, Lead, utcnow
from leadhub.state.followup import FollowUpPolicyState, FollowUpState, overdue_text
from tests.state.test_outreach_state import signed_in


def quiet_lead(session, team, name, days, owner=None, rating="", score=0):
    lead = Lead(team_id=team.team.id, last_name=name, rating=rating, score=score,
                owner_id=(owner or team.rep).id, created_at=utcnow() - timedelta(days=400),
                last_contacted_at=utcnow() - timedelta(days=days))
    session.add(lead)
    session.flush()
    return lead


def test_rep_sees_their_own_queue_by_priority(app_database, session, team_a):
    hot = quiet_lead(session, team_a, "Hot one", 5, rating="Hot", score=20)
    quiet_lead(session, team_a, "Plain", 20)
    quiet_lead(session, team_a, "Someone else's", 90, owner=team_a.rep2)
    session.add(Deal(team_id=team_a.team.id, name="Big", amount=Decimal("12000"), currency="EUR",
                     stage="Proposal", lead_id=hot.id))
    session.commit()
    state = signed_in(FollowUpState, session, team_a)
    state.load()
    assert [r["name"] for r in state.rows] == ["Hot one", "Plain"] and state.total == 2
    row = state.rows[0]
    assert (row["kind"], row["rating"], row["score"], row["overdue"]) == ("lead", "Hot", "20", "3 d")
    assert row["deal_value"] == "12,000.00 EUR" and row["href"] == f"/leads/{hot.id}"
    assert row["last_rel"] == "5 d ago" and state.members == []
    state.set_rep("all")                                 # a forged choice: reps get their own queue only
    refused = state.load()
    assert "Only managers and admins" in repr(refused)
    assert "Someone else's" not in [r["name"] for r in state.rows]


def test_managers_pick_a_rep_or_everyone(app_database, session, team_a):
    quiet_lead(session, team_a, "Raúl's", 30)
    quiet_lead(session, team_a, "Rosa's", 40, owner=team_a.rep2)
    session.commit()
    state = signed_in(FollowUpState, session, team_a, "manager")
    state.set_rep("all")
    state.load()
    assert [r["name"] for r in state.rows] == ["Rosa's", "Raúl's"]
    assert {r["owner"] for r in state.rows} == {"Raúl Rep", "Rosa Rep"} and len(state.members) == 4
    state.set_rep(str(team_a.rep2.id))
    state.load()
    assert [r["name"] for r in state.rows] == ["Rosa's"]


def test_log_touch_and_snooze_take_items_out(app_database, session, team_a):
    touched = quiet_lead(session, team_a, "Touched", 30)
    later = quiet_lead(session, team_a, "Later", 30)
    picked = quiet_lead(session, team_a, "Picked", 30)
    session.commit()
    state = signed_in(FollowUpState, session, team_a, lang="es")
    state.log_touch("lead", touched.id, "email")
    state.snooze_for("lead", later.id, 3)
    state.snooze({"kind": "lead", "record_id": str(picked.id), "until": "2020-01-01"})
    assert state.field_errors == {"until": "Elige un momento en el futuro."}
    future = (datetime.now() + timedelta(days=10)).date().isoformat()
    state.snooze({"kind": "lead", "record_id": str(picked.id), "until": future})
    assert state.field_errors == {}
    state.load()
    assert state.rows == []
    session.expire_all()
    assert session.get(Lead, touched.id).last_contacted_at > utcnow() - timedelta(minutes=1)
    assert followup.queue(session=session, ctx=team_a.rep_ctx, now=utcnow() + timedelta(days=5)).total == 1


def test_another_teams_or_reps_items_are_refused(app_database, session, team_a, team_b):
    theirs = quiet_lead(session, team_a, "Rosa's", 30, owner=team_a.rep2)
    session.commit()
    rep = signed_in(FollowUpState, session, team_a)
    rep.log_touch("lead", theirs.id, "call")
    rep.snooze_for("lead", theirs.id, 3)
    other_team = signed_in(FollowUpState, session, team_b, "admin")
    other_team.log_touch("lead", theirs.id, "call")
    other_team.snooze_for("lead", theirs.id, 7)
    other_team.set_rep("all")
    other_team.load()
    assert other_team.rows == []
    assert [i.name for i in followup.queue(session=session, ctx=team_a.admin_ctx, everyone=True).items] == ["Rosa's"]


def test_only_admins_change_the_intervals(app_database, session, team_a):
    manager = signed_in(FollowUpPolicyState, session, team_a, "manager")
    manager.load()
    assert manager.values == {"hot_days": "2", "warm_days": "7", "cold_days": "30", "unrated_days": "14"}
    manager.save({"hot_days": "1", "warm_days": "3", "cold_days": "10", "unrated_days": "5"})
    assert followup.get_policy(session=session, ctx=team_a.rep_ctx).hot_days == 2
    admin = signed_in(FollowUpPolicyState, session, team_a, "admin", lang="es")
    admin.save({"hot_days": "0", "warm_days": "x", "cold_days": "10", "unrated_days": "400"})
    assert admin.field_errors == {"hot_days": "Escribe entre 1 y 365 días.",
                                  "warm_days": "Escribe un número entero de días.",
                                  "unrated_days": "Escribe entre 1 y 365 días."}
    admin.save({"hot_days": "1", "warm_days": "3", "cold_days": "10", "unrated_days": "5"})
    assert admin.field_errors == {}
    session.expire_all()
    assert followup.get_policy(session=session, ctx=team_a.rep_ctx).warm_days == 3


def test_overdue_text():
    assert overdue_text(3.7) == "3 d" and overdue_text(0.25) == "6 h" and overdue_text(0.001) == "1 h"
