import uuid

from sqlalchemy import Float, Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Zone, ZoneKind

EARTH_RADIUS_KM = 6371.0088


def haversine_km_sql(lat_col, lon_col, lat: float, lon: float):  # noqa: ANN001, ANN201 - SQL expressions
    """Great-circle distance in SQL (no PostGIS: the embedded server has no extensions)."""
    lat_p, lon_p = literal(lat, Float), literal(lon, Float)
    dlat = func.radians(lat_col - lat_p)
    dlon = func.radians(lon_col - lon_p)
    h = func.power(func.sin(dlat / 2), 2) + func.cos(func.radians(lat_p)) * func.cos(
        func.radians(lat_col)
    ) * func.power(func.sin(dlon / 2), 2)
    return 2 * EARTH_RADIUS_KM * func.asin(func.least(1.0, func.sqrt(h)))


def zones_query(*, kind: ZoneKind | None, parent_id: uuid.UUID | None) -> Select[tuple[Zone]]:
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


async def nearest_nil_within_reach(session: AsyncSession, lat: float, lon: float) -> tuple[Zone, float] | None:
    distance = haversine_km_sql(Zone.centroid_lat, Zone.centroid_lon, lat, lon).label("distance")
    row = (
        await session.execute(
            select(Zone, distance)
            .where(Zone.kind == ZoneKind.nil, distance <= Zone.reach_km)
            .order_by(distance, Zone.code)
            .limit(1)
        )
    ).first()
    return (row[0], float(row[1])) if row else None
