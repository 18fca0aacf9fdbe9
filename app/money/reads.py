"""What admins read of the ledger."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.models import MoneyAccount
from app.money import repository as repo


class LedgerAccountNotFound(NotFound):
    code = "ledger_account_not_found"


async def get_account(session: AsyncSession, account_id: uuid.UUID) -> MoneyAccount:
    found = await repo.get_account(session, account_id)
    if found is None:
        raise LedgerAccountNotFound(f"No ledger account {account_id}.")
    return found
