"""Condominiums' responses, built for a whole page at once: one query each for the caller's
memberships, the resident counts and (for an operator) the hubs they work at, whatever the page size.

Who sees a building's private details (street, point, administrator, join code, resident count) is
decided here, per row, as the service's docstring explains: its approved residents, the operators of
its hub and admins; anyone else signed in gets those fields null.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.condominiums import repository as repo
from app.condominiums.schemas import BuildingAdministrator, CondominiumRead, MembershipRead, ResidentRead
from app.hubs import views as hub_views
from app.hubs.schemas import Address
from app.models import Condominium, CondominiumMember, MembershipStatus, Role, User
from app.shared_schemas import PointIn, from_row


async def condominium_views(
    session: AsyncSession, condominiums: Sequence[Condominium], *, viewer: User
) -> list[CondominiumRead]:
    if not condominiums:
        return []
    ids = [row.id for row in condominiums]
    operated = await hub_views.hubs_operated_by(session, viewer)
    mine = await repo.memberships_of(session, viewer.id, ids)
    counts = await repo.resident_counts(session, ids)
    views = []
    for row in condominiums:
        insider = viewer.role == Role.admin or row.hub_id in operated or mine.get(row.id) == MembershipStatus.approved
        shown = _private(row, counts) if insider else _HIDDEN
        views.append(from_row(CondominiumRead, row, my_membership=mine.get(row.id), **shown))
    return views


_HIDDEN = dict.fromkeys(("address", "point", "administrator", "join_code", "residents"))


def _private(row: Condominium, counts: dict[uuid.UUID, int]) -> dict[str, object]:
    return {
        "address": Address(street=row.address_street, postcode=row.address_postcode),
        "point": PointIn(lat=row.lat, lon=row.lon),
        "administrator": BuildingAdministrator(
            name=row.administrator_name, email=row.administrator_email, phone=row.administrator_phone
        ),
        "join_code": row.join_code,
        "residents": counts.get(row.id, 0),
    }


async def membership_views(session: AsyncSession, members: Sequence[CondominiumMember]) -> list[MembershipRead]:
    """A membership's own columns: the household and the hub's staff see the same."""
    return [from_row(MembershipRead, member) for member in members]


async def resident_views(
    session: AsyncSession, residents: Sequence[tuple[CondominiumMember, User]]
) -> list[ResidentRead]:
    """Each resident (or request to join) with the household's name and e-mail, for the hub's staff."""
    return [
        from_row(ResidentRead, member, full_name=person.full_name, email=person.email) for member, person in residents
    ]
