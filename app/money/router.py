import uuid

from app.accounts.auth import Admin
from app.db import ReadSessionDep
from app.errors import Forbidden, NotAuthenticated, error_responses
from app.money import reads
from app.money.schemas import LedgerAccountRead
from app.money.views import account_views
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
