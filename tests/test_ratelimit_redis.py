"""The shared (Redis) rate-limit store, against a real Redis when one answers on REDIS_URL
(default redis://127.0.0.1:6379/15). CI machines run one; elsewhere the test is skipped and says why."""

import os
import uuid

import pytest

from app.errors import RateLimited
from app.ratelimit import RedisStore, enforce

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
async def redis_store():
    store = RedisStore(REDIS_URL)
    try:
        await store._redis.ping()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server here"
        await store.close()
        pytest.skip(f"no Redis at {REDIS_URL}: {exc.__class__.__name__}")
    yield store
    await store.close()


async def test_redis_store_counts_hits_across_store_instances(redis_store):
    key = f"test:{uuid.uuid4()}"
    other_replica = RedisStore(REDIS_URL)

    first = await redis_store.hit(key, 60)
    second = await other_replica.hit(key, 60)
    await other_replica.close()

    assert first[0] == 1
    assert second[0] == 2
    assert 0 < second[1] <= 60


async def test_redis_store_enforces_the_limit_with_a_retry_after(redis_store):
    key = f"test:{uuid.uuid4()}"
    await enforce(redis_store, key, policy="test", limit=2, window_seconds=30)
    await enforce(redis_store, key, policy="test", limit=2, window_seconds=30)

    with pytest.raises(RateLimited) as raised:
        await enforce(redis_store, key, policy="test", limit=2, window_seconds=30)

    assert 1 <= int(raised.value.headers["Retry-After"]) <= 30
