"""Reports of messages: a participant reports a message of the other side; the city's admins read the
reports (the trust issue turns them into safety reports). The report keeps a link to the message as
stored (masked where it was masked: the original is never kept, see messages.py)."""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.conversations import repository as repo
from app.conversations.access import ThreadNotFound, seat
from app.conversations.schemas import ReportCreate
from app.errors import Conflict, Forbidden, NotFound
from app.models import MessageReport, User
from app.pagination import PageParams, Paginated, SortKey, paginate


class MessageNotFound(NotFound):
    code = "message_not_found"


class MessageAlreadyReported(Conflict):
    code, title = "message_already_reported", "Message Already Reported"


async def report_message(session: AsyncSession, user: User, message_id: uuid.UUID, data: ReportCreate) -> MessageReport:
    message = await repo.get_message(session, message_id)
    if message is None:
        raise MessageNotFound("No message with this id.")
    try:
        held = await seat(session, user, message.thread_id)
    except ThreadNotFound as exc:  # another's thread: the message does not exist for the caller either
        raise MessageNotFound("No message with this id.") from exc
    if message.side == held.side:
        raise Forbidden("You can report messages from the other side of the conversation only.")
    report = MessageReport(
        id=uuid.uuid4(),
        message_id=message.id,
        thread_id=message.thread_id,
        reporter_id=user.id,
        reason=data.reason,
        text=data.text.strip(),
    )
    try:
        async with session.begin_nested():  # the unique index is the rule, under concurrency too
            session.add(report)
    except IntegrityError as exc:
        raise MessageAlreadyReported("You have already reported this message.") from exc
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="message.reported",
        target_type="message",
        target_id=message.id,
        detail={"report_id": str(report.id), "reason": data.reason.value},
    )
    await session.flush()
    return report


async def list_reports(session: AsyncSession, admin: User, page: PageParams) -> Paginated[MessageReport]:
    """Reports, newest first (admins). Reading reported messages is an audited access."""
    found = await paginate(
        session,
        repo.reports_query(),
        page,
        scope="message_reports",
        order=[SortKey(MessageReport.created_at, descending=True), SortKey(MessageReport.id, descending=True)],
    )
    if found.items:
        ledger.audit(
            session,
            actor_id=admin.id,
            actor_kind="user",
            action="message_report.read",
            target_type="message_report",
            target_id=None,
            detail={"report_ids": [str(report.id) for report in found.items]},
        )
    return found
