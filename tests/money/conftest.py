"""Ledger test helpers: a funded programme, a household's wallet on it, a provider's receivable."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import money
from app.models import AccountKind
from app.models.base import utcnow


@dataclass(frozen=True)
class Accounts:
    programme_id: uuid.UUID
    funder: uuid.UUID
    budget: uuid.UUID
    wallet: uuid.UUID
    receivable: uuid.UUID
    expired: uuid.UUID


async def open_accounts(session: AsyncSession, *, budget_cents: int = 0, wallet_cents: int = 0) -> Accounts:
    """Accounts of a fresh programme: its funder's commitment moved to its budget, then part of
    the budget granted to a household's wallet."""
    programme_id = uuid.uuid4()
    accounts = Accounts(
        programme_id=programme_id,
        funder=await money.account(session, AccountKind.funder, funder=f"Comune di Milano {programme_id}"),
        budget=await money.account(session, AccountKind.programme_budget, programme_id=programme_id),
        wallet=await money.account(
            session,
            AccountKind.household_wallet,
            household_id=uuid.uuid4(),
            programme_id=programme_id,
            grant_id=uuid.uuid4(),
        ),
        receivable=await money.account(
            session, AccountKind.provider_receivable, provider_id=uuid.uuid4(), programme_id=programme_id
        ),
        expired=await money.account(session, AccountKind.programme_expired, programme_id=programme_id),
    )
    if budget_cents:
        await money.transfer(
            session,
            key=f"fund:{programme_id}",
            kind="programme.funded",
            lines=[(accounts.funder, -budget_cents), (accounts.budget, budget_cents)],
        )
    if wallet_cents:
        await money.transfer(
            session,
            key=f"grant:{accounts.wallet}",
            kind="grant.credited",
            lines=[(accounts.budget, -wallet_cents), (accounts.wallet, wallet_cents)],
        )
    return accounts


def in_days(days: float):
    return utcnow() + timedelta(days=days)


@pytest.fixture
async def ledger_session(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """The test's session; at the end the deferred zero-sum checks run (SET CONSTRAINTS ALL
    IMMEDIATE fires them), so every transaction a test wrote is proven balanced by PostgreSQL even
    though the test's transaction is rolled back instead of committed."""
    yield session
    await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
