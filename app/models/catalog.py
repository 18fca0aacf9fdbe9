import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Computed,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INT4MULTIRANGE, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned


class ServiceStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    paused = "paused"
    archived = "archived"


class Delivery(enum.StrEnum):
    individual = "individual"
    shared = "shared"


class PriceModel(enum.StrEnum):
    free = "free"
    fixed = "fixed"
    hourly = "hourly"
    per_session = "per_session"
    monthly = "monthly"


# The hourly equivalent of a listing's own price, as app/prices.hourly_equivalent computes it (a
# test holds the two equal): monthly over its weekly hours x 52/12 weeks, per session x 60 over its
# minutes; NULL when there is none (free, fixed, or the hours or minutes not stated). Numeric
# arithmetic, so that round() takes halves away from zero as the Python side does.
HOURLY_EQUIVALENT_SQL = (
    "CASE price_model"
    " WHEN 'hourly' THEN price_cents"
    " WHEN 'monthly' THEN round(price_cents * 12 / (52 * weekly_hours))::integer"
    " WHEN 'per_session' THEN round(price_cents * 60 / session_minutes::numeric)::integer"
    " END"
)
# Search's price order and maximum-price filter: comparable listings by their hourly equivalent, free
# ones as 0, and those without an equivalent after every other (the largest int4), never among them.
# A column of its own (a generated column cannot read another), so that an index serves it.
PRICE_ORDER_SQL = f"coalesce({HOURLY_EQUIVALENT_SQL}, CASE WHEN price_model = 'free' THEN 0 ELSE 2147483647 END)"


class Service(UUIDPk, Timestamps, Versioned, Base):
    """A listing: what a provider offers, where, when and at what price.

    Search reads only denormalised columns of this table, so its indexes serve every filter:
    `searchable` (published and the provider accredited, kept in step by the catalogue service),
    `coverage_nil_ids` (zones served plus the NILs within the radius), the provider's point,
    and `availability_minutes` (the weekly slots as minutes since Monday 00:00).
    """

    __tablename__ = "service"
    __table_args__ = (
        UniqueConstraint("provider_id", "external_id", name="uq_service_provider_external_id"),
        CheckConstraint("(price_model = 'free') = (price_cents IS NULL)", name="price_matches_model"),
        CheckConstraint(
            "weekly_hours IS NULL OR (price_model = 'monthly' AND weekly_hours > 0 AND weekly_hours <= 168)",
            name="weekly_hours_for_monthly",
        ),
        CheckConstraint(
            "session_minutes IS NULL OR (price_model = 'per_session' AND session_minutes BETWEEN 1 AND 1440)",
            name="session_minutes_for_per_session",
        ),
        Index("ix_service_provider", "provider_id"),
        Index("ix_service_search_category", "category_id", "published_at", "id", postgresql_where="searchable"),
        Index("ix_service_search_coverage", "coverage_nil_ids", postgresql_using="gin", postgresql_where="searchable"),
        # Pool suggestions price each group from the shared listings covering its NIL (migration 0015).
        Index(
            "ix_service_shared_coverage",
            "coverage_nil_ids",
            postgresql_using="gin",
            postgresql_where="searchable AND delivery = 'shared'",
        ),
        Index(
            "ix_service_search_availability",
            "availability_minutes",
            postgresql_using="gist",
            postgresql_where="searchable",
        ),
        Index("ix_service_search_point", "lat", "lon", postgresql_where="searchable"),
        # Search's default sort (newest) within a category: walked in order, it stops after a page.
        Index(
            "ix_service_search_newest",
            "category_id",
            text("coalesce(published_at, created_at) DESC"),
            text("id DESC"),
            postgresql_where="searchable",
        ),
        # Search by price within a category, cheapest first (migration 0018): walked in order.
        Index(
            "ix_service_search_price",
            "category_id",
            "price_order_cents",
            "id",
            postgresql_where="searchable",
        ),
        Index("ix_service_search_text", "search_vector", postgresql_using="gin", postgresql_where="searchable"),
        Index("ix_service_modified", "updated_at", "id"),
    )

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("category.id"))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    delivery: Mapped[Delivery] = mapped_column(Enum(Delivery, name="service_delivery"))
    min_persons: Mapped[int | None]
    max_persons: Mapped[int | None]
    price_model: Mapped[PriceModel] = mapped_column(Enum(PriceModel, name="price_model"))
    price_cents: Mapped[int | None]
    # What makes a price comparable (app/prices.py): the weekly hours a monthly price buys, the
    # minutes a session lasts.
    weekly_hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    session_minutes: Mapped[int | None]
    # For SQL (search, matching); a view computes the same number with app/prices.py from the columns
    # above, so that a row just written needs no reload.
    hourly_equivalent_cents: Mapped[int | None] = mapped_column(
        Integer, Computed(HOURLY_EQUIVALENT_SQL, persisted=True), deferred=True
    )
    price_order_cents: Mapped[int] = mapped_column(Integer, Computed(PRICE_ORDER_SQL, persisted=True), deferred=True)
    # Shared delivery: [{"group_size": 3, "price_per_person_cents": 900}, ...]
    shared_prices: Mapped[list[dict[str, int]]] = mapped_column(JSONB, default=list)
    income_based: Mapped[bool] = mapped_column(default=False)
    # Income-based prices: [{"isee_max_cents", "kind": free|price|discount_percent, "value"}], lowest
    # ceiling first (app/income/rules.py applies and validates them).
    isee_bands: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")
    zones_served: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    radius_km: Mapped[float | None]
    coverage_nil_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    availability: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    availability_minutes: Mapped[Any] = mapped_column(INT4MULTIRANGE)
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=lambda: ["it"])
    accessibility: Mapped[str | None] = mapped_column(String(1000))
    capacity: Mapped[int | None]
    status: Mapped[ServiceStatus] = mapped_column(
        Enum(ServiceStatus, name="service_status"), default=ServiceStatus.draft
    )
    searchable: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    last_verified_at: Mapped[datetime | None]
    external_id: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('italian', coalesce(title, '') || ' ' || coalesce(description, ''))", persisted=True),
        deferred=True,
    )
