"""Hubs (Spazi WeMi): the places, the NILs they serve, their operators, and their zones' needs.

Other domains ask this module who operates which hub (`is_operator`, `require_operator`); a hub
operator acts only within the NILs of the hubs they work at (`app.accounts.service.operated_nil_ids`,
the reach of the role, which earlier contexts such as demand check too).
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.accounts import service as account_service
from app.concurrency import ensure_version
from app.errors import Conflict, Forbidden, NotAuthenticated, NotFound, ValidationFailed
from app.hubs import repository as repo
from app.hubs.schemas import (
    BANDS,
    HubCreate,
    HubFields,
    HubNeeds,
    HubUpdate,
    NeedCell,
    PublicHubNeeds,
)
from app.models import Hub, HubOperator, Role, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.schedules import DAYS, first_overlap
from app.zones import service as zone_service

PUBLIC_MIN_CELL = 3  # published counts below this could single out a household


class HubNotFound(NotFound):
    code = "hub_not_found"


class HubNameTaken(Conflict):
    code = "hub_name_taken"


class NotAHubOperator(ValidationFailed):
    code = "not_a_hub_operator"


class OperatorNotFound(NotFound):
    code = "hub_operator_not_found"


# --- who operates where --------------------------------------------------------------------------


async def is_operator(session: AsyncSession, user: User, hub_id: uuid.UUID) -> bool:
    return user.role == Role.hub_operator and await repo.is_operator(session, user.id, hub_id)


async def operated_hub_ids(session: AsyncSession, user: User) -> list[uuid.UUID]:
    return await repo.operated_hub_ids(session, user.id) if user.role == Role.hub_operator else []


async def hubs_serving(session: AsyncSession, nil_id: uuid.UUID) -> list[uuid.UUID]:
    """Active hubs serving a NIL, by name."""
    return await repo.hubs_serving(session, nil_id)


async def get_hub_row(session: AsyncSession, hub_id: uuid.UUID) -> Hub:
    hub = await repo.get_by_id(session, hub_id)
    if hub is None:
        raise HubNotFound("No hub with this id.")
    return hub


async def require_operator(session: AsyncSession, user: User, hub_id: uuid.UUID) -> Hub:
    """The hub, when the user is one of its operators or an admin; else 403 (hubs are public)."""
    hub = await get_hub_row(session, hub_id)
    if user.role != Role.admin and not await is_operator(session, user, hub_id):
        raise Forbidden("Only this hub's operators (or an admin) may do this.")
    return hub


# --- the hubs themselves ---------------------------------------------------------------------------


async def _apply(session: AsyncSession, hub: Hub, data: HubFields) -> list[uuid.UUID] | None:
    fields = data.model_fields_set
    if data.name is not None and data.name != hub.name:
        if await repo.name_taken(session, data.name, other_than=hub.id):
            raise HubNameTaken("Another hub already has this name.")
        hub.name = data.name
    if data.description is not None:
        hub.description = data.description
    if data.address is not None:
        hub.address_street, hub.address_postcode = data.address.street, data.address.postcode
    if data.point is not None:
        nil = await zone_service.nil_of_point(session, lat=data.point.lat, lon=data.point.lon)
        if nil is None:
            raise ValidationFailed("The point is not in Milan.", pointer="/point")
        hub.lat, hub.lon, hub.nil_id = data.point.lat, data.point.lon, nil
    if data.opening_hours is not None:
        overlap = first_overlap(data.opening_hours)
        if overlap is not None:
            raise ValidationFailed("This slot overlaps an earlier one.", pointer=f"/opening_hours/{overlap}")
        hub.opening_hours = [slot.model_dump() for slot in data.opening_hours]
    for name in ("phone", "email"):
        if name in fields:
            setattr(hub, name, getattr(data, name))
    if "website" in fields:
        hub.website = str(data.website) if data.website else None
    if data.zone_ids is not None:
        return await zone_service.expand_to_nils(session, data.zone_ids, pointer="/zone_ids")
    return None


async def create_hub(session: AsyncSession, admin: User, data: HubCreate) -> Hub:
    hub = Hub(id=uuid.uuid4(), description="", opening_hours=[], is_active=True)
    nils = await _apply(session, hub, data)
    session.add(hub)
    await session.flush()
    await repo.replace_zones(session, hub.id, nils or [])
    ledger.record(
        session,
        actor_id=admin.id,
        action="hub.created",
        target_type="hub",
        target_id=hub.id,
        payload={"name": hub.name},
        detail={},
    )
    return hub


async def update_hub(
    session: AsyncSession, admin: User, hub_id: uuid.UUID, data: HubUpdate, if_match: list[int] | None
) -> Hub:
    hub = await get_hub_row(session, hub_id)
    ensure_version(hub, if_match)
    nils = await _apply(session, hub, data)
    if data.is_active is not None:
        hub.is_active = data.is_active
    hub.updated_at = datetime.now(UTC)  # bumps the version even when only the zones change
    await session.flush()
    if nils is not None:
        await repo.replace_zones(session, hub.id, nils)
    ledger.record(
        session,
        actor_id=admin.id,
        action="hub.updated",
        target_type="hub",
        target_id=hub.id,
        payload={"name": hub.name},
        detail={"fields": sorted(data.model_fields_set)},
    )
    return hub


async def nils_served(session: AsyncSession, hub_id: uuid.UUID) -> list[uuid.UUID]:
    return (await repo.zone_ids_of(session, [hub_id]))[hub_id]


async def nil_sets(session: AsyncSession) -> list[list[uuid.UUID]]:
    """Every hub's NILs, and every operator's hubs' NILs together: where suggestions are asked for."""
    return await repo.nil_sets(session)


