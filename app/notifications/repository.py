import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Notification


def _kind_in(kinds: Collection[str] | None) -> list[ColumnElement[bool]]:
    return [] if kinds is None else [Notification.kind.in_(kinds)]


def for_user(user_id: uuid.UUID, *, unread: bool | None, kinds: Collection[str] | None = None) -> Select[Notification]:
    stmt = select(Notification).where(Notification.user_id == user_id, *_kind_in(kinds))
    if unread is not None:
        stmt = stmt.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    return stmt


async def get_own(session: AsyncSession, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification | None:
    stmt = select(Notification).where(Notification.id == notification_id, Notification.user_id == user_id)
    return await session.scalar(stmt)


async def unread_by_kind(session: AsyncSession, user_id: uuid.UUID) -> dict[str, int]:
    """The person's unread notifications counted per kind (ix_notification_unread: an index-only scan)."""
    rows = await session.execute(
        select(Notification.kind, func.count())
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .group_by(Notification.kind)
        .order_by(Notification.kind)
    )
    return {kind: count for kind, count in rows}


async def mark_all_read(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    at: datetime,
    until: datetime | None,
    kinds: Collection[str] | None,
) -> int:
    """Mark the person's unread notifications read (written until `until`, of `kinds`); how many."""
    conditions = [Notification.user_id == user_id, Notification.read_at.is_(None), *_kind_in(kinds)]
    if until is not None:
        conditions.append(Notification.created_at <= until)
    result = await session.execute(
        update(Notification).where(*conditions).values(read_at=at).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
