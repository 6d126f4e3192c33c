"""The CSV import wizard (/leads/import): upload, preview and map columns, choose what
duplicates do and the defaults, then a live progress bar; the imports service does the work."""

from __future__ import annotations

import asyncio

import reflex as rx

from leadhub.services import auth, campaigns, custom_fields, forms, imports
from leadhub.services.db import session_scope
from leadhub.services.display import local_time
from leadhub.services.errors import LeadHubError, NotAuthenticated, ValidationFailed
from leadhub.state.session import NONE, SessionState, handles_errors

POLL_SECONDS = 0.5
RUN_HERE_AFTER_SECONDS = 2.0   # no worker took the job by then: run it in this process
SKIP = "skip-column"


class ImportState(SessionState):
    step: str = "upload"                    # upload | map | progress
    job_id: int = 0
    filename: str = ""
    file_info: str = ""
    headers: list[str] = []
    preview_rows: list[list[str]] = []
    mapping: dict[str, str] = {}
    target_choices: list[list[str]] = []
    saved_mappings: list[list[str]] = []
    duplicates: str = "skip"
    owner_id: str = NONE
    lead_source: str = NONE
    campaign_id: str = NONE
    members: list[list[str]] = []
    source_choices: list[str] = []
    campaign_choices: list[list[str]] = []
    field_errors: dict[str, str] = {}
    job: dict[str, str] = {}
    recent: list[dict[str, str]] = []
    watching: bool = False
    uploading: bool = False

    @rx.var
    def percent(self) -> int:
        try:
            return int(self.job.get("percent", "0"))
        except ValueError:
            return 0

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        with session_scope() as session:
            self._load_recent(session, ctx)
        if self.step == "progress" and self.job.get("active"):
            return ImportState.watch_job

    def _load_recent(self, session, ctx) -> None:
        self.recent = [self._job_row(p) for p in imports.recent_imports(session=session, ctx=ctx)]

    def _job_row(self, p: imports.ImportProgress) -> dict[str, str]:
        return {"id": str(p.id), "status": p.status, "filename": p.filename, "total": str(p.total),
                "processed": str(p.processed), "created": str(p.created), "updated": str(p.updated),
                "skipped": str(p.skipped), "errors": str(p.errors), "percent": str(p.percent),
                "message": p.message, "active": "1" if p.active else "",
                "when": local_time(p.created_at, self.team_timezone, "%Y-%m-%d %H:%M")}

    @rx.event
    def restart(self):
        self.step, self.job_id, self.job, self.field_errors = "upload", 0, {}, {}
        self.headers, self.preview_rows, self.mapping = [], [], {}

    # --- 1. upload --------------------------------------------------------------------------

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """Keep the file and show its first rows with a suggested mapping."""
        try:
            ctx = self._ctx()
        except NotAuthenticated:
            return self._to_login()
        if not files:
            return
        file = files[0]
        content = await file.read(imports.MAX_FILE_BYTES + 1)
        name = file.name or file.filename or "import.csv"
        self.field_errors = {}
        try:
            with session_scope() as session:
                job = imports.create_draft(session=session, ctx=ctx, file_bytes=content, filename=name)
                session.flush()
                preview = imports.preview(session=session, ctx=ctx, job_id=job.id)
                self._choices(session, ctx)
                self.saved_mappings = [[str(m.id), m.name] for m in imports.list_mappings(session=session, ctx=ctx)]
        except ValidationFailed as exc:
            message = self.tr(next(iter(exc.field_errors.values()), exc.message))
            self.field_errors = {"file": message}
            return rx.toast.error(message)
        except LeadHubError as exc:
            return rx.toast.error(self.tr(exc.message))
        self.job_id, self.filename = preview.job_id, preview.filename
        delimiter = {"\t": "tab", ";": ";", ",": ",", "|": "|"}.get(preview.delimiter, preview.delimiter)
        self.file_info = f"{preview.total_rows} · {preview.encoding} · {delimiter}"
        self.headers = preview.headers
        self.preview_rows = [[str(c)[:60] for c in row] for row in preview.rows]
        self.mapping = {h: (t or SKIP) for h, t in preview.suggested.items()}
        self.step = "map"

    def _choices(self, session, ctx) -> None:
        schema = custom_fields.lead_schema(session=session, ctx=ctx)
        self.target_choices = [[SKIP, self.tr("Do not import")]] + \
            [[value, self.tr(label) if not value.startswith("cf.") else label]
             for value, label in imports.targets(schema)]
        self.members = [[str(i), name] for i, name in forms.members(session=session, ctx=ctx)]
        self.source_choices = list(schema.options.get("lead_source", []))
        self.campaign_choices = [[str(c.id), c.name] for c in campaigns.list_campaigns(session=session, ctx=ctx,
                                                                                        limit=200)]

    # --- 2. map and choose --------------------------------------------------------------------

    @rx.event
    def set_target(self, header: str, target: str):
        if header in self.mapping:
            self.mapping = {**self.mapping, header: target}

    @rx.event
    def set_duplicates(self, mode: str):
        if mode in imports.DUPLICATE_MODES:
            self.duplicates = mode

    @rx.event
    def set_option(self, name: str, value: str):
        if name in ("owner_id", "lead_source", "campaign_id"):
            setattr(self, name, value)

    @rx.event
    @handles_errors
    def apply_mapping(self, mapping_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            saved = next((m for m in imports.list_mappings(session=session, ctx=ctx) if str(m.id) == mapping_id), None)
        if saved is not None:
            chosen = imports.apply_saved_mapping(self.headers, saved.mapping)
            self.mapping = {h: (chosen.get(h) or SKIP) for h in self.headers}

    @rx.event
    @handles_errors
    def save_mapping(self, form: dict):
        ctx = self._ctx()
        with session_scope() as session:
            imports.save_mapping(session=session, ctx=ctx, name=form.get("mapping_name", ""),
                                 mapping={h: t for h, t in self.mapping.items() if t != SKIP})
            self.saved_mappings = [[str(m.id), m.name] for m in imports.list_mappings(session=session, ctx=ctx)]
        return rx.toast.success(self.tr("Mapping saved."))

    @rx.event
    @handles_errors
    def start(self):
        self.field_errors = {}
        ctx = self._ctx()
        pick = lambda v: None if v in (NONE, "") else v  # noqa: E731
        options = {"duplicates": self.duplicates, "owner_id": pick(self.owner_id),
                   "lead_source": pick(self.lead_source) or "", "campaign_id": pick(self.campaign_id)}
        with session_scope() as session:
            imports.start(session=session, ctx=ctx, job_id=self.job_id,
                          mapping={h: t for h, t in self.mapping.items() if t != SKIP}, options=options)
            self.job = self._job_row(imports.progress(session=session, ctx=ctx, job_id=self.job_id))
        self.step = "progress"
        return ImportState.watch_job

    # --- 3. progress --------------------------------------------------------------------------

    @rx.event(background=True)
    async def watch_job(self):
        """Show the job's progress until it ends; run it here if no worker has taken it."""
        async with self:
            if self.watching or not self.job.get("id"):
                return
            self.watching = True
            token, job_id = self.token, int(self.job["id"])
        waited, runner = 0.0, None
        try:
            while True:
                try:
                    with session_scope() as session:
                        ctx = auth.resolve_session(session=session, token=token).ctx
                        progress = imports.progress(session=session, ctx=ctx, job_id=job_id)
                        recent = imports.recent_imports(session=session, ctx=ctx)
                except (LeadHubError, NotAuthenticated):
                    return
                async with self:
                    self.job = self._job_row(progress)
                    self.recent = [self._job_row(p) for p in recent]
                if not progress.active:
                    return
                if waited >= RUN_HERE_AFTER_SECONDS and runner is None:
                    if progress.status == "queued":
                        runner = asyncio.create_task(asyncio.to_thread(imports.run_import, job_id))
                    elif progress.status == "undoing":
                        runner = asyncio.create_task(asyncio.to_thread(imports.run_undo, job_id))
                await asyncio.sleep(POLL_SECONDS)
                waited += POLL_SECONDS
        finally:
            async with self:
                self.watching = False

    @rx.event
    @handles_errors
    def undo(self, job_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            progress = imports.start_undo(session=session, ctx=ctx, job_id=int(job_id))
            self._load_recent(session, ctx)
        self.job = self._job_row(progress)
        self.step = "progress"
        return ImportState.watch_job

    @rx.event
    @handles_errors
    def show_job(self, job_id: str):
        ctx = self._ctx()
        with session_scope() as session:
            self.job = self._job_row(imports.progress(session=session, ctx=ctx, job_id=int(job_id)))
        self.step = "progress"
        if self.job.get("active"):
            return ImportState.watch_job
