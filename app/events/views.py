"""Events as partners receive them, in the feed and in webhook bodies (app/webhooks/views.py)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.events.schemas import EventRead
from app.models import OutboxEvent
from app.shared_schemas import from_row


async def event_views(session: AsyncSession, events: Sequence[OutboxEvent]) -> list[EventRead]:
    """Each event with its payload as `data`: the same body whoever receives it (dedupe on `id`)."""
    return [from_row(EventRead, event, data=event.payload) for event in events]
