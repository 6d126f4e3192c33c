"""The status board in the browser: filters, the slice of each column on screen, and the
board itself, re-read from the database whenever the team's change signal moves.

Only what is on screen is held: at most WINDOW cards per column (a sliding window as the rep
scrolls), so an open board weighs the same for a team of 50 leads or 100,000. Teammates'
changes arrive through `TeamLive`, a SharedState every board of a team is linked to: it
holds one number, the team's signal version from the database, and each browser re-reads
its own slice when that number changes. Every handler checks the session through the
services; the browser's arguments are never trusted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import datetime, timezone
from typing import Any

import reflex as rx

from leadhub.config import get_settings
from leadhub.services import board, leads, live, segments, team_signal
from leadhub.services.board import BoardFilter
from leadhub.services.db import session_scope
from leadhub.services.display import money
from leadhub.services.errors import (
    LeadHubError,
    NotAuthenticated,
    StaleRecord,
)
from leadhub.state.session import SessionState

log = logging.getLogger(__name__)

ANY = "all"
ROUTE = "/board"
PAGE = board.PAGE_SIZE          # cards fetched per step while scrolling
WINDOW = 2 * board.PAGE_SIZE    # most cards a column keeps on screen
FILTERS = ("owner_filter", "rating_filter", "source_filter", "campaign_filter", "segment_filter")


class TeamLive(rx.SharedState):
    """One number per team, shared by every open board of the team: its change version."""

    version: int = 0


class _SharedTokenHasNoSocket(logging.Filter):
    """Reflex warns when an update is sent to a token with no browser behind it. A team's
    shared token never has one (the update reaches the linked boards instead), so every push
    would log a warning — one per form submission batch under load. Drop just that message."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(
            "Attempting to send delta to disconnected client 'team-")


logging.getLogger("reflex.app").addFilter(_SharedTokenHasNoSocket())


@dataclasses.dataclass
class CardView:
    id: str
    version: str
    name: str
    company: str
    owner: str
    initials: str
    rating: str
    score: str
    source: str
    last_contact: str
    prev_id: str
    next_id: str


@dataclasses.dataclass
class ColumnView:
    status: str
    count: int
    budget: str
    offset: int
    shown: int
    more_above: bool
    more_below: bool
    last_id: str
    cards: list[CardView]


