"""What the v1 API reads and writes: pydantic models that refuse unknown fields and wrong types
before a service sees the input (the services then check values against the team's rules).

Naming follows one line per record: `LeadCreate` (POST), `LeadUpdate` (PATCH: only the fields
sent change), `LeadRead` (answers), `LeadList` (one page with `next_cursor`). Text refuses
NUL characters and unpaired surrogates, ids are positive 32-bit integers, times must carry a
zone offset ("Z" or "+02:00"), money is a decimal with at most two places (sent and returned
as a string or number; returned as a string).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)

from leadhub.services import webhooks
from leadhub.services.models import (
    ActivityStatus,
    ActivityType,
    CallOutcome,
    DealStage,
    Interest,
    LeadStatus,
    Need,
    Rating,
    ResponseStatus,
    Role,
)

MAX_ID = 2**31 - 1


def plain_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text cannot contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("Text must be valid Unicode.") from None
    return value


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 - reads like a type
    return Annotated[str, Field(min_length=min_length, max_length=max_length),
                     AfterValidator(plain_text)]


Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Field(ge=1, le=MAX_ID)]          # query strings are text
Money = Annotated[Decimal, Field(ge=0, lt=Decimal("1e12"), max_digits=14, decimal_places=2)]
Number = Annotated[float, Field(allow_inf_nan=False)]


def custom_value(value: Any) -> Any:
    """One value of a custom field as JSON sends it; the team's field then checks its type."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("Use a finite number.")
        return value
    if isinstance(value, str):
        if len(value) > 2000:
            raise ValueError("Use at most 2000 characters.")
        return plain_text(value)
    raise ValueError("Use text, a number, true/false or null.")


CustomValue = Annotated[Any, AfterValidator(custom_value), WithJsonSchema({"anyOf": [
    {"type": "string", "maxLength": 2000}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}]})]
CustomFields = Annotated[dict[Annotated[str, Field(min_length=1, max_length=60), AfterValidator(plain_text)],
                              CustomValue], Field(max_length=100)]

LeadStatusIn = Literal["New", "Contacted", "Qualified", "Unqualified"]
LeadStatusOut = Literal[tuple(s.value for s in LeadStatus)]  # type: ignore[valid-type]
RatingIn = Literal["", "Hot", "Warm", "Cold"]
NeedIn = Literal["", "Urgent", "Moderate", "Low"]
InterestIn = Literal["", "High", "Medium", "Low"]
OutreachTypeName = Literal["platform", "email", "call", "social", "messenger"]
ResponseStatusIn = Literal[tuple(s.value for s in ResponseStatus)]  # type: ignore[valid-type]
CallOutcomeIn = Literal[tuple(o.value for o in CallOutcome)]  # type: ignore[valid-type]
DealStageIn = Literal[tuple(s.value for s in DealStage)]  # type: ignore[valid-type]
ActivityTypeIn = Literal[tuple(t.value for t in ActivityType)]  # type: ignore[valid-type]
ActivityStatusIn = Literal[tuple(s.value for s in ActivityStatus)]  # type: ignore[valid-type]
RoleIn = Literal[tuple(r.value for r in Role)]  # type: ignore[valid-type]
WebhookEvent = Literal[tuple(webhooks.EVENTS)]  # type: ignore[valid-type]

assert {s.value for s in Rating} | {""} == set(RatingIn.__args__)
assert {n.value for n in Need} | {""} == set(NeedIn.__args__)
assert {i.value for i in Interest} | {""} == set(InterestIn.__args__)


