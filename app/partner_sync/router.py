from typing import Annotated

from fastapi import Path, Request, Response, status

from app.accounts.auth import ListingWriter
from app.db import SessionDep
from app.errors import Forbidden, NotAuthenticated, error_responses
from app.partner_sync import service as sync
from app.partner_sync.schemas import MAX_BULK_ITEMS, BulkSyncResult, ServiceRead, ServiceSync
from app.partner_sync.service import BulkTooLarge, InvalidServiceTransition, ProviderNotAccredited, ServiceNotFound
from app.partner_sync.views import service_views
from app.routing import api_router, created_at
from app.shared_schemas import one
from app.zones.service import UnknownZones

router = api_router(prefix="/partner/services", tags=["partner sync"])
ExternalId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9._:\-]{1,100}$", max_length=100, description="The partner's own listing id")
]


@router.put(
    "/{external_id}",
    response_model=ServiceRead,
    status_code=status.HTTP_200_OK,
    dependencies=[created_at("get_service", service_id="id")],
    responses={
        201: {"model": ServiceRead, "description": "Created"},
        **error_responses(NotAuthenticated, Forbidden, ProviderNotAccredited, InvalidServiceTransition, UnknownZones),
    },
)
async def put_partner_service(
    external_id: ExternalId, data: ServiceSync, session: SessionDep, partner: ListingWriter, response: Response
) -> ServiceRead:
    """Create or replace a listing by external id; identical content is a no-op (`Sync-Result` header)."""
    service, outcome = await sync.put_service(session, partner, external_id, data)
    response.headers["Sync-Result"] = outcome
    if outcome == "created":
        response.status_code = status.HTTP_201_CREATED
    return await one(service_views(session, [service]))


@router.delete(
    "/{external_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(NotAuthenticated, Forbidden, ServiceNotFound),
)
async def delete_partner_service(external_id: ExternalId, session: SessionDep, partner: ListingWriter) -> None:
    """Archive a listing for good: it leaves search; its staff can still read it by id."""
    await sync.archive_service(session, partner, external_id)


@router.post(
    "/bulk",
    response_model=BulkSyncResult,
    responses=error_responses(NotAuthenticated, Forbidden, BulkTooLarge),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "maxItems": MAX_BULK_ITEMS,
                        "items": {"type": "object"},
                        "description": "Listings as in the PUT body (ServiceSync) plus `external_id`; each item is "
                        "validated on its own and answered in `items`",
                    }
                },
                "application/x-ndjson": {
                    "schema": {"type": "string", "description": "The same items, one JSON object a line"}
                },
            },
        }
    },
)
async def bulk_sync_partner_services(request: Request, session: SessionDep, partner: ListingWriter) -> BulkSyncResult:
    """Upsert up to 1,000 listings (JSON array or NDJSON); each item applies whole or not at all."""
    items = sync.parse_bulk(await request.body(), request.headers.get("content-type", "application/json"))
    return await sync.bulk_sync(session, partner, items)
