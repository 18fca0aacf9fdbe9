"""Milan's zones as the process keeps them (app/reference_cache.py): each zone's kind and the NILs
of each Municipio, read in one statement and shared by all requests."""

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ZoneKind
from app.reference_cache import ReferenceCache
from app.zones import repository as repo


@dataclass(frozen=True, slots=True)
class Zones:
    kinds: dict[uuid.UUID, ZoneKind]
    nils_of_municipio: dict[uuid.UUID, tuple[uuid.UUID, ...]]


async def _read(session: AsyncSession) -> Zones:
    rows = await repo.kinds_and_parents(session)
    nils: dict[uuid.UUID, list[uuid.UUID]] = {}
    for zone_id, kind, parent_id in rows:
        if kind == ZoneKind.nil and parent_id is not None:
            nils.setdefault(parent_id, []).append(zone_id)
    return Zones(
        kinds={zone_id: kind for zone_id, kind, _ in rows},
        nils_of_municipio={parent: tuple(ids) for parent, ids in nils.items()},
    )


ZONES = ReferenceCache(_read)


async def zones_knowing(session: AsyncSession, zone_ids: list[uuid.UUID]) -> Zones:
    """The snapshot, read again if it does not know one of these ids (a zone added since)."""
    zones = await ZONES.get(session)
    if not set(zone_ids) <= zones.kinds.keys():
        zones = await ZONES.after_miss(session)
    return zones
