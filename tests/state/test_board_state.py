"""The board page's state: it calls the board service, shows one team's window of cards,
keeps its size bounded, refuses forged events, and tells the loser of a contested move."""

from __future__ import annotations

import asyncio
import json

import pytest
from reflex.istate.data import RouterData
from reflex.state import State

from leadhub.services import auth, board, leads
from leadhub.services.demo import DEMO_USERS, load_demo
from leadhub.services.models import Lead
from leadhub.state.board import PAGE, WINDOW, BoardState, TeamLive


def _login(session, email, password):
    token, _ = auth.login(session=session, email=email, password=password)
    session.commit()
    return token


@pytest.fixture
def unlinked(monkeypatch):
    """Linking needs the app's state manager; in a standalone tree the shared state stays
    this browser's own copy."""
    async def link_to(self, token):
        return self
    monkeypatch.setattr(TeamLive, "_link_to", link_to)


def make_board(token: str, route: str = "/board") -> BoardState:
    root = State(_reflex_internal_init=True)
    root.router = RouterData(route_id=route)
    state = root.get_substate(BoardState.get_full_name().split("."))
    state.token = token
    return state


def run(coro):
    return asyncio.run(coro)


async def delta_bytes(state: BoardState) -> int:
    delta = await state._get_root_state()._get_resolved_delta()
    return len(json.dumps(delta, default=str).encode())


def test_on_load_shows_the_callers_team_in_columns(app_database, session, team_a, team_b, unlinked):
    for i in range(3):
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": f"Alpha{i}",
                                                                     "rating": "Hot"})
    leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Later",
                                                                 "status": "Contacted"})
    leads.create_lead(session=session, ctx=team_b.rep_ctx, data={"last_name": "BetaOnly"})
    session.commit()
    state = make_board(_login(session, team_a.rep.email, "rep-pass-1"))
    run(state.on_load())
    columns = run(state.columns)
    assert [c.status for c in columns] == board.COLUMNS
    assert [c.name for c in columns[0].cards] == ["Alpha2", "Alpha1", "Alpha0"]
    assert columns[0].count == 3 and columns[1].count == 1
    assert columns[0].cards[0].initials == "RR" and columns[0].cards[0].rating == "Hot"
    assert {o[1] for o in state.owners} >= {"Raúl Rep", "Rosa Rep"}

    state.set_search("alpha1")
    columns = run(state.columns)
    assert [c.name for c in columns[0].cards] == ["Alpha1"] and columns[1].count == 0


def test_a_move_from_the_keyboard_menu_is_saved_and_announced(app_database, session, team_a,
                                                               unlinked):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Keyboard"})
    session.commit()
    state = make_board(_login(session, team_a.rep.email, "rep-pass-1"))
    run(state.on_load())
    card = run(state.columns)[0].cards[0]
    run(state.move_card(card.id, card.version, "Qualified"))
    assert "Keyboard moved to Qualified" in state.announcement
    columns = run(state.columns)
    assert columns[0].count == 0 and [c.name for c in columns[2].cards] == ["Keyboard"]
    session.expire_all()
    assert session.get(Lead, lead.id).status == "Qualified"


def test_a_drop_payload_from_the_browser_moves_below_the_target_card(app_database, session,
                                                                     team_a, unlinked):
    for name in ("A", "B", "M"):
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": name})
    session.commit()
    state = make_board(_login(session, team_a.rep.email, "rep-pass-1"))
    run(state.on_load())
    m, b, a = run(state.columns)[0].cards
    run(state.on_drop({"source": {"kind": "card", "id": m.id, "version": m.version},
                       "dropTargets": [{"kind": "card", "id": a.id, "status": "New",
                                        "closestEdge": "bottom"},
                                       {"kind": "column", "status": "New", "last": a.id}]}))
    assert [c.name for c in run(state.columns)[0].cards] == ["B", "A", "M"]


def test_the_loser_of_a_contested_move_is_told_and_sees_the_winner(app_database, session, team_a,
                                                                   unlinked):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Contested"})
    session.commit()
    state = make_board(_login(session, team_a.rep.email, "rep-pass-1"))
    run(state.on_load())
    card = run(state.columns)[0].cards[0]
    board.move(session=session, ctx=team_a.rep2_ctx, lead_id=lead.id, to_status="Unqualified",
               expected_version=int(card.version))  # a teammate, first
    session.commit()
    result = run(state.move_card(card.id, card.version, "Qualified"))
    assert "toast" in repr(result).lower() and "now in Unqualified" in repr(result)
    columns = run(state.columns)
    assert [c.name for c in columns[3].cards] == ["Contested"] and columns[2].count == 0


def test_dropping_on_converted_opens_the_dialog_and_cancel_keeps_the_card(app_database, session,
                                                                          team_a, unlinked):
    leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Almost"})
    session.commit()
    state = make_board(_login(session, team_a.rep.email, "rep-pass-1"))
    run(state.on_load())
    card = run(state.columns)[0].cards[0]
    run(state.on_drop({"source": {"kind": "card", "id": card.id, "version": card.version},
                       "dropTargets": [{"kind": "column", "status": "Converted", "last": ""}]}))
    assert state.convert_open and state.convert_name == "Almost"
    state.close_conversion()
    assert not state.convert_open
    assert [c.name for c in run(state.columns)[0].cards] == ["Almost"]


