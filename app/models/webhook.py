import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned, utcnow


class WebhookStatus(enum.StrEnum):
    active = "active"
    disabled = "disabled"


class DeliveryStatus(enum.StrEnum):
    pending = "pending"  # waiting for its next attempt (or being attempted under a lease)
    succeeded = "succeeded"
    dead = "dead"  # gave up: retries exhausted, or the receiver answered 410 Gone


class WebhookSubscription(UUIDPk, Timestamps, Versioned, Base):
    """A partner's endpoint and the event types (patterns such as `service.*`) it wants.

    The signing secret must be usable by the worker, so it is stored as issued (not hashed);
    after a rotation the previous secret keeps signing too until `previous_secret_expires_at`.
    """

    __tablename__ = "webhook_subscription"

    partner_client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partner_client.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(200))
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(80)))
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None]
    status: Mapped[WebhookStatus] = mapped_column(
        Enum(WebhookStatus, name="webhook_status"), default=WebhookStatus.active
    )
    consecutive_failures: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(200))


class WebhookDelivery(UUIDPk, Base):
    """One event for one subscription (or a test ping, without event); delivered at least once.

    `locked_until` is the lease of the worker attempting it: a worker that dies mid-send leaves a
    lease that simply runs out, and the delivery becomes due again. `attempt_count` doubles as a
    fencing token, so a worker whose lease expired cannot overwrite a newer attempt's outcome.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id", name="uq_webhook_delivery_subscription_event"),
        Index(
            "ix_webhook_delivery_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_webhook_delivery_subscription_created", "subscription_id", "created_at"),
    )

    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outbox_event.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(80))
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, name="webhook_delivery_status"), default=DeliveryStatus.pending
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    attempt_count: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    completed_at: Mapped[datetime | None]


class WebhookAttempt(UUIDPk, Base):
    """One HTTP attempt of a delivery: what the receiver answered, or why nothing was sent."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_delivery_attempted", "delivery_id", "attempted_at"),)

    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool]
    status_code: Mapped[int | None]
    duration_ms: Mapped[int]
    error: Mapped[str | None] = mapped_column(String(500))
    response_excerpt: Mapped[str | None] = mapped_column(String(1000))
