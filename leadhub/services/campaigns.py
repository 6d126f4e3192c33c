"""Campaigns a lead belongs to: list, create, add and remove leads (one membership per pair)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, insert, literal
from sqlmodel import Session, delete, func, select

from leadhub.services.context import TeamContext
from leadhub.services.db import get_in_team
from leadhub.services.errors import ValidationFailed
from leadhub.services.models import Campaign, CampaignMember, Lead, utcnow

NAME_MAX = 160
TYPES = ("Email", "Webinar", "Trade Show", "Advertisement", "Referral Program", "Social", "Other")


def _lead(session: Session, ctx: TeamContext, lead_id: int) -> Lead:
    return get_in_team(session, Lead, ctx, lead_id, "This lead does not exist or belongs to another team.")


def get_campaign(*, session: Session, ctx: TeamContext, campaign_id: int) -> Campaign:
    return get_in_team(session, Campaign, ctx, campaign_id,
                       "This campaign does not exist or belongs to another team.")


def list_campaigns(*, session: Session, ctx: TeamContext, search: str = "", limit: int = 50) -> list[Campaign]:
    """The team's campaigns by name (a picker shows at most `limit`)."""
    statement = select(Campaign).where(Campaign.team_id == ctx.team_id)
    text = (search or "").strip().lower()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(func.lower(Campaign.name).like(f"%{escaped}%", escape="\\"))
    return list(session.exec(statement.order_by(Campaign.name).limit(max(1, min(limit, 200)))).all())


def create_campaign(*, session: Session, ctx: TeamContext, name: str, type: str = "") -> Campaign:
    """A new campaign; an existing one with the same name (any case) is returned instead."""
    clean = " ".join((name or "").split())
    if not clean:
        raise ValidationFailed(field_errors={"name": "Give the campaign a name."})
    if len(clean) > NAME_MAX:
        raise ValidationFailed(field_errors={"name": f"Use at most {NAME_MAX} characters."})
    existing = session.exec(select(Campaign).where(
        Campaign.team_id == ctx.team_id, func.lower(Campaign.name) == clean.lower())).first()
    if existing is not None:
        return existing
    campaign = Campaign(team_id=ctx.team_id, name=clean, type=(type or "")[:40])
    session.add(campaign)
    session.flush()
    return campaign


def campaigns_of_lead(*, session: Session, ctx: TeamContext, lead_id: int) -> list[tuple[Campaign, datetime]]:
    _lead(session, ctx, lead_id)
    return list(session.exec(
        select(Campaign, CampaignMember.added_at).join(CampaignMember, CampaignMember.campaign_id == Campaign.id)
        .where(CampaignMember.team_id == ctx.team_id, CampaignMember.lead_id == lead_id)
        .order_by(Campaign.name)).all())


def add_lead(*, session: Session, ctx: TeamContext, campaign_id: int, lead_id: int) -> bool:
    """Put a lead in a campaign; False when it already was."""
    lead = _lead(session, ctx, lead_id)
    campaign = get_campaign(session=session, ctx=ctx, campaign_id=campaign_id)
    if session.exec(select(CampaignMember.id).where(
            CampaignMember.campaign_id == campaign.id, CampaignMember.lead_id == lead.id)).first():
        return False
    session.add(CampaignMember(team_id=ctx.team_id, campaign_id=campaign.id, lead_id=lead.id))
    session.flush()
    return True


def remove_lead(*, session: Session, ctx: TeamContext, campaign_id: int, lead_id: int) -> bool:
    """Take a lead out of a campaign; False when it was not in it."""
    _lead(session, ctx, lead_id)
    get_campaign(session=session, ctx=ctx, campaign_id=campaign_id)
    result = session.exec(delete(CampaignMember).where(
        CampaignMember.team_id == ctx.team_id, CampaignMember.campaign_id == campaign_id,
        CampaignMember.lead_id == lead_id))
    session.flush()
    return bool(result.rowcount)


def add_leads_where(*, session: Session, ctx: TeamContext, campaign_id: int, conditions: list) -> int:
    """Put every lead matching `conditions` (already scoped to the team) in a campaign, in one
    INSERT ... SELECT that skips those already in it; the number added."""
    campaign = get_campaign(session=session, ctx=ctx, campaign_id=campaign_id)
    already = exists().where(CampaignMember.campaign_id == campaign.id, CampaignMember.lead_id == Lead.id)
    source = select(literal(ctx.team_id), literal(campaign.id), Lead.id, literal(utcnow())).where(
        Lead.team_id == ctx.team_id, *conditions, ~already)
    table = CampaignMember.__table__
    added = session.execute(insert(table).from_select(
        [table.c.team_id, table.c.campaign_id, table.c.lead_id, table.c.added_at], source)
        .returning(table.c.id)).all()
    session.flush()
    return len(added)
