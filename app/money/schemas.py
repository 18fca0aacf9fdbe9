"""What the ledger's reads show: accounts with their balances, transactions with their entries."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.models import AccountKind

# Ledger amounts are bigint cents; the contract bounds them to what a JSON number holds exactly.
JSON_SAFE = 2**53 - 1
LedgerCents = Annotated[int, Field(ge=-JSON_SAFE, le=JSON_SAFE, description="Integer euro cents")]
MAX_ENTRIES = 20  # entries a transaction carries (a transfer's lines; today's movements have 2)


class BalanceRead(BaseModel):
    posted_cents: LedgerCents = Field(description="The sum of the account's entries")
    held_cents: LedgerCents = Field(description="What its pending holds reserve")
    available_cents: LedgerCents = Field(description="posted - held: what may still be spent or held")


class LedgerAccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: AccountKind
    non_negative: bool = Field(description="May never go below zero, holds counted (budgets, wallets)")
    funder: str | None = Field(max_length=200)
    programme_id: uuid.UUID | None
    household_id: uuid.UUID | None
    grant_id: uuid.UUID | None
    provider_id: uuid.UUID | None
    created_at: datetime
    balance: BalanceRead
