"""Idempotency-Key on creating POSTs (POST /v1/partner-clients): replay, reuse, scope, expiry, races."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import get_settings
from app.idempotency import REDACTED
from app.models import IdempotencyRecord, PartnerClient, RefreshToken, Role, User
from tests.factories import auth_headers, make_user
from tests.problem_codes import checked_client

URL = "/v1/partner-clients"
NEW_CLIENT = {"name": "Cooperativa Il Girasole", "scopes": ["listings:write"]}
OTHER_CLIENT = {"name": "Cooperativa La Rondine", "scopes": ["events:read"]}


def without_secret(body: dict) -> dict:
    """Replays redact the one-time client secret (it is never stored); all else is identical."""
    return {**body, "client_secret": None}


def with_key(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def clients_created_by(session: AsyncSession, user_id: uuid.UUID) -> int:
    return await session.scalar(
        select(func.count()).select_from(PartnerClient).where(PartnerClient.created_by_id == user_id)
    )


async def test_same_key_and_body_replays_the_first_response(client, session, admin, as_admin):
    headers = with_key(as_admin, "create-girasole-1")
    first = await client.post(URL, json=NEW_CLIENT, headers=headers)

    replay = await client.post(URL, json=NEW_CLIENT, headers=headers)

    assert first.status_code == 201
    assert replay.status_code == first.status_code
    assert without_secret(replay.json()) == without_secret(first.json())
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.headers["content-type"] == first.headers["content-type"]
    assert replay.headers["etag"] == first.headers["etag"]
    assert "idempotent-replayed" not in first.headers
    assert await clients_created_by(session, admin.id) == 1


async def test_same_json_with_other_key_order_and_spacing_is_the_same_request(client, session, admin, as_admin):
    headers = {**with_key(as_admin, "create-girasole-2"), "Content-Type": "application/json"}
    first = await client.post(URL, content=b'{"name":"Il Girasole","scopes":["listings:write"]}', headers=headers)

    replay = await client.post(
        URL, content=b'{ "scopes" : [ "listings:write" ],\n  "name" : "Il Girasole" }', headers=headers
    )

    assert first.status_code == 201
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert without_secret(replay.json()) == without_secret(first.json())
    assert await clients_created_by(session, admin.id) == 1


async def test_same_key_with_another_body_returns_422_idempotency_key_reused(client, session, admin, as_admin):
    headers = with_key(as_admin, "create-girasole-3")
    await client.post(URL, json=NEW_CLIENT, headers=headers)

    response = await client.post(URL, json=OTHER_CLIENT, headers=headers)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency_key_reused"
    assert await clients_created_by(session, admin.id) == 1


async def test_key_is_scoped_per_caller_so_another_admin_gets_a_new_client(client, session, admin, as_admin):
    other_admin = await make_user(session, role=Role.admin)
    first = await client.post(URL, json=NEW_CLIENT, headers=with_key(as_admin, "shared-key"))

    response = await client.post(URL, json=NEW_CLIENT, headers=with_key(auth_headers(other_admin), "shared-key"))

    assert first.status_code == 201
    assert response.status_code == 201
    assert "idempotent-replayed" not in response.headers
    assert response.json()["id"] != first.json()["id"]
    assert response.json()["client_secret"] != first.json()["client_secret"]
    assert await clients_created_by(session, other_admin.id) == 1


async def test_key_held_by_a_running_request_returns_409_with_retry_after(client, engine, admin, as_admin):
    lock = "SELECT pg_advisory_lock(hashtextextended(:name, 0))"
    unlock = "SELECT pg_advisory_unlock(hashtextextended(:name, 0))"
    name = {"name": f"idempotency:user:{admin.id}:in-flight-key"}
    async with engine.connect() as other_request:
        await other_request.execute(text(lock), name)
        try:
            response = await client.post(URL, json=NEW_CLIENT, headers=with_key(as_admin, "in-flight-key"))
        finally:
            await other_request.execute(text(unlock), name)

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency_in_progress"
    assert response.headers["retry-after"] == "1"


async def test_key_past_its_retention_acts_as_a_new_request(client, session, admin, as_admin):
    headers = with_key(as_admin, "old-key")
    first = await client.post(URL, json=NEW_CLIENT, headers=headers)
    ttl = get_settings().api.idempotency_ttl_hours
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.principal == f"user:{admin.id}", IdempotencyRecord.key == "old-key")
        .values(created_at=datetime.now(UTC) - timedelta(hours=ttl + 1))
    )

    response = await client.post(URL, json=OTHER_CLIENT, headers=headers)

    assert first.status_code == 201
    assert response.status_code == 201
    assert "idempotent-replayed" not in response.headers
    assert response.json()["name"] == OTHER_CLIENT["name"]
    assert await clients_created_by(session, admin.id) == 2


async def test_failed_request_is_not_stored_so_the_key_can_be_retried(client, session, admin, as_admin):
    headers = with_key(as_admin, "retry-after-fix")
    failed = await client.post(URL, json={**NEW_CLIENT, "scopes": []}, headers=headers)

    response = await client.post(URL, json=NEW_CLIENT, headers=headers)

    assert failed.status_code == 422
    assert failed.json()["code"] == "validation_error"
    assert response.status_code == 201
    assert "idempotent-replayed" not in response.headers
    assert await clients_created_by(session, admin.id) == 1


async def test_stored_response_is_written_with_the_created_client(client, session, admin, as_admin):
    response = await client.post(URL, json=NEW_CLIENT, headers=with_key(as_admin, "stored-together"))

    record = await session.get(IdempotencyRecord, (f"user:{admin.id}", "stored-together"))
    assert response.status_code == 201
    assert record is not None
    assert record.response_status == 201
    assert json.loads(record.response_body) == {**response.json(), "client_secret": REDACTED}


async def test_stored_response_never_holds_the_secret(client, session, admin, as_admin):
    response = await client.post(URL, json=NEW_CLIENT, headers=with_key(as_admin, "no-secret-stored"))

    record = await session.get(IdempotencyRecord, (f"user:{admin.id}", "no-secret-stored"))
    assert response.status_code == 201
    assert response.json()["client_secret"].encode() not in record.response_body
    assert await session.get(PartnerClient, uuid.UUID(response.json()["id"])) is not None


async def test_post_without_key_creates_a_new_client_each_time(client, session, admin, as_admin):
    first = await client.post(URL, json=NEW_CLIENT, headers=as_admin)

    second = await client.post(URL, json=NEW_CLIENT, headers=as_admin)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert await clients_created_by(session, admin.id) == 2


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "caffè".encode("latin-1")])
async def test_malformed_key_returns_422_and_creates_nothing(client, session, admin, as_admin, key):
    response = await client.post(URL, json=NEW_CLIENT, headers={**as_admin, "Idempotency-Key": key})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["location"] == "header"
    assert await clients_created_by(session, admin.id) == 0


# Real commits: each request runs in its own transaction on its own connection.


@pytest.fixture
async def committed_admin(engine: AsyncEngine) -> AsyncIterator[User]:
    """A committed admin; every row the test creates for it is deleted afterwards.

    audit_entry rows stay: the table is append-only by design (the test database is recreated each run).
    """
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        admin = await make_user(setup, email=f"race.{uuid.uuid4().hex}@example.org", role=Role.admin)
        await setup.commit()
    yield admin
    async with sessions() as cleanup:
        await cleanup.execute(delete(PartnerClient).where(PartnerClient.created_by_id == admin.id))
        await cleanup.execute(delete(IdempotencyRecord).where(IdempotencyRecord.principal == f"user:{admin.id}"))
        await cleanup.execute(delete(RefreshToken).where(RefreshToken.user_id == admin.id))
        await cleanup.execute(delete(User).where(User.id == admin.id))
        await cleanup.commit()


async def test_concurrent_duplicates_create_exactly_one_client(engine, committing_app, committed_admin):
    headers = with_key(auth_headers(committed_admin), "race-key")
    async with checked_client(committing_app) as racer:
        responses = await asyncio.gather(*(racer.post(URL, json=NEW_CLIENT, headers=headers) for _ in range(2)))

    async with AsyncSession(engine) as check:
        created = await clients_created_by(check, committed_admin.id)
    statuses = sorted(r.status_code for r in responses)
    assert created == 1
    assert statuses in ([201, 409], [201, 201])
    if statuses == [201, 201]:
        assert without_secret(responses[0].json()) == without_secret(responses[1].json())
    else:
        conflict = next(r for r in responses if r.status_code == 409)
        assert conflict.json()["code"] == "idempotency_in_progress"
