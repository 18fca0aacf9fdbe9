import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.db import locked
from app.models import (
    AccreditationState,
    AccreditationTransition,
    Provider,
    ProviderStaff,
    Service,
    User,
    Verification,
    VerificationKind,
    VerificationOutcome,
)


async def get_by_id(session: AsyncSession, provider_id: uuid.UUID, *, for_update: bool = False) -> Provider | None:
    if for_update:
        return await session.scalar(locked(select(Provider).where(Provider.id == provider_id)))
    return await session.get(Provider, provider_id)


async def services_of(session: AsyncSession, provider_id: uuid.UUID) -> list[Service]:
    """The provider's services, whatever their state: their search columns derive from the provider."""
    return list((await session.scalars(select(Service).where(Service.provider_id == provider_id))).all())


async def get_staff(session: AsyncSession, provider_id: uuid.UUID, user_id: uuid.UUID) -> ProviderStaff | None:
    return await session.get(ProviderStaff, (provider_id, user_id))


def staff_query(provider_id: uuid.UUID) -> Select[ProviderStaff, User]:
    return (
        select(ProviderStaff, User)
        .join(User, User.id == ProviderStaff.user_id)
        .where(ProviderStaff.provider_id == provider_id)
    )


async def count_admins(session: AsyncSession, provider_id: uuid.UUID) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(ProviderStaff)
            .where(ProviderStaff.provider_id == provider_id, ProviderStaff.role == "admin")
        )
        or 0
    )


async def individual_provider_of(session: AsyncSession, user_id: uuid.UUID) -> Provider | None:
    return await session.scalar(
        select(Provider)
        .join(ProviderStaff, ProviderStaff.provider_id == Provider.id)
        .where(ProviderStaff.user_id == user_id, Provider.kind == "individual")
    )


async def staff_roles_of(session: AsyncSession, user_id: uuid.UUID, provider_ids: list[uuid.UUID]) -> dict:
    if not provider_ids:
        return {}
    rows = await session.execute(
        select(ProviderStaff.provider_id, ProviderStaff.role).where(
            ProviderStaff.user_id == user_id, ProviderStaff.provider_id.in_(provider_ids)
        )
    )
    return {provider_id: role for provider_id, role in rows}


async def staff_provider_ids(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    return list(await session.scalars(select(ProviderStaff.provider_id).where(ProviderStaff.user_id == user_id)))


async def verifications_of(session: AsyncSession, provider_ids: list[uuid.UUID]) -> list[Verification]:
    if not provider_ids:
        return []
    stmt = (
        select(Verification)
        .where(Verification.provider_id.in_(provider_ids))
        .order_by(Verification.provider_id, Verification.kind, Verification.verified_at.desc(), Verification.id)
    )
    return list((await session.scalars(stmt)).all())


def verifications_query(provider_id: uuid.UUID) -> Select[Verification]:
    return select(Verification).where(Verification.provider_id == provider_id)


def transitions_query(provider_id: uuid.UUID) -> Select[AccreditationTransition]:
    return select(AccreditationTransition).where(AccreditationTransition.provider_id == provider_id)


def has_badge(provider_id_column, kind: VerificationKind, now: datetime):  # noqa: ANN001, ANN201 - SQL
    """SQL: the provider's latest verification of `kind` passed and has not expired."""
    later = aliased(Verification)
    return exists().where(
        Verification.provider_id == provider_id_column,
        Verification.kind == kind,
        Verification.outcome == VerificationOutcome.passed,
        or_(Verification.expires_at.is_(None), Verification.expires_at > now),
        ~exists().where(
            and_(
                later.provider_id == Verification.provider_id,
                later.kind == Verification.kind,
                or_(
                    later.verified_at > Verification.verified_at,
                    and_(later.verified_at == Verification.verified_at, later.created_at > Verification.created_at),
                ),
            )
        ),
    )


async def individual_owners(session: AsyncSession, provider_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
    """provider id → its staff user, for individual providers (a worker is their provider's only staff)."""
    stmt = (
        select(ProviderStaff.provider_id, User)
        .join(User, User.id == ProviderStaff.user_id)
        .where(ProviderStaff.provider_id.in_(provider_ids))
    )
    return {provider_id: user for provider_id, user in await session.execute(stmt)}


async def lock_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())


async def providers_by_id(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Provider]:
    if not ids:
        return {}
    return {p.id: p for p in (await session.scalars(select(Provider).where(Provider.id.in_(ids)))).all()}


async def staff_user_ids(
    session: AsyncSession, provider_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """provider id → the user ids of its staff (every role), in one query: who hears of its news.
    Every provider asked for is a key (an empty list when nobody works there); deactivated accounts
    are left out (nobody reads their inbox, and they may not sign in to act on it)."""
    staff: dict[uuid.UUID, list[uuid.UUID]] = {provider_id: [] for provider_id in provider_ids}
    if not staff:
        return staff
    rows = await session.execute(
        select(ProviderStaff.provider_id, ProviderStaff.user_id)
        .join(User, User.id == ProviderStaff.user_id)
        .where(ProviderStaff.provider_id.in_(staff), User.is_active)
        .order_by(ProviderStaff.provider_id, ProviderStaff.user_id)
    )
    for provider_id, user_id in rows:
        staff[provider_id].append(user_id)
    return staff


def expiring_badges(after: datetime, until: datetime) -> Select[uuid.UUID, datetime | None]:
    """(id, expires_at) of the verifications that count as a badge now and expire in (after,
    until]: passed, not replaced by a later check of their kind (a renewal or a failed check), of a
    provider that has not withdrawn. Backed by the partial index on expires_at of passed checks."""
    later = aliased(Verification)
    return (
        select(Verification.id, Verification.expires_at)
        .join(Provider, Provider.id == Verification.provider_id)
        .where(
            Verification.outcome == VerificationOutcome.passed,
            Verification.expires_at.is_not(None),
            Verification.expires_at > after,
            Verification.expires_at <= until,
            Provider.accreditation_state != AccreditationState.withdrawn,
            ~exists().where(
                later.provider_id == Verification.provider_id,
                later.kind == Verification.kind,
                or_(
                    later.verified_at > Verification.verified_at,
                    and_(later.verified_at == Verification.verified_at, later.created_at > Verification.created_at),
                ),
            ),
        )
    )


async def verifications_by_id(session: AsyncSession, ids: list[uuid.UUID]) -> list[Verification]:
    if not ids:
        return []
    return list((await session.scalars(select(Verification).where(Verification.id.in_(ids)))).all())
