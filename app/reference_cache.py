"""Reference data kept in the process: the service taxonomy and Milan's zones, read by nearly every
search and service listing, written only when `tutti seed` loads a release's (app/seed/reference.py;
no route writes them).

A cache holds an immutable snapshot of its whole table (never ORM rows: those belong to the session
that loaded them, whose rollback expires them), read in one statement by the first request that
needs it, one snapshot per database. Its version is the time it was read, and a newer one replaces it:
* when it is older than `max_age_s` (a renamed category shows within a minute; these resources are
  served with `Cache-Control: max-age=3600` anyway), and
* when a lookup misses and the snapshot is older than `miss_reload_s`: a row added since is seen at
  once, while a stream of unknown ids (typos, fuzzing) costs at most one read a second.
"""

import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
MAX_AGE_S = 60.0
MISS_RELOAD_S = 1.0


class ReferenceCache(Generic[T]):
    def __init__(
        self,
        load: Callable[[AsyncSession], Awaitable[T]],
        *,
        max_age_s: float = MAX_AGE_S,
        miss_reload_s: float = MISS_RELOAD_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load, self.max_age_s, self.miss_reload_s, self.clock = load, max_age_s, miss_reload_s, clock
        self._snapshots: dict[str, tuple[float, T]] = {}  # database URL -> (read at, snapshot)
        self.reads = 0  # how often it went to the database (tests)

    async def get(self, session: AsyncSession) -> T:
        """The current snapshot of the session's database."""
        return await self._within(session, self.max_age_s)

    async def after_miss(self, session: AsyncSession) -> T:
        """The snapshot once more after a lookup in it missed: read again unless just read."""
        return await self._within(session, self.miss_reload_s)

    def clear(self) -> None:
        """Forget every snapshot (and the count of reads)."""
        self._snapshots.clear()
        self.reads = 0

    async def _within(self, session: AsyncSession, age_s: float) -> T:
        database = session.get_bind().engine.url.render_as_string(hide_password=True)
        held = self._snapshots.get(database)
        if held is not None and self.clock() - held[0] < age_s:
            return held[1]
        snapshot = await self._load(session)
        self.reads += 1
        self._snapshots[database] = (self.clock(), snapshot)
        return snapshot
