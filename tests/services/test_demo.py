"""Demo data on a real database: the promised amounts, every kind of record, one team, a
year of history, links that trace back, and logins that work."""

from datetime import timedelta
from decimal import Decimal

import phonenumbers
import pytest
from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import select

from leadhub.services import auth, demo
from leadhub.services.errors import ValidationFailed
from leadhub.services.leads import fold, search_text_for
from leadhub.services.outreach import (
    CALL_OUTCOME_RESPONSE,
    MESSENGERS,
    OUTCOMES_WITH_DURATION,
    PLATFORMS,
    RESPONDED,
    SOCIAL_NETWORKS,
)
from leadhub.services.touches import activity_touch_time
from leadhub.services.models import (
    LEAD_SOURCES,
    Account,
    Activity,
    Campaign,
    CampaignMember,
    Contact,
    Deal,
    DealStage,
    Lead,
    LeadStatus,
    LeadStatusHistory,
    Membership,
    Note,
    Outreach,
    OutreachType,
    Rating,
    ResponseStatus,
    Team,
    utcnow,
)

LEADS = 300
TABLES = {
    "leads": Lead, "outreach": Outreach, "accounts": Account, "contacts": Contact,
    "deals": Deal, "campaigns": Campaign, "campaign_members": CampaignMember,
    "lead_status_history": LeadStatusHistory, "activities": Activity, "notes": Note,
}


@pytest.fixture
def loaded(session) -> demo.DemoResult:
    result = demo.load_demo(session=session, leads=LEADS)
    session.commit()
    return result


def _count(session, model, *conditions) -> int:
    return session.exec(select(func.count()).select_from(model).where(*conditions)).one()


def _values(session, column, team_id) -> set:
    return set(session.exec(select(column).where(column.table.c.team_id == team_id).distinct()).all())


def test_counts_match_the_database_and_scale_with_leads(session, loaded):
    team_id = loaded.team.id
    assert loaded.counts["leads"] == LEADS
    for name, model in TABLES.items():
        assert _count(session, model, model.team_id == team_id) == loaded.counts[name], name
    assert LEADS < loaded.counts["outreach"] < 2 * LEADS
    assert loaded.counts["lead_status_history"] >= LEADS
    assert loaded.counts["deals"] > 0 and loaded.counts["contacts"] > 0
    assert loaded.counts["activities"] > 0 and loaded.counts["notes"] > 0
    assert loaded.counts["campaigns"] >= 3 and loaded.counts["campaign_members"] > 0


def test_every_status_type_stage_and_rating_is_present(session, loaded):
    team_id = loaded.team.id
    assert _values(session, Lead.status, team_id) == {s.value for s in LeadStatus}
    assert _values(session, Outreach.type, team_id) == {int(t) for t in OutreachType}
    assert _values(session, Outreach.response_status, team_id) == {r.value for r in ResponseStatus}
    assert _values(session, Deal.stage, team_id) == {s.value for s in DealStage}
    assert _values(session, Lead.rating, team_id) == {r.value for r in Rating} | {""}
    assert _values(session, Lead.lead_source, team_id) <= set(LEAD_SOURCES)
    assert len(_values(session, Lead.lead_source, team_id)) >= 10
    assert _values(session, Deal.currency, team_id) == {"EUR"}
    team = session.get(Team, team_id)
    assert (team.name, team.timezone, team.currency, team.language) == (
        demo.DEMO_TEAM_NAME, "Europe/Madrid", "EUR", "es")


def test_outreach_of_each_type_carries_its_own_details(session, loaded):
    rows = session.exec(select(Outreach).where(Outreach.team_id == loaded.team.id)).all()
    for row in rows:
        if row.type == OutreachType.PLATFORM:
            assert row.channel in {"Upwork", "Guru", "PeoplePerHour"} and row.value.startswith("https://")
        elif row.type == OutreachType.EMAIL:
            assert auth.normalise_email(row.email) == row.email
        elif row.type == OutreachType.CALL:  # the rules of outreach.log_outreach
            assert phonenumbers.is_valid_number(phonenumbers.parse(row.phone))
            assert (row.call_duration_seconds is not None) == (row.call_outcome in OUTCOMES_WITH_DURATION)
            expected = CALL_OUTCOME_RESPONSE.get(row.call_outcome, ResponseStatus.AWAITING.value)
            if expected == ResponseStatus.REPLIED.value:
                assert row.response_status in RESPONDED
            else:
                assert row.response_status == expected
        elif row.type == OutreachType.SOCIAL:
            assert row.channel and row.value.startswith("https://")
        else:
            assert row.channel in MESSENGERS and (row.phone or row.value.startswith("@"))
        if row.type == OutreachType.PLATFORM:
            assert row.channel in PLATFORMS
        elif row.type == OutreachType.SOCIAL:
            assert row.channel in SOCIAL_NETWORKS
        assert (row.responded_at is None) == (row.response_status == ResponseStatus.AWAITING.value)
        assert row.responded_at is None or row.responded_at >= row.occurred_at
    assert {r.user_id for r in rows} <= _member_ids(session, loaded.team.id)


