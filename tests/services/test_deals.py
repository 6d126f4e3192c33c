"""Deals on a real database: validation, inheritance of the outreach source, LeadAcquired in
the same transaction, paging, and team isolation."""

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from tests.services import crm_records as crm
from leadhub.services import deals, events
from leadhub.services.deals import DealCreate, DealUpdate
from leadhub.services.errors import NotFound, ValidationFailed
from leadhub.services.models import Deal, DomainEvent, OutreachType


def _events(session):
    return session.exec(select(DomainEvent).order_by(DomainEvent.id)).all()


def test_create_deal_applies_defaults_and_parses_form_text(session, team_a):
    deal = deals.create_deal(session=session, ctx=team_a.rep_ctx, deal_in=DealCreate(
        name="  Web shop  ", amount="12.500,50", close_date="2026-06-30", stage="Proposal"))
    session.commit()
    assert deal.name == "Web shop"
    assert deal.amount == Decimal("12500.50")
    assert deal.currency == "EUR"                    # the team's currency
    assert deal.probability == 50                    # the stage's usual probability
    assert deal.close_date == date(2026, 6, 30)
    assert deal.owner_id == team_a.rep.id and deal.team_id == team_a.team.id
    assert _events(session) == []                    # no outreach source, no LeadAcquired


def test_every_bad_field_is_reported_at_once(session, team_a):
    with pytest.raises(ValidationFailed) as err:
        deals.create_deal(session=session, ctx=team_a.rep_ctx, deal_in=DealCreate(
            name=" ", amount="-5", currency="EURO", stage="Won", probability=101,
            close_date="30/06/2026"))
    assert set(err.value.field_errors) == {"name", "amount", "currency", "stage", "probability",
                                           "close_date"}


@pytest.mark.parametrize("amount, expected", [
    (0, Decimal("0.00")), ("12,500.5", Decimal("12500.50")), (Decimal("99.999"), Decimal("100.00")),
    ("", None), (None, None),
])
def test_amount_forms(session, team_a, amount, expected):
    deal = deals.create_deal(session=session, ctx=team_a.rep_ctx,
                             deal_in=DealCreate(name="Deal", amount=amount))
    assert deal.amount == expected


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "1e12", True])
def test_bad_amounts_are_refused(session, team_a, amount):
    with pytest.raises(ValidationFailed) as err:
        deals.create_deal(session=session, ctx=team_a.rep_ctx,
                          deal_in=DealCreate(name="Deal", amount=amount))
    assert "amount" in err.value.field_errors


def test_owner_must_be_a_member_of_the_team(session, team_a, team_b):
    with pytest.raises(ValidationFailed) as err:
        deals.create_deal(session=session, ctx=team_a.rep_ctx,
                          deal_in=DealCreate(name="Deal", owner_id=team_b.rep.id))
    assert "owner_id" in err.value.field_errors


def test_records_of_another_team_are_not_found(session, team_a, team_b):
    b_outreach = crm.outreach(session, team_b, team_b.rep)
    b_contact = crm.contact(session, team_b, outreach_row=b_outreach)
    b_account = crm.account(session, team_b)
    b_lead = crm.lead(session, team_b)
    session.commit()
    for field, value in (("contact_id", b_contact.id), ("account_id", b_account.id),
                         ("lead_id", b_lead.id), ("outreach_id", b_outreach.id)):
        with pytest.raises(NotFound):
            deals.create_deal(session=session, ctx=team_a.admin_ctx,
                              deal_in=DealCreate(name="Steal", **{field: value}))
    with pytest.raises(NotFound):
        deals.deal_from_contact(session=session, ctx=team_a.admin_ctx, contact_id=b_contact.id)
    session.rollback()
    assert session.exec(select(Deal)).all() == [] and _events(session) == []


def test_lead_acquired_is_recorded_with_the_deal_and_its_outreach(session, team_a):
    source = crm.outreach(session, team_a, team_a.rep, type=OutreachType.SOCIAL,
                          value="https://linkedin.com/in/ana", email=None)
    contact = crm.contact(session, team_a, outreach_row=source)
    session.commit()
    deal = deals.create_deal(session=session, ctx=team_a.manager_ctx, deal_in=DealCreate(
        name="Consulting", amount=8000, contact_id=contact.id))
    session.commit()
    assert deal.outreach_id == source.id               # inherited from the contact
    [event] = _events(session)
    assert event.name == events.LEAD_ACQUIRED == "LeadAcquired"
    assert event.team_id == team_a.team.id and event.user_id == team_a.manager.id
    assert event.dispatched_at is None
    assert event.payload["deal"] == {"id": deal.id, "name": "Consulting", "amount": "8000.00",
                                     "currency": "EUR", "stage": "Prospecting"}
    assert event.payload["outreach"] == {
        "id": source.id, "type": 4, "type_name": "social", "channel": "",
        "value": "https://linkedin.com/in/ana", "user_id": team_a.rep.id, "user_name": "Raúl Rep",
        "occurred_at": crm.OUTREACH_AT.isoformat()}
    assert event.payload["team"] == {"id": team_a.team.id, "name": "Acme Ventas"}
    assert event.payload["user"] == {"id": team_a.manager.id, "name": "Marta Manager"}


def test_outreach_comes_from_the_lead_when_the_contact_has_none(session, team_a):
    source = crm.outreach(session, team_a, team_a.rep2, type=OutreachType.CALL, email=None)
    lead = crm.lead(session, team_a, outreach_row=source)
    contact = crm.contact(session, team_a, lead_row=lead)
    session.commit()
    deal = deals.create_deal(session=session, ctx=team_a.rep_ctx,
                             deal_in=DealCreate(name="Call won", contact_id=contact.id))
    session.commit()
    assert (deal.lead_id, deal.outreach_id) == (lead.id, source.id)
    [event] = _events(session)
    assert event.lead_id == lead.id and event.payload["outreach"]["user_name"] == "Rosa Rep"