def _initials(name: str) -> str:
    parts = [p for p in name.replace("@", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def since(value: datetime | None, now: datetime | None = None) -> str:
    """Time since a moment, in the same short form in every language ("3 d", "5 h")."""
    if value is None:
        return ""
    now = now or datetime.now(timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    seconds = max(0, int((now - value).total_seconds()))
    for size, unit in ((86400 * 365, "y"), (86400 * 30, "mo"), (86400, "d"), (3600, "h")):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds // 60} min"


def board_view(loaded: board.Board, *, currency: str,
               windows: dict[str, list[int]] | None = None) -> list[ColumnView]:
    """The board as the page shows it: display strings only, one entry per column."""
    windows = windows or {}
    totals = {t.status: t for t in loaded.totals}
    columns = []
    for status in board.COLUMNS:
        page = loaded.columns[status]
        offset = windows.get(status, [0, PAGE])[0]
        ids = [str(card.id) for card in page.cards]
        cards = [CardView(
            id=ids[i], version=str(card.version), name=card.name,
            company=card.company, owner=card.owner_name, initials=_initials(card.owner_name),
            rating=card.rating, score=str(card.score), source=card.lead_source,
            last_contact=since(card.last_contacted_at),
            prev_id=ids[i - 1] if i else "", next_id=ids[i + 1] if i + 1 < len(ids) else "",
        ) for i, card in enumerate(page.cards)]
        total = totals[status]
        columns.append(ColumnView(
            status=status, count=total.count,
            budget=money(total.budget, currency) if total.budget else "",
            offset=offset, shown=len(cards), more_above=offset > 0, more_below=page.has_more,
            last_id=ids[-1] if ids else "", cards=cards))
    return columns


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class BoardState(SessionState):
    owner_filter: str = ANY
    rating_filter: str = ANY
    source_filter: str = ANY
    campaign_filter: str = ANY
    segment_filter: str = ANY
    search: str = ""
    # status -> [offset, limit] of the cards on screen
    windows: dict[str, list[int]] = {}
    owners: list[list[str]] = []
    campaigns: list[list[str]] = []
    segment_choices: list[list[str]] = []
    ready: bool = False
    refresh_count: int = 0
    announcement: str = ""
    currency: str = "USD"

    convert_open: bool = False
    convert_name: str = ""
    convert_lead_id: int = 0

    # --- reading ------------------------------------------------------------------------

    def _filter(self, user_id: int) -> BoardFilter:
        pick = lambda v: "" if v == ANY else v  # noqa: E731
        owner = user_id if self.owner_filter == "me" else _as_int(pick(self.owner_filter))
        return BoardFilter(owner_id=owner, rating=pick(self.rating_filter),
                           lead_source=pick(self.source_filter),
                           campaign_id=_as_int(pick(self.campaign_filter)),
                           segment_id=_as_int(pick(self.segment_filter)),
                           search=self.search[:200])

    def _windows(self) -> dict[str, tuple[int, int]]:
        return {status: (max(0, w[0]), max(1, min(w[1], WINDOW)))
                for status, w in self.windows.items() if status in board.COLUMNS and len(w) == 2}

    # Dependencies are listed, not inferred: inferring would also tie this var to the
    # session's cookie and language, which live in SessionState.
    @rx.var(cache=True, auto_deps=False,
            deps=[TeamLive.version, "ready", "refresh_count", "windows", "search", "currency",
                  *FILTERS])
    async def columns(self) -> list[ColumnView]:
        """The board on screen; read again when the team's signal, a filter or a column's
        window changes (and never on other pages)."""
        if not self.ready or self.router.route_id != ROUTE:
            return []
        try:
            with session_scope() as session:
                ctx = self._ctx()
                loaded = board.load_board(session=session, ctx=ctx,
                                          flt=self._filter(ctx.user_id), windows=self._windows())
        except LeadHubError:
            return []
        return board_view(loaded, currency=self.currency, windows=self.windows)

    @rx.event
    async def on_load(self):
        """Link this browser to its team's live signal and fill the filter choices."""
        global _LOOP
        _LOOP = asyncio.get_running_loop()
        try:
            info = self._info()
            ctx = info.ctx
            self.currency = info.team_currency
            with session_scope() as session:
                self.owners = [[str(uid), name] for uid, name in
                               leads.team_owners(session=session, ctx=ctx)]
                self.campaigns = [[str(cid), name] for cid, name in
                                  board.team_campaigns(session=session, ctx=ctx)]
                self.segment_choices = [
                    [str(s.id), s.name]
                    for s in segments.list_segments(session=session, ctx=ctx, entity="lead")]
                version = team_signal.current(session=session, team_id=ctx.team_id)
        except NotAuthenticated:
            return self._to_login()
        shared = await self.get_state(TeamLive)
        shared = await shared._link_to(f"team-{ctx.team_id}")
        if shared.version < version:
            shared.version = version
        if self.segment_filter not in {ANY, *(sid for sid, _ in self.segment_choices)}:
            self.segment_filter = ANY  # deleted or no longer shared since it was picked
        self.windows = {}
        self.ready = True
        self.refresh_count += 1

    # --- filters and scrolling ------------------------------------------------------------

    @rx.event
    def set_filter(self, name: str, value: str):
        if name not in FILTERS or not isinstance(value, str):
            return
        if name == "segment_filter" and value != ANY:
            try:
                with session_scope() as session:
                    segment_id = _as_int(value)
                    if segment_id is None:
                        return
                    board.with_segment(session=session, ctx=self._ctx(),
                                       flt=BoardFilter(segment_id=segment_id))
            except NotAuthenticated:
                return self._to_login()
            except LeadHubError as exc:
                self.segment_filter = ANY
                return rx.toast.error(self.tr(exc.message))
        setattr(self, name, value[:40])
        self.windows = {}

    @rx.event
    def set_search(self, value: str):
        if isinstance(value, str):
            self.search = value[:200]
            self.windows = {}

    @rx.event
    def load_more(self, status: str, seen: int):
        """The bottom of a column came into view: show the next page, dropping the top
        page once the column holds WINDOW cards."""
        if status not in board.COLUMNS:
            return
        offset, limit = self.windows.get(status, [0, PAGE])
        if _as_int(seen) != offset + limit:
            return  # an older signal: that page is already there
        if limit < WINDOW:
            limit += PAGE
        else:
            offset += PAGE
        self.windows = {**self.windows, status: [offset, limit]}

    @rx.event
    def load_earlier(self, status: str):
        if status not in board.COLUMNS:
            return
        offset, limit = self.windows.get(status, [0, PAGE])
        self.windows = {**self.windows, status: [max(0, offset - PAGE), limit]}

    # --- moving ---------------------------------------------------------------------------

    @rx.event
    async def on_drop(self, payload: dict):
        """A drag ended: the dragged card and where it landed (a card's edge or a column)."""
        if not isinstance(payload, dict):
            return
        source = payload.get("source") or {}
        targets = [t for t in (payload.get("dropTargets") or []) if isinstance(t, dict)]
        card = next((t for t in targets if t.get("kind") == "card"), None)
        column = next((t for t in targets if t.get("kind") == "column"), None)
        target = card or column
        if source.get("kind") != "card" or target is None:
            return
        before = after = None
        if card is not None:
            if card.get("closestEdge") == "bottom":
                after = card.get("id")
            else:
                before = card.get("id")
        elif column.get("last"):
            after = column.get("last")
        return await self._move(source.get("id"), source.get("version"), target.get("status"),
                                before, after)

    @rx.event
    async def move_card(self, lead_id: str, version: str, to_status: str,
                        before_id: str = "", after_id: str = ""):
        """The keyboard way: the card's "Move to…" menu (another column, up, down)."""
        return await self._move(lead_id, version, to_status, before_id or None, after_id or None)

    async def _move(self, lead_id: Any, version: Any, to_status: Any, before: Any, after: Any):
        lead_id, version = _as_int(lead_id), _as_int(version)
        if lead_id is None or version is None or not isinstance(to_status, str):
            return
        try:
            ctx = self._ctx()
            with session_scope() as session:
                result = board.move(session=session, ctx=ctx, lead_id=lead_id,
                                    to_status=to_status, expected_version=version,
                                    before_id=_as_int(before), after_id=_as_int(after))
                name = leads.get_lead(session=session, ctx=ctx, lead_id=lead_id)
                name = f"{name.first_name} {name.last_name}".strip()
        except NotAuthenticated:
            return self._to_login()
        except board.MovedByTeammate as exc:
            await self._catch_up()
            return rx.toast.warning(self.tr(exc.TEXT).format(status=self.tr(exc.status_now)))
        except StaleRecord as exc:
            await self._catch_up()
            return rx.toast.warning(self.tr(exc.message))
        except LeadHubError as exc:
            self.refresh_count += 1
            return rx.toast.error(self.tr(exc.message))
        if result.conversion_requested:
            return self.open_conversion(result.lead_id, name)
        await self._publish(result.team_version)
        self.announcement = self.tr("{name} moved to {status}.").format(
            name=name, status=self.tr(result.to_status))

    async def _publish(self, version: int) -> None:
        shared = await self.get_state(TeamLive)
        if shared.version < version:
            shared.version = version
        else:
            self.refresh_count += 1

    async def _catch_up(self) -> None:
        """After a refused move: show the board as the database has it."""
        try:
            ctx = self._ctx()
            with session_scope() as session:
                version = team_signal.current(session=session, team_id=ctx.team_id)
        except LeadHubError:
            return
        await self._publish(version)

    # --- conversion (the hook for the conversion dialog) -------------------------------------

    def open_conversion(self, lead_id: int, name: str):
        """A card was dropped on Converted: the conversion dialog opens, and the lead converts
        only when it is confirmed there."""
        from leadhub.state.conversion import ConversionState

        self.convert_lead_id, self.convert_name, self.convert_open = lead_id, name, True
        return ConversionState.open_for(lead_id)

    @rx.event
    def close_conversion(self):
        self.convert_open = False
        self.convert_lead_id = 0
        self.refresh_count += 1


# --- pushing changes that were not made on a board -------------------------------------------

_LOOP: asyncio.AbstractEventLoop | None = None
_PENDING_PUSHES: set[asyncio.Task] = set()


async def push_team_version(team_id: int, version: int, app: Any = None) -> None:
    """Raise the team's shared version to `version`: every linked board re-reads (with Redis,
    also those connected to other app workers: Reflex relays the update to them)."""
    from reflex.istate.manager.token import BaseStateToken
    from reflex_base.registry import RegistrationContext

    try:
        app = app or RegistrationContext.get().app
        async with app.modify_state(BaseStateToken(ident=f"team-{team_id}", cls=TeamLive)) as root:
            live_state = await root.get_state(TeamLive)
            if live_state.version < version:
                live_state.version = version
    except Exception:  # noqa: BLE001 - boards still catch up on their next event
        log.warning("could not push team %s version %s to open boards", team_id, version,
                    exc_info=True)


def _on_team_change(team_id: int, version: int) -> None:
    """A change committed in this process (a board, the leads list, the API…) reaches open
    boards."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        task = loop.create_task(push_team_version(team_id, version))
        _PENDING_PUSHES.add(task)
        task.add_done_callback(_PENDING_PUSHES.discard)
    elif _LOOP is not None and _LOOP.is_running():
        asyncio.run_coroutine_threadsafe(push_team_version(team_id, version), _LOOP)


live.deliver_here(_on_team_change)


async def listen_for_announcements(app: Any) -> None:
    """Lifespan task of each app worker, with Redis only: push what the worker and the CLI
    announce on the database's channel (leadhub.services.live). Without Redis they POST to
    the app instead (leadhub.api.live), so there is nothing to listen to."""
    global _LOOP
    _LOOP = asyncio.get_running_loop()
    url = get_settings().redis_url
    if not url:
        return
    import redis.asyncio as aioredis

    delay = 0.5
    while True:  # reconnects after Redis restarts; listening itself blocks, it never polls
        client = aioredis.Redis.from_url(url)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(live.channel())
                delay = 0.5
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    decoded = live.decode(message["data"])
                    if decoded is not None:
                        await push_team_version(*decoded, app=app)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - Redis went away: try again shortly
            log.warning("team signal subscriber lost Redis (%s); retrying in %.1f s", exc, delay)
        finally:
            await client.aclose()
        await asyncio.sleep(delay)
        delay = min(delay * 2, 10.0)
