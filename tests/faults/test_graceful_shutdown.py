"""SIGTERM: the request in flight completes, new connections are refused, then a clean exit.

The slow request is real, not a test hook: this test holds an exclusive lock on the `zone` table,
so GET /v1/zones waits inside PostgreSQL until the lock is released.
"""

import asyncio
import os
import signal
import time

import asyncpg
import httpx
import pytest

from tests.database import create_migrated_database
from tests.faults.conftest import ApiServer, libpq


@pytest.fixture
async def database_url(worker_id_name) -> str:
    return await create_migrated_database(
        f"{os.environ.get('TEST_DB_PREFIX', 'tutti_test')}_faults_sigterm_{worker_id_name}"
    )


async def test_sigterm_lets_the_request_in_flight_finish_then_exits_cleanly(database_url, api_servers):
    server = ApiServer(database_url).start()
    api_servers.append(server)
    locker = await asyncpg.connect(libpq(database_url))
    try:
        await locker.execute("BEGIN; LOCK TABLE zone IN ACCESS EXCLUSIVE MODE")
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            in_flight = asyncio.create_task(client.get("/v1/zones", params={"limit": 100}))
            await asyncio.sleep(0.5)  # the request is waiting for the lock
            server.stop()  # SIGTERM
            terminated_at = time.monotonic()
            await asyncio.sleep(0.5)

            still_running = server.process.poll() is None
            async with httpx.AsyncClient(base_url=server.base_url, timeout=2) as newcomer:
                with pytest.raises(httpx.ConnectError):
                    await newcomer.get("/healthz")
            await locker.execute("ROLLBACK")
            response = await in_flight
    finally:
        await locker.close()
    exit_code = await asyncio.to_thread(server.wait, 10)
    exited_after = time.monotonic() - terminated_at

    print(
        f"\n[sigterm] in-flight request answered {response.status_code} after SIGTERM; exit {exit_code} "
        f"{exited_after:.2f} s after SIGTERM (our lock kept it in flight for 0.5 s of that)"
    )
    assert still_running
    assert response.status_code == 200
    assert len(response.json()["items"]) == 97  # 9 Municipi + 88 NIL: the whole body, not a cut-off one
    # uvicorn re-raises the SIGTERM it caught once shutdown is complete, so the parent sees the
    # conventional "terminated by SIGTERM", after the lifespan shutdown (engine disposed) ran.
    assert exit_code == -signal.SIGTERM
    assert "Waiting for connections to close." in server.output()
    assert "Application shutdown complete." in server.output()
    assert "Traceback" not in server.output()
