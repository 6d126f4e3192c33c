"""The outreach timeline: one page of the team's outreach, grouped by local day, and its volume.

`timeline_entries` turns a page of Outreach rows into what the timeline shows; the contact
page uses it for its own, filtered timeline.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import reflex as rx
from sqlmodel import Session

from leadhub.i18n.outreach import translate_message
from leadhub.services import leads, outreach, touches
from leadhub.services.context import TeamContext
from leadhub.services.db import session_scope
from leadhub.services.display import local_time, money, phone
from leadhub.services.errors import NotFound
from leadhub.services.models import Outreach, OutreachType, ResponseStatus
from leadhub.services.outreach import OutreachFilter
from leadhub.state.session import SessionState, handles_errors

ANY = "all"
PAGE_SIZE = 20
DEFAULT_RANGE_DAYS = 30
PRODUCED_SHOWN = 3
# Form and filter value of each type (the service also accepts these names).
TYPE_KEYS = {kind: kind.name.lower() for kind in OutreachType}
TYPE_LABELS = {TYPE_KEYS[kind]: label for kind, label in outreach.TYPE_LABELS.items()}
# The type colours of the badges and the chart (Radix colour names and their step 9).
TYPE_COLOURS = {"platform": ("indigo", "#3e63dd"), "email": ("blue", "#0090ff"),
                "call": ("green", "#30a46c"), "social": ("plum", "#ab4aba"),
                "messenger": ("orange", "#f76b15")}
RESPONSES = [s.value for s in ResponseStatus]
WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
            "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")}
MONTHS = {"en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
          "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")}


@dataclasses.dataclass
class RecordLink:
    """A lead, contact or deal an outreach was for or produced."""

    kind: str = ""
    label: str = ""
    href: str = ""


@dataclasses.dataclass
class Entry:
    """One outreach as the timeline shows it; strings already in the user's language."""

    id: int = 0
    kind: str = ""
    type_label: str = ""
    day_header: str = ""        # set on the first entry of each local day on the page
    day_count: int = 0
    time: str = ""
    when: str = ""
    channel: str = ""
    value: str = ""
    value_is_url: bool = False
    email: str = ""
    phone: str = ""
    phone_e164: str = ""
    description: str = ""
    user: str = ""
    response: str = ""
    editable: bool = False
    call_outcome: str = ""
    duration: str = ""
    targets: list[RecordLink] = dataclasses.field(default_factory=list)
    produced: list[RecordLink] = dataclasses.field(default_factory=list)
    more_produced: int = 0


@dataclasses.dataclass
class TypeVolume:
    kind: str = ""
    label: str = ""
    count: int = 0


def lead_href(lead_id: int) -> str:
    return f"/leads/{lead_id}"


def contact_href(contact_id: int) -> str:
    return f"/contacts/{contact_id}"


def deal_href(deal_id: int) -> str:
    return f"/deals?deal={deal_id}"


def person_name(record) -> str:
    return " ".join(p for p in (record.first_name, record.last_name) if p)


def day_label(day: date, today: date, lang: str) -> str:
    """'Today · Tue 12 May 2026' in the user's language."""
    lang = lang if lang in WEEKDAYS else "en"
    text = f"{WEEKDAYS[lang][day.weekday()]} {day.day} {MONTHS[lang][day.month - 1]} {day.year}"
    if day == today:
        return f"{translate_message('Today', lang)} · {text}"
    if day == today - timedelta(days=1):
        return f"{translate_message('Yesterday', lang)} · {text}"
    return text


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def local_today(tz_name: str) -> date:
    return datetime.now(ZoneInfo(tz_name)).date()


def _targets(session: Session, ctx: TeamContext, row: Outreach, lang: str) -> list[RecordLink]:
    links = []
    for kind, record_id, getter, href in (("lead", row.lead_id, touches.team_lead, lead_href),
                                          ("contact", row.contact_id, touches.team_contact, contact_href)):
        if record_id is None:
            continue
        try:
            record = getter(session, ctx, record_id)
        except NotFound:
            continue
        links.append(RecordLink(kind, person_name(record) or f"#{record_id}", href(record_id)))
    return links


