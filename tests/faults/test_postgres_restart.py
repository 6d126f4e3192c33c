"""PostgreSQL restarted in the middle of a burst of public form submissions (our own server,
restarted with `pg_ctl restart -m fast`, which cuts every connection). The form endpoint is
served by granian from another process, as in production. Every submission is either stored
whole (lead, form submission, status history, events) and answered 200, or refused with a
clear, retryable 503 and not stored at all; once the server is back, the pool's dead
connections are replaced and a retried submission goes through."""

from __future__ import annotations

import threading
import time
from collections import Counter
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session

from leadhub.services import auth, forms
from leadhub.services.context import TeamContext
from leadhub.services.db import engine_for
from tests.faults.conftest import empty_database, process_env

CLIENTS = 6


def _form(engine) -> tuple[str, int]:
    with Session(engine) as session:
        team, admin = auth.sign_up(session=session, team_name="Reinicio Ventas", email="admin@reinicio.es",
                                   password="reinicio-pass-1", timezone="Europe/Madrid", currency="EUR")
        form = forms.save_form(session=session, ctx=TeamContext(team.id, admin.id, "admin"), data={
            "name": "Contacto", "fields": [{"name": "first_name"}, {"name": "last_name"},
                                           {"name": "email", "required": True}, {"name": "company"}],
            "lead_source": "Web Form"})
        session.commit()
        return form.key, form.id


def _body(key: str, email: str, n: int) -> bytes:
    return urlencode({"_t": forms.fill_token(key, time.time() - 30), "first_name": "Íñigo",
                      "last_name": f"Muñoz {n}", "email": email, "company": f"Peñas {n} S.L."}).encode()


class Burst:
    def __init__(self, url: str, key: str):
        self.url, self.key = url, key
        self.results: list[tuple[str, int, dict, dict]] = []   # email, status, headers, json
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counter = iter(range(10**6))

    def post(self, client: httpx.Client, email: str, n: int):
        response = client.post(f"{self.url}/api/forms/{self.key}/submit", content=_body(self.key, email, n),
                               headers={"Content-Type": "application/x-www-form-urlencoded",
                                        "Accept": "application/json"})
        try:
            payload = response.json()
        except ValueError:
            payload = {"raw": response.text[:300]}
        return response.status_code, dict(response.headers), payload

    def client(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                n = next(self.counter)
                email = f"visitante.{n}@empresa{n % 7}.es"
                try:
                    status, headers, payload = self.post(client, email, n)
                except httpx.HTTPError as exc:       # the HTTP server itself must stay up
                    status, headers, payload = -1, {}, {"exception": repr(exc)}
                with self.lock:
                    self.results.append((email, status, headers, payload))

    def codes(self) -> Counter:
        with self.lock:
            return Counter(status for _, status, _, _ in self.results)


def test_postgres_restart_during_a_form_burst_gives_clean_503s_and_nothing_half_written(
        tmp_path, own_postgres, processes):
    empty_database(own_postgres.url)
    engine = engine_for(own_postgres.url)
    key, form_id = _form(engine)
    app = processes.api(process_env(
        database_url=own_postgres.url, data_dir=tmp_path / "data", LEADHUB_FORM_RATE_LIMIT="1000000/60",
        LEADHUB_DB_CONNECT_TIMEOUT="2", LEADHUB_DB_POOL_TIMEOUT="5"), workers=2)
    burst = Burst(f"http://127.0.0.1:{app.port}", key)
    threads = [threading.Thread(target=burst.client, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while burst.codes()[200] < 30 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert burst.codes()[200] >= 30, (burst.codes(), burst.results[-3:])
        before = len(burst.results)
        own_postgres.stop("fast")              # every connection cut, the server gone ...
        time.sleep(2.0)                        # ... for two seconds of the burst
        during = burst.codes()
        own_postgres.start()
        restarted_at = len(burst.results)
        deadline = time.monotonic() + 60
        while sum(1 for r in burst.results[restarted_at:] if r[1] == 200) < 30 \
                and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        burst.stop.set()
        for thread in threads:
            thread.join(timeout=60)

    codes = burst.codes()
    assert set(codes) <= {200, 503}, (codes, [r for r in burst.results if r[1] not in (200, 503)][:3],
                                      app.output()[-3000:])
    assert during[503] >= 1, during                                  # the outage was seen ...
    assert sum(1 for r in burst.results[restarted_at:] if r[1] == 200) >= 30   # ... and recovered
    assert len(burst.results) > before
    refused = [r for r in burst.results if r[1] == 503]
    for _, _, headers, payload in refused:
        assert int(headers["retry-after"]) > 0
        assert payload["error"]["type"] and payload["error"]["message"], payload

    accepted = {email for email, status, _, _ in burst.results if status == 200}
    refused_emails = {email for email, _, _, _ in refused}
    with engine.connect() as conn:
        leads = conn.execute(text("SELECT email, count(*) FROM lead GROUP BY email")).all()
        stored = dict(leads)
        # Whole or nothing: every lead has its submission, its status history and its event.
        orphans = conn.execute(text(
            "SELECT count(*) FROM lead l WHERE NOT EXISTS (SELECT 1 FROM form_submission s "
            "WHERE s.lead_id = l.id) OR NOT EXISTS (SELECT 1 FROM lead_status_history h "
            "WHERE h.lead_id = l.id)")).scalar()
        submissions = conn.execute(text("SELECT count(*) FROM form_submission WHERE form_id = :f"),
                                   {"f": form_id}).scalar()
        submitted_events = conn.execute(text(
            "SELECT count(*) FROM domain_event WHERE name = 'FormSubmitted'")).scalar()
        created_events = conn.execute(text(
            "SELECT count(*) FROM domain_event WHERE name = 'LeadCreated'")).scalar()
    assert set(stored) == accepted and set(stored.values()) == {1}
    assert not (refused_emails & set(stored))
    assert orphans == 0
    assert submissions == len(accepted) == created_events == submitted_events

    # Retryable: the refused submissions go through when sent again.
    retry = sorted(refused_emails)[:5]
    with httpx.Client(timeout=30) as client:
        assert [burst.post(client, email, 900000 + i)[0] for i, email in enumerate(retry)] == [200] * len(retry)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM lead WHERE email = ANY(:e)"),
                            {"e": retry}).scalar() == len(retry)
