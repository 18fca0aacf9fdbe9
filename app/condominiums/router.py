import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.accounts.auth import CurrentUser, require_roles
from app.condominiums import service as condominium_service
from app.condominiums.schemas import (
    CondominiumCreate,
    CondominiumRead,
    CondominiumUpdate,
    JoinByCode,
    MembershipRead,
    ResidentRead,
)
from app.condominiums.views import condominium_views, membership_views, resident_views
from app.db import SessionDep
from app.errors import Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, error_responses
from app.hubs.service import HubNotFound
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep
from app.models import Role, User
from app.pagination import Page, PageParamsDep, Paginated
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one

router = api_router(prefix="/condominiums", tags=["condominiums"])
memberships_router = api_router(prefix="/condominium-memberships", tags=["condominiums"])
NotFound = condominium_service.CondominiumNotFound
MANAGED = error_responses(NotAuthenticated, Forbidden, NotFound)
# A citizen, for their household; other roles get this domain's own 403 code (citizens_only).
Household = Annotated[
    User,
    Depends(
        require_roles(
            Role.citizen,
            reason="Only citizens join a condominium, for their household.",
            error=condominium_service.NotACitizen,
        )
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CondominiumRead,
    dependencies=[IdempotencyKeyDep, CreationRateLimit, created_at("get_condominium", condominium_id="id")],
    responses=error_responses(NotAuthenticated, Forbidden, HubNotFound, RateLimited, IdempotencyInProgress),
)
async def create_condominium(data: CondominiumCreate, session: SessionDep, user: CurrentUser) -> CondominiumRead:
    """Enrol a building in condominium welfare (operators of its hub, admins); it gets a join code."""
    row = await condominium_service.create_condominium(session, user, data)
    return await one(condominium_views(session, [row], viewer=user))


@router.get("", response_model=Page[CondominiumRead], responses=error_responses(NotAuthenticated))
async def list_condominiums(
    session: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    hub_id: uuid.UUID | None = None,
    nil_id: uuid.UUID | None = None,
    mine: Annotated[bool, Query(description="Only buildings you are (or asked to be) a resident of")] = False,
) -> Paginated[CondominiumRead]:
    """Buildings taking part, by name; private details only for their residents and hub operators."""
    found = await condominium_service.list_condominiums(session, user, page, hub_id=hub_id, nil_id=nil_id, mine=mine)
    return found.with_items(await condominium_views(session, found.items, viewer=user))


@memberships_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MembershipRead,
    dependencies=[CreationRateLimit],  # also slows down guessing codes
    responses=error_responses(
        NotAuthenticated,
        condominium_service.NotACitizen,
        condominium_service.JoinCodeInvalid,
        condominium_service.AlreadyResident,
        RateLimited,
    ),
)
async def join_condominium(data: JoinByCode, session: SessionDep, user: Household) -> MembershipRead:
    """Join your building with the code on its notice board (citizens): approved at once."""
    return await one(membership_views(session, [await condominium_service.join_by_code(session, user, data.join_code)]))


@router.get("/{condominium_id}", response_model=CondominiumRead, responses=error_responses(NotAuthenticated, NotFound))
async def get_condominium(condominium_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> CondominiumRead:
    """One building; private details only for its residents and hub operators."""
    row = await condominium_service.get_row(session, condominium_id)
    return await one(condominium_views(session, [row], viewer=user))


@router.patch(
    "/{condominium_id}",
    response_model=CondominiumRead,
    responses=error_responses(NotAuthenticated, Forbidden, NotFound, PreconditionFailed),
)
async def update_condominium(
    condominium_id: uuid.UUID, data: CondominiumUpdate, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> CondominiumRead:
    """Change a building's details (operators of its hub, admins); send If-Match."""
    row = await condominium_service.update_condominium(session, user, condominium_id, data, if_match)
    return await one(condominium_views(session, [row], viewer=user))


@router.post("/{condominium_id}/join-code", response_model=CondominiumRead, responses=MANAGED)
async def rotate_condominium_join_code(
    condominium_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> CondominiumRead:
    """Issue a new join code (the old one stops working), e.g. after it leaked."""
    row = await condominium_service.rotate_join_code(session, user, condominium_id)
    return await one(condominium_views(session, [row], viewer=user))


@router.post(
    "/{condominium_id}/membership",
    status_code=status.HTTP_201_CREATED,
    response_model=MembershipRead,
    responses=error_responses(
        NotAuthenticated, NotFound, condominium_service.NotACitizen, condominium_service.AlreadyResident
    ),
)
async def request_condominium_membership(
    condominium_id: uuid.UUID, session: SessionDep, user: Household
) -> MembershipRead:
    """Ask to join a building without its code (citizens): an operator of its hub decides."""
    return await one(membership_views(session, [await condominium_service.ask_to_join(session, user, condominium_id)]))


@router.delete(
    "/{condominium_id}/membership",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(NotAuthenticated, condominium_service.MembershipNotFound),
)
async def leave_condominium(condominium_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> None:
    """Leave a building (or withdraw a request to join)."""
    await condominium_service.leave(session, user, condominium_id)


@router.get("/{condominium_id}/residents", response_model=list[ResidentRead], responses=MANAGED)
async def list_condominium_residents(
    condominium_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> list[ResidentRead]:
    """Residents and requests to join (operators of its hub, admins)."""
    return await resident_views(session, await condominium_service.list_residents(session, user, condominium_id))


DECIDING = error_responses(NotAuthenticated, Forbidden, NotFound, condominium_service.MembershipNotFound)


@router.post("/{condominium_id}/residents/{citizen_id}/approve", response_model=MembershipRead, responses=DECIDING)
async def approve_condominium_resident(
    condominium_id: uuid.UUID, citizen_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> MembershipRead:
    """Approve a household's request to join (operators of its hub, admins)."""
    member = await condominium_service.decide(session, user, condominium_id, citizen_id, approve=True)
    return await one(membership_views(session, [member]))


@router.post("/{condominium_id}/residents/{citizen_id}/reject", response_model=MembershipRead, responses=DECIDING)
async def reject_condominium_resident(
    condominium_id: uuid.UUID, citizen_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> MembershipRead:
    """Reject a household's request to join, or remove a resident (operators of its hub, admins)."""
    member = await condominium_service.decide(session, user, condominium_id, citizen_id, approve=False)
    return await one(membership_views(session, [member]))