def _produced(result: outreach.OutreachProduce | None, currency: str) -> tuple[list[RecordLink], int]:
    if result is None:
        return [], 0
    links = [RecordLink("contact", person_name(c), contact_href(c.id)) for c in result.contacts]
    links += [RecordLink("lead", person_name(lead), lead_href(lead.id)) for lead in result.leads]
    links += [RecordLink("deal", f"{d.name} · {money(d.amount, d.currency or currency)}".strip(" ·"),
                         deal_href(d.id)) for d in result.deals]
    total = result.contact_count + result.lead_count + result.deal_count
    return links, max(0, total - len(links))


def timeline_entries(session: Session, ctx: TeamContext, rows: list[Outreach], *, tz_name: str,
                     lang: str, currency: str, members: dict[int, str],
                     day_counts: dict[date, int] | None = None) -> list[Entry]:
    """The timeline rows for one page of outreach."""
    tr = lambda text: translate_message(text, lang)  # noqa: E731
    today = local_today(tz_name)
    results = outreach.produced_for_page(session=session, ctx=ctx, outreach_ids=[row.id for row in rows],
                                         limit=PRODUCED_SHOWN)
    entries, previous_day = [], None
    for row in rows:
        local = row.occurred_at.astimezone(ZoneInfo(tz_name))
        kind = TYPE_KEYS[OutreachType(row.type)]
        produced, more = _produced(results.get(row.id), currency)
        entries.append(Entry(
            id=row.id, kind=kind, type_label=tr(TYPE_LABELS[kind]),
            day_header=day_label(local.date(), today, lang) if local.date() != previous_day else "",
            day_count=(day_counts or {}).get(local.date(), 0),
            time=local.strftime("%H:%M"), when=local_time(row.occurred_at, tz_name),
            channel=tr("Other channel") if row.channel == "Other" else (row.channel or ""),
            value=row.value or "", value_is_url=(row.value or "").startswith(("http://", "https://")),
            email=row.email or "", phone=phone(row.phone), phone_e164=row.phone or "",
            description=row.description, user=members.get(row.user_id, ""),
            response=row.response_status, editable=row.user_id == ctx.user_id or ctx.is_manager,
            call_outcome=tr(outreach.CALL_OUTCOME_LABELS.get(row.call_outcome or "", "")) if row.call_outcome else "",
            duration=duration_text(row.call_duration_seconds),
            targets=_targets(session, ctx, row, lang), produced=produced, more_produced=more,
        ))
        previous_day = local.date()
    return entries


def change_response(state: SessionState, outreach_id: int, status: str) -> None:
    """Set an outreach's response through the service and show it in the state's entry lists."""
    ctx = state._ctx()
    with session_scope() as session:
        outreach.set_response(session=session, ctx=ctx, outreach_id=int(outreach_id), response_status=status)
    for name in ("entries", "attribution", "picker_entries"):
        if name in type(state).base_vars:
            setattr(state, name, [dataclasses.replace(e, response=status) if e.id == int(outreach_id) else e
                                  for e in getattr(state, name)])


