"""Lead conversion on a real database: every mix of account/contact/deal, an existing account,
history carried over, LeadAcquired in the same transaction, nothing half-written on failure,
and team isolation."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from tests.services import crm_records as crm
from leadhub.services import conversion, deals, events, leads
from leadhub.services.conversion import (
    AccountFields,
    ContactFields,
    ConversionIn,
    DealFields,
)
from leadhub.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import (
    Account,
    Activity,
    Campaign,
    CampaignMember,
    Contact,
    Deal,
    Document,
    DomainEvent,
    Lead,
    LeadStatusHistory,
    Note,
    Outreach,
)


def _lead(session, team, ctx=None, **fields):
    data = {"first_name": "Íñigo", "last_name": "Zubizarreta", "company": "Txoko Software",
            "email": "inigo@txoko.es", "phone": "+34 612 34 56 78", "website": "txoko.es",
            "title": "CTO", "budget": "12.500,50", "lead_source": "LinkedIn", "city": "Bilbao",
            **fields}
    lead = leads.create_lead(session=session, ctx=ctx or team.rep_ctx, data=data)
    session.commit()
    return lead


def _counts(session):
    return {model.__name__: len(session.exec(select(model)).all())
            for model in (Account, Contact, Deal)}


def _names(session, model):
    return sorted(row.name for row in session.exec(select(model)).all())


def _event_names(session):
    """The conversion's own events, in order (other modules may record more, e.g. workflows)."""
    return [e.name for e in session.exec(select(DomainEvent).order_by(DomainEvent.id)).all()
            if e.name in (events.LEAD_ACQUIRED, "LeadStatusChanged")]


def _convert(session, ctx, lead_id, choice=None):
    if choice is None:
        choice = conversion.preview(session=session, ctx=ctx, lead_id=lead_id).values
    result = conversion.convert(session=session, ctx=ctx, lead_id=lead_id, conversion_in=choice)
    session.commit()
    return result


