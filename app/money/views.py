"""Responses of the ledger's reads, built a page at a time."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import MoneyAccount, MoneyTransaction
from app.money import repository as repo
from app.money.accounts import balances
from app.money.schemas import BalanceRead, LedgerAccountRead, LedgerEntryRead, LedgerTransactionRead


async def account_views(session: AsyncSession, rows: list[MoneyAccount]) -> list[LedgerAccountRead]:
    found = await balances(session, [row.id for row in rows])
    return [
        LedgerAccountRead.model_validate(
            {
                **{name: getattr(row, name) for name in LedgerAccountRead.model_fields if name != "balance"},
                "balance": BalanceRead(
                    posted_cents=found[row.id].posted_cents,
                    held_cents=found[row.id].pending_cents,
                    available_cents=found[row.id].available_cents,
                ),
            }
        )
        for row in rows
    ]


async def transaction_views(session: AsyncSession, rows: list[MoneyTransaction]) -> list[LedgerTransactionRead]:
    ids = [row.id for row in rows]
    entries: dict[uuid.UUID, list[LedgerEntryRead]] = {row.id: [] for row in rows}
    for transaction_id, account_id, kind, amount in await repo.entries_of(session, ids):
        entries[transaction_id].append(LedgerEntryRead(account_id=account_id, account_kind=kind, amount_cents=amount))
    reversed_by = await repo.reversals_of(session, ids)
    return [
        LedgerTransactionRead.model_validate(
            {
                **{name: getattr(row, name) for name in LedgerTransactionRead.model_fields if hasattr(row, name)},
                "reversed_by_id": reversed_by.get(row.id),
                "entries": entries[row.id],
            }
        )
        for row in rows
    ]
