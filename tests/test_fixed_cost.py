"""Guards on the fixed cost every request pays, whatever its SQL (docs/benchmark.md, "Fixed cost per
request"): what was removed there stays removed."""

import inspect
from typing import Any

import asyncpg
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import text

from app.config import get_settings
from app.contract import dependency_calls
from app.db import build_engine
from app.main import create_app
from tests.database import libpq


def _runs_on_the_event_loop(call: Any) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(getattr(call, "__call__", None))


def test_no_endpoint_or_dependency_is_run_in_a_worker_thread():
    # FastAPI runs a plain `def` endpoint or dependency in anyio's thread pool: a thread hop (and the
    # GIL handed back and forth) for each one, on every request. None of ours blocks, so every one is
    # `async def`; the search by category + zone had four hops (session, read session, filters, page).
    in_threads = sorted(
        {
            f"{getattr(call, '__module__', '?')}.{getattr(call, '__qualname__', call)}"
            for route in iter_route_contexts(create_app().routes)
            if isinstance(route.original_route, APIRoute)
            for call in dependency_calls(route.dependant)
            if call is not None and not _runs_on_the_event_loop(call)
        }
    )

    assert in_threads == []


async def test_a_checkout_pings_in_one_round_trip_and_still_replaces_a_dead_connection(test_database_url):
    engine = build_engine(get_settings(), test_database_url)
    sent: list[str] = []
    try:
        async with engine.connect() as conn:
            first_pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            raw = (await conn.get_raw_connection()).driver_connection
            raw.add_query_logger(lambda query: sent.append(query.query))

        sent.clear()
        async with engine.connect() as conn:  # the same pooled connection, pinged on checkout
            assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one() == first_pid
        # The ping is `;` alone (not BEGIN; ; ROLLBACK), then the statement's own transaction.
        assert sent == [";", "BEGIN;", "ROLLBACK;"]

        killer = await asyncpg.connect(libpq(test_database_url))
        try:
            await killer.fetchval("SELECT pg_terminate_backend($1)", first_pid)
        finally:
            await killer.close()
        async with engine.connect() as conn:  # the ping finds it dead: a new connection serves
            assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one() != first_pid
    finally:
        await engine.dispose()
