import uuid
from typing import Annotated

from fastapi import Query

from app.accounts.auth import Admin
from app.db import ReadSessionDep
from app.errors import Forbidden, NotAuthenticated, error_responses
from app.money import reads
from app.money.schemas import LedgerAccountRead, LedgerTransactionRead, ReconciliationRead
from app.money.views import account_views, transaction_views
from app.pagination import Page, PageParamsDep, Paginated
from app.routing import api_router
from app.shared_schemas import one

ledger_router = api_router(prefix="/ledger", tags=["ledger"])


@ledger_router.get(
    "/accounts/{account_id}",
    response_model=LedgerAccountRead,
    responses=error_responses(NotAuthenticated, Forbidden, reads.LedgerAccountNotFound),
)
async def get_ledger_account(account_id: uuid.UUID, session: ReadSessionDep, admin: Admin) -> LedgerAccountRead:
    """One ledger account and its balance: posted, held by pending holds, available (admins)."""
    return await one(account_views(session, [await reads.get_account(session, account_id)]))


LedgerKind = Annotated[
    str | None,
    Query(max_length=40, pattern=r"^[a-z][a-z0-9_.]*$", description="Only this kind", examples=["grant.credited"]),
]
SubjectType = Annotated[
    str | None, Query(max_length=40, pattern=r"^[a-z][a-z0-9_]*$", description="Only about this kind of thing")
]


@ledger_router.get(
    "/transactions",
    response_model=Page[LedgerTransactionRead],
    responses=error_responses(NotAuthenticated, Forbidden),
)
async def list_ledger_transactions(
    session: ReadSessionDep,
    admin: Admin,
    page: PageParamsDep,
    kind: LedgerKind = None,
    account_id: uuid.UUID | None = None,
    subject_type: SubjectType = None,
    subject_id: uuid.UUID | None = None,
) -> Paginated[LedgerTransactionRead]:
    """Ledger transactions with their entries, newest first (admins): filter by kind, by an account
    they touch, or by what they concern (subject_type and/or subject_id)."""
    found = await reads.list_transactions(
        session, page, kind=kind, account_id=account_id, subject_type=subject_type, subject_id=subject_id
    )
    return found.with_items(await transaction_views(session, found.items))


@ledger_router.get(
    "/reconciliation", response_model=ReconciliationRead, responses=error_responses(NotAuthenticated, Forbidden)
)
async def reconcile_ledger(session: ReadSessionDep, admin: Admin) -> ReconciliationRead:
    """Check the whole ledger against its invariants, from its entries (admins): every entry sums to
    zero, every transaction balances, no budget or wallet is below zero counting holds, posted holds,
    kept remainders and reversals agree with their entries. Each check says what it examined and
    names its first offenders."""
    return await reads.reconcile(session)
