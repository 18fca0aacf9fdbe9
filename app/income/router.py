import uuid
from typing import Annotated

from fastapi import Depends, Query, status

from app.accounts.auth import Citizen, CurrentUser, require_roles
from app.db import ReadSessionDep, SessionDep
from app.errors import Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, ValidationFailed, error_responses
from app.income import service as income_service
from app.income.schemas import (
    IseeDeclarationCreate,
    IseeDeclarationRead,
    IseeRejectionCreate,
    IseeVerificationCreate,
    MyIsee,
)
from app.income.views import declaration_views, my_isee_view
from app.models import IseeStatus, Role, User
from app.pagination import Page, PageParamsDep, Paginated
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one

me_router = api_router(prefix="/me/isee", tags=["income"])
router = api_router(prefix="/isee-declarations", tags=["income"])

# Hub operators (for the NILs their hubs serve) and municipal admins verify declarations.
IseeVerifier = Annotated[
    User,
    Depends(
        require_roles(
            Role.hub_operator, Role.admin, reason="Only hub operators and municipal admins verify ISEE declarations."
        )
    ),
]
NotFound = income_service.IseeDeclarationNotFound
DECISION = error_responses(
    NotAuthenticated, Forbidden, NotFound, PreconditionFailed, income_service.IseeDeclarationNotPending
)


@me_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=IseeDeclarationRead,
    dependencies=[CreationRateLimit, created_at("get_isee_declaration", declaration_id="id")],
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        ValidationFailed,
        income_service.IseeProtocolMismatch,
        income_service.IseeExpired,
        income_service.IseeNotANil,
        RateLimited,
    ),
)
async def declare_isee(data: IseeDeclarationCreate, session: SessionDep, user: Citizen) -> IseeDeclarationRead:
    """Declare your household's ISEE; it counts once city staff have seen the attestation. A new
    declaration replaces a pending one; the verified one stays in force until the new one is verified."""
    row = await income_service.declare(session, user, data)
    return await one(declaration_views(session, [row]))


@me_router.get("", response_model=MyIsee, responses=error_responses(NotAuthenticated))
async def get_my_isee(session: ReadSessionDep, user: CurrentUser) -> MyIsee:
    """Your household's ISEE: the one in force today (verified, not expired) and your latest declaration."""
    in_force, latest = await income_service.mine(session, user)
    return await my_isee_view(session, in_force, latest)


@router.get("", response_model=Page[IseeDeclarationRead], responses=error_responses(NotAuthenticated, Forbidden))
async def list_isee_declarations(
    session: SessionDep,
    user: IseeVerifier,
    page: PageParamsDep,
    status: Annotated[IseeStatus | None, Query(description="`pending`: the queue to verify")] = None,
) -> Paginated[IseeDeclarationRead]:
    """Declarations of the households in the NILs your hubs serve (admins: all), oldest first. Each
    declaration shown is an audited read."""
    found = await income_service.list_for_staff(session, user, page, status=status)
    return found.with_items(await declaration_views(session, found.items))


@router.get(
    "/{declaration_id}", response_model=IseeDeclarationRead, responses=error_responses(NotAuthenticated, NotFound)
)
async def get_isee_declaration(
    declaration_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> IseeDeclarationRead:
    """One declaration: for its household, the operators of its NIL's hubs and admins (staff reads
    are audited); anyone else gets 404."""
    row = await income_service.get_visible(session, user, declaration_id)
    return await one(declaration_views(session, [row]))


@router.post("/{declaration_id}/verification", response_model=IseeDeclarationRead, responses=DECISION)
async def verify_isee_declaration(
    declaration_id: uuid.UUID, data: IseeVerificationCreate, session: SessionDep, user: IseeVerifier, if_match: IfMatch
) -> IseeDeclarationRead:
    """Record that you saw the INPS attestation and it matches: the declaration is in force (the
    previous verified one is superseded) and the household is told."""
    row = await income_service.verify(session, user, declaration_id, data, if_match)
    return await one(declaration_views(session, [row]))


@router.post("/{declaration_id}/rejection", response_model=IseeDeclarationRead, responses=DECISION)
async def reject_isee_declaration(
    declaration_id: uuid.UUID, data: IseeRejectionCreate, session: SessionDep, user: IseeVerifier, if_match: IfMatch
) -> IseeDeclarationRead:
    """Reject a declaration with the reason the household is told; a verified one it had stays in force."""
    row = await income_service.reject(session, user, declaration_id, data, if_match)
    return await one(declaration_views(session, [row]))
