"""Notifications as their person reads them."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Notification
from app.notification_kinds import NOTIFICATION_KINDS
from app.notifications.schemas import NotificationRead
from app.shared_schemas import from_row


def _title(notification: Notification, language: str) -> str:
    # A kind retired from the catalogue keeps its old rows readable: its name stands for a title.
    known = NOTIFICATION_KINDS.get(notification.kind)
    return known.title(language) if known else notification.kind


async def notification_views(
    session: AsyncSession, notifications: Sequence[Notification], *, language: str
) -> list[NotificationRead]:
    """`language` is the reader's (Accept-Language, else their account's): the title is in it."""
    return [from_row(NotificationRead, row, title=_title(row, language)) for row in notifications]
