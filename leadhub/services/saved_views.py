"""Saved views of the leads list: filters, columns and sort, kept per user or shared with the team.

A view stores what the list screen shows, never the leads themselves: `filters` (search,
status, rating, source, industry, owner, a creation period, custom-field values), `columns`
(standard column names and `cf.<key>` for custom fields) and a sort. Two built-in views,
"My hot leads" and "New this week", are always there; they are code, not rows.

`query_for` turns a view's filters into a `LeadQuery`, resolving "me" to the caller and
periods such as "this week" in the team's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, Index, or_
from sqlmodel import Field, Session, SQLModel, select

from leadhub.services import custom_fields, teamtime
from leadhub.services.context import TeamContext
from leadhub.services.errors import NotFound, PermissionDenied, ValidationFailed, clean_name
from leadhub.services.models import LeadStatus, Rating, Team, utcnow

STANDARD_COLUMNS = {
    "name": "Name", "company": "Company", "title": "Title", "email": "E-mail", "phone": "Phone",
    "mobile": "Mobile", "status": "Status", "rating": "Rating", "lead_source": "Source",
    "industry": "Industry", "owner": "Owner", "score": "Score", "budget": "Budget", "city": "City",
    "country": "Country", "created_at": "Created", "updated_at": "Updated",
    "last_contacted_at": "Last contacted",
}
DEFAULT_COLUMNS = ("name", "company", "email", "phone", "status", "rating", "lead_source", "owner",
                   "score", "created_at")
PERIODS = {"today": "Today", "this_week": "This week", "this_month": "This month",
           "last_30_days": "Last 30 days"}
FILTER_KEYS = ("search", "status", "rating", "lead_source", "industry", "owner", "created", "custom")
NAME_MAX = 80


class SavedView(SQLModel, table=True):
    """A user's named list view; `shared` shows it to the whole team."""

    __tablename__ = "saved_view"
    __table_args__ = (Index("ix_saved_view_team_user", "team_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    user_id: int = Field(foreign_key="user.id")
    name: str = Field(max_length=NAME_MAX)
    shared: bool = Field(default=False)
    filters: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    columns: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sort: str = Field(default="created_at", max_length=60)
    descending: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class ViewSpec:
    """A view as the list screen uses it; built-in views have a key like "builtin:hot"."""

    key: str
    name: str
    filters: dict[str, Any]
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    sort: str = "created_at"
    descending: bool = True
    shared: bool = False
    builtin: bool = False
    mine: bool = True
    owner_name: str = ""


BUILTIN_VIEWS = (
    ViewSpec(key="builtin:all", name="All leads", filters={}, builtin=True, shared=True),
    ViewSpec(key="builtin:hot", name="My hot leads", filters={"owner": "me", "rating": Rating.HOT.value},
             sort="score", builtin=True, shared=True),
    ViewSpec(key="builtin:new_week", name="New this week", filters={"created": "this_week"},
             builtin=True, shared=True),
)


@dataclass
class ViewFilters:
    """Filters of the list screen, as saved (strings; "" means any)."""

    search: str = ""
    status: str = ""
    rating: str = ""
    lead_source: str = ""
    industry: str = ""
    owner: str = ""
    created: str = ""
    custom: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> "ViewFilters":
        raw = raw or {}
        custom = raw.get("custom") or {}
        return cls(**{k: str(raw.get(k) or "") for k in FILTER_KEYS if k != "custom"},
                   custom={str(k): str(v) for k, v in custom.items() if str(v).strip()})

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {k: getattr(self, k) for k in FILTER_KEYS if k != "custom" and getattr(self, k)}
        if self.custom:
            data["custom"] = dict(self.custom)
        return data


def _row_spec(row: SavedView, ctx: TeamContext, owner_name: str = "") -> ViewSpec:
    return ViewSpec(key=str(row.id), name=row.name, filters=dict(row.filters or {}),
                    columns=tuple(row.columns or DEFAULT_COLUMNS), sort=row.sort,
                    descending=row.descending, shared=row.shared, mine=row.user_id == ctx.user_id,
                    owner_name=owner_name)


def list_views(*, session: Session, ctx: TeamContext) -> list[ViewSpec]:
    """Built-in views, then the caller's own views, then views others shared with the team."""
    from leadhub.services.models import User
    rows = session.exec(
        select(SavedView, User.full_name).join(User, User.id == SavedView.user_id)
        .where(SavedView.team_id == ctx.team_id,
               or_(SavedView.user_id == ctx.user_id, SavedView.shared.is_(True)))
        .order_by(SavedView.user_id != ctx.user_id, SavedView.name)).all()
    return [*BUILTIN_VIEWS, *(_row_spec(row, ctx, name or "") for row, name in rows)]


def get_view(*, session: Session, ctx: TeamContext, key: str) -> ViewSpec:
    for view in BUILTIN_VIEWS:
        if view.key == key:
            return view
    row = _own_or_shared(session, ctx, key)
    return _row_spec(row, ctx)


def _own_or_shared(session: Session, ctx: TeamContext, key: str) -> SavedView:
    try:
        view_id = int(key)
    except (TypeError, ValueError):
        raise NotFound("This view does not exist.") from None
    row = session.exec(select(SavedView).where(
        SavedView.team_id == ctx.team_id, SavedView.id == view_id,
        or_(SavedView.user_id == ctx.user_id, SavedView.shared.is_(True)))).first()
    if row is None:
        raise NotFound("This view does not exist.")
    return row


def _clean(session: Session, ctx: TeamContext, name: str, filters: dict[str, Any],
           columns: list[str], sort: str) -> tuple[str, dict[str, Any], list[str], str]:
    from leadhub.services.leads import SORTABLE
    errors: dict[str, str] = {}
    name = clean_name(name, NAME_MAX, "Give the view a name.", errors)
    schema = custom_fields.lead_schema(session=session, ctx=ctx)
    custom_columns = {spec.column for spec in schema.fields}
    clean_columns = [c for c in dict.fromkeys(columns or DEFAULT_COLUMNS)
                     if c in STANDARD_COLUMNS or c in custom_columns]
    if "name" not in clean_columns:
        clean_columns.insert(0, "name")
    flt = ViewFilters.from_dict(filters)
    if flt.created and flt.created not in PERIODS:
        errors["created"] = "Unknown period."
    flt.custom = {k: v for k, v in flt.custom.items() if k in schema.by_key()}
    if sort not in SORTABLE and sort not in custom_columns:
        sort = "created_at"
    if errors:
        raise ValidationFailed(field_errors=errors)
    return name, flt.to_dict(), clean_columns, sort


def save_view(*, session: Session, ctx: TeamContext, name: str, filters: dict[str, Any],
              columns: list[str], sort: str = "created_at", descending: bool = True,
              shared: bool = False, view_key: str | None = None) -> ViewSpec:
    """Create a view, or overwrite one the caller may change (their own; a manager any shared one)."""
    name, filters, columns, sort = _clean(session, ctx, name, filters, columns, sort)
    if view_key and not view_key.startswith("builtin:"):
        row = _own_or_shared(session, ctx, view_key)
        if row.user_id != ctx.user_id and not ctx.is_manager:
            raise PermissionDenied("Only its author or a manager can change a shared view.")
    else:
        row = SavedView(team_id=ctx.team_id, user_id=ctx.user_id, name=name)
    row.name, row.filters, row.columns, row.sort = name, filters, columns, sort
    row.descending, row.shared, row.updated_at = bool(descending), bool(shared), utcnow()
    session.add(row)
    session.flush()
    return _row_spec(row, ctx)


def delete_view(*, session: Session, ctx: TeamContext, view_key: str) -> None:
    row = _own_or_shared(session, ctx, view_key)
    if row.user_id != ctx.user_id and not ctx.is_manager:
        raise PermissionDenied("Only its author or a manager can delete a shared view.")
    session.delete(row)
    session.flush()


def period_start(period: str, team: Team, now: datetime | None = None) -> datetime | None:
    """The UTC instant a period ("this_week"…) began, in the team's time zone."""
    if not period:
        return None
    tz = teamtime.zone(team)
    today = (now or utcnow()).astimezone(tz).date()
    if period == "today":
        day = today
    elif period == "this_week":
        day = today - timedelta(days=today.weekday())
    elif period == "this_month":
        day = today.replace(day=1)
    elif period == "last_30_days":
        day = today - timedelta(days=29)
    else:
        raise ValidationFailed(field_errors={"created": "Unknown period."})
    return teamtime.day_start_utc(day, tz)


def query_for(*, session: Session, ctx: TeamContext, filters: dict[str, Any], sort: str = "created_at",
              descending: bool = True, page: int = 1, page_size: int = 25, now: datetime | None = None):
    """The LeadQuery a view's filters mean for this caller, now."""
    from leadhub.services.leads import LeadQuery
    flt = ViewFilters.from_dict(filters)
    owner_id: int | None = None
    unassigned = False
    if flt.owner == "me":
        owner_id = ctx.user_id
    elif flt.owner == "none":
        unassigned = True
    elif flt.owner.isdigit():
        owner_id = int(flt.owner)
    team = session.get(Team, ctx.team_id)
    status = flt.status if flt.status in {s.value for s in LeadStatus} else ""
    return LeadQuery(search=flt.search, status=status, rating=flt.rating,
                     lead_source=flt.lead_source, industry=flt.industry, owner_id=owner_id,
                     unassigned=unassigned, created_after=period_start(flt.created, team, now),
                     custom=dict(flt.custom), sort=sort, descending=descending, page=page,
                     page_size=page_size)
