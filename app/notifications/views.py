"""Notifications as their person reads them."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Notification
from app.notification_kinds import NOTIFICATION_KINDS, NotificationKind
from app.notifications.schemas import NotificationKindList, NotificationKindRead, NotificationRead, UnreadCount
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


def unread_view(by_kind: dict[str, int]) -> UnreadCount:
    return UnreadCount(total=sum(by_kind.values()), by_kind=by_kind)


def kind_list(kinds: Sequence[NotificationKind], *, language: str, role: str) -> NotificationKindList:
    """The catalogue as `role` reads it: titles in `language`, the e-mail default of that role."""
    return NotificationKindList(
        items=[
            NotificationKindRead(
                name=k.name,
                subject_type=k.subject_type,
                recipients=k.recipients,
                title=k.title(language),
                title_it=k.title_it,
                title_en=k.title_en,
                email_default=k.email_default(role).value,
            )
            for k in kinds
        ]
    )