async def list_hubs(
    session: AsyncSession,
    page: PageParams,
    user: User | None,
    *,
    zone_id: uuid.UUID | None,
    operated_by_me: bool,
    active: bool | None,
) -> Paginated[Hub]:
    if operated_by_me and user is None:
        raise NotAuthenticated("Sign in to list the hubs you operate.")
    operated_by = user if operated_by_me else None
    nils = (
        await zone_service.expand_to_nils(session, [zone_id], pointer="zone_id", location="query") if zone_id else None
    )
    return await paginate(
        session,
        repo.hubs_query(nil_ids=nils, operator_id=operated_by.id if operated_by else None, active=active),
        page,
        scope="hubs",
        order=[SortKey(Hub.name), SortKey(Hub.id)],
    )


# --- operators -------------------------------------------------------------------------------------


async def list_operators(session: AsyncSession, user: User, hub_id: uuid.UUID) -> list[tuple[HubOperator, User]]:
    """The hub's operators, each with their account."""
    await require_operator(session, user, hub_id)
    return await repo.operators_of(session, hub_id)


async def add_operator(
    session: AsyncSession, admin: User, hub_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[HubOperator, User]:
    await get_hub_row(session, hub_id)
    person = await account_service.find_by_id(session, user_id)
    if person is None or person.role != Role.hub_operator or not person.is_active:
        raise NotAHubOperator("The user must be an active account with the hub_operator role.", pointer="/user_id")
    operator = await repo.get_operator(session, hub_id, user_id)
    if operator is None:
        operator = HubOperator(hub_id=hub_id, user_id=user_id, added_by_id=admin.id, added_at=datetime.now(UTC))
        session.add(operator)
        await session.flush()
        ledger.audit(
            session,
            actor_id=admin.id,
            actor_kind="user",
            action="hub.operator_added",
            target_type="hub",
            target_id=hub_id,
            detail={"user_id": str(user_id)},
        )
    return operator, person


async def remove_operator(session: AsyncSession, admin: User, hub_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await get_hub_row(session, hub_id)
    if not await repo.remove_operator(session, hub_id, user_id):
        raise OperatorNotFound("This user is not an operator of this hub.")
    ledger.audit(
        session,
        actor_id=admin.id,
        actor_kind="user",
        action="hub.operator_removed",
        target_type="hub",
        target_id=hub_id,
        detail={"user_id": str(user_id)},
    )


# --- needs -----------------------------------------------------------------------------------------


async def _cells(
    session: AsyncSession, hub_id: uuid.UUID, category_id: uuid.UUID | None, now: datetime
) -> tuple[list[uuid.UUID], list[NeedCell]]:
    nils = await nils_served(session, hub_id)
    rows = await repo.open_needs(session, nils, now=now, category_id=category_id)
    cells = [
        NeedCell(
            category_id=row["category_id"],
            nil_id=row["nil_id"],
            day=DAYS[row["day_index"]],
            band=row["band"],
            requests=row["requests"],
            open_to_sharing=row["open_to_sharing"],
        )
        for row in rows
    ]
    cells.sort(key=lambda c: (str(c.category_id), str(c.nil_id), DAYS.index(c.day), BANDS.index(c.band)))
    return nils, cells


async def hub_needs(session: AsyncSession, user: User, hub_id: uuid.UUID, *, category_id: uuid.UUID | None) -> HubNeeds:
    """Exact counts, for the hub's operators and admins (who may then act on single requests)."""
    await require_operator(session, user, hub_id)
    now = datetime.now(UTC)
    nils, cells = await _cells(session, hub_id, category_id, now)
    total, sharing = await repo.open_totals(session, nils, now=now, category_id=category_id)
    return HubNeeds(hub_id=hub_id, generated_at=now, open_requests=total, open_to_sharing=sharing, cells=cells)


async def public_hub_needs(
    session: AsyncSession, hub_id: uuid.UUID, *, category_id: uuid.UUID | None
) -> PublicHubNeeds:
    """The same cells for anyone, without those under PUBLIC_MIN_CELL requests and without totals
    (a total minus the published cells would give a suppressed cell back)."""
    await get_hub_row(session, hub_id)
    now = datetime.now(UTC)
    _, cells = await _cells(session, hub_id, category_id, now)
    shown = [cell for cell in cells if cell.requests >= PUBLIC_MIN_CELL]
    for cell in shown:  # a sharing count of 1 or 2 inside a large cell could single someone out too
        if cell.open_to_sharing < PUBLIC_MIN_CELL:
            cell.open_to_sharing = 0
    return PublicHubNeeds(
        hub_id=hub_id,
        generated_at=now,
        min_cell_count=PUBLIC_MIN_CELL,
        suppressed_cells=len(cells) - len(shown),
        cells=shown,
    )
