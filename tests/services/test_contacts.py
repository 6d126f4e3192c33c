"""Contacts: validation, attribution to the outreach they came from, lists, roles and teams."""

from datetime import datetime, timedelta, timezone

import pytest

from leadhub.services import contacts as svc
from leadhub.services import outreach
from leadhub.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import Account, Lead

UTC = timezone.utc


@pytest.fixture
def spanish_team(session, team_a):
    team_a.team.country = "ES"
    session.add(team_a.team)
    session.commit()
    return team_a


def sent(session, ctx, when=datetime(2026, 2, 3, 10, 0), **fields):
    fields = fields or {"type": "platform", "channel": "Upwork"}
    return outreach.log_outreach(session=session, ctx=ctx, description="Proposal", occurred_at=when, **fields)


def test_create_normalises_and_reports_every_bad_field(session, spanish_team, team_b):
    ctx = spanish_team.rep_ctx
    contact = svc.create_contact(session=session, ctx=ctx, data={
        "first_name": "  Ana  María ", "last_name": "López", "email": "ANA@Example.com",
        "phone": "612 345 678", "title": "CTO"})
    assert (contact.first_name, contact.email, contact.phone) == ("Ana María", "ana@example.com", "+34612345678")
    assert contact.owner_id == spanish_team.rep.id and contact.outreach_id is None

    foreign_account = Account(team_id=team_b.team.id, name="Beta")
    foreign_lead = Lead(team_id=team_b.team.id, last_name="Beta")
    session.add_all([foreign_account, foreign_lead])
    session.flush()
    with pytest.raises(ValidationFailed) as err:
        svc.create_contact(session=session, ctx=ctx, data={
            "last_name": " ", "email": "nope", "phone": "123", "title": "x" * 121,
            "owner_id": team_b.rep.id, "account_id": foreign_account.id, "lead_id": foreign_lead.id,
            "score": 5})
    assert set(err.value.field_errors) == {"last_name", "email", "phone", "title", "owner_id",
                                           "account_id", "lead_id", "score"}


def test_contact_created_from_an_outreach_keeps_its_attribution_through_edits(session, spanish_team):
    ctx = spanish_team.rep_ctx
    origin = sent(session, ctx)
    contact = svc.create_contact(session=session, ctx=ctx, data={"last_name": "Ruiz"}, outreach_id=origin.id)
    session.commit()
    assert contact.outreach_id == origin.id
    assert origin.contact_id == contact.id                          # shows in the contact's history
    assert contact.last_contacted_at == datetime(2026, 2, 3, 9, 0, tzinfo=UTC)

    # a form that sends every field, with the attribution empty or unchanged, keeps it
    svc.update_contact(session=session, ctx=ctx, contact_id=contact.id,
                       changes={"first_name": "Eva", "email": "eva@ruiz.es", "outreach_id": None})
    svc.update_contact(session=session, ctx=ctx, contact_id=contact.id,
                       changes={"title": "CEO", "outreach_id": origin.id})
    session.commit()
    session.expire_all()
    stored = svc.get_contact(session=session, ctx=ctx, contact_id=contact.id)
    assert (stored.first_name, stored.title, stored.outreach_id) == ("Eva", "CEO", origin.id)
    assert outreach.produced(session=session, ctx=ctx, outreach_id=origin.id).contact_count == 1

    other = sent(session, ctx, type="email", email="x@y.com")
    with pytest.raises(ValidationFailed) as err:
        svc.update_contact(session=session, ctx=ctx, contact_id=contact.id, changes={"outreach_id": other.id})
    assert set(err.value.field_errors) == {"outreach_id"}
    with pytest.raises(Conflict):
        svc.link_outreach(session=session, ctx=ctx, contact_id=contact.id, outreach_id=other.id)


def test_link_outreach_later(session, spanish_team):
    ctx = spanish_team.rep_ctx
    contact = svc.create_contact(session=session, ctx=ctx, data={"last_name": "Soto"})
    origin = sent(session, spanish_team.rep2_ctx, when=datetime(2026, 1, 5, 18, 0), type="social",
                  channel="LinkedIn", value="https://linkedin.com/in/soto")
    svc.link_outreach(session=session, ctx=ctx, contact_id=contact.id, outreach_id=origin.id)
    svc.link_outreach(session=session, ctx=ctx, contact_id=contact.id, outreach_id=origin.id)  # idempotent
    session.commit()
    assert contact.outreach_id == origin.id and origin.contact_id == contact.id
    assert contact.last_contacted_at == datetime(2026, 1, 5, 17, 0, tzinfo=UTC)


