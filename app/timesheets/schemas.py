import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models import Confirmation, CopaymentStatus, PaymentMethod, TimesheetStatus
from app.shared_schemas import Cents, CentsTotal, Strict, Version, stored, trimmed

IsoWeek = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$",
        max_length=8,
        description="ISO 8601 week, e.g. 2026-W49 (Monday to Sunday)",
        examples=["2026-W49"],
    ),
]
DayHours = Annotated[float, Field(ge=0, le=24, multiple_of=0.25, description="Hours worked that day, in quarter hours")]
WeekHours = Annotated[
    list[DayHours],
    Field(min_length=7, max_length=7, description="Hours per day, Monday first (seven numbers)"),
]
# Why a week's hours were flagged (not refused: hours beyond them are overtime the CCNL pays, and a
# timesheet records what was worked). Thresholds: app/timesheets/data/working_time.json.
TimesheetFlag = Literal["over_contract_weekly_hours", "over_ccnl_daily_limit", "over_ccnl_weekly_limit"]
Note = trimmed(1000)


class TimesheetCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"week": "2026-W49", "hours": [3, 0, 3, 0, 2.5, 0, 0]}]},
    )

    week: IsoWeek
    hours: WeekHours


class TimesheetUpdate(Strict):
    hours: WeekHours


class DisputeIn(Strict):
    reason: Note


class DecisionIn(Strict):
    """An operator's or admin's decision on a disputed timesheet."""

    outcome: Literal["confirm", "amend", "reject"] = Field(
        description="confirm the hours as submitted; amend them (send `hours`) and confirm; or reject them"
    )
    hours: WeekHours | None = Field(default=None, description="The corrected hours (amend only)")
    note: Note = Field(description="Why: both sides read it")


class TimesheetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: Version
    engagement_id: uuid.UUID
    provider_id: uuid.UUID
    household_id: uuid.UUID
    week: stored(8) = Field(description="ISO 8601 week")
    week_start: date
    hours: WeekHours
    total_hours: float = Field(ge=0, le=168)
    hourly_price_cents: Cents
    flags: list[TimesheetFlag] = Field(max_length=3, description="Hours past the contract's or the CCNL's limits")
    status: TimesheetStatus
    submitted_at: datetime
    auto_confirm_at: datetime = Field(description="When the worker confirms it if still submitted")
    disputed_at: datetime | None
    dispute_reason: stored(1000) | None
    decided_at: datetime | None
    decision_note: stored(1000) | None
    confirmation: Confirmation | None
    confirmed_at: datetime | None
    cost_cents: CentsTotal | None = Field(description="Hours x hourly price, once confirmed")
    public_cents: CentsTotal | None = Field(description="The share captured from the household's grants")
    copayment_cents: CentsTotal | None = Field(description="The household's share, paid to the provider")


class CopaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: Version
    timesheet_id: uuid.UUID
    engagement_id: uuid.UUID
    provider_id: uuid.UUID
    household_id: uuid.UUID
    amount_cents: CentsTotal
    due_at: datetime
    status: CopaymentStatus
    method: PaymentMethod | None
    reference: stored(140) | None
    received_at: datetime | None


class CopaymentReceived(Strict):
    method: PaymentMethod
    reference: trimmed(140) | None = Field(default=None, description="e.g. the bank transfer's reference")
