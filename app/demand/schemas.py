import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.income.schemas import YourPrice
from app.masking import ContactKind
from app.models import (
    ContractTerm,
    ContractType,
    EngagementStatus,
    OfferStatus,
    PriceModel,
    ProviderKind,
    RequestMode,
    RequestStatus,
    ReviewStatus,
    SubstitutionReason,
    VerificationKind,
)
from app.providers.schemas import ServiceProvider
from app.schedules import WeeklySchedule, WeeklySlot
from app.shared_schemas import Cents, CentsTotal, LanguageCode, PointIn, Strict, Version, WeeklyMinutes, stored, trimmed

Reason = trimmed(500, min_length=3)
CcnlLevel = Literal["A", "AS", "B", "BS", "C", "CS", "D", "DS"]
Rating = Annotated[int, Field(ge=1, le=5)]
MAX_INVITED = 5  # providers invited to one request
MAX_MATCHES = 50  # top candidates listed for one request
# A substitute covers an absence, not a new arrangement: 90 days holds a year's holiday (26 working
# days, CCNL lavoro domestico) taken at once and a long illness, in one request; longer is a new engagement.
MAX_SUBSTITUTION_DAYS = 90
# Substitutions one engagement may ask for (all, whatever became of them), so its read stays bounded:
# a few a year (holidays, illness) over a long engagement.
MAX_SUBSTITUTIONS = 40


class RequestAddress(Strict):
    """Where the service happens (Milan): private to the citizen until an engagement."""

    street: trimmed(200)
    postcode: Annotated[str, StringConstraints(pattern=r"^\d{5}$", max_length=5)]


class Preferences(Strict):
    languages: Annotated[list[LanguageCode], Field(max_length=10)] = Field(default_factory=list)
    provider_kinds: Annotated[list[ProviderKind], Field(max_length=6)] = Field(default_factory=list)
    required_badges: Annotated[list[VerificationKind], Field(max_length=7)] = Field(default_factory=list)

    @field_validator("languages", "provider_kinds", "required_badges")
    @classmethod
    def _unique(cls, value: list) -> list:
        return list(dict.fromkeys(value))


class RequestFields(Strict):
    category_id: uuid.UUID | None = Field(default=None, description="A leaf category")
    description: Annotated[str, Field(max_length=2000)] | None = None
    address: RequestAddress | None = Field(default=None, description="Private: only the citizen and their operator")
    point: PointIn | None = Field(default=None, description="Private; places the request in its NIL")
    nil_id: uuid.UUID | None = Field(default=None, description="The NIL, when no point is given")
    schedule: Annotated[list[WeeklySlot], Field(min_length=1, max_length=30)] | None = None
    start_date: date | None = None
    end_date: date | None = None
    budget_cents: Cents | None = None
    budget_model: PriceModel | None = Field(default=None, description="What the budget is per (hourly, monthly…)")
    preferences: Preferences | None = None
    beneficiary_notes: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="Minimal, private; no health or other special-category data"
    )
    open_to_sharing: bool | None = None
    quotes_due_at: datetime | None = Field(
        default=None,
        description="Quote mode: offers close at this instant (at least 24 h ahead, before valid_until). "
        "Once the request is open it only moves later, and invited providers are told",
    )


class RequestCreate(RequestFields):
    """A request needs a place as well: `point` or `nil_id` (neither: 422 at /point)."""

    # Not a schema-level anyOf: openapi-python-client turns such a body into two models that keep
    # only `point` or only `nil_id`, dropping every other field.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category_id": "d0a783ff-65ef-5e15-a055-267d33ed110f",
                    "description": "Babysitter per due bambini (4 e 7 anni), che parli inglese.",
                    "point": {"lat": 45.4781, "lon": 9.2265},
                    "schedule": [
                        {"day": "tue", "opens": "16:00", "closes": "19:00"},
                        {"day": "thu", "opens": "16:00", "closes": "19:00"},
                    ],
                    "start_date": "2027-01-11",
                    "budget_cents": 1200,
                    "budget_model": "hourly",
                    "preferences": {"languages": ["en"]},
                    "open_to_sharing": True,
                    "mode": "quote",
                }
            ]
        },
    )

    category_id: uuid.UUID
    schedule: Annotated[list[WeeklySlot], Field(min_length=1, max_length=30)]
    start_date: date
    mode: RequestMode = RequestMode.quote
    citizen_id: uuid.UUID | None = Field(
        default=None, description="Hub operators acting for an offline citizen: that citizen's id"
    )
    consent_note: trimmed(500, min_length=3) | None = Field(
        default=None, description="Required with citizen_id: how the citizen gave consent"
    )
    open_now: bool = Field(default=True, description="Open at once (else stays a draft)")


