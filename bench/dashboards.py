"""Sequential latency of the operator dashboards on a generated database, in process.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tutti_bench_city python -m bench.dashboards --calls 20

Calls GET /v1/pools/suggestions?hub_id= and GET /v1/hubs/{id}/needs for the busiest hub (the most
open requests open to sharing in its NILs) as one of its operators, one call at a time through the
real app (httpx's ASGI transport: no network, no server), and prints median, p95 and the response
size, and the process's peak RSS (VmHWM) before and after: what one dashboard call costs in memory.
Run the worker's dashboard round first (`--refresh`) when the dashboards read precomputed rows.
"""

import argparse
import asyncio
import statistics
import time
import uuid

import asyncpg
import httpx

from app.config import get_settings
from app.db import build_engine, build_sessionmaker
from app.main import create_app
from app.pools import snapshots
from app.tokens import issue_access_token
from bench.generate import libpq_url
from bench.scenarios import _BUSY_HUBS_SQL


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def main(calls: int, refresh: bool) -> None:
    settings = get_settings()
    assert settings.database_url, "set DATABASE_URL to the generated database"
    conn = await asyncpg.connect(libpq_url(settings.database_url))
    try:
        hub = (await conn.fetch(_BUSY_HUBS_SQL, 1))[0]
    finally:
        await conn.close()
    token = issue_access_token(settings.auth, subject=hub["operators"][0], kind="user", session_id=uuid.uuid4())
    app = create_app(settings)
    if refresh:  # the worker's round (app/pools/snapshots.py), timed, with its peak memory
        engine = build_engine(settings)
        started, before = time.perf_counter(), peak_rss_mb()
        async with build_sessionmaker(engine)() as session, session.begin():
            counts = await snapshots.refresh(session)
        await engine.dispose()
        took = time.perf_counter() - started
        print(f"refresh: {took:.2f} s, {counts}; peak RSS {before:.0f} -> {peak_rss_mb():.0f} MB")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
            for name, path in (
                ("pool suggestions", f"/v1/pools/suggestions?hub_id={hub['id']}"),
                ("hub needs", f"/v1/hubs/{hub['id']}/needs"),
            ):
                before = peak_rss_mb()
                times, size = [], 0
                for _ in range(calls):
                    started = time.perf_counter()
                    response = await client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
                    size = len(response.content)
                print(
                    f"{name}: median {statistics.median(times):.1f} ms, p95 {p95(times):.1f} ms, "
                    f"max {max(times):.1f} ms over {calls} calls; {size} bytes; "
                    f"peak RSS {before:.0f} -> {peak_rss_mb():.0f} MB"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--refresh", action="store_true", help="run the dashboards' worker round first")
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.refresh))
