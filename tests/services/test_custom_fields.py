"""Custom lead fields: defined by admins, validated at the field, filtered and sorted in SQL,
hidden (not lost) when removed; standard fields made required, picklist options edited."""

import pytest

from leadhub.services import custom_fields, leads
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.leads import LeadQuery


def define(session, team, label, type_, **kw):
    spec = custom_fields.create_field(session=session, ctx=team.admin_ctx, label=label, type=type_, **kw)
    session.commit()
    return spec


def make(session, ctx, **fields):
    fields.setdefault("last_name", "Pérez")
    lead = leads.create_lead(session=session, ctx=ctx, data=fields)
    session.commit()
    return lead


def test_admin_defines_fields_of_every_type_and_values_are_normalised(session, team_a):
    region = define(session, team_a, "Región", "picklist", options="Norte, Sur\nCentro")
    seats = define(session, team_a, "Seats", "number")
    renewal = define(session, team_a, "Renewal date", "date")
    nda = define(session, team_a, "NDA signed", "checkbox")
    portal = define(session, team_a, "Portal", "url")
    notes = define(session, team_a, "Background", "textarea")
    assert [f.key for f in custom_fields.list_fields(session=session, ctx=team_a.rep_ctx)] == [
        "region", "seats", "renewal_date", "nda_signed", "portal", "background"]
    assert region.options == ("Norte", "Sur", "Centro")
    lead = make(session, team_a.rep_ctx, custom_fields={
        "region": "sur", "seats": "1.250,5", "renewal_date": "29/03/2027", "nda_signed": "on",
        "portal": "acme.example.com/login", "background": "  Met at a fair.  "})
    assert lead.custom_fields == {"region": "Sur", "seats": 1250.5, "renewal_date": "2027-03-29",
                                  "nda_signed": True, "portal": "https://acme.example.com/login",
                                  "background": "Met at a fair."}
    assert custom_fields.display_value(seats, 2.5) == "2.5"
    assert custom_fields.display_value(nda, True) == "Yes"
    assert notes.type == "textarea" and renewal.type == "date" and portal.type == "url"


@pytest.mark.parametrize("typed, stored", [
    ("1.250", 1250), ("1.250.000", 1250000), ("3,5", 3.5), ("1,5", 1.5), ("0.125", 0.125),
    ("12,500.50", 12500.5), (1.125, 1.125), (7, 7)])
def test_custom_numbers_read_as_money_fields_do(session, team_a, typed, stored):
    from leadhub.services.amounts import parse_amount

    define(session, team_a, "Seats", "number")
    lead = make(session, team_a.rep_ctx, custom_fields={"seats": typed})
    assert lead.custom_fields == {"seats": stored}
    if isinstance(typed, str) and stored == round(stored, 2):
        assert float(parse_amount(typed)) == stored


def test_bad_custom_values_are_reported_at_their_field_with_standard_errors(session, team_a):
    define(session, team_a, "Region", "picklist", options=["North", "South"])
    define(session, team_a, "Seats", "number", required=True)
    define(session, team_a, "Renewal", "date")
    with pytest.raises(ValidationFailed) as err:
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={
            "last_name": "", "email": "nope", "custom_fields": {
                "region": "East", "renewal": "next week", "colour": "red"}})
    assert err.value.field_errors == {
        "last_name": "Last name is required.",
        "email": "Enter a valid e-mail address, e.g. ana@example.com.",
        "custom_fields.region": "Choose one of: North, South.",
        "custom_fields.renewal": "Enter a date like 2026-03-29.",
        "custom_fields.colour": "Unknown field.",
        "custom_fields.seats": "This field is required.",
    }


def test_required_custom_field_is_checked_on_create_and_when_cleared(session, team_a):
    define(session, team_a, "Seats", "number", required=True)
    lead = make(session, team_a.rep_ctx, custom_fields={"seats": 3})
    # an edit that does not touch it is fine; clearing it is not
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, changes={"title": "CEO"})
    with pytest.raises(ValidationFailed) as err:
        leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                          changes={"custom_fields": {"seats": ""}})
    assert err.value.field_errors == {"custom_fields.seats": "This field is required."}


def test_an_edit_merges_custom_values_and_keeps_the_others(session, team_a):
    define(session, team_a, "Region", "text")
    define(session, team_a, "Seats", "number")
    lead = make(session, team_a.rep_ctx, custom_fields={"region": "North", "seats": 4})
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                      changes={"custom_fields": {"seats": "5"}})
    session.commit()
    assert leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id).custom_fields == {
        "region": "North", "seats": 5}
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                      changes={"custom_fields": {"region": ""}})
    session.commit()
    assert leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id).custom_fields == {"seats": 5}


def test_removing_a_field_hides_its_values_and_restoring_brings_them_back(session, team_a):
    region = define(session, team_a, "Region", "text")
    lead = make(session, team_a.rep_ctx, custom_fields={"region": "North"})
    custom_fields.remove_field(session=session, ctx=team_a.admin_ctx, field_id=region.id)
    session.commit()
    assert custom_fields.lead_schema(session=session, ctx=team_a.rep_ctx).fields == ()
    # the lead can still be edited, its hidden value stays, and the key cannot be written
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, changes={"title": "CTO"})
    session.commit()
    assert leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id).custom_fields == {"region": "North"}
    with pytest.raises(ValidationFailed):
        leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                          changes={"custom_fields": {"region": "South"}})
    session.rollback()
    # a new field with the same name gets a new key: old values never leak into it
    again = define(session, team_a, "Region", "text")
    assert again.key == "region_2"
    custom_fields.remove_field(session=session, ctx=team_a.admin_ctx, field_id=again.id)
    custom_fields.restore_field(session=session, ctx=team_a.admin_ctx, field_id=region.id)
    session.commit()
    spec = custom_fields.lead_schema(session=session, ctx=team_a.rep_ctx).fields[0]
    assert spec.key == "region"
    page = leads.list_leads(session=session, ctx=team_a.rep_ctx, query=LeadQuery(custom={"region": "nor"}))
    assert [r.id for r in page.rows] == [lead.id]


