"""Zones' responses: every field is a column of the zone (the centroid a model property)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Zone
from app.shared_schemas import from_row
from app.zones.schemas import ZoneRead


async def zone_views(session: AsyncSession, zones: Sequence[Zone]) -> list[ZoneRead]:
    return [from_row(ZoneRead, zone) for zone in zones]
