"""The database stops and restarts under load: requests fail fast with a 503 problem and a
Retry-After (never a 500, never a hang past the timeouts), and the API recovers by itself.

Runs against a PostgreSQL of our own (ThrowawayPostgres), never a shared server.
"""

import asyncio
import time
from dataclasses import dataclass

import httpx
import pytest

from app.config import get_settings
from tests.database import create_migrated_database
from tests.faults.conftest import ApiServer

WORKERS = 8
BEFORE_S, OUTAGE_S, AFTER_S = 2.0, 5.0, 4.0


@dataclass
class Sample:
    at: float
    status: int
    seconds: float
    code: str | None
    retry_after: str | None


@pytest.fixture
async def database_url(throwaway_postgres) -> str:
    return await create_migrated_database("tutti_faults", server=throwaway_postgres.url)


async def load(base_url: str, until: float, samples: list[Sample], path: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        while time.monotonic() < until:
            started = time.monotonic()
            response = await client.get(path)
            code = response.json().get("code") if response.status_code >= 400 else None
            samples.append(
                Sample(
                    started, response.status_code, time.monotonic() - started, code, response.headers.get("retry-after")
                )
            )
            await asyncio.sleep(0.02)


async def test_database_stopped_and_restarted_under_load(throwaway_postgres, database_url, api_servers):
    server = ApiServer(database_url).start()
    api_servers.append(server)
    samples: list[Sample] = []
    readiness: list[Sample] = []
    t0 = time.monotonic()
    end = t0 + BEFORE_S + OUTAGE_S + AFTER_S
    paths = ["/v1/zones?limit=5", "/v1/categories", "/v1/services?limit=5", "/v1/providers?limit=5"]
    workers = [asyncio.create_task(load(server.base_url, end, samples, paths[i % len(paths)])) for i in range(WORKERS)]
    workers.append(asyncio.create_task(load(server.base_url, end, readiness, "/readyz")))

    await asyncio.sleep(BEFORE_S)
    stopping_at = time.monotonic()
    await asyncio.to_thread(throwaway_postgres.stop, "fast")  # terminates every connection
    stopped_at = time.monotonic()
    await asyncio.sleep(OUTAGE_S)
    started_at = time.monotonic()
    await asyncio.to_thread(throwaway_postgres.start)
    restarted_at = time.monotonic()
    await asyncio.gather(*workers)

    outage = [s for s in samples if stopped_at + 0.5 < s.at and s.at + s.seconds < started_at]
    first_503 = min(s.at + s.seconds for s in samples if s.status == 503)
    first_ok_after = min(s.at + s.seconds for s in samples if s.status == 200 and s.at > restarted_at)
    settled = [s for s in samples if s.at > first_ok_after + 0.5]
    limit = get_settings().db.pool_timeout + get_settings().db.connect_timeout + 1.0
    print(
        f"\n[db-restart] {len(samples)} requests; before: all 200 ({sum(s.at < stopping_at for s in samples)}); "
        f"pg_ctl stop -m fast took {stopped_at - stopping_at:.2f} s; first 503 {first_503 - stopping_at:.3f} s "
        f"after it began; outage: {len(outage)} requests, "
        f"max latency {max(s.seconds for s in outage):.3f} s, codes {sorted({s.code for s in outage})}; "
        f"pg_ctl start took {restarted_at - started_at:.2f} s; first 200 {first_ok_after - restarted_at:.3f} s "
        f"after the database was back; readyz during outage "
        f"{sorted({s.status for s in readiness if stopped_at + 0.5 < s.at < started_at})}"
    )

    assert all(s.status == 200 for s in samples if s.at + s.seconds < stopping_at)
    assert {s.status for s in samples} <= {200, 503}, "no 500s, no other errors"
    assert outage and all(s.status == 503 for s in outage)
    assert {s.code for s in outage} <= {"database_unavailable", "service_busy"}
    assert all(s.retry_after and int(s.retry_after) > 0 for s in samples if s.status == 503)
    assert max(s.seconds for s in samples) < limit, "no request hangs past the pool and connect timeouts"
    assert first_503 - stopping_at < 1.0
    assert first_ok_after - restarted_at < 3.0, "recovers without a restart of the API"
    assert settled and all(s.status == 200 for s in settled)
    assert {s.status for s in readiness if stopped_at + 0.5 < s.at and s.at + s.seconds < started_at} == {503}
    assert readiness[-1].status == 200