class RequestUpdate(RequestFields):
    """Only the fields sent change; allowed while draft or open."""


class RequestRead(BaseModel):
    """The owner's (and their operator's) view: everything, including private fields."""

    id: uuid.UUID
    citizen_id: uuid.UUID
    created_by_id: uuid.UUID | None
    consent_recorded_at: datetime | None
    category_id: uuid.UUID
    description: str
    address: RequestAddress | None
    point: PointIn | None
    nil_id: uuid.UUID
    schedule: WeeklySchedule
    start_date: date
    end_date: date | None
    budget_cents: Cents | None
    budget_model: PriceModel | None
    preferences: Preferences
    beneficiary_notes: str | None
    open_to_sharing: bool
    mode: RequestMode
    status: RequestStatus
    opened_at: datetime | None
    valid_until: datetime | None
    quotes_due_at: datetime | None
    closed_reason: str | None
    invited_provider_ids: list[uuid.UUID] = Field(max_length=MAX_INVITED)
    pool_id: uuid.UUID | None = Field(
        default=None, description="The shared-service pool this request is in, or invited to (see /v1/pools)"
    )
    substitutes_engagement_id: uuid.UUID | None = Field(
        default=None, description="A substitute request: the engagement whose absent worker it covers"
    )
    created_at: datetime
    updated_at: datetime
    version: Version


class AnonymisedRequest(BaseModel):
    """What a provider sees before the citizen accepts its offer: never who or exactly where."""

    id: uuid.UUID
    category_id: uuid.UUID
    nil_id: uuid.UUID
    description: str
    schedule: WeeklySchedule
    start_date: date
    end_date: date | None
    budget_cents: Cents | None
    budget_model: PriceModel | None
    preferences: Preferences
    open_to_sharing: bool
    mode: RequestMode
    valid_until: datetime | None
    quotes_due_at: datetime | None = Field(description="Quote mode: offers are refused (409) from this instant")
    invited: bool = Field(description="This provider was invited (quote or operator mode)")
    has_offered: bool = Field(description="This provider already has a pending offer on it")
    is_substitution: bool = Field(
        default=False,
        description="A substitute for an absent worker, for its dates: a CCNL offer is a fixed-term replacement",
    )


class ReasonIn(Strict):
    reason: Reason


# A household has a wallet per grant; a split naming more wallets than this is not a real one.
MAX_FUNDING_LINES = 10


class FundingChoiceIn(Strict):
    wallet_id: uuid.UUID = Field(description="A wallet of the funding proposal (its wallet_id)")
    amount_cents: Annotated[int, Field(ge=1, le=10_000_000, description="What this wallet pays, in cents")]


class OfferAcceptance(Strict):
    """The funding the household confirms, as proposed by GET /v1/offers/{id}/funding-proposal or
    changed (fewer wallets, lower amounts). Omitted or empty: the household pays everything itself."""

    funding: Annotated[list[FundingChoiceIn], Field(max_length=MAX_FUNDING_LINES)] = []


class InvitationCreate(Strict):
    service_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=5)]


class ScoreBreakdown(BaseModel):
    category: float = Field(description="Same category: always 1 (a hard filter)")
    coverage: float = Field(description="Fraction of the wanted weekly minutes the service is available")
    proximity: float = Field(description="1 within 1 km of the request, falling to 0 at 10 km; 0.5 if unknown")
    price: float = Field(
        description="1 within budget, falling linearly to 0 at twice the budget, compared per hour of the need "
        "where both sides have an hourly figure; 1 when free; 0.5 without a budget or when the prices cannot be "
        "compared (price_comparison says which and why)"
    )
    languages: float = Field(description="Fraction of the wanted languages spoken")
    rating: float = Field(description="Bayesian average rating / 5")
    badges: float = Field(
        description="Fraction of the 4 core checks held (identity, background, references, "
        "insurance), 1 when all required badges are held"
    )


