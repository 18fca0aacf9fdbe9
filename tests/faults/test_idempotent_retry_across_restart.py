"""A client retrying a creating POST with the same Idempotency-Key across a server restart gets
exactly one resource: whether the first attempt was cut off mid-request (server killed before its
transaction committed) or completed before the restart (its response lost on the way back)."""

import asyncio
import os
import signal
import uuid

import asyncpg
import httpx
import pytest

from app.config import get_settings
from app.seed.demo import DEMO_LOGINS
from app.tokens import issue_access_token
from tests.database import create_migrated_database
from tests.demand.conftest import request_body
from tests.faults.conftest import ApiServer, libpq

CITIZEN = next(login for login in DEMO_LOGINS if login.email.startswith("giulia."))


@pytest.fixture
async def database_url(worker_id_name) -> str:
    return await create_migrated_database(
        f"{os.environ.get('TEST_DB_PREFIX', 'tutti_test')}_faults_idem_{worker_id_name}", demo=True
    )


async def citizen_headers(db: asyncpg.Connection) -> dict[str, str]:
    user_id = await db.fetchval("SELECT id FROM user_account WHERE email = $1", CITIZEN.email)
    token = issue_access_token(get_settings().auth, subject=user_id, kind="user", session_id=uuid.uuid4())
    return {"Authorization": f"Bearer {token}"}


async def requests_of(db: asyncpg.Connection) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM demand_request r JOIN user_account u ON u.id = r.citizen_id WHERE u.email = $1",
        CITIZEN.email,
    )


async def test_retry_after_a_kill_mid_request_and_after_a_restart_creates_exactly_one(database_url, api_servers):
    db = await asyncpg.connect(libpq(database_url))
    headers = {**await citizen_headers(db), "Idempotency-Key": str(uuid.uuid4())}
    body = request_body()
    try:
        before = await requests_of(db)
        # 1. The first attempt is in flight (blocked on a lock we hold) when the server is killed.
        first = ApiServer(database_url).start()
        api_servers.append(first)
        locker = await asyncpg.connect(libpq(database_url))
        await locker.execute("BEGIN; LOCK TABLE demand_request IN ACCESS EXCLUSIVE MODE")
        async with httpx.AsyncClient(base_url=first.base_url, timeout=10) as client:
            attempt = asyncio.create_task(client.post("/v1/requests", json=body, headers=headers))
            await asyncio.sleep(0.5)
            first.kill()  # SIGKILL: no graceful anything
            with pytest.raises(httpx.TransportError):
                await attempt
        await locker.execute("ROLLBACK")
        await locker.close()

        # 2. The client retries against the restarted server: created once.
        second = ApiServer(database_url).start()
        api_servers.append(second)
        async with httpx.AsyncClient(base_url=second.base_url, timeout=10) as client:
            created = await client.post("/v1/requests", json=body, headers=headers)
        second.stop()
        assert await asyncio.to_thread(second.wait, 10) == -signal.SIGTERM  # a graceful stop

        # 3. Its response was "lost": the client retries again after another restart: replayed.
        third = ApiServer(database_url).start()
        api_servers.append(third)
        async with httpx.AsyncClient(base_url=third.base_url, timeout=10) as client:
            replayed = await client.post("/v1/requests", json=body, headers=headers)
        after = await requests_of(db)
    finally:
        await db.close()

    print(
        f"\n[idempotency] killed attempt → retry {created.status_code} → retry after restart "
        f"{replayed.status_code} (replayed={replayed.headers.get('idempotent-replayed')}); rows +{after - before}"
    )
    assert created.status_code == 201, created.text
    assert "idempotent-replayed" not in created.headers
    assert replayed.status_code == 201
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json()["id"] == created.json()["id"]
    assert after - before == 1
