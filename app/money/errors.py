"""The ledger's problems: what callers of app.money may have to declare on their routes."""

from app.errors import Conflict, InvalidTransition, NotFound


class InsufficientFunds(Conflict):
    """A non-negative account (a programme's budget, a household's wallet) would go below zero,
    counting what its pending holds reserve; the detail names the account and what is available."""

    code = "insufficient_funds"


class LedgerKeyReused(Conflict):
    """A ledger key already names another movement (other lines, another hold): keys are the
    caller's idempotency keys, so one key is one movement."""

    code = "ledger_key_reused"


class HoldNotFound(NotFound):
    code = "hold_not_found"


class HoldNotPending(InvalidTransition):
    """A hold was already posted, voided or expired (a hold resolves once)."""

    code = "hold_not_pending"


class HoldAmountExceeded(Conflict):
    """More than the hold reserves was asked to be posted."""

    code = "hold_amount_exceeded"


class TransactionNotFound(NotFound):
    code = "transaction_not_found"


class TransactionAlreadyReversed(Conflict):
    """A transaction is reversed at most once (and a reversal is not itself reversed)."""

    code = "transaction_already_reversed"
