"""Mail queries: people's e-mail choices, and (below) the worker's outbox statements."""

import uuid
from collections.abc import Iterable, Mapping

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import EmailChoice, NotificationPreference, User


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
