"""Notifications as their person reads them."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Notification
from app.notifications.schemas import NotificationRead
from app.shared_schemas import from_row


async def notification_views(session: AsyncSession, notifications: Sequence[Notification]) -> list[NotificationRead]:
    return [from_row(NotificationRead, notification) for notification in notifications]
