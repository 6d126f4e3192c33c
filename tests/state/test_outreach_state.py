"""The outreach page and the "Log outreach" dialog call the outreach service, map its field
errors (DST ones too) in the user's language, and refuse another team's ids."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from leadhub.services import auth, contacts, outreach
from leadhub.services.models import Contact, Lead, Outreach
from leadhub.services.outreach import OutreachFilter
from leadhub.state.outreach import OutreachState, day_label
from leadhub.state.outreach_form import OutreachFormState, minutes_to_seconds
from tests.state.conftest import make_state

MADRID = ZoneInfo("Europe/Madrid")


def login(session, team, who="rep"):
    user = getattr(team, who)
    password = {"rep": "rep-pass-1", "rep2": "rep-pass-2", "manager": "manager-pass-1",
                "admin": "admin-pass-1"}[who]
    token, _ = auth.login(session=session, email=user.email, password=password)
    session.commit()
    return token


def signed_in(cls, session, team, who="rep", lang="en"):
    state = make_state(cls, login(session, team, who))
    state.require_login()
    state.lang = lang
    return state


def local_now() -> datetime:
    return datetime.now(MADRID).replace(tzinfo=None, second=0, microsecond=0)


def all_outreach(session, ctx):
    session.expire_all()
    return outreach.list_outreach(session=session, ctx=ctx, page_size=200).items


def test_load_groups_one_page_by_local_day_with_volume(app_database, session, team_a, team_b):
    ctx = team_a.rep_ctx
    now = local_now()
    midnight = now.replace(hour=0, minute=0)
    for i in range(3):                                  # today, whatever the time of day
        outreach.log_outreach(session=session, ctx=ctx, type="email", email=f"p{i}@x.es",
                              description=f"Mail {i}", occurred_at=midnight + (now - midnight) * (i + 1) / 4)
    outreach.log_outreach(session=session, ctx=team_a.rep2_ctx, type="call", phone="+34612345678",
                          call_outcome="connected", call_duration_seconds=245, description="Called",
                          occurred_at=midnight - timedelta(hours=1))
    outreach.log_outreach(session=session, ctx=team_b.rep_ctx, type="email", email="b@b.mx",
                          description="Other team", occurred_at="2026-01-10T10:00")
    session.commit()

    state = signed_in(OutreachState, session, team_a)
    state.load()
    assert state.total == 4 and [e.kind for e in state.entries] == ["email"] * 3 + ["call"]
    assert "Other team" not in [e.description for e in state.entries]
    headers = [e.day_header for e in state.entries if e.day_header]
    assert headers[0].startswith("Today · ") and headers[1].startswith("Yesterday · ")
    assert state.entries[0].day_count == 3
    call = state.entries[3]
    assert (call.user, call.call_outcome, call.duration, call.phone) == ("Rosa Rep", "Connected", "4:05",
                                                                         "+34 612 34 56 78")
    assert call.response == "replied" and not call.editable            # rep2's call: not the caller's
    assert {v.kind: v.count for v in state.volume} == {"platform": 0, "email": 3, "call": 1, "social": 0,
                                                        "messenger": 0}
    assert state.date_to == now.date().isoformat()
    assert state.date_from == (now.date() - timedelta(days=29)).isoformat()

    def narrowed(name, value):
        state.set_filter(name, value)       # returns the reload a browser would run next
        state.load()
        return state.total

    assert narrowed("type_filter", "call") == 1 and state.entries[0].kind == "call"
    assert narrowed("type_filter", "all") == 4
    assert narrowed("user_filter", str(team_a.rep2.id)) == 1
    assert narrowed("user_filter", "me") == 3
    assert narrowed("channel_filter", "Upwork") == 0


def test_bad_date_range_is_shown_at_the_field(app_database, session, team_a):
    state = signed_in(OutreachState, session, team_a, lang="es")
    state.set_filter("date_from", "2026-05-10")
    state.set_filter("date_to", "2026-05-01")
    state.load()
    assert state.field_errors == {"date_to": "Elige un intervalo cuyo final sea igual o posterior a su inicio."}


def test_response_changes_only_for_author_or_manager(app_database, session, team_a):
    mine = outreach.log_outreach(session=session, ctx=team_a.rep_ctx, type="email", email="a@b.es",
                                 description="Hi", occurred_at=local_now() - timedelta(hours=1))
    session.commit()
    other = signed_in(OutreachState, session, team_a, "rep2")
    other.load()
    other.set_response(mine.id, "positive")
    assert all_outreach(session, team_a.rep_ctx)[0].response_status == "awaiting"
    state = signed_in(OutreachState, session, team_a)
    state.load()
    state.set_response(mine.id, "positive")
    assert state.entries[0].response == "positive"
    assert all_outreach(session, team_a.rep_ctx)[0].response_status == "positive"


EACH_TYPE = [
    ("platform", {"channel": "Upwork", "value": "https://www.upwork.com/jobs/~01"},
     {"channel": "Upwork", "value": "https://www.upwork.com/jobs/~01"}),
    ("email", {"email": "Ana@Example.com"}, {"email": "ana@example.com"}),
    ("call", {"phone": "+34 612 345 678", "call_outcome": "connected", "call_duration_seconds": "12:30"},
     {"phone": "+34612345678", "call_outcome": "connected", "call_duration_seconds": 750}),
    ("social", {"channel": "LinkedIn", "value": "https://linkedin.com/in/ana"},
     {"channel": "LinkedIn", "value": "https://linkedin.com/in/ana"}),
    ("messenger", {"channel": "Telegram", "phone": "none", "value": "@ana_lopez"},
     {"channel": "Telegram", "value": "@ana_lopez", "phone": None}),
]


@pytest.mark.parametrize("kind, typed, stored", EACH_TYPE)
def test_form_logs_each_type_for_a_lead_and_remembers_it(app_database, session, team_a, kind, typed, stored):
    lead = Lead(team_id=team_a.team.id, first_name="Ana", last_name="López", email="ana@lopez.es",
                owner_id=team_a.rep.id)
    session.add(lead)
    session.commit()
    state = signed_in(OutreachFormState, session, team_a)
    state.open_for(lead.id, 0)
    assert state.dialog_open and state.for_label == "Ana López" and state.defaults["email"] == "ana@lopez.es"
    state.set_kind(kind)
    when = (local_now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    typed = {k: ("" if v == "none" else v) for k, v in typed.items()}
    result = state.save({"description": f"A {kind}", "occurred_at": when, **typed})
    assert state.field_errors == {}, state.field_errors
    assert not state.dialog_open and state.last_kind == kind and "success" in repr(result)
    [row] = all_outreach(session, team_a.rep_ctx)
    assert row.lead_id == lead.id and row.description == f"A {kind}"
    assert row.occurred_at == datetime.fromisoformat(when).replace(tzinfo=MADRID).astimezone(timezone.utc)
    for name, value in stored.items():
        assert getattr(row, name) == value
    state.open_for(0, 0)
    assert state.kind == kind                              # the next form starts on the same type


def test_form_maps_field_errors_in_spanish_including_dst(app_database, session, team_a):
    state = signed_in(OutreachFormState, session, team_a, lang="es")
    state.open_for(0, 0)
    state.set_kind("call")
    state.save({"description": "", "occurred_at": "2026-03-29T02:30", "phone": "12",
                "call_outcome": "none", "call_duration_seconds": "ten"})
    assert state.field_errors == {"call_duration_seconds": "Escribe los minutos, p. ej. 12 o 12:30."}
    state.save({"description": "", "occurred_at": "2026-03-29T02:30", "phone": "12", "call_outcome": "none"})
    errors = state.field_errors
    assert errors["description"] == "Describe lo que enviaste o dijiste."
    assert errors["occurred_at"].startswith("2026-03-29 02:30 no existe en Europe/Madrid")
    assert errors["phone"] == "Este no es un teléfono válido."
    assert state.dialog_open and all_outreach(session, team_a.rep_ctx) == []

    state.set_kind("social")
    state.save({"description": "x", "occurred_at": "2026-01-10T10:00", "channel": "",
                "value": "linkedin.com/in/x"})
    assert state.field_errors["channel"].startswith("Elige la red: LinkedIn")
    assert state.field_errors["value"] == "Escribe una dirección web completa que empiece por https://."
    state.set_kind("email")
    state.follow_up = True
    state.save({"description": "x", "occurred_at": "2026-01-10T10:00", "email": "a@b.es",
                "follow_up_due": "2026-01-01"})
    assert state.field_errors == {"follow_up_due": "El seguimiento no puede vencer antes de la acción."}


def test_leaving_the_time_field_warns_about_dst_and_asks_which_hour(app_database, session, team_a):
    state = signed_in(OutreachFormState, session, team_a)
    state.open_for(0, 0)
    state.check_time("2026-03-29T02:30")
    assert "does not exist in Europe/Madrid" in state.field_errors["occurred_at"] and not state.ambiguous
    state.check_time("2025-10-26T02:30")
    assert state.field_errors == {} and state.ambiguous
    assert state.fold_labels == ["02:30 CEST", "02:30 CET"]
    state.set_kind("email")
    state.save({"description": "Late mail", "occurred_at": "2025-10-26T02:30", "occurred_fold": "1",
                "email": "a@b.es"})
    [row] = all_outreach(session, team_a.rep_ctx)
    assert row.occurred_at == datetime(2025, 10, 26, 1, 30, tzinfo=timezone.utc)     # the second 02:30


def test_managers_log_for_a_member_reps_cannot(app_database, session, team_a):
    manager = signed_in(OutreachFormState, session, team_a, "manager")
    manager.open_for(0, 0)
    assert [m[1] for m in manager.members] == ["Acme Ventas Admin", "Marta Manager", "Raúl Rep", "Rosa Rep"]
    manager.set_kind("email")
    when = (local_now() - timedelta(minutes=5)).isoformat()
    manager.save({"description": "For Raúl", "occurred_at": when, "email": "a@b.es",
                  "user_id": str(team_a.rep.id)})
    rep = signed_in(OutreachFormState, session, team_a, "rep2")
    rep.open_for(0, 0)
    rep.set_kind("email")
    rep.save({"description": "Forged", "occurred_at": when, "email": "a@b.es", "user_id": str(team_a.rep.id)})
    assert rep.dialog_open
    rows = all_outreach(session, team_a.admin_ctx)
    assert [(r.description, r.user_id) for r in rows] == [("For Raúl", team_a.rep.id)]


def test_another_teams_records_are_refused(app_database, session, team_a, team_b):
    lead = Lead(team_id=team_a.team.id, last_name="Private", email="secret@a.es")
    contact = Contact(team_id=team_a.team.id, last_name="Hidden", phone="+34612345678")
    session.add_all([lead, contact])
    session.flush()
    sent = outreach.log_outreach(session=session, ctx=team_a.rep_ctx, type="email", email="a@b.es",
                                 description="A's", occurred_at=local_now() - timedelta(hours=1))
    session.commit()
    state = signed_in(OutreachFormState, session, team_b, "admin")
    state.open_for(lead.id, 0)
    assert not state.dialog_open and state.defaults.get("email", "") == ""
    state.open_for(0, contact.id)
    assert not state.dialog_open and state.for_label == ""
    state.for_lead, state.for_contact = lead.id, contact.id      # a forged event
    state.set_kind("email")
    state.save({"description": "Hack", "occurred_at": local_now().isoformat(), "email": "x@y.es"})
    assert outreach.list_outreach(session=session, ctx=team_b.admin_ctx).total == 0
    assert outreach.list_outreach(session=session, ctx=team_a.admin_ctx,
                                  filters=OutreachFilter(lead_id=lead.id)).total == 0

    page = signed_in(OutreachState, session, team_b, "admin")
    page.load()
    assert page.total == 0
    page.set_response(sent.id, "negative")
    assert all_outreach(session, team_a.rep_ctx)[0].response_status == "awaiting"


def test_signed_out_browsers_are_sent_to_login(app_database, session, team_a):
    for cls in (OutreachState, OutreachFormState):
        state = make_state(cls, "forged-token")
        result = state.load() if cls is OutreachState else state.open_for(0, 0)
        assert "redirect" in repr(result).lower()
    form = make_state(OutreachFormState, "")
    form.save({"description": "x", "occurred_at": "2026-01-01T10:00", "email": "a@b.es"})
    assert Outreach.__tablename__ and outreach.list_outreach(session=session, ctx=team_a.admin_ctx).total == 0


def test_timeline_links_what_the_outreach_was_for_and_produced(app_database, session, team_a):
    ctx = team_a.rep_ctx
    lead = Lead(team_id=team_a.team.id, first_name="Eva", last_name="Ruiz", owner_id=team_a.rep.id)
    session.add(lead)
    session.flush()
    sent = outreach.log_outreach(session=session, ctx=ctx, type="platform", channel="Guru", lead_id=lead.id,
                                 description="Bid", occurred_at=local_now() - timedelta(hours=3))
    contacts.create_contact(session=session, ctx=ctx, data={"first_name": "Luis", "last_name": "Paz"},
                            outreach_id=sent.id)
    session.commit()
    state = signed_in(OutreachState, session, team_a)
    state.load()
    [entry] = state.entries
    assert [(t.kind, t.label, t.href) for t in entry.targets][0] == ("lead", "Eva Ruiz", f"/leads/{lead.id}")
    assert [(p.kind, p.label) for p in entry.produced] == [("contact", "Luis Paz")]


def test_small_helpers():
    assert minutes_to_seconds("12") == 720 and minutes_to_seconds("2,5") == 150
    assert minutes_to_seconds("0:45") == 45 and minutes_to_seconds("") is None
    assert day_label(date(2026, 5, 12), date(2026, 5, 20), "es") == "mar 12 may 2026"
    assert day_label(date(2026, 5, 19), date(2026, 5, 20), "en") == "Yesterday · Tue 19 May 2026"
