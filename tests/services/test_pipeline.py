"""The deals page's reads: rows with names and attribution, the stage pipeline with counts and
sums per currency, team isolation."""

from decimal import Decimal

from tests.services import crm_records as crm
from leadhub.services import deals, pipeline
from leadhub.services.deals import DealCreate
from leadhub.services.models import OutreachType


def test_rows_carry_names_and_attribution(session, team_a, team_b):
    source = crm.outreach(session, team_a, team_a.rep2, type=OutreachType.SOCIAL, email=None,
                          value="https://linkedin.com/in/ana")
    account = crm.account(session, team_a, "Ñandú Textil")
    lead = crm.lead(session, team_a, outreach_row=source)
    lead.lead_source = "LinkedIn"
    contact = crm.contact(session, team_a, account_row=account, lead_row=lead, last_name="Pérez")
    session.commit()
    deal = deals.deal_from_contact(session=session, ctx=team_a.rep_ctx, contact_id=contact.id,
                                   deal_in=DealCreate(amount="1000"))
    deals.create_deal(session=session, ctx=team_b.admin_ctx, deal_in=DealCreate(name="B only"))
    session.commit()
    page = pipeline.deal_rows(session=session, ctx=team_a.rep_ctx)
    assert page.total == 1 and page.pages == 1
    [row] = page.rows
    assert (row.id, row.name, row.account_name, row.contact_name) == (
        deal.id, "Ñandú Textil", "Ñandú Textil", "Ana Pérez")
    assert row.owner_name == "Raúl Rep" and row.lead_source == "LinkedIn"
    assert (row.outreach_type, row.outreach_value, row.outreach_rep) == (
        int(OutreachType.SOCIAL), "https://linkedin.com/in/ana", "Rosa Rep")


def test_pipeline_counts_and_sums_per_currency(session, team_a, team_b):
    for name, stage, amount, currency, owner in [
            ("A", "Proposal", "1000", "EUR", team_a.rep), ("B", "Proposal", "250.50", "EUR", team_a.rep2),
            ("C", "Proposal", "99", "USD", team_a.rep), ("D", "Proposal", None, "EUR", team_a.rep),
            ("E", "Closed Won", "5", "EUR", team_a.rep)]:
        deals.create_deal(session=session, ctx=team_a.admin_ctx, deal_in=DealCreate(
            name=name, stage=stage, amount=amount, currency=currency, owner_id=owner.id))
    deals.create_deal(session=session, ctx=team_b.admin_ctx,
                      deal_in=DealCreate(name="X", stage="Proposal", amount=7))
    session.commit()
    columns = {c.stage: c for c in pipeline.pipeline(session=session, ctx=team_a.rep_ctx,
                                                     per_stage=3)}
    assert list(columns) == deals.STAGES
    proposal = columns["Proposal"]
    assert proposal.count == 4 and len(proposal.rows) == 3 and proposal.has_more
    assert proposal.sums == [("EUR", Decimal("1250.50")), ("USD", Decimal("99.00"))]
    assert (columns["Closed Won"].count, columns["Prospecting"].count) == (1, 0)
    mine = {c.stage: c for c in pipeline.pipeline(session=session, ctx=team_a.rep_ctx,
                                                  owner_id=team_a.rep2.id)}
    assert mine["Proposal"].count == 1 and mine["Proposal"].sums == [("EUR", Decimal("250.50"))]
