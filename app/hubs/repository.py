import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, delete, exists, func, literal_column, select, text
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import DemandRequest, Hub, HubOperator, HubZone, RequestStatus, User


async def get_by_id(session: AsyncSession, hub_id: uuid.UUID) -> Hub | None:
    return await session.get(Hub, hub_id)


async def zone_ids_of(session: AsyncSession, hub_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    rows = await session.execute(
        select(HubZone.hub_id, HubZone.zone_id).where(HubZone.hub_id.in_(hub_ids)).order_by(HubZone.zone_id)
    )
    zones: dict[uuid.UUID, list[uuid.UUID]] = {hub_id: [] for hub_id in hub_ids}
    for hub_id, zone_id in rows:
        zones[hub_id].append(zone_id)
    return zones


async def replace_zones(session: AsyncSession, hub_id: uuid.UUID, zone_ids: list[uuid.UUID]) -> None:
    await session.execute(delete(HubZone).where(HubZone.hub_id == hub_id))
    session.add_all(HubZone(hub_id=hub_id, zone_id=zone_id) for zone_id in zone_ids)
    await session.flush()


def hubs_query(*, nil_ids: list[uuid.UUID] | None, operator_id: uuid.UUID | None, active: bool | None) -> Select[Hub]:
    stmt = select(Hub)
    if nil_ids is not None:
        stmt = stmt.where(exists().where(HubZone.hub_id == Hub.id, HubZone.zone_id.in_(nil_ids)))
    if operator_id is not None:
        stmt = stmt.where(exists().where(HubOperator.hub_id == Hub.id, HubOperator.user_id == operator_id))
    if active is not None:
        stmt = stmt.where(Hub.is_active.is_(active))
    return stmt


async def name_taken(session: AsyncSession, name: str, *, other_than: uuid.UUID | None = None) -> bool:
    stmt = select(Hub.id).where(func.lower(Hub.name) == name.lower())
    if other_than is not None:
        stmt = stmt.where(Hub.id != other_than)
    return await session.scalar(stmt) is not None


async def is_operator(session: AsyncSession, user_id: uuid.UUID, hub_id: uuid.UUID) -> bool:
    stmt = select(HubOperator.user_id).where(HubOperator.hub_id == hub_id, HubOperator.user_id == user_id)
    return await session.scalar(stmt) is not None


async def operated_hub_ids(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(HubOperator.hub_id).where(HubOperator.user_id == user_id).order_by(HubOperator.hub_id)
    return list(await session.scalars(stmt))


async def hubs_serving(session: AsyncSession, nil_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = (
        select(Hub.id)
        .join(HubZone, HubZone.hub_id == Hub.id)
        .where(HubZone.zone_id == nil_id, Hub.is_active.is_(True))
        .order_by(Hub.name)
    )
    return list(await session.scalars(stmt))


async def operators_of(session: AsyncSession, hub_id: uuid.UUID) -> list[tuple[HubOperator, User]]:
    stmt = (
        select(HubOperator, User)
        .join(User, User.id == HubOperator.user_id)
        .where(HubOperator.hub_id == hub_id)
        .order_by(HubOperator.added_at, HubOperator.user_id)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def get_operator(session: AsyncSession, hub_id: uuid.UUID, user_id: uuid.UUID) -> HubOperator | None:
    return await session.get(HubOperator, (hub_id, user_id))


async def remove_operator(session: AsyncSession, hub_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    result = await session.execute(
        delete(HubOperator).where(HubOperator.hub_id == hub_id, HubOperator.user_id == user_id)
    )
    return bool(cast(CursorResult[Any], result).rowcount)


async def open_needs(
    session: AsyncSession,
    nil_ids: list[uuid.UUID],
    *,
    now: datetime,
    category_id: uuid.UUID | None,
) -> list[dict[str, Any]]:
    """Open requests in some NILs counted by category x NIL x weekday x 6-hour band.

    The 28 cells of a week are ranges of minutes since Monday; a request counts once in each cell
    its schedule overlaps (`&&` on the int4multirange, served by the GiST index on open requests).
    """
    cells = (
        text(
            """
        SELECT (m.minute / 1440) AS day_index,
               CASE m.minute % 1440 WHEN 0 THEN 'night' WHEN 360 THEN 'morning'
                    WHEN 720 THEN 'afternoon' ELSE 'evening' END AS band,
               int4multirange(int4range(m.minute, m.minute + 360)) AS span
        FROM generate_series(0, 10080 - 360, 360) AS m(minute)
        """
        )
        .columns(literal_column("day_index"), literal_column("band"), literal_column("span"))
        .subquery("cell")
    )
    stmt = (
        select(
            DemandRequest.category_id,
            DemandRequest.nil_id,
            cells.c.day_index,
            cells.c.band,
            func.count().label("requests"),
            func.count().filter(DemandRequest.open_to_sharing.is_(True)).label("open_to_sharing"),
        )
        .select_from(DemandRequest)
        .join(cells, DemandRequest.schedule_minutes.op("&&")(cells.c.span))
        .where(*_open_in(nil_ids, now, category_id))
        .group_by(DemandRequest.category_id, DemandRequest.nil_id, cells.c.day_index, cells.c.band)
        .order_by(DemandRequest.category_id, DemandRequest.nil_id, cells.c.day_index, cells.c.band)
    )
    return [dict(row._mapping) for row in await session.execute(stmt)]


async def open_totals(
    session: AsyncSession, nil_ids: list[uuid.UUID], *, now: datetime, category_id: uuid.UUID | None
) -> tuple[int, int]:
    stmt = select(func.count(), func.count().filter(DemandRequest.open_to_sharing.is_(True))).where(
        *_open_in(nil_ids, now, category_id)
    )
    total, sharing = (await session.execute(stmt)).one()
    return total, sharing


def _open_in(nil_ids: list[uuid.UUID], now: datetime, category_id: uuid.UUID | None) -> list[Any]:
    clauses = [
        DemandRequest.status == RequestStatus.open,
        DemandRequest.unexpired(now),  # lets the planner read the hub's NILs only (ix_demand_request_open_nil)
        DemandRequest.nil_id.in_(nil_ids),
    ]
    if category_id is not None:
        clauses.append(DemandRequest.category_id == category_id)
    return clauses


async def nil_sets(session: AsyncSession) -> list[list[uuid.UUID]]:
    """The NIL sets pool suggestions are asked over: each hub's, and each operator's hubs' together
    (as `operated_nil_ids` gives them), sorted and distinct."""
    per_hub = select(func.array_agg(func.distinct(HubZone.zone_id))).group_by(HubZone.hub_id)
    per_operator = (
        select(func.array_agg(func.distinct(HubZone.zone_id)))
        .join(HubOperator, HubOperator.hub_id == HubZone.hub_id)
        .group_by(HubOperator.user_id)
    )
    found = {tuple(sorted(nils)) for nils in await session.scalars(per_hub.union_all(per_operator))}
    return [list(nils) for nils in sorted(found)]
