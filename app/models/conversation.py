import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, Identity, Index, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPk, utcnow


class ThreadKind(enum.StrEnum):
    request = "request"  # a provider invited to (or answering) a request, and the household: before acceptance
    engagement = "engagement"  # the two parties of an engagement: after acceptance


class Side(enum.StrEnum):
    citizen = "citizen"  # the household, or a hub operator acting for it
    provider = "provider"  # the provider's staff (an individual worker is its own staff)


class ReportReason(enum.StrEnum):
    harassment = "harassment"
    spam = "spam"
    scam = "scam"  # asking for money or data off the platform
    off_platform = "off_platform"  # pushing to take the arrangement off the platform
    inappropriate = "inappropriate"
    other = "other"


class Thread(UUIDPk, Base):
    """A private conversation between a household and a provider about one request (before
    acceptance) or one engagement (after it). Created on first use, checked against demand's facts."""

    __tablename__ = "conversation_thread"
    __table_args__ = (
        # One request thread per (request, provider); one thread per engagement.
        Index(
            "uq_conversation_thread_request_provider",
            "request_id",
            "provider_id",
            unique=True,
            postgresql_where="kind = 'request'",
        ),
        Index(
            "uq_conversation_thread_engagement", "engagement_id", unique=True, postgresql_where="kind = 'engagement'"
        ),
        # A request's threads (the engagement thread is found by its request; operators' reach is by request).
        Index("ix_conversation_thread_request", "request_id"),
        Index("ix_conversation_thread_citizen", "citizen_id", "last_activity_at"),
        Index("ix_conversation_thread_provider", "provider_id", "last_activity_at"),
        CheckConstraint("(kind = 'engagement') = (engagement_id IS NOT NULL)", name="engagement_iff_kind"),
    )

    kind: Mapped[ThreadKind] = mapped_column(Enum(ThreadKind, name="thread_kind"))
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("demand_request.id", ondelete="CASCADE"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"))
    engagement_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("engagement.id", ondelete="CASCADE"))
    # The household the request belongs to (a request never changes hands): the citizen side.
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last message's time (the creation time until one is sent): the order of "my threads".
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(UUIDPk, Base):
    """One message as stored: already masked when its thread masks contacts (the original is never
    kept, see app/conversations/messages.py)."""

    __tablename__ = "conversation_message"
    __table_args__ = (
        Index("ix_conversation_message_thread", "thread_id", "seq"),
        CheckConstraint("char_length(text) BETWEEN 1 AND 4000", name="text_length"),
    )

    # Commit order within a thread (posting locks the thread row): pages, read markers and unread
    # counts compare it, never timestamps.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    thread_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversation_thread.id", ondelete="CASCADE"))
    sender_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    side: Mapped[Side] = mapped_column(Enum(Side, name="conversation_side"))
    text: Mapped[str] = mapped_column(String(4000))
    masked_kinds: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReadMarker(Base):
    """How far one participant has read one thread: every message up to `last_read_seq`."""

    __tablename__ = "conversation_read_marker"

    thread_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversation_thread.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_seq: Mapped[int] = mapped_column(BigInteger)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageReport(UUIDPk, Base):
    """A participant's report of a message, kept for the city's admins (a safety report later)."""

    __tablename__ = "conversation_report"
    __table_args__ = (
        Index("uq_conversation_report_message_reporter", "message_id", "reporter_id", unique=True),
        Index("ix_conversation_report_created", "created_at"),
    )

    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversation_message.id", ondelete="CASCADE"))
    thread_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversation_thread.id", ondelete="CASCADE"))
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[ReportReason] = mapped_column(Enum(ReportReason, name="message_report_reason"))
    text: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
