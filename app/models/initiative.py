import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned, utcnow
from app.models.provider import VerificationKind


class VolunteerStatus(enum.StrEnum):
    active = "active"
    left = "left"


class CredentialStatus(enum.StrEnum):
    declared = "declared"  # the volunteer says so; not yet checked
    verified = "verified"  # an operator of the hub (or an admin) saw the document
    rejected = "rejected"


class RideStatus(enum.StrEnum):
    requested = "requested"
    assigned = "assigned"
    completed = "completed"
    cancelled = "cancelled"


class Assistance(enum.StrEnum):
    wheelchair = "wheelchair"
    walker = "walker"
    companion = "companion"  # someone to accompany the person inside (a visit, an office)


class Initiative(UUIDPk, Timestamps, Versioned, Base):
    """A volunteer group at a hub, e.g. retirees driving disabled people to appointments."""

    __tablename__ = "initiative"
    __table_args__ = (Index("ix_initiative_hub", "hub_id", "created_at"),)

    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class Volunteer(UUIDPk, Timestamps, Versioned, Base):
    """A person volunteering in an initiative. Its row is the lock taken before booking them."""

    __tablename__ = "volunteer"
    __table_args__ = (
        Index(
            "uq_volunteer_active",
            "initiative_id",
            "user_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_volunteer_user", "user_id"),
    )

    initiative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[VolunteerStatus] = mapped_column(Enum(VolunteerStatus, name="volunteer_status"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]


class VolunteerCredential(UUIDPk, Base):
    """A driving licence or insurance a volunteer declared, and the hub's check of it."""

    __tablename__ = "volunteer_credential"
    __table_args__ = (
        CheckConstraint("kind IN ('driving_licence', 'insurance')", name="kind_allowed"),
        CheckConstraint("status <> 'verified' OR expires_at IS NOT NULL", name="verified_has_expiry"),
        Index("ix_volunteer_credential_volunteer", "volunteer_id", "kind"),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    kind: Mapped[VerificationKind] = mapped_column(Enum(VerificationKind, name="verification_kind"))
    status: Mapped[CredentialStatus] = mapped_column(Enum(CredentialStatus, name="credential_status"))
    evidence_ref: Mapped[str | None] = mapped_column(String(300))  # e.g. a scan's reference; never the number
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None]


class Ride(UUIDPk, Timestamps, Versioned, Base):
    """A ride a citizen asked for: when, from, to, what assistance; one volunteer drives it."""

    __tablename__ = "ride"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint(
            "status NOT IN ('assigned', 'completed') OR volunteer_id IS NOT NULL", name="booked_has_volunteer"
        ),
        Index("ix_ride_initiative_starts", "initiative_id", "status", "starts_at"),
        Index("ix_ride_requester", "requester_id", "starts_at"),
        # The overlap check reads a volunteer's live bookings by time.
        Index("ix_ride_volunteer_booked", "volunteer_id", "starts_at", postgresql_where=text("status = 'assigned'")),
    )

    initiative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"))
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[RideStatus] = mapped_column(Enum(RideStatus, name="ride_status"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    pickup_address: Mapped[str] = mapped_column(String(200))
    pickup_lat: Mapped[float | None]
    pickup_lon: Mapped[float | None]
    pickup_nil_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("zone.id"))
    dropoff_address: Mapped[str] = mapped_column(String(200))
    dropoff_lat: Mapped[float | None]
    dropoff_lon: Mapped[float | None]
    dropoff_nil_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("zone.id"))
    assistance: Mapped[list[str]] = mapped_column(JSONB, default=list)
    needs_car: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(String(500))
    volunteer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("volunteer.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime | None]
    assigned_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
