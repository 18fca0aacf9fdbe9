import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.masking import ContactKind
from app.models import PoolMemberStatus, PoolOfferStatus, PoolScope, PoolState, SplitRule
from app.schedules import WeeklySchedule, WeeklySlot
from app.shared_schemas import CentsTotal, Count, Strict, Version, WeeklyMinutes, stored, trimmed

Title = trimmed(200, min_length=3)
Cents = Annotated[int, Field(ge=1, le=10_000_000)]
MAX_MEMBERS = 50  # households in one pool
MAX_SUGGESTIONS = 100  # the largest `limit` of GET /v1/pools/suggestions
Members = Annotated[int, Field(ge=2, le=MAX_MEMBERS)]
NoticeDays = Annotated[int, Field(ge=0, le=90, description="Notice a leaving household gives, in days")]
Schedule = Annotated[list[WeeklySlot], Field(min_length=1, max_length=21)]


class PoolCreate(Strict):
    """Either `suggestion_token` (from GET /v1/pools/suggestions: category, place and common schedule
    come from it and its requesters are invited) or `category_id`, `scope` with its target, and `schedule`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Babysitter condivisa in via Pascoli",
                    "category_id": "7d0c4b2e-3f4a-5b6c-8d9e-0f1a2b3c4d5e",
                    "scope": "condominium",
                    "condominium_id": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
                    "schedule": [{"day": "tue", "opens": "16:00", "closes": "19:00"}],
                    "min_members": 2,
                    "max_members": 4,
                    "split_rule": "equal",
                }
            ]
        }
    )

    suggestion_token: Annotated[str, StringConstraints(max_length=4000)] | None = None
    title: Title | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] = ""
    category_id: uuid.UUID | None = None
    scope: PoolScope | None = None
    condominium_id: uuid.UUID | None = Field(default=None, description="For scope condominium")
    hub_id: uuid.UUID | None = Field(default=None, description="For scope hub (you must operate it)")
    nil_id: uuid.UUID | None = Field(default=None, description="For scope nil")
    schedule: Schedule | None = None
    min_members: int = Field(default=2, ge=2, le=50)
    max_members: int = Field(default=6, ge=2, le=50)
    split_rule: SplitRule = SplitRule.equal
    notice_days: int = Field(default=14, ge=0, le=90, description="Notice a leaving household gives, in days")
    service_id: uuid.UUID | None = Field(default=None, description="A listing the pool means to run on, if known")
    my_weekly_minutes: int | None = Field(
        default=None, ge=30, le=10080, description="A citizen creator's own use, when split by hours"
    )

    @model_validator(mode="after")
    def _bounds(self) -> "PoolCreate":
        if self.max_members < self.min_members:
            raise ValueError("max_members must be at least min_members")
        return self


class PoolUpdate(Strict):
    """What coordinators may change: the words, the bounds (not below the households already in or
    invited, nor a minimum the running pool no longer meets) and the notice."""

    title: Title | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    min_members: int | None = Field(default=None, ge=2, le=50)
    max_members: int | None = Field(default=None, ge=2, le=50)
    notice_days: int | None = Field(default=None, ge=0, le=90)


class PoolJoin(Strict):
    weekly_minutes: int | None = Field(
        default=None, ge=30, le=10080, description="Required when the pool splits by hours: the minutes you use"
    )
    request_id: uuid.UUID | None = Field(default=None, description="Your open request this pool answers")


class PoolShare(BaseModel):
    member_id: uuid.UUID
    you: bool
    status: PoolMemberStatus
    weekly_minutes: WeeklyMinutes = Field(description="Minutes a week this household uses")
    share_cents: CentsTotal = Field(description="What the household pays a week; the shares sum to weekly_cost_cents")
    individual_cents: CentsTotal = Field(description="What the same hours would cost the household alone")
    saving_cents: CentsTotal


class MyMembership(BaseModel):
    member_id: uuid.UUID
    status: PoolMemberStatus
    weekly_minutes: WeeklyMinutes | None
    request_id: uuid.UUID | None
    leaves_at: datetime | None


class PoolRead(BaseModel):
    id: uuid.UUID
    title: stored(200)
    description: str
    category_id: uuid.UUID
    scope: PoolScope
    condominium_id: uuid.UUID | None
    hub_id: uuid.UUID | None
    nil_id: uuid.UUID
    schedule: WeeklySchedule
    weekly_minutes: WeeklyMinutes
    min_members: Members
    max_members: Members
    members: Count = Field(description="Households in the pool (including those serving notice)")
    seats_left: Count = Field(description="max_members minus members and pending invitations")
    split_rule: SplitRule
    notice_days: NoticeDays
    state: PoolState
    service_id: uuid.UUID | None
    provider_id: uuid.UUID | None
    weekly_cost_cents: Cents | None = Field(description="What the whole pool pays a week, once an offer is accepted")
    individual_hourly_cents: Cents | None
    my_membership: MyMembership | None
    shares: list[PoolShare] | None = Field(
        max_length=MAX_MEMBERS,
        description="Each household's exact weekly share and saving (for members and coordinators, once priced)",
    )
    can_coordinate: bool = Field(description="Whether you may accept offers and close the pool")
    created_at: datetime
    activated_at: datetime | None
    closes_at: datetime | None
    version: Version


class PoolMemberRead(BaseModel):
    member_id: uuid.UUID
    citizen_id: uuid.UUID
    full_name: str
    status: PoolMemberStatus
    request_id: uuid.UUID | None
    weekly_minutes: WeeklyMinutes | None
    invited_at: datetime | None
    joined_at: datetime | None
    leaves_at: datetime | None


class PoolOfferCreate(Strict):
    provider_id: uuid.UUID
    service_id: uuid.UUID | None = None
    weekly_price_cents: Cents = Field(description="What the whole pool pays a week")
    individual_hourly_cents: Cents = Field(description="Your hourly price for one household alone (shows savings)")
    message: Annotated[str, StringConstraints(max_length=2000)] = ""
    valid_until: AwareDatetime | None = Field(default=None, description="Default: 14 days from now")


class PoolOfferRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    pool_id: uuid.UUID
    provider_id: uuid.UUID
    service_id: uuid.UUID | None
    weekly_price_cents: Cents
    individual_hourly_cents: Cents
    message: str = Field(
        description=(
            "The provider's note. Until the pool accepts this offer, the pool's households and the "
            "hub's staff read it with contact details (phone numbers, e-mails, links, IBANs) masked; "
            "the provider's staff see it as written"
        )
    )
    message_masked_kinds: list[ContactKind] = Field(
        max_length=len(ContactKind),
        description="The kinds of contact details masked in the note for this reader",
    )
    valid_until: datetime
    status: PoolOfferStatus
    decided_at: datetime | None
    created_at: datetime
    version: Version


class SuggestionMember(BaseModel):
    nil_id: uuid.UUID
    weekly_overlap_minutes: WeeklyMinutes = Field(description="Minutes of this request inside the common schedule")
    request_id: uuid.UUID | None = Field(description="Only for hub operators; never shown to citizens")
    yours: bool


class PoolSuggestion(BaseModel):
    category_id: uuid.UUID
    nil_ids: list[uuid.UUID] = Field(max_length=88)
    condominium_id: uuid.UUID | None = Field(description="When all the requesters live in one condominium")
    common_schedule: WeeklySchedule
    common_weekly_minutes: WeeklyMinutes
    members: list[SuggestionMember] = Field(max_length=MAX_MEMBERS, description="At most a pool's households")
    estimated_price_per_person_cents: CentsTotal | None = Field(
        description="Cheapest per-person price for this group size among shared services of the category "
        "serving the NIL (its price model is estimated_price_model)"
    )
    estimated_price_model: str | None
    suggestion_token: str = Field(description="Send it to POST /v1/pools to form this pool (valid 24 h, for you)")


class SuggestionList(BaseModel):
    items: list[PoolSuggestion] = Field(
        max_length=MAX_SUGGESTIONS, description="The `limit` biggest groups, most minutes in common first"
    )
    total: Count = Field(description="How many groups were found in all")
    max_distance_km: float
    min_overlap_minutes: WeeklyMinutes
