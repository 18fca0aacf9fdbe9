"""The ledger's worker job: holds whose time has passed are expired on every sweep (an explicit
state change that releases what they reserved, never a delete)."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.money.holds import expire_holds


async def expire_due_holds(session: AsyncSession, now: datetime | None = None) -> int:
    return await expire_holds(session, now or datetime.now(UTC))