def _member_ids(session, team_id) -> set[int]:
    return set(session.exec(select(Membership.user_id).where(Membership.team_id == team_id)).all())


def test_rows_stay_in_the_demo_team_and_point_within_it(session, team_a, loaded):
    team_id = loaded.team.id
    for model in TABLES.values():
        assert _count(session, model, model.team_id == team_a.team.id) == 0
    members = _member_ids(session, team_id)
    owners = set(session.exec(select(Lead.owner_id).where(Lead.team_id == team_id)).all())
    assert owners - {None} <= members and len(owners - {None}) >= 3
    # every reference lands on a row of the same team
    references = [
        (Lead, Lead.outreach_id, Outreach), (Outreach, Outreach.lead_id, Lead),
        (Outreach, Outreach.contact_id, Contact), (Contact, Contact.account_id, Account),
        (Contact, Contact.lead_id, Lead), (Contact, Contact.outreach_id, Outreach),
        (Deal, Deal.lead_id, Lead), (Deal, Deal.contact_id, Contact),
        (Deal, Deal.outreach_id, Outreach), (Deal, Deal.account_id, Account),
        (Activity, Activity.lead_id, Lead), (Activity, Activity.deal_id, Deal),
        (Note, Note.lead_id, Lead), (Note, Note.deal_id, Deal),
        (CampaignMember, CampaignMember.campaign_id, Campaign),
        (CampaignMember, CampaignMember.lead_id, Lead), (LeadStatusHistory, LeadStatusHistory.lead_id, Lead),
    ]
    for model, column, target in references:
        other = aliased(target)
        linked = session.exec(select(func.count()).select_from(model).join(other, other.id == column)
                              .where(model.team_id == team_id)).one()
        wrong = session.exec(select(func.count()).select_from(model).join(other, other.id == column)
                             .where(model.team_id == team_id, other.team_id != team_id)).one()
        assert linked > 0 and wrong == 0, f"{model.__name__}.{column.key}"


def test_timestamps_are_aware_and_within_the_last_year(session, loaded):
    now, year_ago = utcnow(), utcnow() - timedelta(days=365)
    columns = [Lead.created_at, Lead.updated_at, Lead.last_contacted_at, Lead.converted_at,
               Outreach.occurred_at, Outreach.responded_at, Outreach.created_at,
               Account.created_at, Contact.created_at, Contact.last_contacted_at,
               Deal.created_at, Deal.updated_at, Campaign.created_at, CampaignMember.added_at,
               LeadStatusHistory.changed_at, Activity.created_at, Activity.completed_at,
               Note.created_at]
    for column in columns:
        low, high = session.exec(select(func.min(column), func.max(column))
                                 .where(column.table.c.team_id == loaded.team.id)).one()
        assert low is not None and low.tzinfo is not None, column
        assert year_ago <= low <= high <= now, column
    due = session.exec(select(Activity.due_at).where(Activity.team_id == loaded.team.id,
                                                     Activity.status == "planned")).all()
    assert any(d < now for d in due) and any(d > now for d in due)  # overdue and upcoming


def test_history_positions_and_conversions_agree_with_each_lead(session, loaded):
    leads = session.exec(select(Lead).where(Lead.team_id == loaded.team.id)).all()
    history: dict[int, list[LeadStatusHistory]] = {}
    for row in session.exec(select(LeadStatusHistory).where(LeadStatusHistory.team_id == loaded.team.id)
                            .order_by(LeadStatusHistory.changed_at, LeadStatusHistory.id)):
        history.setdefault(row.lead_id, []).append(row)
    for lead in leads:
        changes = history[lead.id]
        assert changes[0].from_status is None and changes[0].to_status == "New"
        assert changes[-1].to_status == lead.status
        assert all(a.to_status == b.from_status for a, b in zip(changes, changes[1:]))
        assert (lead.converted_at is not None) == (lead.status == "Converted")
        assert lead.created_at <= lead.updated_at
    for status in LeadStatus:
        column = sorted((lead for lead in leads if lead.status == status.value),
                        key=lambda lead: lead.position)
        assert len({lead.position for lead in column}) == len(column)
        assert [lead.created_at for lead in column] == sorted(
            (lead.created_at for lead in column), reverse=True)
    converted = {lead.id for lead in leads if lead.status == "Converted"}
    contact_leads = set(session.exec(select(Contact.lead_id).where(
        Contact.team_id == loaded.team.id, Contact.lead_id.is_not(None))).all())
    assert contact_leads == converted


