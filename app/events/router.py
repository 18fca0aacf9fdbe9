from typing import Annotated

from fastapi import Query

from app.accounts.auth import CurrentPrincipal, EventReader
from app.db import ReadSessionDep
from app.errors import Forbidden, InvalidCursor, NotAuthenticated, ValidationFailed, error_responses
from app.events import service as event_service
from app.events.schemas import MAX_EVENTS_PER_PAGE, EventPage, EventTypeList
from app.events.views import event_views
from app.routing import api_router

router = api_router(prefix="/events", tags=["events"])


@router.get("/types", response_model=EventTypeList, responses=error_responses(NotAuthenticated))
async def list_event_types(principal: CurrentPrincipal) -> EventTypeList:
    """The event types partners can receive (feed and webhooks), and who sees each."""
    return event_service.event_types()


@router.get(
    "",
    response_model=EventPage,
    responses=error_responses(NotAuthenticated, Forbidden, InvalidCursor, ValidationFailed),
)
async def list_events(
    session: ReadSessionDep,
    partner: EventReader,
    after: Annotated[
        str | None, Query(max_length=1024, description="`next_cursor` of the previous page; omit to start")
    ] = None,
    types: Annotated[
        str | None,
        Query(max_length=1000, description="Comma-separated event types or patterns (`service.*`); default all"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS_PER_PAGE, description="Events per page (1-100)")] = 50,
) -> EventPage:
    """Events visible to the calling partner, oldest first, without gaps or duplicates (scope events:read)."""
    feed = await event_service.list_events(session, partner, after=after, types=types, limit=limit)
    return EventPage(
        items=await event_views(session, feed.events), next_cursor=feed.next_cursor, has_more=feed.has_more
    )
