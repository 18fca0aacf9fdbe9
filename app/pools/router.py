import uuid
from typing import Annotated

from fastapi import Depends, Query, status

from app.accounts.auth import Citizen, CurrentUser, require_roles
from app.condominiums.service import CondominiumNotFound
from app.db import SessionDep
from app.errors import Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, error_responses, merge_responses
from app.hubs.service import HubNotFound
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep
from app.models import PoolState, Role, User
from app.pagination import Page, PageParamsDep, Paginated
from app.pools import membership, offers, service, suggestions
from app.pools.access import PoolNotFound
from app.pools.schemas import (
    MAX_SUGGESTIONS,
    PoolCreate,
    PoolJoin,
    PoolMemberRead,
    PoolOfferCreate,
    PoolOfferRead,
    PoolRead,
    PoolUpdate,
    SuggestionList,
)
from app.pools.views import member_views, pool_offer_views, pool_views, suggestion_views
from app.providers.access import ProviderNotFound
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one

router = api_router(prefix="/pools", tags=["pools"])
pool_offers_router = api_router(prefix="/pool-offers", tags=["pools"])
CREATING = [IdempotencyKeyDep, CreationRateLimit]
SEEN = error_responses(NotAuthenticated, PoolNotFound)
PoolFormer = Annotated[
    User,
    Depends(
        require_roles(
            Role.citizen, Role.hub_operator, Role.admin, reason="Citizens, hub operators and admins form pools."
        )
    ),
]


@router.get(
    "/suggestions",
    response_model=SuggestionList,
    responses=error_responses(NotAuthenticated, Forbidden, HubNotFound),
)
async def list_pool_suggestions(
    session: SessionDep,
    user: CurrentUser,
    hub_id: Annotated[uuid.UUID | None, Query(description="Operators: one of your hubs (default: all)")] = None,
    category_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SUGGESTIONS, description="How many groups to return")] = 20,
) -> SuggestionList:
    """Groups of compatible open requests open to sharing: for an operator across their hubs' NILs,
    for a citizen around their own requests (others shown only by NIL)."""
    found = await suggestions.suggest(session, user, hub_id=hub_id, category_id=category_id, limit=limit)
    return await suggestion_views(session, found, viewer=user)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PoolRead,
    dependencies=[*CREATING, created_at("get_pool", pool_id="id")],
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        HubNotFound,
        CondominiumNotFound,
        suggestions.SuggestionStale,
        suggestions.SuggestionInvalid,
        RateLimited,
        IdempotencyInProgress,
    ),
)
async def create_pool(data: PoolCreate, session: SessionDep, user: PoolFormer) -> PoolRead:
    """Form a pool by hand, or from a suggestion (its requesters are invited). A citizen creator is its
    first member."""
    pool, viewer = await service.create_pool(session, user, data)
    return await one(pool_views(session, [pool], viewer=viewer))


@router.get("", response_model=Page[PoolRead], responses=error_responses(NotAuthenticated))
async def list_pools(
    session: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    category_id: uuid.UUID | None = None,
    nil_id: uuid.UUID | None = None,
    hub_id: uuid.UUID | None = None,
    condominium_id: uuid.UUID | None = None,
    state: PoolState | None = None,
    mine: Annotated[bool, Query(description="Only pools you are in or invited to")] = False,
) -> Paginated[PoolRead]:
    """Pools you may see, newest first."""
    found, viewer = await service.list_pools(
        session,
        user,
        page,
        category_id=category_id,
        nil_id=nil_id,
        hub_id=hub_id,
        condominium_id=condominium_id,
        state=state,
        mine=mine,
    )
    return found.with_items(await pool_views(session, found.items, viewer=viewer))