class MatchPriceComparison(BaseModel):
    """How the price component was measured (app/demand/match_score.py)."""

    basis: Literal["free", "per_hour", "same_unit", "no_budget", "not_comparable"] = Field(
        description="per_hour: both per hour of the weekly need (a monthly price over the hours needed, up to the "
        "hours it buys; per session x 60 / its minutes); same_unit: both as priced (per session, per job); "
        "free; no_budget; not_comparable (scored 0.5)"
    )
    listing_per_hour_cents: CentsTotal | None = Field(description="What an hour of the need costs with this listing")
    budget_per_hour_cents: CentsTotal | None = Field(description="The request's budget per hour of its need")
    note: str = Field(max_length=300)


class MatchRead(BaseModel):
    service_id: uuid.UUID
    provider_id: uuid.UUID
    provider_name: str
    title: str
    score: float = Field(description="Sum of weight × component, 0-100")
    breakdown: ScoreBreakdown
    weights: dict[str, float]
    overlap_minutes: WeeklyMinutes = Field(description="Weekly minutes of the need the service covers")
    distance_km: float | None
    price_cents: Cents | None
    price_model: PriceModel
    price_comparison: MatchPriceComparison
    your_price: YourPrice | None = Field(
        default=None,
        description=(
            "The household's price under the listing's ISEE bands, when the household itself looks and has a "
            "verified ISEE in force (GET /v1/me/isee); null otherwise"
        ),
    )


class MatchList(BaseModel):
    items: list[MatchRead] = Field(max_length=MAX_MATCHES)
    weights: dict[str, float]
    need_minutes: WeeklyMinutes


class OfferCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "provider_id": "0b0f7f2e-6f7a-4b8e-9f0e-2f4a1c3d5e6f",
                    "price_cents": 1150,
                    "price_model": "hourly",
                    "schedule": [{"day": "tue", "opens": "16:00", "closes": "19:00"}],
                    "message": "Disponibile da gennaio, parlo inglese.",
                    "contract_type": "ccnl_domestic",
                    "ccnl_level": "BS",
                    "weekly_hours": 6,
                    "valid_until": "2027-01-05T18:00:00Z",
                }
            ]
        },
    )

    provider_id: uuid.UUID
    service_id: uuid.UUID | None = None
    price_cents: Cents
    price_model: PriceModel
    schedule: Annotated[list[WeeklySlot], Field(min_length=1, max_length=30)]
    message: Annotated[str, Field(max_length=2000)] = ""
    proposed_worker_name: trimmed(200, min_length=0) | None = None
    contract_type: ContractType
    ccnl_level: CcnlLevel | None = None
    weekly_hours: float | None = Field(default=None, gt=0, le=54, description="CCNL: contracted weekly hours")
    live_in: bool = Field(
        default=False,
        description="CCNL: the worker lives in (convivente); the price is held to the level's monthly live-in "
        "minimum (for up to 54 h/week), hourly and per-session prices brought to a month",
    )
    session_minutes: int | None = Field(
        default=None,
        ge=1,
        le=1440,
        description="Per-session prices: how long a session lasts. Required on a per-session CCNL or Libretto "
        "Famiglia offer (it brings the price to an hour for the minimum-pay check)",
    )
    contract_term: ContractTerm | None = Field(
        default=None,
        description="CCNL only. Default: fixed_term_replacement on a substitute request (the only term "
        "allowed there), open_ended elsewhere (fixed_term_replacement is for substitute requests)",
    )
    valid_until: datetime | None = Field(default=None, description="Default: 7 days from now")


class ProposedWorker(BaseModel):
    """Who would come, as the household may know them before accepting: a first name, never a surname
    or a contact (the engagement carries the contacts once the household accepts)."""

    first_name: stored(200)
    badges: list[VerificationKind] = Field(
        max_length=len(VerificationKind),
        description=(
            "The checks that hold for this worker. Verifications are made per provider: an individual "
            "worker's are their own; an organisation's workers have none of their own on the platform "
            "yet (the organisation's badges are in `provider`), so this is empty for them."
        ),
    )


