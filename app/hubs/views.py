"""Hubs' responses, built for a whole page at once: one query for the NILs the hubs serve, whatever
the page size (the query-count guard in tests/test_query_counts.py holds lists to it)."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.hubs import repository as repo
from app.hubs.schemas import Address, HubOperatorRead, HubRead
from app.models import Hub, HubOperator, Role, User
from app.shared_schemas import PointIn, from_row


async def hub_views(session: AsyncSession, hubs: Sequence[Hub]) -> list[HubRead]:
    """Each hub with where it stands and the NILs it serves (hubs are public: everyone sees the same)."""
    if not hubs:
        return []
    zones = await repo.zone_ids_of(session, [hub.id for hub in hubs])
    return [
        from_row(
            HubRead,
            hub,
            address=Address(street=hub.address_street, postcode=hub.address_postcode),
            point=PointIn(lat=hub.lat, lon=hub.lon),
            zone_ids=zones[hub.id],
        )
        for hub in hubs
    ]


async def operator_views(session: AsyncSession, operators: Sequence[tuple[HubOperator, User]]) -> list[HubOperatorRead]:
    """Each operator with the person's name and e-mail (the rows come joined with their account)."""
    return [
        from_row(HubOperatorRead, operator, full_name=person.full_name, email=person.email)
        for operator, person in operators
    ]


async def hubs_operated_by(session: AsyncSession, viewer: User) -> set[uuid.UUID]:
    """The hubs the viewer works at (none unless a hub operator): what other domains show only to a
    hub's own operators is decided against these."""
    return set(await repo.operated_hub_ids(session, viewer.id)) if viewer.role == Role.hub_operator else set()
