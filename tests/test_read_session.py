"""The read paths' session (ReadSessionDep): a READ ONLY transaction on the read engine, so that
sending them to a replica is configuration (DB__READ_URL) and a write slipped into one fails now,
on the primary, instead of on the day a replica is configured."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker

from app.config import get_settings
from app.db import ReadSessionDep, SessionDep
from app.main import create_app
from app.routing import api_router
from tests.problem_codes import checked_client

READ_ONLY_SQLSTATE = "25006"  # read_only_sql_transaction


@pytest.fixture
async def probe_app(connection: AsyncConnection) -> AsyncIterator[FastAPI]:
    """The real app plus two test-only routes that try the same write, one per kind of session."""
    app = create_app(get_settings())
    app.state.sessionmaker = async_sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    probe = api_router(prefix="/test-only", tags=["test"])

    async def try_write(session) -> dict[str, str | None]:  # noqa: ANN001 - either session dependency
        try:
            await session.execute(text("UPDATE user_account SET full_name = full_name WHERE false"))
        except DBAPIError as error:
            return {"sqlstate": error.orig.sqlstate}
        return {"sqlstate": None}

    @probe.post("/write-through-read-session")
    async def write_through_read_session(session: ReadSessionDep) -> dict[str, str | None]:
        return await try_write(session)

    @probe.post("/write-through-session")
    async def write_through_session(session: SessionDep) -> dict[str, str | None]:
        return await try_write(session)

    app.include_router(probe)
    yield app
    await app.state.rate_limits.close()


async def _post(app: FastAPI, path: str) -> httpx.Response:
    async with checked_client(app) as client:
        return await client.post(path)


async def test_a_write_through_the_read_session_fails_as_read_only(probe_app):
    response = await _post(probe_app, "/test-only/write-through-read-session")

    assert response.status_code == 200
    assert response.json() == {"sqlstate": READ_ONLY_SQLSTATE}


async def test_the_same_write_through_the_request_session_runs(probe_app):
    response = await _post(probe_app, "/test-only/write-through-session")

    assert response.status_code == 200
    assert response.json() == {"sqlstate": None}


async def test_a_search_runs_in_a_read_only_transaction(client, statements):
    with statements.counting() as log:
        response = await client.get("/v1/services")

    assert response.status_code == 200
    assert log[0] == "SET TRANSACTION READ ONLY"


async def test_a_configured_read_sessionmaker_serves_the_read_paths(app, client, connection):
    opened = []
    read_sessions = async_sessionmaker(bind=connection, join_transaction_mode="create_savepoint")

    def read_sessionmaker():  # noqa: ANN202 - records each session the app opens on the "replica"
        opened.append(True)
        return read_sessions()

    app.state.read_sessionmaker = read_sessionmaker
    try:
        response = await client.get("/v1/categories")
    finally:
        del app.state.read_sessionmaker

    assert response.status_code == 200
    assert opened == [True]


async def test_on_an_engine_the_read_only_mode_comes_with_begin(engine):
    # Outside the tests' savepoints, a read session's transaction starts as BEGIN READ ONLY: one round
    # trip, and a write through it still fails as read-only.
    app = create_app(get_settings())
    app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    sent: list[str] = []
    probe = api_router(prefix="/test-only", tags=["test"])

    @probe.post("/write-through-read-session")
    async def write_through_read_session(session: ReadSessionDep) -> dict[str, str | None]:
        raw = (await (await session.connection()).get_raw_connection()).driver_connection

        def record(query) -> None:  # noqa: ANN001 - asyncpg's LoggedQuery
            sent.append(query.query)

        raw.add_query_logger(record)  # before the first statement: BEGIN is sent with it
        try:
            await session.execute(text("UPDATE user_account SET full_name = full_name WHERE false"))
        except DBAPIError as error:
            return {"sqlstate": error.orig.sqlstate}
        finally:
            raw.remove_query_logger(record)
        return {"sqlstate": None}

    app.include_router(probe)
    try:
        response = await _post(app, "/test-only/write-through-read-session")
    finally:
        await app.state.rate_limits.close()

    assert response.json() == {"sqlstate": READ_ONLY_SQLSTATE}
    assert sent[0] == "BEGIN READ ONLY;"
    assert "SET TRANSACTION READ ONLY" not in sent
