from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

CcnlLevel = Literal["A", "AS", "B", "BS", "C", "CS", "D", "DS"]
CostLineKey = Literal["wage", "holiday", "board_and_lodging", "thirteenth_month", "tfr", "inps_employer"]
MAX_COST_LINES = 6
MAX_NOTES = 10


class CostQuery(BaseModel):
    level: CcnlLevel
    weekly_hours: float
    live_in: bool
    months: int
    hourly_wage_cents: int | None
    monthly_wage_cents: int | None
    fixed_term: bool
    cuaf: bool
    board: Literal["in_kind", "paid"]
    on: date


class CostLine(BaseModel):
    key: CostLineKey
    label: str = Field(max_length=80)
    amount_cents: int = Field(ge=0, le=10**9, description="Per month, rounded to the cent")
    rule: str = Field(max_length=600, description="How the amount is computed, with the figures used")
    source: str = Field(max_length=1500, description="Where the rule and its figures come from")


class Minimum(BaseModel):
    cents: int = Field(ge=0, le=10_000_000)
    unit: Literal["hour", "month"]
    table: str = Field(max_length=1500, description="The table's date and source, or the fallback to an earlier year")


class InpsBand(BaseModel):
    effective_hourly_cents: int = Field(
        ge=0, le=10**9, description="Pay per hour including the thirteenth month's share and board and lodging"
    )
    band: str = Field(max_length=120)
    per_hour_cents: int = Field(ge=0, le=100_000, description="The hourly contribution, employer and worker")
    worker_share_per_hour_cents: int = Field(ge=0, le=100_000)
    circular: str = Field(max_length=1500)


class CostEstimate(BaseModel):
    """The family's monthly cost of employing a domestic worker under the CCNL, line by line."""

    level: CcnlLevel
    weekly_hours: float = Field(ge=1, le=54)
    live_in: bool
    months: int = Field(ge=1, le=120)
    on: date = Field(description="The day whose tables apply")
    hours_per_month: float = Field(ge=0, le=240, description="weekly_hours x 52/12, rounded to 2 decimals")
    minimum: Minimum
    wage_cents: int = Field(ge=0, le=10_000_000, description="The wage costed: per hour, or per month if live-in")
    lines: list[CostLine] = Field(max_length=MAX_COST_LINES, description="They sum to monthly_total_cents")
    monthly_total_cents: int = Field(ge=0, le=10**9)
    period_total_cents: int = Field(ge=0, le=10**12, description="monthly_total_cents x months")
    inps_band: InpsBand
    inps_worker_share_cents: int = Field(
        ge=0,
        le=10**9,
        description="The worker's share of INPS contributions a month: withheld from the wage (so inside the "
        "wage line) and paid to INPS by the family with its own",
    )
    notes: list[Annotated[str, Field(max_length=600)]] = Field(
        max_length=MAX_NOTES, description="What the estimate assumes or leaves out"
    )
