"""Queries of the domestic-work rules: the Libretto Famiglia engagements that count toward a year's caps."""

import uuid
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ContractType, Engagement


async def libretto_engagements(
    session: AsyncSession, *, provider_id: uuid.UUID, citizen_id: uuid.UUID, first_day: date, last_day: date
) -> list[Engagement]:
    """Libretto Famiglia engagements of the worker or of the family that overlap [first_day, last_day],
    whatever their state (an ended one counts until it ended)."""
    stmt = select(Engagement).where(
        Engagement.contract_type == ContractType.libretto_famiglia,
        or_(Engagement.provider_id == provider_id, Engagement.citizen_id == citizen_id),
        Engagement.start_date <= last_day,
        or_(Engagement.end_date.is_(None), Engagement.end_date >= first_day),
    )
    return list((await session.scalars(stmt)).all())


async def lock_libretto_parties(session: AsyncSession, *ids: uuid.UUID) -> None:
    """Transaction-scoped advisory locks on the family and the worker, in the order given (the family
    first, always): two acceptances that share either wait for each other, so their cap checks see
    each other's engagement; the request row lock alone does not serialise two families' requests."""
    for party in ids:
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"libretto:{party}", 0))))
