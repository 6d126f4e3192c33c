"""The lead page's "Send e-mail" dialog: templates and preview through the service, a queued
e-mail on send, a clear refusal for unsubscribed leads, nothing for another team's lead."""

from __future__ import annotations

import pytest
from sqlmodel import select

from leadhub.services import auth, emails, leads, tasks
from leadhub.state.send_email import SendEmailState
from tests.state.conftest import make_state


@pytest.fixture(autouse=True)
def quiet(tmp_path, monkeypatch):
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(emails, "deliver_task", lambda ids: None)
    monkeypatch.setattr(tasks, "enqueue_after_commit", lambda **ids: None)


def _dialog(session, user, password, lead_id):
    token, _ = auth.login(session=session, email=user.email, password=password)
    session.commit()
    state = make_state(SendEmailState, token)
    state.open_for(lead_id)
    return state


def test_pick_a_template_preview_and_send(app_database, session, team_a):
    template = emails.create_template(session=session, ctx=team_a.admin_ctx, data={
        "name": "Hola", "language": "es", "subject": "Hola {{first_name}}", "body": "Para {{company}}"})
    ana = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
        "first_name": "Ana", "last_name": "Peña", "company": "Peña SL", "email": "ana@pena.es"})
    session.commit()
    state = _dialog(session, team_a.rep, "rep-pass-1", ana.id)
    assert state.open and state.to_email == "ana@pena.es" and state.refused == ""
    assert state.templates == [[str(template.id), "Hola · ES"]]
    state.choose_template(str(template.id))
    assert (state.subject, state.body) == ("Hola {{first_name}}", "Para {{company}}")
    state.preview()
    assert (state.preview_subject, state.preview_body) == ("Hola Ana", "Para Peña SL")
    state.set_body("Para {{company}}, con cariño")
    answer = state.send()
    assert not state.open and "queued" in repr(answer)
    message = session.exec(select(emails.EmailMessage)).one()
    assert (message.lead_id, message.subject, message.body, message.status) == (
        ana.id, "Hola Ana", "Para Peña SL, con cariño", "queued")


def test_written_email_needs_subject_and_body(app_database, session, team_a):
    ana = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Peña", "email": "a@p.es"})
    session.commit()
    state = _dialog(session, team_a.rep, "rep-pass-1", ana.id)
    state.send()
    assert state.open and set(state.field_errors) == {"subject", "body"}
    assert session.exec(select(emails.EmailMessage)).all() == []


def test_unsubscribed_lead_gets_a_clear_message_and_no_email(app_database, session, team_a):
    ana = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Peña", "email": "ana@pena.es"})
    session.add(emails.EmailUnsubscribe(team_id=team_a.team.id, email="ana@pena.es", lead_id=ana.id))
    session.commit()
    state = _dialog(session, team_a.rep, "rep-pass-1", ana.id)
    assert state.refused == "This lead unsubscribed from your e-mails and cannot be e-mailed again."
    state.set_subject("Hola")
    state.set_body("Hola")
    assert "unsubscribed" in repr(state.send())
    assert session.exec(select(emails.EmailMessage)).all() == []


def test_another_teams_lead_is_not_found(app_database, session, team_a, team_b):
    ana = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Secreta", "email": "s@a.es"})
    session.commit()
    state = _dialog(session, team_b.admin, "admin-pass-1", ana.id)
    assert state.to_email == ""
    state.lead_id = ana.id
    state.set_subject("x")
    state.set_body("y")
    state.send()
    assert session.exec(select(emails.EmailMessage)).all() == []
