import enum
import uuid
from datetime import datetime

from sqlalchemy import Computed, Enum, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned, utcnow


class ProviderKind(enum.StrEnum):
    cooperative = "cooperative"
    association = "association"
    social_enterprise = "social_enterprise"
    company = "company"
    volunteer_group = "volunteer_group"
    individual = "individual"


class AccreditationState(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    changes_requested = "changes_requested"
    accredited = "accredited"
    suspended = "suspended"
    withdrawn = "withdrawn"


class StaffRole(enum.StrEnum):
    admin = "admin"
    operator = "operator"


class VerificationKind(enum.StrEnum):
    identity = "identity"
    background_check = "background_check"
    references = "references"
    qualification = "qualification"  # e.g. UNI 11766 for family assistants
    insurance = "insurance"
    regional_register = "regional_register"  # Lombardy's register of family assistants
    driving_licence = "driving_licence"


class VerificationOutcome(enum.StrEnum):
    passed = "passed"
    failed = "failed"


class Provider(UUIDPk, Timestamps, Versioned, Base):
    """An organisation or an individual worker offering care. Only accredited ones are public."""

    __tablename__ = "provider"
    __table_args__ = (
        Index("ix_provider_search_vector", "search_vector", postgresql_using="gin"),
        Index(
            "ix_provider_accredited_name", "display_name", "id", postgresql_where="accreditation_state = 'accredited'"
        ),
    )

    kind: Mapped[ProviderKind] = mapped_column(Enum(ProviderKind, name="provider_kind"))
    legal_name: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(120))
    tax_code: Mapped[str | None] = mapped_column(String(16))
    vat_number: Mapped[str | None] = mapped_column(String(11))
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(300))
    logo_url: Mapped[str | None] = mapped_column(String(500))
    address_street: Mapped[str | None] = mapped_column(String(200))
    address_postcode: Mapped[str | None] = mapped_column(String(5))
    address_city: Mapped[str] = mapped_column(String(80), default="Milano")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    nil_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("zone.id"))
    zones_served: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(2)), default=lambda: ["it"])
    accreditation_state: Mapped[AccreditationState] = mapped_column(
        Enum(AccreditationState, name="accreditation_state"), default=AccreditationState.draft
    )
    accreditation_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Reviews (a later capability) maintain these; search sorts by the Bayesian average.
    rating_average: Mapped[float | None]
    rating_count: Mapped[int] = mapped_column(default=0)
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('italian', coalesce(display_name, '') || ' ' || coalesce(description, ''))", persisted=True
        ),
        deferred=True,
    )


class ProviderStaff(Base):
    __tablename__ = "provider_staff"

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[StaffRole] = mapped_column(Enum(StaffRole, name="staff_role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccreditationTransition(UUIDPk, Base):
    """The history of a provider's accreditation: every transition with its reason and actor."""

    __tablename__ = "accreditation_transition"
    __table_args__ = (Index("ix_accreditation_transition_provider", "provider_id", "at"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"))
    from_state: Mapped[AccreditationState] = mapped_column(Enum(AccreditationState, name="accreditation_state"))
    to_state: Mapped[AccreditationState] = mapped_column(Enum(AccreditationState, name="accreditation_state"))
    reason: Mapped[str] = mapped_column(String(1000))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Verification(UUIDPk, Base):
    """A check made on a provider by the city or a hub. Badges derive from these (see catalog)."""

    __tablename__ = "verification"
    __table_args__ = (
        Index("ix_verification_provider_kind", "provider_id", "kind", "verified_at"),
        # The worker's reminders before a badge expires (app/providers/tasks.py): a range scan.
        Index(
            "ix_verification_expiring",
            "expires_at",
            postgresql_where="outcome = 'passed' AND expires_at IS NOT NULL",
        ),
    )

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"))
    kind: Mapped[VerificationKind] = mapped_column(Enum(VerificationKind, name="verification_kind"))
    outcome: Mapped[VerificationOutcome] = mapped_column(Enum(VerificationOutcome, name="verification_outcome"))
    evidence_ref: Mapped[str | None] = mapped_column(String(300))  # private: staff and admins only
    note: Mapped[str | None] = mapped_column(String(1000))
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    verifier_name: Mapped[str] = mapped_column(String(200))
    verified_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
