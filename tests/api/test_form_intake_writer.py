"""The SQLite intake writer (leadhub.api.forms.IntakeWriter): submissions that wait together
are written in one transaction, repeats inside one batch still find the lead the batch just
made, and a submission that cannot be written fails alone while the others are stored."""

from __future__ import annotations

import asyncio
import time

from sqlmodel import func, select

from leadhub.api import forms as forms_api
from leadhub.services import forms
from leadhub.services.models import DomainEvent, Lead, Note
from leadhub.services.team_signal import TeamSignal


def _published(session, team):
    form = forms.save_form(session=session, ctx=team.admin_ctx, data={
        "name": "Contacto", "fields": [{"name": "first_name"}, {"name": "last_name"},
                                       {"name": "email", "required": True}, {"name": "phone"}]})
    session.commit()
    forms.forget_cached(form.key)
    published = forms.published_form(session=session, key=form.key)
    session.commit()   # no read transaction left open while the writer writes
    return published


def _one_batch(writer: forms_api.IntakeWriter, jobs: list[tuple]) -> list:
    """Queue every job before the writer thread starts, so they are written as one batch."""
    async def run():
        loop = asyncio.get_running_loop()
        queued = [forms_api._Job(form, clean, visit, loop, loop.create_future()) for form, clean, visit in jobs]
        for job in queued:
            writer._queue.put(job)
        writer._start()
        return await asyncio.wait_for(asyncio.gather(*(j.future for j in queued), return_exceptions=True), 60)
    return asyncio.run(run())


def test_a_batch_stores_every_submission_and_repeats_update_the_lead_it_just_made(
        session, app_database, team_a, monkeypatch):
    dispatched: list[int] = []
    monkeypatch.setattr(forms_api._events, "add", lambda ids: dispatched.extend(ids))
    pub = _published(session, team_a)
    visit = forms.Visit(utm={"utm_source": "news"}, page_url="https://www.acme.es/contacto")
    values = [{"first_name": "Lucía", "last_name": f"Pérez {i}", "email": f"lucia{i}@acme.es",
               "_t": forms.fill_token(pub.key, time.time() - 10)} for i in range(12)]
    values += [{"last_name": "Pérez 3", "email": "LUCIA3@acme.es", "phone": "+34 612 345 678"},
               {"last_name": "Pérez 7", "email": "lucia7@acme.es"}]
    jobs = [(pub, forms_api._clean(pub, v), visit) for v in values]

    outcomes = _one_batch(forms_api.IntakeWriter(), jobs)

    assert all(isinstance(o, forms.Outcome) for o in outcomes), outcomes
    assert [o.created for o in outcomes] == [True] * 12 + [False, False]
    assert outcomes[12].lead_id == outcomes[3].lead_id and outcomes[13].lead_id == outcomes[7].lead_id
    session.expire_all()
    team = team_a.team.id
    assert session.exec(select(func.count()).select_from(Lead).where(Lead.team_id == team)).one() == 12
    assert session.exec(select(func.count()).select_from(forms.FormSubmission)
                        .where(forms.FormSubmission.team_id == team)).one() == 14
    repeated = session.get(Lead, outcomes[3].lead_id)
    assert repeated.phone == "+34612345678"           # a blank field filled in, nothing overwritten
    notes = session.exec(select(Note.body).where(Note.lead_id == repeated.id)).all()
    assert len(notes) == 1 and notes[0].startswith("Form submitted: Contacto")
    # every submission's events are in the outbox and handed to the worker
    names = session.exec(select(DomainEvent.name).where(DomainEvent.team_id == team,
                                                        DomainEvent.name.in_(["FormSubmitted", "LeadCreated"]))).all()
    assert sorted(names).count("FormSubmitted") == 14 and names.count("LeadCreated") == 12
    assert {i for o in outcomes for i in o.event_ids} <= set(dispatched)
    # one board signal for the batch's 12 new leads (not one per lead), one per updated lead
    assert session.get(TeamSignal, team).version == 1 + 2


def test_a_submission_that_cannot_be_written_fails_alone(session, app_database, team_a, monkeypatch):
    monkeypatch.setattr(forms_api._events, "add", lambda ids: None)
    pub = _published(session, team_a)
    good = [forms_api._clean(pub, {"last_name": f"Ruiz {i}", "email": f"ruiz{i}@acme.es"}) for i in range(3)]
    broken = {**good[0], "email": "otro@acme.es", "last_name": None}   # NOT NULL: the INSERT is refused
    jobs = [(pub, good[0], forms.Visit()), (pub, broken, forms.Visit()), (pub, good[1], forms.Visit()),
            (pub, good[2], forms.Visit())]

    outcomes = _one_batch(forms_api.IntakeWriter(), jobs)

    assert isinstance(outcomes[1], Exception)
    assert [o.created for i, o in enumerate(outcomes) if i != 1] == [True, True, True]
    session.expire_all()
    emails = session.exec(select(Lead.email).where(Lead.team_id == team_a.team.id).order_by(Lead.email)).all()
    assert emails == ["ruiz0@acme.es", "ruiz1@acme.es", "ruiz2@acme.es"]      # nothing of the broken one
    assert session.exec(select(func.count()).select_from(forms.FormSubmission)).one() == 3