def test_preview_maps_the_lead_onto_account_contact_and_deal(session, team_a):
    lead = _lead(session, team_a)
    view = conversion.preview(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    values = view.values
    assert view.lead_name == "Íñigo Zubizarreta" and view.matches == []
    assert values.account_mode == "new"
    assert values.account == AccountFields(name="Txoko Software", website="https://txoko.es",
                                           industry="", phone="+34612345678", city="Bilbao",
                                           country="")
    assert values.contact == ContactFields(first_name="Íñigo", last_name="Zubizarreta",
                                           email="inigo@txoko.es", phone="+34612345678",
                                           title="CTO")
    assert (values.deal.name, values.deal.amount, values.deal.currency, values.deal.stage) == (
        "Txoko Software", "12500.50", "EUR", "Prospecting")
    assert values.deal.close_date > datetime.now().date().isoformat()
    assert view.attribution.lead_source == "LinkedIn" and view.attribution.outreach_id is None


def test_preview_offers_existing_accounts_by_name_or_domain(session, team_a, team_b):
    by_name = Account(team_id=team_a.team.id, name="TXOKO software")
    by_domain = Account(team_id=team_a.team.id, name="Txoko Holding", website="https://www.txoko.es/")
    lookalike = Account(team_id=team_a.team.id, name="Other", website="https://nottxoko.es")
    other_team = Account(team_id=team_b.team.id, name="Txoko Software")
    session.add_all([by_name, by_domain, lookalike, other_team])
    session.commit()
    lead = _lead(session, team_a)
    view = conversion.preview(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    assert [(m.id, m.reason) for m in view.matches] == [(by_name.id, "name"), (by_domain.id, "domain")]
    assert (view.values.account_mode, view.values.account_id) == ("existing", by_name.id)

    # a work e-mail domain counts; a free-mail one does not
    lead2 = _lead(session, team_a, company="", website="", email="ana@txoko.es")
    assert [m.id for m in conversion.preview(session=session, ctx=team_a.rep_ctx,
                                             lead_id=lead2.id).matches] == [by_domain.id]
    lead3 = _lead(session, team_a, company="", website="", email="ana@gmail.com")
    view3 = conversion.preview(session=session, ctx=team_a.rep_ctx, lead_id=lead3.id)
    assert view3.matches == [] and view3.values.account_mode == "none"


def test_convert_all_three_links_everything_and_carries_attribution(session, team_a):
    source = crm.outreach(session, team_a, team_a.rep)
    session.commit()
    lead = _lead(session, team_a, outreach_id=source.id)
    version_before = lead.version
    result = _convert(session, team_a.rep_ctx, lead.id)

    lead = session.get(Lead, lead.id)
    assert lead.version > version_before         # a board move made on the old card is refused
    assert lead.status == "Converted" and lead.converted_at is not None
    assert (lead.converted_account_id, lead.converted_contact_id, lead.converted_deal_id) == (
        result.account.id, result.contact.id, result.deal.id)
    assert result.account_created and result.account.name == "Txoko Software"
    contact, deal = result.contact, result.deal
    assert (contact.account_id, contact.lead_id, contact.outreach_id, contact.lead_source) == (
        result.account.id, lead.id, source.id, "LinkedIn")
    assert (deal.account_id, deal.contact_id, deal.lead_id, deal.outreach_id, deal.lead_source) == (
        result.account.id, contact.id, lead.id, source.id, "LinkedIn")
    assert deal.amount == Decimal("12500.50") and deal.currency == "EUR"
    assert {contact.owner_id, deal.owner_id, result.account.owner_id} == {team_a.rep.id}
    history = session.exec(select(LeadStatusHistory).where(LeadStatusHistory.lead_id == lead.id)
                           .order_by(LeadStatusHistory.id)).all()
    assert [(h.from_status, h.to_status) for h in history] == [(None, "New"), ("New", "Converted")]

    assert _event_names(session) == [events.LEAD_ACQUIRED, "LeadStatusChanged"]
    changed = session.exec(select(DomainEvent).where(DomainEvent.name == "LeadStatusChanged")).one()
    assert changed.payload == {"lead_id": lead.id, "from": "New", "to": "Converted",
                               "via": "conversion", "account_id": result.account.id,
                               "contact_id": contact.id, "deal_id": deal.id}
    acquired = session.exec(select(DomainEvent).where(DomainEvent.name == events.LEAD_ACQUIRED)).one()
    assert acquired.lead_id == lead.id and acquired.payload["deal"]["id"] == deal.id
    assert acquired.payload["outreach"]["user_name"] == "Raúl Rep" and result.lead_acquired
    assert session.get(Outreach, source.id).contact_id == contact.id


@pytest.mark.parametrize("mode, create_contact, create_deal", [
    ("new", True, False), ("new", False, True), ("none", True, True), ("none", True, False),
    ("none", False, True), ("new", False, False),
])
def test_each_record_can_be_switched_off(session, team_a, mode, create_contact, create_deal):
    lead = _lead(session, team_a)
    choice = conversion.preview(session=session, ctx=team_a.rep_ctx, lead_id=lead.id).values
    choice.account_mode, choice.create_contact, choice.create_deal = mode, create_contact, create_deal
    result = _convert(session, team_a.rep_ctx, lead.id, choice)
    assert _counts(session) == {"Account": int(mode == "new"), "Contact": int(create_contact),
                                "Deal": int(create_deal)}
    lead = session.get(Lead, lead.id)
    assert lead.status == "Converted"
    assert (lead.converted_account_id is not None, lead.converted_contact_id is not None,
            lead.converted_deal_id is not None) == (mode == "new", create_contact, create_deal)
    if create_contact and mode == "new":
        assert result.contact.account_id == result.account.id
    if create_deal:
        assert result.deal.contact_id == (result.contact.id if create_contact else None)


def test_nothing_chosen_is_refused(session, team_a):
    lead = _lead(session, team_a)
    with pytest.raises(ValidationFailed):
        conversion.convert(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                           conversion_in=ConversionIn(account_mode="none", create_contact=False,
                                                      create_deal=False))
    session.rollback()
    assert session.get(Lead, lead.id).status == "New"


def test_existing_account_is_used_instead_of_a_new_one(session, team_a):
    account = crm.account(session, team_a, "Txoko Software")
    session.commit()
    lead = _lead(session, team_a)
    result = _convert(session, team_a.rep_ctx, lead.id)          # the preview picked it
    assert not result.account_created and result.account.id == account.id
    assert _names(session, Account) == ["Txoko Software"]
    assert result.contact.account_id == account.id == result.deal.account_id


def test_existing_account_of_another_team_is_refused(session, team_a, team_b):
    b_account = crm.account(session, team_b, "Txoko Software")
    session.commit()
    lead = _lead(session, team_a)
    with pytest.raises(ValidationFailed) as err:
        conversion.convert(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                           conversion_in=ConversionIn(account_mode="existing", account_id=b_account.id,
                                                      contact=ContactFields(last_name="Z"),
                                                      deal=DealFields(name="D")))
    assert set(err.value.field_errors) == {"account_id"}
    session.rollback()
    assert _counts(session) == {"Account": 1, "Contact": 0, "Deal": 0}


def test_history_follows_to_the_contact_and_the_deal(session, team_a):
    lead = _lead(session, team_a)
    other_contact = crm.contact(session, team_a, last_name="Otro")
    campaign = Campaign(team_id=team_a.team.id, name="Spring")
    session.add(campaign)
    session.flush()
    tid = team_a.team.id
    session.add_all([
        Note(team_id=tid, lead_id=lead.id, body="Met at the fair"),
        Note(team_id=tid, lead_id=lead.id, contact_id=other_contact.id, body="Stays put"),
        Activity(team_id=tid, lead_id=lead.id, subject="Send proposal"),
        Document(team_id=tid, lead_id=lead.id, filename="brief.pdf", storage_key="k1"),
        CampaignMember(team_id=tid, campaign_id=campaign.id, lead_id=lead.id),
        Outreach(team_id=tid, user_id=team_a.rep.id, type=2, email="inigo@txoko.es",
                 occurred_at=datetime(2026, 3, 1, tzinfo=timezone.utc), lead_id=lead.id),
    ])
    session.commit()
    result = _convert(session, team_a.rep_ctx, lead.id)
    contact_id, deal_id = result.contact.id, result.deal.id
    notes = {n.body: (n.lead_id, n.contact_id, n.deal_id) for n in session.exec(select(Note))}
    assert notes == {"Met at the fair": (lead.id, contact_id, deal_id),
                     "Stays put": (lead.id, other_contact.id, deal_id)}
    activity = session.exec(select(Activity)).one()
    document = session.exec(select(Document)).one()
    member = session.exec(select(CampaignMember)).one()
    outreach_row = session.exec(select(Outreach)).one()
    assert (activity.contact_id, activity.deal_id) == (contact_id, deal_id)
    assert (document.contact_id, document.deal_id) == (contact_id, deal_id)
    assert (member.lead_id, member.contact_id) == (lead.id, contact_id)
    assert outreach_row.contact_id == contact_id
    assert result.carried == {"notes": 2, "activities": 1, "documents": 1, "campaigns": 1,
                              "outreach": 1}
    assert session.get(Contact, contact_id).last_contacted_at == outreach_row.occurred_at


def test_bad_fields_of_every_record_are_reported_together_and_nothing_is_written(session, team_a):
    source = crm.outreach(session, team_a, team_a.rep)
    session.commit()
    lead = _lead(session, team_a, outreach_id=source.id)
    choice = conversion.preview(session=session, ctx=team_a.rep_ctx, lead_id=lead.id).values
    choice.account.name = " "
    choice.contact.email = "not-an-email"
    choice.deal.amount = "-5"
    choice.deal.stage = "Won"
    with pytest.raises(ValidationFailed) as err:
        conversion.convert(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                           conversion_in=choice)
    assert set(err.value.field_errors) == {"account_name", "contact_email", "deal_amount",
                                           "deal_stage"}
    session.rollback()
    assert _counts(session) == {"Account": 0, "Contact": 0, "Deal": 0}
    assert session.get(Lead, lead.id).status == "New"


def test_a_failure_after_the_records_were_written_rolls_all_of_them_back(session, team_a,
                                                                           monkeypatch):
    source = crm.outreach(session, team_a, team_a.rep)
    session.commit()
    lead = _lead(session, team_a, outreach_id=source.id)
    session.add(Note(team_id=team_a.team.id, lead_id=lead.id, body="n"))
    session.commit()
    events_before = len(session.exec(select(DomainEvent)).all())

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(conversion, "_carry_over", broken)
    with pytest.raises(RuntimeError):
        conversion.convert(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                           conversion_in=conversion.preview(session=session, ctx=team_a.rep_ctx,
                                                            lead_id=lead.id).values)
    session.rollback()
    assert _counts(session) == {"Account": 0, "Contact": 0, "Deal": 0}
    lead = session.get(Lead, lead.id)
    assert (lead.status, lead.converted_at, lead.converted_deal_id) == ("New", None, None)
    assert len(session.exec(select(DomainEvent)).all()) == events_before   # no LeadAcquired
    assert session.exec(select(Note)).one().contact_id is None
    assert session.get(Outreach, source.id).contact_id is None


def test_a_converted_lead_is_refused_and_read_only(session, team_a):
    lead = _lead(session, team_a)
    _convert(session, team_a.rep_ctx, lead.id)
    with pytest.raises(Conflict):
        conversion.preview(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    with pytest.raises(Conflict):
        conversion.convert(session=session, ctx=team_a.manager_ctx, lead_id=lead.id,
                           conversion_in=ConversionIn(contact=ContactFields(last_name="Z")))
    session.rollback()
    with pytest.raises(ValidationFailed):
        leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                          changes={"company": "Changed"})
    assert _counts(session) == {"Account": 1, "Contact": 1, "Deal": 1}


def test_team_isolation_and_owner_rights(session, team_a, team_b):
    lead = _lead(session, team_a)
    with pytest.raises(NotFound):
        conversion.preview(session=session, ctx=team_b.admin_ctx, lead_id=lead.id)
    with pytest.raises(NotFound):
        conversion.convert(session=session, ctx=team_b.admin_ctx, lead_id=lead.id,
                           conversion_in=ConversionIn(contact=ContactFields(last_name="Z")))
    with pytest.raises(PermissionDenied):       # another rep's lead
        conversion.preview(session=session, ctx=team_a.rep2_ctx, lead_id=lead.id)
    session.rollback()
    assert session.get(Lead, lead.id).status == "New"
    result = _convert(session, team_a.manager_ctx, lead.id)   # managers may convert any lead
    assert result.deal.owner_id == team_a.rep.id             # the lead's owner keeps it
    assert _counts(session) == {"Account": 1, "Contact": 1, "Deal": 1}


def test_no_outreach_no_lead_acquired(session, team_a):
    lead = _lead(session, team_a)
    result = _convert(session, team_a.rep_ctx, lead.id)
    assert not result.lead_acquired
    assert _event_names(session) == ["LeadStatusChanged"]


def test_deal_created_later_from_the_contact_inherits_the_outreach(session, team_a):
    source = crm.outreach(session, team_a, team_a.rep)
    session.commit()
    lead = _lead(session, team_a, outreach_id=source.id)
    choice = conversion.preview(session=session, ctx=team_a.rep_ctx, lead_id=lead.id).values
    choice.create_deal = False
    result = _convert(session, team_a.rep_ctx, lead.id, choice)
    deal = deals.deal_from_contact(session=session, ctx=team_a.rep_ctx, contact_id=result.contact.id)
    session.commit()
    assert (deal.outreach_id, deal.account_id, deal.lead_id, deal.name) == (
        source.id, result.account.id, lead.id, "Txoko Software")


def test_converted_links_name_what_the_lead_became(session, team_a, team_b):
    lead = _lead(session, team_a)
    result = _convert(session, team_a.rep_ctx, lead.id)
    links = conversion.converted_links(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    assert (links.account_id, links.account_name) == (result.account.id, "Txoko Software")
    assert (links.contact_id, links.contact_name) == (result.contact.id, "Íñigo Zubizarreta")
    assert (links.deal_id, links.deal_name) == (result.deal.id, "Txoko Software")
    assert links.converted_at is not None
    with pytest.raises(NotFound):
        conversion.converted_links(session=session, ctx=team_b.admin_ctx, lead_id=lead.id)


def test_any_account_of_the_team_can_be_found_by_name(session, team_a, team_b):
    crm.account(session, team_a, "Industrias Ñandú")
    crm.account(session, team_a, "Other SL")
    crm.account(session, team_b, "Industrias Ñandú Beta")
    session.commit()
    found = conversion.find_accounts(session=session, ctx=team_a.rep_ctx, text="  industrias  Ñandú ")
    assert [(m.name, m.reason) for m in found] == [("Industrias Ñandú", "search")]
    assert conversion.find_accounts(session=session, ctx=team_a.rep_ctx, text="50%_") == []
    assert conversion.find_accounts(session=session, ctx=team_a.rep_ctx, text=" ") == []


def test_accented_company_names_match_regardless_of_case(session, team_a):
    account = crm.account(session, team_a, "Ñandú Textil")
    session.commit()
    lead = _lead(session, team_a, company="ñandú textil", website="", email="")
    view = conversion.preview(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    assert [(m.id, m.reason) for m in view.matches] == [(account.id, "name")]
