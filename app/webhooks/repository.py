"""Webhook queries: subscriptions, fan-out of outbox events, claiming and settling deliveries."""

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, func, literal, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from app.events import repository as event_repo
from app.models import (
    DeliveryStatus,
    OutboxEvent,
    PartnerClient,
    WebhookAttempt,
    WebhookDelivery,
    WebhookStatus,
    WebhookSubscription,
)


async def get_subscription(session: AsyncSession, subscription_id: uuid.UUID) -> WebhookSubscription | None:
    return await session.get(WebhookSubscription, subscription_id)


def subscriptions_query(partner_id: uuid.UUID) -> Select[WebhookSubscription]:
    return select(WebhookSubscription).where(WebhookSubscription.partner_client_id == partner_id)


async def count_subscriptions(session: AsyncSession, partner_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(WebhookSubscription)
    return await session.scalar(stmt.where(WebhookSubscription.partner_client_id == partner_id)) or 0


async def get_delivery(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery | None:
    return await session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == subscription_id
        )
    )


def deliveries_query(subscription_id: uuid.UUID, status: DeliveryStatus | None) -> Select[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    return stmt if status is None else stmt.where(WebhookDelivery.status == status)


def attempts_query(delivery_id: uuid.UUID) -> Select[WebhookAttempt]:
    return select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)


# --- the worker's statements ---------------------------------------------------------------------


def _matches(event_type: Any, patterns: Any) -> Any:
    """SQL: the subscription's patterns (exact, `aggregate.*`, `*`) match the event type."""
    wildcard = func.split_part(event_type, ".", 1).concat(".*")
    return or_(event_type == func.any_(patterns), wildcard == func.any_(patterns), literal("*") == func.any_(patterns))


async def fan_out(session: AsyncSession, *, batch: int) -> int:
    """Turn not-yet-published outbox events into deliveries for every matching subscription.

    Events are claimed with SKIP LOCKED (several workers share the work) and marked published in
    the same transaction; the unique (subscription, event) key makes a repeat harmless. Only
    subscriptions that existed when the event occurred, of active partners, and the visibility
    rule of the events feed apply.
    """
    events = (
        select(OutboxEvent.id)
        .where(OutboxEvent.published_at.is_(None))
        .order_by(OutboxEvent.position)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    ids = list(await session.scalars(events))
    if not ids:
        return 0
    now = func.now()
    matching = (
        select(
            func.gen_random_uuid(),
            WebhookSubscription.id,
            OutboxEvent.id,
            OutboxEvent.type,
            literal_column("'pending'::webhook_delivery_status"),
            OutboxEvent.occurred_at,
            now,
            literal(0),
        )
        .join(PartnerClient, PartnerClient.id == WebhookSubscription.partner_client_id)
        .join(OutboxEvent, OutboxEvent.id.in_(ids))
        .where(
            WebhookSubscription.status == WebhookStatus.active,
            PartnerClient.is_active.is_(True),
            WebhookSubscription.created_at <= OutboxEvent.occurred_at,
            _matches(OutboxEvent.type, WebhookSubscription.event_types),
            event_repo.visible_to(PartnerClient.provider_id),
        )
    )
    columns = ["id", "subscription_id", "event_id", "event_type", "status", "created_at", "next_attempt_at"]
    stmt = (
        insert(WebhookDelivery)
        .from_select([*columns, "attempt_count"], matching)
        .on_conflict_do_nothing(index_elements=["subscription_id", "event_id"])
    )
    await session.execute(stmt)
    await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(published_at=now))
    return len(ids)


async def count_pending(session: AsyncSession) -> int:
    # Answered from the partial index ix_webhook_delivery_due (status = 'pending').
    stmt = select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.pending)
    return await session.scalar(stmt) or 0


async def oldest_unpublished_at(session: AsyncSession) -> datetime | None:
    # Answered from the partial index ix_outbox_event_unpublished (published_at IS NULL).
    return await session.scalar(select(func.min(OutboxEvent.occurred_at)).where(OutboxEvent.published_at.is_(None)))


async def expire_stale(session: AsyncSession, *, now: datetime, oldest: datetime) -> int:
    """Deliveries created before `oldest` and not being attempted: dead (e.g. while disabled)."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.status == DeliveryStatus.pending,
            WebhookDelivery.created_at < oldest,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
        )
        .values(status=DeliveryStatus.dead, completed_at=now, locked_until=None, last_error="expired")
    )
    return cast(CursorResult[Any], result).rowcount or 0


async def claim_due(
    session: AsyncSession, *, now: datetime, lease_until: datetime, limit: int
) -> list[tuple[WebhookDelivery, WebhookSubscription, OutboxEvent | None]]:
    """Lease up to `limit` due deliveries of active subscriptions (SKIP LOCKED), counting the attempt.

    A delivery is due when its next attempt time has come and no live lease holds it: a worker
    that died mid-send left a lease that has run out, so the delivery is simply claimed again.
    """
    due = (
        select(WebhookDelivery.id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.pending,
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until <= now),
            WebhookSubscription.status == WebhookStatus.active,
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
    )
    ids = list(await session.scalars(due))
    if not ids:
        return []
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .values(locked_until=lease_until, attempt_count=WebhookDelivery.attempt_count + 1)
        .execution_options(synchronize_session=False)
    )
    rows = await session.execute(
        select(WebhookDelivery, WebhookSubscription, OutboxEvent)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .outerjoin(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(ids))
        .execution_options(populate_existing=True)
    )
    return [(d, s, e) for d, s, e in rows.all()]


async def settle(
    session: AsyncSession,
    *,
    delivery_id: uuid.UUID,
    attempt: int,
    values: dict[str, Any],
) -> bool:
    """Record a delivery's outcome if this worker's lease still holds it (fencing on the attempt)."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.attempt_count == attempt,
            WebhookDelivery.status == DeliveryStatus.pending,
        )
        .values(locked_until=None, **values)
    )
    return bool(cast(CursorResult[Any], result).rowcount)


async def count_failure(session: AsyncSession, subscription_id: uuid.UUID, *, threshold: int, now: datetime) -> bool:
    """One more consecutive failure; disable the subscription at `threshold`. True if it was disabled."""
    failures = await session.scalar(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id)
        .values(consecutive_failures=WebhookSubscription.consecutive_failures + 1)
        .returning(WebhookSubscription.consecutive_failures)
    )
    if failures is None or failures < threshold:
        return False
    return await disable(session, subscription_id, now=now, reason=f"{failures} consecutive failed attempts")


async def disable(session: AsyncSession, subscription_id: uuid.UUID, *, now: datetime, reason: str) -> bool:
    result = await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.status == WebhookStatus.active)
        .values(
            status=WebhookStatus.disabled,
            disabled_at=now,
            disabled_reason=reason,
            version=WebhookSubscription.version + 1,
            updated_at=now,
        )
    )
    return bool(cast(CursorResult[Any], result).rowcount)


async def reset_failures(session: AsyncSession, subscription_id: uuid.UUID) -> None:
    await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.consecutive_failures != 0)
        .values(consecutive_failures=0)
    )


def add_attempt(session: AsyncSession, **values: Any) -> None:
    session.add(WebhookAttempt(**values))