def test_last_contacted_is_the_latest_touch(session, loaded):
    team_id = loaded.team.id
    latest: dict[tuple[str, int], object] = {}

    def touch(kind, record_id, at):
        if record_id is not None and at is not None:
            latest[(kind, record_id)] = max(at, latest.get((kind, record_id), at))

    for row in session.exec(select(Outreach).where(Outreach.team_id == team_id)):
        touch("lead", row.lead_id, row.occurred_at)
        touch("contact", row.contact_id, row.occurred_at)
    for row in session.exec(select(Activity).where(Activity.team_id == team_id)):
        touch("lead", row.lead_id, activity_touch_time(row))
        touch("contact", row.contact_id, activity_touch_time(row))
    leads = session.exec(select(Lead).where(Lead.team_id == team_id)).all()
    for lead in leads:
        assert lead.last_contacted_at == latest.get(("lead", lead.id))
        if lead.status != "New":
            assert lead.last_contacted_at is not None
    for contact in session.exec(select(Contact).where(Contact.team_id == team_id)):
        assert contact.last_contacted_at == latest.get(("contact", contact.id))


def test_attribution_traces_deals_back_to_outreach(session, loaded):
    team_id = loaded.team.id
    traced = session.exec(
        select(func.count()).select_from(Deal).join(Lead, Lead.id == Deal.lead_id)
        .join(Outreach, Outreach.id == Deal.outreach_id)
        .where(Deal.team_id == team_id, Lead.outreach_id == Deal.outreach_id,
               Outreach.lead_id == Lead.id)).one()
    assert traced > 0
    born_from_outreach = session.exec(
        select(func.count()).select_from(Lead).join(Outreach, Outreach.id == Lead.outreach_id)
        .where(Lead.team_id == team_id, Outreach.lead_id != Lead.id)).one()
    assert born_from_outreach == 0
    assert _count(session, Deal, Deal.team_id == team_id, Deal.lead_id.is_(None),
                  Deal.outreach_id.is_not(None)) > 0  # from outreach straight to a contact


def test_people_look_real_and_are_searchable(session, loaded):
    leads = session.exec(select(Lead).where(Lead.team_id == loaded.team.id)).all()
    accented = [lead for lead in leads if any(ch in lead.first_name + lead.last_name for ch in "áéíóúñüö")]
    assert accented
    for lead in leads:
        assert lead.search_text == search_text_for(lead.first_name, lead.last_name, lead.company,
                                                   lead.email, lead.phone, lead.mobile, lead.city)
        assert lead.search_text.isascii() or "ß" in lead.search_text
        if lead.email:
            assert auth.normalise_email(lead.email) == lead.email
        for phone in (lead.phone, lead.mobile):
            if phone:
                number = phonenumbers.parse(phone)
                assert phonenumbers.is_valid_number(number), phone
                assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
        assert lead.budget is None or isinstance(lead.budget, Decimal)
    sample = next(lead for lead in accented if lead.company)
    assert fold(sample.last_name) in sample.search_text


def test_demo_logins_work(session, loaded):
    assert [login.role for login in loaded.logins] == ["admin", "manager", "rep", "rep"]
    for login in loaded.logins:
        assert login.email.endswith("@demo.leadhub.app") and login.password
        _, info = auth.login(session=session, email=login.email, password=login.password)
        assert (info.team_id, info.role) == (loaded.team.id, login.role)
    session.commit()


def test_ensure_demo_loads_once(session):
    first = demo.ensure_demo(session=session, leads=50)
    session.commit()
    again = demo.ensure_demo(session=session, leads=50)
    session.commit()
    assert first.created and not again.created
    assert again.team.id == first.team.id and again.logins == first.logins
    assert _count(session, Team) == 1 and _count(session, Lead) == 50


def test_ensure_demo_leaves_a_used_database_alone(session, team_a):
    result = demo.ensure_demo(session=session, leads=50)
    assert not result.created and result.logins == [] and result.team is None
    assert _count(session, Lead) == 0


def test_same_seed_same_data_and_demo_users_are_shared_by_a_second_team(session, loaded):
    auth.set_password(session=session, user_id=auth.find_user(
        session=session, email="rep2@demo.leadhub.app").id, password="changed-by-rep")
    second = demo.load_demo(session=session, leads=LEADS, team_name="Demo Dos")
    session.commit()

    def fingerprint(team_id):
        return session.exec(select(Lead.first_name, Lead.last_name, Lead.company, Lead.status,
                                   Lead.lead_source, Lead.budget)
                            .where(Lead.team_id == team_id).order_by(Lead.id)).all()

    assert fingerprint(second.team.id) == fingerprint(loaded.team.id)
    assert second.counts == loaded.counts
    assert [login.password for login in second.logins] == [
        "demo-admin-1", "demo-manager-1", "demo-rep-1", None]
    assert len(_member_ids(session, second.team.id)) == 4


def test_a_negative_lead_count_is_refused(session):
    with pytest.raises(ValidationFailed) as err:
        demo.load_demo(session=session, leads=-1)
    assert "leads" in err.value.field_errors
