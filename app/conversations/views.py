"""Threads and messages as one participant sees them, built for a whole page at once: one query per
related table (threads, last messages, unread counts), whatever the page size."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations import repository as repo
from app.conversations.access import Participant
from app.conversations.schemas import MessageRead, MessageReportRead, ThreadRead
from app.models import Message, MessageReport, Side, Thread, ThreadKind
from app.shared_schemas import from_row

MASKING_NOTE = (
    "Contact details ({kinds}) are hidden until the household accepts an offer: then the engagement "
    "shows both sides' contacts, and its thread is not masked."
)


def _message(message: Message, thread: Thread, viewer: Participant) -> MessageRead:
    kinds = list(message.masked_kinds or [])
    return from_row(
        MessageRead,
        message,
        sent_by_me=message.sender_id == viewer.user.id,
        by_operator=message.side == Side.citizen and message.sender_id != thread.citizen_id,
        masked=bool(kinds),
        masked_kinds=kinds,
        masking_note=MASKING_NOTE.format(kinds=", ".join(kinds)) if kinds else None,
    )


async def message_views(
    session: AsyncSession, messages: Sequence[Message], *, viewer: Participant
) -> list[MessageRead]:
    threads = await repo.threads_by_id(session, {m.thread_id for m in messages})
    return [_message(m, threads[m.thread_id], viewer) for m in messages]


async def thread_views(session: AsyncSession, threads: Sequence[Thread], *, viewer: Participant) -> list[ThreadRead]:
    if not threads:
        return []
    ids = [t.id for t in threads]
    last = await repo.last_messages(session, ids)
    unread: dict[uuid.UUID, int] = {}
    by_id = {t.id: t for t in threads}
    for thread_id, _, side, count in await repo.unread_counts(session, viewer.user.id, thread_ids=ids):
        if side != viewer.side_in(by_id[thread_id]):
            unread[thread_id] = unread.get(thread_id, 0) + count
    return [
        from_row(
            ThreadRead,
            t,
            my_side=viewer.side_in(t),
            masks_contacts=t.kind == ThreadKind.request,
            unread_count=unread.get(t.id, 0),
            last_message=_message(last[t.id], t, viewer) if t.id in last else None,
        )
        for t in threads
    ]


async def report_views(session: AsyncSession, reports: Sequence[MessageReport]) -> list[MessageReportRead]:
    messages = await repo.messages_by_id(session, {r.message_id for r in reports})
    return [
        from_row(
            MessageReportRead,
            r,
            message_text=messages[r.message_id].text,
            message_side=messages[r.message_id].side,
            message_sender_id=messages[r.message_id].sender_id,
            message_created_at=messages[r.message_id].created_at,
        )
        for r in reports
    ]
