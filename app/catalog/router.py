import uuid

from fastapi import status

from app.accounts.auth import CurrentUser, OptionalUser
from app.catalog import service as catalog_service
from app.catalog.provider_search import ProviderSort, search_providers
from app.catalog.schemas import ServiceCreate, ServiceRead, ServiceUpdate
from app.catalog.search import ServiceSort, search_services
from app.catalog.search_params import SearchFiltersDep
from app.catalog.views import service_views
from app.db import ReadSessionDep, SessionDep
from app.errors import Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, error_responses, merge_responses
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep
from app.models import AccreditationState, ServiceStatus
from app.pagination import Page, PageParamsDep, Paginated
from app.providers.access import ProviderNotFound
from app.providers.schemas import ProviderRead
from app.providers.views import provider_views
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one
from app.zones.service import UnknownZones

router = api_router(prefix="/services", tags=["services"])
# Provider search is a catalogue query (providers offering matching services), served at the
# providers' path: app/main.py mounts it after the providers router, which keeps the contract's
# order of paths and methods.
providers_search_router = api_router(prefix="/providers", tags=["providers"])
MANAGE = error_responses(
    NotAuthenticated, catalog_service.ServiceNotFound, PreconditionFailed, catalog_service.InvalidServiceTransition
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ServiceRead,
    dependencies=[IdempotencyKeyDep, CreationRateLimit, created_at("get_service", service_id="id")],
    responses=error_responses(
        NotAuthenticated, Forbidden, ProviderNotFound, RateLimited, IdempotencyInProgress, UnknownZones
    ),
)
async def create_service(data: ServiceCreate, session: SessionDep, user: CurrentUser) -> ServiceRead:
    """Create a listing for a provider one works for (starts as a draft)."""
    service = await catalog_service.create_service(session, user, data)
    return await one(service_views(session, [service]))


@router.get("", response_model=Page[ServiceRead], responses=error_responses(NotAuthenticated, Forbidden, UnknownZones))
async def list_services(
    session: ReadSessionDep,
    user: OptionalUser,
    filters: SearchFiltersDep,
    page: PageParamsDep,
    sort: ServiceSort | None = None,
    provider_id: uuid.UUID | None = None,
    status: ServiceStatus | None = None,
) -> Paginated[ServiceRead]:
    """Search published services of accredited providers; every filter narrows (AND)."""
    found = await search_services(session, user, filters, page, sort=sort, provider_id=provider_id, status=status)
    services = [service for service, _ in found.items]
    views = await service_views(session, services, distances=[distance for _, distance in found.items], viewer=user)
    return found.with_items(views)


@router.get(
    "/{service_id}",
    response_model=ServiceRead,
    responses=error_responses(NotAuthenticated, catalog_service.ServiceNotFound),
)
async def get_service(service_id: uuid.UUID, session: SessionDep, user: OptionalUser) -> ServiceRead:
    """One service (unpublished ones only for its provider's staff)."""
    service = await catalog_service.get_service(session, user, service_id)
    return await one(service_views(session, [service], viewer=user))


@router.patch("/{service_id}", response_model=ServiceRead, responses=MANAGE)
async def update_service(
    service_id: uuid.UUID, data: ServiceUpdate, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> ServiceRead:
    """Edit a listing (the provider's staff)."""
    service = await catalog_service.update_service(session, user, service_id, data, if_match=if_match)
    return await one(service_views(session, [service]))


def _status_endpoint(action: str, summary: str, extra: tuple = ()) -> None:
    async def endpoint(service_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch) -> ServiceRead:
        service = await catalog_service.change_status(session, user, service_id, action, if_match=if_match)
        return await one(service_views(session, [service]))

    endpoint.__name__ = f"{action}_service"
    endpoint.__doc__ = summary
    router.post(
        f"/{{service_id}}/{action}",
        response_model=ServiceRead,
        responses=merge_responses(MANAGE, error_responses(*extra)),
    )(endpoint)


_status_endpoint(
    "publish", "Publish: searchable while the provider is accredited.", (catalog_service.ProviderNotAccredited,)
)
_status_endpoint("pause", "Pause a published service (hidden from search, keeps its data).")
_status_endpoint("archive", "Archive a service for good.")


@router.post("/{service_id}/confirm", response_model=ServiceRead, responses=MANAGE)
async def confirm_service(
    service_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> ServiceRead:
    """Confirm the listing is still accurate (updates last_verified_at)."""
    service = await catalog_service.confirm_service(session, user, service_id, if_match=if_match)
    return await one(service_views(session, [service]))


@providers_search_router.get(
    "", response_model=Page[ProviderRead], responses=error_responses(NotAuthenticated, UnknownZones)
)
async def list_providers(
    session: ReadSessionDep,
    user: OptionalUser,
    filters: SearchFiltersDep,
    page: PageParamsDep,
    sort: ProviderSort | None = None,
    mine: bool = False,
    accreditation_state: AccreditationState | None = None,
) -> Paginated[ProviderRead]:
    """Accredited providers matching every filter (staff: `mine=true` for their own, any state)."""
    found = await search_providers(
        session, user, filters, page, sort=sort, mine=mine, accreditation_state=accreditation_state
    )
    return found.with_items(await provider_views(session, found.items, viewer=user))
