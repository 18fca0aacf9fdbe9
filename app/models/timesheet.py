import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned

DAYS_IN_WEEK = 7
QUARTERS_IN_DAY = 96  # a day's hours in quarter hours: 0..24 h


class TimesheetStatus(enum.StrEnum):
    submitted = "submitted"  # the provider's hours, waiting for the household (editable, auto-confirmed)
    disputed = "disputed"  # the household contests them: an operator of its hub or an admin decides
    confirmed = "confirmed"  # final: the public share is captured, the rest is a co-payment due
    rejected = "rejected"  # final: the decision found the hours were not worked as claimed


class Confirmation(enum.StrEnum):
    """Who made a timesheet final."""

    household = "household"  # the citizen, or the hub operator acting for them
    automatic = "automatic"  # the worker, once the dispute window passed in silence
    decision = "decision"  # an operator of the household's hub or an admin, deciding a dispute


class CopaymentStatus(enum.StrEnum):
    due = "due"
    received = "received"


class PaymentMethod(enum.StrEnum):
    """How a household pays its share: straight to the provider (the platform never holds it)."""

    bank_transfer = "bank_transfer"
    card_at_provider = "card_at_provider"
    pagopa = "pagopa"  # public providers collect through PagoPA


class Timesheet(UUIDPk, Timestamps, Versioned, Base):
    """One ISO week of an hourly engagement, in quarter hours per day (Monday first)."""

    __tablename__ = "timesheet"
    __table_args__ = (
        UniqueConstraint("engagement_id", "week_start", name="uq_timesheet_engagement_week"),
        CheckConstraint("extract(isodow from week_start) = 1", name="week_starts_on_monday"),
        CheckConstraint(
            f"cardinality(quarter_hours) = {DAYS_IN_WEEK} AND 0 <= ALL(quarter_hours) "
            f"AND {QUARTERS_IN_DAY} >= ALL(quarter_hours)",
            name="quarter_hours_per_day",
        ),
        CheckConstraint("hourly_price_cents >= 0", name="hourly_price_not_negative"),
        CheckConstraint(
            "(status = 'confirmed') = (confirmed_at IS NOT NULL AND cost_cents IS NOT NULL)",
            name="confirmed_has_cost",
        ),
        CheckConstraint(
            "cost_cents IS NULL OR (public_cents >= 0 AND copayment_cents >= 0 "
            "AND public_cents + copayment_cents = cost_cents)",
            name="cost_is_public_plus_copayment",
        ),
        CheckConstraint("status <> 'disputed' OR dispute_reason IS NOT NULL", name="disputed_has_reason"),
        # The worker's auto-confirmation sweep: submitted timesheets by deadline.
        Index("ix_timesheet_auto_confirm", "auto_confirm_at", postgresql_where=text("status = 'submitted'")),
    )

    engagement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("engagement.id", ondelete="CASCADE"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date]
    quarter_hours: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    # The engagement's hourly price when the hours were submitted: what the household was shown.
    hourly_price_cents: Mapped[int]
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    status: Mapped[TimesheetStatus] = mapped_column(
        Enum(TimesheetStatus, name="timesheet_status"), default=TimesheetStatus.submitted
    )
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime]
    auto_confirm_at: Mapped[datetime]
    disputed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    disputed_at: Mapped[datetime | None]
    dispute_reason: Mapped[str | None] = mapped_column(String(1000))
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(1000))
    confirmation: Mapped[Confirmation | None] = mapped_column(Enum(Confirmation, name="timesheet_confirmation"))
    confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]
    cost_cents: Mapped[int | None]
    public_cents: Mapped[int | None]
    copayment_cents: Mapped[int | None]

    @property
    def total_quarter_hours(self) -> int:
        return sum(self.quarter_hours)


class Copayment(UUIDPk, Timestamps, Versioned, Base):
    """The household's share of a confirmed timesheet, paid to the provider directly; the provider
    marks it received. One per timesheet with a share above zero."""

    __tablename__ = "copayment"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(
            "(status = 'received') = (received_at IS NOT NULL AND method IS NOT NULL)", name="received_has_method"
        ),
    )

    timesheet_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("timesheet.id", ondelete="CASCADE"), unique=True)
    engagement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("engagement.id", ondelete="CASCADE"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int]
    due_at: Mapped[datetime]  # when the timesheet was confirmed: the month it is due in
    status: Mapped[CopaymentStatus] = mapped_column(
        Enum(CopaymentStatus, name="copayment_status"), default=CopaymentStatus.due
    )
    method: Mapped[PaymentMethod | None] = mapped_column(Enum(PaymentMethod, name="payment_method"))
    reference: Mapped[str | None] = mapped_column(String(140))  # e.g. the bank transfer's CRO/TRN
    received_at: Mapped[datetime | None]
    received_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
