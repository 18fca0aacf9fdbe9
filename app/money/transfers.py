"""Transactions: transfers between accounts and their reversals.

Every movement is keyed by its caller (an idempotency key: the same call again returns the
original transaction; the key used for something else is 409 ledger_key_reused), writes two or
more entries that sum to zero (PostgreSQL checks it again at COMMIT), and takes its accounts'
row locks in id order before checking that no non-negative account goes below zero.
"""

import hashlib
import json
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.models import MoneyTransaction
from app.models.money import LEDGER_KEY_MAX_LENGTH, LEDGER_KIND_MAX_LENGTH, LEDGER_MAX_LINES, LEDGER_MEMO_MAX_LENGTH
from app.money import repository as repo
from app.money.accounts import check_funds
from app.money.errors import LedgerKeyReused, TransactionAlreadyReversed, TransactionNotFound

REVERSAL = "reversal"


def fingerprint(operation: str, *arguments: object) -> str:
    """What a key was used for, hashed: the operation and its arguments."""
    return hashlib.sha256(json.dumps([operation, *arguments], default=str, sort_keys=True).encode()).hexdigest()


def lines_fingerprint(kind: str, lines: list[tuple[uuid.UUID, int]]) -> str:
    return fingerprint("transfer", kind, sorted((str(account_id), amount) for account_id, amount in lines))


def check_key(key: str) -> None:
    if not 0 < len(key) <= LEDGER_KEY_MAX_LENGTH:
        raise ValueError(f"a ledger key has 1 to {LEDGER_KEY_MAX_LENGTH} characters")


def check_lines(lines: list[tuple[uuid.UUID, int]]) -> None:
    """Callers' mistakes, not the user's: PostgreSQL would refuse these at COMMIT anyway."""
    accounts = [account_id for account_id, _ in lines]
    if not 2 <= len(lines) <= LEDGER_MAX_LINES or len(set(accounts)) != len(accounts):
        raise ValueError(f"a transaction has 2 to {LEDGER_MAX_LINES} lines, one per account")
    if any(amount == 0 for _, amount in lines) or sum(amount for _, amount in lines) != 0:
        raise ValueError("a transaction's amounts are not zero and sum to zero")


async def existing(session: AsyncSession, key: str, print_: str) -> MoneyTransaction | None:
    """The transaction this key already made with the same request, else None; another request: 409."""
    found = await repo.transaction_by_key(session, key)
    if found is not None and found.fingerprint != print_:
        raise LedgerKeyReused(f"The ledger key {key!r} was already used for another movement ({found.kind}).")
    return found


async def write(
    session: AsyncSession,
    *,
    key: str,
    print_: str,
    kind: str,
    lines: list[tuple[uuid.UUID, int]],
    memo: str = "",
    subject_type: str | None = None,
    subject_id: uuid.UUID | None = None,
    created_by_id: uuid.UUID | None = None,
    reverses_id: uuid.UUID | None = None,
) -> MoneyTransaction:
    """Insert the transaction and its entries; the accounts are locked and their funds checked by
    the caller. A key taken meanwhile by a concurrent writer answers as `existing` does."""
    if len(kind) > LEDGER_KIND_MAX_LENGTH or len(memo) > LEDGER_MEMO_MAX_LENGTH:
        raise ValueError("kind or memo too long")
    transaction_id = await repo.insert_transaction(
        session,
        {
            "key": key,
            "fingerprint": print_,
            "kind": kind,
            "memo": memo,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "created_by_id": created_by_id,
            "reverses_id": reverses_id,
        },
    )
    if transaction_id is None:
        raced = await existing(session, key, print_)
        assert raced is not None
        return raced
    await repo.insert_entries(session, transaction_id, lines)
    written = await repo.get_transaction(session, transaction_id)
    assert written is not None
    return written


async def transfer(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    lines: list[tuple[uuid.UUID, int]],
    memo: str = "",
    subject_type: str | None = None,
    subject_id: uuid.UUID | None = None,
    created_by_id: uuid.UUID | None = None,
) -> MoneyTransaction:
    """Move money: `lines` are (account, signed cents) summing to zero. Idempotent by `key`."""
    check_key(key)
    check_lines(lines)
    print_ = lines_fingerprint(kind, lines)
    if (found := await existing(session, key, print_)) is not None:
        return found
    accounts = await repo.lock_accounts(session, (account_id for account_id, _ in lines))
    if len(accounts) != len(lines):
        raise ValueError("a line names an account that does not exist")
    await check_funds(session, accounts, dict(lines))
    return await write(
        session,
        key=key,
        print_=print_,
        kind=kind,
        lines=lines,
        memo=memo,
        subject_type=subject_type,
        subject_id=subject_id,
        created_by_id=created_by_id,
    )


async def reverse(
    session: AsyncSession,
    transaction_id: uuid.UUID,
    *,
    key: str,
    memo: str,
    created_by_id: uuid.UUID | None = None,
) -> MoneyTransaction:
    """Undo a transaction with its mirror (kind `reversal`, same subject), once. The reversal is
    checked like any movement: a wallet's grant cannot be reversed once the money is spent."""
    check_key(key)
    print_ = fingerprint("reverse", str(transaction_id))
    if (found := await existing(session, key, print_)) is not None:
        return found
    original = await repo.get_transaction(session, transaction_id)
    if original is None:
        raise TransactionNotFound(f"No ledger transaction {transaction_id}.")
    if original.kind == REVERSAL:
        raise TransactionAlreadyReversed("A reversal is not reversed: make a new transfer instead.")
    mirror = [(account_id, -amount) for account_id, amount in await repo.entry_lines(session, transaction_id)]
    accounts = await repo.lock_accounts(session, (account_id for account_id, _ in mirror))
    # Under the locks, so two reversals of one transaction see each other (the second one waited).
    if (done := await repo.reversal_of(session, transaction_id)) is not None:
        raise TransactionAlreadyReversed(f"Transaction {transaction_id} was already reversed by {done.id}.")
    await check_funds(session, accounts, dict(mirror))
    reversal = await write(
        session,
        key=key,
        print_=print_,
        kind=REVERSAL,
        lines=mirror,
        memo=memo,
        subject_type=original.subject_type,
        subject_id=original.subject_id,
        created_by_id=created_by_id,
        reverses_id=original.id,
    )
    ledger.record(
        session,
        actor_id=created_by_id,
        action="ledger.reversed",
        target_type="money_transaction",
        target_id=original.id,
        payload={"reversal_id": str(reversal.id), "kind": original.kind},
        detail={"reversal_id": str(reversal.id), "kind": original.kind, "memo": memo},
    )
    return reversal
