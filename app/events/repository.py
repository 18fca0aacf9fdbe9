"""Events feed queries: the partner visibility predicate in SQL and the commit-safe page query."""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.catalogue import owner_types, public_types
from app.models import OutboxEvent, Service
from app.models.ledger import Xid8


def visible_to(provider_id: Any) -> Any:
    """SQL: the outbox event is visible to a partner managing `provider_id` (a value or a column).

    The one place the rule of `app.events.catalogue` becomes SQL; used by the feed (a bound id) and
    by the webhook fan-out (the subscriber's column).
    """
    clauses: list[ColumnElement[bool]] = [OutboxEvent.type.in_(public_types())]
    if provider_id is not None:
        clauses.append(and_(OutboxEvent.type.in_(owner_types("provider")), OutboxEvent.aggregate_id == provider_id))
        listings = select(Service.id).where(Service.provider_id == provider_id)
        clauses.append(and_(OutboxEvent.type.in_(owner_types("service")), OutboxEvent.aggregate_id.in_(listings)))
    return or_(*clauses)


def settled() -> Any:
    """SQL: the event's transaction is older than every transaction still running.

    Such a transaction has committed (or rolled back, leaving nothing): no event of an older
    transaction can still appear, so a reader ordering by (xact_id, position) never misses one.
    """
    return OutboxEvent.xact_id < func.pg_snapshot_xmin(func.pg_current_snapshot())


async def feed_page(
    session: AsyncSession,
    *,
    provider_id: uuid.UUID | None,
    types: list[str],
    after: tuple[int, int] | None,
    limit: int,
) -> list[tuple[OutboxEvent, int]]:
    """Up to `limit` settled, visible events after the (xact_id, position) cursor, in feed order."""
    if not types:
        return []
    stmt = (
        select(OutboxEvent, cast(OutboxEvent.xact_id, Text).label("xact_text"))
        .where(settled(), visible_to(provider_id))
        .where(OutboxEvent.type.in_(types))
        .order_by(OutboxEvent.xact_id, OutboxEvent.position)
        .limit(limit)
    )
    if after is not None:
        xact_id, position = after
        stmt = stmt.where(
            tuple_(OutboxEvent.xact_id, OutboxEvent.position) > tuple_(literal(xact_id, Xid8()), position)
        )
    rows = (await session.execute(stmt)).all()
    return [(event, int(xact)) for event, xact in rows]
