"""Pools' responses, built for a whole page at once: one query for the pools' live members, whatever
the page size (the query-count guard in tests/test_query_counts.py holds lists to it).

Who may see a pool is decided before a row gets here (app/pools/access.py); what a pool shows
depends on who asks (their membership, their shares once priced, whether they coordinate it), so
the views take the caller's Viewer.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Pool, PoolMember, PoolOffer, SplitRule, User
from app.pools import repository as repo
from app.pools.access import Viewer, can_coordinate
from app.pools.schemas import MyMembership, PoolMemberRead, PoolOfferRead, PoolRead, PoolShare
from app.pools.shares import cost_of_minutes, split_cents
from app.shared_schemas import from_row


async def pool_views(session: AsyncSession, pools: Sequence[Pool], *, viewer: Viewer) -> list[PoolRead]:
    """Each pool with its head count and free seats, the caller's own membership, whether they
    coordinate it, and, once priced, each household's share (for members and coordinators only)."""
    if not pools:
        return []
    live = await repo.members_of(session, [pool.id for pool in pools])
    views = []
    for pool in pools:
        members = [m for m in live[pool.id] if m.status in repo.IN_POOL]
        mine = next((m for m in live[pool.id] if m.citizen_id == viewer.user.id), None)
        coordinates = can_coordinate(viewer, pool, mine)
        priced = pool.weekly_cost_cents is not None and members and (mine is not None or coordinates)
        views.append(
            from_row(
                PoolRead,
                pool,
                members=len(members),
                seats_left=max(pool.max_members - len(live[pool.id]), 0),  # invitations hold a seat too
                my_membership=from_row(MyMembership, mine, member_id=mine.id) if mine else None,
                shares=_shares(pool, members, viewer.user.id) if priced else None,
                can_coordinate=coordinates,
            )
        )
    return views


def _used_minutes(pool: Pool, member: PoolMember) -> int:
    """Split by hours, a household uses its own minutes; split equally, the whole schedule."""
    if pool.split_rule == SplitRule.by_hours and member.weekly_minutes:
        return member.weekly_minutes
    return pool.weekly_minutes


def _shares(pool: Pool, members: list[PoolMember], viewer_id: uuid.UUID) -> list[PoolShare]:
    """Each household's weekly share of the pool's cost (members in joining order)."""
    assert pool.weekly_cost_cents is not None and pool.individual_hourly_cents is not None
    weights = [_used_minutes(pool, m) if pool.split_rule == SplitRule.by_hours else 1 for m in members]
    parts = split_cents(pool.weekly_cost_cents, weights)
    shares = []
    for member, part in zip(members, parts, strict=True):
        alone = cost_of_minutes(pool.individual_hourly_cents, _used_minutes(pool, member))
        shares.append(
            PoolShare(
                member_id=member.id,
                you=member.citizen_id == viewer_id,
                status=member.status,
                weekly_minutes=_used_minutes(pool, member),
                share_cents=part,
                individual_cents=alone,
                saving_cents=alone - part,
            )
        )
    return shares


def member_views(members: Sequence[tuple[PoolMember, User]]) -> list[PoolMemberRead]:
    """Each household in, invited to or gone from a pool, with its name (for the hub's staff only)."""
    return [
        from_row(PoolMemberRead, member, member_id=member.id, full_name=person.full_name) for member, person in members
    ]


def pool_offer_views(offers: Sequence[PoolOffer]) -> list[PoolOfferRead]:
    return [from_row(PoolOfferRead, offer) for offer in offers]
