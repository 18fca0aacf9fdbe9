"""People's notifications: written with the events they tell of (app.ledger.notify), read and marked by
the person."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.models import Notification, User
from app.notification_kinds import NOTIFICATION_KINDS, NotificationKind
from app.notifications import kinds as kind_filter
from app.notifications import repository as repo
from app.pagination import PageParams, Paginated, SortKey, paginate


class NotificationNotFound(NotFound):
    code = "notification_not_found"


async def list_notifications(
    session: AsyncSession, user: User, page: PageParams, *, unread: bool | None, kind: str | None = None
) -> Paginated[Notification]:
    """`kind`: comma-separated kinds or families (`offer.*`), checked against the catalogue."""
    kinds = kind_filter.resolve(kind_filter.split(kind), pointer="/kind", location="query")
    return await paginate(
        session,
        repo.for_user(user.id, unread=unread, kinds=kinds),
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


async def unread_count(session: AsyncSession, user: User) -> dict[str, int]:
    """The person's unread notifications per kind (kinds with none left out)."""
    return await repo.unread_by_kind(session, user.id)


async def mark_all_read(session: AsyncSession, user: User, *, until: datetime | None, kinds: list[str] | None) -> int:
    """Mark read what the person had unread, written until `until` (what the screen showed: what
    arrived since stays unread) and of `kinds` (names or families) when given; how many."""
    wanted = kind_filter.resolve(kinds, pointer="/kinds", location="body")
    return await repo.mark_all_read(session, user.id, at=datetime.now(UTC), until=until, kinds=wanted)


def catalogue() -> list[NotificationKind]:
    """Every kind, in the catalogue's order (by domain)."""
    return list(NOTIFICATION_KINDS.values())
