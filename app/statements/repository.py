"""The statements' queries: ledger entries on provider receivables (what each funder owes each
provider), co-payment rows, and a programme's accounts and holds. Reads only."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    AccountKind,
    Copayment,
    CopaymentStatus,
    HoldState,
    MoneyAccount,
    MoneyEntry,
    MoneyHold,
    MoneyTransaction,
    Programme,
)


async def receivable_movements(
    session: AsyncSession, provider_id: uuid.UUID, start: datetime, end: datetime
) -> list[Any]:
    """Every entry on the provider's receivable accounts in [start, end), oldest first: captures
    (positive) and their reversals (negative), with the programme and what they concern."""
    stmt = (
        select(
            MoneyTransaction.created_at,
            MoneyTransaction.id.label("transaction_id"),
            MoneyTransaction.kind,
            MoneyTransaction.subject_type,
            MoneyTransaction.subject_id,
            MoneyAccount.programme_id,
            MoneyEntry.amount_cents,
        )
        .join(MoneyAccount, MoneyAccount.id == MoneyEntry.account_id)
        .join(MoneyTransaction, MoneyTransaction.id == MoneyEntry.transaction_id)
        .where(
            MoneyAccount.kind == AccountKind.provider_receivable,
            MoneyAccount.provider_id == provider_id,
            MoneyTransaction.created_at >= start,
            MoneyTransaction.created_at < end,
        )
        .order_by(MoneyTransaction.created_at, MoneyEntry.seq)
    )
    return list((await session.execute(stmt)).all())


async def copayments_due(
    session: AsyncSession, provider_id: uuid.UUID, start: datetime, end: datetime
) -> list[Copayment]:
    """Co-payments that fell due in [start, end) (their week was confirmed then), oldest first."""
    stmt = (
        select(Copayment)
        .where(Copayment.provider_id == provider_id, Copayment.due_at >= start, Copayment.due_at < end)
        .order_by(Copayment.due_at, Copayment.id)
    )
    return list((await session.scalars(stmt)).all())


async def copayments_received_cents(
    session: AsyncSession, provider_id: uuid.UUID, start: datetime, end: datetime
) -> int:
    stmt = select(func.coalesce(func.sum(Copayment.amount_cents), 0)).where(
        Copayment.provider_id == provider_id,
        Copayment.status == CopaymentStatus.received,
        Copayment.received_at >= start,
        Copayment.received_at < end,
    )
    return int(await session.scalar(stmt) or 0)


async def copayments_outstanding_cents(session: AsyncSession, provider_id: uuid.UUID, end: datetime) -> int:
    """Due before `end` and not received by then (a co-payment received later still counts)."""
    stmt = select(func.coalesce(func.sum(Copayment.amount_cents), 0)).where(
        Copayment.provider_id == provider_id,
        Copayment.due_at < end,
        (Copayment.status == CopaymentStatus.due) | (Copayment.received_at >= end),
    )
    return int(await session.scalar(stmt) or 0)


async def programme_sums(session: AsyncSession, programme_id: uuid.UUID) -> dict[str, int]:
    """A programme's accounts, summed by kind from their entries: posted balances, and for wallets
    the credits they received (grants, and reversed captures coming back)."""
    stmt = (
        select(
            MoneyAccount.kind,
            func.coalesce(func.sum(MoneyEntry.amount_cents), 0),
            func.coalesce(func.sum(MoneyEntry.amount_cents).filter(MoneyEntry.amount_cents > 0), 0),
        )
        .join(MoneyEntry, MoneyEntry.account_id == MoneyAccount.id)
        .where(MoneyAccount.programme_id == programme_id)
        .group_by(MoneyAccount.kind)
    )
    sums: dict[str, int] = {}
    for kind, posted, credited in (await session.execute(stmt)).all():
        sums[kind.value] = int(posted)
        sums[f"{kind.value}:credited"] = int(credited)
    return sums


async def programme_held_cents(session: AsyncSession, programme_id: uuid.UUID) -> int:
    """What pending holds reserve on the programme's wallets (committed, not yet spent)."""
    stmt = (
        select(func.coalesce(func.sum(MoneyHold.amount_cents), 0))
        .join(MoneyAccount, MoneyAccount.id == MoneyHold.debit_account_id)
        .where(
            and_(
                MoneyAccount.programme_id == programme_id,
                MoneyAccount.kind == AccountKind.household_wallet,
                MoneyHold.state == HoldState.pending,
            )
        )
    )
    return int(await session.scalar(stmt) or 0)


async def programme_names(
    session: AsyncSession, programme_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str, str]]:
    """Each programme's funder and names (Italian, English), in one query."""
    if not programme_ids:
        return {}
    stmt = select(Programme.id, Programme.funder, Programme.name_it, Programme.name_en).where(
        Programme.id.in_(programme_ids)
    )
    return {row.id: (row.funder, row.name_it, row.name_en) for row in (await session.execute(stmt)).all()}