class Input(BaseModel):
    """Every request body: unknown fields are an error, never dropped."""

    model_config = ConfigDict(extra="forbid")

    def sent(self) -> dict[str, Any]:
        """The fields the caller sent (a PATCH changes only these)."""
        return self.model_dump(exclude_unset=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- Errors -------------------------------------------------------------------------------

class DuplicateMatch(Output):
    id: int
    name: str
    company: str
    email: str
    phone: str
    reasons: list[str]
    kinds: list[str] = Field(description='"email", "phone", "name_company" or "name"')
    score: int


class ErrorDetail(BaseModel):
    type: str = Field(description="NotFound, PermissionDenied, NotAuthenticated, Conflict, "
                                  "DuplicateLead, StaleRecord, ValidationFailed, RateLimited, …")
    message: str
    field_errors: dict[str, str] = Field(description="field (dotted path for nested ones) → message")
    matches: list[DuplicateMatch] | None = Field(
        default=None, description="DuplicateLead only: the likely duplicates, strongest first")


class ErrorResponse(BaseModel):
    error: ErrorDetail


# --- Leads --------------------------------------------------------------------------------

class LeadFields(Input):
    first_name: Text(80) = ""
    company: Text(160) = ""
    title: Text(120) = ""
    lead_source: Text(60) = Field("", description="one of the team's lead sources")
    industry: Text(60) = Field("", description="one of the team's industries")
    email: Text(254) = ""
    phone: Text(32) = Field("", description="any format; stored as E.164, local numbers read in the team's country")
    mobile: Text(32) = ""
    website: Text(255) = ""
    street: Text(255) = ""
    city: Text(100) = ""
    state: Text(100) = ""
    postal_code: Text(20) = ""
    country: Text(100) = ""
    rating: RatingIn = ""
    budget: Money | None = None
    need: NeedIn = ""
    interest: InterestIn = ""
    description: Text(10000) = ""
    notes: Text(10000) = ""
    owner_id: Id | None = Field(None, description="a member of the team; default: the key's member")
    outreach_id: Id | None = Field(None, description="the outreach that brought the lead in")
    custom_fields: CustomFields | None = Field(
        None, description="the team's custom fields by key (GET /leads/fields lists them); only the keys "
                          "sent change, null clears one", examples=[{"region": "North", "employees": 40}])


class LeadCreate(LeadFields):
    last_name: Text(80, min_length=1)
    status: LeadStatusIn = "New"


class LeadUpdate(LeadFields):
    last_name: Text(80, min_length=1) = None  # type: ignore[assignment]
    status: LeadStatusIn = Field(None, description="Converted only through /leads/{id}/convert")  # type: ignore[assignment]


class LeadRead(Output):
    id: int
    first_name: str
    last_name: str
    company: str
    title: str
    lead_source: str
    industry: str
    email: str
    phone: str
    mobile: str
    website: str
    street: str
    city: str
    state: str
    postal_code: str
    country: str
    status: LeadStatusOut
    rating: str
    budget: Decimal | None
    need: str
    interest: str
    description: str
    notes: str
    score: int
    custom_fields: dict[str, Any] = Field(description="the team's active custom fields by key; values of "
                                                      "removed fields are kept but not shown")
    owner_id: int | None
    outreach_id: int | None
    last_contacted_at: datetime | None
    converted_at: datetime | None
    converted_account_id: int | None
    converted_contact_id: int | None
    converted_deal_id: int | None
    created_at: datetime
    updated_at: datetime


class LeadFieldRead(BaseModel):
    key: str = Field(description="the name in a lead's `custom_fields`; never changes")
    label: str
    type: Literal["text", "textarea", "number", "date", "picklist", "checkbox", "url"]
    options: list[str] = Field(description="picklist options (empty for other types)")
    required: bool


class LeadList(BaseModel):
    data: list[LeadRead]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


# --- Conversion ---------------------------------------------------------------------------

class ConversionAccount(Input):
    name: Text(160) = None  # type: ignore[assignment]
    website: Text(255) = None  # type: ignore[assignment]
    industry: Text(60) = None  # type: ignore[assignment]
    phone: Text(32) = None  # type: ignore[assignment]
    city: Text(100) = None  # type: ignore[assignment]
    country: Text(100) = None  # type: ignore[assignment]


class ConversionContact(Input):
    first_name: Text(80) = None  # type: ignore[assignment]
    last_name: Text(80) = None  # type: ignore[assignment]
    email: Text(254) = None  # type: ignore[assignment]
    phone: Text(32) = None  # type: ignore[assignment]
    title: Text(120) = None  # type: ignore[assignment]


class ConversionDeal(Input):
    name: Text(200) = None  # type: ignore[assignment]
    amount: Money | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = None  # type: ignore[assignment]
    close_date: date | None = None
    stage: DealStageIn = None  # type: ignore[assignment]


class ConversionRequest(Input):
    """What to make of the lead. Every value left out comes from the lead, as the conversion
    dialog suggests it (the deal's amount is the lead's budget; the account the company)."""

    account_mode: Literal["new", "existing", "none"] = Field(
        "new", description="new account, an existing one (`account_id`), or none")
    account_id: Id | None = None
    account: ConversionAccount = Field(default_factory=ConversionAccount)
    create_contact: StrictBool = True
    contact: ConversionContact = Field(default_factory=ConversionContact)
    create_deal: StrictBool = True
    deal: ConversionDeal = Field(default_factory=ConversionDeal)


# --- Outreach -----------------------------------------------------------------------------

class OutreachCreate(Input):
    type: OutreachTypeName
    description: Text(5000, min_length=1)
    occurred_at: AwareDatetime = Field(description="when it happened (not in the future)")
    channel: Text(80) | None = Field(None, description="platform, network or messenger name")
    value: Text(500) | None = Field(None, description="URL, profile or handle")
    email: Text(254) | None = None
    phone: Text(32) | None = None
    call_outcome: CallOutcomeIn | None = None
    call_duration_seconds: Annotated[StrictInt, Field(ge=0, le=86400)] | None = None
    response_status: ResponseStatusIn | None = None
    lead_id: Id | None = None
    contact_id: Id | None = None
    user_id: Id | None = Field(None, description="the rep who made it (managers and admins only)")
    follow_up_due: AwareDatetime | date | None = Field(
        None, description="creates a follow-up task; a bare date means 09:00 in the team's zone")
    follow_up_subject: Text(200) = ""


class OutreachUpdate(Input):
    """An outreach is a record of what happened: only its answer and call result change."""

    response_status: ResponseStatusIn = None  # type: ignore[assignment]
    responded_at: AwareDatetime | None = None
    call_outcome: CallOutcomeIn = None  # type: ignore[assignment]
    call_duration_seconds: Annotated[StrictInt, Field(ge=0, le=86400)] | None = None


class OutreachRead(Output):
    id: int
    type: OutreachTypeName
    channel: str | None
    value: str | None
    email: str | None
    phone: str | None
    description: str
    occurred_at: datetime
    response_status: str
    responded_at: datetime | None
    call_outcome: str | None
    call_duration_seconds: int | None
    lead_id: int | None
    contact_id: int | None
    user_id: int
    created_at: datetime


class OutreachList(BaseModel):
    data: list[OutreachRead]
    next_cursor: str | None


# --- Contacts -----------------------------------------------------------------------------

class ContactFields(Input):
    first_name: Text(80) = ""
    email: Text(254) = ""
    phone: Text(32) = ""
    title: Text(120) = ""
    account_id: Id | None = None
    lead_id: Id | None = None
    owner_id: Id | None = None


class ContactCreate(ContactFields):
    last_name: Text(80, min_length=1)
    outreach_id: Id | None = Field(None, description="the outreach that brought the contact in (attribution)")


class ContactUpdate(ContactFields):
    last_name: Text(80, min_length=1) = None  # type: ignore[assignment]


class ContactRead(Output):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str
    account_id: int | None
    outreach_id: int | None
    lead_id: int | None
    lead_source: str
    last_contacted_at: datetime | None
    owner_id: int | None
    created_at: datetime
    updated_at: datetime


class ContactList(BaseModel):
    data: list[ContactRead]
    next_cursor: str | None


# --- Accounts -----------------------------------------------------------------------------

class AccountFields(Input):
    website: Text(255) = ""
    industry: Text(60) = ""
    phone: Text(32) = ""
    city: Text(100) = ""
    country: Text(100) = ""
    owner_id: Id | None = None


class AccountCreate(AccountFields):
    name: Text(160, min_length=1)


class AccountUpdate(AccountFields):
    name: Text(160, min_length=1) = None  # type: ignore[assignment]


class AccountRead(Output):
    id: int
    name: str
    website: str
    industry: str
    phone: str
    city: str
    country: str
    owner_id: int | None
    created_at: datetime
    updated_at: datetime


class AccountList(BaseModel):
    data: list[AccountRead]
    next_cursor: str | None


# --- Deals --------------------------------------------------------------------------------

class DealFields(Input):
    amount: Money | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(None, description="default: the team's")
    close_date: date | None = None
    probability: Annotated[StrictInt, Field(ge=0, le=100)] | None = Field(
        None, description="percent; default: the stage's usual one")
    account_id: Id | None = None
    contact_id: Id | None = None
    lead_id: Id | None = None
    outreach_id: Id | None = None
    owner_id: Id | None = None


class DealCreate(DealFields):
    name: Text(200, min_length=1)
    stage: DealStageIn = "Prospecting"


class DealUpdate(DealFields):
    name: Text(200, min_length=1) = None  # type: ignore[assignment]
    stage: DealStageIn = None  # type: ignore[assignment]


class DealRead(Output):
    id: int
    name: str
    amount: Decimal | None
    currency: str
    stage: str
    close_date: date | None
    probability: int
    account_id: int | None
    contact_id: int | None
    lead_id: int | None
    outreach_id: int | None
    lead_source: str
    owner_id: int | None
    created_at: datetime
    updated_at: datetime


class DealList(BaseModel):
    data: list[DealRead]
    next_cursor: str | None


class ConversionResultRead(BaseModel):
    lead: LeadRead
    account: AccountRead | None
    account_created: bool
    contact: ContactRead | None
    deal: DealRead | None


# --- Activities ---------------------------------------------------------------------------

class ActivityFields(Input):
    type: ActivityTypeIn = "task"
    description: Text(5000) = ""
    due_at: AwareDatetime | None = None
    status: ActivityStatusIn = "planned"
    owner_id: Id | None = None


class ActivityCreate(ActivityFields):
    lead_id: Id = Field(description="activities belong to a lead")
    subject: Text(200, min_length=1)


class ActivityUpdate(ActivityFields):
    subject: Text(200, min_length=1) = None  # type: ignore[assignment]


class ActivityRead(Output):
    id: int
    type: str
    subject: str
    description: str
    due_at: datetime | None
    status: str
    completed_at: datetime | None
    owner_id: int | None
    lead_id: int | None
    contact_id: int | None
    deal_id: int | None
    outreach_id: int | None
    created_at: datetime


class ActivityList(BaseModel):
    data: list[ActivityRead]
    next_cursor: str | None


# --- Admin: API keys and webhooks ---------------------------------------------------------

class ApiKeyCreate(Input):
    name: Text(80, min_length=1)
    role: RoleIn = Field("rep", description="the most the key may do; never above its member's role")
    user_id: Id | None = Field(None, description="the member the key acts as; default: you")


class ApiKeyRead(Output):
    id: int
    name: str
    prefix: str
    role: str
    user_id: int
    user_name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    token: str = Field(description="the key itself: shown this once, store it now")


class WebhookCreate(Input):
    url: Text(500, min_length=1)
    events: Annotated[list[WebhookEvent], Field(min_length=1, max_length=len(webhooks.EVENTS))]
    description: Text(200) = ""
    enabled: StrictBool = True


class WebhookUpdate(Input):
    url: Text(500, min_length=1) = None  # type: ignore[assignment]
    events: Annotated[list[WebhookEvent], Field(min_length=1, max_length=len(webhooks.EVENTS))] = None  # type: ignore[assignment]
    description: Text(200) = None  # type: ignore[assignment]
    enabled: StrictBool = None  # type: ignore[assignment]


class WebhookRead(Output):
    id: int
    url: str
    events: list[str]
    description: str
    enabled: bool
    secret_masked: str
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="the signing secret: shown this once, store it now")


class WebhookTestResult(BaseModel):
    status_code: int


class Me(BaseModel):
    team_id: int
    team_name: str
    user_id: int
    user_name: str
    role: str
    key_prefix: str
