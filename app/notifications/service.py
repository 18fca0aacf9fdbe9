"""People's notifications: written by other domains in their transaction, read and marked by the person."""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.models import Notification, User
from app.notifications import repository as repo
from app.pagination import PageParams, Paginated, SortKey, paginate


class NotificationNotFound(NotFound):
    code = "notification_not_found"


def notify(
    session: AsyncSession,
    user_ids: Iterable[uuid.UUID],
    *,
    kind: str,
    subject_type: str,
    subject_id: uuid.UUID,
    data: dict[str, Any] | None = None,
) -> None:
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


async def list_notifications(
    session: AsyncSession, user: User, page: PageParams, *, unread: bool | None
) -> Paginated[Notification]:
    return await paginate(
        session,
        repo.for_user(user.id, unread=unread),
        page,
        scope=f"notifications:{user.id}",
        order=[SortKey(Notification.created_at, descending=True), SortKey(Notification.id, descending=True)],
    )


async def mark_read(session: AsyncSession, user: User, notification_id: uuid.UUID) -> Notification:
    notification = await repo.get_own(session, user.id, notification_id)
    if notification is None:
        raise NotificationNotFound("No notification with this id.")
    if notification.read_at is None:
        notification.read_at = datetime.now(UTC)
        await session.flush()
    return notification
