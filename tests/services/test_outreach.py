"""Outreach: type rules, team time zones across DST, touches that never go backwards, and numbers."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from leadhub.services import outreach as svc
from leadhub.services import touches
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import (
    Activity,
    Contact,
    Deal,
    Lead,
    OutreachType,
    utcnow,
)
from leadhub.services.outreach import OutreachFilter

UTC = timezone.utc
YESTERDAY = (datetime.now() - timedelta(days=1)).replace(microsecond=0)


def lead_of(session, team, **fields):
    lead = Lead(team_id=team.team.id, last_name=fields.pop("last_name", "López"), **fields)
    session.add(lead)
    session.flush()
    return lead


def contact_of(session, team, **fields):
    contact = Contact(team_id=team.team.id, last_name=fields.pop("last_name", "García"), **fields)
    session.add(contact)
    session.flush()
    return contact


def log(session, ctx, **fields):
    fields.setdefault("description", "Sent the proposal")
    fields.setdefault("occurred_at", YESTERDAY)
    return svc.log_outreach(session=session, ctx=ctx, **fields)


# --- Type rules ---------------------------------------------------------------------------

def test_each_type_is_stored_as_its_number_with_normalised_fields(session, team_a):
    ctx = team_a.rep_ctx
    team_a.team.country = "ES"
    session.add(team_a.team)
    platform = log(session, ctx, type=OutreachType.PLATFORM, channel="upwork",
                   value="https://www.upwork.com/jobs/~01abc")
    only_url = log(session, ctx, type="platform", value="https://guru.com/p/123")
    email = log(session, ctx, type="email", email="  Ana@Example.COM ")
    call = log(session, ctx, type=3, phone="612 345 678", call_outcome="connected",
               call_duration_seconds="95")
    social = log(session, ctx, type="social", channel="linkedin", value="https://linkedin.com/in/ana")
    messenger = log(session, ctx, type="messenger", channel="Telegram", value="@ana_lopez")
    whatsapp = log(session, ctx, type="messenger", channel="whatsapp", phone="+52 55 1234 5678")
    session.commit()

    assert (platform.type, platform.channel) == (1, "Upwork")
    assert only_url.channel is None and only_url.value == "https://guru.com/p/123"
    assert (email.type, email.email) == (2, "ana@example.com")
    assert (call.type, call.phone) == (3, "+34612345678")      # team country ES is the default region
    assert call.call_outcome == "connected" and call.call_duration_seconds == 95
    assert call.response_status == "replied"                 # a connected call is an answer
    assert call.responded_at == call.occurred_at
    assert (social.type, social.channel) == (4, "LinkedIn")
    assert (messenger.type, messenger.channel, messenger.value) == (5, "Telegram", "@ana_lopez")
    assert whatsapp.phone == "+525512345678"
    assert email.user_id == team_a.rep.id and email.team_id == team_a.team.id
    assert email.response_status == "awaiting" and email.responded_at is None


@pytest.mark.parametrize("fields, bad", [
    ({"type": "platform"}, {"channel"}),
    ({"type": "platform", "channel": "Fiverr"}, {"channel"}),
    ({"type": "platform", "value": "ftp://upwork.com/x"}, {"value"}),
    ({"type": "platform", "value": "javascript:alert(1)"}, {"value"}),
    ({"type": "email"}, {"email"}),
    ({"type": "email", "email": "not-an-address"}, {"email"}),
    ({"type": "call"}, {"phone"}),
    ({"type": "call", "phone": "12"}, {"phone"}),
    ({"type": "call", "phone": "+34612345678", "call_outcome": "maybe"}, {"call_outcome"}),
    ({"type": "call", "phone": "+34612345678", "call_outcome": "connected",
      "call_duration_seconds": -4}, {"call_duration_seconds"}),
    ({"type": "social", "channel": "LinkedIn"}, {"value"}),
    ({"type": "social", "value": "https://x.com/ana"}, {"channel"}),
    ({"type": "social", "channel": "MySpace", "value": "https://myspace.com/ana"}, {"channel"}),
    ({"type": "messenger", "channel": "Telegram"}, {"phone"}),
    ({"type": "messenger", "value": "@ana"}, {"channel"}),
    ({"type": "messenger", "channel": "Signal", "value": "not a handle!"}, {"value"}),
    ({"type": "pigeon"}, {"type"}),
])
def test_missing_or_bad_type_fields_are_refused_at_the_field(session, team_a, fields, bad):
    with pytest.raises(ValidationFailed) as err:
        log(session, team_a.rep_ctx, **fields)
    assert set(err.value.field_errors) == bad


@pytest.mark.parametrize("fields, bad", [
    ({"type": "email", "email": "a@b.com", "call_outcome": "connected"}, {"call_outcome"}),
    ({"type": "email", "email": "a@b.com", "call_duration_seconds": 30}, {"call_duration_seconds"}),
    ({"type": "email", "email": "a@b.com", "channel": "LinkedIn"}, {"channel"}),
    ({"type": "email", "email": "a@b.com", "phone": "+34612345678"}, {"phone"}),
    ({"type": "call", "phone": "+34612345678", "email": "a@b.com"}, {"email"}),
    ({"type": "call", "phone": "+34612345678", "channel": "WhatsApp"}, {"channel"}),
    ({"type": "call", "phone": "+34612345678", "call_outcome": "no_answer",
      "call_duration_seconds": 60}, {"call_duration_seconds"}),
    ({"type": "social", "channel": "X", "value": "https://x.com/a", "phone": "+34612345678"}, {"phone"}),
    ({"type": "platform", "channel": "Guru", "email": "a@b.com"}, {"email"}),
    ({"type": "messenger", "channel": "Signal", "value": "@ana", "call_outcome": "busy"}, {"call_outcome"}),
])
def test_fields_of_another_type_are_refused(session, team_a, fields, bad):
    with pytest.raises(ValidationFailed) as err:
        log(session, team_a.rep_ctx, **fields)
    assert set(err.value.field_errors) == bad


def test_description_and_a_past_time_are_required(session, team_a):
    with pytest.raises(ValidationFailed) as err:
        svc.log_outreach(session=session, ctx=team_a.rep_ctx, type="email", email="a@b.com",
                         description="  ", occurred_at="")
    assert set(err.value.field_errors) == {"description", "occurred_at"}
    with pytest.raises(ValidationFailed) as err:
        log(session, team_a.rep_ctx, type="email", email="a@b.com",
            occurred_at=datetime.now() + timedelta(days=2))
    assert set(err.value.field_errors) == {"occurred_at"}


# --- Time zones ---------------------------------------------------------------------------

def test_local_time_is_stored_in_utc_across_the_march_dst_change(session, team_a):
    ctx = team_a.rep_ctx
    # Europe/Madrid: on 2026-03-29 clocks jump from 02:00 to 03:00 (CET → CEST).
    before = log(session, ctx, type="email", email="a@b.com", occurred_at=datetime(2026, 3, 29, 1, 30))
    after = log(session, ctx, type="email", email="a@b.com", occurred_at="2026-03-29T03:30")
    assert before.occurred_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert after.occurred_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as err:
        log(session, ctx, type="email", email="a@b.com", occurred_at=datetime(2026, 3, 29, 2, 30))
    assert "does not exist" in err.value.field_errors["occurred_at"]
    session.commit()
    stored = svc.get_outreach(session=session, ctx=ctx, outreach_id=after.id)
    assert stored.occurred_at.tzinfo is not None
    assert svc.local_occurred_at(stored, team_a.team).strftime("%H:%M %Z") == "03:30 CEST"


def test_ambiguous_october_time_follows_fold(session, team_a):
    ctx = team_a.rep_ctx
    # Europe/Madrid: on 2025-10-26 02:00–03:00 happens twice (CEST, then CET).
    first = log(session, ctx, type="email", email="a@b.com", occurred_at=datetime(2025, 10, 26, 2, 30))
    second = log(session, ctx, type="email", email="a@b.com",
                 occurred_at=datetime(2025, 10, 26, 2, 30, fold=1))
    assert first.occurred_at == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    assert second.occurred_at == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    from leadhub.services import teamtime
    zone = teamtime.zone(team_a.team)
    assert teamtime.is_ambiguous(datetime(2025, 10, 26, 2, 30), zone)
    assert not teamtime.is_ambiguous(datetime(2025, 10, 26, 3, 30), zone)


def test_timeline_groups_by_local_day_across_dst(session, team_a, team_b):
    ctx = team_a.rep_ctx
    # 23:30 local on the 28th (22:30 UTC) and 00:30 local on the 29th (23:30 UTC the 28th)
    log(session, ctx, type="email", email="a@b.com", occurred_at=datetime(2026, 3, 28, 23, 30))
    log(session, ctx, type="call", phone="+34612345678", occurred_at=datetime(2026, 3, 29, 0, 30))
    log(session, ctx, type="call", phone="+34612345678", occurred_at=datetime(2026, 3, 29, 23, 59))
    log(session, ctx, type="social", channel="X", value="https://x.com/a",
        occurred_at=datetime(2026, 3, 30, 0, 0))
    # the same UTC instant belongs to the 28th in Mexico City: team B sees only its own
    log(session, team_b.rep_ctx, type="email", email="a@b.com", occurred_at=datetime(2026, 3, 28, 17, 30))
    session.commit()

    days = svc.timeline_by_day(session=session, ctx=ctx, date_from=date(2026, 3, 27), date_to="2026-03-30")
    assert [d.day for d in days] == [date(2026, 3, 27) + timedelta(days=i) for i in range(4)]
    assert [d.total for d in days] == [0, 1, 2, 1]
    assert days[1].by_type == {OutreachType.EMAIL: 1}
    assert days[2].by_type == {OutreachType.CALL: 2}
    only_calls = svc.timeline_by_day(session=session, ctx=ctx, date_from=date(2026, 3, 28),
                                     date_to=date(2026, 3, 29), filters=OutreachFilter(type="call"))
    assert [d.total for d in only_calls] == [0, 2]
    b_days = svc.timeline_by_day(session=session, ctx=team_b.rep_ctx, date_from=date(2026, 3, 28),
                                 date_to=date(2026, 3, 29))
    assert [d.total for d in b_days] == [1, 0]
    with pytest.raises(ValidationFailed):
        svc.timeline_by_day(session=session, ctx=ctx, date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))


# --- Response, call result, follow-up task ------------------------------------------------

def test_set_response_records_when_and_only_author_or_manager(session, team_a):
    sent = log(session, team_a.rep_ctx, type="email", email="a@b.com")
    session.commit()
    with pytest.raises(PermissionDenied):
        svc.set_response(session=session, ctx=team_a.rep2_ctx, outreach_id=sent.id, response_status="replied")
    with pytest.raises(ValidationFailed) as err:
        svc.set_response(session=session, ctx=team_a.rep_ctx, outreach_id=sent.id, response_status="maybe")
    assert set(err.value.field_errors) == {"response_status"}
    before = utcnow()
    svc.set_response(session=session, ctx=team_a.rep_ctx, outreach_id=sent.id, response_status="positive")
    assert sent.response_status == "positive" and sent.responded_at >= before - timedelta(seconds=1)
    svc.set_response(session=session, ctx=team_a.manager_ctx, outreach_id=sent.id,
                     response_status="awaiting")
    assert sent.responded_at is None
    svc.set_response(session=session, ctx=team_a.rep_ctx, outreach_id=sent.id, response_status="replied",
                     responded_at=YESTERDAY + timedelta(hours=2))
    session.commit()
    assert svc.get_outreach(session=session, ctx=team_a.rep_ctx, outreach_id=sent.id).responded_at \
        == sent.occurred_at + timedelta(hours=2)


def test_call_result_can_be_set_later_but_not_on_other_types(session, team_a):
    call = log(session, team_a.rep_ctx, type="call", phone="+34612345678")
    email = log(session, team_a.rep_ctx, type="email", email="a@b.com")
    svc.set_call_result(session=session, ctx=team_a.rep_ctx, outreach_id=call.id,
                        call_outcome="wrong_number")
    assert call.call_outcome == "wrong_number" and call.response_status == "bounced"
    with pytest.raises(ValidationFailed) as err:
        svc.set_call_result(session=session, ctx=team_a.rep_ctx, outreach_id=email.id,
                            call_outcome="connected")
    assert set(err.value.field_errors) == {"call_outcome"}


def test_follow_up_due_creates_a_task_for_the_rep(session, team_a):
    lead = lead_of(session, team_a, owner_id=team_a.rep.id)
    sent = log(session, team_a.manager_ctx, type="email", email="a@b.com", lead_id=lead.id,
               follow_up_due=date(2030, 4, 2), user_id=team_a.rep.id)
    session.commit()
    task = session.exec(select(Activity).where(Activity.outreach_id == sent.id)).one()
    assert (task.type, task.status, task.owner_id, task.lead_id) == ("task", "planned", team_a.rep.id, lead.id)
    assert task.due_at == datetime(2030, 4, 2, 7, 0, tzinfo=UTC)      # 09:00 CEST
    assert sent.user_id == team_a.rep.id
    with pytest.raises(PermissionDenied):
        log(session, team_a.rep_ctx, type="email", email="a@b.com", user_id=team_a.rep2.id)
    with pytest.raises(ValidationFailed) as err:
        log(session, team_a.rep_ctx, type="email", email="a@b.com",
            follow_up_due=YESTERDAY - timedelta(days=3))
    assert set(err.value.field_errors) == {"follow_up_due"}


# --- Teams --------------------------------------------------------------------------------

def test_team_b_cannot_log_for_read_or_answer_team_a_records(session, team_a, team_b):
    lead = lead_of(session, team_a)
    contact = contact_of(session, team_a)
    sent = log(session, team_a.rep_ctx, type="email", email="a@b.com", lead_id=lead.id)
    session.commit()
    with pytest.raises(NotFound):
        log(session, team_b.rep_ctx, type="email", email="a@b.com", lead_id=lead.id)
    with pytest.raises(NotFound):
        log(session, team_b.rep_ctx, type="email", email="a@b.com", contact_id=contact.id)
    with pytest.raises(NotFound):
        svc.get_outreach(session=session, ctx=team_b.admin_ctx, outreach_id=sent.id)
    with pytest.raises(NotFound):
        svc.set_response(session=session, ctx=team_b.admin_ctx, outreach_id=sent.id, response_status="replied")
    with pytest.raises(NotFound):
        svc.produced(session=session, ctx=team_b.admin_ctx, outreach_id=sent.id)
    with pytest.raises(NotFound):
        touches.touch_stats(session=session, ctx=team_b.admin_ctx, lead_id=lead.id)
    with pytest.raises(ValidationFailed):
        log(session, team_a.manager_ctx, type="email", email="a@b.com", user_id=team_b.rep.id)
    assert svc.list_outreach(session=session, ctx=team_b.admin_ctx).total == 0
    assert svc.list_outreach(session=session, ctx=team_b.admin_ctx,
                             filters=OutreachFilter(lead_id=lead.id)).items == []


# --- Lists and numbers --------------------------------------------------------------------

def test_list_filters_pages_and_sorts_newest_first(session, team_a):
    lead = lead_of(session, team_a)
    base = datetime(2026, 5, 10, 12, 0)
    for i in range(5):
        log(session, team_a.rep_ctx, type="email", email=f"p{i}@b.com", occurred_at=base + timedelta(days=i),
            lead_id=lead.id if i % 2 == 0 else None)
    log(session, team_a.rep2_ctx, type="social", channel="LinkedIn", value="https://linkedin.com/in/x",
        occurred_at=base + timedelta(days=1, hours=1))
    session.commit()
    everything = svc.list_outreach(session=session, ctx=team_a.rep_ctx, page_size=4)
    assert everything.total == 6 and len(everything.items) == 4 and everything.has_next
    times = [o.occurred_at for o in everything.items]
    assert times == sorted(times, reverse=True)
    assert svc.list_outreach(session=session, ctx=team_a.rep_ctx, page=2, page_size=4).items[-1].email == "p0@b.com"

    def total(**kw):
        return svc.list_outreach(session=session, ctx=team_a.rep_ctx, filters=OutreachFilter(**kw)).total
    assert total(type="social") == 1 and total(channel="linkedin") == 1
    assert total(user_id=team_a.rep2.id) == 1 and total(lead_id=lead.id) == 3
    assert total(date_from=date(2026, 5, 11), date_to=date(2026, 5, 12)) == 3
    assert total(date_from="2026-05-14") == 1


def test_response_rates_per_type_channel_and_rep(session, team_a):
    def sent(ctx, status, **fields):
        o = log(session, ctx, **fields)
        if status:
            svc.set_response(session=session, ctx=ctx, outreach_id=o.id, response_status=status)
    email = {"type": "email", "email": "a@b.com"}
    linkedin = {"type": "social", "channel": "LinkedIn", "value": "https://linkedin.com/in/a"}
    sent(team_a.rep_ctx, "positive", **email)
    sent(team_a.rep_ctx, "negative", **email)
    sent(team_a.rep_ctx, "bounced", **email)
    sent(team_a.rep_ctx, None, **email)
    sent(team_a.rep2_ctx, "replied", **linkedin)
    sent(team_a.rep2_ctx, None, **linkedin)
    session.commit()
    by_type = {r.key: r for r in svc.response_rates(session=session, ctx=team_a.rep_ctx, by="type")}
    mail = by_type[OutreachType.EMAIL]
    assert (mail.total, mail.bounced, mail.responded, mail.positive, mail.awaiting) == (4, 1, 2, 1, 1)
    assert mail.response_rate == pytest.approx(2 / 3) and mail.success_rate == pytest.approx(1 / 3)
    by_channel = {r.key: r for r in svc.response_rates(session=session, ctx=team_a.rep_ctx, by="channel")}
    assert by_channel[(OutreachType.SOCIAL, "LinkedIn")].response_rate == 0.5
    by_rep = {r.key: r for r in svc.response_rates(session=session, ctx=team_a.rep_ctx, by="user")}
    assert by_rep[team_a.rep2.id].label == "Rosa Rep" and by_rep[team_a.rep2.id].total == 2
    with pytest.raises(ValidationFailed):
        svc.response_rates(session=session, ctx=team_a.rep_ctx, by="weather")


def test_produced_counts_contacts_leads_deals_and_won_revenue(session, team_a, team_b):
    sent = log(session, team_a.rep_ctx, type="platform", channel="Upwork")
    other = log(session, team_a.rep_ctx, type="platform", channel="Guru")
    lead = lead_of(session, team_a, outreach_id=sent.id)
    contact = contact_of(session, team_a, outreach_id=sent.id)
    contact_of(session, team_a, outreach_id=other.id)
    session.add_all([
        Deal(team_id=team_a.team.id, name="Direct", amount=Decimal("1000.00"), currency="EUR",
             stage="Closed Won", outreach_id=sent.id),
        Deal(team_id=team_a.team.id, name="Via lead", amount=Decimal("250.50"), currency="EUR",
             stage="Closed Won", lead_id=lead.id),
        Deal(team_id=team_a.team.id, name="Via contact", amount=Decimal("900.00"), currency="EUR",
             stage="Proposal", contact_id=contact.id),
        Deal(team_id=team_a.team.id, name="Lost", amount=Decimal("5.00"), currency="EUR",
             stage="Closed Lost", outreach_id=sent.id),
        Deal(team_id=team_a.team.id, name="Other outreach", amount=Decimal("7.00"), currency="EUR",
             stage="Closed Won", outreach_id=other.id),
    ])
    session.commit()
    result = svc.produced(session=session, ctx=team_a.manager_ctx, outreach_id=sent.id)
    assert (result.contact_count, result.lead_count, result.deal_count, result.won_deal_count) == (1, 1, 4, 2)
    assert [c.id for c in result.contacts] == [contact.id] and [lead.id] == [x.id for x in result.leads]
    assert result.won_revenue == {"EUR": Decimal("1250.50")}


def test_produced_for_a_page_matches_produced_one_by_one(session, team_a, team_b):
    sent = log(session, team_a.rep_ctx, type="platform", channel="Upwork")
    busy = log(session, team_a.rep_ctx, type="platform", channel="Guru")
    quiet = log(session, team_a.rep_ctx, type="email", email="a@b.com")
    foreign = log(session, team_b.rep_ctx, type="email", email="a@b.com")
    lead = lead_of(session, team_a, outreach_id=sent.id)
    contact = contact_of(session, team_a, outreach_id=sent.id)
    for i in range(5):
        contact_of(session, team_a, last_name=f"Busy{i}", outreach_id=busy.id)
    session.add_all([
        Deal(team_id=team_a.team.id, name="Direct", amount=Decimal("1000.00"), currency="EUR",
             stage="Closed Won", outreach_id=sent.id),
        Deal(team_id=team_a.team.id, name="Direct and via lead", amount=Decimal("250.50"), currency="USD",
             stage="Closed Won", outreach_id=sent.id, lead_id=lead.id),
        Deal(team_id=team_a.team.id, name="Via contact", amount=Decimal("900.00"), currency="EUR",
             stage="Proposal", contact_id=contact.id),
        Deal(team_id=team_a.team.id, name="Busy won", amount=Decimal("7.00"), currency="EUR",
             stage="Closed Won", outreach_id=busy.id),
    ])
    session.commit()
    page = svc.produced_for_page(session=session, ctx=team_a.rep_ctx,
                                 outreach_ids=[sent.id, busy.id, quiet.id, foreign.id], limit=3)
    assert set(page) == {sent.id, busy.id, quiet.id}                      # another team's id is left out
    for outreach_id, batch in page.items():
        one = svc.produced(session=session, ctx=team_a.rep_ctx, outreach_id=outreach_id, limit=3)
        assert [c.id for c in batch.contacts] == [c.id for c in one.contacts]
        assert [x.id for x in batch.leads] == [x.id for x in one.leads]
        assert [d.id for d in batch.deals] == [d.id for d in one.deals]
        assert (batch.contact_count, batch.lead_count, batch.deal_count, batch.won_deal_count) == \
            (one.contact_count, one.lead_count, one.deal_count, one.won_deal_count)
        assert batch.won_revenue == one.won_revenue
    assert page[busy.id].contact_count == 5 and len(page[busy.id].contacts) == 3
    assert page[sent.id].deal_count == 3 and page[sent.id].won_revenue == {"EUR": Decimal("1000.00"),
                                                                          "USD": Decimal("250.50")}
    assert svc.produced_for_page(session=session, ctx=team_a.rep_ctx, outreach_ids=[]) == {}


# --- Last contacted never goes backwards --------------------------------------------------

def test_last_contacted_moves_forward_only(session, team_a):
    lead = lead_of(session, team_a)
    contact = contact_of(session, team_a)
    session.commit()
    newer = datetime(2026, 6, 10, 15, 0)
    log(session, team_a.rep_ctx, type="email", email="a@b.com", occurred_at=newer,
        lead_id=lead.id, contact_id=contact.id)
    expected = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
    assert lead.last_contacted_at == expected and contact.last_contacted_at == expected
    # an older outreach logged late does not rewind it
    log(session, team_a.rep2_ctx, type="call", phone="+34612345678", occurred_at=datetime(2026, 6, 1, 9, 0),
        lead_id=lead.id, contact_id=contact.id)
    # nor does an older offline touch or an older completed activity written by other code
    touches.record_offline_touch(session=session, ctx=team_a.rep_ctx, note="Met at the fair",
                                 kind="meeting", at="2026-06-05T10:00", contact_id=contact.id)
    session.add(Activity(team_id=team_a.team.id, type="call", subject="Old call", status="completed",
                         completed_at=datetime(2026, 5, 1, tzinfo=UTC), lead_id=lead.id))
    session.commit()
    session.expire_all()
    assert session.get(Lead, lead.id).last_contacted_at == expected
    assert session.get(Contact, contact.id).last_contacted_at == expected
    # a newer touch moves it forward, also when an activity becomes completed later
    planned = Activity(team_id=team_a.team.id, type="meeting", subject="Demo", status="planned",
                       lead_id=lead.id)
    session.add(planned)
    session.commit()
    assert session.get(Lead, lead.id).last_contacted_at == expected
    done_at = datetime(2026, 6, 20, 8, 0, tzinfo=UTC)
    planned.status, planned.completed_at = "completed", done_at
    session.add(planned)
    session.commit()
    session.expire_all()
    assert session.get(Lead, lead.id).last_contacted_at == done_at
    # a task, however recent, is not a touch
    session.add(Activity(team_id=team_a.team.id, type="task", subject="Prepare", status="completed",
                         completed_at=utcnow(), lead_id=lead.id))
    session.commit()
    session.expire_all()
    assert session.get(Lead, lead.id).last_contacted_at == done_at


def test_guarded_update_never_rewinds_even_on_a_stale_instance(session, team_a, engine):
    from sqlmodel import Session
    lead = lead_of(session, team_a)
    session.commit()
    with Session(engine) as other:
        touches.bump_last_contacted(other, team_id=team_a.team.id, lead_id=lead.id,
                                    at=datetime(2026, 7, 1, tzinfo=UTC))
        other.commit()
    # this session has not seen the newer value, and logs an older touch
    touches.bump_last_contacted(session, team_id=team_a.team.id, lead_id=lead.id,
                                at=datetime(2026, 6, 1, tzinfo=UTC))
    session.commit()
    session.expire_all()
    assert session.get(Lead, lead.id).last_contacted_at == datetime(2026, 7, 1, tzinfo=UTC)
    # another team's id is never touched
    touches.bump_last_contacted(session, team_id=team_a.team.id + 999, lead_id=lead.id,
                                at=datetime(2027, 1, 1, tzinfo=UTC))
    session.commit()
    session.expire_all()
    assert session.get(Lead, lead.id).last_contacted_at == datetime(2026, 7, 1, tzinfo=UTC)


def test_offline_touch_needs_a_note_and_a_past_time(session, team_a):
    contact = contact_of(session, team_a)
    with pytest.raises(ValidationFailed) as err:
        touches.record_offline_touch(session=session, ctx=team_a.rep_ctx, note=" ", kind="fax",
                                     at=datetime.now() + timedelta(days=1), contact_id=contact.id)
    assert set(err.value.field_errors) == {"note", "kind", "at"}
    touch = touches.record_offline_touch(session=session, ctx=team_a.rep_ctx, note="Coffee",
                                         kind="meeting", contact_id=contact.id)
    assert touch.status == "completed" and touch.description == "Coffee"
    assert contact.last_contacted_at == touch.completed_at


def test_touch_stats_count_every_touch(session, team_a):
    contact = contact_of(session, team_a)
    now = datetime(2026, 9, 30, 12, 0, tzinfo=UTC)
    for day in (1, 11, 21):
        log(session, team_a.rep_ctx, type="email", email="a@b.com", occurred_at=datetime(2026, 9, day, 12, 0),
            contact_id=contact.id)
    touches.record_offline_touch(session=session, ctx=team_a.rep_ctx, note="Lunch", kind="meeting",
                                 at=datetime(2026, 8, 2, 14, 0), contact_id=contact.id)
    session.commit()
    stats = touches.touch_stats(session=session, ctx=team_a.rep_ctx, contact_id=contact.id, now=now)
    assert stats.total == 4 and stats.last_30_days == 3
    assert stats.first_at == datetime(2026, 8, 2, 12, 0, tzinfo=UTC)
    assert stats.last_at == datetime(2026, 9, 21, 10, 0, tzinfo=UTC)
    assert stats.average_gap_days == pytest.approx((stats.last_at - stats.first_at).total_seconds() / 86400 / 3, abs=0.01)
    assert stats.touches_per_30_days == pytest.approx(4 * 30 / 59, abs=0.01)
    history = touches.list_touches(session=session, ctx=team_a.rep_ctx, contact_id=contact.id)
    assert [t.kind for t in history] == ["outreach", "outreach", "outreach", "meeting"]
    empty = touches.touch_stats(session=session, ctx=team_a.rep_ctx, contact_id=contact_of(session, team_a).id)
    assert empty.total == 0 and empty.average_gap_days is None
