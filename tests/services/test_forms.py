"""Web forms: the builder's checks, intake (new lead, duplicate updated with a note, scoring,
events, owner rotation, campaign), bot signals and the numbers in Settings and analytics."""

import time

import pytest
from sqlmodel import select

from leadhub.services import campaigns, custom_fields, forms, leads
from leadhub.services.errors import PermissionDenied, ValidationFailed
from leadhub.services.models import CampaignMember, DomainEvent, Lead, LeadStatusHistory, Note
from leadhub.services.scoring import LeadScore


def make_form(session, team, **overrides):
    data = {"name": "Contact us", "fields": [
        {"name": "first_name"}, {"name": "last_name", "label_es": "Apellidos"},
        {"name": "email", "required": True}, {"name": "company"}, {"name": "phone"},
        {"name": "description", "label_en": "Your message"}],
        "lead_source": "Web Form", "allowed_origins": "https://www.acme.es\nhttp://localhost:8080/",
        "thank_you_en": "Thanks!", "thank_you_es": "¡Gracias!"}
    data.update(overrides)
    form = forms.save_form(session=session, ctx=team.admin_ctx, data=data)
    session.commit()
    return form


def published(session, form):
    forms.forget_cached(form.key)
    return forms.published_form(session=session, key=form.key)


def submit(session, pub, **values):
    outcome = forms.submit(session=session, form=pub, values=values,
                           visit=forms.Visit(utm={"utm_source": "google", "utm_campaign": "spring"},
                                             referrer="https://google.com/", page_url="https://www.acme.es/contact"))
    session.commit()
    return outcome


def test_only_admins_build_forms_and_the_builder_checks_its_input(session, team_a):
    with pytest.raises(PermissionDenied):
        forms.save_form(session=session, ctx=team_a.rep_ctx, data={"name": "X"})
    with pytest.raises(ValidationFailed) as err:
        forms.save_form(session=session, ctx=team_a.admin_ctx, data={
            "name": "", "fields": [{"name": "email"}], "allowed_origins": "not a site",
            "redirect_url": "javascript:alert(1)", "owner_mode": "fixed", "owner_id": 999999})
    errors = err.value.field_errors
    assert set(errors) >= {"name", "fields", "allowed_origins", "redirect_url", "owner_id"}
    assert "Last name" in errors["fields"]  # every lead needs one
    form = make_form(session, team_a)
    assert len(form.key) >= 20 and form.allowed_origins == ["https://www.acme.es", "http://localhost:8080"]


def test_a_new_visitor_becomes_a_scored_lead_with_events_and_attribution(session, team_a):
    campaign = campaigns.create_campaign(session=session, ctx=team_a.admin_ctx, name="Spring")
    form = make_form(session, team_a, campaign_id=campaign.id, owner_mode="round_robin",
                     round_robin_ids=[team_a.rep.id, team_a.rep2.id])
    pub = published(session, form)
    first = submit(session, pub, first_name=" Ana ", last_name="García", email="Ana@Example.COM",
                   company="Peña S.L.", phone="612 34 56 78", description="<script>alert(1)</script>")
    second = submit(session, pub, last_name="Ruiz", email="luis@example.com")
    assert first.created and second.created
    lead = session.get(Lead, first.lead_id)
    assert (lead.first_name, lead.email, lead.lead_source, lead.status) == ("Ana", "ana@example.com", "Web Form", "New")
    assert lead.phone == "+34612345678" and lead.description == "<script>alert(1)</script>"
    assert lead.owner_id == team_a.rep.id and session.get(Lead, second.lead_id).owner_id == team_a.rep2.id
    assert session.exec(select(LeadScore).where(LeadScore.lead_id == lead.id)).first() is not None
    assert session.exec(select(LeadStatusHistory).where(LeadStatusHistory.lead_id == lead.id)).first().to_status == "New"
    assert session.exec(select(CampaignMember).where(CampaignMember.lead_id == lead.id)).first() is not None
    names = {e.name for e in session.exec(select(DomainEvent).where(DomainEvent.lead_id == lead.id)).all()}
    assert {"FormSubmitted", "LeadCreated"} <= names
    row = session.get(forms.FormSubmission, first.submission_id)
    assert (row.utm_source, row.utm_campaign, row.referrer, row.page_url) == (
        "google", "spring", "https://google.com/", "https://www.acme.es/contact")
    listed = leads.list_leads(session=session, ctx=team_a.admin_ctx, query=leads.LeadQuery())
    assert {r.id for r in listed.rows} >= {first.lead_id, second.lead_id}


