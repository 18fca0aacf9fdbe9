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


async def get_many(session: AsyncSession, zone_ids: list[uuid.UUID]) -> list[Zone]:
    if not zone_ids:
        return []
    return list((await session.scalars(select(Zone).where(Zone.id.in_(zone_ids)))).all())


async def nil_ids_of_municipi(session: AsyncSession, municipio_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    if not municipio_ids:
        return []
    stmt = select(Zone.id).where(Zone.kind == ZoneKind.nil, Zone.parent_id.in_(municipio_ids))
    return list((await session.scalars(stmt)).all())


async def nil_ids_within(session: AsyncSession, lat: float, lon: float, radius_km: float) -> list[uuid.UUID]:
    distance = haversine_km_sql(Zone.centroid_lat, Zone.centroid_lon, lat, lon)
    stmt = select(Zone.id).where(Zone.kind == ZoneKind.nil, distance <= radius_km)
    return list((await session.scalars(stmt)).all())
