"""The records behind a bar or a segment: a paged list built from the same conditions as the
chart, so its total is the number the chart showed.

A chart point carries a small spec, e.g. {"object": "outreach", "bucket": "2026-03-23",
"grain": "week", "type": 2}; `drilldown` adds the spec's conditions to the scope's and pages
the result in SQL. Unknown keys or values are refused, never ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select as sa_select
from sqlmodel import Session, select

from leadhub.services.analytics import forms as form_stats
from leadhub.services.analytics import metrics
from leadhub.services.analytics.filters import (
    AnalyticsFilter,
    Scope,
    contact_where,
    deal_where,
    lead_where,
    outreach_where,
    scope,
)
from leadhub.services.analytics.timebuckets import utc_bounds
from leadhub.services.context import TeamContext
from leadhub.services.errors import ValidationFailed
from leadhub.services.models import (
    Activity,
    CampaignMember,
    Contact,
    Deal,
    Lead,
    Outreach,
    ResponseStatus,
    User,
    utcnow,
)
from leadhub.services.outreach import RESPONDED
from leadhub.services.paging import Page, clamp

OBJECTS = ("outreach", "leads", "deals", "contacts", "tasks")


@dataclass(frozen=True)
class DrillRow:
    kind: str
    id: int
    title: str
    detail: str
    when: datetime | date | None
    amount: Any = None
    currency: str = ""
    status: str = ""
    owner: str = ""


def _bad(key: str) -> ValidationFailed:
    return ValidationFailed(field_errors={key: "This chart point cannot be opened."})


def _int(spec: dict, key: str) -> int:
    try:
        return int(spec[key])
    except (TypeError, ValueError) as exc:
        raise _bad(key) from exc


def _outreach_conditions(sc: Scope, spec: dict) -> list:
    conditions = list(outreach_where(sc))
    for key, value in spec.items():
        if key in ("object", "grain"):
            continue
        if key == "bucket":
            grain = spec.get("grain", sc.flt.grain)
            try:
                start, end = utc_bounds(date.fromisoformat(str(value)), grain, sc)
            except ValueError as exc:
                raise _bad(key) from exc
            conditions += [Outreach.occurred_at >= start, Outreach.occurred_at < end]
        elif key == "type":
            conditions.append(Outreach.type == _int(spec, key))
        elif key == "channel":
            conditions.append(func.coalesce(Outreach.channel, "") == str(value))
        elif key == "user_id":
            conditions.append(Outreach.user_id == _int(spec, key))
        elif key == "response":
            statuses = {"responded": RESPONDED,
                        "delivered": tuple(s.value for s in ResponseStatus if s != ResponseStatus.BOUNCED)
                        }.get(value, (value,))
            if not set(statuses) <= {s.value for s in ResponseStatus}:
                raise _bad(key)
            conditions.append(Outreach.response_status.in_(statuses))
        elif key == "outcome":
            conditions.append(Outreach.call_outcome == str(value))
        else:
            raise _bad(key)
    return conditions


def _lead_conditions(session: Session, sc: Scope, spec: dict) -> list:
    basis = spec.get("basis", "created")
    if basis == "created":
        conditions = list(lead_where(sc))
    elif basis == "converted":
        conditions = list(metrics.rep_conversions_where(sc))
    elif basis == "touched":
        touched = sa_select(Outreach.lead_id).where(*outreach_where(sc), Outreach.lead_id.is_not(None))
        if "user_id" in spec:
            touched = touched.where(Outreach.user_id == _int(spec, "user_id"))
        conditions = [Lead.team_id == sc.team_id, Lead.id.in_(touched)]
    elif basis == "campaign":
        member = sa_select(CampaignMember.lead_id).where(
            CampaignMember.team_id == sc.team_id, CampaignMember.campaign_id == _int(spec, "campaign_id"))
        conditions = [*lead_where(sc, dated=False), Lead.id.in_(member)]
    elif basis == "form":
        form_id = _int(spec, "form_id") if "form_id" in spec else None
        ids = form_stats.lead_ids(session=session, sc=sc, form_id=form_id)
        conditions = [*lead_where(sc, dated=False), Lead.id.in_(ids)]
    else:
        raise _bad("basis")
    for key, value in spec.items():
        if key in ("object", "basis", "campaign_id", "form_id") or (key == "user_id" and basis == "touched"):
            continue
        if key == "lead_source":
            conditions.append(Lead.lead_source == str(value))
        elif key == "status":
            conditions.append(Lead.status == str(value))
        elif key == "stage":
            if value == "qualified":
                conditions.append(Lead.status.in_(metrics.QUALIFIED))
            elif value == "converted":
                conditions.append(Lead.status == metrics.CONVERTED)
            else:
                raise _bad(key)
        elif key == "user_id":
            conditions.append(Lead.owner_id == _int(spec, key))
        else:
            raise _bad(key)
    return conditions


def _deal_conditions(sc: Scope, spec: dict) -> list:
    """Conditions for deals; `joins` says what a basis brings in, which decides the keys a
    spec may add (type and channel need the deal's outreach, lead_source needs Lead)."""
    basis = spec.get("basis", "won")
    joins: list = []
    if basis == "won":
        conditions = [*deal_where(sc, by="close"), Deal.stage == metrics.WON]
    elif basis == "pipeline":
        conditions = [*deal_where(sc, by="created"), Deal.stage.not_in(metrics.CLOSED)]
    elif basis == "funnel":
        conditions, joins = list(metrics.funnel_deals_where(sc)), [Outreach]
    elif basis == "roi":
        conditions, joins = list(metrics.roi_won_where(sc)), [Outreach]
    elif basis == "source":
        conditions, joins = list(metrics.source_won_where(sc)), [Lead]
    elif basis == "campaign":
        conditions = [*metrics.campaign_leads_where(sc, _int(spec, "campaign_id")), Deal.lead_id == Lead.id,
                      Deal.team_id == sc.team_id, Deal.stage == metrics.WON]
        joins = [Lead, CampaignMember]
    else:
        raise _bad("basis")
    for key, value in spec.items():
        if key in ("object", "basis", "campaign_id"):
            continue
        if key in ("type", "channel") and Outreach in joins:
            conditions.append(_origin_is(Deal, spec, key))
        elif key == "lead_source" and Lead in joins:
            conditions.append(Lead.lead_source == str(value))
        elif key == "user_id":
            conditions.append(Deal.owner_id == _int(spec, key))
        elif key == "won" and value:
            conditions.append(Deal.stage == metrics.WON)
        else:
            raise _bad(key)
    return conditions


def _origin_is(record, spec: dict, key: str):
    """The contact's or deal's outreach has this type or channel (as metrics.origin_keys groups)."""
    kind, channel = metrics.origin_keys(record)
    return kind == _int(spec, key) if key == "type" else channel == str(spec[key])


def _contact_conditions(sc: Scope, spec: dict, now: datetime) -> list:
    basis = spec.get("basis", "age")
    if basis == "funnel":
        conditions = list(metrics.funnel_contacts_where(sc))
    elif basis in ("age", "touches"):
        conditions = list(contact_where(sc))
    else:
        raise _bad("basis")
    for key, value in spec.items():
        if key in ("object", "basis"):
            continue
        if key in ("type", "channel") and basis == "funnel":
            conditions.append(_origin_is(Contact, spec, key))
        elif key == "bucket" and basis == "age" and value in metrics.AGE_BUCKETS:
            conditions.append(metrics.age_bucket(now) == value)
        elif key == "bucket" and basis == "touches" and value in metrics.TOUCH_BUCKETS:
            touches = metrics.touch_counts(sc)
            counted = sa_select(Contact.id).select_from(Contact).outerjoin(
                touches, touches.c.contact_id == Contact.id).where(
                *contact_where(sc), metrics.touch_bucket(touches.c.touches) == value)
            conditions.append(Contact.id.in_(counted))
        else:
            raise _bad(key)
    return conditions


def drilldown(*, session: Session, ctx: TeamContext, flt: AnalyticsFilter, spec: dict[str, Any],
              page: int = 1, page_size: int = 25, now: datetime | None = None) -> Page[DrillRow]:
    """One page of the records behind a chart point, newest first."""
    sc = scope(session=session, ctx=ctx, flt=flt)
    now = now or utcnow()
    kind = spec.get("object")
    if kind not in OBJECTS:
        raise _bad("object")
    page, page_size, offset = clamp(page, page_size)
    owner = func.coalesce(User.full_name, User.email, "")
    if kind == "outreach":
        conditions = _outreach_conditions(sc, spec)
        base = select(Outreach, owner).select_from(Outreach).outerjoin(User, User.id == Outreach.user_id)
        order = (Outreach.occurred_at.desc(), Outreach.id.desc())
        count_from = Outreach
    elif kind == "leads":
        conditions = _lead_conditions(session, sc, spec)
        base = select(Lead, owner).select_from(Lead).outerjoin(User, User.id == Lead.owner_id)
        order = (Lead.created_at.desc(), Lead.id.desc())
        count_from = Lead
    elif kind == "deals":
        conditions = _deal_conditions(sc, spec)
        base = select(Deal, owner).select_from(Deal).outerjoin(User, User.id == Deal.owner_id)
        order = (Deal.close_date.desc().nulls_last(), Deal.id.desc())
        count_from = Deal
    elif kind == "contacts":
        conditions = _contact_conditions(sc, spec, now)
        base = select(Contact, owner).select_from(Contact).outerjoin(User, User.id == Contact.owner_id)
        order = (Contact.last_contacted_at.desc().nulls_last(), Contact.id.desc())
        count_from = Contact
    else:
        bucket = spec.get("bucket")
        if bucket not in metrics.DUE_BUCKETS or set(spec) - {"object", "bucket"}:
            raise _bad("bucket")
        conditions = [*metrics.followups_where(sc), metrics.due_bucket(sc, now) == bucket]
        base = select(Activity, owner).select_from(Activity).outerjoin(User, User.id == Activity.owner_id)
        order = (Activity.due_at, Activity.id)
        count_from = Activity
    total = session.exec(select(func.count()).select_from(count_from).where(*conditions)).one()
    rows = session.exec(base.where(*conditions).order_by(*order).offset(offset).limit(page_size)).all()
    return Page(items=[_row(kind, record, name) for record, name in rows], total=total, page=page,
                page_size=page_size)


def _row(kind: str, record: Any, owner: str) -> DrillRow:
    if kind == "outreach":
        from leadhub.services.outreach import TYPE_LABELS, OutreachType

        target = record.channel or record.email or record.phone or record.value or ""
        return DrillRow(kind, record.id, f"{TYPE_LABELS[OutreachType(record.type)]} {target}".strip(),
                        record.description[:120], record.occurred_at, status=record.response_status,
                        owner=owner)
    if kind == "leads":
        name = " ".join(p for p in (record.first_name, record.last_name) if p)
        return DrillRow(kind, record.id, name, record.company or record.lead_source, record.created_at,
                        amount=record.budget, status=record.status, owner=owner)
    if kind == "deals":
        return DrillRow(kind, record.id, record.name, record.stage, record.close_date or record.created_at,
                        amount=record.amount, currency=record.currency, status=record.stage, owner=owner)
    if kind == "contacts":
        name = " ".join(p for p in (record.first_name, record.last_name) if p)
        return DrillRow(kind, record.id, name, record.email, record.last_contacted_at, owner=owner)
    return DrillRow(kind, record.id, record.subject, record.type, record.due_at, status=record.status,
                    owner=owner)

