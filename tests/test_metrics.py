"""Prometheus metrics in process: full route templates, latency by status class, pool gauges, the
worker's job and backlog metrics, and who may read /metrics. (Several processes: test_metrics_workers.)"""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import async_sessionmaker

from app import worker
from app.config import get_settings
from app.db import build_engine
from app.main import create_app
from app.metrics import REGISTRY, instrument_pool
from app.models import OutboxEvent
from tests.problem_codes import checked_client

TOKEN = "scraper-token-0123456789abcdef0123456789"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_requests_are_counted_under_the_full_route_template_with_the_v1_prefix(client):
    labels = {"method": "GET", "route": "/v1/categories/{category_ref}", "status": "404"}
    before = sample("http_requests_total", **labels)

    await client.get("/v1/categories/no-such-category")
    await client.get("/v1/categories/nor-this-one")

    assert sample("http_requests_total", **labels) == before + 2
    assert sample("http_requests_total", method="GET", route="/categories/{category_ref}", status="404") == 0


async def test_latency_histogram_is_by_route_and_status_class(client):
    labels = {"method": "GET", "route": "/healthz", "status_class": "2xx"}
    before = sample("http_request_duration_seconds_count", **labels)

    await client.get("/healthz")

    assert sample("http_request_duration_seconds_count", **labels) == before + 1
    assert sample("http_request_duration_seconds_bucket", **labels, le="+Inf") == before + 1


async def test_paths_outside_every_route_share_one_unmatched_label(client):
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    before = sample("http_requests_total", **labels)

    await client.get("/no/such/path/4711")

    assert sample("http_requests_total", **labels) == before + 1


def pool_gauges(pool: str) -> tuple[float, float]:
    return sample("db_pool_connections_in_use", pool=pool), sample("db_pool_overflow_in_use", pool=pool)


async def test_pool_gauges_count_connections_in_use_and_those_beyond_the_pool_size(test_database_url):
    settings = get_settings().model_copy(
        update={"db": get_settings().db.model_copy(update={"pool_size": 1, "max_overflow": 2})}
    )
    engine = build_engine(settings, test_database_url)
    instrument_pool(engine, "gauge-test")
    try:
        async with engine.connect(), engine.connect(), engine.connect():
            busy = pool_gauges("gauge-test")
        idle = pool_gauges("gauge-test")
    finally:
        await engine.dispose()

    assert busy == (3, 2)
    assert idle == (0, 0)


async def test_worker_measures_outbox_lag_and_pending_deliveries(connection, session):
    session.add(
        OutboxEvent(
            type="provider.updated",
            aggregate_type="provider",
            aggregate_id=uuid.uuid4(),
            occurred_at=datetime.now(UTC) - timedelta(hours=1),
        )
    )
    await session.flush()
    sessions = async_sessionmaker(bind=connection, join_transaction_mode="create_savepoint")

    await worker.measure_backlog(sessions)

    assert sample("outbox_lag_seconds") >= 3600
    assert sample("webhook_deliveries_pending") >= 0


async def test_worker_times_each_webhook_round(connection):
    sessions = async_sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    before = sample("worker_job_duration_seconds_count", job="webhooks")
    stop = asyncio.Event()
    loop = asyncio.create_task(worker._webhooks(sessions, stop))
    try:
        for _ in range(200):  # up to 10 s
            if sample("worker_job_duration_seconds_count", job="webhooks") > before:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(loop, 10)

    assert sample("worker_job_duration_seconds_count", job="webhooks") > before


@pytest.fixture
async def app_with(connection):
    """An app with changed settings, on the test's connection."""
    apps = []

    def build(env: str, token: str | None):
        base = get_settings()
        settings = base.model_copy(
            update={
                "env": env,
                "database_url": "postgresql://unused@127.0.0.1/unused",
                "auth": base.auth.model_copy(update={"secret_key": SecretStr("p" * 40)}),
                "api": base.api.model_copy(update={"metrics_token": SecretStr(token) if token else None}),
            }
        )
        app = create_app(settings)
        app.state.sessionmaker = async_sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        apps.append(app)
        return checked_client(app)

    yield build
    for app in apps:
        await app.state.rate_limits.close()


async def test_metrics_are_not_served_in_production_without_a_token(app_with):
    async with app_with("prod", None) as client:
        response = await client.get("/metrics")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}"])
async def test_metrics_with_a_token_refuse_a_scraper_without_it(app_with, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    async with app_with("prod", TOKEN) as client:
        response = await client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response.json()["code"] == "metrics_token_required"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_metrics_with_a_token_answer_its_bearer(app_with):
    async with app_with("prod", TOKEN) as client:
        response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert "# TYPE http_requests_total counter" in response.text


async def test_metrics_are_public_in_development_without_a_token(app_with):
    async with app_with("dev", None) as client:
        response = await client.get("/metrics")

    assert response.status_code == 200
