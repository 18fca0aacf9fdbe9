"""Two-phase movements (TigerBeetle's pending transfers): a hold reserves money on its debit
account, then resolves exactly once: posted (in full or in part, by a transaction debit -> credit),
voided by its caller, or expired by the worker.

A hold resolves through a conditional UPDATE (`WHERE state = 'pending'`) made while its row is
locked; posting keeps the lock order of app/money/repository.py (the hold, then its accounts).
"""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.models import HoldState, MoneyHold, MoneyTransaction
from app.models.base import utcnow
from app.money import repository as repo
from app.money.accounts import check_covered, check_funds
from app.money.errors import HoldAmountExceeded, HoldNotFound, HoldNotPending, LedgerKeyReused
from app.money.transfers import check_key, existing, fingerprint, write

EXPIRY_BATCH = 500  # holds expired per sweep: the next sweep takes the rest


async def hold(
    session: AsyncSession,
    *,
    key: str,
    debit: uuid.UUID,
    credit: uuid.UUID,
    amount_cents: int,
    expires_at: datetime,
    subject_type: str | None = None,
    subject_id: uuid.UUID | None = None,
    created_by_id: uuid.UUID | None = None,
) -> MoneyHold:
    """Reserve `amount_cents` on `debit` for `credit` until `expires_at`. Idempotent by `key`."""
    check_key(key)
    if amount_cents <= 0 or debit == credit:
        raise ValueError("a hold reserves a positive amount from one account for another")
    print_ = fingerprint("hold", str(debit), str(credit), amount_cents, subject_type, str(subject_id))
    if (found := await _hold_by_key(session, key, print_)) is not None:
        return found
    if expires_at <= utcnow():
        raise ValueError("a hold expires in the future")
    accounts = await repo.lock_accounts(session, [debit, credit])
    if len(accounts) != 2:
        raise ValueError("a hold names an account that does not exist")
    await check_funds(session, [a for a in accounts if a.id == debit], {debit: -amount_cents})
    hold_id = await repo.insert_hold(
        session,
        {
            "key": key,
            "fingerprint": print_,
            "state": HoldState.pending,
            "amount_cents": amount_cents,
            "posted_cents": 0,
            "debit_account_id": debit,
            "credit_account_id": credit,
            "expires_at": expires_at,
            "subject_type": subject_type,
            "subject_id": subject_id,
        },
    )
    if hold_id is None:  # a concurrent caller placed it with this key first
        raced = await _hold_by_key(session, key, print_)
        assert raced is not None
        return raced
    placed = await repo.get_hold(session, hold_id)
    assert placed is not None
    ledger.audit(
        session,
        actor_id=created_by_id,
        actor_kind="user" if created_by_id else "system",
        action="hold.placed",
        target_type="money_hold",
        target_id=hold_id,
        detail={"amount_cents": amount_cents, "subject_type": subject_type, "subject_id": str(subject_id)},
    )
    return placed


async def _hold_by_key(session: AsyncSession, key: str, print_: str) -> MoneyHold | None:
    found = await repo.hold_by_key(session, key)
    if found is not None and found.fingerprint != print_:
        raise LedgerKeyReused(f"The ledger key {key!r} was already used for another hold.")
    return found


async def _locked_pending(session: AsyncSession, hold_id: uuid.UUID, now: datetime) -> MoneyHold:
    found = await repo.lock_hold(session, hold_id)
    if found is None:
        raise HoldNotFound(f"No hold {hold_id}.")
    if found.state is not HoldState.pending:
        raise HoldNotPending(f"Hold {hold_id} is already {found.state.value}.", current_state=found.state.value)
    if found.expires_at <= now:  # its time is up; the worker's sweep has not recorded it yet
        raise HoldNotPending(f"Hold {hold_id} expired at {found.expires_at.isoformat()}.", current_state="expired")
    return found


