"""What admins read of the ledger."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.models import MoneyAccount, MoneyTransaction
from app.money import repository as repo
from app.money.schemas import MAX_OFFENDERS, ReconciliationCheck, ReconciliationRead
from app.pagination import PageParams, Paginated, SortKey, paginate


class LedgerAccountNotFound(NotFound):
    code = "ledger_account_not_found"


async def get_account(session: AsyncSession, account_id: uuid.UUID) -> MoneyAccount:
    found = await repo.get_account(session, account_id)
    if found is None:
        raise LedgerAccountNotFound(f"No ledger account {account_id}.")
    return found


async def list_transactions(
    session: AsyncSession,
    page: PageParams,
    *,
    kind: str | None = None,
    account_id: uuid.UUID | None = None,
    subject_type: str | None = None,
    subject_id: uuid.UUID | None = None,
) -> Paginated[MoneyTransaction]:
    """Newest first (write order)."""
    return await paginate(
        session,
        repo.transactions(kind=kind, account_id=account_id, subject_type=subject_type, subject_id=subject_id),
        page,
        scope="ledger_transactions",
        order=[SortKey(MoneyTransaction.seq, descending=True)],
    )


CHECKS = {
    "transactions_balance": "Every transaction has two or more entries that sum to zero",
    "non_negative_accounts_covered": "No budget or wallet is below zero, pending holds counted",
    "posted_holds_match_their_transactions": "Each posted hold's transaction moved exactly what it posted",
    "remainders_match_their_holds": "Each hold kept after a partial post holds exactly the unposted rest",
    "reversals_mirror_their_originals": "Each reversal and its original cancel out on every account",
}


async def reconcile(session: AsyncSession) -> ReconciliationRead:
    """Check the ledger against its invariants (the database's and the code's), from the entries."""
    count, total = await repo.entries_total(session)
    checks = [
        ReconciliationCheck(
            name="entries_sum_to_zero",
            description=f"The sum of every entry is zero (it is {total} cents)",
            ok=total == 0,
            checked=count,
            offenders=[],
        )
    ]
    for name, description in CHECKS.items():
        checked, offenders = await repo.reconciliation_check(session, name, limit=MAX_OFFENDERS)
        checks.append(
            ReconciliationCheck(
                name=name, description=description, ok=not offenders, checked=checked, offenders=offenders
            )
        )
    return ReconciliationRead(ok=all(c.ok for c in checks), checked_at=datetime.now(UTC), checks=checks)
