"""Joining and leaving pools, invitations, closing, and the worker's sweep of notices that ran out.

Every change locks the pool row first (SELECT ... FOR UPDATE), so seats are counted and taken in
one critical section: concurrent joins never exceed `max_members`. Invited households hold a seat
until they decline.
"""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.concurrency import ensure_version
from app.demand import requests as demand_requests
from app.errors import Conflict, Forbidden, ValidationFailed
from app.models import Pool, PoolMember, PoolMemberStatus, PoolState, SplitRule, User
from app.pools import access, lifecycle
from app.pools import repository as repo
from app.pools.access import Viewer
from app.pools.schemas import PoolJoin, PoolUpdate


class PoolFull(Conflict):
    code, title = "pool_full", "Pool Full"


class PoolNotJoinable(Conflict):
    code, title = "pool_not_joinable", "Pool Not Joinable"


class AlreadyInPool(Conflict):
    code = "already_in_pool"


class NotInPool(Conflict):
    code = "not_in_pool"


class PoolClosed(Conflict):
    code, title = "pool_closed", "Pool Closed"


async def _locked(session: AsyncSession, user: User, pool_id: uuid.UUID):  # noqa: ANN202
    return await access.get_visible(session, user, pool_id, for_update=True)


def _minutes(pool: Pool, data: PoolJoin) -> int | None:
    if pool.split_rule == SplitRule.equal:
        if data.weekly_minutes is not None:
            raise ValidationFailed("This pool splits equally: leave weekly_minutes out.", pointer="/weekly_minutes")
        return None
    if data.weekly_minutes is None:
        raise ValidationFailed("This pool splits by hours: say your weekly_minutes.", pointer="/weekly_minutes")
    if data.weekly_minutes > pool.weekly_minutes:
        raise ValidationFailed(
            f"The pool runs {pool.weekly_minutes} minutes a week; you cannot use more.", pointer="/weekly_minutes"
        )
    return data.weekly_minutes


async def _linked_request(session: AsyncSession, user: User, pool: Pool, request_id: uuid.UUID | None) -> None:
    if request_id is None:
        return
    if not await demand_requests.is_open_request_of(
        session, request_id, citizen_id=user.id, category_id=pool.category_id
    ):
        raise ValidationFailed(
            "request_id must be one of your open requests of the pool's category.", pointer="/request_id"
        )


async def join_pool(session: AsyncSession, user: User, pool_id: uuid.UUID, data: PoolJoin) -> tuple[Pool, Viewer]:
    pool, viewer, membership = await _locked(session, user, pool_id)
    if membership is not None and membership.status == PoolMemberStatus.invited:
        return await accept_invitation(session, user, pool_id, data)
    if membership is not None:
        raise AlreadyInPool("You are already in this pool.")
    if pool.state not in (PoolState.forming, PoolState.active):
        raise PoolNotJoinable(f"The pool is {pool.state.value}.", current_state=pool.state.value)
    seats = len((await repo.members_of(session, [pool.id]))[pool.id])
    if seats >= pool.max_members:
        raise PoolFull(f"All {pool.max_members} places are taken.")
    minutes = _minutes(pool, data)
    await _linked_request(session, user, pool, data.request_id)
    member = PoolMember(
        pool_id=pool.id,
        citizen_id=user.id,
        request_id=data.request_id,
        status=PoolMemberStatus.active,
        weekly_minutes=minutes,
        joined_at=datetime.now(UTC),
    )
    session.add(member)
    await session.flush()
    lifecycle.record(session, user.id, pool, "member.joined", member_id=member.id)
    await lifecycle.maybe_activate(session, pool, user.id)
    return pool, viewer


