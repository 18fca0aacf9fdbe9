"""Overload: 200 parallel distance searches against the API under uvicorn, with every pooled
connection held by a search that waits in PostgreSQL. Those past the pool get 503 `service_busy`
within DB__POOL_TIMEOUT + 1 s of being sent (the audit saw 5.5-12 s with a 3 s pool timeout).

The searches are made slow for real: another session holds an exclusive lock on `service`, so the
searches that got a connection wait on it (as heavy searches on a loaded database would) and the
rest queue for the pool. The lock is released once the crowd has its answers (bounded waits).
"""

import asyncio
import json
import os
import time

import httpx
import pytest

from app.config import get_settings
from tests import database
from tests.database import create_migrated_database
from tests.faults.conftest import ApiServer, libpq

CROWD = 200
SEARCH = "/v1/services?near=45.4642,9.19&radius_km=5&limit=20"


@pytest.fixture
async def database_url() -> str:
    prefix = os.environ.get("TEST_DB_PREFIX", "tutti_test")
    return await create_migrated_database(f"{prefix}_overload")


async def timed_search(host: str, port: int) -> tuple[int, str | None, float]:
    """One GET over its own connection with plain asyncio streams: 200 of these cost the client
    almost nothing, so the times are the server's (httpx's pool added seconds at this fan-out)."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {SEARCH} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    elapsed = time.monotonic() - started
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    code = json.loads(body).get("code") if status >= 400 else None
    return status, code, elapsed


async def test_200_parallel_heavy_searches_get_service_busy_within_the_pool_timeout_plus_one_second(
    database_url, api_servers
):
    server = ApiServer(database_url).start()
    api_servers.append(server)
    settings = get_settings().db
    capacity = settings.pool_size + settings.max_overflow
    bound = settings.pool_timeout + 1.0
    locker = await database.connect(libpq(database_url))
    host, port = "127.0.0.1", server.port
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
            assert (await client.get(SEARCH)).status_code == 200  # warm: the app and its pool work
            await locker.execute("BEGIN; LOCK TABLE service IN ACCESS EXCLUSIVE MODE")
            tasks = [asyncio.create_task(timed_search(host, port)) for _ in range(CROWD)]
            # Everyone but the searches holding a connection must be answered while the lock holds.
            deadline = time.monotonic() + 30
            while sum(t.done() for t in tasks) < CROWD - capacity and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            await locker.execute("ROLLBACK")
            results = await asyncio.wait_for(asyncio.gather(*tasks), 60)
    finally:
        await locker.close()

    busy = sorted(seconds for status, code, seconds in results if status == 503)
    others = sorted({(status, code) for status, code, _ in results if status != 503})
    print(
        f"\n[overload] {CROWD} parallel searches, pool {settings.pool_size}+{settings.max_overflow}, "
        f"pool_timeout {settings.pool_timeout} s: {len(busy)} got 503, slowest 503 {busy[-1] if busy else 0:.2f} s, "
        f"median 503 {busy[len(busy) // 2] if busy else 0:.2f} s, fastest {busy[0] if busy else 0:.2f} s; "
        f"others {others}"
    )
    assert len(busy) >= CROWD - capacity
    assert {code for status, code, _ in results if status == 503} == {"service_busy"}
    assert {status for status, _ in others} <= {200}
    assert busy[-1] <= bound, f"slowest 503 after {busy[-1]:.2f} s, bound {bound} s"