def test_reps_edit_their_own_contacts_managers_any(session, spanish_team):
    mine = svc.create_contact(session=session, ctx=spanish_team.rep_ctx, data={"last_name": "Mío"})
    with pytest.raises(PermissionDenied):
        svc.update_contact(session=session, ctx=spanish_team.rep2_ctx, contact_id=mine.id,
                           changes={"title": "Boss"})
    origin = sent(session, spanish_team.rep2_ctx)
    with pytest.raises(PermissionDenied):
        svc.link_outreach(session=session, ctx=spanish_team.rep2_ctx, contact_id=mine.id, outreach_id=origin.id)
    svc.update_contact(session=session, ctx=spanish_team.manager_ctx, contact_id=mine.id,
                       changes={"owner_id": spanish_team.rep2.id})
    svc.update_contact(session=session, ctx=spanish_team.rep2_ctx, contact_id=mine.id, changes={"title": "Boss"})
    assert mine.title == "Boss"


def test_team_b_cannot_read_edit_or_link_team_a_contacts(session, spanish_team, team_b):
    contact = svc.create_contact(session=session, ctx=spanish_team.rep_ctx, data={"last_name": "Ana"})
    origin_a = sent(session, spanish_team.rep_ctx)
    origin_b = sent(session, team_b.rep_ctx)
    b_contact = svc.create_contact(session=session, ctx=team_b.rep_ctx, data={"last_name": "Bea"})
    session.commit()
    admin_b = team_b.admin_ctx
    with pytest.raises(NotFound):
        svc.get_contact(session=session, ctx=admin_b, contact_id=contact.id)
    with pytest.raises(NotFound):
        svc.update_contact(session=session, ctx=admin_b, contact_id=contact.id, changes={"title": "x"})
    with pytest.raises(NotFound):
        svc.link_outreach(session=session, ctx=admin_b, contact_id=contact.id, outreach_id=origin_b.id)
    with pytest.raises(NotFound):
        svc.link_outreach(session=session, ctx=admin_b, contact_id=b_contact.id, outreach_id=origin_a.id)
    with pytest.raises(NotFound):
        svc.create_contact(session=session, ctx=admin_b, data={"last_name": "X"}, outreach_id=origin_a.id)
    listed = svc.list_contacts(session=session, ctx=admin_b)
    assert [c.id for c in listed.items] == [b_contact.id]


def test_list_searches_sorts_and_pages(session, spanish_team):
    ctx = spanish_team.rep_ctx
    people = [("Ana", "Zamora", "ana@zamora.es", "+34611111111"), ("Luis", "Álvarez", "luis@alv.es", ""),
              ("Eva", "Martín", "eva@100%.es", "+34622222222"), ("Ana", "Bello", "", "")]
    made = {}
    for first, last, email, phone in people:
        contact = svc.create_contact(session=session, ctx=ctx, data={"first_name": first, "last_name": last,
                                                                     "phone": phone})
        contact.email = email                       # stored as-is to test search escaping
        made[last] = contact
    made["Zamora"].last_contacted_at = datetime(2026, 1, 1, tzinfo=UTC)
    made["Bello"].last_contacted_at = datetime(2026, 3, 1, tzinfo=UTC)
    session.commit()

    def names(**kw):
        return [c.last_name for c in svc.list_contacts(session=session, ctx=ctx, **kw).items]
    # where "Á" sorts depends on the database's collation; the rest is by last name
    assert [n for n in names() if n != "Álvarez"] == ["Bello", "Martín", "Zamora"]
    assert names(search="ana") == ["Bello", "Zamora"]
    assert names(search="ANA zam") == ["Zamora"]
    assert names(search="100%") == ["Martín"]
    assert names(search="%") == ["Martín"]
    assert names(search="2222") == ["Martín"]
    assert names(sort="last_contacted_at", descending=True)[:2] == ["Bello", "Zamora"]
    assert names(sort="last_contacted_at")[:2] == ["Zamora", "Bello"]          # never-contacted last
    page = svc.list_contacts(session=session, ctx=ctx, page=2, page_size=3)
    assert page.total == 4 and len(page.items) == 1 and not page.has_next
    with pytest.raises(ValidationFailed):
        svc.list_contacts(session=session, ctx=ctx, sort="password")
    assert svc.list_contacts(session=session, ctx=ctx, owner_id=spanish_team.rep2.id).total == 0


def test_update_ignores_read_only_fields_and_keeps_touch_history(session, spanish_team):
    ctx = spanish_team.rep_ctx
    origin = sent(session, ctx, when=datetime.now() - timedelta(days=2))
    contact = svc.create_contact(session=session, ctx=ctx, data={"last_name": "Paz"}, outreach_id=origin.id)
    touched = contact.last_contacted_at
    svc.update_contact(session=session, ctx=ctx, contact_id=contact.id,
                       changes={"last_contacted_at": None, "id": 999, "last_name": "Paz Gil"})
    session.commit()
    session.expire_all()
    stored = svc.get_contact(session=session, ctx=ctx, contact_id=contact.id)
    assert stored.last_contacted_at == touched and stored.id == contact.id and stored.last_name == "Paz Gil"