@router.get("/{pool_id:uuid}", response_model=PoolRead, responses=SEEN)
async def get_pool(pool_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> PoolRead:
    """One pool, with each household's exact share and saving once priced (members, coordinators)."""
    pool, viewer = await service.get_pool(session, user, pool_id)
    return await one(pool_views(session, [pool], viewer=viewer))


@router.patch(
    "/{pool_id:uuid}",
    response_model=PoolRead,
    responses=error_responses(NotAuthenticated, Forbidden, PoolNotFound, membership.PoolClosed, PreconditionFailed),
)
async def update_pool(
    pool_id: uuid.UUID, data: PoolUpdate, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> PoolRead:
    """Change a pool's title, description, member bounds or notice (coordinators); send If-Match."""
    pool, viewer = await membership.update_pool(session, user, pool_id, data, if_match)
    return await one(pool_views(session, [pool], viewer=viewer))


@router.get(
    "/{pool_id:uuid}/members",
    response_model=list[PoolMemberRead],
    responses=error_responses(NotAuthenticated, Forbidden, PoolNotFound),
)
async def list_pool_members(pool_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> list[PoolMemberRead]:
    """Who is in the pool, invited, or left (operators of its hub, admins)."""
    return await member_views(session, await service.list_members(session, user, pool_id))


JOINING = error_responses(
    NotAuthenticated, Forbidden, PoolNotFound, membership.PoolFull, membership.PoolNotJoinable, membership.AlreadyInPool
)


@router.post("/{pool_id:uuid}/join", response_model=PoolRead, responses=JOINING)
async def join_pool(pool_id: uuid.UUID, data: PoolJoin, session: SessionDep, user: Citizen) -> PoolRead:
    """Join a pool for your household (citizens); with your weekly minutes when it splits by hours."""
    pool, viewer = await membership.join_pool(session, user, pool_id, data)
    return await one(pool_views(session, [pool], viewer=viewer))


@router.post(
    "/{pool_id:uuid}/invitation/accept",
    response_model=PoolRead,
    responses=error_responses(NotAuthenticated, PoolNotFound, membership.NotInPool, membership.PoolNotJoinable),
)
async def accept_pool_invitation(
    pool_id: uuid.UUID, data: PoolJoin, session: SessionDep, user: CurrentUser
) -> PoolRead:
    """Accept an invitation to a pool formed from a suggestion."""
    pool, viewer = await membership.accept_invitation(session, user, pool_id, data)
    return await one(pool_views(session, [pool], viewer=viewer))


@router.post(
    "/{pool_id:uuid}/invitation/decline",
    response_model=PoolRead,
    responses=error_responses(NotAuthenticated, PoolNotFound, membership.NotInPool),
)
async def decline_pool_invitation(pool_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> PoolRead:
    """Decline an invitation to a pool (its seat is freed)."""
    pool, viewer = await membership.decline_invitation(session, user, pool_id)
    return await one(pool_views(session, [pool], viewer=viewer))


@router.post(
    "/{pool_id:uuid}/leave",
    response_model=PoolRead,
    responses=error_responses(NotAuthenticated, PoolNotFound, membership.NotInPool),
)
async def leave_pool(pool_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> PoolRead:
    """Leave: at once while forming, after `notice_days` once active (you pay your share till then)."""
    pool, viewer = await membership.leave_pool(session, user, pool_id)
    return await one(pool_views(session, [pool], viewer=viewer))


@router.post(
    "/{pool_id:uuid}/close",
    response_model=PoolRead,
    responses=error_responses(NotAuthenticated, Forbidden, PoolNotFound, membership.PoolClosed),
)
async def close_pool(pool_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> PoolRead:
    """Close the pool (coordinators): at once while forming, after `notice_days` once active."""
    pool, viewer = await membership.close_pool(session, user, pool_id)
    return await one(pool_views(session, [pool], viewer=viewer))


@router.post(
    "/{pool_id:uuid}/offers",
    status_code=status.HTTP_201_CREATED,
    response_model=PoolOfferRead,
    dependencies=CREATING,
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        PoolNotFound,
        ProviderNotFound,
        offers.PoolOfferExists,
        offers.PoolAlreadyServed,
        RateLimited,
        IdempotencyInProgress,
    ),
)
async def create_pool_offer(
    pool_id: uuid.UUID, data: PoolOfferCreate, session: SessionDep, user: CurrentUser
) -> PoolOfferRead:
    """Offer to serve a pool (an accredited provider's staff): a weekly price for the whole group."""
    return await one(pool_offer_views(session, user, [await offers.create_offer(session, user, pool_id, data)]))


@router.get("/{pool_id:uuid}/offers", response_model=Page[PoolOfferRead], responses=SEEN)
async def list_pool_offers(
    pool_id: uuid.UUID, session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Paginated[PoolOfferRead]:
    """Offers on a pool, newest first (providers see only their own)."""
    found = await offers.list_offers(session, user, pool_id, page)
    return found.with_items(await pool_offer_views(session, user, found.items))


DECIDING = error_responses(
    NotAuthenticated,
    Forbidden,
    PoolNotFound,
    offers.PoolOfferNotFound,
    offers.InvalidPoolOfferTransition,
    PreconditionFailed,
)


@pool_offers_router.post(
    "/{offer_id}/accept",
    response_model=PoolOfferRead,
    responses=merge_responses(DECIDING, error_responses(offers.PoolAlreadyServed)),
)
async def accept_pool_offer(
    offer_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> PoolOfferRead:
    """Accept an offer (coordinators): the pool is priced, other offers declined, and it activates
    once it has its minimum."""
    return await one(pool_offer_views(session, user, [await offers.accept_offer(session, user, offer_id, if_match)]))


@pool_offers_router.post("/{offer_id}/decline", response_model=PoolOfferRead, responses=DECIDING)
async def decline_pool_offer(
    offer_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> PoolOfferRead:
    """Decline an offer (coordinators)."""
    return await one(pool_offer_views(session, user, [await offers.decline_offer(session, user, offer_id, if_match)]))


@pool_offers_router.post("/{offer_id}/withdraw", response_model=PoolOfferRead, responses=DECIDING)
async def withdraw_pool_offer(
    offer_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> PoolOfferRead:
    """Withdraw your provider's pending offer."""
    return await one(pool_offer_views(session, user, [await offers.withdraw_offer(session, user, offer_id, if_match)]))
