"""Concurrency with real commits: each caller in its own session and database transaction.

The rows these tests commit stay in the test database (entries and transactions are append-only by
design); every account is new, so nothing else reads them.
"""

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app import money
from app.models import HoldState, MoneyHold
from tests.money.conftest import in_days, open_accounts

SPENDERS = 50


async def _committed_wallet(engine: AsyncEngine, cents: int):
    async with async_sessionmaker(engine, expire_on_commit=False)() as setup:
        accounts = await open_accounts(setup, budget_cents=cents, wallet_cents=cents)
        await setup.commit()
    return accounts


async def test_fifty_concurrent_spends_of_one_wallet_never_overdraw_it(engine):
    accounts = await _committed_wallet(engine, 10_000)  # room for 10 spends of 1,000
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def spend(n: int) -> str:
        async with sessions() as session:
            try:
                await money.transfer(
                    session,
                    key=f"race-spend:{accounts.wallet}:{n}",
                    kind="test.spend",
                    lines=[(accounts.wallet, -1_000), (accounts.receivable, 1_000)],
                )
                await session.commit()
                return "spent"
            except money.InsufficientFunds:
                await session.rollback()
                return "refused"

    outcomes = await asyncio.gather(*(spend(n) for n in range(SPENDERS)))

    assert sorted(outcomes) == ["refused"] * (SPENDERS - 10) + ["spent"] * 10
    async with sessions() as check:
        assert await money.balance(check, accounts.wallet) == money.Balance(0, 0, 0)
        assert (await money.balance(check, accounts.receivable)).posted_cents == 10_000


async def test_fifty_concurrent_holds_and_spends_never_overdraw_a_wallet(engine):
    accounts = await _committed_wallet(engine, 10_000)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def take(n: int) -> bool:
        async with sessions() as session:
            try:
                if n % 2:
                    await money.hold(
                        session,
                        key=f"race-hold:{accounts.wallet}:{n}",
                        debit=accounts.wallet,
                        credit=accounts.receivable,
                        amount_cents=700,
                        expires_at=in_days(7),
                    )
                else:
                    await money.transfer(
                        session,
                        key=f"race-spend:{accounts.wallet}:{n}",
                        kind="test.spend",
                        lines=[(accounts.wallet, -700), (accounts.receivable, 700)],
                    )
                await session.commit()
                return True
            except money.InsufficientFunds:
                await session.rollback()
                return False

    taken = sum(await asyncio.gather(*(take(n) for n in range(SPENDERS))))

    assert taken == 10_000 // 700
    async with sessions() as check:
        wallet = await money.balance(check, accounts.wallet)
    assert wallet.available_cents == 10_000 - taken * 700 >= 0


async def test_two_concurrent_posts_of_one_hold_capture_once(engine):
    accounts = await _committed_wallet(engine, 10_000)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        hold = await money.hold(
            setup,
            key=f"race-hold:{uuid.uuid4()}",
            debit=accounts.wallet,
            credit=accounts.receivable,
            amount_cents=4_000,
            expires_at=in_days(7),
        )
        await setup.commit()

    async def post(n: int) -> str:
        async with sessions() as session:
            try:
                await money.post_hold(session, hold.id, key=f"race-capture:{hold.id}:{n}", amount_cents=3_000)
                await session.commit()
                return "posted"
            except money.HoldNotPending:
                await session.rollback()
                return "refused"

    outcomes = await asyncio.gather(post(1), post(2))

    assert sorted(outcomes) == ["posted", "refused"]
    async with sessions() as check:
        stored = await check.get(MoneyHold, hold.id)
        assert (stored.state, stored.posted_cents) == (HoldState.posted, 3_000)
        assert (await money.balance(check, accounts.receivable)).posted_cents == 3_000
        assert await money.balance(check, accounts.wallet) == money.Balance(7_000, 0, 7_000)


async def test_two_concurrent_posts_with_one_key_give_one_transaction(engine):
    accounts = await _committed_wallet(engine, 10_000)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        hold = await money.hold(
            setup,
            key=f"race-hold:{uuid.uuid4()}",
            debit=accounts.wallet,
            credit=accounts.receivable,
            amount_cents=4_000,
            expires_at=in_days(7),
        )
        await setup.commit()

    async def post() -> uuid.UUID:
        async with sessions() as session:
            posted = await money.post_hold(session, hold.id, key=f"race-capture:{hold.id}")
            await session.commit()
            return posted.id

    first, second = await asyncio.gather(post(), post())

    assert first == second
    async with sessions() as check:
        assert (await money.balance(check, accounts.receivable)).posted_cents == 4_000