async def accept_invitation(
    session: AsyncSession, user: User, pool_id: uuid.UUID, data: PoolJoin
) -> tuple[Pool, Viewer]:
    pool, viewer, membership = await _locked(session, user, pool_id)
    if membership is None or membership.status != PoolMemberStatus.invited:
        raise NotInPool("You have no pending invitation to this pool.")
    if pool.state not in (PoolState.forming, PoolState.active):
        raise PoolNotJoinable(f"The pool is {pool.state.value}.", current_state=pool.state.value)
    membership.weekly_minutes = _minutes(pool, data)
    membership.status, membership.joined_at = PoolMemberStatus.active, datetime.now(UTC)
    await session.flush()
    lifecycle.record(session, user.id, pool, "member.joined", member_id=membership.id, invited=True)
    await lifecycle.maybe_activate(session, pool, user.id)
    return pool, viewer


async def decline_invitation(session: AsyncSession, user: User, pool_id: uuid.UUID) -> tuple[Pool, Viewer]:
    pool, viewer, membership = await _locked(session, user, pool_id)
    if membership is None or membership.status != PoolMemberStatus.invited:
        raise NotInPool("You have no pending invitation to this pool.")
    membership.status, membership.left_at = PoolMemberStatus.declined, datetime.now(UTC)
    await session.flush()
    lifecycle.record(session, user.id, pool, "member.declined", member_id=membership.id)
    return pool, viewer


async def leave_pool(session: AsyncSession, user: User, pool_id: uuid.UUID) -> tuple[Pool, Viewer]:
    """Leave at once while the pool forms; with `notice_days` of notice once it is active."""
    pool, viewer, membership = await _locked(session, user, pool_id)
    if membership is None or membership.status == PoolMemberStatus.invited:
        raise NotInPool("You are not a member of this pool (decline an invitation instead).")
    if membership.status == PoolMemberStatus.leaving:
        raise NotInPool(f"You already gave notice; you leave at {membership.leaves_at.isoformat()}.")
    now = datetime.now(UTC)
    if pool.state == PoolState.active and pool.notice_days > 0:
        membership.status, membership.leaves_at = PoolMemberStatus.leaving, now + timedelta(days=pool.notice_days)
        await session.flush()
        lifecycle.record(
            session,
            user.id,
            pool,
            "member.leaving",
            member_id=membership.id,
            leaves_at=membership.leaves_at.isoformat(),
        )
    else:
        membership.status, membership.left_at = PoolMemberStatus.left, now
        await session.flush()
        lifecycle.record(session, user.id, pool, "member.left", member_id=membership.id)
        await lifecycle.after_departure(session, pool, user.id)
    return pool, viewer


async def update_pool(
    session: AsyncSession, user: User, pool_id: uuid.UUID, data: PoolUpdate, if_match: list[int] | None
) -> tuple[Pool, Viewer]:
    pool, viewer, mine = await _locked(session, user, pool_id)
    if not access.can_coordinate(viewer, pool, mine):
        raise Forbidden("Only the pool's coordinators change it.")
    ensure_version(pool, if_match)
    if pool.state in (PoolState.closing, PoolState.closed):
        raise PoolClosed(f"The pool is {pool.state.value}.", current_state=pool.state.value)
    seats = len((await repo.members_of(session, [pool.id]))[pool.id])
    in_pool = len(await lifecycle.in_pool(session, pool))
    low = data.min_members if data.min_members is not None else pool.min_members
    high = data.max_members if data.max_members is not None else pool.max_members
    if high < low:
        raise ValidationFailed("max_members must be at least min_members.", pointer="/max_members")
    if high < seats:
        raise ValidationFailed(
            f"{seats} households are in or invited: max_members cannot be lower.", pointer="/max_members"
        )
    if pool.state == PoolState.active and low > in_pool:
        raise ValidationFailed("The running pool would fall below this minimum.", pointer="/min_members")
    for name in ("title", "description", "notice_days"):
        if getattr(data, name) is not None:
            setattr(pool, name, getattr(data, name))
    pool.min_members, pool.max_members = low, high
    pool.updated_at = datetime.now(UTC)
    await session.flush()
    lifecycle.record(session, user.id, pool, "pool.updated", fields=sorted(data.model_fields_set))
    await lifecycle.maybe_activate(session, pool, user.id)  # a lower minimum may be met now
    return pool, viewer


