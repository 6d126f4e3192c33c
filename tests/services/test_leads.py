"""Lead create/edit/list on a real database: validation at the field, search, paging, isolation."""

from decimal import Decimal

import pytest
from sqlmodel import select

from leadhub.services import leads
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.leads import LeadQuery
from leadhub.services.models import LeadStatusHistory


def make(session, ctx, **fields):
    fields.setdefault("last_name", "Pérez")
    lead = leads.create_lead(session=session, ctx=ctx, data=fields)
    session.commit()
    return lead


def test_create_normalises_email_phone_budget_and_website(session, team_a):
    lead = make(session, team_a.rep_ctx, first_name="José", last_name="Núñez", company="Peña y Cía",
                email="  Jose.Nunez@Example.COM ", phone="+34 612 34 56 78",
                budget="12.500,50", website="pena.es", status="Contacted", rating="Hot")
    assert lead.email == "jose.nunez@example.com"
    assert lead.phone == "+34612345678"
    assert lead.budget == Decimal("12500.50")
    assert lead.website == "https://pena.es"
    assert lead.owner_id == team_a.rep.id
    assert lead.search_text.startswith("jose nunez pena y cia")
    history = session.exec(select(LeadStatusHistory).where(LeadStatusHistory.lead_id == lead.id)).all()
    assert [(h.from_status, h.to_status) for h in history] == [(None, "Contacted")]


def test_local_phone_numbers_use_the_team_country(session, team_a):
    from leadhub.services import auth
    auth.update_team_settings(session=session, ctx=team_a.admin_ctx, name="Acme Ventas",
                              timezone="Europe/Madrid", currency="EUR", language="es", country="ES")
    session.commit()
    lead = make(session, team_a.rep_ctx, phone="612 34 56 78", mobile="0034 699 12 34 56")
    assert lead.phone == "+34612345678"
    assert lead.mobile == "+34699123456"


@pytest.mark.parametrize("budget, expected", [
    ("1,234.56", Decimal("1234.56")), ("1.234,56", Decimal("1234.56")), ("1234,5", Decimal("1234.50")),
    ("12,500", Decimal("12500.00")), (" 800 ", Decimal("800.00")), ("", None),
    ("9.000", Decimal("9000.00")), ("1.250.000", Decimal("1250000.00")), ("0.125", Decimal("0.13")),
    ("9.5", Decimal("9.50")),
])
def test_budget_formats(session, team_a, budget, expected):
    assert make(session, team_a.rep_ctx, budget=budget).budget == expected


def test_every_bad_field_is_reported_at_once(session, team_a):
    with pytest.raises(ValidationFailed) as err:
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
            "last_name": "  ", "email": "nope@", "phone": "12", "status": "Dormant",
            "rating": "Lukewarm", "budget": "-5", "website": "not a site", "company": "x" * 200,
            "owner_id": team_a.rep.id + 1000})
    assert set(err.value.field_errors) == {
        "last_name", "email", "phone", "status", "rating", "budget", "website", "company", "owner_id"}


def test_unknown_fields_are_rejected_not_dropped(session, team_a):
    with pytest.raises(ValidationFailed) as err:
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "X", "colour": "red"})
    assert err.value.field_errors == {"colour": "Unknown field."}


def test_leads_cannot_be_created_as_converted(session, team_a):
    with pytest.raises(ValidationFailed) as err:
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "X", "status": "Converted"})
    assert "status" in err.value.field_errors


def test_update_records_status_change_and_keeps_other_fields(session, team_a):
    lead = make(session, team_a.rep_ctx, first_name="Ana", email="ana@acme.com")
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                      changes={"status": "Qualified", "rating": "Warm"})
    session.commit()
    lead = leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    assert (lead.status, lead.rating, lead.email) == ("Qualified", "Warm", "ana@acme.com")
    history = session.exec(select(LeadStatusHistory).where(LeadStatusHistory.lead_id == lead.id)
                           .order_by(LeadStatusHistory.id)).all()
    assert [(h.from_status, h.to_status, h.changed_by) for h in history] == [
        (None, "New", team_a.rep.id), ("New", "Qualified", team_a.rep.id)]


