"""The double-entry ledger (docs/money.md): what the other money domains call.

account(session, kind, *, programme_id, household_id, grant_id, provider_id, funder) -> account id
transfer(session, *, key, kind, lines, memo, subject_type, subject_id) -> MoneyTransaction
hold / post_hold / void_hold / expire_holds: two-phase movements
reverse(session, transaction_id, *, key, memo) -> MoneyTransaction
balance(session, account_id) -> Balance (posted, pending, available)
"""

from app.models import AccountKind, HoldState, MoneyHold, MoneyTransaction
from app.money.accounts import Balance, account, balance, balances
from app.money.errors import (
    HoldAmountExceeded,
    HoldNotFound,
    HoldNotPending,
    InsufficientFunds,
    LedgerKeyReused,
    TransactionAlreadyReversed,
    TransactionNotFound,
)
from app.money.holds import expire_holds, hold, post_hold, void_hold
from app.money.transfers import reverse, transfer

# The contract's names for the ORM rows the functions return.
Transaction = MoneyTransaction
Hold = MoneyHold

__all__ = [
    "AccountKind",
    "Balance",
    "Hold",
    "HoldAmountExceeded",
    "HoldNotFound",
    "HoldNotPending",
    "HoldState",
    "InsufficientFunds",
    "LedgerKeyReused",
    "Transaction",
    "TransactionAlreadyReversed",
    "TransactionNotFound",
    "account",
    "balance",
    "balances",
    "expire_holds",
    "hold",
    "post_hold",
    "reverse",
    "transfer",
    "void_hold",
]
