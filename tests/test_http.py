"""HTTP plumbing: request ids, security and cache headers, CORS, ETags, probes, metrics,
the append-only audit trail, the transactional outbox and a saturated connection pool."""

import re
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import ledger
from app.config import get_settings
from app.main import create_app
from app.models import AuditEntry, OutboxEvent
from tests.database import make_engine
from tests.problem_codes import checked_client

GENERATED_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


async def outbox_count(session: AsyncSession, aggregate_id: uuid.UUID) -> int:
    return await session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.aggregate_id == aggregate_id)
    )


def emit_test_event(session: AsyncSession, aggregate_id: uuid.UUID) -> None:
    ledger.emit(session, type="test.happened", aggregate_type="test", aggregate_id=aggregate_id, payload={"n": 1})


# Request ids


async def test_valid_request_id_is_echoed(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "req-2026.11_abc"})

    assert response.headers["x-request-id"] == "req-2026.11_abc"


async def test_missing_request_id_is_generated_as_32_hex(client):
    response = await client.get("/healthz")

    assert GENERATED_REQUEST_ID.match(response.headers["x-request-id"])


@pytest.mark.parametrize("bad_id", ["has spaces in it", "x" * 100, "semi;colon", "<script>"])
async def test_invalid_request_id_is_replaced_by_a_generated_one(client, bad_id):
    response = await client.get("/healthz", headers={"X-Request-ID": bad_id})

    assert response.headers["x-request-id"] != bad_id
    assert GENERATED_REQUEST_ID.match(response.headers["x-request-id"])


async def test_request_id_of_a_problem_matches_its_header(client):
    response = await client.get("/v1/me", headers={"X-Request-ID": "trace-me-1"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["request_id"] == "trace-me-1"


# Security and cache headers


@pytest.mark.parametrize("path", ["/healthz", "/v1/zones", "/v1/no-such-thing"])
async def test_security_headers_are_present(client, path):
    response = await client.get(path)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_personal_data_is_not_cached(client, as_citizen_a):
    response = await client.get("/v1/me", headers=as_citizen_a)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


async def test_reference_data_is_publicly_cacheable(client):
    response = await client.get("/v1/zones")

    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public")
    assert "max-age=" in response.headers["cache-control"]


# CORS (default settings: no allowed origins)


async def test_foreign_origin_gets_no_cors_allow_origin(client):
    response = await client.get("/v1/zones", headers={"Origin": "https://evil.example"})

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_foreign_origin_preflight_is_not_allowed(client):
    response = await client.options(
        "/v1/me",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PATCH"},
    )

    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in response.headers


# ETag / conditional requests


async def test_get_with_matching_if_none_match_returns_304_without_body(client, citizen_a, as_citizen_a):
    etag = (await client.get("/v1/me", headers=as_citizen_a)).headers["etag"]

    response = await client.get("/v1/me", headers={**as_citizen_a, "If-None-Match": etag})

    assert response.status_code == 304
    assert response.headers["etag"] == etag
    assert response.content == b""


async def test_get_with_other_if_none_match_returns_200(client, citizen_a, as_citizen_a):
    response = await client.get("/v1/me", headers={**as_citizen_a, "If-None-Match": '"999"'})

    assert response.status_code == 200
    assert response.json()["email"] == citizen_a.email


async def test_patch_with_if_match_star_succeeds(client, citizen_a, as_citizen_a):
    response = await client.patch(
        "/v1/me", json={"full_name": "Anna Stella"}, headers={**as_citizen_a, "If-Match": "*"}
    )

    assert response.status_code == 200
    assert response.json()["full_name"] == "Anna Stella"
    assert response.headers["etag"] == '"2"'


async def test_patch_with_weak_if_match_returns_412(client, citizen_a, as_citizen_a):
    response = await client.patch(
        "/v1/me", json={"full_name": "Anna Debole"}, headers={**as_citizen_a, "If-Match": 'W/"1"'}
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert (await client.get("/v1/me", headers=as_citizen_a)).json()["full_name"] == "Anna Citizen"


async def test_patch_without_if_match_succeeds(client, citizen_a, as_citizen_a):
    response = await client.patch("/v1/me", json={"full_name": "Anna Libera"}, headers=as_citizen_a)

    assert response.status_code == 200
    assert response.json()["full_name"] == "Anna Libera"


# Probes and metrics


async def test_healthz_returns_ok(client):
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_returns_ready_at_head(client):
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "migrations": "at_head"}


async def test_readyz_returns_503_when_migrations_are_not_at_head(client, session):
    await session.execute(text("UPDATE alembic_version SET version_num = 'some_old_revision'"))

    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "not_ready", "database": "ok", "migrations": "behind"}


async def test_metrics_are_prometheus_text_with_request_counts(client):
    await client.get("/healthz")

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE http_requests_total counter" in response.text
    assert 'http_requests_total{method="GET",route="/healthz",status="200"}' in response.text


# Audit trail and outbox


async def test_audit_entries_cannot_be_updated(session):
    entry = AuditEntry(actor_kind="system", action="test.audited", target_type="test", target_id=None)
    session.add(entry)
    await session.flush()

    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(action="test.forged"))


async def test_audit_entries_cannot_be_deleted(session):
    entry = AuditEntry(actor_kind="system", action="test.audited", target_type="test", target_id=None)
    session.add(entry)
    await session.flush()

    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(delete(AuditEntry).where(AuditEntry.id == entry.id))


async def test_rolled_back_transaction_leaves_no_outbox_event(session):
    aggregate_id = uuid.uuid4()
    savepoint = await session.begin_nested()
    emit_test_event(session, aggregate_id)
    await session.flush()

    await savepoint.rollback()

    assert await outbox_count(session, aggregate_id) == 0


async def test_committed_transaction_leaves_exactly_one_outbox_event(session):
    aggregate_id = uuid.uuid4()

    async with session.begin_nested():
        emit_test_event(session, aggregate_id)

    assert await outbox_count(session, aggregate_id) == 1


# Connection pool exhaustion


@pytest.fixture
async def tiny_pool(test_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(test_database_url, pool_size=1, max_overflow=0, pool_timeout=0.5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def tiny_pool_app(tiny_pool: AsyncEngine) -> AsyncIterator[FastAPI]:
    app = create_app(get_settings())
    app.state.sessionmaker = async_sessionmaker(tiny_pool, expire_on_commit=False, autoflush=False)
    yield app
    await app.state.rate_limits.close()


async def test_saturated_pool_returns_503_fast_and_recovers(tiny_pool, tiny_pool_app):
    async with checked_client(tiny_pool_app) as pool_client:
        held = await tiny_pool.connect()
        try:
            started = time.perf_counter()
            saturated = await pool_client.get("/v1/zones")
            elapsed = time.perf_counter() - started
        finally:
            await held.close()

        recovered = await pool_client.get("/v1/zones")

    assert saturated.status_code == 503
    assert saturated.headers["content-type"] == "application/problem+json"
    assert saturated.json()["code"] == "service_busy"
    assert int(saturated.headers["retry-after"]) > 0
    assert elapsed < 5
    assert recovered.status_code == 200