def test_spanish_messages_for_refused_moves(app_database, session, team_a, unlinked):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Hecho"})
    session.commit()
    session.get(Lead, lead.id).status = "Converted"
    session.commit()
    state = make_board(_login(session, team_a.rep.email, "rep-pass-1"))
    state.lang = "es"
    run(state.on_load())
    card = run(state.columns)[4].cards[0]
    result = run(state.move_card(card.id, card.version, "New"))
    assert "no puede salir de Convertido" in repr(result)


def test_forged_events_change_nothing(app_database, session, team_a, team_b, unlinked):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Kept"})
    session.commit()
    for token in ("", "forged-token"):
        state = make_board(token)
        assert "redirect" in repr(run(state.on_load())).lower()
        state.ready = True
        assert run(state.columns) == []
        assert "redirect" in repr(run(state.move_card(str(lead.id), "1", "Qualified"))).lower()
    outsider = make_board(_login(session, team_b.admin.email, "admin-pass-1"))
    run(outsider.on_load())
    run(outsider.move_card(str(lead.id), "1", "Qualified"))
    run(outsider.on_drop({"source": {"kind": "card", "id": str(lead.id), "version": "1"},
                          "dropTargets": [{"kind": "column", "status": "Qualified"}]}))
    run(outsider.move_card("not-a-number", "x", "Qualified"))
    run(outsider.on_drop("garbage"))
    outsider.set_filter("token", "x")  # not a filter: ignored
    outsider.load_more("Dormant", 50)
    assert outsider.token != "x" and "Dormant" not in outsider.windows
    session.expire_all()
    assert session.get(Lead, lead.id).status == "New"


def test_state_size_is_bounded_by_the_window_not_the_team(app_database, session, team_a, unlinked):
    result = load_demo(session=session, leads=1500, seed=5)
    session.commit()
    token, _ = auth.login(session=session, email=DEMO_USERS[0].email,
                          password=DEMO_USERS[0].password, team_id=result.team.id)
    session.commit()
    state = make_board(token)
    run(state.on_load())
    columns = run(state.columns)
    first = run(delta_bytes(state))
    assert all(c.shown <= PAGE for c in columns) and sum(c.count for c in columns) == 1500
    biggest = max(columns, key=lambda c: c.count)
    for _ in range(6):  # scroll far down the biggest column
        state.load_more(biggest.status, state.windows.get(biggest.status, [0, PAGE])[0]
                        + state.windows.get(biggest.status, [0, PAGE])[1])
    columns = run(state.columns)
    scrolled = next(c for c in columns if c.status == biggest.status)
    assert scrolled.shown <= WINDOW and scrolled.offset > 0 and scrolled.more_above
    after = run(delta_bytes(state))
    assert first < 150 * 1024 and after < 150 * 1024, (first, after)


def test_nothing_is_read_on_other_pages(app_database, session, team_a, unlinked):
    leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Elsewhere"})
    session.commit()
    state = make_board(_login(session, team_a.rep.email, "rep-pass-1"), route="/leads")
    run(state.on_load())
    assert run(state.columns) == []


def test_a_segment_filter_narrows_the_board_and_a_foreign_one_is_refused(app_database, session,
                                                                          team_a, team_b, unlinked):
    from leadhub.services import segments

    for name, city in (("Vasco", "Bilbao"), ("Andaluz", "Sevilla")):
        leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": name,
                                                                     "city": city})
    ours = segments.create_segment(session=session, ctx=team_a.rep_ctx, data={
        "name": "Bilbaínos", "conditions": [{"field": "city", "operator": "equals",
                                             "value": "bilbao"}]})
    theirs = segments.create_segment(session=session, ctx=team_b.rep_ctx, data={
        "name": "Ajeno", "conditions": [{"field": "city", "operator": "not_empty"}]})
    session.commit()
    state = make_board(_login(session, team_a.rep.email, "rep-pass-1"))
    run(state.on_load())
    assert state.segment_choices == [[str(ours.id), "Bilbaínos"]]

    refused = state.set_filter("segment_filter", str(theirs.id))
    assert "does not exist" in repr(refused) and state.segment_filter == "all"
    assert [c.name for c in run(state.columns)[0].cards] == ["Andaluz", "Vasco"]

    state.set_filter("segment_filter", str(ours.id))
    assert [c.name for c in run(state.columns)[0].cards] == ["Vasco"]

    # deleted since it was picked: the next visit shows the whole board again
    segments.delete_segment(session=session, ctx=team_a.rep_ctx, segment_id=ours.id)
    session.commit()
    run(state.on_load())
    assert state.segment_filter == "all" and state.segment_choices == []
    assert len(run(state.columns)[0].cards) == 2


def test_pushes_to_a_teams_shared_token_do_not_warn_but_other_lost_deltas_still_do(caplog):
    import logging

    import leadhub.state.board  # noqa: F401 - installs the filter

    reflex_log = logging.getLogger("reflex.app")
    with caplog.at_level(logging.WARNING, logger="reflex.app"):
        reflex_log.warning("Attempting to send delta to disconnected client 'team-7'")
        reflex_log.warning("Attempting to send delta to disconnected client 'a1b2c3'")
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["Attempting to send delta to disconnected client 'a1b2c3'"]
