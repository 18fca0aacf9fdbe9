"""Milan's zones: listing, and placing a point in its NIL and Municipio."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.errors import NotFound, ValidationFailed
from app.geo import haversine_km
from app.models import Zone, ZoneKind
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.zones import repository as repo
from app.zones.geometry import Placement, load_nil_map, place
from app.zones.schemas import ZoneLocation, ZoneRead
from app.zones.snapshot import zones_knowing


class ZoneNotFound(NotFound):
    code = "zone_not_found"


class PointOutsideMilan(NotFound):
    code = "point_outside_milan"
    title = "Point Outside Milan"


async def list_zones(
    session: AsyncSession, page: PageParams, *, kind: ZoneKind | None, parent_id: uuid.UUID | None
) -> Paginated[Zone]:
    return await paginate(
        session,
        repo.zones_query(kind=kind, parent_id=parent_id),
        page,
        scope="zones",
        order=[SortKey(Zone.kind), SortKey(Zone.code), SortKey(Zone.id)],
    )


async def get_zone(session: AsyncSession, zone_id: uuid.UUID) -> Zone:
    zone = await repo.get_by_id(session, zone_id)
    if zone is None:
        raise ZoneNotFound("No zone with this id.")
    return zone


async def _placed_nil(session: AsyncSession, *, lat: float, lon: float) -> tuple[Placement, Zone, uuid.UUID] | None:
    """How a point was placed, its NIL and the NIL's Municipio id; None outside Milan."""
    placement = place(load_nil_map(get_settings().api.nil_geojson_path), lat, lon)
    nil = await repo.get_by_code(session, ZoneKind.nil, placement.code) if placement else None
    if placement is None or nil is None or nil.parent_id is None:
        return None
    return placement, nil, nil.parent_id


async def locate(session: AsyncSession, *, lat: float, lon: float) -> ZoneLocation:
    """The NIL and Municipio of a point: the NIL polygon containing it; in a thin gap left by the
    simplified polygons, the nearest NIL centroid (see app/zones/geometry.py). Outside Milan is a
    404, never a guess."""
    placed = await _placed_nil(session, lat=lat, lon=lon)
    if placed is None:
        raise PointOutsideMilan(f"The point ({lat}, {lon}) is not in any NIL of Milan.")
    placement, nil, municipio_id = placed
    municipio = await get_zone(session, municipio_id)
    return ZoneLocation(
        nil=ZoneRead.model_validate(nil),
        municipio=ZoneRead.model_validate(municipio),
        method=placement.method,
        distance_km=round(haversine_km(lat, lon, nil.centroid_lat, nil.centroid_lon), 3),
    )


class UnknownZones(ValidationFailed):
    code = "unknown_zones"


async def expand_to_nils(
    session: AsyncSession, zone_ids: list[uuid.UUID], *, pointer: str, location: str = "body"
) -> list[uuid.UUID]:
    """NIL ids for a list of NIL or Municipio ids (a Municipio stands for all its NILs), from the
    zones the process keeps (app/zones/snapshot.py): no statement once they are read."""
    zones = await zones_knowing(session, zone_ids)
    unknown = set(zone_ids) - zones.kinds.keys()
    if unknown:
        raise UnknownZones(
            f"Unknown zone ids: {', '.join(sorted(map(str, unknown)))}.", pointer=pointer, location=location
        )
    nils = [z for z in zone_ids if zones.kinds[z] == ZoneKind.nil]
    nils += [n for z in zone_ids if zones.kinds[z] == ZoneKind.municipio for n in zones.nils_of_municipio.get(z, ())]
    return sorted(set(nils))


async def nils_within(session: AsyncSession, *, lat: float, lon: float, radius_km: float) -> list[uuid.UUID]:
    return await repo.nil_ids_within(session, lat, lon, radius_km)


async def nil_of_point(session: AsyncSession, *, lat: float, lon: float) -> uuid.UUID | None:
    """The NIL containing a point, or None outside Milan (providers may sit outside the city).
    Writes store only the NIL, so the Municipio `locate` also reads is not looked up."""
    placed = await _placed_nil(session, lat=lat, lon=lon)
    return placed[1].id if placed is not None else None
