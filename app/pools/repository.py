import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, delete, exists, false, func, or_, select, text, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import locked
from app.models import (
    CondominiumMember,
    Delivery,
    DemandRequest,
    MembershipStatus,
    Pool,
    PoolMember,
    PoolMemberStatus,
    PoolOffer,
    PoolOfferStatus,
    PoolScope,
    PoolState,
    PoolSuggestionChange,
    PoolSuggestionGroup,
    PoolSuggestionScope,
    RequestStatus,
    Service,
    User,
)

# (id, citizen_id, category_id, nil_id, schedule_minutes) of an open request open to sharing.
SharingRequest = Row[Any]
LIVE = (PoolMemberStatus.invited, PoolMemberStatus.active, PoolMemberStatus.leaving)
IN_POOL = (PoolMemberStatus.active, PoolMemberStatus.leaving)


async def get_pool(
    session: AsyncSession, pool_id: uuid.UUID, *, for_update: bool = False, skip_locked: bool = False
) -> Pool | None:
    stmt = select(Pool).where(Pool.id == pool_id)
    if for_update:  # and re-read: a row read before the lock may have changed since
        stmt = locked(stmt, skip_locked=skip_locked)
    return await session.scalar(stmt)


async def members_of(session: AsyncSession, pool_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[PoolMember]]:
    stmt = (
        select(PoolMember)
        .where(PoolMember.pool_id.in_(pool_ids), PoolMember.status.in_(LIVE))
        .order_by(PoolMember.created_at, PoolMember.id)
    )
    found: dict[uuid.UUID, list[PoolMember]] = {pool_id: [] for pool_id in pool_ids}
    for member in await session.scalars(stmt):
        found[member.pool_id].append(member)
    return found


