"""The status board: lead columns by status, paged in SQL, and card moves that never lose an
update when two reps drag the same card.

A card's place is `Lead.position`, a float ordered within its (team, status) column, so a
move writes one row: the new position is halfway between its new neighbours, and a column
is renumbered only when two neighbours get too close. A move is a compare-and-set on
`Lead.version`: the second of two reps who moved the same card gets StaleRecord, and both
boards then show the winner's move. Every status change writes a status-history row and a
LeadStatusChanged event (the lead's timeline) and bumps the team signal that open boards
listen to. A lead becomes Converted only through the conversion dialog: dropping a card
there is answered with `conversion_requested`, and nothing changes until that dialog says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, insert, or_, update
from sqlmodel import Session, select

from leadhub.services import leads, segments, team_signal
from leadhub.services.context import TeamContext
from leadhub.services.errors import NotFound, StaleRecord, ValidationFailed
from leadhub.services.leads import fold
from leadhub.services.models import (
    CampaignMember,
    Lead,
    LeadStatus,
    LeadStatusHistory,
    User,
    utcnow,
)

COLUMNS: list[str] = [s.value for s in LeadStatus]
CONVERTED = LeadStatus.CONVERTED.value
PAGE_SIZE = 50
MAX_CARDS_PER_COLUMN = 500
MIN_GAP = 1e-6                      # closer neighbours than this: renumber the column
SEARCH_IN_MEMORY = 5000             # a search with at most this many matches is cut in memory


@dataclass(frozen=True)
class BoardFilter:
    """What the board is narrowed to; the same filter drives cards, counts and sums."""

    owner_id: int | None = None
    rating: str = ""
    lead_source: str = ""
    campaign_id: int | None = None
    search: str = ""
    segment_id: int | None = None
    # the segment's WHERE conditions, read once per board load by `with_segment`
    segment_where: tuple = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class ColumnTotals:
    status: str
    count: int
    budget: Decimal


@dataclass(frozen=True)
class Card:
    id: int
    status: str
    position: float
    version: int
    name: str
    company: str
    owner_id: int | None
    owner_name: str
    rating: str
    score: int
    lead_source: str
    budget: Decimal | None
    last_contacted_at: datetime | None


@dataclass
class ColumnPage:
    status: str
    cards: list[Card]
    has_more: bool

    @property
    def cursor(self) -> tuple[float, int] | None:
        """Where the next page starts (keyset: position, id)."""
        return (self.cards[-1].position, self.cards[-1].id) if self.cards else None


@dataclass
class Board:
    totals: list[ColumnTotals]
    columns: dict[str, ColumnPage]
    team_version: int


@dataclass(frozen=True)
class MoveResult:
    lead_id: int
    from_status: str
    to_status: str
    version: int
    position: float
    team_version: int
    conversion_requested: bool = False

    @property
    def status_changed(self) -> bool:
        return self.from_status != self.to_status and not self.conversion_requested


@dataclass
class _Placement:
    position: float
    renumbered: bool = field(default=False)


# --- Reading the board -------------------------------------------------------------------

def _conditions(ctx: TeamContext, flt: BoardFilter) -> list:
    conditions = [Lead.team_id == ctx.team_id]
    if flt.owner_id:
        conditions.append(Lead.owner_id == flt.owner_id)
    if flt.rating:
        conditions.append(Lead.rating == flt.rating)
    if flt.lead_source:
        conditions.append(Lead.lead_source == flt.lead_source)
    if flt.campaign_id:
        conditions.append(Lead.id.in_(
            select(CampaignMember.lead_id).where(CampaignMember.team_id == ctx.team_id,
                                                 CampaignMember.campaign_id == flt.campaign_id)))
    if flt.segment_id:
        if not flt.segment_where:
            raise ValueError("the segment's conditions were not read: call with_segment first")
        conditions.extend(flt.segment_where)
    for term in fold(flt.search).split()[:5]:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Lead.search_text.like(f"%{escaped}%", escape="\\"))
    return conditions


def _filtered(flt: BoardFilter) -> bool:
    return bool(flt.owner_id or flt.rating or flt.lead_source or flt.campaign_id
                or flt.segment_id or fold(flt.search).split())


def with_segment(*, session: Session, ctx: TeamContext, flt: BoardFilter) -> BoardFilter:
    """The filter with its saved segment's conditions read (once, not once per column); a
    segment that is gone, private to someone else or about contacts is refused."""
    if not flt.segment_id or flt.segment_where:
        return flt
    where = segments.lead_conditions(session=session, ctx=ctx, segment_id=flt.segment_id)
    if session.get_bind().dialect.name == "sqlite":
        # Opaque to SQLite's planner (no statistics): a segment's `score >= 40` would make it
        # walk half the team through the score index instead of a column in board order
        # (700 ms against 1.4 ms for a page on 100,000 leads).
        where = [func.coalesce(and_(*where), False)]
    return replace(flt, segment_where=tuple(where))


def _ids_first(session: Session, conditions: list) -> list:
    """On SQLite, the filter as `id IN (ids matching it)`: see column_totals."""
    if session.get_bind().dialect.name != "sqlite":
        return conditions
    return [Lead.id.in_(select(Lead.id).where(*conditions))]


def _totals(found: dict[str, tuple[int, Decimal | None]]) -> list[ColumnTotals]:
    return [ColumnTotals(status, found.get(status, (0, None))[0],
                         Decimal(found.get(status, (0, None))[1] or 0).quantize(Decimal("0.01")))
            for status in COLUMNS]


def column_totals(*, session: Session, ctx: TeamContext, flt: BoardFilter) -> list[ColumnTotals]:
    """Count and budget sum of every column for the filter, in one GROUP BY.

    Unfiltered, the (team, status, budget) index answers alone. Filtered on SQLite, the
    matching ids come first from the filter's own index, so only matching rows are read:
    without statistics SQLite would group along the status index and read every row of the
    team. PostgreSQL plans the plain query well (and the id subquery badly)."""
    flt = with_segment(session=session, ctx=ctx, flt=flt)
    conditions = _conditions(ctx, flt)
    if _filtered(flt):
        conditions = _ids_first(session, conditions)
    rows = session.exec(
        select(Lead.status, func.count(), func.sum(Lead.budget))
        .where(*conditions).group_by(Lead.status)).all()
    return _totals({status: (count, budget) for status, count, budget in rows})


def column_cards(*, session: Session, ctx: TeamContext, status: str, flt: BoardFilter,
                 limit: int = PAGE_SIZE, after: tuple[float, int] | None = None,
                 offset: int = 0) -> ColumnPage:
    """One page of a column's cards in board order, starting after the keyset `after` (or
    `offset` cards into the column)."""
    if status not in COLUMNS:
        raise ValidationFailed("Unknown column.")
    limit = max(1, min(int(limit), MAX_CARDS_PER_COLUMN))
    offset = max(0, int(offset))
    flt = with_segment(session=session, ctx=ctx, flt=flt)
    conditions = [*_conditions(ctx, flt), Lead.status == status]
    if after is not None:
        position, lead_id = after
        conditions.append(or_(Lead.position > position,
                              and_(Lead.position == position, Lead.id > lead_id)))
    statement = (_card_statement().where(*conditions).order_by(Lead.position, Lead.id)
                 .offset(offset).limit(limit + 1))
    rows = session.exec(statement).all()
    return ColumnPage(status=status, cards=[_card(r) for r in rows[:limit]],
                      has_more=len(rows) > limit)


def _card_statement():
    return (select(Lead.id, Lead.status, Lead.position, Lead.version, Lead.first_name,
                   Lead.last_name, Lead.company, Lead.owner_id, User.full_name, User.email,
                   Lead.rating, Lead.score, Lead.lead_source, Lead.budget, Lead.last_contacted_at)
            .outerjoin(User, User.id == Lead.owner_id))


def _card(r) -> Card:
    return Card(id=r[0], status=r[1], position=r[2], version=r[3], name=f"{r[4]} {r[5]}".strip(),
                company=r[6], owner_id=r[7], owner_name=r[8] or r[9] or "", rating=r[10],
                score=r[11], lead_source=r[12], budget=r[13], last_contacted_at=r[14])


def _searched_board(session: Session, ctx: TeamContext, flt: BoardFilter,
                    windows: dict[str, tuple[int, int]]) -> Board | None:
    """A text search reads its matches once (through the search index) and cuts the
    columns from them, instead of walking every column for rare matches. None when the
    search matches too much for that: then the columns fill fast the ordinary way."""
    matches = session.exec(
        select(Lead.id, Lead.status, Lead.position, Lead.budget)
        .where(*_ids_first(session, _conditions(ctx, flt)))
        .limit(SEARCH_IN_MEMORY + 1)).all()
    if len(matches) > SEARCH_IN_MEMORY:
        return None
    found: dict[str, tuple[int, Decimal]] = {}
    by_status: dict[str, list[tuple[float, int]]] = {status: [] for status in COLUMNS}
    for lead_id, status, position, budget in matches:
        count, total = found.get(status, (0, Decimal(0)))
        found[status] = (count + 1, total + (budget or 0))
        if status in by_status:
            by_status[status].append((position, lead_id))
    shown: dict[str, list[int]] = {}
    more: dict[str, bool] = {}
    for status, keys in by_status.items():
        keys.sort()
        offset, limit = windows.get(status, (0, PAGE_SIZE))
        shown[status] = [lead_id for _, lead_id in keys[offset:offset + limit]]
        more[status] = len(keys) > offset + limit
    wanted = [lead_id for ids in shown.values() for lead_id in ids]
    cards = {r[0]: _card(r) for r in session.exec(
        _card_statement().where(Lead.team_id == ctx.team_id, Lead.id.in_(wanted))).all()} \
        if wanted else {}
    return Board(
        totals=_totals(found),
        columns={status: ColumnPage(status, [cards[i] for i in shown[status] if i in cards],
                                    more[status]) for status in COLUMNS},
        team_version=team_signal.current(session=session, team_id=ctx.team_id),
    )


def load_board(*, session: Session, ctx: TeamContext, flt: BoardFilter,
               windows: dict[str, tuple[int, int]] | None = None) -> Board:
    """Totals for every column and the cards of each column's window (offset, limit),
    by default its first PAGE_SIZE cards."""
    windows = windows or {}
    flt = with_segment(session=session, ctx=ctx, flt=flt)
    if fold(flt.search).split():
        searched = _searched_board(session, ctx, flt, windows)
        if searched is not None:
            return searched
    return Board(
        totals=column_totals(session=session, ctx=ctx, flt=flt),
        columns={status: column_cards(session=session, ctx=ctx, status=status, flt=flt,
                                      offset=windows.get(status, (0, PAGE_SIZE))[0],
                                      limit=windows.get(status, (0, PAGE_SIZE))[1])
                 for status in COLUMNS},
        team_version=team_signal.current(session=session, team_id=ctx.team_id),
    )


def team_campaigns(*, session: Session, ctx: TeamContext) -> list[tuple[int, str]]:
    """Campaigns the board can be filtered by, as (id, name)."""
    from leadhub.services.models import Campaign

    rows = session.exec(select(Campaign.id, Campaign.name).where(Campaign.team_id == ctx.team_id)
                        .order_by(Campaign.name)).all()
    return [(cid, name) for cid, name in rows]


# --- Moving a card -----------------------------------------------------------------------

def move(*, session: Session, ctx: TeamContext, lead_id: int, to_status: str,
         expected_version: int, before_id: int | None = None,
         after_id: int | None = None) -> MoveResult:
    """Put a lead in `to_status`, just above `before_id` or just below `after_id` (both
    cards of that column), or on top of the column when neither is given.

    `expected_version` is the lead's version the rep saw; if anyone changed the lead since,
    nothing is written and StaleRecord says where the lead is now. The caller commits."""
    if to_status not in COLUMNS:
        raise ValidationFailed("Unknown column.")
    current = session.exec(select(Lead.id, Lead.status, Lead.version, Lead.position)
                           .where(Lead.team_id == ctx.team_id, Lead.id == lead_id)).first()
    if current is None:
        raise NotFound("This lead does not exist or belongs to another team.")
    _, from_status, version, position = current
    if version != expected_version:
        raise _stale(from_status)
    if from_status == CONVERTED and to_status != CONVERTED:
        raise ValidationFailed("A converted lead cannot be moved out of Converted: its contact "
                               "and deal already exist.")
    if to_status == CONVERTED and from_status != CONVERTED:
        return MoveResult(lead_id, from_status, to_status, version, position,
                          team_signal.current(session=session, team_id=ctx.team_id),
                          conversion_requested=True)

    placement = _place(session, ctx, lead_id, to_status, before_id, after_id)
    if placement is None:  # dropped onto itself
        return MoveResult(lead_id, from_status, to_status, version, position,
                          team_signal.current(session=session, team_id=ctx.team_id))
    values = {"status": to_status, "position": placement.position, "version": version + 1}
    if to_status != from_status:
        values["updated_at"] = utcnow()
    leads_table = Lead.__table__  # Core statements: a move is on every rep's hot path
    changed = session.connection().execute(
        update(leads_table).where(leads_table.c.team_id == ctx.team_id,
                                  leads_table.c.id == lead_id,
                                  leads_table.c.version == expected_version)
        .values(**values)).rowcount
    if changed != 1:
        now = session.exec(select(Lead.status).where(Lead.team_id == ctx.team_id,
                                                     Lead.id == lead_id)).first()
        if now is None:
            raise NotFound("This lead was deleted by a teammate.")
        raise _stale(now)
    if to_status != from_status:
        session.connection().execute(insert(LeadStatusHistory.__table__).values(
            team_id=ctx.team_id, lead_id=lead_id, from_status=from_status, to_status=to_status,
            changed_by=ctx.user_id, changed_at=utcnow()))
        leads.record_event(session, ctx, leads.LEAD_STATUS_CHANGED, lead_id,
                           {"lead_id": lead_id, "from": from_status, "to": to_status,
                            "via": "board"})
    team_version = team_signal.bump(session=session, team_id=ctx.team_id)
    session.flush()
    return MoveResult(lead_id, from_status, to_status, version + 1, placement.position,
                      team_version)


class MovedByTeammate(StaleRecord):
    """The lead changed since the rep saw it; `status_now` is where it is now."""

    TEXT = "A teammate changed this lead first; it is now in {status}. Your move was not applied."

    def __init__(self, status_now: str):
        super().__init__(self.TEXT.format(status=status_now))
        self.status_now = status_now


def _stale(status_now: str) -> MovedByTeammate:
    return MovedByTeammate(status_now)


def _anchor(session: Session, ctx: TeamContext, anchor_id: int | None,
            status: str) -> tuple[float, int] | None:
    if anchor_id is None:
        return None
    row = session.exec(select(Lead.position, Lead.id).where(
        Lead.team_id == ctx.team_id, Lead.id == anchor_id, Lead.status == status)).first()
    return (row[0], row[1]) if row else None


def _neighbour(session: Session, ctx: TeamContext, status: str, anchor: tuple[float, int],
               lead_id: int, *, below: bool) -> float | None:
    """Position of the card right below (or above) the anchor, the moving lead left out."""
    position, anchor_id = anchor
    if below:
        beyond = or_(Lead.position > position, and_(Lead.position == position, Lead.id > anchor_id))
        order = (Lead.position, Lead.id)
    else:
        beyond = or_(Lead.position < position, and_(Lead.position == position, Lead.id < anchor_id))
        order = (Lead.position.desc(), Lead.id.desc())
    return session.exec(select(Lead.position).where(
        Lead.team_id == ctx.team_id, Lead.status == status, Lead.id != lead_id, beyond)
        .order_by(*order).limit(1)).first()


def _top(session: Session, ctx: TeamContext, status: str, lead_id: int) -> float:
    """A position above the column's first card (the moving lead left out). Reads two
    entries of the (team, status, position) index, however long the column."""
    first = session.exec(select(Lead.id, Lead.position).where(
        Lead.team_id == ctx.team_id, Lead.status == status)
        .order_by(Lead.position, Lead.id).limit(2)).all()
    top = next((position for other, position in first if other != lead_id), None)
    return (top if top is not None else 1.0) - 1.0


def _place(session: Session, ctx: TeamContext, lead_id: int, status: str,
           before_id: int | None, after_id: int | None) -> _Placement | None:
    if lead_id in (before_id, after_id):
        return None
    for attempt in range(2):
        above = _anchor(session, ctx, after_id, status)
        below = _anchor(session, ctx, before_id, status)
        if above is not None:
            low, high = above[0], _neighbour(session, ctx, status, above, lead_id, below=True)
        elif below is not None:
            low, high = _neighbour(session, ctx, status, below, lead_id, below=False), below[0]
        else:  # no anchor, or it left the column meanwhile: on top
            return _Placement(_top(session, ctx, status, lead_id))
        if low is None:
            return _Placement(high - 1.0, attempt > 0)
        if high is None:
            return _Placement(low + 1.0, attempt > 0)
        middle = (low + high) / 2
        if high - low >= MIN_GAP and low < middle < high:
            return _Placement(middle, attempt > 0)
        renumber_column(session=session, ctx=ctx, status=status)
    raise StaleRecord("The column changed while you moved; please try again.")


def renumber_column(*, session: Session, ctx: TeamContext, status: str) -> None:
    """Give a column's cards positions 1, 2, 3… in their current order (one UPDATE)."""
    ranked = (select(Lead.id.label("lead_id"),
                     func.row_number().over(order_by=(Lead.position, Lead.id)).label("rank"))
              .where(Lead.team_id == ctx.team_id, Lead.status == status).subquery())
    session.execute(update(Lead).where(Lead.id == ranked.c.lead_id)
                    .values(position=ranked.c.rank)
                    .execution_options(synchronize_session=False))

