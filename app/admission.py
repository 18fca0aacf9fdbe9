"""Admission to the database: at most as many requests at work as the pool has connections, a short
queue behind them, and `service_busy` for the rest, within DB__POOL_TIMEOUT of arrival.

Why not leave it to the pool's own timeout: measured with 200 parallel distance searches and every
connection held (tests/faults/test_overload.py), the first 503 came 5.4 s after it was sent and the
last 9.8 s, with a 3 s pool timeout (the audit saw 5.5-12 s). The pool's clock starts only when a
request reaches its first query, after the event loop has run middleware, validation and routing
for every request ahead of it, and then 185 timeouts fire together and queue their error responses
on the same loop. Here the clock starts when the route begins, and a request that finds the queue
full is answered at once, before it costs anything: so a crowd gets its 503s early, and the ones
that wait wait at most the pool timeout.

The pool's timeout stays as the backstop (a request that opens a second connection still waits
there at most DB__POOL_TIMEOUT).
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.errors import ServiceBusy


class Admission:
    def __init__(self, *, capacity: int, queue: int, timeout: float) -> None:
        self.capacity, self.queue, self.timeout = capacity, queue, timeout
        self._slots: asyncio.Semaphore | None = None
        self.waiting = 0

    def _semaphore(self) -> asyncio.Semaphore:
        if self._slots is None:  # made on first use, in the serving event loop
            self._slots = asyncio.Semaphore(self.capacity)
        return self._slots

    @asynccontextmanager
    async def slot(self, *, arrived: float) -> AsyncIterator[None]:
        """Hold one of `capacity` slots for the block; ServiceBusy when the queue is full, or when
        no slot frees within `timeout` of `arrived` (a time.monotonic() value)."""
        slots = self._semaphore()
        if slots.locked():
            if self.waiting >= self.queue:
                raise ServiceBusy("The service is busy; retry shortly.")
            self.waiting += 1
            try:
                remaining = self.timeout - (time.monotonic() - arrived)
                await asyncio.wait_for(slots.acquire(), max(remaining, 0.0))
            except TimeoutError:
                raise ServiceBusy("The service is busy; retry shortly.") from None
            finally:
                self.waiting -= 1
        else:
            await slots.acquire()
        try:
            yield
        finally:
            slots.release()
