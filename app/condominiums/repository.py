import uuid

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Condominium, CondominiumMember, MembershipStatus, User


async def get_by_id(session: AsyncSession, condominium_id: uuid.UUID, *, lock: bool = False) -> Condominium | None:
    stmt = select(Condominium).where(Condominium.id == condominium_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def get_by_code(session: AsyncSession, code: str) -> Condominium | None:
    return await session.scalar(select(Condominium).where(Condominium.join_code == code))


async def code_taken(session: AsyncSession, code: str) -> bool:
    return await session.scalar(select(Condominium.id).where(Condominium.join_code == code)) is not None


def condominiums_query(
    *,
    hub_ids: list[uuid.UUID] | None,
    nil_id: uuid.UUID | None,
    member_id: uuid.UUID | None,
) -> Select[Condominium]:
    stmt = select(Condominium)
    if hub_ids is not None:
        stmt = stmt.where(Condominium.hub_id.in_(hub_ids))
    if nil_id is not None:
        stmt = stmt.where(Condominium.nil_id == nil_id)
    if member_id is not None:
        stmt = stmt.join(
            CondominiumMember,
            and_(CondominiumMember.condominium_id == Condominium.id, CondominiumMember.citizen_id == member_id),
        )
    return stmt


async def membership(
    session: AsyncSession, condominium_id: uuid.UUID, citizen_id: uuid.UUID
) -> CondominiumMember | None:
    return await session.get(CondominiumMember, (condominium_id, citizen_id))


async def memberships_of(
    session: AsyncSession, citizen_id: uuid.UUID, condominium_ids: list[uuid.UUID]
) -> dict[uuid.UUID, MembershipStatus]:
    stmt = select(CondominiumMember.condominium_id, CondominiumMember.status).where(
        CondominiumMember.citizen_id == citizen_id, CondominiumMember.condominium_id.in_(condominium_ids)
    )
    return {row[0]: row[1] for row in await session.execute(stmt)}


async def resident_counts(session: AsyncSession, condominium_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    stmt = (
        select(CondominiumMember.condominium_id, func.count())
        .where(
            CondominiumMember.condominium_id.in_(condominium_ids),
            CondominiumMember.status == MembershipStatus.approved,
        )
        .group_by(CondominiumMember.condominium_id)
    )
    return {row[0]: row[1] for row in await session.execute(stmt)}


async def approved_condominiums_of(
    session: AsyncSession, citizen_ids: list[uuid.UUID]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    stmt = select(CondominiumMember.citizen_id, CondominiumMember.condominium_id).where(
        CondominiumMember.citizen_id.in_(citizen_ids), CondominiumMember.status == MembershipStatus.approved
    )
    found: dict[uuid.UUID, set[uuid.UUID]] = {citizen_id: set() for citizen_id in citizen_ids}
    for citizen_id, condominium_id in await session.execute(stmt):
        found[citizen_id].add(condominium_id)
    return found


async def residents(session: AsyncSession, condominium_id: uuid.UUID) -> list[tuple[CondominiumMember, User]]:
    stmt = (
        select(CondominiumMember, User)
        .join(User, User.id == CondominiumMember.citizen_id)
        .where(CondominiumMember.condominium_id == condominium_id)
        .order_by(CondominiumMember.requested_at, CondominiumMember.citizen_id)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]
