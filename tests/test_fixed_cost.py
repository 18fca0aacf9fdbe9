"""Guards on the fixed cost every request pays, whatever its SQL (docs/benchmark.md, "Fixed cost per
request"): what was removed there stays removed."""

import inspect
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts

from app.contract import dependency_calls
from app.main import create_app


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