async def members_with_people(session: AsyncSession, pool_id: uuid.UUID) -> list[tuple[PoolMember, User]]:
    stmt = (
        select(PoolMember, User)
        .join(User, User.id == PoolMember.citizen_id)
        .where(PoolMember.pool_id == pool_id)
        .order_by(PoolMember.created_at, PoolMember.id)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def live_membership(session: AsyncSession, pool_id: uuid.UUID, citizen_id: uuid.UUID) -> PoolMember | None:
    stmt = select(PoolMember).where(
        PoolMember.pool_id == pool_id, PoolMember.citizen_id == citizen_id, PoolMember.status.in_(LIVE)
    )
    return await session.scalar(stmt)


async def pools_with_due_departures(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    stmt = select(PoolMember.pool_id).where(PoolMember.status == PoolMemberStatus.leaving, PoolMember.leaves_at <= now)
    return sorted(set(await session.scalars(stmt)))


async def due_departures(session: AsyncSession, pool_id: uuid.UUID, now: datetime) -> list[PoolMember]:
    """A pool's members whose notice ran out (call with the pool row locked: pool first, then members,
    as every API path does, so the worker and the API never deadlock)."""
    stmt = (
        select(PoolMember)
        .where(
            PoolMember.pool_id == pool_id, PoolMember.status == PoolMemberStatus.leaving, PoolMember.leaves_at <= now
        )
        .order_by(PoolMember.leaves_at, PoolMember.id)
        .with_for_update()
    )
    return list(await session.scalars(stmt))


def _moved_out() -> Any:
    """Invited or active members of a condominium's pool who are no longer approved residents of it."""
    return and_(
        PoolMember.pool_id == Pool.id,
        Pool.scope == PoolScope.condominium,
        PoolMember.status.in_([PoolMemberStatus.invited, PoolMemberStatus.active]),
        ~exists().where(
            CondominiumMember.condominium_id == Pool.condominium_id,
            CondominiumMember.citizen_id == PoolMember.citizen_id,
            CondominiumMember.status == MembershipStatus.approved,
        ),
    )


async def pools_with_moved_out_members(session: AsyncSession) -> list[uuid.UUID]:
    return sorted(set(await session.scalars(select(PoolMember.pool_id).where(_moved_out()))))


async def moved_out_members(session: AsyncSession, pool_id: uuid.UUID) -> list[PoolMember]:
    """(Call with the pool row locked, as for due_departures.)"""
    stmt = select(PoolMember).where(PoolMember.pool_id == pool_id, _moved_out()).order_by(PoolMember.id)
    return list(await session.scalars(stmt.with_for_update(of=PoolMember)))


async def due_closings(session: AsyncSession, now: datetime) -> list[Pool]:
    stmt = select(Pool).where(Pool.state == PoolState.closing, Pool.closes_at <= now).with_for_update(skip_locked=True)
    return list(await session.scalars(stmt))


async def end_memberships(session: AsyncSession, pool_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(PoolMember)
        .where(PoolMember.pool_id == pool_id, PoolMember.status.in_(LIVE))
        .values(status=PoolMemberStatus.left, left_at=now)
    )


def visible_pools(
    *,
    everything: bool,
    citizen_id: uuid.UUID | None = None,
    buildings: list[uuid.UUID] | None = None,
    hub_ids: list[uuid.UUID] | None = None,
    nil_ids: list[uuid.UUID] | None = None,
    provider_ids: list[uuid.UUID] | None = None,
) -> Any:
    """The WHERE clause of the pools a caller may see (see app.pools.access for the rules)."""
    if everything:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if citizen_id is not None:
        clauses.append(
            exists().where(
                PoolMember.pool_id == Pool.id, PoolMember.citizen_id == citizen_id, PoolMember.status.in_(LIVE)
            )
        )
        clauses.append(Pool.scope.in_([PoolScope.hub, PoolScope.nil]))
        if buildings:
            clauses.append(Pool.condominium_id.in_(buildings))
    if hub_ids:
        clauses.append(Pool.hub_id.in_(hub_ids))
    if nil_ids:
        clauses.append(Pool.nil_id.in_(nil_ids))
    if provider_ids is not None:
        clauses.append(Pool.state != PoolState.closed)
        if provider_ids:
            clauses.append(Pool.provider_id.in_(provider_ids))
    return or_(*clauses) if clauses else false()


def pools_query(
    visibility: Any,
    *,
    category_id: uuid.UUID | None,
    nil_id: uuid.UUID | None,
    hub_id: uuid.UUID | None,
    condominium_id: uuid.UUID | None,
    state: PoolState | None,
    member_id: uuid.UUID | None,
) -> Select[Pool]:
    stmt = select(Pool).where(visibility)
    for column, value in (
        (Pool.category_id, category_id),
        (Pool.nil_id, nil_id),
        (Pool.hub_id, hub_id),
        (Pool.condominium_id, condominium_id),
        (Pool.state, state),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if member_id is not None:
        stmt = stmt.where(
            exists().where(
                PoolMember.pool_id == Pool.id, PoolMember.citizen_id == member_id, PoolMember.status.in_(LIVE)
            )
        )
    return stmt


async def approved_buildings(session: AsyncSession, citizen_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(CondominiumMember.condominium_id).where(
        CondominiumMember.citizen_id == citizen_id, CondominiumMember.status == MembershipStatus.approved
    )
    return list(await session.scalars(stmt))


# --- offers ----------------------------------------------------------------------------------------


async def get_offer(session: AsyncSession, offer_id: uuid.UUID, *, for_update: bool = False) -> PoolOffer | None:
    stmt = select(PoolOffer).where(PoolOffer.id == offer_id)
    if for_update:
        stmt = locked(stmt)
    return await session.scalar(stmt)


def offers_query(pool_id: uuid.UUID, provider_ids: list[uuid.UUID] | None) -> Select[PoolOffer]:
    stmt = select(PoolOffer).where(PoolOffer.pool_id == pool_id)
    if provider_ids is not None:
        stmt = stmt.where(PoolOffer.provider_id.in_(provider_ids))
    return stmt


async def pending_offers(session: AsyncSession, pool_id: uuid.UUID) -> list[PoolOffer]:
    stmt = select(PoolOffer).where(PoolOffer.pool_id == pool_id, PoolOffer.status == PoolOfferStatus.pending)
    return list(await session.scalars(stmt.with_for_update()))


async def get_service(session: AsyncSession, service_id: uuid.UUID) -> Service | None:
    return await session.get(Service, service_id)


# --- suggestions -----------------------------------------------------------------------------------


async def sharing_requests(
    session: AsyncSession,
    *,
    now: datetime,
    nil_ids: list[uuid.UUID] | None = None,
    citizen_id: uuid.UUID | None = None,
    request_ids: list[uuid.UUID] | None = None,
    category_id: uuid.UUID | None = None,
) -> list[SharingRequest]:
    """Open requests open to sharing and in no pool yet: only the columns grouping needs (id,
    citizen_id, category_id, nil_id, schedule_minutes), not whole rows: a busy hub has thousands."""
    stmt = select(
        DemandRequest.id,
        DemandRequest.citizen_id,
        DemandRequest.category_id,
        DemandRequest.nil_id,
        DemandRequest.schedule_minutes,
    ).where(
        DemandRequest.status == RequestStatus.open,
        DemandRequest.open_to_sharing.is_(True),
        DemandRequest.unexpired(now),
        ~exists().where(PoolMember.request_id == DemandRequest.id, PoolMember.status.in_(LIVE)),
    )
    if nil_ids is not None:
        stmt = stmt.where(DemandRequest.nil_id.in_(nil_ids))
    if citizen_id is not None:
        stmt = stmt.where(DemandRequest.citizen_id == citizen_id)
    if request_ids is not None:
        stmt = stmt.where(DemandRequest.id.in_(request_ids))
    if category_id is not None:
        stmt = stmt.where(DemandRequest.category_id == category_id)
    return list((await session.execute(stmt.order_by(DemandRequest.opened_at, DemandRequest.id))).all())


# Also run by the benchmark's raw baseline (bench/raw_app.py).
_COMPATIBLE = """
           other.category_id = seed.category_id
       AND other.status = 'open'
       AND other.open_to_sharing
       AND other.id <> seed.id
       AND other.citizen_id <> seed.citizen_id
       AND (other.valid_until IS NULL OR other.valid_until > :now)
       AND other.schedule_minutes && seed.schedule_minutes
       AND NOT EXISTS (
           SELECT 1 FROM pool_member AS pm
           WHERE pm.request_id = other.id AND pm.status IN ('invited', 'active', 'leaving')
       )
    """
_OVERLAP = """
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(upper(r) - lower(r)), 0)::int AS minutes
            FROM unnest(other.schedule_minutes * seed.schedule_minutes) AS r
        ) AS overlap
    """
COMPATIBLE_PAIRS_SQL = f"""
        WITH seed AS MATERIALIZED (
            SELECT id, citizen_id, category_id, nil_id, lat, lon, schedule_minutes
            FROM demand_request WHERE id = ANY(:seed_ids)
        ), neighbour AS MATERIALIZED (  -- (seed, a co-resident household): few rows, found by index
            SELECT DISTINCT seed.id AS seed_id, theirs.citizen_id
            FROM seed
            JOIN condominium_member AS mine ON mine.citizen_id = seed.citizen_id AND mine.status = 'approved'
            JOIN condominium_member AS theirs
              ON theirs.condominium_id = mine.condominium_id AND theirs.status = 'approved'
        )
        SELECT seed.id AS seed_id, other.id AS other_id, overlap.minutes
        FROM seed
        JOIN demand_request AS other ON other.nil_id = seed.nil_id AND {_COMPATIBLE}
        {_OVERLAP}
        WHERE overlap.minutes >= :min_overlap
          AND seed.lat IS NOT NULL AND other.lat IS NOT NULL
          AND 2 * 6371.0088 * asin(sqrt(
                power(sin(radians(other.lat - seed.lat) / 2), 2)
                + cos(radians(seed.lat)) * cos(radians(other.lat))
                  * power(sin(radians(other.lon - seed.lon) / 2), 2)
              )) <= :max_km
        UNION
        SELECT seed.id AS seed_id, other.id AS other_id, overlap.minutes
        FROM neighbour
        JOIN seed ON seed.id = neighbour.seed_id
        JOIN demand_request AS other ON other.citizen_id = neighbour.citizen_id AND {_COMPATIBLE}
        {_OVERLAP}
        WHERE overlap.minutes >= :min_overlap
"""  # noqa: S608 - fixed SQL fragments, values are bound


_COLUMNS = "id, citizen_id, category_id, nil_id, lat, lon, schedule_minutes, status, open_to_sharing, valid_until"
# The same pairs for the seeds of one category (the worker's refresh, app/pools/snapshots.py): the
# candidates are read first through ix_demand_request_open_category_nil, the co-residents' requests
# through ix_demand_request_citizen. City scale, busiest hub's biggest category (329 seeds): 0.66 s,
# against 9.7 s for COMPATIBLE_PAIRS_SQL, whose plan for one category's seeds misjudges the open
# requests and hashes the whole category; over a hub's every category it is the other way round
# (3.7 s against 19.5 s), so each query keeps its use.
CATEGORY_PAIRS_SQL = f"""
        WITH seed AS MATERIALIZED (
            SELECT id, citizen_id, category_id, nil_id, lat, lon, schedule_minutes
            FROM demand_request WHERE id = ANY(:seed_ids)
        ), nearby AS MATERIALIZED (  -- open sharing requests of the seeds' (category, NIL) pairs
            SELECT {_COLUMNS} FROM demand_request
            WHERE status = 'open' AND open_to_sharing AND lat IS NOT NULL
              AND (category_id, nil_id) IN (SELECT DISTINCT category_id, nil_id FROM seed)
        ), neighbour AS MATERIALIZED (  -- (seed, a co-resident household): few rows, found by index
            SELECT DISTINCT seed.id AS seed_id, theirs.citizen_id
            FROM seed
            JOIN condominium_member AS mine ON mine.citizen_id = seed.citizen_id AND mine.status = 'approved'
            JOIN condominium_member AS theirs
              ON theirs.condominium_id = mine.condominium_id AND theirs.status = 'approved'
        ), resident AS MATERIALIZED (  -- their requests, by citizen
            SELECT neighbour.seed_id, r.{_COLUMNS.replace(", ", ", r.")}
            FROM neighbour JOIN demand_request AS r ON r.citizen_id = neighbour.citizen_id
        )
        SELECT seed.id AS seed_id, other.id AS other_id, overlap.minutes
        FROM seed
        JOIN nearby AS other ON other.nil_id = seed.nil_id AND {_COMPATIBLE}
        {_OVERLAP}
        WHERE overlap.minutes >= :min_overlap
          AND seed.lat IS NOT NULL
          AND 2 * 6371.0088 * asin(sqrt(
                power(sin(radians(other.lat - seed.lat) / 2), 2)
                + cos(radians(seed.lat)) * cos(radians(other.lat))
                  * power(sin(radians(other.lon - seed.lon) / 2), 2)
              )) <= :max_km
        UNION
        SELECT seed.id AS seed_id, other.id AS other_id, overlap.minutes
        FROM resident AS other
        JOIN seed ON seed.id = other.seed_id AND {_COMPATIBLE}
        {_OVERLAP}
        WHERE overlap.minutes >= :min_overlap
"""  # noqa: S608 - fixed SQL fragments, values are bound


async def compatible_pairs(
    session: AsyncSession,
    seed_ids: list[uuid.UUID],
    *,
    now: datetime,
    max_distance_km: float,
    min_overlap_minutes: int,
    one_category: bool = False,
) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    """(seed, other, overlapping minutes) for every open sharing request compatible with a seed:
    same category, another household, a schedule overlap of at least `min_overlap_minutes`, and
    either a condominium in common or both placed within `max_distance_km` in the same NIL.

    The two ways of being close are two branches (UNION): requests of the seed's category and NIL,
    and the requests of the seed's co-residents (condominium_member by citizen, then by building,
    materialised first: a few rows). An OR of the two made PostgreSQL test the shared-building
    subplan for every pair of the category; live pool memberships are probed through
    ix_pool_member_request_id (migration 0008). City scale, 2,554 seeds: >10 min before, ~0.5 s.
    """
    sql = text(CATEGORY_PAIRS_SQL if one_category else COMPATIBLE_PAIRS_SQL)
    rows = await session.execute(
        sql,
        {"seed_ids": seed_ids, "now": now, "min_overlap": min_overlap_minutes, "max_km": max_distance_km},
    )
    return [(row.seed_id, row.other_id, row.minutes) for row in rows]


async def shared_services(session: AsyncSession, category_ids: list[uuid.UUID], nil_ids: list[uuid.UUID]) -> list[Any]:
    """Searchable shared-delivery listings of some categories covering any of some NILs (one query
    for all the suggestions of a call; the caller picks each group's category and NIL): only the
    four columns the estimate reads, not whole rows (the busiest hub's page matched thousands, and
    building their ORM objects took most of the call)."""
    stmt = select(Service.category_id, Service.coverage_nil_ids, Service.shared_prices, Service.price_model).where(
        Service.searchable.is_(True),
        Service.category_id.in_(category_ids),
        Service.delivery == Delivery.shared,
        Service.coverage_nil_ids.overlap(nil_ids),
    )
    return list((await session.execute(stmt)).all())


# --- suggestions precomputed (app/pools/snapshots.py) ------------------------------------------------

REFRESH_LOCK = 0x706F6F6C_73756767  # pg advisory lock: one refresh at a time, however many workers


async def sharing_categories(session: AsyncSession, *, now: datetime, nil_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The categories of the open sharing requests of some NILs (each is grouped on its own)."""
    stmt = (
        select(DemandRequest.category_id)
        .where(
            DemandRequest.status == RequestStatus.open,
            DemandRequest.open_to_sharing.is_(True),
            DemandRequest.unexpired(now),
            DemandRequest.nil_id.in_(nil_ids),
        )
        .distinct()
    )
    return sorted(await session.scalars(stmt))


async def try_refresh_lock(session: AsyncSession) -> bool:
    """Held until the transaction ends; another worker's refresh skips its round meanwhile."""
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(REFRESH_LOCK))))


async def take_changes(session: AsyncSession) -> set[uuid.UUID | None]:
    """The categories changed since the last refresh (None: all), deleting what is read: only
    committed rows are seen, so a change committing meanwhile is left for the next round."""
    result = await session.execute(delete(PoolSuggestionChange).returning(PoolSuggestionChange.category_id))
    return set(result.scalars())


async def scopes(session: AsyncSession) -> dict[uuid.UUID, PoolSuggestionScope]:
    return {scope.key: scope for scope in await session.scalars(select(PoolSuggestionScope))}


async def drop_scopes(session: AsyncSession, keys: list[uuid.UUID]) -> None:
    await session.execute(delete(PoolSuggestionScope).where(PoolSuggestionScope.key.in_(keys)))


async def save_scope(
    session: AsyncSession,
    *,
    key: uuid.UUID,
    nil_ids: list[uuid.UUID],
    max_distance_km: float,
    min_overlap_minutes: int,
    computed_at: datetime,
) -> None:
    values = {
        "nil_ids": nil_ids,
        "max_distance_km": max_distance_km,
        "min_overlap_minutes": min_overlap_minutes,
        "computed_at": computed_at,
    }
    stmt = pg_insert(PoolSuggestionScope).values(key=key, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=[PoolSuggestionScope.key], set_=values))


async def replace_groups(
    session: AsyncSession, key: uuid.UUID, category_ids: list[uuid.UUID] | None, rows: list[dict[str, Any]]
) -> None:
    """A scope's groups of some categories (None: all) replaced by `rows` (one INSERT)."""
    stmt = delete(PoolSuggestionGroup).where(PoolSuggestionGroup.scope_key == key)
    if category_ids is not None:
        stmt = stmt.where(PoolSuggestionGroup.category_id.in_(category_ids))
    await session.execute(stmt)
    if rows:
        await session.execute(pg_insert(PoolSuggestionGroup), rows)


async def stored_scope(session: AsyncSession, key: uuid.UUID) -> PoolSuggestionScope | None:
    return await session.get(PoolSuggestionScope, key)


async def stored_groups(
    session: AsyncSession, key: uuid.UUID, *, category_id: uuid.UUID | None, limit: int
) -> tuple[list[PoolSuggestionGroup], int]:
    """A scope's `limit` best groups in the API's order (biggest, most minutes in common, first
    request id) and how many it has in all: a few hundred rows at most per scope, by primary key."""
    where = [PoolSuggestionGroup.scope_key == key]
    if category_id is not None:
        where.append(PoolSuggestionGroup.category_id == category_id)
    total = await session.scalar(select(func.count()).select_from(PoolSuggestionGroup).where(*where))
    stmt = (
        select(PoolSuggestionGroup)
        .where(*where)
        .order_by(
            PoolSuggestionGroup.size.desc(),
            PoolSuggestionGroup.common_minutes.desc(),
            PoolSuggestionGroup.first_request_id,
        )
        .limit(limit)
    )
    return list(await session.scalars(stmt)), total or 0
