"""A small known data set for the analytics tests, with every expected number worked out by
hand in the tests that use it. Team A is in Europe/Madrid (EUR); clocks jump forward at
01:00 UTC on Sunday 29 March 2026. The range is Mon 23 March – Sun 5 April 2026 (local);
the previous period is 9–22 March.

Outreach (UTC → Madrid):
  o1 email    rep   22 Mar 23:30 → Mon 23 Mar 00:30 CET   replied (+2 h)       lead –
  o2 email    rep   22 Mar 22:59 → Sun 22 Mar 23:59 CET   (previous period)
  o3 Upwork   rep   28 Mar 23:30 → Sun 29 Mar 00:30 CET   positive
  o4 Upwork   rep2  29 Mar 22:30 → Mon 30 Mar 00:30 CEST  awaiting
  o5 call     rep2   5 Apr 21:59 → Sun  5 Apr 23:59 CEST  connected (replied)  contact c2
  o6 call     rep2   5 Apr 22:00 → Mon  6 Apr 00:00 CEST  (after the range)
  o7 LinkedIn rep   25 Mar 10:00                          bounced              lead L2
  o8 call     rep   26 Mar 10:00                          no answer            lead L1
  o9 Upwork   rep   24 Mar 09:00                          negative
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import update

from leadhub.services.analytics.filters import AnalyticsFilter
from leadhub.services.analytics.models import ChannelCost
from leadhub.services.models import (
    Activity,
    Campaign,
    CampaignMember,
    Contact,
    Deal,
    Lead,
    Outreach,
    OutreachType,
)

FIRST, LAST = date(2026, 3, 23), date(2026, 4, 5)
NOW = datetime(2026, 4, 6, 12, 0, tzinfo=timezone.utc)   # 14:00 in Madrid


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def known_filter(**changes) -> AnalyticsFilter:
    return AnalyticsFilter(date_from=FIRST, date_to=LAST, **{"grain": "day", **changes})


@dataclass
class Known:
    ids: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        return self.ids[key]


def build(session, team, other_team) -> Known:
    known = Known()
    rep, rep2 = team.rep.id, team.rep2.id
    tid = team.team.id

    def add(key, row):
        session.add(row)
        session.flush()
        known.ids[key] = row.id
        return row

    def outreach(key, kind, user, at, status="awaiting", channel=None, outcome=None, lead=None,
                 contact=None, responded=None):
        return add(key, Outreach(team_id=tid, user_id=user, type=int(kind), channel=channel,
                                 description=key, occurred_at=at, response_status=status,
                                 responded_at=responded, call_outcome=outcome, lead_id=lead,
                                 contact_id=contact))

    # leads first (outreach points at some of them)
    add("L1", Lead(team_id=tid, last_name="Uno", lead_source="Web Form", status="Qualified", owner_id=rep,
                   created_at=utc(2026, 3, 23, 8, 0)))
    add("L2", Lead(team_id=tid, last_name="Dos", lead_source="Web Form", status="Converted", owner_id=rep,
                   created_at=utc(2026, 3, 24, 8, 0), converted_at=utc(2026, 3, 31, 10, 0)))
    add("L4", Lead(team_id=tid, last_name="Cuatro", lead_source="Referral", status="Converted",
                   owner_id=rep2, created_at=utc(2026, 3, 10, 9, 0), converted_at=utc(2026, 3, 20, 9, 0)))
    add("L5", Lead(team_id=tid, last_name="Cinco", lead_source="Web Form", status="New", owner_id=rep,
                   created_at=utc(2026, 3, 22, 22, 59)))

    E, P, C, S = OutreachType.EMAIL, OutreachType.PLATFORM, OutreachType.CALL, OutreachType.SOCIAL
    outreach("o1", E, rep, utc(2026, 3, 22, 23, 30), "replied", responded=utc(2026, 3, 23, 1, 30))
    outreach("o2", E, rep, utc(2026, 3, 22, 22, 59))
    outreach("o3", P, rep, utc(2026, 3, 28, 23, 30), "positive", channel="Upwork")
    outreach("o4", P, rep2, utc(2026, 3, 29, 22, 30), channel="Upwork")
    outreach("o7", S, rep, utc(2026, 3, 25, 10, 0), "bounced", channel="LinkedIn", lead=known["L2"])
    outreach("o8", C, rep, utc(2026, 3, 26, 10, 0), outcome="no_answer", lead=known["L1"])
    outreach("o9", P, rep, utc(2026, 3, 24, 9, 0), "negative", channel="Upwork")
    outreach("o6", C, rep2, utc(2026, 4, 5, 22, 0), "replied", outcome="connected")

    add("L3", Lead(team_id=tid, last_name="Tres", lead_source="Upwork", status="New", owner_id=rep2,
                   created_at=utc(2026, 3, 29, 0, 30), outreach_id=known["o3"]))

    add("c1", Contact(team_id=tid, last_name="C1", outreach_id=known["o3"], owner_id=rep,
                      created_at=utc(2026, 3, 29, 12, 0)))
    add("c2", Contact(team_id=tid, last_name="C2", outreach_id=known["o9"], owner_id=rep,
                      created_at=utc(2026, 3, 24, 13, 0)))
    add("c3", Contact(team_id=tid, last_name="C3", outreach_id=known["o1"], owner_id=rep2,
                      created_at=utc(2026, 3, 23, 2, 30)))
    add("c4", Contact(team_id=tid, last_name="C4", outreach_id=known["o2"], owner_id=rep2,
                      created_at=utc(2026, 3, 1, 9, 0)))
    outreach("o5", C, rep2, utc(2026, 4, 5, 21, 59), "replied", outcome="connected", contact=known["c2"])

    add("d1", Deal(team_id=tid, name="d1", amount=Decimal("1000"), currency="EUR", stage="Closed Won",
                   close_date=date(2026, 4, 2), outreach_id=known["o3"], contact_id=known["c1"],
                   lead_id=known["L3"], owner_id=rep, created_at=utc(2026, 3, 30, 12, 0)))
    add("d2", Deal(team_id=tid, name="d2", amount=Decimal("500"), currency="USD", stage="Closed Won",
                   close_date=date(2026, 4, 3), outreach_id=known["o9"], contact_id=known["c2"],
                   lead_id=known["L2"], owner_id=rep, created_at=utc(2026, 3, 27, 13, 0)))
    add("d3", Deal(team_id=tid, name="d3", amount=Decimal("2000"), currency="EUR", stage="Proposal",
                   outreach_id=known["o1"], contact_id=known["c3"], owner_id=rep2,
                   created_at=utc(2026, 3, 25, 2, 30)))
    add("d4", Deal(team_id=tid, name="d4", amount=Decimal("300"), currency="EUR", stage="Closed Won",
                   close_date=date(2026, 4, 1), outreach_id=known["o2"], contact_id=known["c4"],
                   lead_id=known["L4"], owner_id=rep2, created_at=utc(2026, 3, 23, 10, 0)))

    # touches and tasks
    add("A1", Activity(team_id=tid, type="call", subject="A1", status="completed", owner_id=rep,
                       contact_id=known["c2"], completed_at=utc(2026, 3, 30, 9, 0)))
    add("A2", Activity(team_id=tid, type="meeting", subject="A2", status="completed", owner_id=rep,
                       contact_id=known["c1"], completed_at=utc(2026, 3, 31, 9, 0)))
    add("A3", Activity(team_id=tid, type="call", subject="A3", status="completed", owner_id=rep2,
                       contact_id=known["c4"], completed_at=utc(2026, 3, 1, 9, 0)))
    for key, due, status in (("T1", utc(2026, 4, 5, 10, 0), "planned"), ("T2", utc(2026, 4, 6, 20, 0), "planned"),
                             ("T3", utc(2026, 4, 6, 22, 30), "planned"), ("T4", utc(2026, 4, 20, 9, 0), "planned"),
                             ("T5", utc(2026, 4, 1, 9, 0), "completed")):
        add(key, Activity(team_id=tid, type="task", subject=key, status=status, due_at=due, owner_id=rep))
    # last touches as the follow-up rules keep them (set outright, whatever the mapper did)
    for key, last in (("c1", utc(2026, 3, 31, 9, 0)), ("c2", utc(2026, 4, 5, 21, 59)),
                      ("c3", None), ("c4", utc(2026, 3, 1, 9, 0))):
        session.execute(update(Contact).where(Contact.id == known[key]).values(last_contacted_at=last))

    # campaigns
    add("campA", Campaign(team_id=tid, name="Webinar", start_date=date(2026, 3, 1), end_date=date(2026, 3, 31),
                          budget=Decimal("1000"), actual_cost=Decimal("800")))
    add("campB", Campaign(team_id=tid, name="Later", start_date=date(2026, 5, 1), budget=Decimal("100")))
    add("campC", Campaign(team_id=tid, name="Always on", budget=Decimal("500")))
    for campaign, lead in (("campA", "L1"), ("campA", "L2"), ("campA", "L4"), ("campB", "L1"), ("campC", "L3")):
        session.add(CampaignMember(team_id=tid, campaign_id=known[campaign], lead_id=known[lead]))

    # channel costs
    for month, kind, channel, amount, currency in (
            (date(2026, 3, 1), P, "Upwork", "310", "EUR"), (date(2026, 4, 1), P, "Upwork", "300", "EUR"),
            (date(2026, 3, 1), S, "LinkedIn", "62", "EUR"), (date(2026, 3, 1), P, "Upwork", "999", "USD"),
            (date(2026, 2, 1), P, "Upwork", "5000", "EUR")):
        session.add(ChannelCost(team_id=tid, month=month, type=int(kind), channel=channel,
                                amount=Decimal(amount), currency=currency))

    # another team's records in the same days must never show up
    otid = other_team.team.id
    session.add(Outreach(team_id=otid, user_id=other_team.rep.id, type=int(E), description="x",
                         occurred_at=utc(2026, 3, 25, 12, 0)))
    session.add(Lead(team_id=otid, last_name="Other", lead_source="Web Form", created_at=utc(2026, 3, 25, 12, 0)))
    session.add(Deal(team_id=otid, name="other", amount=Decimal("99999"), currency="EUR", stage="Closed Won",
                     close_date=date(2026, 3, 30)))
    session.commit()
    return known
