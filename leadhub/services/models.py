"""Tables of LeadHub: one place the database schema, Alembic and every service agree on.

Conventions: every row that belongs to a team carries `team_id` (indexed, first column of
compound indexes); timestamps are timezone-aware UTC (`utcnow()`; SQLModel's UTCDateTime
stores them as UTC on SQLite and PostgreSQL alike), converted to the team's time zone only
for display; money is Numeric(14, 2); choice fields are stored as their plain value.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Current time as aware UTC, the one form stored in every timestamp column."""
    return datetime.now(timezone.utc)


def money(**kwargs: Any) -> Any:
    return Field(default=None, sa_type=Numeric(14, 2), **kwargs)


class Role(str, enum.Enum):
    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"


class LeadStatus(str, enum.Enum):
    NEW = "New"
    CONTACTED = "Contacted"
    QUALIFIED = "Qualified"
    UNQUALIFIED = "Unqualified"
    CONVERTED = "Converted"


class Rating(str, enum.Enum):
    HOT = "Hot"
    WARM = "Warm"
    COLD = "Cold"


class Need(str, enum.Enum):
    URGENT = "Urgent"
    MODERATE = "Moderate"
    LOW = "Low"


class Interest(str, enum.Enum):
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


class OutreachType(enum.IntEnum):
    PLATFORM = 1
    EMAIL = 2
    CALL = 3
    SOCIAL = 4
    MESSENGER = 5


class ResponseStatus(str, enum.Enum):
    AWAITING = "awaiting"
    REPLIED = "replied"
    POSITIVE = "positive"
    NEGATIVE = "negative"
    BOUNCED = "bounced"


class CallOutcome(str, enum.Enum):
    CONNECTED = "connected"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"


class DealStage(str, enum.Enum):
    PROSPECTING = "Prospecting"
    QUALIFICATION = "Qualification"
    PROPOSAL = "Proposal"
    NEGOTIATION = "Negotiation"
    CLOSED_WON = "Closed Won"
    CLOSED_LOST = "Closed Lost"


class ActivityType(str, enum.Enum):
    TASK = "task"
    EVENT = "event"
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"


class ActivityStatus(str, enum.Enum):
    PLANNED = "planned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


LEAD_SOURCES = [
    "Web Form", "Upwork", "Guru", "PeoplePerHour", "LinkedIn", "Cold Call", "Cold Email",
    "Referral", "Trade Show", "Partner", "Advertisement", "Existing Customer", "Other",
]
INDUSTRIES = [
    "Software", "Consulting", "Retail", "Manufacturing", "Finance", "Healthcare", "Education",
    "Real Estate", "Hospitality", "Logistics", "Marketing", "Construction", "Other",
]


# --- Teams, users, sessions -------------------------------------------------------------

