"""Merging duplicates: values picked field by field, every related row moved to the survivor,
twins removed but kept in the snapshot, the merged leads readable from the survivor's timeline."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from leadhub.services import (
    activities,
    campaigns,
    custom_fields,
    documents,
    leads,
    merge,
    notes,
    timeline,
)
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.followup import FollowUpSnooze
from leadhub.services.models import (
    Activity,
    CampaignMember,
    Contact,
    Deal,
    Document,
    DomainEvent,
    Lead,
    LeadStatusHistory,
    Note,
    Outreach,
    OutreachType,
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    from leadhub.config import get_settings
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def make(session, ctx, **fields):
    fields.setdefault("last_name", "Pérez")
    lead = leads.create_lead(session=session, ctx=ctx, data=fields)
    session.commit()
    return lead


def related(session, team, lead, *, campaign, label):
    ctx = team.rep_ctx
    activities.create_activity(session=session, ctx=ctx, lead_id=lead.id,
                               data={"type": "call", "subject": f"Call {label}", "status": "completed"})
    notes.add_note(session=session, ctx=ctx, lead_id=lead.id, body=f"Note on {label}")
    documents.upload_document(session=session, ctx=ctx, lead_id=lead.id, filename=f"{label}.txt",
                              content=f"file of {label}".encode(), content_type="text/plain")
    campaigns.add_lead(session=session, ctx=ctx, campaign_id=campaign.id, lead_id=lead.id)
    session.add(Outreach(team_id=team.team.id, user_id=team.rep.id, type=int(OutreachType.EMAIL),
                         email="x@y.com", occurred_at=datetime(2026, 1, 5, tzinfo=timezone.utc),
                         lead_id=lead.id, description=f"Mail to {label}"))
    session.add(Contact(team_id=team.team.id, last_name=f"Contact {label}", lead_id=lead.id))
    session.add(Deal(team_id=team.team.id, name=f"Deal {label}", lead_id=lead.id))
    session.add(DomainEvent(team_id=team.team.id, name="LeadAcquired", lead_id=lead.id, payload={}))
    session.add(FollowUpSnooze(team_id=team.team.id, lead_id=lead.id,
                               until=datetime.now(timezone.utc) + timedelta(days=3)))
    session.commit()


def count(session, model, lead_id):
    return len(session.exec(select(model).where(model.lead_id == lead_id)).all())


def test_merge_moves_everything_and_keeps_the_merged_leads_readable(session, team_a, data_dir):
    custom_fields.create_field(session=session, ctx=team_a.admin_ctx, label="Region", type="text")
    session.commit()
    shared = campaigns.create_campaign(session=session, ctx=team_a.rep_ctx, name="Spring fair")
    only_b = campaigns.create_campaign(session=session, ctx=team_a.rep_ctx, name="Webinar")
    a = make(session, team_a.rep_ctx, first_name="Ana", last_name="Ruiz", email="ana@acme.es",
             company="", rating="Warm", custom_fields={"region": "North"})
    b = make(session, team_a.rep_ctx, first_name="Ana María", last_name="Ruiz López", email="ana.ruiz@acme.es",
             company="Acme SL", phone="+34612345678", rating="Hot", status="Contacted", budget="5000")
    related(session, team_a, a, campaign=shared, label="a")
    related(session, team_a, b, campaign=shared, label="b")
    campaigns.add_lead(session=session, ctx=team_a.rep_ctx, campaign_id=only_b.id, lead_id=b.id)
    session.commit()

    result = merge.merge_leads(session=session, ctx=team_a.manager_ctx, survivor_id=a.id, merged_ids=[b.id],
                               choices={"first_name": b.id, "rating": b.id, "status": b.id})
    session.commit()
    survivor = leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=a.id)
    # chosen values, the survivor's where nothing was chosen, the other's to fill blanks
    assert (survivor.first_name, survivor.last_name, survivor.email) == ("Ana María", "Ruiz", "ana@acme.es")
    assert (survivor.company, survivor.phone, str(survivor.budget)) == ("Acme SL", "+34612345678", "5000.00")
    assert (survivor.rating, survivor.status) == ("Hot", "Contacted")
    assert survivor.custom_fields == {"region": "North"}
    assert "acme sl" in survivor.search_text
    # the merged lead is gone and every related row now hangs off the survivor
    with pytest.raises(NotFound):
        leads.get_lead(session=session, ctx=team_a.rep_ctx, lead_id=b.id)
    for model in (Activity, Note, Document, Outreach, Contact, Deal):
        assert count(session, model, a.id) == 2, model
        assert count(session, model, b.id) == 0, model
    assert count(session, DomainEvent, a.id) >= 3  # both LeadAcquired + LeadMerged
    memberships = session.exec(select(CampaignMember.campaign_id).where(CampaignMember.lead_id == a.id)).all()
    assert sorted(memberships) == sorted([shared.id, only_b.id])  # the shared campaign once
    assert count(session, FollowUpSnooze, a.id) == 1
    assert result.removed_twins == {"campaign_member": 1, "followup_snooze": 1,
                                    "lead_score": 1}  # the survivor keeps its own score
    # history of both, plus the status change the merge made
    history = session.exec(select(LeadStatusHistory).where(LeadStatusHistory.lead_id == a.id)
                           .order_by(LeadStatusHistory.id)).all()
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, "New"), (None, "Contacted"), ("New", "Contacted")]
    # nothing of b is lost: the snapshot holds every column and the removed twins
    record = merge.merges_of_lead(session=session, ctx=team_a.rep_ctx, lead_id=a.id)[0]
    snap = record.snapshot["leads"][0]
    assert (snap["id"], snap["email"], snap["first_name"], snap["budget"]) == (b.id, "ana.ruiz@acme.es", "Ana María", "5000.00")
    assert {r["campaign_id"] for r in record.snapshot["removed_rows"]["campaign_member"]} == {shared.id}
    assert record.snapshot["survivor_before"]["rating"] == "Warm"
    assert merge.survivor_of(session=session, ctx=team_a.rep_ctx, lead_id=b.id) == a.id
    # b's document file is still there and opens from the survivor
    docs = documents.list_documents(session=session, ctx=team_a.rep_ctx, lead_id=a.id)
    assert sorted(d.filename for d, _ in docs) == ["a.txt", "b.txt"]
    _, path = documents.open_document(session=session, ctx=team_a.rep_ctx,
                                      document_id=next(d.id for d, _ in docs if d.filename == "b.txt"))
    assert path.read_bytes() == b"file of b"
    # the timeline records the merge, newest first
    items = timeline.lead_timeline(session=session, ctx=team_a.rep_ctx, lead_id=a.id, page_size=50).items
    assert items[0].kind == "merge" and f"#{b.id}" in items[0].body
    assert {i.body for i in items if i.kind == "note"} == {"Note on a", "Note on b"}


def test_merging_three_leads_chained_later_still_finds_the_survivor(session, team_a):
    a, b, c = (make(session, team_a.rep_ctx, last_name=f"L{i}") for i in range(3))
    merge.merge_leads(session=session, ctx=team_a.manager_ctx, survivor_id=b.id, merged_ids=[a.id])
    session.commit()
    merge.merge_leads(session=session, ctx=team_a.manager_ctx, survivor_id=c.id, merged_ids=[b.id])
    session.commit()
    assert merge.survivor_of(session=session, ctx=team_a.rep_ctx, lead_id=a.id) == c.id
    # the first merge's record moved to the final survivor too
    assert len(merge.merges_of_lead(session=session, ctx=team_a.rep_ctx, lead_id=c.id)) == 2


def test_merge_rules_permissions_and_isolation(session, team_a, team_b):
    mine = make(session, team_a.rep_ctx, last_name="Mine")
    mine2 = make(session, team_a.rep_ctx, last_name="Mine too")
    theirs = make(session, team_a.rep2_ctx, last_name="Theirs")
    other_team = make(session, team_b.rep_ctx, last_name="Other")
    with pytest.raises(PermissionDenied):
        merge.merge_leads(session=session, ctx=team_a.rep_ctx, survivor_id=mine.id, merged_ids=[theirs.id])
    with pytest.raises(NotFound):
        merge.merge_leads(session=session, ctx=team_a.manager_ctx, survivor_id=mine.id, merged_ids=[other_team.id])
    with pytest.raises(ValidationFailed):
        merge.merge_leads(session=session, ctx=team_a.manager_ctx, survivor_id=mine.id, merged_ids=[mine.id])
    with pytest.raises(ValidationFailed) as err:
        merge.merge_leads(session=session, ctx=team_a.rep_ctx, survivor_id=mine.id, merged_ids=[mine2.id],
                          choices={"email": other_team.id})
    assert "email" in err.value.field_errors
    session.rollback()
    # a rep may merge leads they own
    merge.merge_leads(session=session, ctx=team_a.rep_ctx, survivor_id=mine.id, merged_ids=[mine2.id])
    session.commit()
    assert session.get(Lead, other_team.id) is not None


def test_deleting_a_lead_removes_its_documents_files_after_commit(session, team_a, data_dir):
    lead = make(session, team_a.rep_ctx)
    doc = documents.upload_document(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                                    filename="cv.pdf", content=b"%PDF-1.4")
    session.commit()
    _, path = documents.open_document(session=session, ctx=team_a.rep_ctx, document_id=doc.id)
    leads.delete_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)
    assert path.exists()  # not before the deletion commits
    session.commit()
    assert not path.exists()
    assert session.exec(select(Note)).all() == []
