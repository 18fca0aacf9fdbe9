"""Webhook subscriptions of partner clients: register, change, disable/enable, rotate, ping, inspect.

A partner only ever sees its own subscriptions (another partner's is a 404). URLs are checked
against SSRF rules at registration (422) and again by the worker before every send.
"""

import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.config import get_settings
from app.errors import Conflict, NotFound, ValidationFailed
from app.events import catalogue
from app.events import service as event_service
from app.models import (
    DeliveryStatus,
    PartnerClient,
    WebhookAttempt,
    WebhookDelivery,
    WebhookStatus,
    WebhookSubscription,
)
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.webhooks import repository as repo
from app.webhooks import signing, url_safety
from app.webhooks.schemas import WebhookCreate, WebhookUpdate

log = logging.getLogger("app.webhooks")
MAX_SUBSCRIPTIONS_PER_PARTNER = 20


class WebhookNotFound(NotFound):
    code = "webhook_not_found"


class WebhookDeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"


class WebhookUrlNotAllowed(ValidationFailed):
    code = "webhook_url_not_allowed"


class WebhookDisabled(Conflict):
    code = "webhook_disabled"


class WebhookLimitReached(Conflict):
    code = "webhook_limit_reached"


async def _checked_url(url: str) -> str:
    try:
        checked = await url_safety.check(url, get_settings().webhooks)
    except url_safety.UnsafeUrl as exc:
        raise WebhookUrlNotAllowed(str(exc), pointer="/url") from exc
    if checked.loopback:
        log.warning("webhook target on this machine accepted (development only)", extra={"host": checked.target.host})
    return url.strip()


def _audit(session: AsyncSession, partner: PartnerClient, action: str, subscription: WebhookSubscription) -> None:
    ledger.audit(
        session,
        actor_id=partner.id,
        actor_kind="partner",
        action=f"webhook.{action}",
        target_type="webhook_subscription",
        target_id=subscription.id,
    )


async def create_subscription(
    session: AsyncSession, partner: PartnerClient, data: WebhookCreate
) -> WebhookSubscription:
    patterns = event_service.validate_patterns(data.event_types, pointer="/event_types")
    url = await _checked_url(data.url)
    if await repo.count_subscriptions(session, partner.id) >= MAX_SUBSCRIPTIONS_PER_PARTNER:
        raise WebhookLimitReached(f"A partner may have at most {MAX_SUBSCRIPTIONS_PER_PARTNER} subscriptions.")
    subscription = WebhookSubscription(
        partner_client_id=partner.id,
        url=url,
        event_types=patterns,
        description=data.description,
        secret=signing.new_secret(),
        status=WebhookStatus.active,
        consecutive_failures=0,
    )
    session.add(subscription)
    await session.flush()
    _audit(session, partner, "created", subscription)
    return subscription


async def list_subscriptions(
    session: AsyncSession, partner: PartnerClient, page: PageParams
) -> Paginated[WebhookSubscription]:
    return await paginate(
        session,
        repo.subscriptions_query(partner.id),
        page,
        scope="webhooks",
        order=[SortKey(WebhookSubscription.created_at), SortKey(WebhookSubscription.id)],
    )


async def get_subscription(
    session: AsyncSession, partner: PartnerClient, subscription_id: uuid.UUID
) -> WebhookSubscription:
    subscription = await repo.get_subscription(session, subscription_id)
    if subscription is None or subscription.partner_client_id != partner.id:
        raise WebhookNotFound("No webhook subscription with this id.")
    return subscription


async def update_subscription(
    session: AsyncSession,
    partner: PartnerClient,
    subscription_id: uuid.UUID,
    data: WebhookUpdate,
    *,
    if_match: list[int] | None,
) -> WebhookSubscription:
    subscription = await get_subscription(session, partner, subscription_id)
    ensure_version(subscription, if_match)
    fields = data.model_fields_set
    if "event_types" in fields:
        if data.event_types is None:
            raise ValidationFailed("event_types may not be null.", pointer="/event_types")
        subscription.event_types = event_service.validate_patterns(data.event_types, pointer="/event_types")
    if "url" in fields:
        if data.url is None:
            raise ValidationFailed("url may not be null.", pointer="/url")
        subscription.url = await _checked_url(data.url)
    if "description" in fields:
        subscription.description = data.description
    _audit(session, partner, "updated", subscription)
    await session.flush()
    return subscription


