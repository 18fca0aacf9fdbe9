"""Audit entries, outbox events and people's notifications, written by services in the caller's
transaction.

Notifications are written here, beside the event they tell of, so that any domain may tell people
what happened without importing the notifications domain (the last context of the map, which only
lists them and marks them read).
"""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEntry, Notification, OutboxEvent
from app.notification_kinds import kind as notification_kind
from app.observability import request_id_var


def audit(
    session: AsyncSession,
    *,
    actor_id: uuid.UUID | None,
    actor_kind: str,
    action: str,
    target_type: str,
    target_id: uuid.UUID | None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor_id,
            actor_kind=actor_kind,
            action=action,
            target_type=target_type,
            target_id=target_id,
            request_id=request_id_var.get(),
            detail=detail or {},
        )
    )


def emit(
    session: AsyncSession,
    *,
    type: str,
    aggregate_type: str,
    aggregate_id: uuid.UUID,
    payload: dict[str, Any],
) -> None:
    session.add(OutboxEvent(type=type, aggregate_type=aggregate_type, aggregate_id=aggregate_id, payload=payload))


def record(
    session: AsyncSession,
    *,
    actor_id: uuid.UUID | None,
    action: str,
    target_type: str,
    target_id: uuid.UUID,
    payload: dict[str, Any],
    detail: dict[str, Any] | None = None,
) -> None:
    """One state change as both an audit entry and an outbox event: `action` is the event type, the
    target its aggregate. No actor means the system (the worker).

    The audit entry keeps `detail` when given, else the payload: what the audit needs and the
    event's subscribers must not see (a free-text reason) goes in `detail` only.
    """
    audit(
        session,
        actor_id=actor_id,
        actor_kind="user" if actor_id else "system",
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=payload if detail is None else detail,
    )
    emit(session, type=action, aggregate_type=target_type, aggregate_id=target_id, payload=payload)


def notify(
    session: AsyncSession,
    user_ids: Iterable[uuid.UUID],
    *,
    kind: str,
    subject_type: str,
    subject_id: uuid.UUID,
    data: dict[str, Any] | None = None,
) -> None:
    """Tell these people about `subject` in their notifications (each person once). `kind` must be
    listed in `app.notification_kinds`."""
    notification_kind(kind)
    now = datetime.now(UTC)
    session.add_all(
        Notification(
            user_id=user_id,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            data=data or {},
            created_at=now,
        )
        for user_id in sorted(set(user_ids))
    )
