import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned


class IseeVariant(enum.StrEnum):
    """The ISEE variants of DPCM 159/2013: which one a service or programme asks for is its own rule."""

    ordinario = "ordinario"
    socio_sanitario = "socio_sanitario"  # art. 6: health and social care services
    minorenni = "minorenni"  # art. 7: benefits for children whose parents do not live together
    corrente = "corrente"  # an update after a large change in income (shorter validity)


class IseeStatus(enum.StrEnum):
    pending = "pending"  # declared by the household, waiting for staff to see the attestation
    verified = "verified"  # the one in force for the household (at most one)
    rejected = "rejected"
    superseded = "superseded"  # replaced by a newer declaration (pending) or a newer verification


class IseeDeclaration(UUIDPk, Timestamps, Versioned, Base):
    """A household's ISEE as declared by the citizen and checked by city staff against the
    attestation (a verification like providers' ones: who, when, the evidence seen at a hub).

    The value is personal data: only the household, the staff of its NIL's hubs and admins read it,
    and every staff read is audited (app/income/service.py).
    """

    __tablename__ = "isee_declaration"
    __table_args__ = (
        # A new declaration supersedes the pending one, a new verification the verified one: the
        # database holds "at most one of each per household" whatever the interleaving.
        Index("uq_isee_declaration_pending", "household_id", unique=True, postgresql_where="status = 'pending'"),
        Index("uq_isee_declaration_verified", "household_id", unique=True, postgresql_where="status = 'verified'"),
        # The staff queue: pending declarations of some NILs, oldest first.
        Index("ix_isee_declaration_queue", "nil_id", "created_at", postgresql_where="status = 'pending'"),
        # A household's latest declaration (GET /v1/me/isee).
        Index("ix_isee_declaration_household", "household_id", "created_at"),
        CheckConstraint("value_cents >= 0", name="value_not_negative"),
        CheckConstraint("valid_until_date >= issue_date", name="valid_after_issue"),
        CheckConstraint("status <> 'verified' OR verified_at IS NOT NULL", name="verified_has_time"),
        CheckConstraint("(status = 'rejected') = (rejected_at IS NOT NULL)", name="rejected_has_time"),
    )

    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # Where the household lives: whose hubs' operators verify it.
    nil_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zone.id"))
    variant: Mapped[IseeVariant] = mapped_column(Enum(IseeVariant, name="isee_variant"))
    value_cents: Mapped[int]
    dsu_protocol: Mapped[str] = mapped_column(String(40))
    issue_date: Mapped[date]
    # From the dated validity rule (app/income/data/isee_validity.json), fixed when declared.
    valid_until_date: Mapped[date]
    status: Mapped[IseeStatus] = mapped_column(Enum(IseeStatus, name="isee_status"), default=IseeStatus.pending)
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    verifier_name: Mapped[str | None] = mapped_column(String(200))
    evidence_ref: Mapped[str | None] = mapped_column(String(300))
    rejected_at: Mapped[datetime | None]
    rejected_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    superseded_at: Mapped[datetime | None]