async def delete_subscription(
    session: AsyncSession, partner: PartnerClient, subscription_id: uuid.UUID, *, if_match: list[int] | None
) -> None:
    subscription = await get_subscription(session, partner, subscription_id)
    ensure_version(subscription, if_match)
    _audit(session, partner, "deleted", subscription)
    await session.delete(subscription)
    await session.flush()


async def set_enabled(
    session: AsyncSession,
    partner: PartnerClient,
    subscription_id: uuid.UUID,
    enabled: bool,
    *,
    if_match: list[int] | None,
) -> WebhookSubscription:
    """Enable (failures forgiven; pending deliveries resume) or disable a subscription by hand."""
    subscription = await get_subscription(session, partner, subscription_id)
    ensure_version(subscription, if_match)
    if enabled and subscription.status is WebhookStatus.disabled:
        subscription.status = WebhookStatus.active
        subscription.consecutive_failures = 0
        subscription.disabled_at = subscription.disabled_reason = None
        _audit(session, partner, "enabled", subscription)
    elif not enabled and subscription.status is WebhookStatus.active:
        subscription.status = WebhookStatus.disabled
        subscription.disabled_at = datetime.now(UTC)
        subscription.disabled_reason = "disabled by the partner"
        _audit(session, partner, "disabled", subscription)
    await session.flush()
    return subscription


async def rotate_secret(
    session: AsyncSession, partner: PartnerClient, subscription_id: uuid.UUID
) -> WebhookSubscription:
    subscription = await get_subscription(session, partner, subscription_id)
    grace = timedelta(hours=get_settings().webhooks.secret_rotation_grace_hours)
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = datetime.now(UTC) + grace
    subscription.secret = signing.new_secret()
    _audit(session, partner, "secret_rotated", subscription)
    await session.flush()
    return subscription


async def send_test(session: AsyncSession, partner: PartnerClient, subscription_id: uuid.UUID) -> WebhookDelivery:
    """Queue a `webhook.ping` delivery; the worker sends it like any other (signed, retried)."""
    subscription = await get_subscription(session, partner, subscription_id)
    if subscription.status is not WebhookStatus.active:
        raise WebhookDisabled("The subscription is disabled; enable it first.", current_state=subscription.status.value)
    now = datetime.now(UTC)
    delivery = WebhookDelivery(
        subscription_id=subscription.id,
        event_id=None,
        event_type=catalogue.PING,
        status=DeliveryStatus.pending,
        created_at=now,
        next_attempt_at=now,
        attempt_count=0,
    )
    session.add(delivery)
    await session.flush()
    return delivery


async def list_deliveries(
    session: AsyncSession,
    partner: PartnerClient,
    subscription_id: uuid.UUID,
    page: PageParams,
    *,
    status: DeliveryStatus | None,
) -> Paginated[WebhookDelivery]:
    subscription = await get_subscription(session, partner, subscription_id)
    return await paginate(
        session,
        repo.deliveries_query(subscription.id, status),
        page,
        scope="webhook_deliveries",
        order=[SortKey(WebhookDelivery.created_at, descending=True), SortKey(WebhookDelivery.id)],
    )


async def get_delivery(
    session: AsyncSession, partner: PartnerClient, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    subscription = await get_subscription(session, partner, subscription_id)
    delivery = await repo.get_delivery(session, subscription.id, delivery_id)
    if delivery is None:
        raise WebhookDeliveryNotFound("No delivery with this id for this subscription.")
    return delivery


async def list_attempts(
    session: AsyncSession, partner: PartnerClient, subscription_id: uuid.UUID, delivery_id: uuid.UUID, page: PageParams
) -> Paginated[WebhookAttempt]:
    delivery = await get_delivery(session, partner, subscription_id, delivery_id)
    return await paginate(
        session,
        repo.attempts_query(delivery.id),
        page,
        scope="webhook_attempts",
        order=[SortKey(WebhookAttempt.attempted_at), SortKey(WebhookAttempt.id)],
    )


async def redeliver(
    session: AsyncSession, partner: PartnerClient, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Send a finished (dead or succeeded) delivery again, with a fresh 24-hour retry window."""
    delivery = await get_delivery(session, partner, subscription_id, delivery_id)
    if delivery.status is DeliveryStatus.pending:
        raise Conflict("The delivery is still pending.", current_state=delivery.status.value)
    now = datetime.now(UTC)
    delivery.status = DeliveryStatus.pending
    delivery.created_at = delivery.next_attempt_at = now
    delivery.completed_at = delivery.locked_until = None
    await session.flush()
    return delivery
