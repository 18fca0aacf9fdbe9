"""Webhooks' responses to the partner managing them, and the bodies the worker sends."""

import json
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.events import catalogue
from app.events.views import event_views
from app.models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.shared_schemas import from_row
from app.webhooks.schemas import WebhookAttemptRead, WebhookCreated, WebhookDeliveryRead, WebhookRead, WebhookSecret


async def webhook_views(session: AsyncSession, subscriptions: Sequence[WebhookSubscription]) -> list[WebhookRead]:
    return [from_row(WebhookRead, subscription) for subscription in subscriptions]


async def webhook_created_views(
    session: AsyncSession, subscriptions: Sequence[WebhookSubscription]
) -> list[WebhookCreated]:
    """A new subscription with its signing secret: the only response that shows it."""
    return [from_row(WebhookCreated, subscription) for subscription in subscriptions]


async def webhook_secret_views(
    session: AsyncSession, subscriptions: Sequence[WebhookSubscription]
) -> list[WebhookSecret]:
    """The secret just rotated in, and until when the previous one still signs."""
    return [from_row(WebhookSecret, subscription) for subscription in subscriptions]


async def delivery_views(session: AsyncSession, deliveries: Sequence[WebhookDelivery]) -> list[WebhookDeliveryRead]:
    return [from_row(WebhookDeliveryRead, delivery) for delivery in deliveries]


async def attempt_views(session: AsyncSession, attempts: Sequence[WebhookAttempt]) -> list[WebhookAttemptRead]:
    return [from_row(WebhookAttemptRead, attempt) for attempt in attempts]


async def body_views(
    session: AsyncSession, deliveries: Sequence[tuple[WebhookDelivery, OutboxEvent | None]]
) -> list[bytes]:
    """What each delivery sends: its event as the feed shows it, or (no event) a test ping."""
    events = {view.id: view for view in await event_views(session, [e for _, e in deliveries if e is not None])}
    return [
        events[event.id].model_dump_json().encode() if event is not None else _ping(delivery)
        for delivery, event in deliveries
    ]


def _ping(delivery: WebhookDelivery) -> bytes:
    ping = {
        "id": str(delivery.id),
        "type": catalogue.PING,
        "occurred_at": delivery.created_at.isoformat().replace("+00:00", "Z"),
        "aggregate_type": "webhook",
        "aggregate_id": str(delivery.subscription_id),
        "data": {"subscription_id": str(delivery.subscription_id)},
    }
    return json.dumps(ping, separators=(",", ":")).encode()
