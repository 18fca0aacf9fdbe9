"""Condominium welfare: buildings looked after by a hub, and the resident households who joined.

A resident joins at once with the building's join code (posted in the building), or asks to join
and an operator of the building's hub decides. Only approved residents, the hub's operators and
admins see the building's private details (street, exact point, resident count, administrator, join
code) and its pools; everyone else signed in sees only that it takes part: its name, NIL and hub.
Why: a street with a point and a count of households is where vulnerable people live (the audit
found it open to provider staff and to operators of other hubs); a citizen looking for their own
building needs no more than the name and NIL to ask to join, and then learns the rest once approved.
"""

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.condominiums import repository as repo
from app.condominiums.schemas import BuildingAdministrator, CondominiumCreate, CondominiumFields, CondominiumUpdate
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.hubs import service as hub_service
from app.models import Condominium, CondominiumMember, MembershipStatus, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.zones import service as zone_service

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read off a notice board


class CondominiumNotFound(NotFound):
    code = "condominium_not_found"


class JoinCodeInvalid(NotFound):
    code = "join_code_invalid"


class MembershipNotFound(NotFound):
    code = "membership_not_found"


class AlreadyResident(Conflict):
    code = "already_resident"


class NotACitizen(Forbidden):
    code = "citizens_only"


async def _new_code(session: AsyncSession) -> str:
    while True:  # 32^8 codes: a clash is rare, but the column is unique, so look
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if not await repo.code_taken(session, code):
            return code


async def _apply(session: AsyncSession, row: Condominium, data: CondominiumFields) -> None:
    if data.name is not None:
        row.name = data.name
    if data.address is not None:
        row.address_street, row.address_postcode = data.address.street, data.address.postcode
    if data.point is not None:
        nil = await zone_service.nil_of_point(session, lat=data.point.lat, lon=data.point.lon)
        if nil is None:
            raise ValidationFailed("The point is not in Milan.", pointer="/point")
        row.lat, row.lon, row.nil_id = data.point.lat, data.point.lon, nil
    if "administrator" in data.model_fields_set:
        admin = data.administrator or BuildingAdministrator()
        row.administrator_name, row.administrator_email, row.administrator_phone = admin.name, admin.email, admin.phone


def _audit(session: AsyncSession, user: User, action: str, condominium_id: uuid.UUID, **detail: str) -> None:
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action=action,
        target_type="condominium",
        target_id=condominium_id,
        detail=detail,
    )


async def get_row(session: AsyncSession, condominium_id: uuid.UUID) -> Condominium:
    row = await repo.get_by_id(session, condominium_id)
    if row is None:
        raise CondominiumNotFound("No condominium with this id.")
    return row


async def _managed(session: AsyncSession, user: User, condominium_id: uuid.UUID) -> Condominium:
    row = await get_row(session, condominium_id)
    await hub_service.require_operator(session, user, row.hub_id)
    return row


async def create_condominium(session: AsyncSession, user: User, data: CondominiumCreate) -> Condominium:
    hub = await hub_service.require_operator(session, user, data.hub_id)
    row = Condominium(id=uuid.uuid4(), hub_id=hub.id, join_code=await _new_code(session), created_by_id=user.id)
    await _apply(session, row, data)
    session.add(row)
    await session.flush()
    ledger.record(
        session,
        actor_id=user.id,
        action="condominium.created",
        target_type="condominium",
        target_id=row.id,
        payload={"hub_id": str(hub.id), "nil_id": str(row.nil_id)},
        detail={},
    )
    return row


async def update_condominium(
    session: AsyncSession, user: User, condominium_id: uuid.UUID, data: CondominiumUpdate, if_match: list[int] | None
) -> Condominium:
    row = await _managed(session, user, condominium_id)
    ensure_version(row, if_match)
    await _apply(session, row, data)
    await session.flush()
    _audit(session, user, "condominium.updated", row.id, fields=",".join(sorted(data.model_fields_set)))
    return row


async def rotate_join_code(session: AsyncSession, user: User, condominium_id: uuid.UUID) -> Condominium:
    row = await _managed(session, user, condominium_id)
    row.join_code = await _new_code(session)
    await session.flush()
    _audit(session, user, "condominium.join_code_rotated", row.id)
    return row


