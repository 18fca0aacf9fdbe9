import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from app.models.base import Base, UUIDPk, utcnow


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (`xid8`, PG 13+). Read it as text (`cast(..., Text)`)."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "xid8"


class AuditEntry(UUIDPk, Base):
    """Who did what to which record, and why. Append-only: a trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),)

    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[uuid.UUID | None]
    actor_kind: Mapped[str] = mapped_column(String(20))  # user | partner | system
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[uuid.UUID | None]
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class OutboxEvent(UUIDPk, Base):
    """A domain event written in the same transaction as the change that caused it.

    `position` is the order of emission; it is NOT commit order (a transaction that took position
    10 may commit after the one that took 11). `xact_id` is the writing transaction's id, set by
    the server: the events feed only shows events whose transaction is older than every transaction
    still running (`pg_snapshot_xmin`), ordered by (xact_id, position), so no event can ever appear
    before a cursor a reader already holds. `published_at` marks events fanned out to webhooks.
    """

    __tablename__ = "outbox_event"
    __table_args__ = (
        Index("ix_outbox_event_feed", "xact_id", "position"),
        Index("ix_outbox_event_unpublished", "position", postgresql_where=text("published_at IS NULL")),
    )

    position: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    type: Mapped[str] = mapped_column(String(80), index=True)
    aggregate_type: Mapped[str] = mapped_column(String(40))
    aggregate_id: Mapped[uuid.UUID]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    published_at: Mapped[datetime | None]
    xact_id: Mapped[int] = mapped_column(Xid8(), server_default=text("pg_current_xact_id()"), deferred=True)
