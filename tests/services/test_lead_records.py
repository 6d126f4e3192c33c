"""Records around a lead: activities (overdue ones flagged), notes, campaigns, documents with a
size limit, and the timeline that puts them in order, each confined to the lead's team."""

from datetime import datetime, timedelta, timezone

import pytest

from leadhub.services import activities, campaigns, documents, leads, notes, timeline
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed
from leadhub.services.models import Outreach, OutreachType


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    from leadhub.config import get_settings
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADHUB_MAX_DOCUMENT_MB", "1")
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.fixture
def lead(session, team_a):
    row = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Núñez"})
    session.commit()
    return row


def test_activities_use_the_team_time_zone_and_flag_overdue_ones(session, team_a, lead):
    ctx = team_a.rep_ctx
    late = activities.create_activity(session=session, ctx=ctx, lead_id=lead.id, data={
        "type": "call", "subject": "Call back", "due_at": "2026-01-15T10:30"})
    soon = activities.create_activity(session=session, ctx=ctx, lead_id=lead.id, data={
        "type": "event", "subject": "Demo", "due_at": "2099-06-01 09:00", "owner_id": team_a.rep2.id})
    done = activities.create_activity(session=session, ctx=ctx, lead_id=lead.id, data={
        "type": "task", "subject": "Send deck", "status": "completed"})
    session.commit()
    assert late.due_at == datetime(2026, 1, 15, 9, 30, tzinfo=timezone.utc)  # 10:30 in Madrid (CET)
    rows = activities.list_activities(session=session, ctx=ctx, lead_id=lead.id)
    assert [(r.id, r.overdue) for r in rows] == [(late.id, True), (soon.id, False), (done.id, False)]
    assert rows[1].owner_name == "Rosa Rep" and done.completed_at is not None
    activities.set_status(session=session, ctx=ctx, activity_id=late.id, status="completed")
    session.commit()
    assert not activities.list_activities(session=session, ctx=ctx, lead_id=lead.id)[-1].overdue


def test_activity_input_is_checked_at_the_field(session, team_a, team_b, lead):
    with pytest.raises(ValidationFailed) as err:
        activities.create_activity(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, data={
            "type": "party", "subject": " ", "due_at": "tomorrow", "status": "maybe",
            "owner_id": team_b.rep.id})
    assert set(err.value.field_errors) == {"type", "subject", "due_at", "status", "owner_id"}
    with pytest.raises(ValidationFailed) as err:  # 02:30 does not exist in Madrid that night
        activities.create_activity(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, data={
            "subject": "DST", "due_at": "2026-03-29T02:30"})
    assert "due_at" in err.value.field_errors
    with pytest.raises(NotFound):
        activities.create_activity(session=session, ctx=team_b.rep_ctx, lead_id=lead.id, data={"subject": "x"})


