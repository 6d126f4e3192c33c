"""The conversion dialog, deals page and notification settings states: they call the services,
show field errors where the form has them, enqueue after commit, and refuse forged events."""

from __future__ import annotations

from sqlmodel import select

from leadhub.services import auth, events, leads, tasks
from leadhub.services.models import Deal, DomainEvent, Lead
from leadhub.state.conversion import ConversionState
from leadhub.state.deals import DealsState
from leadhub.state.notification_settings import NotificationSettingsState
from tests.services import crm_records as crm
from tests.state.conftest import make_state


def _login(session, email, password):
    token, _ = auth.login(session=session, email=email, password=password)
    session.commit()
    return token


def _rep(session, team):
    state_token = _login(session, team.rep.email, "rep-pass-1")
    return state_token


def test_dialog_opens_with_mapped_values_and_converts_once(app_database, session, team_a,
                                                           monkeypatch):
    enqueued = []
    monkeypatch.setattr(tasks, "enqueue_after_commit",
                        lambda **ids: enqueued.append({k: list(v) for k, v in ids.items()}))
    source = crm.outreach(session, team_a, team_a.rep)
    session.commit()
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
        "last_name": "Zubizarreta", "company": "Txoko", "budget": "100", "outreach_id": source.id})
    session.commit()
    state = make_state(ConversionState, _rep(session, team_a))
    state.open_for(str(lead.id))
    assert state.conv_open and state.values["account_name"] == "Txoko"
    assert state.values["deal_amount"] == "100.00" and state.account_mode == "new"

    form = {**state.values, "deal_name": " "}
    state.convert(form)
    assert state.field_errors == {"deal_name": "Give the deal a name."} and not state.converted
    assert session.exec(select(Deal)).all() == []

    state.convert({**state.values, "deal_name": "Txoko deal"})
    assert state.converted and state.result["deal_name"] == "Txoko deal"
    assert state.result["lead_acquired"] == "yes"
    session.expire_all()
    assert session.get(Lead, lead.id).status == "Converted"
    acquired = session.exec(select(DomainEvent.id).where(DomainEvent.name == "LeadAcquired")).all()
    assert enqueued and enqueued[0]["event_ids"][0] == acquired[0]   # dispatched after commit

    state.convert({**state.values, "deal_name": "Again"})            # a replayed event
    assert len(session.exec(select(Deal)).all()) == 1


def test_conversion_of_another_teams_lead_is_refused(app_database, session, team_a, team_b):
    lead = leads.create_lead(session=session, ctx=team_b.rep_ctx, data={"last_name": "Theirs"})
    session.commit()
    state = make_state(ConversionState, _login(session, team_a.admin.email, "admin-pass-1"))
    state.open_for(str(lead.id))
    assert not state.conv_open
    state.conv_lead_id = lead.id                                      # forged
    state.convert({"contact_last_name": "X", "deal_name": "X"})
    session.expire_all()
    assert session.get(Lead, lead.id).status == "New"
    assert session.exec(select(Deal)).all() == []


def test_deals_page_lists_filters_and_saves_with_field_errors(app_database, session, team_a):
    state = make_state(DealsState, _rep(session, team_a))
    state.open_new()
    assert state.deal_open and state.deal_values["currency"] == "EUR"
    state.save({"name": "", "amount": "abc", "currency": "EUR", "stage": "Proposal",
                "close_date": "", "probability": "", "owner_id": str(team_a.rep.id)})
    assert set(state.field_errors) == {"name", "amount"} and state.deal_open
    state.save({"name": "Shop", "amount": "1.200,50", "currency": "EUR", "stage": "Proposal",
                "close_date": "2026-07-01", "probability": "", "owner_id": str(team_a.rep.id)})
    assert not state.deal_open
    state.load()
    assert [(r["name"], r["amount"], r["stage"]) for r in state.rows] == [
        ("Shop", "1,200.50 EUR", "Proposal")]
    state.set_view("pipeline")
    state.load()
    assert state.stage_counts["Proposal"] == "1" and state.stage_sums["Proposal"] == "1,200.50 EUR"
    state.move_stage(state.cards["Proposal"][0]["id"], "Negotiation")
    state.load()                                    # the reload the handler asks for
    assert (state.stage_counts["Proposal"], state.stage_counts["Negotiation"]) == ("0", "1")


def test_new_deal_from_a_contact_inherits_its_outreach(app_database, session, team_a):
    source = crm.outreach(session, team_a, team_a.rep)
    account = crm.account(session, team_a, "Ñandú Textil")
    contact = crm.contact(session, team_a, outreach_row=source, account_row=account,
                          owner=team_a.rep)
    session.commit()
    state = make_state(DealsState, _rep(session, team_a))
    state.open_from_contact(str(contact.id))
    assert state.deal_values["name"] == "Ñandú Textil"
    assert state.deal_context["account"] == "Ñandú Textil" and state.deal_context["outreach"] == "E-mail"
    state.save({**state.deal_values, "amount": "50"})
    deal = session.exec(select(Deal)).one()
    assert (deal.contact_id, deal.account_id, deal.outreach_id) == (contact.id, account.id, source.id)
    assert session.exec(select(DomainEvent.name)).all() == [events.LEAD_ACQUIRED]


def test_notification_settings_are_for_admins_and_keep_the_secret(app_database, session, team_a):
    rep = make_state(NotificationSettingsState, _rep(session, team_a))
    rep.role = "admin"                                   # a forged role in the browser state
    rep.load()
    assert rep.channels == {}
    admin = make_state(NotificationSettingsState,
                       _login(session, team_a.admin.email, "admin-pass-1"))
    admin.role = "admin"
    admin.load()
    assert set(admin.channels) == {"telegram", "slack"} and "{deal_name}" in admin.placeholders
    admin.set_enabled("slack", True)
    admin.submit("slack", {"secret": "", "template": ""})
    assert admin.field_errors == {"slack_enabled": "Enter the webhook URL first."}
    admin.submit("slack", {"secret": "https://hooks.slack.com/services/T1/B1/abcdefgh", "template": ""})
    assert admin.field_errors == {} and admin.channels["slack"]["secret_masked"].endswith("efgh")
    admin.submit("slack", {"secret": "", "template": "New: {deal_name}"})   # empty keeps it
    assert admin.channels["slack"]["configured"] == "yes"
    assert admin.channels["slack"]["template"] == "New: {deal_name}"


def test_converted_lead_links_and_deal_link_from_the_url(app_database, session, team_a):
    from leadhub.services import conversion

    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
        "last_name": "Linked", "company": "Lnk SL"})
    session.commit()
    preview = conversion.preview(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    done = conversion.convert(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                              conversion_in=preview.values)
    session.commit()
    state = make_state(ConversionState, _rep(session, team_a))
    state.load_links(str(lead.id))
    assert state.links["account_name"] == "Lnk SL" and state.links["deal_id"] == str(done.deal.id)
    assert state.links["contact_name"] == "Linked"


def test_another_existing_account_can_be_found_and_chosen(app_database, session, team_a):
    other = crm.account(session, team_a, "Distribuciones Norte")
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
        "last_name": "Pick", "company": "Pick SL"})
    session.commit()
    state = make_state(ConversionState, _rep(session, team_a))
    state.open_for(str(lead.id))
    assert state.matches == [] and state.account_mode == "new"
    state.search_accounts("norte")
    assert [m["name"] for m in state.matches] == ["Distribuciones Norte"]
    state.set_account_mode("existing")
    state.set_account_choice(str(other.id))
    state.convert({**state.values})
    assert state.result["account_id"] == str(other.id) and state.result["account_created"] == ""