class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    timezone: str = Field(default="UTC", max_length=64)
    currency: str = Field(default="USD", max_length=3)
    language: str = Field(default="en", max_length=5)
    country: str = Field(default="US", max_length=2, description="default region for phone numbers")
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    language: str = Field(default="en", max_length=5)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_membership_team_user"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str = Field(default=Role.REP.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class UserSession(SQLModel, table=True):
    """A login: only the SHA-256 of the token is stored, the browser keeps the token."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    team_id: int = Field(foreign_key="team.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_email_at", "email", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    succeeded: bool = Field(default=False)
    attempted_at: datetime = Field(default_factory=utcnow)


# --- CRM records ------------------------------------------------------------------------

class Outreach(SQLModel, table=True):
    __table_args__ = (
        Index("ix_outreach_team_occurred", "team_id", "occurred_at"),
        Index("ix_outreach_team_type_occurred", "team_id", "type", "occurred_at"),
        Index("ix_outreach_team_user_occurred", "team_id", "user_id", "occurred_at"),
        # analytics: dashboard scans read only this index (no table rows)
        Index("ix_outreach_team_occurred_analytics", "team_id", "occurred_at", "type", "user_id", "channel",
              "response_status", "call_outcome", "lead_id", "contact_id", "id"),
        Index("ix_outreach_lead_occurred", "lead_id", "occurred_at"),  # a lead's first touch
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    user_id: int = Field(foreign_key="user.id")
    type: int = Field(description="OutreachType: 1 platform, 2 email, 3 call, 4 social, 5 messenger")
    channel: str | None = Field(default=None, max_length=80,
                                description="platform, social network or messenger name")
    value: str | None = Field(default=None, max_length=500, description="URL, profile or handle")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    description: str = Field(default="", max_length=5000)
    occurred_at: datetime
    response_status: str = Field(default=ResponseStatus.AWAITING.value, max_length=16)
    responded_at: datetime | None = None
    call_outcome: str | None = Field(default=None, max_length=16)
    call_duration_seconds: int | None = None
    # lead and contact point back at outreach too: these two foreign keys are added after
    # both tables exist (use_alter), which PostgreSQL needs for the cycle.
    lead_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("lead.id", use_alter=True, name="fk_outreach_lead_id"), index=True))
    contact_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("contact.id", use_alter=True, name="fk_outreach_contact_id"), index=True))
    created_at: datetime = Field(default_factory=utcnow)


class Lead(SQLModel, table=True):
    __table_args__ = (
        Index("ix_lead_team_status_position", "team_id", "status", "position"),
        Index("ix_lead_team_status_budget", "team_id", "status", "budget"),  # board totals
        # analytics read the leads of a range (status, source, owner, origin, first touch) from
        # this index alone on PostgreSQL, not from the wide rows
        Index("ix_lead_team_created", "team_id", "created_at", postgresql_include=[
            "status", "lead_source", "owner_id", "outreach_id", "first_touch_at"]),
        Index("ix_lead_team_updated", "team_id", "updated_at"),
        Index("ix_lead_team_owner", "team_id", "owner_id"),
        Index("ix_lead_team_last_name", "team_id", "last_name", "first_name"),
        # covering index: a text search scans this instead of whole rows
        Index("ix_lead_team_search", "team_id", "search_text"),
        Index("ix_lead_team_company", "team_id", "company"),
        Index("ix_lead_team_email", "team_id", "email"),
        Index("ix_lead_team_phone", "team_id", "phone"),    # duplicate checks
        Index("ix_lead_team_mobile", "team_id", "mobile"),
        Index("ix_lead_team_source", "team_id", "lead_source"),
        Index("ix_lead_team_rating", "team_id", "rating"),
        Index("ix_lead_team_score", "team_id", "score"),
        Index("ix_lead_team_import", "team_id", "import_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    first_name: str = Field(default="", max_length=80)
    last_name: str = Field(max_length=80)
    company: str = Field(default="", max_length=160)
    title: str = Field(default="", max_length=120)
    lead_source: str = Field(default="", max_length=60)
    industry: str = Field(default="", max_length=60)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=32)
    mobile: str = Field(default="", max_length=32)
    website: str = Field(default="", max_length=255)
    street: str = Field(default="", max_length=255)
    city: str = Field(default="", max_length=100)
    state: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", max_length=100)
    status: str = Field(default=LeadStatus.NEW.value, max_length=16)
    rating: str = Field(default="", max_length=8)
    rating_manual: bool = Field(default=False, sa_column_kwargs={"server_default": "0"},
                                description="a rep set the rating; scores no longer change it")
    budget: Decimal | None = money()
    need: str = Field(default="", max_length=16)
    interest: str = Field(default="", max_length=16)
    description: str = Field(default="", max_length=10000)
    notes: str = Field(default="", max_length=10000)
    score: int = Field(default=0)
    custom_fields: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    outreach_id: int | None = Field(default=None, foreign_key="outreach.id", index=True)
    position: float = Field(default=0.0, description="order within its status column")
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"},
                         description="bumped on every change; moves compare-and-set on it")
    search_text: str = Field(default="", max_length=1000,
                             description="lower-case, accent-free name/company/email/phone")
    last_contacted_at: datetime | None = None
    converted_at: datetime | None = None
    first_touch_at: datetime | None = Field(
        default=None, description="its first outreach at or after its creation (kept by database triggers)")
    import_id: int | None = Field(default=None, description="the CSV import that created it (undo)")
    # what the conversion dialog made of it; these point "forward" at tables that point back
    # at lead, so PostgreSQL adds them after both exist (use_alter), like outreach's
    converted_account_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("account.id", use_alter=True, name="fk_lead_converted_account_id")))
    converted_contact_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("contact.id", use_alter=True, name="fk_lead_converted_contact_id")))
    converted_deal_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("deal.id", use_alter=True, name="fk_lead_converted_deal_id")))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Account(SQLModel, table=True):
    __table_args__ = (Index("ix_account_team_name", "team_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    name: str = Field(max_length=160)
    website: str = Field(default="", max_length=255)
    industry: str = Field(default="", max_length=60)
    phone: str = Field(default="", max_length=32)
    city: str = Field(default="", max_length=100)
    country: str = Field(default="", max_length=100)
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Contact(SQLModel, table=True):
    __table_args__ = (
        Index("ix_contact_team_last_contacted", "team_id", "last_contacted_at"),
        Index("ix_contact_team_last_name", "team_id", "last_name"),
        Index("ix_contact_team_owner", "team_id", "owner_id"),
        Index("ix_contact_team_email", "team_id", "email"),
        Index("ix_contact_team_outreach_occurred", "team_id", "outreach_occurred_at"),  # channel funnel
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    first_name: str = Field(default="", max_length=80)
    last_name: str = Field(max_length=80)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=32)
    title: str = Field(default="", max_length=120)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    outreach_id: int | None = Field(default=None, foreign_key="outreach.id", index=True)
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    lead_source: str = Field(default="", max_length=60, sa_column_kwargs={"server_default": ""},
                             description="the converted lead's source")
    # copies of the attributed outreach (kept by database triggers, see services/analytics/attribution.py)
    outreach_occurred_at: datetime | None = None
    outreach_type: int | None = None
    outreach_channel: str | None = Field(default=None, max_length=80)
    outreach_user_id: int | None = None
    last_contacted_at: datetime | None = None
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Deal(SQLModel, table=True):
    __table_args__ = (
        Index("ix_deal_team_stage", "team_id", "stage"),
        Index("ix_deal_team_close", "team_id", "close_date"),
        Index("ix_deal_team_created", "team_id", "created_at"),
        Index("ix_deal_team_owner", "team_id", "owner_id"),
        Index("ix_deal_team_outreach_occurred", "team_id", "outreach_occurred_at"),  # channel funnel
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    name: str = Field(max_length=200)
    amount: Decimal | None = money()
    currency: str = Field(default="USD", max_length=3)
    stage: str = Field(default=DealStage.PROSPECTING.value, max_length=20)
    close_date: date | None = None
    probability: int = Field(default=10)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    outreach_id: int | None = Field(default=None, foreign_key="outreach.id", index=True)
    lead_source: str = Field(default="", max_length=60, sa_column_kwargs={"server_default": ""},
                             description="the converted lead's source")
    # copies of the attributed outreach (kept by database triggers, see services/analytics/attribution.py)
    outreach_occurred_at: datetime | None = None
    outreach_type: int | None = None
    outreach_channel: str | None = Field(default=None, max_length=80)
    outreach_user_id: int | None = None
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Activity(SQLModel, table=True):
    __table_args__ = (
        Index("ix_activity_team_due", "team_id", "due_at"),
        Index("ix_activity_team_owner_status", "team_id", "owner_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    type: str = Field(default=ActivityType.TASK.value, max_length=16)
    subject: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    due_at: datetime | None = None
    status: str = Field(default=ActivityStatus.PLANNED.value, max_length=16)
    completed_at: datetime | None = None
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deal.id", index=True)
    outreach_id: int | None = Field(default=None, foreign_key="outreach.id")
    created_at: datetime = Field(default_factory=utcnow)


class Campaign(SQLModel, table=True):
    __table_args__ = (Index("ix_campaign_team_name", "team_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    name: str = Field(max_length=160)
    type: str = Field(default="", max_length=40)
    status: str = Field(default="Active", max_length=20)
    budget: Decimal | None = money()
    actual_cost: Decimal | None = money()
    expected_revenue: Decimal | None = money()
    start_date: date | None = None
    end_date: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


class CampaignMember(SQLModel, table=True):
    __tablename__ = "campaign_member"
    __table_args__ = (
        UniqueConstraint("campaign_id", "lead_id", name="uq_campaign_member_lead"),
        Index("ix_campaign_member_team_campaign", "team_id", "campaign_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    campaign_id: int = Field(foreign_key="campaign.id")
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    added_at: datetime = Field(default_factory=utcnow)


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deal.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=120)
    size_bytes: int = Field(default=0)
    storage_key: str = Field(max_length=255, description="file name under the data folder")
    uploaded_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Note(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deal.id", index=True)
    body: str = Field(max_length=10000)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class LeadStatusHistory(SQLModel, table=True):
    __tablename__ = "lead_status_history"
    __table_args__ = (Index("ix_lead_status_history_team_changed", "team_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    lead_id: int = Field(foreign_key="lead.id", index=True)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    changed_by: int | None = Field(default=None, foreign_key="user.id")
    changed_at: datetime = Field(default_factory=utcnow)


# --- Events and their deliveries (outbox) ----------------------------------------------

class DomainEvent(SQLModel, table=True):
    """A past-tense fact (LeadAcquired, LeadStatusChanged…), written in the same
    transaction as the change it records; handlers pick it up after commit."""

    __tablename__ = "domain_event"
    __table_args__ = (
        Index("ix_domain_event_team_occurred", "team_id", "occurred_at"),
        Index("ix_domain_event_dispatched", "dispatched_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    name: str = Field(max_length=60)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    user_id: int | None = Field(default=None, foreign_key="user.id")
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    occurred_at: datetime = Field(default_factory=utcnow)
    dispatched_at: datetime | None = None


class Notification(SQLModel, table=True):
    """One outgoing message for one event on one channel, stored before it is sent."""

    __table_args__ = (
        UniqueConstraint("event_id", "channel", name="uq_notification_event_channel"),
        Index("ix_notification_status_next", "status", "next_attempt_at"),
        Index("ix_notification_team_created", "team_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    event_id: int = Field(foreign_key="domain_event.id")
    channel: str = Field(max_length=20)
    status: str = Field(default="pending", max_length=12)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_until: datetime | None = None
    last_error: str = Field(default="", max_length=2000)
    delivered_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
