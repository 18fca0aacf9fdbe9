"""Reminders the worker sends before a deadline (a verification expiring, an offer lapsing), each
once per (kind, subject, threshold, deadline) however many workers sweep and however often.

The guarantee is the database's: `claim` inserts the `reminder_sent` rows of every subject now
inside a threshold's window with one INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING, in
the sweep's transaction, and the caller writes the notifications of exactly the subjects returned,
in that same transaction. A second worker sweeping at the same time waits on the first one's
uncommitted keys and then skips them (or claims them if the first rolled back), so a reminder is
sent once, or again only if its notifications were never written.

Thresholds are nested windows: with 30 and 7 days, a subject due in 20 days is in the 30-day
window (due in (now + 7 d, now + 30 d]) and one due in 5 days in the 7-day one (due in (now, now +
7 d]). A subject first seen already inside the 7-day window (a worker that was down, a check
recorded with little time left) gets the 7-day reminder only: the nearer deadline is the news.

Measured at the bench's city scale (EXPLAIN ANALYZE, warm): requests expiring within 3 days, 1,815
of 50,000 open, a bitmap scan of ix_demand_request_expiry, 44 ms; verifications in a 30-day window,
1,742 of 57,356, a bitmap scan of ix_verification_expiring then a hash anti join for renewals,
87 ms; pending offers lapsing within a day, an index scan of ix_offer_pending_valid_until (the
bench's 27,089 pending offers all lapse at one instant, which turns it into a 0.5 s seq scan when
every one of them is in the window at once).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, delete, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ReminderSent
from app.notification_kinds import kind as notification_kind

PRUNE_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Threshold:
    name: str  # "30d": kept in the reminder's key and told in its notification
    lead: timedelta  # how long before the deadline


@dataclass(frozen=True, slots=True)
class Window:
    """Deadlines in (after, until] are inside `threshold` and not yet inside a nearer one."""

    threshold: Threshold
    after: datetime
    until: datetime


def windows(now: datetime, thresholds: Sequence[Threshold]) -> list[Window]:
    leads = sorted(thresholds, key=lambda t: t.lead, reverse=True)
    return [
        Window(t, now + (leads[i + 1].lead if i + 1 < len(leads) else timedelta(0)), now + t.lead)
        for i, t in enumerate(leads)
    ]


async def claim(session: AsyncSession, *, kind: str, window: Window, due: Select[Any, Any]) -> list[uuid.UUID]:
    """Record the reminders of `kind` at `window`'s threshold for the subjects `due` selects
    (columns: subject id, deadline; the caller filters them to the window) and return the ids this
    transaction claimed: those whose reminder no one had recorded. One statement however many."""
    notification_kind(kind)  # a reminder is a notification: its kind must be in the catalogue
    candidates = due.subquery()
    subject_id, due_at = candidates.c
    statement = (
        insert(ReminderSent)
        .from_select(
            ["kind", "subject_id", "threshold", "due_at"],
            select(literal(kind), subject_id, literal(window.threshold.name), due_at),
        )
        .on_conflict_do_nothing()
        .returning(ReminderSent.subject_id)
    )
    return list(await session.scalars(statement))


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget reminders whose deadline passed a day ago: no window reaches back past `now`, so their
    subjects can never be claimed again (the day covers workers whose clocks disagree), and the
    table stays the size of what is upcoming."""
    result = await session.execute(delete(ReminderSent).where(ReminderSent.due_at <= now - PRUNE_AFTER))
    return cast(CursorResult[Any], result).rowcount or 0
