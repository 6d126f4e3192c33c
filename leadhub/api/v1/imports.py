"""/imports: a CSV file of leads for the CSV import service (services/imports.py), which checks
every row with the lead form's rules and matches duplicates like the import wizard."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Response, status
from pydantic import AfterValidator, BaseModel, Field

from leadhub.api.v1.deps import Caller, PathId, unit_of_work
from leadhub.api.v1.errors import STANDARD
from leadhub.api.v1.schemas import Id, Input, Text, plain_text
from leadhub.services import imports

router = APIRouter(prefix="/imports", tags=["imports"], responses=STANDARD)
MAX_CONTENT_CHARS = 10_000_000


class ImportCreate(Input):
    filename: Text(255, min_length=1) = "import.csv"
    content: Annotated[str, Field(min_length=1, max_length=MAX_CONTENT_CHARS,
                                  description="the CSV file's text: a header row, then one lead a row; "
                                              "comma, semicolon, tab or pipe separated"),
                       AfterValidator(plain_text)]
    mapping: dict[Text(255), Text(80)] | None = Field(
        None, description="column header → lead field (first_name, last_name, full_name, email, "
                          "custom field keys as cf.<key> …; \"\" leaves a column out). Left out: "
                          "the mapping the wizard would suggest from the headers.")
    duplicates: Literal["skip", "update", "create"] = Field(
        "skip", description="rows matching an existing lead: skip them, update the lead with the "
                            "row's non-empty values, or create anyway")
    owner_id: Id | None = Field(None, description="owner of the new leads; default: the key's member")
    lead_source: Text(60) = ""
    campaign_id: Id | None = None


class ImportRead(BaseModel):
    id: int
    status: str = Field(description="queued, running, done, failed, undoing or undone")
    filename: str
    total: int
    processed: int
    created: int
    updated: int
    skipped: int
    errors: int = Field(description="rows left out; see /imports/{id}/errors")
    message: str
    created_at: datetime
    finished_at: datetime | None
    undone_at: datetime | None


def _read(progress: imports.ImportProgress) -> ImportRead:
    return ImportRead(**{name: getattr(progress, name) for name in ImportRead.model_fields})


@router.post("", response_model=ImportRead, status_code=status.HTTP_202_ACCEPTED, summary="Import leads from CSV",
             description="Checks the mapping and options at once (422 per field) and queues the "
                         "import; poll `GET /imports/{id}` until `status` is done. Rows with bad "
                         "values are left out and listed in `/imports/{id}/errors`; the rest are "
                         "imported. Up to 10 million characters per request.")
def create_import(body: ImportCreate, who: Caller) -> ImportRead:
    options = imports.ImportOptions(duplicates=body.duplicates, owner_id=body.owner_id,
                                    lead_source=body.lead_source, campaign_id=body.campaign_id)
    with unit_of_work() as session:
        job = imports.start_import(session=session, ctx=who.ctx, file_bytes=body.content.encode("utf-8"),
                                   filename=body.filename, mapping=body.mapping or {}, options=options)
        return _read(imports.progress(session=session, ctx=who.ctx, job_id=job.id))


@router.get("/{import_id}", response_model=ImportRead, summary="An import's progress and counts")
def get_import(import_id: PathId, who: Caller) -> ImportRead:
    with unit_of_work() as session:
        return _read(imports.progress(session=session, ctx=who.ctx, job_id=import_id))


@router.get("/{import_id}/errors", summary="Rows an import left out, as CSV",
            response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             "description": "Row (as a spreadsheet numbers it), Column, Reason"}})
def import_errors(import_id: PathId, who: Caller) -> Response:
    with unit_of_work() as session:
        content = imports.error_report_csv(session=session, ctx=who.ctx, job_id=import_id)
    return Response(content, media_type="text/csv; charset=utf-8")


@router.post("/{import_id}/undo", response_model=ImportRead, status_code=status.HTTP_202_ACCEPTED,
             summary="Undo a finished import",
             description="Removes the leads it created and restores the ones it updated (queued).")
def undo_import(import_id: PathId, who: Caller) -> ImportRead:
    with unit_of_work() as session:
        return _read(imports.start_undo(session=session, ctx=who.ctx, job_id=import_id))