async def list_condominiums(
    session: AsyncSession,
    user: User,
    page: PageParams,
    *,
    hub_id: uuid.UUID | None,
    nil_id: uuid.UUID | None,
    mine: bool,
) -> Paginated[Condominium]:
    stmt = repo.condominiums_query(
        hub_ids=[hub_id] if hub_id else None, nil_id=nil_id, member_id=user.id if mine else None
    )
    return await paginate(
        session, stmt, page, scope="condominiums", order=[SortKey(Condominium.name), SortKey(Condominium.id)]
    )


# --- residents -------------------------------------------------------------------------------------


async def _record(
    session: AsyncSession, user: User, condominium: Condominium, status: MembershipStatus
) -> CondominiumMember:
    # Lock the building so a code join and a join request of the same household cannot race.
    await repo.get_by_id(session, condominium.id, lock=True)
    now = datetime.now(UTC)
    member = await repo.membership(session, condominium.id, user.id)
    if member is not None and member.status == MembershipStatus.approved:
        raise AlreadyResident("You are already a resident of this condominium.")
    if member is None:
        member = CondominiumMember(condominium_id=condominium.id, citizen_id=user.id, requested_at=now)
        session.add(member)
    member.status, member.requested_at = status, now
    member.decided_at = now if status == MembershipStatus.approved else None
    member.decided_by_id = None
    await session.flush()
    _audit(session, user, f"condominium.member_{status.value}", condominium.id)
    if status == MembershipStatus.approved:
        _joined(session, member)
    return member


def _joined(session: AsyncSession, member: CondominiumMember) -> None:
    ledger.emit(
        session,
        type="condominium.member.joined",
        aggregate_type="condominium",
        aggregate_id=member.condominium_id,
        payload={"citizen_id": str(member.citizen_id)},
    )


async def join_by_code(session: AsyncSession, user: User, code: str) -> CondominiumMember:
    condominium = await repo.get_by_code(session, code)
    if condominium is None:
        raise JoinCodeInvalid("No condominium has this join code; check it on the building's notice.")
    return await _record(session, user, condominium, MembershipStatus.approved)


async def ask_to_join(session: AsyncSession, user: User, condominium_id: uuid.UUID) -> CondominiumMember:
    condominium = await get_row(session, condominium_id)
    return await _record(session, user, condominium, MembershipStatus.pending)


async def leave(session: AsyncSession, user: User, condominium_id: uuid.UUID) -> None:
    member = await repo.membership(session, condominium_id, user.id)
    if member is None:
        raise MembershipNotFound("You are not a member of this condominium.")
    await session.delete(member)
    await session.flush()
    _audit(session, user, "condominium.member_left", condominium_id)


async def list_residents(
    session: AsyncSession, user: User, condominium_id: uuid.UUID
) -> list[tuple[CondominiumMember, User]]:
    """Residents and requests to join, each with the household's account."""
    await _managed(session, user, condominium_id)
    return await repo.residents(session, condominium_id)


async def decide(
    session: AsyncSession, user: User, condominium_id: uuid.UUID, citizen_id: uuid.UUID, *, approve: bool
) -> CondominiumMember:
    await _managed(session, user, condominium_id)
    member = await repo.membership(session, condominium_id, citizen_id)
    if member is None:
        raise MembershipNotFound("This citizen has not asked to join this condominium.")
    member.status = MembershipStatus.approved if approve else MembershipStatus.rejected
    member.decided_at, member.decided_by_id = datetime.now(UTC), user.id
    await session.flush()
    _audit(session, user, f"condominium.member_{member.status.value}", condominium_id, citizen_id=str(citizen_id))
    if approve:
        _joined(session, member)
    return member


# --- for the pools ---------------------------------------------------------------------------------


async def is_resident(session: AsyncSession, citizen_id: uuid.UUID, condominium_id: uuid.UUID) -> bool:
    member = await repo.membership(session, condominium_id, citizen_id)
    return member is not None and member.status == MembershipStatus.approved


async def buildings_of(session: AsyncSession, citizen_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """The condominiums each citizen is an approved resident of."""
    return await repo.approved_condominiums_of(session, citizen_ids)
