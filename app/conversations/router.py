import uuid

from fastapi import Response, status

from app.accounts.auth import Admin, CurrentUser
from app.conversations import messages, reports, threads
from app.conversations.access import ThreadNotFound
from app.conversations.schemas import (
    MessageCreate,
    MessageRead,
    MessageReportRead,
    ReadMark,
    ReportCreate,
    ThreadOpen,
    ThreadRead,
    UnreadSummary,
)
from app.conversations.views import message_views, report_views, thread_views
from app.db import ReadSessionDep, SessionDep
from app.errors import Forbidden, NotAuthenticated, RateLimited, error_responses
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep
from app.pagination import Page, PageParamsDep, Paginated
from app.ratelimit import CreationRateLimit, MessageRateLimit
from app.routing import api_router, created_at
from app.shared_schemas import one

threads_router = api_router(prefix="/threads", tags=["conversations"])
messages_router = api_router(prefix="/messages", tags=["conversations"])
reports_router = api_router(prefix="/message-reports", tags=["conversations"])

THREAD = error_responses(NotAuthenticated, ThreadNotFound)


@threads_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ThreadRead,
    dependencies=[IdempotencyKeyDep, CreationRateLimit, created_at("get_thread", thread_id="id")],
    responses={
        200: {"model": ThreadRead, "description": "The thread existed already"},
        **error_responses(NotAuthenticated, ThreadNotFound, RateLimited, IdempotencyInProgress),
    },
)
async def open_thread(data: ThreadOpen, response: Response, session: SessionDep, user: CurrentUser) -> ThreadRead:
    """Open the thread about a request with a provider invited to it or answering it, or about an
    engagement (its parties; hub operators acting for the household): 201 when created, 200 if it was."""
    me, thread, created = await threads.open_thread(session, user, data)
    if not created:
        response.status_code = status.HTTP_200_OK
    return await one(thread_views(session, [thread], viewer=me))


@threads_router.get("", response_model=Page[ThreadRead], responses=error_responses(NotAuthenticated))
async def list_threads(session: ReadSessionDep, user: CurrentUser, page: PageParamsDep) -> Paginated[ThreadRead]:
    """Your threads, the most recently active first, each with its last message and unread count."""
    me, found = await threads.list_threads(session, user, page)
    return found.with_items(await thread_views(session, found.items, viewer=me))


@threads_router.get("/unread", response_model=UnreadSummary, responses=error_responses(NotAuthenticated))
async def get_unread_summary(session: ReadSessionDep, user: CurrentUser) -> UnreadSummary:
    """How many messages from the other side you have not read, and in how many threads."""
    unread_messages, unread_threads = await threads.unread_summary(session, user)
    return UnreadSummary(unread_messages=unread_messages, unread_threads=unread_threads)


@threads_router.get("/{thread_id:uuid}", response_model=ThreadRead, responses=THREAD)
async def get_thread(thread_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> ThreadRead:
    """One of your threads."""
    me, thread = await threads.get_thread(session, user, thread_id)
    return await one(thread_views(session, [thread], viewer=me))


@threads_router.get("/{thread_id:uuid}/messages", response_model=Page[MessageRead], responses=THREAD)
async def list_messages(
    thread_id: uuid.UUID, session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Paginated[MessageRead]:
    """A thread's messages, newest first."""
    me, found = await messages.list_messages(session, user, thread_id, page)
    return found.with_items(await message_views(session, found.items, viewer=me))


@threads_router.post(
    "/{thread_id:uuid}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageRead,
    dependencies=[IdempotencyKeyDep, MessageRateLimit],
    responses=error_responses(
        NotAuthenticated, ThreadNotFound, messages.ThreadClosed, RateLimited, IdempotencyInProgress
    ),
)
async def post_message(
    thread_id: uuid.UUID, data: MessageCreate, session: SessionDep, user: CurrentUser
) -> MessageRead:
    """Write in a thread (up to 4,000 characters). Before acceptance contact details are masked, and
    the response says which kinds and why; the other side is notified."""
    me, message = await messages.post_message(session, user, thread_id, data.text)
    return await one(message_views(session, [message], viewer=me))


@threads_router.post(
    "/{thread_id:uuid}/read",
    response_model=ThreadRead,
    responses=error_responses(NotAuthenticated, ThreadNotFound),
)
async def mark_thread_read(thread_id: uuid.UUID, data: ReadMark, session: SessionDep, user: CurrentUser) -> ThreadRead:
    """Mark the thread read up to a message (a marker never moves back)."""
    me, thread = await threads.mark_read(session, user, thread_id, data.message_id)
    return await one(thread_views(session, [thread], viewer=me))


@messages_router.post(
    "/{message_id}/reports",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageReportRead,
    dependencies=[IdempotencyKeyDep, CreationRateLimit],
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        reports.MessageNotFound,
        reports.MessageAlreadyReported,
        RateLimited,
        IdempotencyInProgress,
    ),
)
async def report_message(
    message_id: uuid.UUID, data: ReportCreate, session: SessionDep, user: CurrentUser
) -> MessageReportRead:
    """Report a message of the other side to the city's admins, once."""
    report = await reports.report_message(session, user, message_id, data)
    return await one(report_views(session, [report]))


@reports_router.get("", response_model=Page[MessageReportRead], responses=error_responses(NotAuthenticated, Forbidden))
async def list_message_reports(session: SessionDep, admin: Admin, page: PageParamsDep) -> Paginated[MessageReportRead]:
    """Reported messages, newest first (admins; each read is audited)."""
    found = await reports.list_reports(session, admin, page)
    return found.with_items(await report_views(session, found.items))
