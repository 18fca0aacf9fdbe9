import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPk, utcnow


class EmailChoice(enum.StrEnum):
    """How a person wants one kind of notification by e-mail (in-app is always on)."""

    instant = "instant"
    digest = "digest"
    off = "off"


class EmailStatus(enum.StrEnum):
    pending = "pending"  # waiting for its next attempt (or being attempted under a lease)
    sent = "sent"  # the SMTP server accepted it (or, with no SMTP host, it was written to the log)
    dead = "dead"  # gave up: retries exhausted, or the server refused it for good
    # nothing left to send when its turn came: the person turned that e-mail off meanwhile, or can no
    # longer receive e-mail (deactivated)
    cancelled = "cancelled"


class NotificationPreference(Base):
    """A person's own choice for one kind; kinds without a row take the default (app.mail.rules)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    email: Mapped[EmailChoice] = mapped_column(Enum(EmailChoice, name="email_choice"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EmailDelivery(UUIDPk, Base):
    """One e-mail to one person: a notification sent at once (`instant`) or the day's `digest` of
    several. The notifications it carries point at it (`notification.email_id`), so each is mailed
    by exactly one delivery. Leased like a webhook delivery: `locked_until` is the lease of the
    worker sending it, `attempt_count` the fencing token that keeps a late worker from settling it.
    """

    __tablename__ = "email_delivery"
    __table_args__ = (
        Index("ix_email_delivery_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_email_delivery_user_created", "user_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    mode: Mapped[EmailChoice] = mapped_column(Enum(EmailChoice, name="email_choice"))  # instant or digest
    status: Mapped[EmailStatus] = mapped_column(
        Enum(EmailStatus, name="email_delivery_status"), default=EmailStatus.pending
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    attempt_count: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    completed_at: Mapped[datetime | None]