async def post_hold(
    session: AsyncSession,
    hold_id: uuid.UUID,
    *,
    key: str,
    amount_cents: int | None = None,
    keep_remainder: bool = False,
    kind: str = "hold.posted",
    memo: str = "",
    created_by_id: uuid.UUID | None = None,
) -> MoneyTransaction:
    """Post all of a hold (None) or part of it, once. The rest is released, or with
    `keep_remainder` stays reserved in a new pending hold (same accounts, expiry and subject,
    `parent_hold_id` this one), so weekly captures can draw on one engagement's hold."""
    check_key(key)
    print_ = fingerprint("post_hold", str(hold_id), amount_cents, keep_remainder)
    if (found := await existing(session, key, print_)) is not None:
        return found
    if (other := await repo.hold_by_resolution_key(session, key)) is not None and other.id != hold_id:
        raise LedgerKeyReused(f"The ledger key {key!r} already resolved hold {other.id}.")
    now = utcnow()
    held = await repo.lock_hold(session, hold_id)
    if held is not None and held.state is HoldState.posted and held.resolution_key == key:
        posted = await repo.get_transaction(session, held.posted_transaction_id)  # type: ignore[arg-type]
        assert posted is not None
        return posted
    held = await _locked_pending(session, hold_id, now)
    amount = held.amount_cents if amount_cents is None else amount_cents
    if amount <= 0:
        raise ValueError("a post moves a positive amount")
    if amount > held.amount_cents:
        raise HoldAmountExceeded(f"Hold {hold_id} reserves {held.amount_cents} cents; {amount} were asked for.")
    accounts = await repo.lock_accounts(session, [held.debit_account_id, held.credit_account_id])
    lines = [(held.debit_account_id, -amount), (held.credit_account_id, amount)]
    # The transaction first (the hold points at it), then the hold's resolution and its remainder,
    # and only then the check, on the balances as they now stand (entries and holds all written).
    posted = await write(
        session,
        key=key,
        print_=print_,
        kind=kind,
        lines=lines,
        memo=memo,
        subject_type=held.subject_type,
        subject_id=held.subject_id,
        created_by_id=created_by_id,
    )
    resolved = await repo.resolve_hold(
        session,
        hold_id,
        state=HoldState.posted,
        posted_cents=amount,
        resolved_at=now,
        resolution_key=key,
        posted_transaction_id=posted.id,
    )
    assert resolved  # the row is locked and was pending
    remainder = held.amount_cents - amount
    if keep_remainder and remainder > 0:
        await repo.insert_hold(
            session,
            {
                "key": f"remainder:{posted.id}",
                "fingerprint": fingerprint("remainder", str(hold_id)),
                "state": HoldState.pending,
                "amount_cents": remainder,
                "posted_cents": 0,
                "debit_account_id": held.debit_account_id,
                "credit_account_id": held.credit_account_id,
                "expires_at": held.expires_at,
                "parent_hold_id": held.id,
                "subject_type": held.subject_type,
                "subject_id": held.subject_id,
            },
        )
    await check_covered(session, accounts)
    return posted


async def void_hold(
    session: AsyncSession, hold_id: uuid.UUID, *, key: str, created_by_id: uuid.UUID | None = None
) -> MoneyHold:
    """Release a pending hold (a cancellation). The same key again answers with the voided hold."""
    check_key(key)
    held = await repo.lock_hold(session, hold_id)
    if held is not None and held.state is HoldState.voided and held.resolution_key == key:
        return held
    if (other := await repo.hold_by_resolution_key(session, key)) is not None:
        raise LedgerKeyReused(f"The ledger key {key!r} already resolved hold {other.id}.")
    held = await _locked_pending(session, hold_id, utcnow())
    resolved = await repo.resolve_hold(
        session, hold_id, state=HoldState.voided, resolved_at=utcnow(), resolution_key=key
    )
    assert resolved  # the row is locked and was pending
    ledger.audit(
        session,
        actor_id=created_by_id,
        actor_kind="user" if created_by_id else "system",
        action="hold.voided",
        target_type="money_hold",
        target_id=hold_id,
        detail={"amount_cents": held.amount_cents},
    )
    voided = await repo.get_hold(session, hold_id)
    assert voided is not None
    return voided


async def expire_holds(session: AsyncSession, now: datetime) -> int:
    """Expire pending holds whose `expires_at` has passed (the worker's sweep): an explicit state
    change, releasing what they reserved. Returns how many expired."""
    expired = await repo.expire_due_holds(session, now, limit=EXPIRY_BATCH)
    for gone in expired:
        ledger.audit(
            session,
            actor_id=None,
            actor_kind="system",
            action="hold.expired",
            target_type="money_hold",
            target_id=gone.id,
            detail={"amount_cents": gone.amount_cents},
        )
    return len(expired)
