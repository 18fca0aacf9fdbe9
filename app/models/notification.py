import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPk, utcnow


class Notification(UUIDPk, Base):
    """Something a person should know (an invitation, a pool that activated or fell below its minimum),
    kept until read; clients poll `GET /v1/me/notifications`."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user", "user_id", "created_at"),
        # The mail worker's two queues (app.mail.outbox): notifications not yet routed, and those
        # waiting for their person's daily digest.
        Index("ix_notification_email_unrouted", "created_at", postgresql_where=text("email_route IS NULL")),
        Index(
            "ix_notification_email_digest",
            "created_at",
            postgresql_where=text("email_route = 'digest' AND email_id IS NULL"),
        ),
        Index("ix_notification_email_id", "email_id", postgresql_where=text("email_id IS NOT NULL")),
        # The badge's count per kind and "mark all read" touch only the unread: a small index of them.
        Index("ix_notification_unread", "user_id", "kind", postgresql_where=text("read_at IS NULL")),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID]
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # E-mail, decided by the mail worker after the fact (never in the writer's transaction, which
    # stays one INSERT): NULL = not yet looked at; `instant` or `digest`, or `skipped` (the person's
    # preference is off, or they cannot receive e-mail). `email_id` is the e-mail that carries it.
    email_route: Mapped[str | None] = mapped_column(String(10))
    email_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("email_delivery.id", ondelete="SET NULL"))


class ReminderSent(Base):
    """A reminder the worker has sent: at most one per (kind, subject, threshold, deadline), held by
    the primary key and claimed with INSERT ... ON CONFLICT DO NOTHING in the transaction that writes
    its notifications (app/reminders.py), so several workers sweeping at once never send it twice.
    A moved deadline (a request extended) is a new key: its reminders come again."""

    __tablename__ = "reminder_sent"
    __table_args__ = (Index("ix_reminder_sent_due_at", "due_at"),)  # pruning once the deadline has passed

    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    threshold: Mapped[str] = mapped_column(String(8), primary_key=True)  # "30d", "7d", "24h"
    due_at: Mapped[datetime] = mapped_column(primary_key=True)  # the deadline the reminder was for
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now())
