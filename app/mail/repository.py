"""Mail queries: people's e-mail choices, and (below) the worker's outbox statements."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import EmailChoice, EmailDelivery, EmailStatus, Notification, NotificationPreference, User


async def choices_of(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, EmailChoice]]:
    """Each person's own choices (kind -> choice); people who chose nothing map to {}."""
    ids = list(set(user_ids))
    found: dict[uuid.UUID, dict[str, EmailChoice]] = {user_id: {} for user_id in ids}
    if not ids:
        return found
    rows = await session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.email).where(
            NotificationPreference.user_id.in_(ids)
        )
    )
    for user_id, kind, email in rows:
        found[user_id][kind] = email
    return found


async def save_choices(session: AsyncSession, user_id: uuid.UUID, choices: Mapping[str, EmailChoice]) -> None:
    if not choices:
        return
    stmt = insert(NotificationPreference).values(
        [{"user_id": user_id, "kind": kind, "email": email} for kind, email in choices.items()]
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id", "kind"],
            set_={"email": stmt.excluded.email, "updated_at": stmt.excluded.updated_at},
        )
    )


async def clear_choices(session: AsyncSession, user_id: uuid.UUID, kinds: Iterable[str] | None = None) -> None:
    """Back to the defaults: these kinds, or every kind (None)."""
    stmt = delete(NotificationPreference).where(NotificationPreference.user_id == user_id)
    if kinds is not None:
        names = list(kinds)
        if not names:
            return
        stmt = stmt.where(NotificationPreference.kind.in_(names))
    await session.execute(stmt)


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def users_by_id(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, User]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    return {user.id: user for user in await session.scalars(select(User).where(User.id.in_(ids)))}


# --- the worker's statements ---------------------------------------------------------------------


async def lease_unrouted(session: AsyncSession, *, limit: int) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """(id, person, kind) of notifications no worker has routed yet, oldest first, locked for this
    transaction (SKIP LOCKED: several workers share the work, none waits for another)."""
    stmt = (
        select(Notification.id, Notification.user_id, Notification.kind)
        .where(Notification.email_route.is_(None))
        .order_by(Notification.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(row.id, row.user_id, row.kind) for row in await session.execute(stmt)]


async def lease_digest_waiting(
    session: AsyncSession, *, before: datetime, limit: int
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(id, person) of notifications waiting for a digest, written before `before`, locked (SKIP
    LOCKED): person by person, so that a full batch splits at most one person's digest."""
    stmt = (
        select(Notification.id, Notification.user_id)
        .where(Notification.email_route == "digest", Notification.email_id.is_(None), Notification.created_at < before)
        .order_by(Notification.user_id, Notification.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(row.id, row.user_id) for row in await session.execute(stmt)]


async def add_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(EmailDelivery).values(list(rows)))


async def set_routes(session: AsyncSession, routes: Sequence[dict[str, Any]]) -> None:
    """[{"id": notification id, "email_route": ..., "email_id": ...}]: one UPDATE by primary key each."""
    if routes:
        await session.execute(update(Notification), list(routes))


async def claim_due(session: AsyncSession, *, now: datetime, lease_until: datetime, limit: int) -> list[EmailDelivery]:
    """Lease up to `limit` due e-mails (SKIP LOCKED), counting the attempt. An e-mail is due when its
    next attempt time has come and no live lease holds it: one whose worker died mid-send is claimed
    again once that lease has run out."""
    due = (
        select(EmailDelivery.id)
        .where(
            EmailDelivery.status == EmailStatus.pending,
            EmailDelivery.next_attempt_at <= now,
            or_(EmailDelivery.locked_until.is_(None), EmailDelivery.locked_until <= now),
        )
        .order_by(EmailDelivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(await session.scalars(due))
    if not ids:
        return []
    await session.execute(
        update(EmailDelivery)
        .where(EmailDelivery.id.in_(ids))
        .values(locked_until=lease_until, attempt_count=EmailDelivery.attempt_count + 1)
        .execution_options(synchronize_session=False)
    )
    rows = await session.scalars(
        select(EmailDelivery).where(EmailDelivery.id.in_(ids)).execution_options(populate_existing=True)
    )
    return list(rows)


async def notifications_of(session: AsyncSession, delivery_ids: Iterable[uuid.UUID]) -> list[Notification]:
    ids = list(delivery_ids)
    if not ids:
        return []
    stmt = select(Notification).where(Notification.email_id.in_(ids)).order_by(Notification.created_at, Notification.id)
    return list(await session.scalars(stmt))


async def settle(session: AsyncSession, *, delivery_id: uuid.UUID, attempt: int, values: dict[str, Any]) -> bool:
    """Record an e-mail's outcome if this worker's lease still holds it (fencing on the attempt)."""
    result = await session.execute(
        update(EmailDelivery)
        .where(
            EmailDelivery.id == delivery_id,
            EmailDelivery.attempt_count == attempt,
            EmailDelivery.status == EmailStatus.pending,
        )
        .values(locked_until=None, **values)
    )
    return bool(cast(CursorResult[Any], result).rowcount)


async def count_pending(session: AsyncSession) -> int:
    # Answered from the partial index ix_email_delivery_due (status = 'pending').
    stmt = select(func.count()).select_from(EmailDelivery).where(EmailDelivery.status == EmailStatus.pending)
    return await session.scalar(stmt) or 0