def test_editing_an_activity_checks_each_field_and_records_what_changed(session, team_a, team_b, lead):
    ctx = team_a.rep_ctx
    act = activities.create_activity(session=session, ctx=ctx, lead_id=lead.id, data={
        "type": "call", "subject": "Call back", "due_at": "2026-03-28T10:00", "description": "Ask for Ana"})
    session.commit()
    # the form starts with the due time in the team's zone (10:00 Madrid, stored 09:00 UTC)
    assert activities.form_values(session=session, ctx=ctx, activity_id=act.id) == {
        "id": str(act.id), "type": "call", "subject": "Call back", "description": "Ask for Ana",
        "due_at": "2026-03-28T10:00", "status": "planned", "owner_id": str(team_a.rep.id)}
    with pytest.raises(ValidationFailed) as err:
        activities.update_activity(session=session, ctx=ctx, activity_id=act.id, changes={
            "type": "party", "subject": "", "due_at": "2026-03-29T02:30", "status": "maybe",
            "owner_id": team_b.rep.id, "description": "x" * 5001})
    assert set(err.value.field_errors) == {"type", "subject", "due_at", "status", "owner_id", "description"}
    assert "does not exist in Europe/Madrid" in err.value.field_errors["due_at"]
    session.rollback()
    with pytest.raises(ValidationFailed) as err:
        activities.update_activity(session=session, ctx=ctx, activity_id=act.id, changes={"colour": "red"})
    assert err.value.field_errors == {"colour": "Unknown field."}
    session.rollback()
    stored = activities.get_activity(session=session, ctx=ctx, activity_id=act.id)
    assert (stored.subject, stored.type, stored.description) == ("Call back", "call", "Ask for Ana")

    # summer time: 2026-06-01 09:30 in Madrid is 07:30 UTC
    activities.update_activity(session=session, ctx=ctx, activity_id=act.id, changes={
        "type": "event", "subject": "  Demo   at their office ", "due_at": "2026-06-01T09:30",
        "status": "planned", "owner_id": str(team_a.rep2.id), "description": "Bring the deck"})
    session.commit()
    stored = activities.get_activity(session=session, ctx=ctx, activity_id=act.id)
    assert (stored.type, stored.subject, stored.owner_id, stored.description) == (
        "event", "Demo at their office", team_a.rep2.id, "Bring the deck")
    assert activities.form_values(session=session, ctx=ctx, activity_id=act.id)["due_at"] == "2026-06-01T09:30"
    row = activities.list_activities(session=session, ctx=ctx, lead_id=lead.id)[0]
    assert row.due_at.replace(tzinfo=timezone.utc) == datetime(2026, 6, 1, 7, 30, tzinfo=timezone.utc)
    assert row.owner_name == "Rosa Rep" and row.overdue  # planned, and June 2026 has passed

    # the edit is on the lead's timeline: what changed, from -> to (status unchanged, not listed)
    edits = [i for i in timeline.lead_timeline(session=session, ctx=ctx, lead_id=lead.id).items
             if i.kind == "event" and i.title == activities.ACTIVITY_UPDATED]
    assert len(edits) == 1 and edits[0].actor == "Raúl Rep"
    changes = edits[0].details["changes"]
    assert set(changes) == {"type", "subject", "due_at", "owner_id", "description"}
    assert changes["subject"] == ["Call back", "Demo at their office"]
    assert changes["due_at"] == ["2026-03-28T09:00:00+00:00", "2026-06-01T07:30:00+00:00"]
    assert changes["owner_id"] == [team_a.rep.id, team_a.rep2.id]
    assert edits[0].details["subject"] == "Demo at their office"

    # saving the same values again records nothing; completing is not an "edit"
    activities.update_activity(session=session, ctx=ctx, activity_id=act.id, changes={
        "subject": "Demo at their office", "due_at": "2026-06-01 09:30", "type": "EVENT"})
    activities.set_status(session=session, ctx=ctx, activity_id=act.id, status="completed")
    session.commit()
    edits = [i for i in timeline.lead_timeline(session=session, ctx=ctx, lead_id=lead.id).items
             if i.kind == "event" and i.title == activities.ACTIVITY_UPDATED]
    assert len(edits) == 1
    # clearing the due date is an edit too
    activities.update_activity(session=session, ctx=ctx, activity_id=act.id, changes={"due_at": ""})
    session.commit()
    assert activities.get_activity(session=session, ctx=ctx, activity_id=act.id).due_at is None
    with pytest.raises(NotFound):
        activities.update_activity(session=session, ctx=team_b.admin_ctx, activity_id=act.id,
                                   changes={"subject": "spy"})
    with pytest.raises(NotFound):
        activities.form_values(session=session, ctx=team_b.admin_ctx, activity_id=act.id)


def test_only_owners_and_managers_change_someone_elses_activity(session, team_a, lead):
    act = activities.create_activity(session=session, ctx=team_a.manager_ctx, lead_id=lead.id,
                                     data={"subject": "Manager's task", "owner_id": team_a.manager.id})
    session.commit()
    with pytest.raises(PermissionDenied):
        activities.delete_activity(session=session, ctx=team_a.rep2_ctx, activity_id=act.id)
    # the rep owns the lead, so may
    activities.update_activity(session=session, ctx=team_a.rep_ctx, activity_id=act.id,
                               changes={"subject": "Renamed"})
    activities.delete_activity(session=session, ctx=team_a.manager_ctx, activity_id=act.id)
    session.commit()


def test_notes_are_added_by_members_and_deleted_by_author_or_manager(session, team_a, team_b, lead):
    note = notes.add_note(session=session, ctx=team_a.rep2_ctx, lead_id=lead.id, body="  Called, busy. ")
    session.commit()
    assert note.body == "Called, busy."
    with pytest.raises(ValidationFailed):
        notes.add_note(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, body="   ")
    with pytest.raises(NotFound):
        notes.add_note(session=session, ctx=team_b.admin_ctx, lead_id=lead.id, body="spy")
    with pytest.raises(PermissionDenied):
        notes.delete_note(session=session, ctx=team_a.rep_ctx, note_id=note.id)
    notes.delete_note(session=session, ctx=team_a.manager_ctx, note_id=note.id)
    session.commit()


