import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, text
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import locked
from app.demand import repository as demand_repo
from app.models import Message, MessageReport, ReadMarker, Side, Thread, ThreadKind


async def get_thread(session: AsyncSession, thread_id: uuid.UUID, *, for_update: bool = False) -> Thread | None:
    stmt = select(Thread).where(Thread.id == thread_id)
    return await session.scalar(locked(stmt) if for_update else stmt)


async def find_thread(
    session: AsyncSession, *, kind: ThreadKind, request_id: uuid.UUID, provider_id: uuid.UUID
) -> Thread | None:
    """The request's thread with a provider (kind request), or the engagement thread on the request."""
    stmt = select(Thread).where(Thread.kind == kind, Thread.request_id == request_id)
    if kind == ThreadKind.request:
        stmt = stmt.where(Thread.provider_id == provider_id)
    return await session.scalar(stmt)


async def insert_thread(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert unless the same thread was created meanwhile (the partial unique indexes); True if inserted."""
    index = ["engagement_id"] if values["kind"] == ThreadKind.engagement else ["request_id", "provider_id"]
    stmt = (
        insert(Thread)
        .values(**values)
        # the partial index's own predicate, as SQL text: a bound parameter would not match it
        .on_conflict_do_nothing(index_elements=index, index_where=text(f"kind = '{values['kind'].value}'"))
        .returning(Thread.id)
    )
    return await session.scalar(stmt) is not None


async def threads_by_id(session: AsyncSession, thread_ids: set[uuid.UUID]) -> dict[uuid.UUID, Thread]:
    if not thread_ids:
        return {}
    rows = await session.scalars(select(Thread).where(Thread.id.in_(thread_ids)))
    return {thread.id: thread for thread in rows}


def _participating(
    user_id: uuid.UUID, provider_ids: list[uuid.UUID], operated_nil_ids: list[uuid.UUID]
) -> ColumnElement[bool]:
    """The threads a person takes part in: as the household, as a provider's staff, or as a hub
    operator acting for the household (the set form of app.conversations.access.side_of)."""
    clauses: list[ColumnElement[bool]] = [Thread.citizen_id == user_id]
    if provider_ids:
        clauses.append(Thread.provider_id.in_(provider_ids))
    if operated_nil_ids:
        clauses.append(Thread.request_id.in_(demand_repo.request_ids_acted_for(user_id, operated_nil_ids)))
    return or_(*clauses) if clauses else false()


def threads_query(
    user_id: uuid.UUID, provider_ids: list[uuid.UUID], operated_nil_ids: list[uuid.UUID]
) -> Select[Thread]:
    return select(Thread).where(_participating(user_id, provider_ids, operated_nil_ids))


async def unread_counts(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    thread_ids: list[uuid.UUID] | None = None,
    participating: tuple[list[uuid.UUID], list[uuid.UUID]] | None = None,
) -> list[tuple[uuid.UUID, uuid.UUID, Side, int]]:
    """(thread id, its provider id, side, messages of that side after the person's read marker), per
    thread and side: for the given threads, or for every thread the person takes part in (given
    their provider ids and operated NILs). The caller keeps the other side's counts."""
    marker = (
        select(ReadMarker.thread_id, ReadMarker.last_read_seq).where(ReadMarker.user_id == user_id).subquery("marker")
    )
    stmt = (
        select(Message.thread_id, Thread.provider_id, Message.side, func.count())
        .join(Thread, Thread.id == Message.thread_id)
        .outerjoin(marker, marker.c.thread_id == Message.thread_id)
        .where(Message.seq > func.coalesce(marker.c.last_read_seq, 0))
        .group_by(Message.thread_id, Thread.provider_id, Message.side)
    )
    if thread_ids is not None:
        stmt = stmt.where(Message.thread_id.in_(thread_ids))
    if participating is not None:
        stmt = stmt.where(_participating(user_id, *participating))
    return [(t, p, s, int(n)) for t, p, s, n in await session.execute(stmt)]


async def last_messages(session: AsyncSession, thread_ids: list[uuid.UUID]) -> dict[uuid.UUID, Message]:
    if not thread_ids:
        return {}
    rows = await session.scalars(
        select(Message)
        .where(Message.thread_id.in_(thread_ids))
        .ext(distinct_on(Message.thread_id))
        .order_by(Message.thread_id, Message.seq.desc())
    )
    return {message.thread_id: message for message in rows}


def messages_query(thread_id: uuid.UUID) -> Select[Message]:
    return select(Message).where(Message.thread_id == thread_id)


async def get_message(session: AsyncSession, message_id: uuid.UUID) -> Message | None:
    return await session.scalar(select(Message).where(Message.id == message_id))


async def messages_by_id(session: AsyncSession, message_ids: set[uuid.UUID]) -> dict[uuid.UUID, Message]:
    if not message_ids:
        return {}
    rows = await session.scalars(select(Message).where(Message.id.in_(message_ids)))
    return {message.id: message for message in rows}


async def last_seq_of_side(session: AsyncSession, thread_id: uuid.UUID, side: Side) -> int | None:
    return await session.scalar(
        select(func.max(Message.seq)).where(Message.thread_id == thread_id, Message.side == side)
    )


async def read_markers(session: AsyncSession, thread_id: uuid.UUID, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(ReadMarker.user_id, ReadMarker.last_read_seq).where(
            ReadMarker.thread_id == thread_id, ReadMarker.user_id.in_(user_ids)
        )
    )
    return {user_id: int(seq) for user_id, seq in rows}


async def advance_read_marker(session: AsyncSession, thread_id: uuid.UUID, user_id: uuid.UUID, seq: int) -> None:
    """Move the person's marker up to `seq`; never back (an older message read later changes nothing)."""
    stmt = insert(ReadMarker).values(thread_id=thread_id, user_id=user_id, last_read_seq=seq, read_at=func.now())
    stmt = stmt.on_conflict_do_update(
        index_elements=[ReadMarker.thread_id, ReadMarker.user_id],
        set_={"last_read_seq": stmt.excluded.last_read_seq, "read_at": stmt.excluded.read_at},
        where=ReadMarker.last_read_seq < stmt.excluded.last_read_seq,
    )
    await session.execute(stmt)


def reports_query() -> Select[MessageReport]:
    return select(MessageReport)
