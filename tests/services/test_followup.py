"""The follow-up queue: team intervals, priority order, snooze, one-click touches, roles and teams."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from leadhub.services import followup as svc
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.followup import FollowUpSnooze
from leadhub.services.models import Activity, Contact, Deal, Lead, utcnow

UTC = timezone.utc
NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def lead_of(session, team, days_ago, owner=None, rating="", score=0, status="New", name="Lead"):
    lead = Lead(team_id=team.team.id, last_name=name, rating=rating, score=score, status=status,
                owner_id=(owner or team.rep).id, created_at=NOW - timedelta(days=400),
                last_contacted_at=NOW - timedelta(days=days_ago) if days_ago is not None else None)
    session.add(lead)
    session.flush()
    return lead


def names(page):
    return [item.name for item in page.items]


def test_policy_defaults_and_only_admins_change_it(session, team_a):
    policy = svc.get_policy(session=session, ctx=team_a.rep_ctx)
    assert (policy.hot_days, policy.warm_days, policy.cold_days, policy.unrated_days) == (2, 7, 30, 14)
    with pytest.raises(PermissionDenied):
        svc.update_policy(session=session, ctx=team_a.manager_ctx, hot_days=1, warm_days=5,
                          cold_days=20, unrated_days=10)
    with pytest.raises(ValidationFailed) as err:
        svc.update_policy(session=session, ctx=team_a.admin_ctx, hot_days=0, warm_days="x",
                          cold_days=400, unrated_days=10)
    assert set(err.value.field_errors) == {"hot_days", "warm_days", "cold_days"}
    svc.update_policy(session=session, ctx=team_a.admin_ctx, hot_days=1, warm_days="5",
                      cold_days=20, unrated_days=10)
    session.commit()
    assert svc.get_policy(session=session, ctx=team_a.rep_ctx).warm_days == 5


def test_queue_holds_overdue_open_records_in_priority_order(session, team_a):
    lead_of(session, team_a, 5, rating="Hot", name="Hot")                       # 3 days over × 4 = 12
    lead_of(session, team_a, 10, rating="Warm", score=100, name="Warm scored")  # 3 × 2 × 2 = 12
    lead_of(session, team_a, 10, rating="Warm", name="Warm")                    # 3 × 2 = 6
    with_deal = lead_of(session, team_a, 10, rating="Warm", name="Warm with deal")  # 3 × 2 × 1.5 = 9
    lead_of(session, team_a, 20, rating="Cold", name="Cold not due yet")        # 20 < 30 days
    lead_of(session, team_a, 100, status="Converted", name="Converted")
    lead_of(session, team_a, 100, status="Unqualified", name="Unqualified")
    lead_of(session, team_a, None, name="Never touched")       # counted from creation: 386 × 1.5
    hot = session.exec(select(Lead).where(Lead.last_name == "Hot")).one()
    session.add_all([
        Deal(team_id=team_a.team.id, name="Open", amount=Decimal("10000"), stage="Proposal",
             lead_id=with_deal.id),
        Deal(team_id=team_a.team.id, name="Won", amount=Decimal("90000"), stage="Closed Won",
             lead_id=with_deal.id),
    ])
    # a contact takes its rating and score from its lead: Hot, 1 day over × 4 = 4
    session.add(Contact(team_id=team_a.team.id, first_name="Carla", last_name="Contact", lead_id=hot.id,
                        owner_id=team_a.rep.id, created_at=NOW - timedelta(days=50),
                        last_contacted_at=NOW - timedelta(days=3)))
    session.commit()

    page = svc.queue(session=session, ctx=team_a.rep_ctx, now=NOW)
    # equal priorities: the longer overdue first, then leads before contacts, then oldest id
    assert names(page) == ["Never touched", "Hot", "Warm scored", "Warm with deal", "Warm",
                           "Carla Contact"]
    by_name = {item.name: item for item in page.items}
    assert [round(i.priority, 3) for i in page.items] == [579, 12, 12, 9, 6, 4]
    assert by_name["Hot"].overdue_days == pytest.approx(3)
    assert by_name["Warm with deal"].open_deal_value == Decimal("10000")      # closed deals left out
    carla = by_name["Carla Contact"]
    assert (carla.kind, carla.rating, carla.interval_days) == ("contact", "Hot", 2)
    assert carla.due_at == NOW - timedelta(days=1)
    assert page.total == 6
    assert svc.going_cold_count(session=session, ctx=team_a.rep_ctx, now=NOW) == 6


def test_score_and_deal_value_raise_priority(session, team_a):
    plain = lead_of(session, team_a, 10, rating="Warm", name="Plain")
    scored = lead_of(session, team_a, 10, rating="Warm", score=50, name="Scored")
    rich = lead_of(session, team_a, 10, rating="Warm", name="Rich")
    session.add(Deal(team_id=team_a.team.id, name="Big", amount=Decimal("30000"), stage="Negotiation",
                     lead_id=rich.id))
    session.commit()
    page = svc.queue(session=session, ctx=team_a.rep_ctx, now=NOW)
    assert names(page) == ["Rich", "Scored", "Plain"]
    priorities = {i.name: i.priority for i in page.items}
    assert priorities["Plain"] == pytest.approx(6)
    assert priorities["Scored"] == pytest.approx(6 * 1.5)
    assert priorities["Rich"] == pytest.approx(6 * 1.75)
    assert plain.id and scored.id


def test_team_interval_changes_what_is_due(session, team_a):
    lead_of(session, team_a, 5, rating="Warm", name="Warm 5 days")
    session.commit()
    assert svc.queue(session=session, ctx=team_a.rep_ctx, now=NOW).total == 0
    svc.update_policy(session=session, ctx=team_a.admin_ctx, hot_days=1, warm_days=3, cold_days=20,
                      unrated_days=10)
    session.commit()
    page = svc.queue(session=session, ctx=team_a.rep_ctx, now=NOW)
    assert names(page) == ["Warm 5 days"] and page.items[0].interval_days == 3


def test_queue_pages(session, team_a):
    for i in range(7):
        lead_of(session, team_a, 20 + i, name=f"L{i}")
    session.commit()
    first = svc.queue(session=session, ctx=team_a.rep_ctx, page_size=3, now=NOW)
    third = svc.queue(session=session, ctx=team_a.rep_ctx, page=3, page_size=3, now=NOW)
    assert first.total == 7 and names(first) == ["L6", "L5", "L4"] and names(third) == ["L0"]


def test_snooze_hides_until_the_moment_passes(session, team_a):
    lead = lead_of(session, team_a, 40, name="Sleepy")
    session.commit()
    with pytest.raises(ValidationFailed):
        svc.snooze(session=session, ctx=team_a.rep_ctx, kind="lead", record_id=lead.id,
                   until=datetime.now() - timedelta(days=1))
    until_local = (datetime.now() + timedelta(days=3)).replace(microsecond=0)
    row = svc.snooze(session=session, ctx=team_a.rep_ctx, kind="lead", record_id=lead.id, until=until_local)
    svc.snooze(session=session, ctx=team_a.rep_ctx, kind="lead", record_id=lead.id,
               until=until_local.date().isoformat())   # again: one row, moved to 09:00 that day
    session.commit()
    assert session.exec(select(FollowUpSnooze)).all() == [row]
    now = utcnow()
    assert svc.queue(session=session, ctx=team_a.rep_ctx, now=now).total == 0
    assert svc.going_cold_count(session=session, ctx=team_a.rep_ctx, now=now) == 0
    later = now + timedelta(days=4)
    assert names(svc.queue(session=session, ctx=team_a.rep_ctx, now=later)) == ["Sleepy"]
    svc.unsnooze(session=session, ctx=team_a.rep_ctx, kind="lead", record_id=lead.id)
    assert svc.queue(session=session, ctx=team_a.rep_ctx, now=now).total == 1


def test_log_touch_takes_the_item_out_and_keeps_a_record(session, team_a):
    lead = lead_of(session, team_a, 40, name="Touch me")
    contact = Contact(team_id=team_a.team.id, last_name="Call me", owner_id=team_a.rep.id,
                      created_at=utcnow() - timedelta(days=60))
    session.add(contact)
    session.commit()
    svc.snooze(session=session, ctx=team_a.rep_ctx, kind="contact", record_id=contact.id,
               until=datetime.now() + timedelta(days=1))
    assert svc.queue(session=session, ctx=team_a.rep_ctx).total == 1
    touch = svc.log_touch(session=session, ctx=team_a.rep_ctx, kind="lead", record_id=lead.id)
    svc.log_touch(session=session, ctx=team_a.rep_ctx, kind="contact", record_id=contact.id,
                  touch_type="email", note="Sent the brochure")
    session.commit()
    assert touch.type == "call" and touch.status == "completed" and touch.lead_id == lead.id
    assert svc.queue(session=session, ctx=team_a.rep_ctx, now=utcnow() + timedelta(days=2)).total == 0
    assert session.exec(select(FollowUpSnooze)).all() == []
    assert len(session.exec(select(Activity).where(Activity.status == "completed")).all()) == 2
    with pytest.raises(ValidationFailed):
        svc.log_touch(session=session, ctx=team_a.rep_ctx, kind="deal", record_id=lead.id)


def test_reps_see_and_act_on_their_own_queue_only(session, team_a):
    mine = lead_of(session, team_a, 40, owner=team_a.rep, name="Mine")
    theirs = lead_of(session, team_a, 40, owner=team_a.rep2, name="Theirs")
    session.commit()
    assert names(svc.queue(session=session, ctx=team_a.rep_ctx)) == ["Mine"]
    assert names(svc.queue(session=session, ctx=team_a.rep_ctx, rep_id=team_a.rep.id)) == ["Mine"]
    with pytest.raises(PermissionDenied):
        svc.queue(session=session, ctx=team_a.rep_ctx, rep_id=team_a.rep2.id)
    with pytest.raises(PermissionDenied):
        svc.queue(session=session, ctx=team_a.rep_ctx, everyone=True)
    with pytest.raises(PermissionDenied):
        svc.going_cold_count(session=session, ctx=team_a.rep_ctx, rep_id=team_a.rep2.id)
    with pytest.raises(PermissionDenied):
        svc.snooze(session=session, ctx=team_a.rep_ctx, kind="lead", record_id=theirs.id,
                   until=datetime.now() + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        svc.log_touch(session=session, ctx=team_a.rep_ctx, kind="lead", record_id=theirs.id)
    assert names(svc.queue(session=session, ctx=team_a.manager_ctx, rep_id=team_a.rep2.id)) == ["Theirs"]
    assert svc.going_cold_count(session=session, ctx=team_a.admin_ctx, everyone=True) == 2
    svc.snooze(session=session, ctx=team_a.manager_ctx, kind="lead", record_id=theirs.id,
               until=datetime.now() + timedelta(days=1))
    assert mine.id


def test_teams_never_see_or_touch_each_other(session, team_a, team_b):
    a_lead = lead_of(session, team_a, 40, name="A lead")
    b_lead = lead_of(session, team_b, 40, name="B lead")
    session.commit()
    assert names(svc.queue(session=session, ctx=team_b.admin_ctx, everyone=True)) == ["B lead"]
    # a manager naming a rep of another team gets an empty queue, not that rep's items
    assert svc.queue(session=session, ctx=team_b.manager_ctx, rep_id=team_a.rep.id).total == 0
    with pytest.raises(NotFound):
        svc.snooze(session=session, ctx=team_b.admin_ctx, kind="lead", record_id=a_lead.id,
                   until=datetime.now() + timedelta(days=1))
    with pytest.raises(NotFound):
        svc.log_touch(session=session, ctx=team_b.admin_ctx, kind="lead", record_id=a_lead.id)
    svc.update_policy(session=session, ctx=team_b.admin_ctx, hot_days=1, warm_days=1, cold_days=1,
                      unrated_days=365)
    session.commit()
    assert svc.get_policy(session=session, ctx=team_a.admin_ctx).unrated_days == 14
    assert svc.queue(session=session, ctx=team_b.admin_ctx, everyone=True).total == 0
    assert names(svc.queue(session=session, ctx=team_a.admin_ctx, everyone=True)) == ["A lead"]
    assert b_lead.id