class OfferRead(BaseModel):
    id: uuid.UUID
    request_id: uuid.UUID
    provider_id: uuid.UUID
    provider: ServiceProvider = Field(description="Who made the offer: no extra call per offer")
    service_id: uuid.UUID | None
    price_cents: Cents
    price_model: PriceModel
    schedule: WeeklySchedule
    message: str = Field(
        description=(
            "The provider's note. Until the household accepts, it reads the note with contact details "
            "(phone numbers, e-mails, links, IBANs) masked; the provider's staff see it as written"
        )
    )
    message_masked_kinds: list[ContactKind] = Field(
        max_length=len(ContactKind),
        description="The kinds of contact details the household does not see in the note until it accepts",
    )
    proposed_worker_name: stored(200) | None = Field(
        description=(
            "As the provider wrote it, for the provider's staff and, once the offer is accepted, for "
            "the household; before that the household sees the first name only (null if none was written)"
        )
    )
    proposed_worker: ProposedWorker | None = Field(description="Set when the provider proposed a worker by name")
    your_price: YourPrice | None = Field(
        default=None,
        description=(
            "Income-based price from the listing's ISEE bands (same price unit only). While pending: for the "
            "household itself when it has a verified ISEE in force, computed as it reads. Once accepted: the price "
            "recorded at acceptance, shown to both parties (the provider charges it). Null otherwise"
        ),
    )
    contract_type: ContractType
    ccnl_level: str | None
    weekly_hours: float | None
    live_in: bool = Field(description="CCNL: the worker lives in (convivente)")
    session_minutes: int | None = Field(ge=1, le=1440, description="Per-session prices: a session's length")
    contract_term: ContractTerm | None
    valid_until: datetime
    status: OfferStatus
    decided_at: datetime | None
    created_at: datetime
    version: Version


class SubstitutionCreate(Strict):
    start_date: date = Field(description="The first day the worker is away: today or later, within the engagement")
    end_date: date = Field(description=f"The last day, at most {MAX_SUBSTITUTION_DAYS} days after start_date")
    reason: SubstitutionReason
    note: trimmed(500) | None = Field(default=None, description="For both parties; no health details")


class SubstitutionRead(BaseModel):
    """A substitute asked for while an engagement's worker is away: a request of the household,
    first offered to the engagement's provider (quote mode, invited)."""

    id: uuid.UUID = Field(description="The substitute request's id (the household reads it at /v1/requests/{id})")
    engagement_id: uuid.UUID = Field(description="The engagement covered")
    start_date: date
    end_date: date
    reason: SubstitutionReason
    note: stored(500) | None
    status: RequestStatus = Field(description="The substitute request's: accepted once a substitute is engaged")
    mode: RequestMode
    requested_by_id: uuid.UUID | None = Field(
        description="Who asked: the household (or its operator), or provider staff"
    )
    substitute_engagement_id: uuid.UUID | None = Field(description="The substitute's engagement, once accepted")
    created_at: datetime
    version: Version = Field(description="The substitute request's version: If-Match for its actions")


class PartyContacts(BaseModel):
    name: str
    email: str | None
    phone: str | None


class EngagementRead(BaseModel):
    id: uuid.UUID
    request_id: uuid.UUID
    offer_id: uuid.UUID
    provider_id: uuid.UUID
    service_id: uuid.UUID | None
    category_id: uuid.UUID
    schedule: WeeklySchedule
    price_cents: Cents
    price_model: PriceModel
    start_date: date
    end_date: date | None
    contract_type: ContractType
    ccnl_level: str | None
    weekly_hours: float | None
    live_in: bool = Field(description="CCNL: the worker lives in (convivente)")
    session_minutes: int | None = Field(ge=1, le=1440, description="Per-session prices: a session's length")
    contract_term: ContractTerm | None
    status: EngagementStatus
    completed_at: datetime | None
    cancelled_reason: str | None
    household_price: YourPrice | None = Field(
        default=None,
        description=(
            "What the household pays per price unit under the listing's ISEE band that applied at acceptance "
            "(null when none did: no bands, another unit, or no verified ISEE then)"
        ),
    )
    citizen: PartyContacts = Field(description="Visible to the two parties only, from acceptance on")
    provider: PartyContacts
    address: RequestAddress | None = Field(description="Where the service happens; the two parties only")
    substitutes_engagement_id: uuid.UUID | None = Field(
        description="A substitute's engagement: the engagement whose absent worker it covers"
    )
    substitutions: list[SubstitutionRead] = Field(
        max_length=MAX_SUBSTITUTIONS, description="Substitutes asked for while this engagement's worker is away"
    )
    created_at: datetime
    version: Version


class ReviewCreate(Strict):
    rating: Rating
    text: Annotated[str, Field(max_length=2000)] = ""


class ReviewRead(BaseModel):
    id: uuid.UUID
    engagement_id: uuid.UUID
    provider_id: uuid.UUID
    rating: Rating
    text: stored(2000)
    status: ReviewStatus
    moderation_reason: stored(500) | None
    created_at: datetime
    version: Version
