"""The status board on a real database: columns and totals for a filter, paging, moves and
their order, rules, status history, and two reps moving the same card at once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from leadhub.services import board, leads, segments, team_signal, timeline
from leadhub.services.board import BoardFilter
from leadhub.services.errors import NotFound, StaleRecord, ValidationFailed
from leadhub.services.models import (
    Campaign,
    CampaignMember,
    DomainEvent,
    Lead,
    LeadStatusHistory,
)


def make(session, ctx, last_name, **fields):
    lead = leads.create_lead(session=session, ctx=ctx, data={"last_name": last_name, **fields})
    session.commit()
    return lead


def names(session, ctx, status, flt=BoardFilter(), limit=50):
    page = board.column_cards(session=session, ctx=ctx, status=status, flt=flt, limit=limit)
    return [card.name for card in page.cards]


def fresh(session, lead_id):
    session.expire_all()
    return session.get(Lead, lead_id)


def do_move(session, ctx, lead, to_status, **anchors):
    lead = fresh(session, lead.id)
    result = board.move(session=session, ctx=ctx, lead_id=lead.id, to_status=to_status,
                        expected_version=lead.version, **anchors)
    session.commit()
    return result


# --- columns, totals and filters ----------------------------------------------------------

def test_columns_count_and_sum_budgets_for_the_filter(session, team_a, team_b):
    make(session, team_a.rep_ctx, "Uno", budget="1000", rating="Hot", lead_source="Referral")
    make(session, team_a.rep_ctx, "Dos", budget="250.50", status="Contacted")
    make(session, team_a.rep2_ctx, "Tres", budget="99", rating="Hot", status="Contacted")
    make(session, team_a.rep2_ctx, "Cuatro", status="Qualified")
    make(session, team_b.rep_ctx, "Otro equipo", budget="5000")

    totals = {t.status: (t.count, t.budget) for t in
              board.column_totals(session=session, ctx=team_a.rep_ctx, flt=BoardFilter())}
    assert list(totals) == board.COLUMNS
    assert totals == {"New": (1, Decimal("1000.00")), "Contacted": (2, Decimal("349.50")),
                      "Qualified": (1, Decimal("0.00")), "Unqualified": (0, Decimal("0.00")),
                      "Converted": (0, Decimal("0.00"))}

    mine = BoardFilter(owner_id=team_a.rep.id)
    totals = {t.status: t.count for t in
              board.column_totals(session=session, ctx=team_a.rep_ctx, flt=mine)}
    assert totals["Contacted"] == 1 and totals["Qualified"] == 0
    assert names(session, team_a.rep_ctx, "Contacted", mine) == ["Dos"]

    hot = BoardFilter(rating="Hot")
    assert names(session, team_a.rep_ctx, "Contacted", hot) == ["Tres"]
    assert names(session, team_a.rep_ctx, "New", BoardFilter(lead_source="Referral")) == ["Uno"]
    assert names(session, team_a.rep_ctx, "New", BoardFilter(search="otro")) == []


def test_campaign_and_text_search_filters(session, team_a):
    joined = make(session, team_a.rep_ctx, "Núñez", company="Peña Software")
    make(session, team_a.rep_ctx, "Outsider")
    campaign = Campaign(team_id=team_a.team.id, name="Feria")
    session.add(campaign)
    session.flush()
    session.add(CampaignMember(team_id=team_a.team.id, campaign_id=campaign.id, lead_id=joined.id))
    session.commit()

    in_campaign = BoardFilter(campaign_id=campaign.id)
    assert names(session, team_a.rep_ctx, "New", in_campaign) == ["Núñez"]
    counts = {t.status: t.count for t in
              board.column_totals(session=session, ctx=team_a.rep_ctx, flt=in_campaign)}
    assert counts["New"] == 1
    assert names(session, team_a.rep_ctx, "New", BoardFilter(search="nunez pena")) == ["Núñez"]
    assert board.team_campaigns(session=session, ctx=team_a.rep_ctx) == [(campaign.id, "Feria")]


def test_a_column_pages_by_position_with_a_keyset(session, team_a):
    for i in range(7):
        make(session, team_a.rep_ctx, f"Lead{i}")
    first = board.column_cards(session=session, ctx=team_a.rep_ctx, status="New",
                               flt=BoardFilter(), limit=3)
    assert [c.name for c in first.cards] == ["Lead6", "Lead5", "Lead4"] and first.has_more
    second = board.column_cards(session=session, ctx=team_a.rep_ctx, status="New",
                                flt=BoardFilter(), limit=3, after=first.cursor)
    third = board.column_cards(session=session, ctx=team_a.rep_ctx, status="New",
                               flt=BoardFilter(), limit=3, after=second.cursor)
    assert [c.name for c in second.cards] == ["Lead3", "Lead2", "Lead1"]
    assert [c.name for c in third.cards] == ["Lead0"] and not third.has_more
    loaded = board.load_board(session=session, ctx=team_a.rep_ctx, flt=BoardFilter(),
                              windows={"New": (0, 2)})
    assert len(loaded.columns["New"].cards) == 2 and loaded.columns["New"].has_more
    window = board.load_board(session=session, ctx=team_a.rep_ctx, flt=BoardFilter(),
                              windows={"New": (5, 3)}).columns["New"]
    assert [c.name for c in window.cards] == ["Lead1", "Lead0"] and not window.has_more
    assert loaded.columns["Contacted"].cards == []


def test_the_board_shows_only_the_callers_team(session, team_a, team_b):
    make(session, team_b.rep_ctx, "Ajeno")
    loaded = board.load_board(session=session, ctx=team_a.rep_ctx, flt=BoardFilter())
    assert all(page.cards == [] for page in loaded.columns.values())
    assert sum(t.count for t in loaded.totals) == 0
    with pytest.raises(ValidationFailed):
        board.column_cards(session=session, ctx=team_a.rep_ctx, status="Dormant", flt=BoardFilter())


# --- moves --------------------------------------------------------------------------------

def test_moving_to_another_column_records_history_event_and_signal(session, team_a):
    lead = make(session, team_a.rep_ctx, "Mover")
    seen = lead.version
    signal_before = team_signal.current(session=session, team_id=team_a.team.id)
    result = do_move(session, team_a.rep2_ctx, lead, "Qualified")
    assert result.status_changed and result.from_status == "New" and result.version == seen + 1
    assert result.team_version == signal_before + 1
    moved = fresh(session, lead.id)
    assert (moved.status, moved.version) == ("Qualified", result.version)
    history = session.exec(select(LeadStatusHistory).where(LeadStatusHistory.lead_id == lead.id)
                           .order_by(LeadStatusHistory.id)).all()
    assert [(h.from_status, h.to_status, h.changed_by) for h in history][-1] == \
        ("New", "Qualified", team_a.rep2.id)
    assert history[-1].changed_at is not None
    event = session.exec(select(DomainEvent).where(DomainEvent.lead_id == lead.id,
                                                   DomainEvent.name == "LeadStatusChanged")).one()
    assert (event.payload["from"], event.payload["to"], event.user_id) == \
        ("New", "Qualified", team_a.rep2.id)
    story = timeline.lead_timeline(session=session, ctx=team_a.rep_ctx, lead_id=lead.id).items
    assert (story[0].kind, story[0].details, story[0].actor) == \
        ("status", {"from": "New", "to": "Qualified"}, "Rosa Rep")


def test_cards_land_between_their_new_neighbours_and_stay_there(session, team_a):
    a, b, c = (make(session, team_a.rep_ctx, n, status="Contacted") for n in ("A", "B", "C"))
    assert names(session, team_a.rep_ctx, "Contacted") == ["C", "B", "A"]
    mover = make(session, team_a.rep_ctx, "M")
    do_move(session, team_a.rep_ctx, mover, "Contacted", before_id=b.id)
    assert names(session, team_a.rep_ctx, "Contacted") == ["C", "M", "B", "A"]
    do_move(session, team_a.rep_ctx, mover, "Contacted", after_id=a.id)
    assert names(session, team_a.rep_ctx, "Contacted") == ["C", "B", "A", "M"]
    history = session.exec(select(LeadStatusHistory).where(LeadStatusHistory.lead_id == mover.id)).all()
    assert len(history) == 2  # created + one status change; the reorder is not a status change
    do_move(session, team_a.rep_ctx, c, "Contacted", after_id=b.id)
    do_move(session, team_a.rep_ctx, mover, "Contacted")  # no anchor: top of the column
    with Session(session.get_bind()) as other:  # what a reload sees
        assert names(other, team_a.rep_ctx, "Contacted") == ["M", "B", "C", "A"]


def test_a_crowded_gap_renumbers_the_column_and_keeps_the_order(session, team_a):
    top, bottom = (make(session, team_a.rep_ctx, n) for n in ("Top", "Bottom"))
    expected = ["Bottom", "Top"]
    # Always drop just below "Bottom": the gap halves each time until it is renumbered.
    for i in range(60):
        lead = make(session, team_a.rep_ctx, f"L{i:02d}", status="Contacted")
        do_move(session, team_a.rep_ctx, lead, "New", before_id=top.id)
        expected.insert(len(expected) - 1, f"L{i:02d}")
    assert names(session, team_a.rep_ctx, "New", limit=100) == expected
    positions = [c.position for c in board.column_cards(
        session=session, ctx=team_a.rep_ctx, status="New", flt=BoardFilter(), limit=100).cards]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


def test_dropping_a_card_onto_itself_changes_nothing(session, team_a):
    lead = make(session, team_a.rep_ctx, "Self")
    seen = lead.version
    result = do_move(session, team_a.rep_ctx, lead, "New", before_id=lead.id)
    assert result.version == fresh(session, lead.id).version == seen


# --- rules --------------------------------------------------------------------------------

def test_a_converted_lead_cannot_leave_converted(session, team_a):
    lead = make(session, team_a.rep_ctx, "Done")
    session.get(Lead, lead.id).status = "Converted"
    session.commit()
    with pytest.raises(ValidationFailed, match="cannot be moved out of Converted"):
        do_move(session, team_a.rep_ctx, lead, "Qualified")
    assert fresh(session, lead.id).status == "Converted"


def test_dropping_on_converted_only_requests_the_conversion(session, team_a):
    lead = make(session, team_a.rep_ctx, "Almost")
    seen = lead.version
    result = do_move(session, team_a.rep_ctx, lead, "Converted")
    assert result.conversion_requested and not result.status_changed
    after = fresh(session, lead.id)
    assert (after.status, after.version) == ("New", seen)


def test_bad_columns_and_other_teams_leads_are_refused(session, team_a, team_b):
    lead = make(session, team_a.rep_ctx, "Mine")
    with pytest.raises(ValidationFailed):
        board.move(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, to_status="Won",
                   expected_version=lead.version)
    with pytest.raises(NotFound):
        board.move(session=session, ctx=team_b.admin_ctx, lead_id=lead.id, to_status="Qualified",
                   expected_version=lead.version)
    # an anchor from another team is ignored: the card goes on top of its own column
    foreign = make(session, team_b.rep_ctx, "Foreign", status="Qualified")
    other = make(session, team_a.rep_ctx, "Other", status="Qualified")
    do_move(session, team_a.rep_ctx, lead, "Qualified", after_id=foreign.id)
    assert names(session, team_a.rep_ctx, "Qualified") == ["Mine", "Other"]
    assert fresh(session, foreign.id).status == "Qualified"


# --- concurrency ----------------------------------------------------------------------------

def test_the_second_of_two_moves_from_the_same_version_is_refused(session, team_a):
    lead = make(session, team_a.rep_ctx, "Contested")
    seen = lead.version
    engine = session.get_bind()
    with Session(engine) as first, Session(engine) as second:
        board.move(session=first, ctx=team_a.rep_ctx, lead_id=lead.id, to_status="Qualified",
                   expected_version=seen)
        first.commit()
        with pytest.raises(StaleRecord, match="now in Qualified"):
            board.move(session=second, ctx=team_a.rep2_ctx, lead_id=lead.id,
                       to_status="Unqualified", expected_version=seen)
        second.rollback()
    after = fresh(session, lead.id)
    assert (after.status, after.version) == ("Qualified", seen + 1)
    history = session.exec(select(LeadStatusHistory.to_status)
                           .where(LeadStatusHistory.lead_id == lead.id)).all()
    assert "Unqualified" not in history


def test_simultaneous_moves_in_threads_let_exactly_one_win(session, team_a):
    lead = make(session, team_a.rep_ctx, "Race")
    seen = lead.version
    engine = session.get_bind()
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def rep_moves(ctx, status):
        with Session(engine) as own:
            barrier.wait()
            try:
                board.move(session=own, ctx=ctx, lead_id=lead.id, to_status=status,
                           expected_version=seen)
                own.commit()
                outcomes[status] = "won"
            except StaleRecord:
                own.rollback()
                outcomes[status] = "stale"

    threads = [threading.Thread(target=rep_moves, args=(team_a.rep_ctx, "Qualified")),
               threading.Thread(target=rep_moves, args=(team_a.rep2_ctx, "Unqualified"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes.values()) == ["stale", "won"]
    winner = next(status for status, outcome in outcomes.items() if outcome == "won")
    after = fresh(session, lead.id)
    assert (after.status, after.version) == (winner, seen + 1)
    changes = session.exec(select(LeadStatusHistory).where(
        LeadStatusHistory.lead_id == lead.id, LeadStatusHistory.from_status == "New")).all()
    assert [h.to_status for h in changes] == [winner]


def test_an_edit_in_the_leads_list_makes_an_older_board_move_stale(session, team_a):
    lead = make(session, team_a.rep_ctx, "Edited")
    seen = lead.version
    signal = team_signal.current(session=session, team_id=team_a.team.id)
    leads.update_lead(session=session, ctx=team_a.rep2_ctx, lead_id=lead.id,
                      changes={"company": "Nueva SL"})
    session.commit()
    assert team_signal.current(session=session, team_id=team_a.team.id) == signal + 1
    with pytest.raises(StaleRecord):
        board.move(session=session, ctx=team_a.rep_ctx, lead_id=lead.id, to_status="Qualified",
                   expected_version=seen)


def test_listeners_hear_committed_changes_only(session, team_a):
    heard: list[tuple[int, int]] = []
    listener = lambda team, version: heard.append((team, version))  # noqa: E731
    team_signal.subscribe(listener)
    try:
        make(session, team_a.rep_ctx, "Heard")
        assert heard and heard[-1][0] == team_a.team.id
        count = len(heard)
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Unheard"})
        session.rollback()
        make(session, team_a.rep_ctx, "Heard again")
        assert len(heard) == count + 1
        assert heard[-1][1] == team_signal.current(session=session, team_id=team_a.team.id)
    finally:
        team_signal._listeners.remove(listener)


@pytest.mark.parametrize("in_memory", [5000, 2])
def test_a_search_gives_the_same_board_read_either_way(session, team_a, monkeypatch, in_memory):
    """Few matches are cut from one read of the matches; many take the column walk."""
    monkeypatch.setattr(board, "SEARCH_IN_MEMORY", in_memory)
    for i in range(4):
        make(session, team_a.rep_ctx, f"García{i}", budget=str(100 * (i + 1)),
             status="Contacted" if i % 2 else "New")
    make(session, team_a.rep_ctx, "Otro", budget="999")
    loaded = board.load_board(session=session, ctx=team_a.rep_ctx, flt=BoardFilter(search="garcia"),
                              windows={"New": (0, 1), "Contacted": (1, 5)})
    totals = {t.status: (t.count, t.budget) for t in loaded.totals}
    assert totals["New"] == (2, Decimal("400.00")) and totals["Contacted"] == (2, Decimal("600.00"))
    assert [c.name for c in loaded.columns["New"].cards] == ["García2"]
    assert loaded.columns["New"].has_more
    assert [c.name for c in loaded.columns["Contacted"].cards] == ["García1"]
    assert not loaded.columns["Contacted"].has_more


# --- a saved segment as the board's filter (issue #8) ----------------------------------------

def lead_segment(session, ctx, name, *conditions, match="all", shared=True):
    segment = segments.create_segment(session=session, ctx=ctx, data={
        "name": name, "entity": "lead", "match": match, "shared": shared,
        "conditions": [{"field": f, "operator": o, "value": v} for f, o, v in conditions]})
    session.commit()
    return segment


def test_a_segment_filters_columns_counts_and_budget_sums(session, team_a, team_b):
    make(session, team_a.rep_ctx, "Ana Madrid", city="Madrid", budget="1.000")
    make(session, team_a.rep_ctx, "Bea Madrid", city="Madrid", budget="250", status="Contacted")
    make(session, team_a.rep_ctx, "Cía Sevilla", city="Sevilla", budget="9000")
    make(session, team_a.rep2_ctx, "Dani Madrid", city="madrid", status="Contacted",
         budget="50", rating="Hot")
    make(session, team_b.rep_ctx, "Otro Madrid", city="Madrid", budget="7777")
    madrid = lead_segment(session, team_a.rep_ctx, "Madrileños", ("city", "equals", "Madrid"))

    flt = BoardFilter(segment_id=madrid.id)
    loaded = board.load_board(session=session, ctx=team_a.rep2_ctx, flt=flt)
    totals = {t.status: (t.count, t.budget) for t in loaded.totals}
    assert totals["New"] == (1, Decimal("1000.00"))
    assert totals["Contacted"] == (2, Decimal("300.00"))
    assert [c.name for c in loaded.columns["New"].cards] == ["Ana Madrid"]
    assert {c.name for c in loaded.columns["Contacted"].cards} == {"Bea Madrid", "Dani Madrid"}
    assert names(session, team_a.rep_ctx, "Contacted", BoardFilter(segment_id=madrid.id)) \
        == ["Dani Madrid", "Bea Madrid"]

    # the segment and the board's own filters narrow together, searched or not
    both = BoardFilter(segment_id=madrid.id, rating="Hot")
    totals = {t.status: t.count for t in
              board.column_totals(session=session, ctx=team_a.rep_ctx, flt=both)}
    assert totals == {"New": 0, "Contacted": 1, "Qualified": 0, "Unqualified": 0, "Converted": 0}
    searched = board.load_board(session=session, ctx=team_a.rep_ctx,
                                flt=BoardFilter(segment_id=madrid.id, search="bea"))
    assert [c.name for c in searched.columns["Contacted"].cards] == ["Bea Madrid"]
    assert sum(t.count for t in searched.totals) == 1

    # a segment matching any of its conditions, with a number test
    either = lead_segment(session, team_a.rep_ctx, "Sevilla o grandes", ("city", "equals", "Sevilla"),
                          ("budget", "gte", "1000"), match="any")
    loaded = board.load_board(session=session, ctx=team_a.rep_ctx,
                              flt=BoardFilter(segment_id=either.id))
    assert {c.name for c in loaded.columns["New"].cards} == {"Ana Madrid", "Cía Sevilla"}


def test_a_segment_follows_moves_and_edits(session, team_a):
    hot = lead_segment(session, team_a.rep_ctx, "Calientes", ("rating", "equals", "Hot"))
    lead = make(session, team_a.rep_ctx, "Pronto caliente", rating="Warm")
    flt = BoardFilter(segment_id=hot.id)
    assert sum(t.count for t in board.column_totals(session=session, ctx=team_a.rep_ctx,
                                                    flt=flt)) == 0
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=lead.id,
                      changes={"rating": "Hot"})
    session.commit()
    do_move(session, team_a.rep_ctx, lead, "Qualified")
    assert names(session, team_a.rep_ctx, "Qualified", flt) == ["Pronto caliente"]


def test_segments_of_other_teams_private_ones_and_contact_segments_are_refused(
        session, team_a, team_b):
    make(session, team_a.rep_ctx, "Visible", city="Bilbao")
    theirs = lead_segment(session, team_b.rep_ctx, "Suyo", ("city", "equals", "Bilbao"))
    private = lead_segment(session, team_a.rep2_ctx, "Privado", ("city", "equals", "Bilbao"),
                           shared=False)
    contacts = segments.create_segment(session=session, ctx=team_a.rep_ctx, data={
        "name": "Contactos", "entity": "contact",
        "conditions": [{"field": "first_name", "operator": "not_empty"}]})
    session.commit()
    for segment_id in (theirs.id, private.id, 999_999):
        with pytest.raises(NotFound):
            board.load_board(session=session, ctx=team_a.rep_ctx,
                             flt=BoardFilter(segment_id=segment_id))
    with pytest.raises(ValidationFailed):
        board.load_board(session=session, ctx=team_a.rep_ctx,
                         flt=BoardFilter(segment_id=contacts.id))
    # its author sees their private segment on their board
    loaded = board.load_board(session=session, ctx=team_a.rep2_ctx,
                              flt=BoardFilter(segment_id=private.id))
    assert [c.name for c in loaded.columns["New"].cards] == ["Visible"]
