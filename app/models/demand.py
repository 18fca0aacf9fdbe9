import enum
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Enum,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import ARRAY, INT4MULTIRANGE, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned, utcnow
from app.models.catalog import PriceModel


class RequestMode(enum.StrEnum):
    quote = "quote"  # the citizen invites up to 5 chosen services' providers
    open = "open"  # any eligible provider may answer
    operator = "operator"  # a hub operator of the zone proposes candidates


class RequestStatus(enum.StrEnum):
    draft = "draft"
    open = "open"
    accepted = "accepted"
    fulfilled = "fulfilled"
    cancelled = "cancelled"
    expired = "expired"


class OfferStatus(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


class ContractType(enum.StrEnum):
    ccnl_domestic = "ccnl_domestic"  # CCNL lavoro domestico, with level and weekly hours
    libretto_famiglia = "libretto_famiglia"  # INPS occasional work
    organisation_purchase = "organisation_purchase"  # bought from an accredited organisation
    volunteer = "volunteer"


class ContractTerm(enum.StrEnum):
    """How long a CCNL contract runs (only CCNL contracts carry one). A substitute covering an absent
    worker is hired on a fixed-term contract "per sostituzione": INPS waives the +1.40% fixed-term
    surcharge for it (shared reference, money_identity_privacy.md section 2)."""

    open_ended = "open_ended"
    fixed_term_replacement = "fixed_term_replacement"


class SubstitutionReason(enum.StrEnum):
    holiday = "holiday"  # CCNL lavoro domestico: 26 working days a year
    illness = "illness"
    other = "other"


class EngagementStatus(enum.StrEnum):
    active = "active"
    completed = "completed"
    cancelled = "cancelled"


class ReviewStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class DemandRequest(UUIDPk, Timestamps, Versioned, Base):
    """A household's need. The exact address, point and beneficiary notes are private to the citizen
    (and the hub operator acting for them); providers see the NIL, category, schedule and budget."""

    __tablename__ = "demand_request"
    __table_args__ = (
        Index("ix_demand_request_citizen", "citizen_id", "created_at"),
        Index("ix_demand_request_open_category_nil", "category_id", "nil_id", postgresql_where="status = 'open'"),
        # A hub's open requests (needs, pool suggestions): by NIL, whatever the category.
        Index("ix_demand_request_open_nil", "nil_id", postgresql_where="status = 'open'"),
        Index(
            "ix_demand_request_open_schedule",
            "schedule_minutes",
            postgresql_using="gist",
            postgresql_where="status = 'open'",
        ),
        Index("ix_demand_request_expiry", "valid_until", postgresql_where="status = 'open'"),
        # The reminder sweep: open requests whose quotes fall due (quote mode only ever has one).
        Index(
            "ix_demand_request_quotes_due",
            "quotes_due_at",
            postgresql_where="status = 'open' AND quotes_due_at IS NOT NULL",
        ),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
        # Operator mode opens the request to every operator of the NIL's hubs: only with the
        # household's recorded consent (migration 0009 checked the rows made before this rule).
        CheckConstraint("mode <> 'operator' OR consent_recorded_at IS NOT NULL", name="operator_mode_has_consent"),
        # A substitute request (app/demand/substitutions.py) says whom it covers and why, together.
        CheckConstraint(
            "(substitutes_engagement_id IS NULL) = (substitution_reason IS NULL)", name="substitution_has_reason"
        ),
        Index(
            "ix_demand_request_substitutes",
            "substitutes_engagement_id",
            postgresql_where="substitutes_engagement_id IS NOT NULL",
        ),
        # A deadline for quotes is a quote-mode notion, and ends before the request does.
        CheckConstraint("quotes_due_at IS NULL OR mode = 'quote'", name="quotes_due_in_quote_mode"),
        CheckConstraint(
            "quotes_due_at IS NULL OR valid_until IS NULL OR quotes_due_at < valid_until",
            name="quotes_due_before_validity",
        ),
    )

    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # When a hub operator acts for an offline citizen: when and how the citizen consented.
    consent_recorded_at: Mapped[datetime | None]
    consent_note: Mapped[str | None] = mapped_column(String(500))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("category.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    address_street: Mapped[str | None] = mapped_column(String(200))
    address_postcode: Mapped[str | None] = mapped_column(String(5))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    nil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zone.id"))
    schedule: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    schedule_minutes: Mapped[Any] = mapped_column(INT4MULTIRANGE)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    budget_cents: Mapped[int | None]
    budget_model: Mapped[PriceModel | None] = mapped_column(Enum(PriceModel, name="price_model"))
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=list)
    provider_kinds: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    required_badges: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list)
    beneficiary_notes: Mapped[str | None] = mapped_column(String(500))
    open_to_sharing: Mapped[bool] = mapped_column(default=False)
    mode: Mapped[RequestMode] = mapped_column(Enum(RequestMode, name="request_mode"))
    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, name="request_status"), default=RequestStatus.draft
    )
    opened_at: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    # Quote mode: offers are refused after this instant (the citizen may move it later).
    quotes_due_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(500))
    # Set on a request for a substitute while the engagement's worker is away: the engagement covered.
    substitutes_engagement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE", use_alter=True)
    )
    substitution_reason: Mapped[SubstitutionReason | None] = mapped_column(
        Enum(SubstitutionReason, name="substitution_reason")
    )
    substitution_note: Mapped[str | None] = mapped_column(String(500))

    @property
    def current_status(self) -> RequestStatus:
        """The status as of now: an open request past its validity is expired even before the worker
        has recorded it, so no action can slip through the gap."""
        if self.status == RequestStatus.open and self.valid_until is not None and self.valid_until <= datetime.now(UTC):
            return RequestStatus.expired
        return self.status

    @classmethod
    def unexpired(cls, now: datetime) -> ColumnElement[bool]:
        """`valid_until` unset or after `now`, written so that the planner never trades a selective
        index (by NIL, by category) for the expiry index on a misestimate of unexpired open requests
        (a hub's needs: 340 ms -> 100 ms at city scale, see migration 0008)."""
        return func.coalesce(cls.valid_until, literal_column("'infinity'::timestamptz")) > now


