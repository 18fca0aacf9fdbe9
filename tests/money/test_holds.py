"""Two-phase movements: holds placed, posted in full or in part, voided, expired; each once."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import money
from app.models import HoldState, MoneyHold
from app.models.base import utcnow
from tests.money.conftest import in_days, open_accounts


async def _held(session, amount=4_000, wallet=10_000, key="hold:1"):
    accounts = await open_accounts(session, budget_cents=wallet, wallet_cents=wallet)
    hold = await money.hold(
        session,
        key=key,
        debit=accounts.wallet,
        credit=accounts.receivable,
        amount_cents=amount,
        expires_at=in_days(30),
        subject_type="engagement",
        subject_id=uuid.uuid4(),
    )
    return accounts, hold


async def test_a_hold_reserves_its_amount_from_the_available_balance(ledger_session):
    accounts, hold = await _held(ledger_session)

    assert hold.state is HoldState.pending
    assert await money.balance(ledger_session, accounts.wallet) == money.Balance(10_000, 4_000, 6_000)
    assert (await money.balance(ledger_session, accounts.receivable)).posted_cents == 0


async def test_a_hold_beyond_what_is_available_is_refused(ledger_session):
    accounts, _ = await _held(ledger_session, amount=7_000)

    with pytest.raises(money.InsufficientFunds, match="3000 cents available \\(7000 held\\)"):
        await money.hold(
            ledger_session,
            key="hold:2",
            debit=accounts.wallet,
            credit=accounts.receivable,
            amount_cents=3_001,
            expires_at=in_days(1),
        )


async def test_a_spend_cannot_take_what_a_hold_reserves(ledger_session):
    accounts, _ = await _held(ledger_session, amount=7_000)

    with pytest.raises(money.InsufficientFunds):
        await money.transfer(
            ledger_session,
            key="spend",
            kind="test.spend",
            lines=[(accounts.wallet, -3_001), (accounts.receivable, 3_001)],
        )


async def test_placing_a_hold_again_with_its_key_returns_it_and_with_other_terms_is_409(ledger_session):
    accounts, hold = await _held(ledger_session)

    again = await money.hold(
        ledger_session,
        key="hold:1",
        debit=accounts.wallet,
        credit=accounts.receivable,
        amount_cents=4_000,
        expires_at=in_days(30),
        subject_type="engagement",
        subject_id=hold.subject_id,
    )
    with pytest.raises(money.LedgerKeyReused):
        await money.hold(
            ledger_session,
            key="hold:1",
            debit=accounts.wallet,
            credit=accounts.receivable,
            amount_cents=4_001,
            expires_at=in_days(30),
        )

    assert again.id == hold.id
    assert (await money.balance(ledger_session, accounts.wallet)).pending_cents == 4_000


async def test_a_full_post_moves_the_held_amount(ledger_session):
    accounts, hold = await _held(ledger_session)

    posted = await money.post_hold(ledger_session, hold.id, key="capture:1")

    await ledger_session.refresh(hold)
    assert (hold.state, hold.posted_cents, hold.posted_transaction_id) == (HoldState.posted, 4_000, posted.id)
    assert (posted.kind, posted.subject_id) == ("hold.posted", hold.subject_id)
    assert await money.balance(ledger_session, accounts.wallet) == money.Balance(6_000, 0, 6_000)
    assert (await money.balance(ledger_session, accounts.receivable)).posted_cents == 4_000


async def test_a_partial_post_releases_the_rest(ledger_session):
    accounts, hold = await _held(ledger_session)

    await money.post_hold(ledger_session, hold.id, key="capture:1", amount_cents=1_500)

    assert await money.balance(ledger_session, accounts.wallet) == money.Balance(8_500, 0, 8_500)
    remainders = await ledger_session.scalars(select(MoneyHold).where(MoneyHold.parent_hold_id == hold.id))
    assert list(remainders) == []


async def test_keep_remainder_chains_weekly_captures_on_one_hold(ledger_session):
    accounts, hold = await _held(ledger_session)

    await money.post_hold(ledger_session, hold.id, key="week:1", amount_cents=1_000, keep_remainder=True)
    second = await ledger_session.scalar(select(MoneyHold).where(MoneyHold.parent_hold_id == hold.id))
    await money.post_hold(ledger_session, second.id, key="week:2", amount_cents=2_000, keep_remainder=True)
    third = await ledger_session.scalar(select(MoneyHold).where(MoneyHold.parent_hold_id == second.id))
    await money.post_hold(ledger_session, third.id, key="week:3", keep_remainder=True)  # all the rest

    assert (second.amount_cents, second.expires_at, second.subject_id) == (3_000, hold.expires_at, hold.subject_id)
    assert third.amount_cents == 1_000
    assert await ledger_session.scalar(select(MoneyHold).where(MoneyHold.parent_hold_id == third.id)) is None
    assert await money.balance(ledger_session, accounts.wallet) == money.Balance(6_000, 0, 6_000)
    assert (await money.balance(ledger_session, accounts.receivable)).posted_cents == 4_000


async def test_posting_more_than_held_is_refused(ledger_session):
    _, hold = await _held(ledger_session)

    with pytest.raises(money.HoldAmountExceeded) as refused:
        await money.post_hold(ledger_session, hold.id, key="capture", amount_cents=4_001)

    assert refused.value.code == "hold_amount_exceeded"


async def test_a_hold_posts_at_most_once(ledger_session):
    accounts, hold = await _held(ledger_session)
    first = await money.post_hold(ledger_session, hold.id, key="capture:1", amount_cents=1_000)

    again = await money.post_hold(ledger_session, hold.id, key="capture:1", amount_cents=1_000)
    with pytest.raises(money.HoldNotPending) as refused:
        await money.post_hold(ledger_session, hold.id, key="capture:2", amount_cents=1_000)

    assert again.id == first.id
    assert (refused.value.code, refused.value.extra["current_state"]) == ("hold_not_pending", "posted")
    assert (await money.balance(ledger_session, accounts.receivable)).posted_cents == 1_000


async def test_a_voided_hold_releases_its_amount_and_cannot_be_posted(ledger_session, admin):
    accounts, hold = await _held(ledger_session)

    voided = await money.void_hold(ledger_session, hold.id, key="cancel:1", created_by_id=admin.id)
    again = await money.void_hold(ledger_session, hold.id, key="cancel:1")
    with pytest.raises(money.HoldNotPending) as refused:
        await money.post_hold(ledger_session, hold.id, key="capture:1")

    assert voided.state is HoldState.voided and again.id == voided.id
    assert refused.value.extra["current_state"] == "voided"
    assert await money.balance(ledger_session, accounts.wallet) == money.Balance(10_000, 0, 10_000)


async def test_voiding_a_posted_hold_is_refused(ledger_session):
    _, hold = await _held(ledger_session)
    await money.post_hold(ledger_session, hold.id, key="capture:1")

    with pytest.raises(money.HoldNotPending):
        await money.void_hold(ledger_session, hold.id, key="cancel:1")


async def test_an_unknown_hold_is_404(ledger_session):
    with pytest.raises(money.HoldNotFound):
        await money.post_hold(ledger_session, uuid.uuid4(), key="capture")
    with pytest.raises(money.HoldNotFound):
        await money.void_hold(ledger_session, uuid.uuid4(), key="cancel")


async def test_expiry_releases_holds_whose_time_has_come_and_only_those(ledger_session):
    accounts, hold = await _held(ledger_session, amount=1_000)
    later = await money.hold(
        ledger_session,
        key="hold:later",
        debit=accounts.wallet,
        credit=accounts.receivable,
        amount_cents=2_000,
        expires_at=in_days(60),
    )

    expired = await money.expire_holds(ledger_session, hold.expires_at + timedelta(seconds=1))

    assert expired >= 1
    await ledger_session.refresh(hold)
    await ledger_session.refresh(later)
    assert (hold.state, later.state) == (HoldState.expired, HoldState.pending)
    assert await money.balance(ledger_session, accounts.wallet) == money.Balance(10_000, 2_000, 8_000)
    with pytest.raises(money.HoldNotPending) as refused:
        await money.post_hold(ledger_session, hold.id, key="capture")
    assert refused.value.extra["current_state"] == "expired"


async def test_a_hold_past_its_time_cannot_be_posted_before_the_sweep_records_it(ledger_session):
    _, hold = await _held(ledger_session)
    await ledger_session.execute(
        MoneyHold.__table__.update().where(MoneyHold.id == hold.id).values(expires_at=utcnow() - timedelta(minutes=1))
    )

    with pytest.raises(money.HoldNotPending, match="expired at"):
        await money.post_hold(ledger_session, hold.id, key="capture")


async def test_a_hold_of_the_whole_wallet_posts_in_part_keeping_the_rest(ledger_session):
    # Found by the property test: the post's own entries were counted twice against the wallet.
    accounts, hold = await _held(ledger_session, amount=10_000, wallet=10_000)

    await money.post_hold(ledger_session, hold.id, key="week:1", amount_cents=2_000, keep_remainder=True)

    assert await money.balance(ledger_session, accounts.wallet) == money.Balance(8_000, 8_000, 0)


async def test_the_worker_sweep_expires_holds_past_their_time(ledger_session):
    from app import worker

    accounts, hold = await _held(ledger_session)
    await ledger_session.execute(
        MoneyHold.__table__.update().where(MoneyHold.id == hold.id).values(expires_at=utcnow() - timedelta(minutes=1))
    )

    swept = await worker.sweep(ledger_session)

    await ledger_session.refresh(hold)
    assert swept["holds_expired"] >= 1
    assert hold.state is HoldState.expired
    assert (await money.balance(ledger_session, accounts.wallet)).available_cents == 10_000
