"""Small builders for the CRM rows deal and notification tests hang off (rows only, no services
of other domains, so these tests do not depend on how leads or outreach are edited)."""

from __future__ import annotations

from datetime import datetime, timezone

from leadhub.services.models import Account, Contact, Lead, Outreach, OutreachType

OUTREACH_AT = datetime(2026, 3, 10, 9, 15, tzinfo=timezone.utc)   # 10:15 in Madrid (CET)


def outreach(session, team, user, *, type=OutreachType.EMAIL, value=None,
             email="ana@cliente.es", occurred_at=OUTREACH_AT, lead=None) -> Outreach:
    row = Outreach(team_id=team.team.id, user_id=user.id, type=int(type), value=value, email=email,
                   occurred_at=occurred_at, lead_id=lead.id if lead else None)
    session.add(row)
    session.flush()
    return row


def account(session, team, name="Cliente SL") -> Account:
    row = Account(team_id=team.team.id, name=name)
    session.add(row)
    session.flush()
    return row


def lead(session, team, *, outreach_row=None, last_name="Pérez") -> Lead:
    row = Lead(team_id=team.team.id, last_name=last_name, first_name="Ana",
               outreach_id=outreach_row.id if outreach_row else None)
    session.add(row)
    session.flush()
    return row


def contact(session, team, *, outreach_row=None, account_row=None, lead_row=None, owner=None,
            last_name="Pérez") -> Contact:
    row = Contact(team_id=team.team.id, first_name="Ana", last_name=last_name,
                  outreach_id=outreach_row.id if outreach_row else None,
                  account_id=account_row.id if account_row else None,
                  lead_id=lead_row.id if lead_row else None,
                  owner_id=owner.id if owner else None)
    session.add(row)
    session.flush()
    return row
