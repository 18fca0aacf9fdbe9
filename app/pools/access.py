"""Who may see and coordinate a pool.

* Admins: every pool. Hub operators: the pools of their hubs and of the NILs those hubs serve.
* Citizens: pools they are in or invited to, hub- and NIL-wide pools (anyone may join those), and the
  pools of condominiums they are an approved resident of; another building's pools do not exist for
  them (404).
* Providers' staff and workers: pools still running (they make offers to them) and the pools their
  providers serve; never the members' identities.
* Coordinators (accept offers, change, close): the operators of its hub, admins, and the citizen
  who formed it while they are in it. Who the members are: only the operators of its hub and admins.
"""

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as account_service
from app.errors import NotFound
from app.hubs import service as hub_service
from app.models import Pool, PoolMember, PoolScope, PoolState, Role, User
from app.pools import repository as repo
from app.providers import access as provider_access


class PoolNotFound(NotFound):
    code = "pool_not_found"


@dataclass(slots=True)
class Viewer:
    user: User
    hub_ids: list[uuid.UUID] = field(default_factory=list)
    nil_ids: list[uuid.UUID] = field(default_factory=list)
    buildings: list[uuid.UUID] = field(default_factory=list)
    provider_ids: list[uuid.UUID] = field(default_factory=list)

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.admin

    @property
    def is_provider_side(self) -> bool:
        return self.user.role in (Role.provider_staff, Role.worker)


async def viewer_of(session: AsyncSession, user: User) -> Viewer:
    viewer = Viewer(user=user)
    if user.role == Role.hub_operator:
        viewer.hub_ids = await hub_service.operated_hub_ids(session, user)
        viewer.nil_ids = await account_service.operated_nil_ids(session, user)
    elif user.role == Role.citizen:
        viewer.buildings = await repo.approved_buildings(session, user.id)
    elif viewer.is_provider_side:
        viewer.provider_ids = await provider_access.staff_provider_ids(session, user.id)
    return viewer


def visibility(viewer: Viewer):  # noqa: ANN201 - a SQL boolean clause
    role = viewer.user.role
    if viewer.is_admin:
        return repo.visible_pools(everything=True)
    if role == Role.hub_operator:
        return repo.visible_pools(everything=False, hub_ids=viewer.hub_ids, nil_ids=viewer.nil_ids)
    if role == Role.citizen:
        return repo.visible_pools(everything=False, citizen_id=viewer.user.id, buildings=viewer.buildings)
    if viewer.is_provider_side:
        return repo.visible_pools(everything=False, provider_ids=viewer.provider_ids)
    return repo.visible_pools(everything=False)


def can_view(viewer: Viewer, pool: Pool, membership: PoolMember | None) -> bool:
    role = viewer.user.role
    if viewer.is_admin or membership is not None:
        return True
    if role == Role.hub_operator:
        return pool.hub_id in viewer.hub_ids or pool.nil_id in viewer.nil_ids
    if role == Role.citizen:
        return pool.scope != PoolScope.condominium or pool.condominium_id in viewer.buildings
    if viewer.is_provider_side:
        return pool.state != PoolState.closed or pool.provider_id in viewer.provider_ids
    return False


def can_coordinate(viewer: Viewer, pool: Pool, membership: PoolMember | None) -> bool:
    """Admins and the operators of the pool's hub; a citizen who formed it, while they are in it."""
    if viewer.is_admin or pool.hub_id in viewer.hub_ids:
        return True
    return pool.created_by_id == viewer.user.id and viewer.user.role == Role.citizen and membership is not None


def can_see_members(viewer: Viewer, pool: Pool) -> bool:
    """Who the households are: the city's staff only (admins, operators of the pool's hub), never
    another citizen, not even the one who formed it from a suggestion."""
    return viewer.is_admin or pool.hub_id in viewer.hub_ids


async def get_visible(
    session: AsyncSession, user: User, pool_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Pool, Viewer, PoolMember | None]:
    """The pool, the caller's view of it and their live membership; 404 when they may not see it."""
    pool = await repo.get_pool(session, pool_id, for_update=for_update)
    viewer = await viewer_of(session, user)
    membership = await repo.live_membership(session, pool_id, user.id) if pool is not None else None
    if pool is None or not can_view(viewer, pool, membership):
        raise PoolNotFound("No pool with this id.")
    return pool, viewer, membership
