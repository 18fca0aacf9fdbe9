"""Funding programmes, the households' applications to them, and the grants they give.

A programme's money lives in the ledger (app/money): opening it funds its budget account from the
funder's; a grant moves its amount from the budget to a wallet of its own. The rows here say why
and for whom; the ledger says how much is where.
"""

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned


class ProgrammeStatus(enum.StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"
    archived = "archived"


class FunderKind(enum.StrEnum):
    comune = "comune"
    municipio = "municipio"
    regione = "regione"
    foundation = "foundation"
    other = "other"


class GrantPeriod(enum.StrEnum):
    """How often one household may be granted by a programme: once in its whole life, or once per
    calendar year (a programme running over several years)."""

    programme = "programme"
    calendar_year = "calendar_year"


class ApplicationStatus(enum.StrEnum):
    needs_review = "needs_review"  # a rule needs a person: in the operators' review queue
    granted = "granted"
    waitlisted = "waitlisted"  # eligible, but the budget had no room left
    ineligible = "ineligible"  # a rule failed on submission
    rejected = "rejected"  # an operator or admin refused it after review


class GrantStatus(enum.StrEnum):
    active = "active"
    expired = "expired"
    revoked = "revoked"


class Programme(UUIDPk, Timestamps, Versioned, Base):
    """A funding programme: who pays, for which categories, to whom (eligibility), how much per
    grant (amount rule) and for how long."""

    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint("budget_cents > 0", name="budget_positive"),
        CheckConstraint("coverage_percent BETWEEN 1 AND 100", name="coverage_percent_range"),
        CheckConstraint("cap_per_hour_cents IS NULL OR cap_per_hour_cents > 0", name="cap_per_hour_positive"),
        CheckConstraint("cap_per_grant_cents IS NULL OR cap_per_grant_cents > 0", name="cap_per_grant_positive"),
        CheckConstraint("valid_until >= valid_from", name="valid_window"),
        CheckConstraint("grant_validity_days BETWEEN 1 AND 3660", name="grant_validity_range"),
        CheckConstraint("cardinality(category_ids) >= 1", name="has_categories"),
        Index("ix_programme_status_valid_from", "status", "valid_from"),
    )

    funder: Mapped[str] = mapped_column(String(200))
    funder_kind: Mapped[FunderKind] = mapped_column(Enum(FunderKind, name="programme_funder_kind"))
    name_it: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_it: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    budget_cents: Mapped[int] = mapped_column(BigInteger)
    category_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    status: Mapped[ProgrammeStatus] = mapped_column(Enum(ProgrammeStatus, name="programme_status"))
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    grant_validity_days: Mapped[int] = mapped_column(SmallInteger)
    # What a wallet of this programme may pay of each cost (spending reads these three): the
    # share, and the caps per hour and per grant. A fixed or banded grant pays 100% of the cost.
    coverage_percent: Mapped[int] = mapped_column(SmallInteger)
    cap_per_hour_cents: Mapped[int | None]
    cap_per_grant_cents: Mapped[int | None]
    # {"kind": "fixed", "amount_cents"} | {"kind": "percentage", "coverage_percent",
    # "cap_per_hour_cents", "cap_per_grant_cents"} | {"kind": "isee_bands", "bands": [{"isee_max_cents",
    # "amount_cents"}]}: validated by app/programmes/schemas.py before it is stored.
    amount_rule: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Eligibility: None means the rule does not apply.
    isee_max_cents: Mapped[int | None] = mapped_column(BigInteger)
    member_min_age: Mapped[int | None] = mapped_column(SmallInteger)
    member_max_age: Mapped[int | None] = mapped_column(SmallInteger)
    # Empty: anywhere in Milan; else only households living in these NILs.
    residence_nil_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    grant_period: Mapped[GrantPeriod] = mapped_column(Enum(GrantPeriod, name="programme_grant_period"))
    # Eligible applications over the budget: waitlisted (true) or refused as ineligible (false).
    waitlist_when_exhausted: Mapped[bool] = mapped_column(default=True)
    budget_account_id: Mapped[uuid.UUID | None]  # set when the programme opens (the ledger's account)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]


class ProgrammeApplication(UUIDPk, Timestamps, Versioned, Base):
    """A household's application to a programme, with what it declared and the rule-by-rule check."""

    __tablename__ = "programme_application"
    __table_args__ = (
        # One live application per household and programme; refused ones stay as history.
        Index(
            "uq_programme_application_live",
            "programme_id",
            "household_id",
            unique=True,
            postgresql_where=text("status IN ('needs_review', 'granted', 'waitlisted')"),
        ),
        Index("ix_programme_application_household", "household_id", "created_at"),
        Index("ix_programme_application_status_nil", "status", "residence_nil_id", "created_at"),
        Index("ix_programme_application_programme_status", "programme_id", "status", "created_at"),
        CheckConstraint("created_by_id = household_id OR consent_recorded_at IS NOT NULL", name="assisted_has_consent"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Assisted mode: a hub operator applied for the household, with its consent.
    consent_recorded_at: Mapped[datetime | None]
    consent_note: Mapped[str | None] = mapped_column(String(500))
    # Declared by the household (self-certification): where it lives, and its members' birth dates.
    residence_nil_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("zone.id"))
    member_birth_dates: Mapped[list[date]] = mapped_column(ARRAY(Date), default=list)
    status: Mapped[ApplicationStatus] = mapped_column(Enum(ApplicationStatus, name="programme_application_status"))
    # Why it is in its status, as a problem code (programme_budget_exhausted, a failed rule's code...)
    status_code: Mapped[str | None] = mapped_column(String(40))
    # [{"rule", "outcome": pass|fail|needs_review, "reason"}] as answered on submission
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    isee_cents: Mapped[int | None] = mapped_column(BigInteger)  # the verified ISEE the check read
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(500))


class Grant(UUIDPk, Timestamps, Versioned, Base):
    """Money granted to a household by a programme, in a wallet of its own until it expires."""

    __tablename__ = "programme_grant"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        # At most one grant per household per programme and period (GrantPeriod): the database
        # holds the rule, whatever races the application path loses.
        Index("uq_programme_grant_period", "programme_id", "household_id", "period", unique=True),
        Index("ix_programme_grant_household", "household_id", "status", "expires_at"),
        Index("ix_programme_grant_due", "expires_at", postgresql_where=text("status = 'active'")),
        Index(
            "ix_programme_grant_held_at_expiry",
            "expired_at",
            postgresql_where=text("held_at_expiry_cents IS NOT NULL"),
        ),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_application.id"), unique=True)
    period: Mapped[str] = mapped_column(String(16))  # "programme" or the calendar year, e.g. "2026"
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime]
    status: Mapped[GrantStatus] = mapped_column(Enum(GrantStatus, name="programme_grant_status"))
    wallet_account_id: Mapped[uuid.UUID]
    expired_cents: Mapped[int | None] = mapped_column(BigInteger)  # what the expiry returned
    expired_at: Mapped[datetime | None]
    # Money a pending hold still reserved when the grant expired: returned once no hold is pending.
    held_at_expiry_cents: Mapped[int | None] = mapped_column(BigInteger)
