import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import locked
from app.models import (
    ApplicationStatus,
    Grant,
    GrantStatus,
    Programme,
    ProgrammeApplication,
    ProgrammeStatus,
)


async def get_programme(
    session: AsyncSession, programme_id: uuid.UUID, *, for_update: bool = False
) -> Programme | None:
    """FOR UPDATE serialises everything that commits a programme's budget (grants) or changes its state."""
    stmt = select(Programme).where(Programme.id == programme_id)
    if for_update:
        stmt = locked(stmt)
    return (await session.scalars(stmt)).one_or_none()


def programmes_query(*, statuses: Sequence[ProgrammeStatus], category_id: uuid.UUID | None) -> Select[Programme]:
    stmt = select(Programme).where(Programme.status.in_(statuses))
    if category_id is not None:
        stmt = stmt.where(Programme.category_ids.contains([category_id]))
    return stmt


async def grant_counts(session: AsyncSession, programme_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    stmt = (
        select(Grant.programme_id, func.count())
        .where(Grant.programme_id.in_(programme_ids))
        .group_by(Grant.programme_id)
    )
    found: dict[uuid.UUID, int] = {row[0]: row[1] for row in await session.execute(stmt)}
    return {programme_id: found.get(programme_id, 0) for programme_id in programme_ids}


async def get_application(
    session: AsyncSession, application_id: uuid.UUID, *, for_update: bool = False
) -> ProgrammeApplication | None:
    stmt = select(ProgrammeApplication).where(ProgrammeApplication.id == application_id)
    if for_update:
        stmt = locked(stmt)
    return (await session.scalars(stmt)).one_or_none()


async def live_application(
    session: AsyncSession, programme_id: uuid.UUID, household_id: uuid.UUID
) -> ProgrammeApplication | None:
    stmt = select(ProgrammeApplication).where(
        ProgrammeApplication.programme_id == programme_id,
        ProgrammeApplication.household_id == household_id,
        ProgrammeApplication.status.in_(
            (ApplicationStatus.needs_review, ApplicationStatus.granted, ApplicationStatus.waitlisted)
        ),
    )
    return (await session.scalars(stmt)).first()


def applications_query(
    *,
    household_id: uuid.UUID | None,
    nil_ids: list[uuid.UUID] | None,
    status: ApplicationStatus | None,
    programme_id: uuid.UUID | None,
) -> Select[ProgrammeApplication]:
    """Applications of one household, or of households living in these NILs (None: no such limit)."""
    stmt = select(ProgrammeApplication)
    if household_id is not None:
        stmt = stmt.where(ProgrammeApplication.household_id == household_id)
    if nil_ids is not None:
        stmt = stmt.where(ProgrammeApplication.residence_nil_id.in_(nil_ids))
    if status is not None:
        stmt = stmt.where(ProgrammeApplication.status == status)
    if programme_id is not None:
        stmt = stmt.where(ProgrammeApplication.programme_id == programme_id)
    return stmt


async def grants_of_applications(session: AsyncSession, application_ids: list[uuid.UUID]) -> dict[uuid.UUID, Grant]:
    stmt = select(Grant).where(Grant.application_id.in_(application_ids))
    return {grant.application_id: grant for grant in await session.scalars(stmt)}


async def has_grant_in_period(
    session: AsyncSession, programme_id: uuid.UUID, household_id: uuid.UUID, period: str
) -> bool:
    stmt = select(Grant.id).where(
        Grant.programme_id == programme_id, Grant.household_id == household_id, Grant.period == period
    )
    return (await session.scalars(stmt.limit(1))).first() is not None


async def get_grant(session: AsyncSession, grant_id: uuid.UUID) -> Grant | None:
    return await session.get(Grant, grant_id)


def grants_query(
    *, household_id: uuid.UUID | None, programme_id: uuid.UUID | None, status: GrantStatus | None
) -> Select[Grant]:
    stmt = select(Grant)
    if household_id is not None:
        stmt = stmt.where(Grant.household_id == household_id)
    if programme_id is not None:
        stmt = stmt.where(Grant.programme_id == programme_id)
    if status is not None:
        stmt = stmt.where(Grant.status == status)
    return stmt


async def funding_grants(
    session: AsyncSession, household_id: uuid.UUID, *, category_id: uuid.UUID, on: date, now: datetime
) -> list[tuple[Grant, Programme]]:
    """A household's active, unexpired grants from programmes paying for the category, earliest
    expiry first (the order spending draws from them)."""
    stmt = (
        select(Grant, Programme)
        .join(Programme, Programme.id == Grant.programme_id)
        .where(
            Grant.household_id == household_id,
            Grant.status == GrantStatus.active,
            Grant.expires_at > now,
            Programme.category_ids.contains([category_id]),
            Programme.valid_from <= on,
        )
        .order_by(Grant.expires_at, Grant.id)
    )
    return [(grant, programme) for grant, programme in (await session.execute(stmt)).all()]


async def claim_due_grants(session: AsyncSession, now: datetime, *, limit: int) -> list[Grant]:
    """Active grants past their expiry, locked; a grant another worker holds is skipped (it is being
    expired there), so concurrent sweeps never expire one twice."""
    stmt = (
        select(Grant)
        .where(Grant.status == GrantStatus.active, Grant.expires_at <= now)
        .order_by(Grant.expires_at, Grant.id)
        .limit(limit)
    )
    return list(await session.scalars(locked(stmt, skip_locked=True)))


async def claim_expired_with_holds(session: AsyncSession, *, limit: int) -> list[Grant]:
    """Expired grants whose wallet still had money on hold at expiry, locked (skipping those another
    worker holds)."""
    stmt = (
        select(Grant)
        .where(Grant.status == GrantStatus.expired, Grant.held_at_expiry_cents.is_not(None))
        .order_by(Grant.expired_at, Grant.id)
        .limit(limit)
    )
    return list(await session.scalars(locked(stmt, skip_locked=True)))


def grants_expiring(after: datetime, until: datetime, lead: timedelta) -> Select[uuid.UUID, datetime]:
    """(id, expires_at) of active grants expiring in (after, until] that were made at least `lead`
    before their end. ix_programme_grant_due."""
    return select(Grant.id, Grant.expires_at).where(
        Grant.status == GrantStatus.active,
        Grant.expires_at > after,
        Grant.expires_at <= until,
        Grant.created_at <= Grant.expires_at - lead,
    )


async def grants_by_ids(session: AsyncSession, grant_ids: list[uuid.UUID]) -> list[Grant]:
    if not grant_ids:
        return []
    return list(await session.scalars(select(Grant).where(Grant.id.in_(grant_ids)).order_by(Grant.id)))
