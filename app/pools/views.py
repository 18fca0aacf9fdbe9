"""Pools' responses, built for a whole page at once: one query for the pools' live members, whatever
the page size (the query-count guard in tests/test_query_counts.py holds lists to it).

Who may see a pool is decided before a row gets here (app/pools/access.py); what a pool shows
depends on who asks (their membership, their shares once priced, whether they coordinate it), so
the views take the caller's Viewer.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.masking import mask_contacts
from app.models import Pool, PoolMember, PoolOffer, PoolOfferStatus, SplitRule, User
from app.pools import repository as repo
from app.pools.access import Viewer, can_coordinate
from app.pools.schemas import (
    MyMembership,
    PoolMemberRead,
    PoolOfferRead,
    PoolRead,
    PoolShare,
    PoolSuggestion,
    SuggestionList,
    SuggestionMember,
)
from app.pools.shares import cost_of_minutes, split_cents
from app.pools.suggestions import Group, Suggestions
from app.providers import views as provider_views
from app.schedules import intersect, slots_of, spans_of, total_minutes
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


async def member_views(session: AsyncSession, members: Sequence[tuple[PoolMember, User]]) -> list[PoolMemberRead]:
    """Each household in, invited to or gone from a pool, with its name (for the hub's staff only)."""
    return [
        from_row(PoolMemberRead, member, member_id=member.id, full_name=person.full_name) for member, person in members
    ]


async def pool_offer_views(session: AsyncSession, viewer: User, offers: Sequence[PoolOffer]) -> list[PoolOfferRead]:
    """An offer's columns, its note as the viewer may read it: the provider's staff see it as written;
    the pool's households and hub staff read it with contact details masked until the pool
    accepts that offer, as with offers on a request (app/demand/views.py), so that nobody takes the pool off
    the platform before then. One query for the viewer's staff seats, whatever the page."""
    if not offers:
        return []
    authors = await provider_views.staffed_by(session, viewer.id, {offer.provider_id for offer in offers})
    views = []
    for offer in offers:
        note = mask_contacts(offer.message) if offer.status != PoolOfferStatus.accepted else None
        shown = offer.message if note is None or offer.provider_id in authors else note.text
        views.append(
            from_row(
                PoolOfferRead,
                offer,
                message=shown,
                message_masked_kinds=list(note.kinds) if note else [],
            )
        )
    return views


async def suggestion_views(session: AsyncSession, found: Suggestions, *, viewer: User) -> SuggestionList:
    """Each group with its common schedule, its households by NIL (request ids only where the caller
    may see them) and the cheapest shared price for its size; one query for the listings of all."""
    listings = await _listings(session, found.groups)
    settings = get_settings().pools
    items = []
    for group in found.groups:
        price, model = _estimate(group, listings)
        items.append(
            PoolSuggestion(
                category_id=group.requests[0].category_id,
                nil_ids=sorted({r.nil_id for r in group.requests}),
                condominium_id=group.condominium_id,
                common_schedule=slots_of(group.common),
                common_weekly_minutes=total_minutes(group.common),
                members=[
                    SuggestionMember(
                        nil_id=r.nil_id,
                        weekly_overlap_minutes=total_minutes(intersect(group.common, spans_of(r.schedule_minutes))),
                        request_id=r.id if found.operator or r.citizen_id == viewer.id else None,
                        yours=r.citizen_id == viewer.id,
                    )
                    for r in group.requests
                ],
                estimated_price_per_person_cents=price,
                estimated_price_model=model,
                suggestion_token=group.token,
            )
        )
    return SuggestionList(
        items=items,
        total=found.total,
        max_distance_km=settings.suggestion_max_distance_km,
        min_overlap_minutes=settings.suggestion_min_overlap_minutes,
    )


async def _listings(session: AsyncSession, groups: list[Group]) -> dict[tuple, list[Any]]:
    """(category, NIL) → the shared listings of the category covering the NIL, for all groups at once."""
    keys = {(g.requests[0].category_id, g.requests[0].nil_id) for g in groups}
    if not keys:
        return {}
    services = await repo.shared_services(session, sorted({c for c, _ in keys}), sorted({n for _, n in keys}))
    return {
        (category, nil): [s for s in services if s.category_id == category and nil in s.coverage_nil_ids]
        for category, nil in keys
    }


def _estimate(group: Group, listings: dict[tuple, list[Any]]) -> tuple[int | None, str | None]:
    """The cheapest per-person price for this group size among shared listings covering the NIL."""
    size, best = len(group.requests), None
    for service in listings[(group.requests[0].category_id, group.requests[0].nil_id)]:
        tiers = [t for t in service.shared_prices if t["group_size"] <= size]
        if not tiers:
            continue
        price = max(tiers, key=lambda t: t["group_size"])["price_per_person_cents"]
        if best is None or price < best[0]:
            best = (price, service.price_model.value)
    return best if best else (None, None)
