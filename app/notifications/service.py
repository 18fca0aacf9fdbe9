"""People's notifications: written with the events they tell of (app.ledger.notify), read and marked by
the person."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.models import Notification, User
from app.notifications import repository as repo
from app.pagination import PageParams, Paginated, SortKey, paginate


class NotificationNotFound(NotFound):
    code = "notification_not_found"


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
