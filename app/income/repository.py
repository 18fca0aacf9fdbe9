import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import locked
from app.income.rules import IseeValue
from app.models import IseeDeclaration, IseeStatus, User, Zone, ZoneKind


async def get(session: AsyncSession, declaration_id: uuid.UUID, *, for_update: bool = False) -> IseeDeclaration | None:
    if for_update:
        return await session.scalar(locked(select(IseeDeclaration).where(IseeDeclaration.id == declaration_id)))
    return await session.get(IseeDeclaration, declaration_id)


async def lock_household(session: AsyncSession, household_id: uuid.UUID) -> None:
    """Serialises a household's declarations (lock order: the household's account row, then its
    declarations), so that two declarations made at once supersede one another in turn."""
    await session.execute(locked(select(User.id).where(User.id == household_id)))


async def live_of(session: AsyncSession, household_id: uuid.UUID, status: IseeStatus) -> IseeDeclaration | None:
    """The household's pending or verified declaration (at most one of each: unique indexes)."""
    stmt = select(IseeDeclaration).where(IseeDeclaration.household_id == household_id, IseeDeclaration.status == status)
    return await session.scalar(locked(stmt))


async def latest_of(session: AsyncSession, household_id: uuid.UUID) -> IseeDeclaration | None:
    stmt = (
        select(IseeDeclaration)
        .where(IseeDeclaration.household_id == household_id)
        .order_by(IseeDeclaration.created_at.desc(), IseeDeclaration.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def verified_on(session: AsyncSession, household_id: uuid.UUID, on: date) -> IseeDeclaration | None:
    """The household's verified declaration (at most one) if it counts on `on`: filed by then and
    not yet expired. A superseded one no longer counts, whatever its dates."""
    stmt = select(IseeDeclaration).where(
        IseeDeclaration.household_id == household_id,
        IseeDeclaration.status == IseeStatus.verified,
        IseeDeclaration.issue_date <= on,
        IseeDeclaration.valid_until_date >= on,
    )
    return await session.scalar(stmt)


async def isee_value_on(session: AsyncSession, household_id: uuid.UUID, on: date) -> IseeValue | None:
    row = await verified_on(session, household_id, on)
    return None if row is None else IseeValue(row.value_cents, row.valid_until_date, row.id, row.variant)


async def is_nil(session: AsyncSession, zone_id: uuid.UUID) -> bool:
    return await session.scalar(select(Zone.id).where(Zone.id == zone_id, Zone.kind == ZoneKind.nil)) is not None


def declarations_query(*, status: IseeStatus | None, nil_ids: Collection[uuid.UUID] | None) -> Select[IseeDeclaration]:
    """Declarations for staff: all (admins) or those of some NILs (hub operators)."""
    stmt = select(IseeDeclaration)
    if status is not None:
        stmt = stmt.where(IseeDeclaration.status == status)
    if nil_ids is not None:
        stmt = stmt.where(IseeDeclaration.nil_id.in_(list(nil_ids)))
    return stmt


async def names_of(session: AsyncSession, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.full_name).where(User.id.in_(list(user_ids))))
    return {row.id: row.full_name for row in rows}
