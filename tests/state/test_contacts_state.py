"""The contacts list and a contact's page call the contacts, touches and outreach services, map
field errors, and refuse another team's ids."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from leadhub.services import contacts, outreach, touches
from leadhub.state.contacts import ContactDetailState, ContactsState
from tests.state.test_outreach_state import signed_in

MADRID = ZoneInfo("Europe/Madrid")


def ago(**delta) -> str:
    return (datetime.now(MADRID).replace(tzinfo=None, microsecond=0) - timedelta(**delta)).isoformat()


def sent(session, ctx, **fields):
    fields = fields or {"type": "email", "email": "ana@lopez.es"}
    return outreach.log_outreach(session=session, ctx=ctx, description="Hello", occurred_at=ago(days=3), **fields)


def test_list_pages_searches_and_shows_where_contacts_came_from(app_database, session, team_a, team_b):
    ctx = team_a.rep_ctx
    origin = sent(session, ctx, type="platform", channel="Upwork")
    for i in range(27):
        contacts.create_contact(session=session, ctx=ctx, data={"first_name": "Ana", "last_name": f"N{i:02d}"},
                                outreach_id=origin.id if i == 0 else None)
    contacts.create_contact(session=session, ctx=team_b.rep_ctx, data={"last_name": "BetaOnly"})
    session.commit()
    state = signed_in(ContactsState, session, team_a)
    state.load()
    assert state.total == 27 and state.pages == 2 and len(state.rows) == 25
    first = state.rows[0]
    assert first["name"] == "Ana N00" and first["source"] == "Platform · Upwork" and first["source_kind"] == "platform"
    assert first["last_rel"] == "3 d ago" and first["owner"] == "Raúl Rep"
    assert state.rows[1]["last_rel"] == "Never"
    state.set_search("betaonly")
    state.load()
    assert state.total == 0
    state.set_search("n26")
    state.load()
    assert [r["name"] for r in state.rows] == ["Ana N26"]


def test_create_and_edit_map_field_errors_in_spanish(app_database, session, team_a):
    state = signed_in(ContactsState, session, team_a, lang="es")
    state.open_new()
    assert state.dialog_open and state.form_values["owner_id"] == str(team_a.rep.id)
    state.save({"first_name": "Ana", "last_name": " ", "email": "nope", "phone": "12", "owner_id": "none"})
    assert state.field_errors["last_name"] == "Escribe los apellidos."
    assert state.field_errors["phone"] == "Este no es un teléfono válido."
    assert "email" in state.field_errors and state.dialog_open
    state.save({"first_name": "Ana", "last_name": "López", "email": "ANA@x.es", "phone": "+34 612 345 678",
                "owner_id": str(team_a.rep.id)})
    assert not state.dialog_open and state.field_errors == {}
    [made] = contacts.list_contacts(session=session, ctx=team_a.rep_ctx).items
    assert (made.email, made.phone) == ("ana@x.es", "+34612345678")
    state.open_edit(made.id)
    assert state.form_values["email"] == "ana@x.es" and state.editing_id == made.id
    state.save({**state.form_values, "title": "CTO"})
    session.expire_all()
    assert contacts.get_contact(session=session, ctx=team_a.rep_ctx, contact_id=made.id).title == "CTO"


def test_new_contact_from_an_outreach_is_attributed_to_it(app_database, session, team_a):
    origin = sent(session, team_a.rep_ctx, type="call", phone="+34612345678")
    session.commit()
    state = signed_in(ContactsState, session, team_a)
    state.open_from_outreach(origin.id)
    assert state.from_outreach == origin.id and state.form_values["phone"] == "+34612345678"
    assert state.from_label == "Call"
    state.save({**state.form_values, "last_name": "Llamado"})
    [made] = contacts.list_contacts(session=session, ctx=team_a.rep_ctx).items
    assert made.outreach_id == origin.id and state.from_outreach == 0


def test_contact_page_shows_touches_attribution_and_its_timeline(app_database, session, team_a):
    ctx = team_a.rep_ctx
    origin = sent(session, ctx, type="social", channel="LinkedIn", value="https://linkedin.com/in/ana")
    contact = contacts.create_contact(session=session, ctx=ctx, data={"first_name": "Ana", "last_name": "Ruiz"},
                                      outreach_id=origin.id)
    outreach.log_outreach(session=session, ctx=ctx, type="email", email="ana@ruiz.es", description="Follow",
                          occurred_at=ago(days=1), contact_id=contact.id)
    session.commit()
    state = signed_in(ContactDetailState, session, team_a)
    state.record_id = contact.id
    state.load()
    assert state.contact["name"] == "Ana Ruiz" and state.contact["last_rel"] == "1 d ago"
    assert [e.kind for e in state.attribution] == ["social"]
    assert [e.kind for e in state.entries] == ["email", "social"] and state.total == 2
    assert state.entries[0].targets == []                       # no "for Ana Ruiz" chip on her own page
    assert state.stats["total"] == "2" and state.stats["last_30"] == "2" and state.stats["gap"] == "2"

    state.log_touch({"kind": "meeting", "note": " ", "at": ""})
    assert state.field_errors == {"note": "Say in a few words what happened."}
    state.log_touch({"kind": "meeting", "note": "Coffee at the fair", "at": ago(hours=2)[:16]})
    state.load()
    assert state.field_errors == {} and state.stats["total"] == "3"
    assert state.recent[0]["summary"] == "Coffee at the fair" and state.recent[0]["kind"] == "meeting"
    assert state.contact["last_rel"] == "2 h ago"


def test_link_outreach_through_the_picker(app_database, session, team_a):
    ctx = team_a.rep_ctx
    contact = contacts.create_contact(session=session, ctx=ctx, data={"last_name": "Soto"})
    mine = sent(session, ctx, type="email", email="soto@x.es")
    session.commit()
    state = signed_in(ContactDetailState, session, team_a)
    state.record_id = contact.id
    state.load()
    assert state.attribution == []
    state.open_picker()
    assert state.picker_open and state.picker_scope == "all"          # nothing logged for the contact yet
    assert [e.id for e in state.picker_entries] == [mine.id]
    state.link(mine.id)
    state.load()
    assert not state.picker_open and [e.id for e in state.attribution] == [mine.id]
    other = sent(session, ctx, type="email", email="x@y.es")
    session.commit()
    state.link(other.id)                                              # first attribution wins
    session.expire_all()
    assert contacts.get_contact(session=session, ctx=ctx, contact_id=contact.id).outreach_id == mine.id


def test_another_teams_contact_cannot_be_read_touched_or_linked(app_database, session, team_a, team_b):
    contact = contacts.create_contact(session=session, ctx=team_a.rep_ctx, data={"last_name": "Private"})
    theirs = sent(session, team_b.rep_ctx)
    session.commit()
    state = signed_in(ContactDetailState, session, team_b, "admin")
    state.record_id = contact.id
    state.load()
    assert state.not_found and state.contact == {}
    state.log_touch({"kind": "call", "note": "Forged"})
    state.link(theirs.id)
    state.open_picker()
    assert not state.picker_open
    session.expire_all()
    stored = contacts.get_contact(session=session, ctx=team_a.rep_ctx, contact_id=contact.id)
    assert stored.outreach_id is None and stored.last_contacted_at is None
    assert touches.touch_stats(session=session, ctx=team_a.rep_ctx, contact_id=contact.id).total == 0
    editor = signed_in(ContactsState, session, team_b, "admin")
    editor.open_edit(contact.id)
    assert not editor.dialog_open
    editor.editing_id = contact.id
    editor.save({"last_name": "Hacked"})
    editor.open_from_outreach(sent(session, team_a.rep_ctx).id)
    assert not editor.dialog_open
    assert contacts.get_contact(session=session, ctx=team_a.rep_ctx, contact_id=contact.id).last_name == "Private"
