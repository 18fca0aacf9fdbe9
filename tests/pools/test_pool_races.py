"""Concurrent joins never exceed max_members (real commits through the app on the real engine)."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.models import Hub, Notification, OutboxEvent, Pool, PoolMember, User
from tests.factories import auth_headers, make_hub, make_hub_operator, make_user
from tests.pools.conftest import POOLS_URL, pool_body
from tests.problem_codes import checked_client

HOUSEHOLDS = 8
SEATS = 3


@pytest.fixture
async def crowd(engine: AsyncEngine) -> AsyncIterator[tuple[User, list[User]]]:
    """A committed hub with its operator and eight citizens; all deleted afterwards (audit rows stay:
    that table is append-only by design)."""
    tag = uuid.uuid4().hex[:8]
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        hub = await make_hub(setup, name=f"Race hub {tag}", nil_codes=(22,))
        operator = await make_hub_operator(setup, hub, email=f"race.op.{tag}@example.org")
        citizens = [await make_user(setup, email=f"race.{i}.{tag}@example.org") for i in range(HOUSEHOLDS)]
        await setup.commit()
    yield operator, citizens
    async with sessions() as cleanup:
        pools = list(await cleanup.scalars(select(Pool.id).where(Pool.hub_id == hub.id)))
        await cleanup.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id.in_(pools)))
        await cleanup.execute(delete(Notification).where(Notification.subject_id.in_(pools)))
        await cleanup.execute(delete(Pool).where(Pool.id.in_(pools)))
        await cleanup.execute(delete(Hub).where(Hub.id == hub.id))
        await cleanup.execute(delete(User).where(User.id.in_([operator.id, *(c.id for c in citizens)])))
        await cleanup.commit()


async def test_concurrent_joins_never_exceed_max_members(engine, committing_app, crowd):
    operator, citizens = crowd
    async with checked_client(committing_app) as http:
        created = await http.post(POOLS_URL, json=pool_body(max_members=SEATS), headers=auth_headers(operator))
        assert created.status_code == 201, created.text
        pool_id = created.json()["id"]

        responses = await asyncio.gather(
            *(http.post(f"{POOLS_URL}/{pool_id}/join", json={}, headers=auth_headers(c)) for c in citizens)
        )

    async with AsyncSession(engine) as check:
        members = await check.scalar(select(func.count()).select_from(PoolMember).where(PoolMember.pool_id == pool_id))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * SEATS + [409] * (HOUSEHOLDS - SEATS)
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"pool_full"}
    assert members == SEATS
