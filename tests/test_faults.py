"""Fault tolerance, in process: a database that is not there and a pool that is full answer 503 fast.

The slower checks with real server processes (SIGTERM, a database stopped and restarted, an
idempotent retry across a restart) live in tests/faults/ and run with `make faults`.
"""

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import get_settings
from app.database_failures import database_failure
from app.db import build_engine, build_sessionmaker
from app.errors import DatabaseUnavailable, ServiceBusy
from app.main import create_app
from tests.database import connect, make_engine
from tests.problem_codes import checked_client

PATIENT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def app_on(engine: AsyncEngine) -> FastAPI:
    app = create_app(get_settings())
    app.state.engine = engine
    app.state.sessionmaker = build_sessionmaker(engine)
    return app


@pytest.fixture
async def app_without_database() -> AsyncIterator[FastAPI]:
    """The app pointed at a port nobody listens on: what a stopped database looks like.

    Its pool and connect timeouts are long (30 s), so that an answer that waited for either is told
    apart from one slowed by a loaded machine (a refused connection should fail at once).
    """
    settings = get_settings()
    patient = settings.db.model_copy(update={"pool_timeout": PATIENT_SECONDS, "connect_timeout": PATIENT_SECONDS})
    engine = build_engine(
        settings.model_copy(update={"db": patient}), f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none"
    )
    app = await app_on(engine)
    yield app
    await app.state.rate_limits.close()
    await engine.dispose()


@pytest.mark.parametrize("path", ["/v1/zones", "/v1/categories", "/v1/services"])
async def test_database_down_answers_503_database_unavailable_with_retry_after_fast(app_without_database, path):
    async with checked_client(app_without_database) as client:
        started = time.perf_counter()
        response = await client.get(path)
        elapsed = time.perf_counter() - started

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "database_unavailable"
    assert int(response.headers["retry-after"]) > 0
    assert elapsed < PATIENT_SECONDS / 2, f"{path} waited {elapsed:.1f} s: for the pool or the connect timeout?"


async def test_readyz_answers_503_unreachable_when_the_database_is_down(app_without_database):
    async with checked_client(app_without_database) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "not_ready", "database": "unreachable", "migrations": "unknown"}


async def test_healthz_stays_200_when_the_database_is_down(app_without_database):
    async with checked_client(app_without_database) as client:
        response = await client.get("/healthz")

    assert response.status_code == 200


SLOW_REQUEST = "slow-request"  # application_name of the one pooled connection, to watch it wait


@pytest.fixture
async def one_connection_pool(test_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(
        test_database_url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=0.5,
        connect_args={"server_settings": {"application_name": SLOW_REQUEST}},
    )
    yield engine
    await engine.dispose()


async def wait_until_blocked_on_a_lock(url: str, application_name: str, *, within: float = 15.0) -> None:
    """Return once a backend named `application_name` waits on a lock; fail (never hang) otherwise."""
    watcher = await connect(url)
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            waiting = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name = $1 AND wait_event_type = 'Lock'",
                application_name,
            )
            if waiting:
                return
            await asyncio.sleep(0.05)
        pytest.fail(f"no connection named {application_name!r} waited on the lock within {within} s")
    finally:
        await watcher.close()


async def test_many_concurrent_slow_requests_on_a_full_pool_get_503_service_busy_not_a_timeout_cascade(
    one_connection_pool, test_database_url
):
    # A real slow request: another session holds an exclusive lock on `zone`, so GET /v1/zones
    # waits in PostgreSQL while holding the pool's only connection. The crowd starts only once
    # PostgreSQL shows that request waiting on the lock: with a fixed sleep, a loaded machine let a
    # crowd request take the connection first, wait on the lock the test releases only after the
    # crowd, and hang the run (17 minutes). Every wait below is bounded and fails with a message.
    app = await app_on(one_connection_pool)
    locker = await connect(test_database_url)
    try:
        async with checked_client(app, seconds=30) as client:
            await locker.execute("BEGIN; LOCK TABLE zone IN ACCESS EXCLUSIVE MODE")
            slow = asyncio.create_task(client.get("/v1/zones"))
            await wait_until_blocked_on_a_lock(test_database_url, SLOW_REQUEST)

            async def timed_get() -> tuple[httpx.Response, float]:
                started = time.perf_counter()
                response = await client.get("/v1/zones")
                return response, time.perf_counter() - started

            crowd = await asyncio.wait_for(asyncio.gather(*(timed_get() for _ in range(8))), 30)
            await locker.execute("ROLLBACK")
            finished = await asyncio.wait_for(slow, 30)
            after = await client.get("/v1/zones")
    finally:
        await locker.close()  # also ends the lock if anything above failed
        await app.state.rate_limits.close()

    assert finished.status_code == 200
    assert [r.status_code for r, _ in crowd] == [503] * 8
    assert {r.json()["code"] for r, _ in crowd} == {"service_busy"}
    assert all(r.headers["retry-after"] == "1" for r, _ in crowd)
    assert max(elapsed for _, elapsed in crowd) < 2.0  # pool_timeout 0.5 s, not 30 s
    assert after.status_code == 200


class _Wrapped(Exception):
    def __init__(self, sqlstate: str) -> None:
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ConnectionRefusedError(111, "refused"), DatabaseUnavailable),
        (TimeoutError(), DatabaseUnavailable),
        (asyncpg.CannotConnectNowError("the database system is starting up"), DatabaseUnavailable),
        (asyncpg.AdminShutdownError("terminating connection"), DatabaseUnavailable),
        (asyncpg.TooManyConnectionsError("too many clients"), DatabaseUnavailable),
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), DatabaseUnavailable),
        (asyncpg.InterfaceError("connection is closed"), DatabaseUnavailable),
        (OperationalError("SELECT 1", {}, _Wrapped("08006")), DatabaseUnavailable),
        (DBAPIError("SELECT 1", {}, _Wrapped("57P01")), DatabaseUnavailable),
        (PoolTimeout("QueuePool limit reached"), ServiceBusy),
        (DBAPIError("SELECT 1", {}, _Wrapped("57014")), ServiceBusy),
        (DBAPIError("SELECT 1", {}, _Wrapped("23505")), None),
        (asyncpg.InterfaceError("another operation is in progress"), None),
        (ValueError("a bug"), None),
    ],
)
def test_database_failures_are_classified_as_unavailable_busy_or_a_bug(error, expected):
    assert database_failure(error) is expected


async def test_statement_timeout_answers_503_service_busy(test_database_url):
    engine = make_engine(test_database_url, connect_args={"server_settings": {"lock_timeout": "100"}})
    app = await app_on(engine)
    locker = await connect(test_database_url)
    try:
        await locker.execute("BEGIN; LOCK TABLE zone IN ACCESS EXCLUSIVE MODE")
        async with checked_client(app) as client:
            response = await client.get("/v1/zones")
    finally:
        await locker.close()
        await app.state.rate_limits.close()
        await engine.dispose()

    assert response.status_code == 503
    assert response.json()["code"] == "service_busy"
