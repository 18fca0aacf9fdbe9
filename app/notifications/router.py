import uuid

from app.accounts.auth import CurrentUser
from app.db import SessionDep
from app.errors import NotAuthenticated, error_responses
from app.languages import AcceptLanguage
from app.notifications import service as notification_service
from app.notifications.schemas import NotificationRead
from app.notifications.views import notification_views
from app.pagination import Page, PageParamsDep, Paginated
from app.routing import api_router
from app.shared_schemas import one

router = api_router(prefix="/me/notifications", tags=["notifications"])


@router.get("", response_model=Page[NotificationRead], responses=error_responses(NotAuthenticated))
async def list_notifications(
    session: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    language: AcceptLanguage,
    unread: bool | None = None,
) -> Paginated[NotificationRead]:
    """Your notifications, newest first (`unread=true` for the badge count's list); titles in
    Accept-Language's language, else your account's."""
    found = await notification_service.list_notifications(session, user, page, unread=unread)
    views = await notification_views(session, found.items, language=language or user.preferred_language)
    return found.with_items(views)


@router.post(
    "/{notification_id}/read",
    response_model=NotificationRead,
    responses=error_responses(NotAuthenticated, notification_service.NotificationNotFound),
)
async def mark_notification_read(
    notification_id: uuid.UUID, session: SessionDep, user: CurrentUser, language: AcceptLanguage
) -> NotificationRead:
    """Mark one of your notifications read (again is harmless)."""
    notification = await notification_service.mark_read(session, user, notification_id)
    return await one(notification_views(session, [notification], language=language or user.preferred_language))
