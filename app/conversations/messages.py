"""Messages: posting (masked before acceptance), reading a thread's messages, notifying the other side.

Masking. In a request thread (no engagement between the two yet) contact details are masked for both
sides before the message is stored, and the sender's response says which kinds were masked and why;
in an engagement thread (after the household accepted) nothing is masked. The original text of a
masked message is not stored: masking exists so that nobody takes the arrangement off the platform
before it is safe, and an original kept "only for later" would be a copy of exactly the data the
rule keeps back, exposed to every export, admin read and breach, and never needed (once accepted,
the engagement shows both sides' contacts, and the engagement thread is unmasked). What the platform
keeps is that a message was masked and which kinds, which is what a safety report needs.

Notifications. A new message tells the other side (`message.received`), but only the people for whom
the thread was read up to then: someone who already has an unread message there is not told again,
so a burst of twenty messages is one notification per person, not twenty; reading the thread
(moving the read marker) re-arms it.

When a thread takes messages: a request thread while the request is open (once it is accepted,
cancelled or expired, the conversation moves to the engagement thread or ends); an engagement thread
while the engagement is active. Both stay readable.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger, masking
from app.conversations import repository as repo
from app.conversations.access import Participant, Seat, audit_operator, seat
from app.demand import parties
from app.errors import Conflict
from app.models import EngagementStatus, Message, RequestStatus, Side, Thread, ThreadKind, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import access as provider_access


class ThreadClosed(Conflict):
    code, title = "thread_closed", "Thread Closed"


async def _check_open(session: AsyncSession, held: Seat) -> None:
    thread = held.thread
    if thread.kind == ThreadKind.request:
        status = held.request.current_status
        if status != RequestStatus.open:
            raise ThreadClosed(
                f"The request is {status.value}: this thread is read-only"
                + (" (write in the engagement's thread)." if status == RequestStatus.accepted else "."),
                current_state=status.value,
            )
        return
    assert thread.engagement_id is not None
    engagement = await parties.engagement_by_id(session, thread.engagement_id)
    if engagement is None or engagement.status != EngagementStatus.active:
        state = engagement.status.value if engagement else "cancelled"
        raise ThreadClosed(f"The engagement is {state}: this thread is read-only.", current_state=state)


async def post_message(
    session: AsyncSession, user: User, thread_id: uuid.UUID, text: str
) -> tuple[Participant, Message]:
    held = await seat(session, user, thread_id, for_update=True)  # one poster at a time: seq is commit order
    await _check_open(session, held)
    kinds: list[str] = []
    if held.thread.kind == ThreadKind.request:
        result = masking.mask_contacts(text)
        text, kinds = result.text, sorted({str(kind) for kind in result.kinds})
    recipients = await _to_notify(session, held)
    now = datetime.now(UTC)
    message = Message(
        id=uuid.uuid4(),
        thread_id=held.thread.id,
        sender_id=user.id,
        side=held.side,
        text=text,
        masked_kinds=kinds,
        created_at=now,
    )
    session.add(message)
    held.thread.last_activity_at = now
    await session.flush()
    # The sender has read their own thread up to what they wrote.
    await repo.advance_read_marker(session, held.thread.id, user.id, message.seq)
    ledger.notify(
        session,
        recipients,
        kind="message.received",
        subject_type="thread",
        subject_id=held.thread.id,
        data=_notification_data(held.thread, message),
    )
    audit_operator(session, held, "message.posted_by_operator", message_id=message.id)
    return held.me, message


async def _to_notify(session: AsyncSession, held: Seat) -> list[uuid.UUID]:
    """The other side's people for whom the thread has no unread message yet (before this one)."""
    thread, request = held.thread, held.request
    if held.side == Side.provider:
        others = {thread.citizen_id}
        if request.created_by_id is not None and request.created_by_id != request.citizen_id:
            others.add(request.created_by_id)  # the operator who made the request for an offline household
    else:
        staff = await provider_access.staff_user_ids(session, [thread.provider_id])
        others = set(staff[thread.provider_id])
    others.discard(held.me.user.id)
    last = await repo.last_seq_of_side(session, thread.id, held.side)
    if last is None:
        return sorted(others)
    markers = await repo.read_markers(session, thread.id, sorted(others))
    return sorted(person for person in others if markers.get(person, 0) >= last)


def _notification_data(thread: Thread, message: Message) -> dict[str, str]:
    data = {"thread_id": str(thread.id), "request_id": str(thread.request_id), "message_id": str(message.id)}
    if thread.engagement_id is not None:
        data["engagement_id"] = str(thread.engagement_id)
    return data


async def list_messages(
    session: AsyncSession, user: User, thread_id: uuid.UUID, page: PageParams
) -> tuple[Participant, Paginated[Message]]:
    """A thread's messages, newest first (a chat loads the latest and pages back)."""
    held = await seat(session, user, thread_id)
    audit_operator(session, held, "thread.read_by_operator")
    found = await paginate(
        session,
        repo.messages_query(held.thread.id),
        page,
        scope=f"messages:{held.thread.id}",
        order=[SortKey(Message.seq, descending=True)],
    )
    return held.me, found
