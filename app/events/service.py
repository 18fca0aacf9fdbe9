"""The events feed for partners that poll: visible events, in a gap-free, duplicate-free order.

Order and cursor: events are ordered by (transaction id, position) and only *settled* events are
shown (their transaction is older than `pg_snapshot_xmin` of the reader's snapshot). Positions
alone would not do: an identity value is taken at insert, not at commit, so a reader could see 11
before 10 commits, move its cursor past 10 and never see it. Any event that becomes visible later
belongs to a transaction at least as new as the horizon, so it sorts after every cursor already
handed out. The cost: the feed lags behind the oldest running transaction in the cluster (keep
transactions short; `idle_in_transaction_session_timeout` in production).
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidCursor, ValidationFailed
from app.events import catalogue
from app.events import repository as repo
from app.events.schemas import EventTypeList, EventTypeRead
from app.models import OutboxEvent, PartnerClient
from app.pagination import decode_cursor_values, encode_cursor

CURSOR_SCOPE = "events"


@dataclass(frozen=True, slots=True)
class Feed:
    """A page of the feed: its events, where the next page starts, and whether one is ready now."""

    events: list[OutboxEvent]
    next_cursor: str | None
    has_more: bool


def event_types() -> EventTypeList:
    return EventTypeList(
        items=[
            EventTypeRead(
                type=t.name, aggregate_type=t.aggregate_type, audience=t.audience.value, description=t.description
            )
            for t in catalogue.EVENT_TYPES.values()
        ]
    )


def validate_patterns(patterns: list[str], *, pointer: str, location: str = "body") -> list[str]:
    """Event type patterns as given, or a 422 naming the first unknown one."""
    for index, pattern in enumerate(patterns):
        if not catalogue.is_valid_pattern(pattern):
            raise ValidationFailed(
                f"Unknown event type {pattern!r}; see GET /v1/events/types (wildcards: 'service.*', '*').",
                pointer=pointer if location != "body" else f"{pointer}/{index}",
                location=location,
            )
    return list(dict.fromkeys(patterns))


def _decode(cursor: str) -> tuple[int, int]:
    xact_id, position = decode_cursor_values(cursor, CURSOR_SCOPE, 2)
    if not (isinstance(xact_id, str) and xact_id.isdigit() and isinstance(position, int) and position >= 0):
        raise InvalidCursor("The cursor is invalid or belongs to another list; start again without it.")
    return int(xact_id), position


async def list_events(
    session: AsyncSession, partner: PartnerClient, *, after: str | None, types: str | None, limit: int
) -> Feed:
    """The next settled events the partner may see, of the types asked for, after its cursor."""
    position = _decode(after) if after else None
    patterns = ["*"] if not types else [t.strip() for t in types.split(",") if t.strip()]
    wanted = catalogue.expand(validate_patterns(patterns, pointer="/types", location="query"))
    rows = await repo.feed_page(session, provider_id=partner.provider_id, types=wanted, after=position, limit=limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor: str | None
    if rows:
        last, xact_id = rows[-1]
        next_cursor = encode_cursor(CURSOR_SCOPE, [str(xact_id), last.position])
    else:
        next_cursor = after
    return Feed(events=[e for e, _ in rows], next_cursor=next_cursor, has_more=has_more)
