"""Shared set-up for notification tests: channels switched on for a team, and a committed
LeadAcquired."""

from sqlmodel import select

from leadhub.services import deals, notifications
from leadhub.services.deals import DealCreate
from leadhub.services.models import DomainEvent
from leadhub.services.notifications import NotificationChannelUpdate
from tests.services import crm_records as crm

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
CHAT_ID = "-1001234567890"
SLACK_PATH = "/services/T0001/B0001/XXXXsecretXXXXwebhook"


def telegram_on(session, team, server, **changes):
    settings = dict(enabled=True, secret=TOKEN, chat_id=CHAT_ID, api_base_url=server.url)
    settings.update(changes)
    read = notifications.save_channel(session=session, ctx=team.admin_ctx, kind="telegram",
                                      channel_in=NotificationChannelUpdate(**settings))
    session.commit()
    return read


def slack_on(session, team, server, **changes):
    settings = dict(enabled=True, secret=server.url + SLACK_PATH)
    settings.update(changes)
    read = notifications.save_channel(session=session, ctx=team.admin_ctx, kind="slack",
                                      channel_in=NotificationChannelUpdate(**settings))
    session.commit()
    return read


def acquire(session, team, name="Web shop", amount="12500") -> DomainEvent:
    """A deal with an outreach source, committed: one LeadAcquired event."""
    source = crm.outreach(session, team, team.rep, email="ana@cliente.es")
    deal = deals.create_deal(session=session, ctx=team.manager_ctx, deal_in=DealCreate(
        name=name, amount=amount, outreach_id=source.id))
    session.commit()
    return session.exec(select(DomainEvent).where(
        DomainEvent.payload["deal"]["id"].as_integer() == deal.id)).one()