def test_campaign_membership_is_added_once_and_removed(session, team_a, team_b, lead):
    fair = campaigns.create_campaign(session=session, ctx=team_a.rep_ctx, name="Trade fair 2026")
    assert campaigns.create_campaign(session=session, ctx=team_a.rep_ctx, name="trade FAIR 2026").id == fair.id
    assert campaigns.add_lead(session=session, ctx=team_a.rep_ctx, campaign_id=fair.id, lead_id=lead.id)
    assert not campaigns.add_lead(session=session, ctx=team_a.rep_ctx, campaign_id=fair.id, lead_id=lead.id)
    session.commit()
    assert [c.name for c, _ in campaigns.campaigns_of_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id)] == [
        "Trade fair 2026"]
    with pytest.raises(NotFound):
        campaigns.add_lead(session=session, ctx=team_b.admin_ctx, campaign_id=fair.id, lead_id=lead.id)
    assert campaigns.remove_lead(session=session, ctx=team_a.rep_ctx, campaign_id=fair.id, lead_id=lead.id)
    session.commit()
    assert campaigns.campaigns_of_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id) == []
    assert [c.name for c in campaigns.list_campaigns(session=session, ctx=team_a.rep_ctx, search="fair")] == [
        "Trade fair 2026"]
    assert campaigns.list_campaigns(session=session, ctx=team_b.rep_ctx) == []


def test_documents_are_stored_under_the_data_folder_with_a_size_limit(session, team_a, team_b, lead, data_dir):
    doc = documents.upload_document(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                                    filename="../../etc/passwd\x00.txt", content=b"hello",
                                    content_type="text/plain")
    session.commit()
    assert doc.filename == "passwd_.txt" and doc.size_bytes == 5
    _, path = documents.open_document(session=session, ctx=team_a.rep2_ctx, document_id=doc.id)
    assert data_dir.resolve() / "documents" in path.parents and path.read_bytes() == b"hello"
    with pytest.raises(NotFound):
        documents.open_document(session=session, ctx=team_b.admin_ctx, document_id=doc.id)
    with pytest.raises(ValidationFailed) as err:
        documents.upload_document(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, filename="big.bin",
                                  content=b"x" * (1024 * 1024 + 1))
    assert err.value.field_errors == {"file": "Files can be at most 1 MB."}
    with pytest.raises(ValidationFailed):
        documents.upload_document(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, filename="e", content=b"")
    # nothing left behind by refused uploads, and a rolled-back upload removes its file
    assert len(list((data_dir / "documents").rglob("*"))) == 2  # team folder + one file
    documents.upload_document(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, filename="tmp", content=b"t")
    session.rollback()
    assert len(list((data_dir / "documents").rglob("*"))) == 2
    with pytest.raises(PermissionDenied):
        documents.delete_document(session=session, ctx=team_a.rep2_ctx, document_id=doc.id)
    documents.delete_document(session=session, ctx=team_a.rep_ctx, document_id=doc.id)
    session.commit()
    assert not path.exists()


def test_timeline_is_newest_first_paged_and_team_scoped(session, team_a, team_b, lead):
    ctx = team_a.rep_ctx
    leads.update_lead(session=session, ctx=ctx, lead_id=lead.id, changes={"status": "Contacted"})
    session.add(Outreach(team_id=team_a.team.id, user_id=team_a.rep.id, type=int(OutreachType.CALL),
                         phone="+34612345678", occurred_at=datetime.now(timezone.utc) + timedelta(seconds=5),
                         lead_id=lead.id, description="Left a voicemail", call_outcome="voicemail"))
    session.commit()
    notes.add_note(session=session, ctx=ctx, lead_id=lead.id, body="First note")
    session.commit()
    activities.create_activity(session=session, ctx=ctx, lead_id=lead.id, data={"subject": "Follow up"})
    session.commit()
    page = timeline.lead_timeline(session=session, ctx=ctx, lead_id=lead.id, page_size=3)
    assert page.total == 5 and page.pages == 2
    kinds = [i.kind for i in page.items]
    assert kinds[0] == "outreach" and page.items[0].details["call_outcome"] == "voicemail"
    rest = timeline.lead_timeline(session=session, ctx=ctx, lead_id=lead.id, page=2, page_size=3).items
    assert [i.kind for i in rest] == ["status", "status"]
    assert rest[0].details == {"from": "New", "to": "Contacted"} and rest[0].actor == "Raúl Rep"
    assert rest[1].details == {"from": "", "to": "New"}
    with pytest.raises(NotFound):
        timeline.lead_timeline(session=session, ctx=team_b.admin_ctx, lead_id=lead.id)
