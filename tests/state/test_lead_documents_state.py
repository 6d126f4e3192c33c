"""Uploading documents on the lead page: a lead deleted (or another team's, by a forged id)
while the page is open gets a clear toast, not the generic "something went wrong", and
nothing is stored; bad files still get their own message; Spanish users read it in Spanish."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from leadhub.services import auth, documents, leads
from leadhub.state.lead_detail import LeadDetailState
from tests.state.conftest import make_state


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LEADHUB_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _detail(session, email, password, lead_id):
    token, _ = auth.login(session=session, email=email, password=password)
    session.commit()
    state = make_state(LeadDetailState, token)
    state.record_id = lead_id
    state.require_login()
    return state


def _file(name: str, content: bytes):
    import reflex as rx

    return rx.UploadFile(file=io.BytesIO(content), path=Path(name), size=len(content))


def _upload(state, *files):
    return asyncio.run(state.upload(list(files)))


def _toasts(events) -> list[str]:
    """The texts of the toasts among the returned events."""
    texts = []
    for event in events if isinstance(events, list) else [events]:
        shown = repr(event)
        if "toast" in shown.lower():
            texts.append(shown)
    return texts


def _stored_files(_data_dir: Path) -> list[Path]:
    root = documents.documents_root()
    assert root.is_relative_to(_data_dir)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_uploading_to_a_lead_deleted_meanwhile_says_so(app_database, session, team_a, data_dir):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Borrado"})
    session.commit()
    state = _detail(session, team_a.rep.email, "rep-pass-1", lead.id)
    state.load()
    leads.delete_lead(session=session, ctx=team_a.admin_ctx, lead_id=lead.id)
    session.commit()

    result = _upload(state, _file("contrato.pdf", b"%PDF-1.4 firmado"),
                     _file("factura.pdf", b"%PDF-1.4 pagada"))

    toasts = _toasts(result)
    assert len(toasts) == 1, toasts  # one message, not one per file
    assert "This lead does not exist or belongs to another team." in toasts[0]
    assert "The document was not uploaded." in toasts[0]
    assert "error" in toasts[0].lower()
    assert _stored_files(data_dir) == []


def test_a_forged_lead_id_of_another_team_stores_nothing(app_database, session, team_a, team_b,
                                                         data_dir):
    theirs = leads.create_lead(session=session, ctx=team_b.rep_ctx, data={"last_name": "Ajeno"})
    session.commit()
    state = _detail(session, team_a.rep.email, "rep-pass-1", theirs.id)

    result = _upload(state, _file("espía.txt", b"hola"))

    toasts = _toasts(result)
    assert len(toasts) == 1 and "This lead does not exist or belongs to another team." in toasts[0]
    assert documents.list_documents(session=session, ctx=team_b.rep_ctx, lead_id=theirs.id) == []
    assert _stored_files(data_dir) == []


def test_the_message_is_in_spanish_and_good_files_still_upload(app_database, session, team_a,
                                                               data_dir):
    lead = leads.create_lead(session=session, ctx=team_a.rep_ctx, data={"last_name": "Núñez"})
    session.commit()
    state = _detail(session, team_a.rep.email, "rep-pass-1", lead.id)
    state.load()

    result = _upload(state, _file("vacío.txt", b""), _file("presupuesto.pdf", b"%PDF-1.4 ok"))
    toasts = _toasts(result)
    assert any("vacío.txt: This file is empty." in t for t in toasts), toasts
    assert any("Document uploaded." in t for t in toasts), toasts
    session.expire_all()
    assert [d.filename for d, _ in documents.list_documents(session=session, ctx=team_a.rep_ctx,
                                                         lead_id=lead.id)] == ["presupuesto.pdf"]

    state.lang = "es"
    leads.delete_lead(session=session, ctx=team_a.admin_ctx, lead_id=lead.id)
    session.commit()
    toasts = _toasts(_upload(state, _file("otro.pdf", b"%PDF-1.4")))
    assert len(toasts) == 1 and "El documento no se ha subido." in toasts[0], toasts
