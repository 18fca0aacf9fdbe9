"""A pool's state machine, and the audit entry, outbox event and notifications of each change.

forming -> active      when it has at least `min_members` households and an accepted offer
active  -> forming     when departures take it below `min_members` (members are told)
forming -> closed      closed by a coordinator (nobody is served yet)
active  -> closing     closed by a coordinator: members are served until the notice runs out
closing -> closed      by the worker, at `closes_at`
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.models import Pool, PoolMember, PoolState
from app.pools import repository as repo


def record(session: AsyncSession, actor_id: uuid.UUID | None, pool: Pool, event: str, **payload: Any) -> None:
    """Audit and emit `event` (pool.formed, member.joined, ...) about `pool`."""
    body = {"pool_id": str(pool.id), **{k: str(v) if isinstance(v, uuid.UUID) else v for k, v in payload.items()}}
    ledger.record(session, actor_id=actor_id, action=event, target_type="pool", target_id=pool.id, payload=body)


def tell(session: AsyncSession, members: list[PoolMember], pool: Pool, kind: str, **data: Any) -> None:
    ledger.notify(
        session,
        [m.citizen_id for m in members],
        kind=kind,
        subject_type="pool",
        subject_id=pool.id,
        data={"title": pool.title, "state": pool.state.value, **data},
    )


async def in_pool(session: AsyncSession, pool: Pool) -> list[PoolMember]:
    """Households in the pool now (active, or serving their notice)."""
    return [m for m in (await repo.members_of(session, [pool.id]))[pool.id] if m.status in repo.IN_POOL]


async def maybe_activate(session: AsyncSession, pool: Pool, actor_id: uuid.UUID | None) -> None:
    """Activate a forming pool once it has its minimum and an accepted offer (pool row locked)."""
    if pool.state != PoolState.forming or pool.accepted_offer_id is None:
        return
    members = await in_pool(session, pool)
    if len(members) < pool.min_members:
        return
    pool.state, pool.activated_at = PoolState.active, datetime.now(UTC)
    await session.flush()
    record(session, actor_id, pool, "pool.activated", members=len(members))
    tell(session, members, pool, "pool.activated")


async def after_departure(session: AsyncSession, pool: Pool, actor_id: uuid.UUID | None) -> None:
    """An active pool that fell below its minimum goes back to forming, and its members are told."""
    if pool.state != PoolState.active:
        return
    members = await in_pool(session, pool)
    if len(members) >= pool.min_members:
        return
    pool.state = PoolState.forming
    await session.flush()
    record(session, actor_id, pool, "pool.deactivated", members=len(members), min_members=pool.min_members)
    tell(session, members, pool, "pool.back_to_forming", households=len(members), min_members=pool.min_members)
