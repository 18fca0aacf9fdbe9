import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.geo import haversine_km_sql
from app.models import Zone, ZoneKind


def zones_query(*, kind: ZoneKind | None, parent_id: uuid.UUID | None) -> Select[Zone]:
    stmt = select(Zone)
    if kind is not None:
        stmt = stmt.where(Zone.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(Zone.parent_id == parent_id)
    return stmt


async def get_by_id(session: AsyncSession, zone_id: uuid.UUID) -> Zone | None:
    return await session.get(Zone, zone_id)


async def get_by_code(session: AsyncSession, kind: ZoneKind, code: int) -> Zone | None:
    return await session.scalar(select(Zone).where(Zone.kind == kind, Zone.code == code))


async def kinds_and_parents(session: AsyncSession) -> list[tuple[uuid.UUID, ZoneKind, uuid.UUID | None]]:
    """Every zone's id, kind and parent (the whole of Milan: a hundred rows)."""
    rows = await session.execute(select(Zone.id, Zone.kind, Zone.parent_id))
    return [(zone_id, kind, parent_id) for zone_id, kind, parent_id in rows]


async def nil_ids_within(session: AsyncSession, lat: float, lon: float, radius_km: float) -> list[uuid.UUID]:
    distance = haversine_km_sql(Zone.centroid_lat, Zone.centroid_lon, lat, lon)
    stmt = select(Zone.id).where(Zone.kind == ZoneKind.nil, distance <= radius_km)
    return list((await session.scalars(stmt)).all())
