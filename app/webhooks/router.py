import uuid

from fastapi import status

from app.accounts.auth import WebhookManager
from app.db import SessionDep
from app.errors import Conflict, Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, error_responses
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep, IdempotencyKeyReused
from app.models import DeliveryStatus
from app.pagination import Page, PageParamsDep, Paginated
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one
from app.webhooks import service as webhook_service
from app.webhooks.schemas import (
    WebhookAttemptRead,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryRead,
    WebhookRead,
    WebhookSecret,
    WebhookUpdate,
)
from app.webhooks.service import (
    WebhookDeliveryNotFound,
    WebhookDisabled,
    WebhookLimitReached,
    WebhookNotFound,
    WebhookUrlNotAllowed,
)
from app.webhooks.views import (
    attempt_views,
    delivery_views,
    webhook_created_views,
    webhook_secret_views,
    webhook_views,
)

router = api_router(prefix="/webhooks", tags=["webhooks"])
GUARDED = (NotAuthenticated, Forbidden)
ONE = error_responses(*GUARDED, WebhookNotFound)
CHANGE = error_responses(*GUARDED, WebhookNotFound, PreconditionFailed)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    dependencies=[IdempotencyKeyDep, CreationRateLimit, created_at("get_webhook", webhook_id="id")],
    responses=error_responses(
        *GUARDED, WebhookUrlNotAllowed, WebhookLimitReached, RateLimited, IdempotencyInProgress, IdempotencyKeyReused
    ),
)
async def create_webhook(data: WebhookCreate, session: SessionDep, partner: WebhookManager) -> WebhookCreated:
    """Subscribe an https endpoint to event types; the signing secret is shown only in this response."""
    return await one(
        webhook_created_views(session, [await webhook_service.create_subscription(session, partner, data)])
    )


@router.get("", response_model=Page[WebhookRead], responses=error_responses(*GUARDED))
async def list_webhooks(session: SessionDep, partner: WebhookManager, page: PageParamsDep) -> Paginated[WebhookRead]:
    """The calling partner's webhook subscriptions, oldest first."""
    found = await webhook_service.list_subscriptions(session, partner, page)
    return found.with_items(await webhook_views(session, found.items))


@router.get("/{webhook_id}", response_model=WebhookRead, responses=ONE)
async def get_webhook(webhook_id: uuid.UUID, session: SessionDep, partner: WebhookManager) -> WebhookRead:
    """One of the calling partner's subscriptions."""
    return await one(webhook_views(session, [await webhook_service.get_subscription(session, partner, webhook_id)]))


@router.patch(
    "/{webhook_id}",
    response_model=WebhookRead,
    responses=error_responses(*GUARDED, WebhookNotFound, PreconditionFailed, WebhookUrlNotAllowed),
)
async def update_webhook(
    webhook_id: uuid.UUID, data: WebhookUpdate, session: SessionDep, partner: WebhookManager, if_match: IfMatch
) -> WebhookRead:
    """Change the URL, event types or description (only the fields sent)."""
    subscription = await webhook_service.update_subscription(session, partner, webhook_id, data, if_match=if_match)
    return await one(webhook_views(session, [subscription]))


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=CHANGE)
async def delete_webhook(
    webhook_id: uuid.UUID, session: SessionDep, partner: WebhookManager, if_match: IfMatch
) -> None:
    """Delete a subscription with its deliveries."""
    await webhook_service.delete_subscription(session, partner, webhook_id, if_match=if_match)


@router.post("/{webhook_id}/enable", response_model=WebhookRead, responses=CHANGE)
async def enable_webhook(
    webhook_id: uuid.UUID, session: SessionDep, partner: WebhookManager, if_match: IfMatch
) -> WebhookRead:
    """Re-enable a subscription (e.g. one disabled after repeated failures); its failure count restarts."""
    subscription = await webhook_service.set_enabled(session, partner, webhook_id, True, if_match=if_match)
    return await one(webhook_views(session, [subscription]))


@router.post("/{webhook_id}/disable", response_model=WebhookRead, responses=CHANGE)
async def disable_webhook(
    webhook_id: uuid.UUID, session: SessionDep, partner: WebhookManager, if_match: IfMatch
) -> WebhookRead:
    """Pause deliveries; pending ones wait (up to their 24-hour window) until it is enabled again."""
    subscription = await webhook_service.set_enabled(session, partner, webhook_id, False, if_match=if_match)
    return await one(webhook_views(session, [subscription]))


@router.post("/{webhook_id}/rotate-secret", response_model=WebhookSecret, responses=ONE)
async def rotate_webhook_secret(webhook_id: uuid.UUID, session: SessionDep, partner: WebhookManager) -> WebhookSecret:
    """Issue a new signing secret; the old one keeps signing alongside it for 24 hours."""
    return await one(webhook_secret_views(session, [await webhook_service.rotate_secret(session, partner, webhook_id)]))


@router.post(
    "/{webhook_id}/test",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryRead,
    responses=error_responses(*GUARDED, WebhookNotFound, WebhookDisabled),
)
async def test_webhook(webhook_id: uuid.UUID, session: SessionDep, partner: WebhookManager) -> WebhookDeliveryRead:
    """Queue a signed `webhook.ping` delivery to the endpoint."""
    return await one(delivery_views(session, [await webhook_service.send_test(session, partner, webhook_id)]))


@router.get("/{webhook_id}/deliveries", response_model=Page[WebhookDeliveryRead], responses=ONE)
async def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    session: SessionDep,
    partner: WebhookManager,
    page: PageParamsDep,
    status: DeliveryStatus | None = None,
) -> Paginated[WebhookDeliveryRead]:
    """Deliveries of one subscription, newest first."""
    found = await webhook_service.list_deliveries(session, partner, webhook_id, page, status=status)
    return found.with_items(await delivery_views(session, found.items))


DELIVERY = error_responses(*GUARDED, WebhookNotFound, WebhookDeliveryNotFound)


@router.get("/{webhook_id}/deliveries/{delivery_id}", response_model=WebhookDeliveryRead, responses=DELIVERY)
async def get_webhook_delivery(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep, partner: WebhookManager
) -> WebhookDeliveryRead:
    """One delivery."""
    delivery = await webhook_service.get_delivery(session, partner, webhook_id, delivery_id)
    return await one(delivery_views(session, [delivery]))


@router.get(
    "/{webhook_id}/deliveries/{delivery_id}/attempts", response_model=Page[WebhookAttemptRead], responses=DELIVERY
)
async def list_webhook_attempts(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep, partner: WebhookManager, page: PageParamsDep
) -> Paginated[WebhookAttemptRead]:
    """The HTTP attempts of one delivery, oldest first."""
    found = await webhook_service.list_attempts(session, partner, webhook_id, delivery_id, page)
    return found.with_items(await attempt_views(session, found.items))


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response_model=WebhookDeliveryRead,
    responses=error_responses(*GUARDED, WebhookNotFound, WebhookDeliveryNotFound, Conflict),
)
async def redeliver_webhook_delivery(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep, partner: WebhookManager
) -> WebhookDeliveryRead:
    """Send a dead or succeeded delivery again."""
    delivery = await webhook_service.redeliver(session, partner, webhook_id, delivery_id)
    return await one(delivery_views(session, [delivery]))