def volume_figure(days: list[outreach.DayVolume], lang: str) -> go.Figure:
    """A small stacked bar chart of outreach per day, one colour per type (built from a dict:
    plotly's update_* helpers cost tens of milliseconds per load)."""
    x = [d.day.isoformat() for d in days]
    traces = []
    for kind, key in TYPE_KEYS.items():
        counts = [d.by_type.get(kind, 0) for d in days]
        if any(counts):
            traces.append({"type": "bar", "x": x, "y": counts, "name": translate_message(TYPE_LABELS[key], lang),
                           "marker": {"color": TYPE_COLOURS[key][1]},
                           "hovertemplate": "%{x|%d %b}: %{y} %{fullData.name}<extra></extra>"})
    busiest = max((d.total for d in days), default=0)
    return go.Figure({"data": traces, "layout": {
        "barmode": "stack", "height": 150, "margin": {"l": 28, "r": 8, "t": 8, "b": 24}, "showlegend": False,
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)", "bargap": 0.25,
        "font": {"size": 11},
        "xaxis": {"type": "date", "tickformat": "%d %b", "showgrid": False},
        "yaxis": {"rangemode": "tozero", "tick0": 0, "dtick": max(1, -(-busiest // 4)),
                  "gridcolor": "rgba(128,128,128,0.2)"},
    }})


def team_members(session: Session, ctx: TeamContext) -> list[tuple[int, str]]:
    return leads.team_owners(session=session, ctx=ctx)


class OutreachState(SessionState):
    """The /outreach page: filters, one page of entries, and the volume of the whole range."""

    entries: list[Entry] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    type_filter: str = ANY
    channel_filter: str = ANY
    user_filter: str = ANY
    date_from: str = ""
    date_to: str = ""
    members: list[list[str]] = []
    volume: list[TypeVolume] = []
    chart: go.Figure = go.Figure()
    field_errors: dict[str, str] = {}
    _loaded_lang: str = ""

    def tr(self, text: str) -> str:
        return translate_message(text, self.lang)

    @rx.event
    def relabel(self):
        """The texts built here are in the language of the last load: reload after a switch."""
        if self._loaded_lang and self._loaded_lang != self.lang:
            return OutreachState.load
        return None

    def _filters(self, ctx: TeamContext) -> OutreachFilter:
        user = None
        if self.user_filter == "me":
            user = ctx.user_id
        elif self.user_filter not in (ANY, ""):
            user = int(self.user_filter)
        return OutreachFilter(type=None if self.type_filter == ANY else self.type_filter,
                              channel=None if self.channel_filter == ANY else self.channel_filter,
                              user_id=user, date_from=self.date_from, date_to=self.date_to)

    def _default_range(self) -> None:
        today = local_today(self.team_timezone)
        self.date_to = self.date_to or today.isoformat()
        if not self.date_from:
            end = date.fromisoformat(self.date_to) if _is_iso_date(self.date_to) else today
            self.date_from = (end - timedelta(days=DEFAULT_RANGE_DAYS - 1)).isoformat()

    @rx.event
    @handles_errors
    def load(self):
        ctx = self._ctx()
        self.field_errors = {}
        self._loaded_lang = self.lang
        self._default_range()
        filters = self._filters(ctx)
        with session_scope() as session:
            days = outreach.timeline_by_day(session=session, ctx=ctx, date_from=self.date_from,
                                            date_to=self.date_to, filters=filters)
            result = outreach.list_outreach(session=session, ctx=ctx, filters=filters, page=self.page,
                                            page_size=PAGE_SIZE)
            if result.page > result.pages:
                result = outreach.list_outreach(session=session, ctx=ctx, filters=filters,
                                                page=result.pages, page_size=PAGE_SIZE)
            members = team_members(session, ctx)
            self.entries = timeline_entries(
                session, ctx, result.items, tz_name=self.team_timezone, lang=self.lang,
                currency=self.team_currency, members=dict(members),
                day_counts={d.day: d.total for d in days})
        self.members = [[str(uid), name] for uid, name in members]
        self.total, self.page, self.pages = result.total, result.page, result.pages
        self.volume = [TypeVolume(key, self.tr(TYPE_LABELS[key]), sum(d.by_type.get(kind, 0) for d in days))
                       for kind, key in TYPE_KEYS.items()]
        self.chart = volume_figure(days, self.lang)

    @rx.event
    def set_filter(self, name: str, value: str):
        if name not in ("type_filter", "channel_filter", "user_filter", "date_from", "date_to"):
            return None
        setattr(self, name, value)
        if name == "type_filter" and value != ANY:
            channels = outreach.CHANNELS.get(outreach.parse_type(value), ())
            if self.channel_filter not in channels:
                self.channel_filter = ANY
        self.page = 1
        return OutreachState.load

    @rx.event
    def toggle_type(self, kind: str):
        """A volume badge filters the timeline to its type, and back."""
        return OutreachState.set_filter("type_filter", ANY if self.type_filter == kind else kind)

    @rx.event
    def go_to_page(self, page: int):
        self.page = max(1, min(int(page), self.pages))
        return OutreachState.load

    @rx.event
    @handles_errors
    def set_response(self, outreach_id: int, status: str):
        change_response(self, outreach_id, status)
        return rx.toast.success(self.tr("Response saved."))


def _is_iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return True

