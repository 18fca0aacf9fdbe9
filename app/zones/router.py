import uuid
from typing import Annotated

from fastapi import Query

from app.db import ReadSessionDep
from app.errors import error_responses
from app.models import ZoneKind
from app.pagination import Page, PageParamsDep, Paginated
from app.routing import ReferenceDataCache, api_router
from app.shared_schemas import one
from app.zones import service as zone_service
from app.zones.schemas import ZoneLocation, ZoneRead
from app.zones.views import zone_views

router = api_router(prefix="/zones", tags=["zones"], dependencies=[ReferenceDataCache])


@router.get("", response_model=Page[ZoneRead])
async def list_zones(
    session: ReadSessionDep,
    page: PageParamsDep,
    kind: ZoneKind | None = None,
    parent_id: Annotated[uuid.UUID | None, Query(description="Municipio id: its NILs")] = None,
) -> Paginated[ZoneRead]:
    """Milan's 9 Municipi and 88 NIL, by kind then code."""
    found = await zone_service.list_zones(session, page, kind=kind, parent_id=parent_id)
    return found.with_items(await zone_views(session, found.items))


@router.get("/locate", response_model=ZoneLocation, responses=error_responses(zone_service.PointOutsideMilan))
async def locate_point(
    session: ReadSessionDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude, WGS84", examples=[45.4642])],
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude, WGS84", examples=[9.19])],
) -> ZoneLocation:
    """The NIL and Municipio containing a point (404 outside Milan)."""
    return await zone_service.locate(session, lat=lat, lon=lon)


@router.get("/{zone_id}", response_model=ZoneRead, responses=error_responses(zone_service.ZoneNotFound))
async def get_zone(zone_id: uuid.UUID, session: ReadSessionDep) -> ZoneRead:
    """One Municipio or NIL."""
    zone = await zone_service.get_zone(session, zone_id)
    return await one(zone_views(session, [zone]))