async def close_pool(session: AsyncSession, user: User, pool_id: uuid.UUID) -> tuple[Pool, Viewer]:
    """Close a forming pool at once; an active one after its notice (members are served till then)."""
    pool, viewer, mine = await _locked(session, user, pool_id)
    if not access.can_coordinate(viewer, pool, mine):
        raise Forbidden("Only the pool's coordinators close it.")
    if pool.state in (PoolState.closing, PoolState.closed):
        raise PoolClosed(f"The pool is already {pool.state.value}.", current_state=pool.state.value)
    now = datetime.now(UTC)
    members = (await repo.members_of(session, [pool.id]))[pool.id]  # invited households are told too
    if pool.state == PoolState.active and pool.notice_days > 0:
        pool.state, pool.closes_at = PoolState.closing, now + timedelta(days=pool.notice_days)
        await session.flush()
        lifecycle.record(session, user.id, pool, "pool.closing", closes_at=pool.closes_at.isoformat())
        lifecycle.tell(session, members, pool, "pool.closing", closes_at=pool.closes_at.isoformat())
    else:
        await _close_now(session, pool, user.id, now)
        lifecycle.tell(session, members, pool, "pool.closed")
    return pool, viewer


async def _close_now(session: AsyncSession, pool: Pool, actor_id: uuid.UUID | None, now: datetime) -> None:
    pool.state, pool.closed_at = PoolState.closed, now
    await repo.end_memberships(session, pool.id, now)
    await session.flush()
    lifecycle.record(session, actor_id, pool, "pool.closed")


async def sweep(session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    """Worker: end the memberships and closings whose notice ran out, and the memberships of
    households who left a condominium in its pools. Pools busy with an API call are skipped (SKIP
    LOCKED) until the next sweep."""
    now = now or datetime.now(UTC)
    departures = 0
    for pool_id in await repo.pools_with_due_departures(session, now):
        pool = await repo.get_pool(session, pool_id, for_update=True, skip_locked=True)
        if pool is None:
            continue
        leaving = await repo.due_departures(session, pool_id, now)
        for member in leaving:
            member.status, member.left_at = PoolMemberStatus.left, now
        await session.flush()
        for member in leaving:
            lifecycle.record(session, None, pool, "member.left", member_id=member.id)
        await lifecycle.after_departure(session, pool, None)
        departures += len(leaving)
    moved_out = 0
    for pool_id in await repo.pools_with_moved_out_members(session):
        pool = await repo.get_pool(session, pool_id, for_update=True, skip_locked=True)
        if pool is not None:
            moved_out += await _end_moved_out(session, pool, now)
    closings = await repo.due_closings(session, now)
    for pool in closings:
        told = (await repo.members_of(session, [pool.id]))[pool.id]
        await _close_now(session, pool, None, now)
        lifecycle.tell(session, told, pool, "pool.closed")
    return {"pool_departures": departures, "pool_residents_moved_out": moved_out, "pools_closed": len(closings)}


async def _end_moved_out(session: AsyncSession, pool: Pool, now: datetime) -> int:
    """A household that left the building (or was removed from it) leaves the building's pools: an
    invitation lapses; a membership ends at once while the pool forms, else after the notice."""
    members = await repo.moved_out_members(session, pool.id)
    for member in members:
        if member.status == PoolMemberStatus.invited:
            member.status, member.left_at = PoolMemberStatus.declined, now
        elif pool.state == PoolState.active and pool.notice_days > 0:
            member.status, member.leaves_at = PoolMemberStatus.leaving, now + timedelta(days=pool.notice_days)
        else:
            member.status, member.left_at = PoolMemberStatus.left, now
    await session.flush()
    for member in members:
        lifecycle.record(session, None, pool, "member.moved_out", member_id=member.id, status=member.status.value)
    await lifecycle.after_departure(session, pool, None)
    return len(members)
