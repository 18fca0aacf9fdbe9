"""Shared-service pools: forming them (by hand or from a suggestion), reading them, their members.

A pool is priced once a provider's offer is accepted: `weekly_cost_cents` for the whole group. Each
household's share is split from it with the largest-remainder rule (equal parts, or by the minutes
each uses), so the shares always sum exactly to the cost; its saving is what the same hours would
cost it alone at the provider's individual hourly price, minus its share.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import service as catalog_service
from app.condominiums import service as condominium_service
from app.errors import Forbidden, ValidationFailed
from app.hubs import service as hub_service
from app.models import Pool, PoolMember, PoolMemberStatus, PoolScope, PoolState, Role, SplitRule, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.pools import access, lifecycle, suggestions
from app.pools import repository as repo
from app.pools.access import Viewer
from app.pools.schemas import PoolCreate
from app.schedules import WeeklySlot, first_overlap, to_multirange, total_minutes
from app.zones import service as zone_service

# --- reading ---------------------------------------------------------------------------------------


async def get_pool(session: AsyncSession, user: User, pool_id: uuid.UUID) -> tuple[Pool, Viewer]:
    """The pool, when the caller may see it, and the caller as its view needs them."""
    pool, viewer, _ = await access.get_visible(session, user, pool_id)
    return pool, viewer


async def list_pools(
    session: AsyncSession,
    user: User,
    page: PageParams,
    *,
    category_id: uuid.UUID | None,
    nil_id: uuid.UUID | None,
    hub_id: uuid.UUID | None,
    condominium_id: uuid.UUID | None,
    state: PoolState | None,
    mine: bool,
) -> tuple[Paginated[Pool], Viewer]:
    viewer = await access.viewer_of(session, user)
    stmt = repo.pools_query(
        access.visibility(viewer),
        category_id=category_id,
        nil_id=nil_id,
        hub_id=hub_id,
        condominium_id=condominium_id,
        state=state,
        member_id=user.id if mine else None,
    )
    order = [SortKey(Pool.created_at, descending=True), SortKey(Pool.id)]
    return await paginate(session, stmt, page, scope="pools", order=order), viewer


async def list_members(session: AsyncSession, user: User, pool_id: uuid.UUID) -> list[tuple[PoolMember, User]]:
    """Everyone in, invited to or gone from the pool, each with their account (the hub's staff only)."""
    pool, viewer, _ = await access.get_visible(session, user, pool_id)
    if not access.can_see_members(viewer, pool):
        raise Forbidden("Only the operators of the pool's hub see who its members are.")
    return await repo.members_with_people(session, pool.id)


# --- forming ---------------------------------------------------------------------------------------


async def _place(session: AsyncSession, viewer: Viewer, pool: Pool, data: PoolCreate) -> None:
    """Scope, target, NIL and looking-after hub of a hand-made pool, and whether the caller may form it."""
    user, role = viewer.user, viewer.user.role
    if data.scope is None:
        raise ValidationFailed("Say the pool's scope (or send a suggestion_token).", pointer="/scope")
    pool.scope = data.scope
    if data.scope == PoolScope.condominium:
        if data.condominium_id is None:
            raise ValidationFailed("A condominium pool names its condominium_id.", pointer="/condominium_id")
        building = await condominium_service.get_row(session, data.condominium_id)
        allowed = viewer.is_admin or building.hub_id in viewer.hub_ids
        allowed |= role == Role.citizen and building.id in viewer.buildings
        if not allowed:
            raise Forbidden("Residents of the building and operators of its hub form its pools.")
        pool.condominium_id, pool.hub_id, pool.nil_id = building.id, building.hub_id, building.nil_id
    elif data.scope == PoolScope.hub:
        if data.hub_id is None:
            raise ValidationFailed("A hub pool names its hub_id.", pointer="/hub_id")
        hub = await hub_service.require_operator(session, user, data.hub_id)
        pool.hub_id, pool.nil_id = hub.id, hub.nil_id
    else:
        if data.nil_id is None:
            raise ValidationFailed("A NIL pool names its nil_id.", pointer="/nil_id")
        if await zone_service.expand_to_nils(session, [data.nil_id], pointer="/nil_id") != [data.nil_id]:
            raise ValidationFailed("nil_id must be a NIL, not a Municipio.", pointer="/nil_id")
        if role == Role.hub_operator and data.nil_id not in viewer.nil_ids:
            raise Forbidden("Operators form pools in the NILs their hubs serve.")
        pool.nil_id = data.nil_id
        pool.hub_id = await _looking_after(session, viewer, data.nil_id)


async def _looking_after(session: AsyncSession, viewer: Viewer, nil_id: uuid.UUID) -> uuid.UUID | None:
    """The hub that looks after a NIL pool: the creator's own hub serving it, else the first serving it."""
    serving = await hub_service.hubs_serving(session, nil_id)
    return next((h for h in serving if h in viewer.hub_ids), serving[0] if serving else None)


def _schedule(pool: Pool, slots: list[WeeklySlot], pointer: str) -> None:
    overlap = first_overlap(slots)
    if overlap is not None:
        raise ValidationFailed("This slot overlaps an earlier one.", pointer=f"{pointer}/{overlap}")
    pool.schedule = [s.model_dump() for s in slots]
    pool.schedule_minutes = to_multirange(slots)
    pool.weekly_minutes = total_minutes([s.to_range() for s in slots])


async def create_pool(session: AsyncSession, user: User, data: PoolCreate) -> tuple[Pool, Viewer]:
    viewer = await access.viewer_of(session, user)
    pool = Pool(
        id=uuid.uuid4(),
        description=data.description,
        min_members=data.min_members,
        max_members=data.max_members,
        split_rule=data.split_rule,
        notice_days=data.notice_days,
        state=PoolState.forming,
        created_by_id=user.id,
    )
    invited: list[suggestions.Invitee] = []
    if data.suggestion_token is not None:
        found = await suggestions.redeem(session, viewer, data.suggestion_token)
        pool.category_id, pool.scope, pool.condominium_id = found.category_id, found.scope, found.condominium_id
        pool.nil_id = found.nil_id
        pool.hub_id = found.hub_id or await _looking_after(session, viewer, found.nil_id)
        _schedule(pool, found.common_schedule, "/suggestion_token")
        invited = found.invitees
        if len(invited) > pool.max_members:
            raise ValidationFailed("The suggestion has more households than max_members.", pointer="/max_members")
    else:
        if data.category_id is None or data.schedule is None:
            pointer = "/category_id" if data.category_id is None else "/schedule"
            raise ValidationFailed("A pool made by hand needs category_id and schedule.", pointer=pointer)
        pool.category_id = data.category_id
        await _place(session, viewer, pool, data)
        _schedule(pool, data.schedule, "/schedule")
    category = await catalog_service.require_leaf_category(session, pool.category_id, pointer="/category_id")
    pool.title = data.title or f"{category.name_it} condivisa"
    if data.service_id is not None:
        service = await repo.get_service(session, data.service_id)
        if service is None or service.category_id != pool.category_id:
            raise ValidationFailed("service_id is not a listing of the pool's category.", pointer="/service_id")
        pool.service_id = service.id
    session.add(pool)
    await session.flush()
    lifecycle.record(session, user.id, pool, "pool.formed", scope=pool.scope.value, from_suggestion=bool(invited))
    await _first_members(session, user, pool, data, invited)
    return pool, viewer


async def _first_members(
    session: AsyncSession, user: User, pool: Pool, data: PoolCreate, invited: list["suggestions.Invitee"]
) -> None:
    """Invite a suggestion's requesters; a citizen creator is the first member at once."""
    now = datetime.now(UTC)
    creator_in = False
    for invitee in invited:
        own = invitee.citizen_id == user.id
        creator_in |= own
        member = PoolMember(
            pool_id=pool.id,
            citizen_id=invitee.citizen_id,
            request_id=invitee.request_id,
            status=PoolMemberStatus.active if own else PoolMemberStatus.invited,
            weekly_minutes=_creator_minutes(pool, data) if own else None,
            invited_at=None if own else now,
            joined_at=now if own else None,
        )
        session.add(member)
        await session.flush()
        lifecycle.record(session, user.id, pool, "member.joined" if own else "member.invited", member_id=member.id)
        if not own:
            lifecycle.tell(session, [member], pool, "pool.invitation")
    if user.role == Role.citizen and not creator_in:
        member = PoolMember(
            pool_id=pool.id,
            citizen_id=user.id,
            status=PoolMemberStatus.active,
            weekly_minutes=_creator_minutes(pool, data),
            joined_at=now,
        )
        session.add(member)
        await session.flush()
        lifecycle.record(session, user.id, pool, "member.joined", member_id=member.id)


def _creator_minutes(pool: Pool, data: PoolCreate) -> int | None:
    if pool.split_rule != SplitRule.by_hours:
        return None
    minutes = data.my_weekly_minutes or pool.weekly_minutes
    if minutes > pool.weekly_minutes:
        raise ValidationFailed("You cannot use more minutes than the pool runs.", pointer="/my_weekly_minutes")
    return minutes
