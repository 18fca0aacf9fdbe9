import uuid

from app.accounts.auth import CurrentUser
from app.db import SessionDep
from app.errors import NotAuthenticated, error_responses
from app.models import Notification
from app.notifications import service as notification_service
from app.notifications.schemas import NotificationRead
from app.pagination import Page, PageParamsDep, Paginated
from app.routing import api_router

router = api_router(prefix="/me/notifications", tags=["notifications"])


@router.get("", response_model=Page[NotificationRead], responses=error_responses(NotAuthenticated))
async def list_notifications(
    session: SessionDep, user: CurrentUser, page: PageParamsDep, unread: bool | None = None
) -> Paginated[Notification]:
    """Your notifications, newest first (`unread=true` for the badge count's list)."""
    return await notification_service.list_notifications(session, user, page, unread=unread)


@router.post(
    "/{notification_id}/read",
    response_model=NotificationRead,
    responses=error_responses(NotAuthenticated, notification_service.NotificationNotFound),
)
async def mark_notification_read(notification_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Notification:
    """Mark one of your notifications read (again is harmless)."""
    return await notification_service.mark_read(session, user, notification_id)