def test_search_ignores_accents_and_case_and_pages_in_sql(session, team_a):
    make(session, team_a.rep_ctx, first_name="José", last_name="Núñez", company="Peña SL")
    make(session, team_a.rep_ctx, first_name="Jose", last_name="Nunez", company="Other")
    for i in range(30):
        make(session, team_a.rep_ctx, first_name=f"Person{i:02d}", last_name="Smith", rating="Cold")
    found = leads.list_leads(session=session, ctx=team_a.rep_ctx, query=LeadQuery(search="JOSÉ nuñez"))
    assert found.total == 2
    found = leads.list_leads(session=session, ctx=team_a.rep_ctx, query=LeadQuery(search="peña"))
    assert [r.company for r in found.rows] == ["Peña SL"]
    page = leads.list_leads(session=session, ctx=team_a.rep_ctx,
                            query=LeadQuery(rating="Cold", sort="name", descending=False, page=2, page_size=20))
    assert (page.total, page.pages, page.page, len(page.rows)) == (30, 2, 2, 10)
    assert [r.name for r in page.rows][:2] == ["Person20 Smith", "Person21 Smith"]
    # a page past the end shows the last page
    assert leads.list_leads(session=session, ctx=team_a.rep_ctx,
                            query=LeadQuery(rating="Cold", page=99, page_size=20)).page == 2


def test_search_treats_like_wildcards_literally(session, team_a):
    make(session, team_a.rep_ctx, last_name="100% Real")
    make(session, team_a.rep_ctx, last_name="Plain")
    assert leads.list_leads(session=session, ctx=team_a.rep_ctx, query=LeadQuery(search="%")).total == 1
    assert leads.list_leads(session=session, ctx=team_a.rep_ctx, query=LeadQuery(search="_")).total == 0


def test_filters_by_owner_status_and_source(session, team_a):
    make(session, team_a.rep_ctx, lead_source="Upwork")
    make(session, team_a.rep2_ctx, lead_source="Upwork", status="Contacted")
    make(session, team_a.rep2_ctx, lead_source="Referral")
    q = LeadQuery(owner_id=team_a.rep2.id, lead_source="Upwork")
    assert leads.list_leads(session=session, ctx=team_a.rep_ctx, query=q).total == 1
    q = LeadQuery(status="Contacted")
    assert leads.list_leads(session=session, ctx=team_a.rep_ctx, query=q).rows[0].owner_name == "Rosa Rep"


def test_team_b_cannot_read_change_or_delete_team_a_leads(session, team_a, team_b):
    lead = make(session, team_a.rep_ctx, last_name="Secret", email="secret@acme.com")
    with pytest.raises(NotFound):
        leads.get_lead(session=session, ctx=team_b.admin_ctx, lead_id=lead.id)
    with pytest.raises(NotFound):
        leads.update_lead(session=session, ctx=team_b.admin_ctx, lead_id=lead.id, changes={"last_name": "Hacked"})
    with pytest.raises(NotFound):
        leads.delete_lead(session=session, ctx=team_b.admin_ctx, lead_id=lead.id)
    assert leads.list_leads(session=session, ctx=team_b.admin_ctx, query=LeadQuery(search="secret")).total == 0
    assert leads.list_leads(session=session, ctx=team_b.admin_ctx, query=LeadQuery()).total == 0
    # nor assign it to one of their own people
    with pytest.raises(ValidationFailed) as err:
        leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                          changes={"owner_id": team_b.rep.id})
    assert "owner_id" in err.value.field_errors
    session.rollback()
    assert leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id).last_name == "Secret"


def test_only_owner_or_manager_deletes(session, team_a):
    lead = make(session, team_a.rep_ctx)
    with pytest.raises(PermissionDenied):
        leads.delete_lead(session=session, ctx=team_a.rep2_ctx, lead_id=lead.id)
    leads.delete_lead(session=session, ctx=team_a.manager_ctx, lead_id=lead.id)
    session.commit()
    with pytest.raises(NotFound):
        leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
