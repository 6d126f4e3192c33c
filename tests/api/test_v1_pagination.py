"""v1 cursor pagination: pages in a stable order that never repeat or skip a record while
records are added between pages, opaque cursors that refuse tampering, filters kept."""

from datetime import timedelta

import pytest
from sqlmodel import update

from leadhub.services import leads
from leadhub.services.models import Lead, utcnow
from tests.api.v1_support import bearer, make_key, outbox  # noqa: F401


@pytest.fixture
def h(session, team_a, outbox):
    return bearer(make_key(session, team_a))


def _add(session, team, n, prefix="Lead", **data):
    ids = [leads.create_lead(session=session, ctx=team.rep_ctx, data={"last_name": f"{prefix} {i}", **data}).id
           for i in range(n)]
    session.commit()
    return ids


def _walk(client, h, path="/api/v1/leads", between=None, **params):
    seen, cursor, pages = [], None, 0
    while True:
        answer = client.get(path, headers=h, params={**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        seen += [r["id"] for r in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages
        if between:
            between(pages)


def test_newest_first_pages_skip_nothing_and_repeat_nothing_while_leads_arrive(session, client, h, team_a):
    original = _add(session, team_a, 23)
    arrived = []
    seen, pages = _walk(client, h, limit=5, between=lambda page: arrived.extend(_add(session, team_a, 2, f"New{page}")))
    assert pages == 5 and len(arrived) == 8
    assert seen == sorted(original, reverse=True)          # exactly the leads there when paging began
    everything, _ = _walk(client, h, limit=200)
    assert set(everything) == set(original) | set(arrived)


def test_oldest_first_pages_pick_up_new_leads_at_the_end(session, client, h, team_a):
    original = _add(session, team_a, 12)
    arrived = []
    seen, _ = _walk(client, h, limit=4, sort="created_at",
                    between=lambda page: arrived.extend(_add(session, team_a, 1, f"New{page}")))
    assert seen == original + arrived and len(seen) == len(set(seen))


def test_equal_timestamps_are_ordered_by_id_without_gaps(session, client, h, team_a):
    ids = _add(session, team_a, 9)
    same = utcnow() - timedelta(days=1)
    session.exec(update(Lead).values(created_at=same, updated_at=same))
    session.commit()
    for sort, expected in (("-created_at", sorted(ids, reverse=True)), ("created_at", sorted(ids)),
                           ("updated_at", sorted(ids))):
        assert _walk(client, h, limit=2, sort=sort)[0] == expected, sort


def test_updated_since_and_filters_apply_to_every_page(session, client, h, team_a):
    hot = _add(session, team_a, 7, "Hot", rating="Hot")
    _add(session, team_a, 5, "Cold", rating="Cold")
    assert sorted(_walk(client, h, limit=3, rating="Hot")[0]) == hot
    assert sorted(_walk(client, h, limit=2, search="hot")[0]) == hot
    mark = utcnow()
    leads.update_lead(session=session, ctx=team_a.rep_ctx, lead_id=hot[2], changes={"city": "Lugo"})
    session.commit()
    since = client.get("/api/v1/leads", headers=h, params={"updated_since": mark.isoformat(), "sort": "updated_at"})
    assert [r["id"] for r in since.json()["data"]] == [hot[2]]


def test_cursors_are_opaque_and_bound_to_their_sort(session, client, h, team_a):
    _add(session, team_a, 3)
    cursor = client.get("/api/v1/leads", headers=h, params={"limit": 1}).json()["next_cursor"]
    assert cursor and "Lead" not in cursor
    for bad in (cursor[:-1] + ("0" if cursor[-1] != "0" else "1"), "garbage", "a.b", cursor + "x", "x" * 1999,
                cursor.split(".")[0] + ".ñ", "ñ.ñ"):
        answer = client.get("/api/v1/leads", headers=h, params={"limit": 1, "cursor": bad})
        assert answer.status_code == 422 and set(answer.json()["error"]["field_errors"]) == {"cursor"}, bad
    answer = client.get("/api/v1/leads", headers=h, params={"limit": 1, "cursor": cursor, "sort": "updated_at"})
    assert answer.status_code == 422
    assert client.get("/api/v1/leads", headers=h, params={"limit": 1, "cursor": cursor}).status_code == 200


@pytest.mark.parametrize("path,make", [
    ("/api/v1/accounts", lambda c, h, i: c.post("/api/v1/accounts", headers=h, json={"name": f"Cuenta {i}"})),
    ("/api/v1/contacts", lambda c, h, i: c.post("/api/v1/contacts", headers=h, json={"last_name": f"C{i}"})),
    ("/api/v1/deals", lambda c, h, i: c.post("/api/v1/deals", headers=h, json={"name": f"D{i}"})),
    ("/api/v1/outreach", lambda c, h, i: c.post("/api/v1/outreach", headers=h, json={
        "type": "email", "description": "x", "occurred_at": "2026-01-05T10:00:00Z", "email": f"x{i}@y.es"})),
])
def test_every_list_pages_the_same_way(client, h, path, make):
    created = [make(client, h, i).json()["id"] for i in range(7)]
    seen, pages = _walk(client, h, path=path, limit=3)
    assert seen == sorted(created, reverse=True) and pages == 3
    seen, _ = _walk(client, h, path=path, limit=3, sort="created_at",
                    between=lambda page: make(client, h, 100 + page))
    assert seen[:7] == sorted(created) and len(seen) == len(set(seen)) == 9
