import uuid
from typing import Annotated

from fastapi import Query

from app.accounts.auth import CurrentUser
from app.db import SessionDep
from app.errors import NotAuthenticated, error_responses
from app.languages import AcceptLanguage
from app.notification_kinds import UnknownNotificationKind
from app.notifications import service as notification_service
from app.notifications.schemas import (
    NotificationKindList,
    NotificationRead,
    ReadAll,
    ReadAllResult,
    UnreadCount,
)
from app.notifications.views import kind_list, notification_views, unread_view
from app.pagination import Page, PageParamsDep, Paginated
from app.routing import api_router
from app.shared_schemas import one

router = api_router(prefix="", tags=["notifications"])

KindFilter = Annotated[
    str | None,
    Query(
        max_length=1000,
        description="Comma-separated kinds or families (`offer.*`), as in GET /v1/notification-kinds; default all",
        examples=["offer.received,engagement.*"],
    ),
]


@router.get(
    "/me/notifications",
    response_model=Page[NotificationRead],
    responses=error_responses(NotAuthenticated, UnknownNotificationKind),
)
async def list_notifications(
    session: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    language: AcceptLanguage,
    unread: bool | None = None,
    kind: KindFilter = None,
) -> Paginated[NotificationRead]:
    """Your notifications, newest first (`unread=true` for the badge's list, `kind` for a tab);
    titles in Accept-Language's language, else your account's."""
    found = await notification_service.list_notifications(session, user, page, unread=unread, kind=kind)
    views = await notification_views(session, found.items, language=language or user.preferred_language)
    return found.with_items(views)


@router.get("/me/notifications/unread-count", response_model=UnreadCount, responses=error_responses(NotAuthenticated))
async def count_unread_notifications(session: SessionDep, user: CurrentUser) -> UnreadCount:
    """How many of your notifications are unread, in all and per kind: what a badge shows."""
    return unread_view(await notification_service.unread_count(session, user))


@router.post(
    "/me/notifications/read-all",
    response_model=ReadAllResult,
    responses=error_responses(NotAuthenticated, UnknownNotificationKind),
)
async def mark_all_notifications_read(
    session: SessionDep, user: CurrentUser, data: ReadAll | None = None
) -> ReadAllResult:
    """Mark your unread notifications read: all, or those written `until` an instant (what the list
    showed), or of some `kinds`. Again is harmless (0 marked). Answers with what is left unread."""
    wanted = data or ReadAll()
    marked = await notification_service.mark_all_read(session, user, until=wanted.until, kinds=wanted.kinds)
    return ReadAllResult(marked=marked, unread=unread_view(await notification_service.unread_count(session, user)))


@router.post(
    "/me/notifications/{notification_id}/read",
    response_model=NotificationRead,
    responses=error_responses(NotAuthenticated, notification_service.NotificationNotFound),
)
async def mark_notification_read(
    notification_id: uuid.UUID, session: SessionDep, user: CurrentUser, language: AcceptLanguage
) -> NotificationRead:
    """Mark one of your notifications read (again is harmless)."""
    notification = await notification_service.mark_read(session, user, notification_id)
    return await one(notification_views(session, [notification], language=language or user.preferred_language))


@router.get("/notification-kinds", response_model=NotificationKindList, responses=error_responses(NotAuthenticated))
async def list_notification_kinds(user: CurrentUser, language: AcceptLanguage) -> NotificationKindList:
    """Every kind of notification: its subject, who receives it, its title (in Accept-Language's
    language, else your account's, and in both) and whether it is e-mailed to you by default (your
    role's default, before your preferences). What the
    inbox's `kind` filter and the notification preferences name."""
    catalogue = notification_service.catalogue()
    return kind_list(catalogue, language=language or user.preferred_language, role=user.role.value)
