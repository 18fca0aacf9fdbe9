import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from app.shared_schemas import Count

Month = Annotated[
    str,
    Field(
        pattern=r"^2[0-9]{3}-(0[1-9]|1[0-2])$", max_length=7, description="A calendar month (2000-2999), e.g. 2026-12"
    ),
]
# Sums over a month or a programme's life: PostgreSQL bigint sums, bounded far above any budget.
Total = Annotated[int, Field(ge=-(2**53), le=2**53, description="Integer euro cents")]
MAX_PROGRAMMES = 1000  # programmes paying one provider in one month: far more than Milan runs


class ProgrammeOwed(BaseModel):
    programme_id: uuid.UUID
    funder: str | None = Field(max_length=200, description="Who owes it (the programme's funder)")
    name_it: str | None = Field(max_length=200)
    name_en: str | None = Field(max_length=200)
    captured_cents: Total = Field(description="Public money captured for the provider's work this month")
    reversed_cents: Total = Field(description="Captures reversed this month (a negative amount or 0)")
    owed_cents: Total = Field(description="What the programme's funder owes for the month: captured + reversed")
    movements: Count


class ProviderStatement(BaseModel):
    """A provider's month: what each programme's funder owes it (from the ledger's entries on its
    receivable accounts) and its co-payments (paid to it directly by households)."""

    provider_id: uuid.UUID
    month: Month
    period_start: date = Field(description="First day of the month (Europe/Rome)")
    period_end: date = Field(description="Last day of the month (Europe/Rome)")
    programmes: list[ProgrammeOwed] = Field(max_length=MAX_PROGRAMMES)
    public_total_cents: Total
    copayments_due_cents: Total = Field(description="Co-payments that fell due this month (weeks confirmed)")
    copayments_received_cents: Total = Field(description="Co-payments the provider marked received this month")
    copayments_outstanding_cents: Total = Field(description="Due by the month's end and not received by then")


class ProgrammeSpend(BaseModel):
    """Where a programme's money stands, from its ledger accounts (admins)."""

    programme_id: uuid.UUID
    budget_cents: Total = Field(description="What the funder moved into the programme's budget (its credits)")
    granted_cents: Total = Field(description="Credited to households' wallets, net of reversed grants")
    committed_cents: Total = Field(description="Held on wallets for accepted work not yet confirmed")
    spent_cents: Total = Field(description="Captured for confirmed work: owed to providers")
    expired_cents: Total = Field(description="Grants that expired unspent")
    remaining_in_wallets_cents: Total = Field(description="Still available in households' wallets")
    remaining_budget_cents: Total = Field(description="Budget not yet granted")
