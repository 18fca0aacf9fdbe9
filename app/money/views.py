"""Responses of the ledger's reads, built a page at a time."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import MoneyAccount
from app.money.accounts import balances
from app.money.schemas import BalanceRead, LedgerAccountRead


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
