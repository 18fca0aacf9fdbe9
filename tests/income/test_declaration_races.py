"""Declarations and decisions at the same moment, each request committing in its own transaction:
one pending and one verified declaration per household at most, one decision per declaration."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.models import AuditEntry, Hub, IseeDeclaration, Notification, OutboxEvent, Role, User
from tests.factories import auth_headers, make_hub, make_hub_operator, make_user
from tests.income.conftest import DECLARATIONS, MY_ISEE, declaration
from tests.problem_codes import checked_client

AT_ONCE = 6


@dataclass
class Committed:
    citizen: User
    operator: User
    admin: User


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Committed]:
    """A committed citizen, an operator of NIL 22's hub and an admin; deleted afterwards with their
    declarations (audit entries stay: the table is append-only by design)."""
    tag = uuid.uuid4().hex[:8]
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        hub = await make_hub(setup, name=f"Spazio ISEE {tag}")
        operator = await make_hub_operator(setup, hub, email=f"isee.op.{tag}@example.org")
        citizen = await make_user(setup, email=f"isee.{tag}@example.org")
        admin = await make_user(setup, email=f"isee.admin.{tag}@example.org", role=Role.admin)
        await setup.commit()
    yield Committed(citizen, operator, admin)
    async with sessions() as cleanup:
        users = [citizen.id, operator.id, admin.id]
        ids = list(await cleanup.scalars(select(IseeDeclaration.id).where(IseeDeclaration.household_id == citizen.id)))
        await cleanup.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id.in_(ids)))
        await cleanup.execute(delete(Notification).where(Notification.user_id.in_(users)))
        await cleanup.execute(delete(IseeDeclaration).where(IseeDeclaration.id.in_(ids)))
        await cleanup.execute(delete(Hub).where(Hub.id == hub.id))
        await cleanup.execute(delete(User).where(User.id.in_(users)))
        await cleanup.commit()


async def statuses(engine: AsyncEngine, household_id: uuid.UUID) -> list[str]:
    async with AsyncSession(engine) as check:
        rows = await check.scalars(select(IseeDeclaration.status).where(IseeDeclaration.household_id == household_id))
        return sorted(status.value for status in rows)


async def test_declarations_made_at_once_leave_exactly_one_pending(engine, committing_app, committed):
    headers = auth_headers(committed.citizen)
    async with checked_client(committing_app) as http:
        responses = await asyncio.gather(
            *(http.post(MY_ISEE, json=declaration(value_cents=1000 * n), headers=headers) for n in range(AT_ONCE))
        )

    assert [r.status_code for r in responses] == [201] * AT_ONCE
    assert await statuses(engine, committed.citizen.id) == ["pending"] + ["superseded"] * (AT_ONCE - 1)


async def test_two_staff_deciding_at_once_make_one_decision(engine, committing_app, committed):
    async with checked_client(committing_app) as http:
        declared = await http.post(MY_ISEE, json=declaration(), headers=auth_headers(committed.citizen))
        url = f"{DECLARATIONS}/{declared.json()['id']}"
        verified, rejected = await asyncio.gather(
            http.post(f"{url}/verification", json={"evidence_ref": "vista"}, headers=auth_headers(committed.operator)),
            http.post(f"{url}/rejection", json={"reason": "non corrisponde"}, headers=auth_headers(committed.admin)),
        )

    assert sorted([verified.status_code, rejected.status_code]) == [200, 409]
    loser = verified if verified.status_code == 409 else rejected
    assert loser.json()["code"] == "invalid_transition"
    assert len(await statuses(engine, committed.citizen.id)) == 1
    async with AsyncSession(engine) as check:
        decisions = await check.scalars(
            select(AuditEntry.action).where(
                AuditEntry.target_id == uuid.UUID(declared.json()["id"]),
                AuditEntry.action.in_(("isee.verified", "isee.rejected")),
            )
        )
        assert len(list(decisions)) == 1
