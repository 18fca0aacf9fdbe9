"""The ledger's queries. Lock order everywhere: a hold row first (posting, voiding), then the
accounts it moves, in id order; nothing locks an account and then a hold."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import locked
from app.models import AccountKind, HoldState, MoneyAccount, MoneyEntry, MoneyHold, MoneyTransaction

# --- accounts ------------------------------------------------------------------------------------


async def insert_account_if_absent(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(
        insert(MoneyAccount).values(id=uuid.uuid4(), **values).on_conflict_do_nothing(index_elements=["natural_key"])
    )


async def account_id_by_natural_key(session: AsyncSession, natural_key: str) -> uuid.UUID | None:
    return await session.scalar(select(MoneyAccount.id).where(MoneyAccount.natural_key == natural_key))


async def get_account(session: AsyncSession, account_id: uuid.UUID) -> MoneyAccount | None:
    return await session.get(MoneyAccount, account_id)


async def lock_accounts(session: AsyncSession, account_ids: Iterable[uuid.UUID]) -> list[MoneyAccount]:
    """The accounts, locked FOR UPDATE in id order (the one order every writer takes them in)."""
    ids = sorted(set(account_ids))
    return list(await session.scalars(locked(select(MoneyAccount).where(MoneyAccount.id.in_(ids)).order_by("id"))))


async def posted_sums(session: AsyncSession, account_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    ids = list(account_ids)
    rows = await session.execute(
        select(MoneyEntry.account_id, func.sum(MoneyEntry.amount_cents))
        .where(MoneyEntry.account_id.in_(ids))
        .group_by(MoneyEntry.account_id)
    )
    return {account_id: int(total) for account_id, total in rows.all()}


async def pending_sums(session: AsyncSession, account_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """What pending holds reserve on each account (holds debit their account)."""
    ids = list(account_ids)
    rows = await session.execute(
        select(MoneyHold.debit_account_id, func.sum(MoneyHold.amount_cents))
        .where(MoneyHold.debit_account_id.in_(ids), MoneyHold.state == HoldState.pending)
        .group_by(MoneyHold.debit_account_id)
    )
    return {account_id: int(total) for account_id, total in rows.all()}


# --- transactions --------------------------------------------------------------------------------


async def transaction_by_key(session: AsyncSession, key: str) -> MoneyTransaction | None:
    return await session.scalar(select(MoneyTransaction).where(MoneyTransaction.key == key))


async def get_transaction(session: AsyncSession, transaction_id: uuid.UUID) -> MoneyTransaction | None:
    return await session.get(MoneyTransaction, transaction_id)


async def reversal_of(session: AsyncSession, transaction_id: uuid.UUID) -> MoneyTransaction | None:
    return await session.scalar(select(MoneyTransaction).where(MoneyTransaction.reverses_id == transaction_id))


async def insert_transaction(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """The new transaction's id, or None when its key is taken (by a concurrent writer too: ON
    CONFLICT waits for that writer to commit or roll back)."""
    return await session.scalar(
        insert(MoneyTransaction)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(MoneyTransaction.id)
    )


async def insert_entries(session: AsyncSession, transaction_id: uuid.UUID, lines: list[tuple[uuid.UUID, int]]) -> None:
    await session.execute(
        insert(MoneyEntry),
        [
            {"id": uuid.uuid4(), "transaction_id": transaction_id, "account_id": account_id, "amount_cents": amount}
            for account_id, amount in lines
        ],
    )


async def entry_lines(session: AsyncSession, transaction_id: uuid.UUID) -> list[tuple[uuid.UUID, int]]:
    rows = await session.execute(
        select(MoneyEntry.account_id, MoneyEntry.amount_cents)
        .where(MoneyEntry.transaction_id == transaction_id)
        .order_by(MoneyEntry.seq)
    )
    return [(account_id, amount) for account_id, amount in rows.all()]


# --- holds ---------------------------------------------------------------------------------------


async def hold_by_key(session: AsyncSession, key: str) -> MoneyHold | None:
    return await session.scalar(select(MoneyHold).where(MoneyHold.key == key))


async def hold_by_resolution_key(session: AsyncSession, key: str) -> MoneyHold | None:
    return await session.scalar(select(MoneyHold).where(MoneyHold.resolution_key == key))


async def lock_hold(session: AsyncSession, hold_id: uuid.UUID) -> MoneyHold | None:
    return await session.scalar(locked(select(MoneyHold).where(MoneyHold.id == hold_id)))


async def insert_hold(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    return await session.scalar(
        insert(MoneyHold)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(MoneyHold.id)
    )


async def resolve_hold(session: AsyncSession, hold_id: uuid.UUID, *, state: HoldState, **values: Any) -> bool:
    """Pending -> `state`, only if still pending: the conditional UPDATE that makes a hold resolve once."""
    result = await session.execute(
        update(MoneyHold)
        .where(MoneyHold.id == hold_id, MoneyHold.state == HoldState.pending)
        .values(state=state, **values)
        .returning(MoneyHold.id)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none() is not None


async def get_hold(session: AsyncSession, hold_id: uuid.UUID) -> MoneyHold | None:
    return await session.scalar(
        select(MoneyHold).where(MoneyHold.id == hold_id).execution_options(populate_existing=True)
    )


async def expire_due_holds(session: AsyncSession, now: datetime, *, limit: int) -> list[MoneyHold]:
    """Pending holds whose time has come, expired; holds locked by a poster right now are skipped
    (the next sweep sees them, if the poster did not post them)."""
    due = (
        select(MoneyHold.id)
        .where(MoneyHold.state == HoldState.pending, MoneyHold.expires_at <= now)
        .order_by(MoneyHold.expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.scalars(
        update(MoneyHold)
        .where(MoneyHold.id.in_(due.scalar_subquery()), MoneyHold.state == HoldState.pending)
        .values(state=HoldState.expired, resolved_at=now)
        .returning(MoneyHold)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return list(result)


# --- admin reads ---------------------------------------------------------------------------------


def transactions(
    *,
    kind: str | None,
    account_id: uuid.UUID | None,
    subject_type: str | None,
    subject_id: uuid.UUID | None,
) -> Select[MoneyTransaction]:
    stmt = select(MoneyTransaction)
    if kind is not None:
        stmt = stmt.where(MoneyTransaction.kind == kind)
    if subject_type is not None:
        stmt = stmt.where(MoneyTransaction.subject_type == subject_type)
    if subject_id is not None:
        stmt = stmt.where(MoneyTransaction.subject_id == subject_id)
    if account_id is not None:
        touching = select(MoneyEntry.transaction_id).where(MoneyEntry.account_id == account_id)
        stmt = stmt.where(MoneyTransaction.id.in_(touching))
    return stmt


async def entries_of(
    session: AsyncSession, transaction_ids: list[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID, AccountKind, int]]:
    """(transaction, account, account kind, amount) of every entry of these transactions, in order."""
    rows = await session.execute(
        select(MoneyEntry.transaction_id, MoneyEntry.account_id, MoneyAccount.kind, MoneyEntry.amount_cents)
        .join(MoneyAccount, MoneyAccount.id == MoneyEntry.account_id)
        .where(MoneyEntry.transaction_id.in_(transaction_ids))
        .order_by(MoneyEntry.seq)
    )
    return [(t, a, k, amount) for t, a, k, amount in rows.all()]


async def reversals_of(session: AsyncSession, transaction_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    rows = await session.execute(
        select(MoneyTransaction.reverses_id, MoneyTransaction.id).where(
            MoneyTransaction.reverses_id.in_(transaction_ids)
        )
    )
    return {original: reversal for original, reversal in rows.all() if original is not None}


# --- reconciliation ------------------------------------------------------------------------------

# Each check: how many rows it examines, and a query of the offending ids (none when all is well).
RECONCILIATION_CHECKS: dict[str, tuple[str, str]] = {
    "transactions_balance": (
        "SELECT count(*) FROM money_transaction",
        """SELECT t.id FROM money_transaction t LEFT JOIN money_entry e ON e.transaction_id = t.id
           GROUP BY t.id HAVING coalesce(sum(e.amount_cents), 0) <> 0 OR count(e.id) < 2""",
    ),
    "non_negative_accounts_covered": (
        "SELECT count(*) FROM money_account WHERE non_negative",
        """SELECT a.id FROM money_account a
           WHERE a.non_negative
             AND (SELECT coalesce(sum(amount_cents), 0) FROM money_entry WHERE account_id = a.id)
               - (SELECT coalesce(sum(amount_cents), 0) FROM money_hold
                  WHERE debit_account_id = a.id AND state = 'pending') < 0""",
    ),
    "posted_holds_match_their_transactions": (
        "SELECT count(*) FROM money_hold WHERE state = 'posted'",
        """SELECT h.id FROM money_hold h
           WHERE h.state = 'posted' AND (
               (SELECT coalesce(sum(amount_cents), 0) FROM money_entry
                WHERE transaction_id = h.posted_transaction_id AND account_id = h.credit_account_id) <> h.posted_cents
               OR (SELECT coalesce(sum(amount_cents), 0) FROM money_entry
                   WHERE transaction_id = h.posted_transaction_id AND account_id = h.debit_account_id)
                  <> -h.posted_cents)""",
    ),
    "remainders_match_their_holds": (
        "SELECT count(*) FROM money_hold WHERE parent_hold_id IS NOT NULL",
        """SELECT c.id FROM money_hold c JOIN money_hold p ON p.id = c.parent_hold_id
           WHERE c.amount_cents <> p.amount_cents - p.posted_cents OR p.state <> 'posted'
              OR c.debit_account_id <> p.debit_account_id OR c.credit_account_id <> p.credit_account_id""",
    ),
    "reversals_mirror_their_originals": (
        "SELECT count(*) FROM money_transaction WHERE reverses_id IS NOT NULL",
        """SELECT DISTINCT r.id FROM money_transaction r
           JOIN money_entry e ON e.transaction_id IN (r.id, r.reverses_id)
           WHERE r.reverses_id IS NOT NULL
           GROUP BY r.id, e.account_id HAVING sum(e.amount_cents) <> 0""",
    ),
}


async def entries_total(session: AsyncSession) -> tuple[int, int]:
    """(how many entries, their sum): the sum of every entry of the ledger is zero."""
    count, total = (
        await session.execute(select(func.count(), func.coalesce(func.sum(MoneyEntry.amount_cents), 0)))
    ).one()
    return int(count), int(total)


async def reconciliation_check(session: AsyncSession, name: str, *, limit: int) -> tuple[int, list[uuid.UUID]]:
    examined, offending = RECONCILIATION_CHECKS[name]
    checked = await session.scalar(text(examined))
    # `offending` is one of the constant queries above, never input.
    offenders = await session.scalars(text(f"SELECT id FROM ({offending}) bad LIMIT :limit"), {"limit": limit})  # noqa: S608
    return int(checked or 0), list(offenders)
