"""A budget is never over-committed: 50 applications at once, real commits, a budget for 10."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import money
from app.admission import Admission
from app.models import Grant, OutboxEvent, Programme, ProgrammeApplication, Role, User
from tests.factories import auth_headers, make_user
from tests.problem_codes import checked_client
from tests.programmes.conftest import NIL_22, PROGRAMMES_URL, programme_body

HOUSEHOLDS = 50
GRANTS = 10
AMOUNT = 100_000


@dataclass
class Committed:
    admin: User
    citizens: list[User]


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Committed]:
    """A committed admin and fifty citizens; afterwards their programmes (with applications and
    grants) and users are deleted. The ledger's rows stay: it is append-only by design (its triggers
    refuse DELETE), and nothing else reads a deleted programme's accounts."""
    tag = uuid.uuid4().hex[:8]
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        admin = await make_user(setup, email=f"race.admin.{tag}@example.org", role=Role.admin)
        citizens = [await make_user(setup, email=f"race.{n}.{tag}@example.org") for n in range(HOUSEHOLDS)]
        await setup.commit()
    yield Committed(admin, citizens)
    async with sessions() as cleanup:
        programmes = list(await cleanup.scalars(select(Programme.id).where(Programme.created_by_id == admin.id)))
        applications = list(
            await cleanup.scalars(
                select(ProgrammeApplication.id).where(ProgrammeApplication.programme_id.in_(programmes))
            )
        )
        grants = list(await cleanup.scalars(select(Grant.id).where(Grant.programme_id.in_(programmes))))
        aggregates = [*programmes, *applications, *grants]
        await cleanup.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id.in_(aggregates)))
        await cleanup.execute(delete(Grant).where(Grant.id.in_(grants)))
        await cleanup.execute(delete(Programme).where(Programme.id.in_(programmes)))
        await cleanup.execute(delete(User).where(User.id.in_([admin.id, *(c.id for c in citizens)])))
        await cleanup.commit()


async def test_fifty_concurrent_applications_on_a_budget_for_ten_give_exactly_ten_grants(
    engine, committing_app, committed
):
    admin = auth_headers(committed.admin)
    # Fifty requests at once is more than the admission queue lets wait by default (the rest would be
    # answered 503 service_busy, by design): let them all queue, so that every one reaches the lock.
    committing_app.state.admission = Admission(capacity=10, queue=HOUSEHOLDS, timeout=60)
    async with checked_client(committing_app) as http:
        created = await http.post(
            PROGRAMMES_URL,
            json=programme_body(budget_cents=GRANTS * AMOUNT, amount_rule={"kind": "fixed", "amount_cents": AMOUNT}),
            headers=admin,
        )
        assert created.status_code == 201, created.text
        programme_id = created.json()["id"]
        opened = await http.post(f"{PROGRAMMES_URL}/{programme_id}/open", headers={**admin, "If-Match": '"1"'})
        assert opened.status_code == 200, opened.text

        responses = await asyncio.gather(
            *(
                http.post(
                    f"{PROGRAMMES_URL}/{programme_id}/applications",
                    json={"residence_nil_id": str(NIL_22)},
                    headers=auth_headers(citizen),
                )
                for citizen in committed.citizens
            )
        )

    assert [r.status_code for r in responses] == [201] * HOUSEHOLDS, [r.text for r in responses if r.status_code != 201]
    outcomes = sorted((r.json()["status"], r.json()["status_code"]) for r in responses)
    assert outcomes == [("granted", None)] * GRANTS + [("waitlisted", "programme_budget_exhausted")] * (
        HOUSEHOLDS - GRANTS
    )
    async with AsyncSession(engine) as check:
        grants = list(await check.scalars(select(Grant).where(Grant.programme_id == uuid.UUID(programme_id))))
        budget = await check.scalar(select(Programme.budget_account_id).where(Programme.id == uuid.UUID(programme_id)))
        assert budget is not None
        left = await money.balance(check, budget)
        wallets = await money.balances(check, [g.wallet_account_id for g in grants])
    assert len(grants) == GRANTS and len({g.household_id for g in grants}) == GRANTS
    assert (left.posted_cents, left.available_cents) == (0, 0)
    assert sorted(b.posted_cents for b in wallets.values()) == [AMOUNT] * GRANTS
