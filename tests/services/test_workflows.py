"""Workflows: triggers from the outbox (field changed, status changed, score crossed, lead
created, no touch on a fixed clock), conditions, every action (set field, round-robin owner,
task, campaign, sequence, Telegram/Slack through a real loopback server, webhook), a log per
run, once per event, and loop protection. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from leadhub.services import campaigns, emails, events, leads, workflows
from leadhub.services.errors import PermissionDenied, ValidationFailed
from leadhub.services.models import Activity, CampaignMember, DomainEvent, Lead
from tests.services.fake_chat_servers import FakeChatServer
from tests.services.notification_helpers import telegram_on


def make(session, ctx, **fields):
    fields.setdefault("last_name", "Pérez")
    lead = leads.create_lead(session=session, ctx=ctx, data=fields)
    session.commit()
    return lead


def rule(session, team, trigger, actions, *, config=None, conditions=None, name="R"):
    row = workflows.save_rule(session=session, ctx=team.admin_ctx, data={
        "name": name, "trigger": trigger, "trigger_config": config or {},
        "conditions": conditions or [], "actions": actions})
    session.commit()
    return row


def dispatch_all(session, engine, rounds=10):
    """Dispatch pending events until none are left (as the worker would)."""
    for _ in range(rounds):
        pending = session.exec(select(DomainEvent.id).where(DomainEvent.dispatched_at.is_(None))
                               .order_by(DomainEvent.id)).all()
        if not pending:
            return
        for event_id in pending:
            events.dispatch_event(event_id, engine=engine)
        session.expire_all()
    raise AssertionError("events kept coming")


def runs(session, rule_row):
    session.expire_all()
    return session.exec(select(workflows.WorkflowRun).where(workflows.WorkflowRun.rule_id == rule_row.id)
                        .order_by(workflows.WorkflowRun.id)).all()


def test_field_change_with_conditions_sets_a_field_and_creates_a_task(session, engine, team_a):
    r = rule(session, team_a, "field_changed", [
        {"type": "set_field", "field": "interest", "value": "High"},
        {"type": "create_task", "subject": "Call the new decision maker", "due_in_days": 2}],
        config={"field": "title"}, conditions=[{"field": "title", "operator": "contains", "value": "CEO"}])
    lead = make(session, team_a.rep_ctx, title="Analyst")
    dispatch_all(session, engine)
    assert runs(session, r) == []  # created, not changed
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, changes={"title": "Intern"})
    session.commit()
    dispatch_all(session, engine)
    assert [run.status for run in runs(session, r)] == ["skipped"]
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, changes={"title": "CEO"})
    session.commit()
    dispatch_all(session, engine)
    assert [run.status for run in runs(session, r)] == ["skipped", "done"]
    assert runs(session, r)[-1].log == ["Set interest to 'High'.", "Created the task 'Call the new decision maker'."]
    fresh = session.get(Lead, lead.id)
    assert fresh.interest == "High"
    assert session.exec(select(Activity.subject).where(Activity.lead_id == lead.id)).all() == [
        "Call the new decision maker"]


def test_a_rule_cannot_trigger_itself_or_ping_pong(session, engine, team_a):
    self_loop = rule(session, team_a, "field_changed", [
        {"type": "set_field", "field": "description", "value": "touched"}], name="Self")
    lead = make(session, team_a.rep_ctx)
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, changes={"city": "Bilbao"})
    session.commit()
    dispatch_all(session, engine)
    statuses = [run.status for run in runs(session, self_loop)]
    assert statuses == ["done", "loop_blocked"]
    assert "caused by this workflow itself" in runs(session, self_loop)[-1].log[-1]
    # two rules that would answer each other for ever
    workflows.set_enabled(session=session, ctx=team_a.admin_ctx, rule_id=self_loop.id, enabled=False)
    ping = rule(session, team_a, "field_changed", [{"type": "set_field", "field": "notes", "value": "ping"}],
                config={"field": "description"}, name="Ping")
    pong = rule(session, team_a, "field_changed", [{"type": "set_field", "field": "description", "value": "pong"}],
                config={"field": "notes"}, name="Pong")
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, changes={"description": "start"})
    session.commit()
    dispatch_all(session, engine)
    assert [r.status for r in runs(session, ping)] == ["done", "loop_blocked"]
    assert [r.status for r in runs(session, pong)] == ["done"]
    assert runs(session, ping)[-1].chain == [ping.id, pong.id]


def test_status_and_score_triggers_round_robin_campaign_and_sequence(session, engine, team_a):
    spring = campaigns.create_campaign(session=session, ctx=team_a.admin_ctx, name="Spring")
    template = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "t", "subject": "s", "body": "b"})
    sequence = emails.create_sequence(session=session, ctx=team_a.admin_ctx, name="Nurture",
                                      steps=[{"kind": "send", "template_id": template.id}])
    session.commit()
    qualified = rule(session, team_a, "status_changed", [
        {"type": "assign_round_robin", "user_ids": [team_a.rep.id, team_a.rep2.id]},
        {"type": "add_to_campaign", "campaign_id": spring.id}], config={"to": "Qualified"}, name="Q")
    hot = rule(session, team_a, "score_crossed", [{"type": "add_to_sequence", "sequence_id": sequence.id}],
               config={"threshold": 40, "direction": "up"}, name="Hot")
    one = make(session, team_a.manager_ctx, last_name="One")
    two = make(session, team_a.manager_ctx, last_name="Two")
    for lead in (one, two):
        leads.update_lead(session=session, ctx=team_a.manager_ctx, lead_id=lead.id, changes={"status": "Qualified"})
    session.commit()
    dispatch_all(session, engine)
    assert {session.get(Lead, one.id).owner_id, session.get(Lead, two.id).owner_id} == {team_a.rep.id, team_a.rep2.id}
    assert session.exec(select(CampaignMember).where(CampaignMember.campaign_id == spring.id)).all().__len__() == 2
    leads.update_lead(session=session, ctx=team_a.manager_ctx, lead_id=one.id,
                      changes={"budget": "50000", "need": "Urgent"})  # 20 + 10 + 15 = 45
    session.commit()
    dispatch_all(session, engine)
    [run] = runs(session, hot)
    assert run.status == "done" and run.lead_id == one.id
    assert session.exec(select(emails.Enrollment.lead_id)).all() == [one.id]
    assert len(runs(session, qualified)) == 2


def test_no_touch_runs_once_per_untouched_stretch(session, engine, team_a):
    r = rule(session, team_a, "no_touch", [{"type": "create_task", "subject": "Wake up"}], config={"days": 14})
    quiet = make(session, team_a.rep_ctx, last_name="Quiet")
    make(session, team_a.rep_ctx, last_name="Fresh")
    quiet.created_at = datetime.now(timezone.utc) - timedelta(days=20)
    session.commit()
    assert workflows.run_no_touch(engine=engine) == 1
    assert workflows.run_no_touch(engine=engine) == 0
    [run] = runs(session, r)
    assert run.lead_id == quiet.id and run.log == ["Created the task 'Wake up'."]


def test_notify_and_webhook_actions_reach_real_servers(session, engine, team_a):
    chat = FakeChatServer().start()
    received = []

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        telegram_on(session, team_a, chat)
        session.commit()
        rule(session, team_a, "status_changed", [
            {"type": "notify", "channel": "telegram", "text": "{name} is now qualified ({score})"},
            {"type": "webhook", "url": f"http://127.0.0.1:{hook.server_address[1]}/hook"},
            {"type": "notify", "channel": "slack", "text": "never set up"}])
        lead = make(session, team_a.rep_ctx, first_name="Ana", last_name="Ruiz")
        leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, changes={"status": "Qualified"})
        session.commit()
        dispatch_all(session, engine)
        assert [r.body["text"] for r in chat.requests if r.is_telegram] == ["Ana Ruiz is now qualified (0)"]
        assert received[0]["lead"]["id"] == lead.id and received[0]["event"] == "LeadStatusChanged"
        run = session.exec(select(workflows.WorkflowRun)).one()
        assert run.status == "failed"
        assert run.log[:2] == ["Sent to Telegram.", "Called the webhook (204)."]
        assert run.log[2].startswith("notify Telegram/Slack: failed — Slack is not set up")
    finally:
        chat.stop()
        hook.shutdown()


def test_rules_are_for_admins_and_checked(session, team_a):
    with pytest.raises(PermissionDenied):
        workflows.save_rule(session=session, ctx=team_a.manager_ctx, data={})
    with pytest.raises(ValidationFailed) as caught:
        workflows.save_rule(session=session, ctx=team_a.admin_ctx, data={
            "name": "x", "trigger": "field_changed", "actions": [
                {"type": "webhook", "url": "ftp://x"}, {"type": "set_field", "field": "password"},
                {"type": "assign_round_robin", "user_ids": [999999]}]})
    assert set(caught.value.field_errors) == {"actions.0.url", "actions.1.field", "actions.2.user_ids"}