def test_a_returning_visitor_updates_the_lead_and_gets_a_note(session, team_a):
    existing = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
        "last_name": "García", "email": "ana@example.com", "company": "Acme"})
    session.commit()
    pub = published(session, make_form(session, team_a))
    outcome = submit(session, pub, last_name="Garcia Lopez", email=" ANA@example.com", company="Other Co",
                     phone="+34 612 345 678", description="Call me")
    assert outcome.lead_id == existing.id and not outcome.created
    lead = session.get(Lead, existing.id)
    session.refresh(lead)
    assert lead.company == "Acme" and lead.last_name == "García"   # a rep's data is kept
    assert lead.phone == "+34612345678"                             # blanks are filled in
    note = session.exec(select(Note).where(Note.lead_id == existing.id)).one()
    assert note.body.startswith("Form submitted: Contact us") and "Call me" in note.body
    assert "utm_source: google" in note.body
    assert session.exec(select(Lead).where(Lead.team_id == team_a.team.id)).all().__len__() == 1


def test_field_errors_use_the_forms_input_names(session, team_a):
    field = custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Employees", type="number")
    pub = published(session, make_form(session, team_a, fields=[
        {"name": "last_name"}, {"name": "email", "required": True}, {"name": "phone"},
        {"name": field.column, "required": True}]))
    with pytest.raises(ValidationFailed) as err:
        forms.submit(session=session, form=pub, values={"last_name": "", "email": "nope", "phone": "12",
                                                         field.column: "many"})
    assert set(err.value.field_errors) == {"last_name", "email", "phone", field.column}
    session.rollback()
    ok = forms.submit(session=session, form=pub, values={"last_name": "Núñez", "email": "n@x.es",
                                                          field.column: "1250"})
    session.commit()
    assert session.get(Lead, ok.lead_id).custom_fields == {field.key: 1250}


def test_bots_are_recognised_by_honeypot_and_fill_time(session, team_a):
    pub = published(session, make_form(session, team_a))
    now = time.time()
    token = forms.fill_token(pub.key, now - 10)
    assert not forms.is_bot(pub, {"_t": token}, now)
    assert forms.is_bot(pub, {"_t": token, forms.HONEYPOT: "http://spam"}, now)
    assert forms.is_bot(pub, {"_t": forms.fill_token(pub.key, now - 1)}, now)     # too fast
    assert forms.is_bot(pub, {}, now)                                               # never rendered
    assert forms.is_bot(pub, {"_t": token[:-2] + "xx"}, now)                        # forged
    assert forms.is_bot(pub, {"_t": forms.fill_token("another-form-key", now - 10)}, now)


def test_archived_forms_are_gone_and_counts_reach_settings(session, team_a, team_b):
    form = make_form(session, team_a)
    pub = published(session, form)
    forms.record_view(session=session, form=pub)
    forms.record_view(session=session, form=pub)
    session.commit()
    submit(session, pub, last_name="Uno", email="uno@x.es")
    summary = forms.list_forms(session=session, ctx=team_a.rep_ctx)[0]
    assert (summary.views, summary.submissions, summary.leads_created, summary.conversion_rate) == (2, 1, 1, 0.5)
    assert forms.list_forms(session=session, ctx=team_b.admin_ctx) == []
    forms.archive_form(session=session, ctx=team_a.admin_ctx, form_id=form.id)
    session.commit()
    with pytest.raises(Exception) as err:
        forms.published_form(session=session, key=form.key)
    assert type(err.value).__name__ == "NotFound"


def test_analytics_funnel_gets_views_submissions_and_leads(session, team_a):
    from datetime import date, timedelta

    from leadhub.services.analytics import filters, forms as form_stats
    pub = published(session, make_form(session, team_a))
    forms.record_view(session=session, form=pub)
    session.commit()
    outcome = submit(session, pub, last_name="Uno", email="uno@x.es")
    flt = filters.AnalyticsFilter(date_from=date.today() - timedelta(days=30), date_to=date.today() + timedelta(days=1))
    sc = filters.scope(session=session, ctx=team_a.admin_ctx, flt=flt)
    funnel = form_stats.funnel(session=session, sc=sc)
    assert funnel is not None and funnel.rows[0]["submissions"] == 1
    assert funnel.rows[0]["views"] == 1
    assert forms.funnel_counts(session=session, sc=sc)[0].lead_ids == [outcome.lead_id]
