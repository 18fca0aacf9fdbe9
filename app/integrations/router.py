import uuid

from fastapi import status

from app.accounts.auth import Admin
from app.db import SessionDep
from app.errors import Forbidden, NotAuthenticated, RateLimited, error_responses
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep, IdempotencyKeyReused
from app.integrations import service as partner_service
from app.integrations.schemas import PartnerClientCreate, PartnerClientCreated, PartnerClientRead
from app.integrations.views import partner_client_created_views, partner_client_views
from app.pagination import Page, PageParamsDep, Paginated
from app.ratelimit import CreationRateLimit
from app.routing import api_router, created_at
from app.shared_schemas import one

router = api_router(prefix="/partner-clients", tags=["partner clients"])
ADMIN_ONLY = error_responses(NotAuthenticated, Forbidden)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerClientCreated,
    dependencies=[IdempotencyKeyDep, CreationRateLimit, created_at("get_partner_client", partner_client_id="id")],
    responses=error_responses(NotAuthenticated, Forbidden, RateLimited, IdempotencyInProgress, IdempotencyKeyReused),
)
async def create_partner_client(data: PartnerClientCreate, session: SessionDep, admin: Admin) -> PartnerClientCreated:
    """Register a partner system (admins); the client secret is shown only in this response."""
    created = await partner_service.create_client(session, admin, data)
    return await one(partner_client_created_views(session, [created]))


@router.get("", response_model=Page[PartnerClientRead], responses=ADMIN_ONLY)
async def list_partner_clients(
    session: SessionDep, admin: Admin, page: PageParamsDep, active: bool | None = None
) -> Paginated[PartnerClientRead]:
    """Partner clients, newest first (admins)."""
    found = await partner_service.list_clients(session, page, active=active)
    return found.with_items(await partner_client_views(session, found.items))


@router.get(
    "/{partner_client_id}",
    response_model=PartnerClientRead,
    responses=error_responses(NotAuthenticated, Forbidden, partner_service.PartnerClientNotFound),
)
async def get_partner_client(partner_client_id: uuid.UUID, session: SessionDep, admin: Admin) -> PartnerClientRead:
    """One partner client (admins)."""
    client = await partner_service.get_client(session, partner_client_id)
    return await one(partner_client_views(session, [client]))


@router.post(
    "/{partner_client_id}/revoke",
    response_model=PartnerClientRead,
    responses=error_responses(NotAuthenticated, Forbidden, partner_service.PartnerClientNotFound),
)
async def revoke_partner_client(partner_client_id: uuid.UUID, session: SessionDep, admin: Admin) -> PartnerClientRead:
    """Revoke a partner client: its tokens stop working at once."""
    client = await partner_service.revoke_client(session, admin, partner_client_id)
    return await one(partner_client_views(session, [client]))