def test_explicit_outreach_wins_and_lead_only_deal_inherits(session, team_a):
    from_lead = crm.outreach(session, team_a, team_a.rep)
    chosen = crm.outreach(session, team_a, team_a.rep2, type=OutreachType.MESSENGER, email=None,
                          value="@ana_tg")
    lead = crm.lead(session, team_a, outreach_row=from_lead)
    session.commit()
    explicit = deals.create_deal(session=session, ctx=team_a.rep_ctx, deal_in=DealCreate(
        name="A", lead_id=lead.id, outreach_id=chosen.id))
    inherited = deals.create_deal(session=session, ctx=team_a.rep_ctx,
                                  deal_in=DealCreate(name="B", lead_id=lead.id))
    session.commit()
    assert explicit.outreach_id == chosen.id and inherited.outreach_id == from_lead.id
    assert [e.payload["deal"]["name"] for e in _events(session)] == ["A", "B"]


def test_rollback_of_the_deal_transaction_leaves_no_event(session, team_a):
    source = crm.outreach(session, team_a, team_a.rep)
    session.commit()
    deals.create_deal(session=session, ctx=team_a.rep_ctx,
                      deal_in=DealCreate(name="Maybe", outreach_id=source.id))
    assert len(_events(session)) == 1                # flushed inside the transaction…
    session.rollback()
    assert session.exec(select(Deal)).all() == []    # …and gone with it
    assert _events(session) == []


def test_deal_from_contact_fills_name_owner_and_links(session, team_a):
    source = crm.outreach(session, team_a, team_a.rep)
    account = crm.account(session, team_a, "Ñandú Textil")
    contact = crm.contact(session, team_a, outreach_row=source, account_row=account,
                          owner=team_a.rep2)
    session.commit()
    deal = deals.deal_from_contact(session=session, ctx=team_a.admin_ctx, contact_id=contact.id,
                                   deal_in=DealCreate(amount="300"))
    session.commit()
    assert deal.name == "Ñandú Textil"
    assert (deal.contact_id, deal.account_id, deal.outreach_id) == (contact.id, account.id, source.id)
    assert deal.owner_id == team_a.rep2.id and deal.amount == Decimal("300.00")
    assert len(_events(session)) == 1


def test_update_deal_is_partial_and_checked(session, team_a, team_b):
    deal = deals.create_deal(session=session, ctx=team_a.rep_ctx,
                             deal_in=DealCreate(name="Deal", amount=100))
    session.commit()
    updated = deals.update_deal(session=session, ctx=team_a.rep_ctx, deal_id=deal.id,
                                deal_in=DealUpdate(stage="Negotiation", close_date=None))
    assert (updated.stage, updated.probability, updated.amount) == ("Negotiation", 75, Decimal("100.00"))
    updated = deals.update_deal(session=session, ctx=team_a.rep_ctx, deal_id=deal.id,
                                deal_in=DealUpdate(stage="Closed Won", probability=90))
    assert updated.probability == 90
    with pytest.raises(ValidationFailed) as err:
        deals.update_deal(session=session, ctx=team_a.rep_ctx, deal_id=deal.id,
                          deal_in=DealUpdate(name="", probability="x"))
    assert set(err.value.field_errors) == {"name", "probability"}
    with pytest.raises(NotFound):
        deals.update_deal(session=session, ctx=team_b.admin_ctx, deal_id=deal.id,
                          deal_in=DealUpdate(name="Mine now"))
    b_contact = crm.contact(session, team_b)
    with pytest.raises(NotFound):
        deals.update_deal(session=session, ctx=team_a.rep_ctx, deal_id=deal.id,
                          deal_in=DealUpdate(contact_id=b_contact.id))


def test_get_and_list_are_team_scoped_paged_filtered_and_sorted(session, team_a, team_b):
    for i, (stage, owner) in enumerate([("Prospecting", team_a.rep), ("Proposal", team_a.rep),
                                        ("Proposal", team_a.rep2), ("Closed Won", team_a.rep)]):
        deals.create_deal(session=session, ctx=team_a.admin_ctx, deal_in=DealCreate(
            name=f"A{i}", amount=(i + 1) * 1000, stage=stage, owner_id=owner.id))
    b_deal = deals.create_deal(session=session, ctx=team_b.admin_ctx,
                               deal_in=DealCreate(name="B secret", amount=1))
    session.commit()
    with pytest.raises(NotFound):
        deals.get_deal(session=session, ctx=team_a.admin_ctx, deal_id=b_deal.id)
    everything = deals.list_deals(session=session, ctx=team_a.rep_ctx, page_size=100)
    assert everything.total == 4 and "B secret" not in [d.name for d in everything.items]
    page = deals.list_deals(session=session, ctx=team_a.rep_ctx, page=2, page_size=3,
                            sort="amount", descending=False)
    assert (page.total, [d.name for d in page.items]) == (4, ["A3"])
    proposals = deals.list_deals(session=session, ctx=team_a.rep_ctx, stage="Proposal",
                                 owner_id=team_a.rep.id)
    assert [d.name for d in proposals.items] == ["A1"]
    by_name = deals.list_deals(session=session, ctx=team_a.rep_ctx, sort="name", descending=True)
    assert [d.name for d in by_name.items] == ["A3", "A2", "A1", "A0"]
    with pytest.raises(ValidationFailed):
        deals.list_deals(session=session, ctx=team_a.rep_ctx, sort="password_hash")