def test_custom_fields_filter_and_sort_in_sql(session, team_a):
    define(session, team_a, "Seats", "number")
    define(session, team_a, "Region", "picklist", options=["North", "South"])
    define(session, team_a, "NDA", "checkbox")
    a = make(session, team_a.rep_ctx, last_name="A", custom_fields={"seats": 10, "region": "North", "nda": True})
    b = make(session, team_a.rep_ctx, last_name="B", custom_fields={"seats": 9, "region": "South"})
    c = make(session, team_a.rep_ctx, last_name="C", custom_fields={"seats": 100, "region": "North"})
    d = make(session, team_a.rep_ctx, last_name="D")
    ctx = team_a.rep_ctx
    by_seats = leads.list_leads(session=session, ctx=ctx, query=LeadQuery(sort="cf.seats", descending=False))
    # numbers sort as numbers (9 < 10 < 100), leads without a value last
    assert [r.id for r in by_seats.rows] == [b.id, a.id, c.id, d.id]
    north = leads.list_leads(session=session, ctx=ctx, query=LeadQuery(custom={"region": "North"}))
    assert {r.id for r in north.rows} == {a.id, c.id}
    assert north.rows[0].custom["region"] == "North"
    signed = leads.list_leads(session=session, ctx=ctx, query=LeadQuery(custom={"nda": "yes"}))
    assert [r.id for r in signed.rows] == [a.id]
    unsigned = leads.list_leads(session=session, ctx=ctx, query=LeadQuery(custom={"nda": "no"}))
    assert {r.id for r in unsigned.rows} == {b.id, c.id, d.id}
    exact = leads.list_leads(session=session, ctx=ctx, query=LeadQuery(custom={"seats": "100"}))
    assert [r.id for r in exact.rows] == [c.id]


def test_standard_fields_can_be_required_and_picklists_edited(session, team_a):
    custom_fields.set_standard_required(session=session, ctx=team_a.admin_ctx, field_name="company", required=True)
    custom_fields.set_standard_options(session=session, ctx=team_a.admin_ctx, field_name="lead_source",
                                       options=["Upwork", "Fiverr", "Referral"])
    session.commit()
    with pytest.raises(ValidationFailed) as err:
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "X", "lead_source": "Guru"})
    assert err.value.field_errors == {"company": "This field is required.",
                                      "lead_source": "Choose one of: Upwork, Fiverr, Referral."}
    lead = make(session, team_a.rep_ctx, company="Acme", lead_source="fiverr")
    assert lead.lead_source == "Fiverr"
    # a lead keeps a value that has since left the list
    custom_fields.set_standard_options(session=session, ctx=team_a.admin_ctx, field_name="lead_source",
                                       options=["Upwork", "Referral"])
    session.commit()
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                      changes={"lead_source": "Fiverr", "title": "Boss"})
    schema = custom_fields.lead_schema(session=session, ctx=team_a.rep_ctx)
    assert schema.required == {"last_name", "company"}
    assert schema.options["lead_source"] == ["Upwork", "Referral"]
    assert "Software" in schema.options["industry"]


def test_only_admins_define_fields_and_teams_are_isolated(session, team_a, team_b):
    with pytest.raises(PermissionDenied):
        custom_fields.create_field(session=session, ctx=team_a.manager_ctx, label="X", type="text")
    spec = define(session, team_a, "Region", "text")
    with pytest.raises(NotFound):
        custom_fields.remove_field(session=session, ctx=team_b.admin_ctx, field_id=spec.id)
    assert custom_fields.list_fields(session=session, ctx=team_b.rep_ctx) == []
    with pytest.raises(ValidationFailed) as err:
        leads.create_lead(session=session, ctx=team_b.rep_ctx,
                          data={"last_name": "X", "custom_fields": {"region": "North"}})
    assert err.value.field_errors == {"custom_fields.region": "Unknown field."}


def test_field_definitions_are_checked(session, team_a):
    with pytest.raises(ValidationFailed) as err:
        custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label=" ", type="colour")
    assert set(err.value.field_errors) == {"label", "type"}
    with pytest.raises(ValidationFailed) as err:
        custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Tier", type="picklist", options=" , ")
    assert err.value.field_errors == {"options": "Give the picklist at least one option."}
    define(session, team_a, "Tier", "text")
    with pytest.raises(ValidationFailed) as err:
        custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="TIER", type="number")
    assert err.value.field_errors == {"label": "A field with this name already exists."}


def test_fields_are_reordered(session, team_a):
    a = define(session, team_a, "A", "text")
    b = define(session, team_a, "B", "text")
    c = define(session, team_a, "C", "text")
    custom_fields.move_field(session=session, ctx=team_a.admin_ctx, field_id=c.id, offset=-1)
    session.commit()
    assert [f.id for f in custom_fields.list_fields(session=session, ctx=team_a.rep_ctx)] == [a.id, c.id, b.id]
    custom_fields.update_field(session=session, ctx=team_a.admin_ctx, field_id=a.id, label="Alpha", required=True)
    session.commit()
    first = custom_fields.list_fields(session=session, ctx=team_a.rep_ctx)[0]
    assert (first.label, first.key, first.required) == ("Alpha", "a", True)
