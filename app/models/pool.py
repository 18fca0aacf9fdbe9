import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, INT4MULTIRANGE, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned, utcnow


class PoolScope(enum.StrEnum):
    condominium = "condominium"
    hub = "hub"
    nil = "nil"


class SplitRule(enum.StrEnum):
    equal = "equal"
    by_hours = "by_hours"  # each household pays for the weekly minutes it uses


class PoolState(enum.StrEnum):
    forming = "forming"
    active = "active"
    closing = "closing"
    closed = "closed"


class PoolMemberStatus(enum.StrEnum):
    invited = "invited"  # invited from a suggestion; accepts or declines
    active = "active"
    leaving = "leaving"  # gave notice; still a member (and pays) until leaves_at
    left = "left"
    declined = "declined"


class PoolOfferStatus(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


class Pool(UUIDPk, Timestamps, Versioned, Base):
    """Households sharing one service. Activates at `min_members` with an accepted provider offer."""

    __tablename__ = "pool"
    __table_args__ = (
        Index("ix_pool_hub", "hub_id", "created_at"),
        Index("ix_pool_condominium", "condominium_id", "created_at"),
        Index("ix_pool_category_nil", "category_id", "nil_id", "state"),
        CheckConstraint("min_members >= 2 AND max_members >= min_members", name="member_bounds"),
        CheckConstraint(
            "(scope = 'condominium') = (condominium_id IS NOT NULL) AND (scope <> 'hub' OR hub_id IS NOT NULL)",
            name="scope_target",
        ),
    )

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("category.id"))
    scope: Mapped[PoolScope] = mapped_column(Enum(PoolScope, name="pool_scope"))
    condominium_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("condominium.id"))
    hub_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hub.id"))  # the hub looking after it
    nil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zone.id"))
    schedule: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    schedule_minutes: Mapped[Any] = mapped_column(INT4MULTIRANGE)
    weekly_minutes: Mapped[int]
    min_members: Mapped[int] = mapped_column(SmallInteger)
    max_members: Mapped[int] = mapped_column(SmallInteger)
    split_rule: Mapped[SplitRule] = mapped_column(Enum(SplitRule, name="split_rule"))
    notice_days: Mapped[int] = mapped_column(SmallInteger, default=14)
    state: Mapped[PoolState] = mapped_column(Enum(PoolState, name="pool_state"), default=PoolState.forming)
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"))
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("provider.id"), index=True)
    accepted_offer_id: Mapped[uuid.UUID | None]
    # From the accepted offer: what the whole pool pays per week, and what one household would pay
    # per hour on its own (for each member's saving).
    weekly_cost_cents: Mapped[int | None]
    individual_hourly_cents: Mapped[int | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    activated_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class PoolMember(UUIDPk, Base):
    __tablename__ = "pool_member"
    __table_args__ = (
        # One live membership per household and pool; a household that left may join again.
        Index(
            "uq_pool_member_live",
            "pool_id",
            "citizen_id",
            unique=True,
            postgresql_where="status IN ('invited', 'active', 'leaving')",
        ),
        Index("ix_pool_member_citizen", "citizen_id", "status"),
        Index("ix_pool_member_leaving", "leaves_at", postgresql_where="status = 'leaving'"),
    )

    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pool.id", ondelete="CASCADE"), index=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # Indexed: suggestions skip requests already in a live pool (and the FK's ON DELETE SET NULL).
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("demand_request.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[PoolMemberStatus] = mapped_column(Enum(PoolMemberStatus, name="pool_member_status"))
    weekly_minutes: Mapped[int | None]  # the minutes this household uses (split by hours)
    invited_at: Mapped[datetime | None]
    joined_at: Mapped[datetime | None]
    leaves_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PoolOffer(UUIDPk, Timestamps, Versioned, Base):
    """A provider's answer to a pool: a weekly price for the whole group."""

    __tablename__ = "pool_offer"
    __table_args__ = (
        Index(
            "uq_pool_offer_pending_per_provider",
            "pool_id",
            "provider_id",
            unique=True,
            postgresql_where="status = 'pending'",
        ),
        Index("ix_pool_offer_provider", "provider_id", "created_at"),
    )

    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pool.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"))
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    weekly_price_cents: Mapped[int]
    individual_hourly_cents: Mapped[int]
    message: Mapped[str] = mapped_column(Text, default="")
    valid_until: Mapped[datetime]
    status: Mapped[PoolOfferStatus] = mapped_column(
        Enum(PoolOfferStatus, name="pool_offer_status"), default=PoolOfferStatus.pending
    )
    decided_at: Mapped[datetime | None]


# --- pool suggestions, precomputed (app/pools/snapshots.py) --------------------------------------------


class PoolSuggestionChange(Base):
    """Something that may change pool suggestions: a sharing request opened, changed, closed or
    expired, a pool membership (category given), a condominium's residents (category NULL: every
    category). Written by triggers (migration 0015), so no write path can forget it; the worker's
    refresh deletes the rows it has folded into the snapshots, in the transaction that writes them
    (a change committed later is still there for the next round)."""

    __tablename__ = "pool_suggestion_change"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    category_id: Mapped[uuid.UUID | None]
    changed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PoolSuggestionScope(Base):
    """A set of NILs whose suggestions are precomputed: a hub's, or the union of an operator's hubs'
    (what GET /v1/pools/suggestions groups over). `key` is derived from the sorted NIL ids."""

    __tablename__ = "pool_suggestion_scope"

    key: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    nil_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    # The settings the groups were computed with: other settings mean computing them again.
    max_distance_km: Mapped[float]
    min_overlap_minutes: Mapped[int]
    computed_at: Mapped[datetime]


class PoolSuggestionGroup(Base):
    """One group of a scope, as the live grouping found it: its requests in group order (id,
    citizen, NIL, schedule spans), their common spans and condominium; ranked as the API ranks."""

    __tablename__ = "pool_suggestion_group"

    scope_key: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pool_suggestion_scope.key", ondelete="CASCADE"), primary_key=True
    )
    first_request_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # a request is in one group
    category_id: Mapped[uuid.UUID]
    size: Mapped[int] = mapped_column(SmallInteger)
    common_minutes: Mapped[int]
    condominium_id: Mapped[uuid.UUID | None]
    requests: Mapped[list[Any]] = mapped_column(JSONB)  # [[id, citizen_id, nil_id, [[start, end], ...]], ...]
    common: Mapped[list[Any]] = mapped_column(JSONB)  # [[start, end], ...]
