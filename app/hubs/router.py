import uuid
from typing import Annotated

from fastapi import Query, Response, status

from app.accounts.auth import Admin, CurrentUser, OptionalUser
from app.db import ReadSessionDep, SessionDep
from app.errors import Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, error_responses
from app.hubs import service as hub_service
from app.hubs.schemas import HubCreate, HubNeeds, HubOperatorRead, HubRead, HubUpdate, OperatorAdd, PublicHubNeeds
from app.hubs.views import hub_views, operator_views
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep
from app.pagination import Page, PageParamsDep, Paginated
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one
from app.zones.service import UnknownZones

router = api_router(prefix="/hubs", tags=["hubs"])
ADMIN_ON_HUB = error_responses(NotAuthenticated, Forbidden, hub_service.HubNotFound)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=HubRead,
    dependencies=[IdempotencyKeyDep, CreationRateLimit, created_at("get_hub", hub_id="id")],
    responses=error_responses(
        NotAuthenticated, Forbidden, hub_service.HubNameTaken, UnknownZones, RateLimited, IdempotencyInProgress
    ),
)
async def create_hub(data: HubCreate, session: SessionDep, admin: Admin) -> HubRead:
    """Open a hub (admins): where it is, the NILs it serves, hours and contacts."""
    return await one(hub_views(session, [await hub_service.create_hub(session, admin, data)]))


@router.get("", response_model=Page[HubRead], responses=error_responses(NotAuthenticated, UnknownZones))
async def list_hubs(
    session: SessionDep,
    user: OptionalUser,
    page: PageParamsDep,
    zone_id: Annotated[uuid.UUID | None, Query(description="Hubs serving this NIL (or any NIL of a Municipio)")] = None,
    operated_by_me: Annotated[bool, Query(description="Only the hubs the signed-in operator works at")] = False,
    active: bool | None = None,
) -> Paginated[HubRead]:
    """Hubs by name; public."""
    found = await hub_service.list_hubs(
        session, page, user, zone_id=zone_id, operated_by_me=operated_by_me, active=active
    )
    return found.with_items(await hub_views(session, found.items))


@router.get("/{hub_id}", response_model=HubRead, responses=error_responses(hub_service.HubNotFound))
async def get_hub(hub_id: uuid.UUID, session: SessionDep) -> HubRead:
    """One hub; public."""
    return await one(hub_views(session, [await hub_service.get_hub_row(session, hub_id)]))


@router.patch(
    "/{hub_id}",
    response_model=HubRead,
    responses=error_responses(
        NotAuthenticated, Forbidden, hub_service.HubNotFound, hub_service.HubNameTaken, UnknownZones, PreconditionFailed
    ),
)
async def update_hub(
    hub_id: uuid.UUID, data: HubUpdate, session: SessionDep, admin: Admin, if_match: IfMatch
) -> HubRead:
    """Change a hub (admins); send If-Match. `zone_ids` replaces the NILs served."""
    return await one(hub_views(session, [await hub_service.update_hub(session, admin, hub_id, data, if_match)]))


@router.get("/{hub_id}/operators", response_model=list[HubOperatorRead], responses=ADMIN_ON_HUB)
async def list_hub_operators(hub_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> list[HubOperatorRead]:
    """Who works at a hub (its operators and admins)."""
    return await operator_views(session, await hub_service.list_operators(session, user, hub_id))


@router.post(
    "/{hub_id}/operators",
    status_code=status.HTTP_201_CREATED,
    response_model=HubOperatorRead,
    responses=error_responses(NotAuthenticated, Forbidden, hub_service.HubNotFound, hub_service.NotAHubOperator),
)
async def add_hub_operator(hub_id: uuid.UUID, data: OperatorAdd, session: SessionDep, admin: Admin) -> HubOperatorRead:
    """Make a hub-operator account an operator of this hub (admins; adding twice is harmless)."""
    return await one(operator_views(session, [await hub_service.add_operator(session, admin, hub_id, data.user_id)]))


@router.delete(
    "/{hub_id}/operators/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(NotAuthenticated, Forbidden, hub_service.HubNotFound, hub_service.OperatorNotFound),
)
async def remove_hub_operator(hub_id: uuid.UUID, user_id: uuid.UUID, session: SessionDep, admin: Admin) -> None:
    """Remove an operator from a hub (admins)."""
    await hub_service.remove_operator(session, admin, hub_id, user_id)


@router.get("/{hub_id}/needs", response_model=HubNeeds, responses=ADMIN_ON_HUB)
async def get_hub_needs(
    hub_id: uuid.UUID, session: SessionDep, user: CurrentUser, category_id: uuid.UUID | None = None
) -> HubNeeds:
    """Open demand in the hub's NILs by category x NIL x weekday x time band, exact (its operators, admins)."""
    return await hub_service.hub_needs(session, user, hub_id, category_id=category_id)


@router.get("/{hub_id}/needs/public", response_model=PublicHubNeeds, responses=error_responses(hub_service.HubNotFound))
async def get_public_hub_needs(
    hub_id: uuid.UUID, session: ReadSessionDep, category_id: uuid.UUID | None = None
) -> PublicHubNeeds:
    """The same needs for anyone (open data): cells under 3 requests are left out."""
    return await hub_service.public_hub_needs(session, hub_id, category_id=category_id)
