"""The double-entry ledger: accounts, transactions of entries that sum to zero, two-phase holds.

What PostgreSQL itself enforces (migration 0019; docs/money.md):
* a transaction's entries sum to zero and are at least two (a DEFERRABLE INITIALLY DEFERRED
  constraint trigger, checked at COMMIT, so a transaction's entries can be inserted one by one);
* entries and transactions are append-only (a trigger refuses UPDATE, DELETE and TRUNCATE):
  corrections are reversing transactions;
* a transaction is reversed at most once (a unique `reverses_id`), every key is unique.

The owners of an account (programme, household, grant, provider) are plain ids, not foreign keys:
the ledger is kept for ten years and never edited, so it must outlive the rows it speaks of
(a foreign key would have to cascade or block their deletion).
"""

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Enum, ForeignKey, Identity, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPk, utcnow

LEDGER_KEY_MAX_LENGTH = 200
LEDGER_KIND_MAX_LENGTH = 40
LEDGER_MEMO_MAX_LENGTH = 500
SUBJECT_TYPE_MAX_LENGTH = 40
LEDGER_MAX_LINES = 20  # entries of one transaction (today's movements have 2)


class AccountKind(enum.StrEnum):
    funder = "funder"  # a programme's source of money; goes negative by what the funder committed
    programme_budget = "programme_budget"  # per programme; never negative
    household_wallet = "household_wallet"  # per grant (household, programme, grant); never negative
    provider_receivable = "provider_receivable"  # per provider and programme: what the funder owes it
    programme_expired = "programme_expired"  # per programme: grants that expired unspent


# Accounts that may never go below zero, counting what pending holds reserve on them.
NON_NEGATIVE_KINDS = frozenset({AccountKind.programme_budget, AccountKind.household_wallet})


class HoldState(enum.StrEnum):
    pending = "pending"  # reserves its amount on the debit account
    posted = "posted"  # moved (in full or in part) by a transaction; the rest released or re-held
    voided = "voided"  # released by a caller (a cancellation)
    expired = "expired"  # released by the worker once expires_at passed


class MoneyAccount(UUIDPk, Base):
    """An account of the ledger. Its balance is never stored: it is the sum of its entries."""

    __tablename__ = "money_account"
    __table_args__ = (
        Index("ix_money_account_household", "household_id", postgresql_where="household_id IS NOT NULL"),
        Index("ix_money_account_programme", "programme_id", postgresql_where="programme_id IS NOT NULL"),
    )

    kind: Mapped[AccountKind] = mapped_column(Enum(AccountKind, name="money_account_kind"))
    # "kind:owner=id,..." from the owners below: get-or-create is one INSERT ... ON CONFLICT on it.
    natural_key: Mapped[str] = mapped_column(String(300), unique=True)
    non_negative: Mapped[bool] = mapped_column(Boolean)
    funder: Mapped[str | None] = mapped_column(String(200))
    programme_id: Mapped[uuid.UUID | None]
    household_id: Mapped[uuid.UUID | None]
    grant_id: Mapped[uuid.UUID | None]
    provider_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MoneyTransaction(UUIDPk, Base):
    """One movement of money: two or more entries that sum to zero. Never updated, never deleted."""

    __tablename__ = "money_transaction"
    __table_args__ = (
        Index("ix_money_transaction_subject", "subject_type", "subject_id"),
        Index("ix_money_transaction_kind", "kind", "seq"),
        CheckConstraint("reverses_id IS NULL OR kind = 'reversal'", name="reverses_only_in_reversal"),
        CheckConstraint("(subject_type IS NULL) = (subject_id IS NULL)", name="subject_type_and_id"),
    )

    # Commit-independent order of writing: lists page by it (ids are random).
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    key: Mapped[str] = mapped_column(String(LEDGER_KEY_MAX_LENGTH), unique=True)
    # What the key was first used for (operation and its arguments, hashed): a retry with the same
    # key and the same request is the original transaction, with another request a conflict.
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(LEDGER_KIND_MAX_LENGTH))
    memo: Mapped[str] = mapped_column(String(LEDGER_MEMO_MAX_LENGTH), default="")
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("money_transaction.id"), unique=True)
    subject_type: Mapped[str | None] = mapped_column(String(SUBJECT_TYPE_MAX_LENGTH))
    subject_id: Mapped[uuid.UUID | None]
    created_by_id: Mapped[uuid.UUID | None]  # a person; None for the system (the worker)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MoneyEntry(UUIDPk, Base):
    """One line of a transaction: a signed amount on one account (negative leaves it)."""

    __tablename__ = "money_entry"
    __table_args__ = (
        # An account's entries in order: balances, statements and a wallet's movements read it.
        Index("ix_money_entry_account", "account_id", "seq"),
        Index("ix_money_entry_transaction", "transaction_id"),
        CheckConstraint("amount_cents <> 0", name="amount_not_zero"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    transaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("money_transaction.id"))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("money_account.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MoneyHold(UUIDPk, Base):
    """A pending transfer (TigerBeetle's two-phase model): `amount_cents` reserved on the debit
    account until it is posted (once, in full or in part), voided or expired."""

    __tablename__ = "money_hold"
    __table_args__ = (
        # What counts against an account's available balance: its pending holds.
        Index("ix_money_hold_debit_pending", "debit_account_id", postgresql_where="state = 'pending'"),
        # What the worker's expiry sweep scans.
        Index("ix_money_hold_expiry", "expires_at", postgresql_where="state = 'pending'"),
        Index("ix_money_hold_subject", "subject_type", "subject_id"),
        Index("ix_money_hold_parent", "parent_hold_id", postgresql_where="parent_hold_id IS NOT NULL"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("posted_cents >= 0 AND posted_cents <= amount_cents", name="posted_within_amount"),
        CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
        CheckConstraint("(state = 'posted') = (posted_transaction_id IS NOT NULL)", name="posted_has_transaction"),
        CheckConstraint("(state = 'pending') = (resolved_at IS NULL)", name="resolved_unless_pending"),
        CheckConstraint("(subject_type IS NULL) = (subject_id IS NULL)", name="subject_type_and_id"),
    )

    key: Mapped[str] = mapped_column(String(LEDGER_KEY_MAX_LENGTH), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[HoldState] = mapped_column(Enum(HoldState, name="money_hold_state"), default=HoldState.pending)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    posted_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    debit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("money_account.id"))
    credit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("money_account.id"))
    expires_at: Mapped[datetime]
    # The hold this one keeps the unposted rest of (post_hold with keep_remainder).
    parent_hold_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("money_hold.id"))
    subject_type: Mapped[str | None] = mapped_column(String(SUBJECT_TYPE_MAX_LENGTH))
    subject_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    # The key the hold was posted or voided with: the same call again answers as the first did.
    resolution_key: Mapped[str | None] = mapped_column(String(LEDGER_KEY_MAX_LENGTH), unique=True)
    posted_transaction_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("money_transaction.id"))
