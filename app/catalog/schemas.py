import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.categories.schemas import ServiceCategory
from app.income.schemas import MAX_ISEE_BANDS, IseeBand, YourPrice
from app.models import Delivery, PriceModel, ServiceStatus
from app.providers.schemas import ServiceProvider
from app.schedules import WeeklySchedule, WeeklySlot
from app.shared_schemas import Cents, LanguageCode, Version, stored, trimmed

Title = trimmed(160, min_length=3)
GroupPersons = Annotated[int, Field(ge=1, le=50)]
Capacity = Annotated[int, Field(ge=1, le=100_000)]


class SharedPrice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group_size: int = Field(ge=2, le=50)
    price_per_person_cents: Cents


class ServiceFields(BaseModel):
    """What a provider may set on a listing. Status changes go through the action endpoints."""

    model_config = ConfigDict(extra="forbid")

    category_id: uuid.UUID | None = Field(default=None, description="A leaf category")
    title: Title | None = None
    description: Annotated[str, Field(max_length=4000)] | None = None
    delivery: Delivery | None = None
    min_persons: int | None = Field(default=None, ge=1, le=50, description="Shared delivery only")
    max_persons: int | None = Field(default=None, ge=1, le=50, description="Shared delivery only")
    price_model: PriceModel | None = None
    price_cents: Cents | None = Field(default=None, description="Per unit of the price model; null when free")
    weekly_hours: float | None = Field(
        default=None,
        gt=0,
        le=168,
        description="Monthly prices only: the hours a week the price buys (to 2 decimals), which makes it "
        "comparable with hourly prices (price / (weekly hours x 52/12)); without it a monthly price is not compared",
    )
    session_minutes: int | None = Field(
        default=None,
        ge=1,
        le=1440,
        description="Per-session prices only: how long a session lasts, which makes the price comparable "
        "with hourly prices (price x 60 / minutes); without it a price per session is not compared",
    )
    shared_prices: Annotated[list[SharedPrice], Field(max_length=50)] | None = Field(
        default=None,
        description="Shared delivery: price per person by group size, in the price model's unit. A group pays the "
        "row of the largest size not above it (a smaller group: price_cents); a larger group never pays more "
        "each (422 otherwise)",
    )
    income_based: bool | None = Field(default=None, description="Discounted by household income (ISEE)")
    isee_bands: Annotated[list[IseeBand], Field(max_length=MAX_ISEE_BANDS)] | None = Field(
        default=None,
        description="Income-based prices by ISEE band, lowest ceiling first; empty for none (a priced listing only)",
    )
    zones_served: Annotated[list[uuid.UUID], Field(max_length=97)] | None = Field(
        default=None, description="NIL or Municipio ids; empty means the provider's zones"
    )
    radius_km: float | None = Field(default=None, gt=0, le=50, description="Also serve around the provider's point")
    availability: Annotated[list[WeeklySlot], Field(max_length=50)] | None = None
    languages: Annotated[list[LanguageCode], Field(min_length=1, max_length=20)] | None = None
    accessibility: Annotated[str, Field(max_length=1000)] | None = None
    capacity: int | None = Field(default=None, ge=1, le=100_000)

    @field_validator("zones_served", "languages")
    @classmethod
    def _unique(cls, value: list | None) -> list | None:
        return list(dict.fromkeys(value)) if value is not None else None


class ServiceCreate(ServiceFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "provider_id": "0b0f7f2e-6f7a-4b8e-9f0e-2f4a1c3d5e6f",
                    "category_id": "f0c5e3f5-61a2-5d0a-8a9b-3c7c9d1e2f3a",
                    "title": "Doposcuola condiviso in via Padova",
                    "description": "Compiti e gioco per bambini 6-10 anni, gruppi fino a 6.",
                    "delivery": "shared",
                    "min_persons": 2,
                    "max_persons": 6,
                    "price_model": "hourly",
                    "price_cents": 1500,
                    "shared_prices": [{"group_size": 3, "price_per_person_cents": 700}],
                    "availability": [{"day": "mon", "opens": "16:00", "closes": "18:30"}],
                    "languages": ["it", "en"],
                }
            ]
        },
    )

    provider_id: uuid.UUID
    category_id: uuid.UUID
    title: Title
    delivery: Delivery = Delivery.individual
    price_model: PriceModel


class ServiceUpdate(ServiceFields):
    """Only the fields sent change."""


class ServiceRead(BaseModel):
    id: uuid.UUID
    provider: ServiceProvider
    category: ServiceCategory
    title: stored(160)
    description: str
    delivery: Delivery
    min_persons: GroupPersons | None
    max_persons: GroupPersons | None
    price_model: PriceModel
    price_cents: Cents | None
    weekly_hours: float | None = Field(description="Monthly prices: the hours a week the price buys")
    session_minutes: int | None = Field(ge=1, le=1440, description="Per-session prices: how long a session lasts")
    hourly_equivalent_cents: Cents | None = Field(
        description="The price per hour: hourly as is, monthly / (weekly_hours x 52/12), per session x 60 / "
        "session_minutes. Null when it cannot be computed (free, fixed, or the hours or minutes not stated): "
        "see price_comparable. Search's price filter and order and matching's price score use it"
    )
    price_comparable: bool = Field(description="Whether hourly_equivalent_cents could be computed")
    price_comparison: str = Field(
        max_length=200,
        description="How the hourly equivalent was computed, or why there is none. Search's max_price_cents "
        "keeps free listings and leaves out the others without one; its price order puts them last",
    )
    shared_prices: list[SharedPrice] = Field(max_length=50)
    income_based: bool
    isee_bands: list[IseeBand] = Field(
        max_length=MAX_ISEE_BANDS, description="Income-based prices, lowest ceiling first"
    )
    your_price: YourPrice | None = Field(
        default=None,
        description=(
            "Your price under isee_bands, for a signed-in citizen whose household has a verified ISEE in force "
            "(GET /v1/me/isee). Null when you are not signed in, not a citizen, have no verified ISEE in force, "
            "or the listing has no bands"
        ),
    )
    zones_served: list[uuid.UUID] = Field(max_length=97)
    radius_km: float | None
    coverage_nil_ids: list[uuid.UUID] = Field(max_length=88, description="Every NIL this service reaches")
    availability: WeeklySchedule
    languages: list[str] = Field(max_length=20)
    accessibility: stored(1000) | None
    capacity: Capacity | None
    status: ServiceStatus
    searchable: bool = Field(description="Found by public search: published and the provider accredited")
    published_at: datetime | None
    last_verified_at: datetime | None
    external_id: stored(100) | None
    created_at: datetime
    updated_at: datetime
    version: Version
    distance_km: float | None = Field(default=None, description="From the `near` point, when given")
