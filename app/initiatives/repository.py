import uuid
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import locked
from app.models import (
    CredentialStatus,
    Initiative,
    Ride,
    RideStatus,
    User,
    VerificationKind,
    Volunteer,
    VolunteerCredential,
    VolunteerStatus,
)


async def get_initiative(session: AsyncSession, initiative_id: uuid.UUID) -> Initiative | None:
    return await session.get(Initiative, initiative_id)


def initiatives_query(*, hub_id: uuid.UUID | None) -> Select[Initiative]:
    stmt = select(Initiative).where(Initiative.is_active.is_(True))
    if hub_id is not None:
        stmt = stmt.where(Initiative.hub_id == hub_id)
    return stmt


async def volunteer_counts(session: AsyncSession, initiative_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    stmt = (
        select(Volunteer.initiative_id, func.count())
        .where(Volunteer.initiative_id.in_(initiative_ids), Volunteer.status == VolunteerStatus.active)
        .group_by(Volunteer.initiative_id)
    )
    found = dict((row[0], row[1]) for row in await session.execute(stmt))
    return {i: found.get(i, 0) for i in initiative_ids}


async def get_volunteer(session: AsyncSession, volunteer_id: uuid.UUID) -> Volunteer | None:
    return await session.get(Volunteer, volunteer_id)


async def active_volunteer(session: AsyncSession, initiative_id: uuid.UUID, user_id: uuid.UUID) -> Volunteer | None:
    stmt = select(Volunteer).where(
        Volunteer.initiative_id == initiative_id,
        Volunteer.user_id == user_id,
        Volunteer.status == VolunteerStatus.active,
    )
    return (await session.scalars(stmt)).one_or_none()


async def lock_person(session: AsyncSession, user_id: uuid.UUID) -> list[Volunteer]:
    """Lock every volunteer row of one person, in id order (one order for everyone: no deadlock).

    Whoever books this person (a coordinator assigning, the person claiming, in any initiative)
    takes these locks first, so overlap checks for one person run one at a time.
    """
    stmt = locked(select(Volunteer).where(Volunteer.user_id == user_id).order_by(Volunteer.id))
    return list(await session.scalars(stmt))


async def overlapping_booking(
    session: AsyncSession, user_id: uuid.UUID, starts_at: datetime, ends_at: datetime
) -> Ride | None:
    """An assigned ride of this person (in any initiative) overlapping [starts_at, ends_at)."""
    stmt = (
        select(Ride)
        .join(Volunteer, Volunteer.id == Ride.volunteer_id)
        .where(
            Volunteer.user_id == user_id,
            Ride.status == RideStatus.assigned,
            Ride.starts_at < ends_at,
            Ride.ends_at > starts_at,
        )
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


def volunteers_query(initiative_id: uuid.UUID) -> Select[Volunteer, User]:
    return (
        select(Volunteer, User)
        .join(User, User.id == Volunteer.user_id)
        .where(Volunteer.initiative_id == initiative_id, Volunteer.status == VolunteerStatus.active)
    )


def volunteers_of_user_query(user_id: uuid.UUID) -> Select[Volunteer]:
    return select(Volunteer).where(Volunteer.user_id == user_id)


async def credentials_of(
    session: AsyncSession, volunteer_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[VolunteerCredential]]:
    stmt = (
        select(VolunteerCredential)
        .where(VolunteerCredential.volunteer_id.in_(volunteer_ids))
        .order_by(VolunteerCredential.declared_at, VolunteerCredential.id)
    )
    found: dict[uuid.UUID, list[VolunteerCredential]] = {v: [] for v in volunteer_ids}
    for credential in await session.scalars(stmt):
        found[credential.volunteer_id].append(credential)
    return found


async def get_credential(session: AsyncSession, credential_id: uuid.UUID) -> VolunteerCredential | None:
    return await session.get(VolunteerCredential, credential_id)


async def has_valid_licence(session: AsyncSession, user_id: uuid.UUID, *, until: datetime) -> bool:
    """A verified driving licence of this person (on any of their volunteer records) valid until `until`."""
    stmt = (
        select(VolunteerCredential.id)
        .join(Volunteer, Volunteer.id == VolunteerCredential.volunteer_id)
        .where(
            Volunteer.user_id == user_id,
            VolunteerCredential.kind == VerificationKind.driving_licence,
            VolunteerCredential.status == CredentialStatus.verified,
            VolunteerCredential.expires_at > until,
        )
        .limit(1)
    )
    return await session.scalar(stmt) is not None


async def get_ride(session: AsyncSession, ride_id: uuid.UUID, *, for_update: bool = False) -> Ride | None:
    stmt = select(Ride).where(Ride.id == ride_id)
    if for_update:
        stmt = locked(stmt)
    return (await session.scalars(stmt)).one_or_none()


def rides_of_initiative_query(initiative_id: uuid.UUID, status: RideStatus | None) -> Select[Ride]:
    stmt = select(Ride).where(Ride.initiative_id == initiative_id)
    if status is not None:
        stmt = stmt.where(Ride.status == status)
    return stmt


def open_rides_query(initiative_id: uuid.UUID, now: datetime) -> Select[Ride]:
    return select(Ride).where(
        Ride.initiative_id == initiative_id, Ride.status == RideStatus.requested, Ride.starts_at > now
    )


def my_rides_query(user_id: uuid.UUID) -> Select[Ride]:
    mine_as_volunteer = select(Volunteer.id).where(Volunteer.user_id == user_id)
    return select(Ride).where(or_(Ride.requester_id == user_id, Ride.volunteer_id.in_(mine_as_volunteer)))


async def volunteers_by_id(session: AsyncSession, volunteer_ids: set[uuid.UUID]) -> dict[uuid.UUID, Volunteer]:
    if not volunteer_ids:
        return {}
    return {v.id: v for v in await session.scalars(select(Volunteer).where(Volunteer.id.in_(volunteer_ids)))}


async def has_booking(session: AsyncSession, volunteer_id: uuid.UUID) -> bool:
    stmt = select(Ride.id).where(Ride.volunteer_id == volunteer_id, Ride.status == RideStatus.assigned).limit(1)
    return await session.scalar(stmt) is not None
