"""What the ledger's reads show: accounts with their balances, transactions with their entries."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.models import AccountKind

# Ledger amounts are bigint cents; the contract bounds them to what a JSON number holds exactly.
JSON_SAFE = 2**53 - 1
LedgerCents = Annotated[int, Field(ge=-JSON_SAFE, le=JSON_SAFE, description="Integer euro cents")]
MAX_OFFENDERS = 20  # rows a failed reconciliation check names
# The columns' lengths in app/models/money.py (schemas import no ORM module; tests/money holds them equal).
LEDGER_KEY_MAX_LENGTH = 200
LEDGER_KIND_MAX_LENGTH = 40
LEDGER_MEMO_MAX_LENGTH = 500
SUBJECT_TYPE_MAX_LENGTH = 40
LEDGER_MAX_LINES = 20


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


class LedgerEntryRead(BaseModel):
    account_id: uuid.UUID
    account_kind: AccountKind
    amount_cents: LedgerCents = Field(description="Signed: negative leaves the account, positive enters it")


class LedgerTransactionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str = Field(max_length=LEDGER_KEY_MAX_LENGTH, description="The caller's idempotency key")
    kind: str = Field(max_length=LEDGER_KIND_MAX_LENGTH, examples=["grant.credited", "hold.posted", "reversal"])
    memo: str = Field(max_length=LEDGER_MEMO_MAX_LENGTH)
    subject_type: str | None = Field(max_length=SUBJECT_TYPE_MAX_LENGTH, examples=["grant", "engagement"])
    subject_id: uuid.UUID | None
    reverses_id: uuid.UUID | None = Field(description="The transaction this one reverses (kind reversal)")
    reversed_by_id: uuid.UUID | None = Field(description="The reversal of this transaction, if any")
    created_by_id: uuid.UUID | None = Field(description="Who made it; null for the system")
    created_at: datetime
    entries: list[LedgerEntryRead] = Field(max_length=LEDGER_MAX_LINES, description="They sum to zero")


class ReconciliationCheck(BaseModel):
    name: str = Field(max_length=60)
    description: str = Field(max_length=300)
    ok: bool
    checked: int = Field(ge=0, le=JSON_SAFE, description="How many rows were examined")
    offenders: list[uuid.UUID] = Field(max_length=MAX_OFFENDERS, description=f"The first {MAX_OFFENDERS} found")


class ReconciliationRead(BaseModel):
    ok: bool = Field(description="Every check passed")
    checked_at: datetime
    checks: list[ReconciliationCheck] = Field(max_length=10)
