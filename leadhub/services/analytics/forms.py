"""The web-form funnel (views → submissions → qualified → converted), against the smallest
interface the forms feature has to offer; until a provider is registered (or while the team
has no forms) the dashboard says "no forms yet" instead of showing zeros.

The forms feature (services/forms.py) registers a provider with `register_provider(fn)`; `fn(session=, sc=)`
returns one `FormCounts` per form with its views and submissions in the scope's range and the
ids of the leads those submissions created. Qualified and converted are counted here from those
leads, with the same definitions as the lead-source chart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, func, select

from leadhub.services.analytics.filters import Scope, lead_where
from leadhub.services.models import Lead, LeadStatus


@dataclass(frozen=True)
class FormCounts:
    form_id: int
    name: str
    views: int
    submissions: int
    lead_ids: list[int]


@dataclass(frozen=True)
class FormFunnel:
    rows: list[dict]   # form_id, name, views, submissions, qualified, converted


_provider: Callable[..., list[FormCounts]] | None = None


def register_provider(provider: Callable[..., list[FormCounts]] | None) -> None:
    global _provider
    _provider = provider


def lead_ids(*, session: Session, sc: Scope, form_id: int | None = None) -> list[int]:
    """Leads created by submissions in the range (one form's, or every form's)."""
    if _provider is None:
        return []
    return [lead_id for form in _provider(session=session, sc=sc)
            if form_id is None or form.form_id == form_id for lead_id in form.lead_ids]


def funnel(*, session: Session, sc: Scope) -> FormFunnel | None:
    """None while no forms feature is installed."""
    if _provider is None:
        return None
    rows = []
    for form in _provider(session=session, sc=sc):
        qualified = converted = 0
        if form.lead_ids:
            qualified, converted = session.exec(select(
                func.count().filter(Lead.status.in_((LeadStatus.QUALIFIED.value, LeadStatus.CONVERTED.value))),
                func.count().filter(Lead.status == LeadStatus.CONVERTED.value))
                .where(*lead_where(sc, dated=False), Lead.id.in_(form.lead_ids))).one()
        rows.append({"form_id": form.form_id, "name": form.name, "views": form.views,
                     "submissions": form.submissions, "qualified": int(qualified or 0),
                     "converted": int(converted or 0)})
    return FormFunnel(rows=rows)