class RequestInvitation(Base):
    """A provider asked to answer a request: chosen by the citizen (quote) or proposed by an operator."""

    __tablename__ = "request_invitation"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("demand_request.id", ondelete="CASCADE"), primary_key=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("provider.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)


class Offer(UUIDPk, Timestamps, Versioned, Base):
    __tablename__ = "offer"
    __table_args__ = (
        Index("ix_offer_request", "request_id", "created_at"),
        Index("ix_offer_provider", "provider_id", "created_at"),
        # One live offer per provider and request: a provider revises by withdrawing first.
        Index(
            "uq_offer_pending_per_provider",
            "request_id",
            "provider_id",
            unique=True,
            postgresql_where="status = 'pending'",
        ),
        # The worker's reminder before a pending offer lapses (app/demand/tasks.py): a range scan.
        Index("ix_offer_pending_valid_until", "valid_until", postgresql_where="status = 'pending'"),
        CheckConstraint("(contract_type = 'ccnl_domestic') = (contract_term IS NOT NULL)", name="ccnl_has_term"),
        CheckConstraint("(household_price_cents IS NULL) = (isee_band IS NULL)", name="isee_band_has_price"),
        CheckConstraint("NOT live_in OR contract_type = 'ccnl_domestic'", name="live_in_is_ccnl"),
        CheckConstraint(
            "session_minutes IS NULL OR (price_model = 'per_session' AND session_minutes BETWEEN 1 AND 1440)",
            name="session_minutes_per_session",
        ),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("demand_request.id", ondelete="CASCADE"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"))
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    price_cents: Mapped[int]
    price_model: Mapped[PriceModel] = mapped_column(Enum(PriceModel, name="price_model"))
    # The listing's ISEE band applied at acceptance (app/demand/income_prices.py): what the household
    # pays in the price's unit, and the band with why; both null when no band was evaluated.
    household_price_cents: Mapped[int | None]
    isee_band: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    schedule: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    proposed_worker_name: Mapped[str | None] = mapped_column(String(200))
    contract_type: Mapped[ContractType] = mapped_column(Enum(ContractType, name="contract_type"))
    ccnl_level: Mapped[str | None] = mapped_column(String(2))
    weekly_hours: Mapped[float | None]
    contract_term: Mapped[ContractTerm | None] = mapped_column(Enum(ContractTerm, name="contract_term"))
    # CCNL: the worker lives in (convivente): held to the level's monthly live-in minimum.
    live_in: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A per-session price's session length: what brings it to an hour for the minimum-pay guard.
    session_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    valid_until: Mapped[datetime]
    status: Mapped[OfferStatus] = mapped_column(Enum(OfferStatus, name="offer_status"), default=OfferStatus.pending)
    decided_at: Mapped[datetime | None]


class Engagement(UUIDPk, Timestamps, Versioned, Base):
    """What an accepted offer becomes: the regular, traceable arrangement between the two parties."""

    __tablename__ = "engagement"
    __table_args__ = (
        UniqueConstraint("request_id", name="uq_engagement_request_id"),  # at most one per request
        Index("ix_engagement_citizen", "citizen_id", "created_at"),
        Index("ix_engagement_provider", "provider_id", "created_at"),
        CheckConstraint("(contract_type = 'ccnl_domestic') = (contract_term IS NOT NULL)", name="ccnl_has_term"),
        CheckConstraint("(household_price_cents IS NULL) = (isee_band IS NULL)", name="isee_band_has_price"),
        CheckConstraint("NOT live_in OR contract_type = 'ccnl_domestic'", name="live_in_is_ccnl"),
        CheckConstraint(
            "session_minutes IS NULL OR (price_model = 'per_session' AND session_minutes BETWEEN 1 AND 1440)",
            name="session_minutes_per_session",
        ),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("demand_request.id", ondelete="CASCADE"))
    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"))
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"))
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("category.id"))
    schedule: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    price_cents: Mapped[int]
    price_model: Mapped[PriceModel] = mapped_column(Enum(PriceModel, name="price_model"))
    # The listing's ISEE band applied at acceptance (app/demand/income_prices.py): what the household
    # pays in the price's unit, and the band with why; both null when no band was evaluated.
    household_price_cents: Mapped[int | None]
    isee_band: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    contract_type: Mapped[ContractType] = mapped_column(Enum(ContractType, name="contract_type"))
    ccnl_level: Mapped[str | None] = mapped_column(String(2))
    weekly_hours: Mapped[float | None]
    contract_term: Mapped[ContractTerm | None] = mapped_column(Enum(ContractTerm, name="contract_term"))
    live_in: Mapped[bool] = mapped_column(default=False, server_default=false())  # as the accepted offer
    session_minutes: Mapped[int | None] = mapped_column(SmallInteger)  # as the accepted offer
    # A substitute's engagement: the engagement whose absent worker it covers.
    substitutes_engagement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[EngagementStatus] = mapped_column(
        Enum(EngagementStatus, name="engagement_status"), default=EngagementStatus.active
    )
    completed_at: Mapped[datetime | None]
    cancelled_reason: Mapped[str | None] = mapped_column(String(500))


class Review(UUIDPk, Timestamps, Versioned, Base):
    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("engagement_id", name="uq_review_engagement_id"),  # one review per engagement
        Index("ix_review_provider_status", "provider_id", "status"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    engagement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("engagement.id", ondelete="CASCADE"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"))
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[ReviewStatus] = mapped_column(Enum(ReviewStatus, name="review_status"), default=ReviewStatus.pending)
    moderated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    moderated_at: Mapped[datetime | None]
    moderation_reason: Mapped[str | None] = mapped_column(String(500))
