from typing import Annotated, Any

from fastapi import Header, Path
from fastapi.responses import HTMLResponse

from app.accounts.auth import CurrentUser
from app.db import SessionDep
from app.errors import NotAuthenticated, error_responses, merge_responses
from app.mail import service as mail_service
from app.mail.schemas import (
    NotificationPreferencesRead,
    NotificationPreferencesReplace,
    NotificationPreferencesUpdate,
    UnsubscribeRead,
)
from app.mail.views import preference_views, unsubscribe_page, unsubscribe_view
from app.routing import api_router
from app.shared_schemas import one

preferences_router = api_router(prefix="/me/notification-preferences", tags=["notifications"])
unsubscribe_router = api_router(prefix="/email/unsubscribe", tags=["notifications"])

CHANGES = error_responses(NotAuthenticated, mail_service.UnknownNotificationKind)
UnsubscribeToken = Annotated[
    str,
    Path(
        min_length=3,
        max_length=300,
        pattern=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
        description="The signed token of an e-mail's unsubscribe link",
    ),
]

Accept = Annotated[str | None, Header(max_length=1000, include_in_schema=False)]
# A browser opening the e-mail's link asks for text/html and gets a page with a button (the POST);
# API clients and mail clients (RFC 8058's POST) get JSON.
LINK_RESPONSES = merge_responses(
    {200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
    error_responses(mail_service.UnsubscribeLinkInvalid),
)


def wants_html(accept: str | None) -> bool:
    return accept is not None and "text/html" in accept.lower()


@preferences_router.get("", response_model=NotificationPreferencesRead, responses=error_responses(NotAuthenticated))
async def get_notification_preferences(session: SessionDep, user: CurrentUser) -> NotificationPreferencesRead:
    """Every kind of notification with what you get by e-mail: `instant`, `digest` (one e-mail a day) or
    `off`, and whether that is the default for your role. In-app notifications are always on."""
    return await one(preference_views(session, [user]))


@preferences_router.put("", response_model=NotificationPreferencesRead, responses=CHANGES)
async def replace_notification_preferences(
    data: NotificationPreferencesReplace, session: SessionDep, user: CurrentUser
) -> NotificationPreferencesRead:
    """Set your e-mail choices in full: every kind not named goes back to its default. A kind that does
    not exist is a 422."""
    await mail_service.replace_preferences(session, user, data.email)
    return await one(preference_views(session, [user]))


@preferences_router.patch("", response_model=NotificationPreferencesRead, responses=CHANGES)
async def update_notification_preferences(
    data: NotificationPreferencesUpdate, session: SessionDep, user: CurrentUser
) -> NotificationPreferencesRead:
    """Change the e-mail choice of the kinds named (`null`: back to the default); the others stay."""
    await mail_service.update_preferences(session, user, data.email)
    return await one(preference_views(session, [user]))


@unsubscribe_router.get("/{token}", response_model=UnsubscribeRead, responses=LINK_RESPONSES)
async def get_unsubscribe_link(token: UnsubscribeToken, session: SessionDep, accept: Accept = None) -> Any:
    """What an e-mail's unsubscribe link would turn off (no sign-in: the link is signed). Nothing changes
    until it is POSTed. With `Accept: text/html` (a browser) an HTML page with the button that does."""
    user, scope, chosen = await mail_service.resolve_unsubscribe(session, token)
    view = unsubscribe_view(user, scope, mail_service.kinds_in_scope(user, scope, chosen), chosen)
    return HTMLResponse(unsubscribe_page(user, view)) if wants_html(accept) else view


@unsubscribe_router.post("/{token}", response_model=UnsubscribeRead, responses=LINK_RESPONSES)
async def unsubscribe_by_link(token: UnsubscribeToken, session: SessionDep, accept: Accept = None) -> Any:
    """Turn off e-mail of the link's kind (or the daily digest) without signing in: the one-click
    unsubscribe of RFC 8058 (mail clients POST `List-Unsubscribe=One-Click`; any body is ignored).
    Again is harmless. With `Accept: text/html` (the page's button) the confirmation page."""
    user, scope, kinds, chosen = await mail_service.unsubscribe(session, token)
    view = unsubscribe_view(user, scope, kinds, chosen)
    return HTMLResponse(unsubscribe_page(user, view)) if wants_html(accept) else view
