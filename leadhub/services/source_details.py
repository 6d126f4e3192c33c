"""Where a lead came from on the web: the UTM parameters, referrer and page address its web-form
submissions recorded (forms.FormSubmission), newest first, for the lead page.

Values are shown exactly as the visitor's browser sent them, so they are untrusted text: only
http(s) addresses are offered as links (`safe_link`); everything else is plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from sqlmodel import Session, select

from leadhub.services.context import TeamContext
from leadhub.services.errors import NotFound
from leadhub.services.forms import UTM_KEYS, FormSubmission, WebForm
from leadhub.services.models import Lead


@dataclass(frozen=True)
class SourceVisit:
    """One web-form submission of a lead and what the visitor's browser told about the visit."""

    submission_id: int
    form_name: str
    submitted_at: datetime
    created_lead: bool
    utm: dict[str, str]
    referrer: str
    page_url: str


def lead_source_visits(*, session: Session, ctx: TeamContext, lead_id: int, limit: int = 5) -> list[SourceVisit]:
    """The lead's latest web-form submissions that carried UTM parameters, a referrer or a page
    address (a submission that carried none tells nothing and is left out)."""
    if session.exec(select(Lead.id).where(Lead.team_id == ctx.team_id, Lead.id == lead_id)).first() is None:
        raise NotFound("This lead does not exist or belongs to another team.")
    rows = session.exec(
        select(FormSubmission, WebForm.name)
        .join(WebForm, WebForm.id == FormSubmission.form_id)
        .where(FormSubmission.team_id == ctx.team_id, WebForm.team_id == ctx.team_id,
               FormSubmission.lead_id == lead_id)
        .order_by(FormSubmission.submitted_at.desc(), FormSubmission.id.desc())
        .limit(max(1, min(limit, 50)) * 4)).all()
    visits: list[SourceVisit] = []
    for row, form_name in rows:
        utm = {key: getattr(row, key) for key in UTM_KEYS if getattr(row, key)}
        if not (utm or row.referrer or row.page_url):
            continue
        visits.append(SourceVisit(submission_id=row.id, form_name=form_name, submitted_at=row.submitted_at,
                                  created_lead=row.created_lead, utm=utm, referrer=row.referrer,
                                  page_url=row.page_url))
        if len(visits) >= limit:
            break
    return visits


def safe_link(url: str) -> str:
    """`url` when it is an http(s) address a browser may follow, else '' (show it as text)."""
    text = (url or "").strip()
    try:
        parsed = urlparse(text)
    except ValueError:
        return ""
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return ""
    if any(ord(c) < 33 or c in "\"'<>`\\" for c in text):
        return ""
    return text
