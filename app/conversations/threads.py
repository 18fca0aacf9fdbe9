"""Threads: one per (request, provider) from the moment the provider is invited to the request or
answers it, and one per engagement.

A thread is created on first use (`open_thread`, a get-or-create keyed by those facts), not eagerly
by demand when it invites, takes an offer or accepts one: demand comes before conversations in the
map of contexts and may not import it. So the facts are checked here, when a participant opens the
thread, through demand's own services (app.demand.parties): the same rules, read at the time of use.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations import repository as repo
from app.conversations.access import (
    Participant,
    Seat,
    ThreadNotFound,
    audit_operator,
    participant,
    seat,
    side_for_request,
)
from app.conversations.schemas import ThreadOpen
from app.demand import parties
from app.errors import ValidationFailed
from app.models import DemandRequest, Side, Thread, ThreadKind, User
from app.pagination import PageParams, Paginated, SortKey, paginate


async def _target(session: AsyncSession, me: Participant, data: ThreadOpen) -> tuple[dict, DemandRequest, Side]:
    """The thread's identity and household, the request, and the caller's side (else 404)."""
    if data.engagement_id is not None:
        if data.request_id is not None or data.provider_id is not None:
            raise ValidationFailed("Name an engagement_id alone, or a request_id and a provider_id.", pointer="")
        engagement = await parties.engagement_by_id(session, data.engagement_id)
        request = await parties.request_by_id(session, engagement.request_id) if engagement else None
        side = await side_for_request(session, me, request, engagement.provider_id) if engagement and request else None
        if engagement is None or request is None or side is None:
            raise ThreadNotFound("No engagement with this id among yours.")
        kind, provider_id, engagement_id = ThreadKind.engagement, engagement.provider_id, engagement.id
    else:
        if data.request_id is None or data.provider_id is None:
            raise ValidationFailed("Name a request_id and a provider_id (or an engagement_id).", pointer="/request_id")
        request = await parties.request_by_id(session, data.request_id)
        side = await side_for_request(session, me, request, data.provider_id) if request else None
        if (
            request is None
            or side is None
            or not await parties.provider_took_part(session, request.id, data.provider_id)
        ):
            raise ThreadNotFound("No conversation about this request with this provider among yours.")
        kind, provider_id, engagement_id = ThreadKind.request, data.provider_id, None
    values = {
        "kind": kind,
        "request_id": request.id,
        "provider_id": provider_id,
        "engagement_id": engagement_id,
        "citizen_id": request.citizen_id,
    }
    return values, request, side


async def open_thread(session: AsyncSession, user: User, data: ThreadOpen) -> tuple[Participant, Thread, bool]:
    """The thread (created now if it was not yet) and whether it was created by this call."""
    me = await participant(session, user)
    target, request, side = await _target(session, me, data)
    now = datetime.now(UTC)
    created = await repo.insert_thread(
        session, {"id": uuid.uuid4(), **target, "created_at": now, "last_activity_at": now}
    )
    thread = await repo.find_thread(
        session, kind=target["kind"], request_id=target["request_id"], provider_id=target["provider_id"]
    )
    assert thread is not None  # inserted now, or by whoever won the race
    audit_operator(session, Seat(me=me, thread=thread, side=side, request=request), "thread.read_by_operator")
    return me, thread, created


async def get_thread(session: AsyncSession, user: User, thread_id: uuid.UUID) -> tuple[Participant, Thread]:
    held = await seat(session, user, thread_id)
    audit_operator(session, held, "thread.read_by_operator")
    return held.me, held.thread


async def list_threads(session: AsyncSession, user: User, page: PageParams) -> tuple[Participant, Paginated[Thread]]:
    """The caller's threads, the most recently active first."""
    me = await participant(session, user)
    found = await paginate(
        session,
        repo.threads_query(user.id, me.provider_ids, me.operated_nil_ids),
        page,
        scope="threads",
        order=[SortKey(Thread.last_activity_at, descending=True), SortKey(Thread.id, descending=True)],
    )
    return me, found


async def unread_summary(session: AsyncSession, user: User) -> tuple[int, int]:
    """(unread messages, threads with any) over every thread the caller takes part in."""
    me = await participant(session, user)
    rows = await repo.unread_counts(session, user.id, participating=(me.provider_ids, me.operated_nil_ids))
    counts: dict[uuid.UUID, int] = {}
    for thread_id, provider_id, side, count in rows:
        mine = Side.provider if provider_id in me.provider_ids else Side.citizen
        if side != mine:
            counts[thread_id] = counts.get(thread_id, 0) + count
    return sum(counts.values()), len(counts)


async def mark_read(
    session: AsyncSession, user: User, thread_id: uuid.UUID, message_id: uuid.UUID
) -> tuple[Participant, Thread]:
    """Everything up to `message_id` is read by the caller (a marker never moves back)."""
    held = await seat(session, user, thread_id)
    message = await repo.get_message(session, message_id)
    if message is None or message.thread_id != thread_id:
        raise ValidationFailed("message_id is not a message of this thread.", pointer="/message_id")
    await repo.advance_read_marker(session, thread_id, user.id, message.seq)
    audit_operator(session, held, "thread.read_by_operator", up_to=message_id)
    return held.me, held.thread
