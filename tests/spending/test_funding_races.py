"""Concurrent acceptances drawing on one wallet, with real commits: the wallet is never overdrawn.

Five offers on five requests of one household, each accepted at once with 100.00 EUR from a wallet
of 250.00 EUR: exactly two acceptances hold their line; the others are refused whole (no engagement),
with 409 funding_unavailable when they queued on the wallet's row lock behind a winner, or 422
funding_rejected when they read the wallet after the winners had committed.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app import money
from app.models import DemandRequest, Engagement, FundingLine, MoneyHold, OutboxEvent, Programme, Provider, Role, User
from tests.demand.conftest import NIL_22, request_body
from tests.demand.offer_helpers import offer_body, offers_url
from tests.factories import auth_headers, make_provider, make_provider_staff_user, make_service, make_user
from tests.problem_codes import checked_client
from tests.spending.helpers import FOUR_WEEKS, wallet

ACCEPTANCES = 5


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[tuple[User, User, User, Provider]]:
    """A committed household, admin and accredited provider (staff, a babysitting service in NIL 22);
    afterwards its requests (with offers and engagements), programmes (with grants), provider and
    people are deleted. Ledger rows stay: the ledger is append-only, and their ids are this test's own."""
    tag = uuid.uuid4().hex[:8]
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        citizen = await make_user(setup, email=f"spend.citizen.{tag}@example.org", role=Role.citizen)
        admin = await make_user(setup, email=f"spend.admin.{tag}@example.org", role=Role.admin)
        staff = await make_provider_staff_user(setup, email=f"spend.staff.{tag}@example.org")
        provider = await make_provider(setup, staff=staff, display_name=f"Frassino {tag}")
        await make_service(
            setup,
            provider,
            category="tata-babysitter",
            zones_served=[NIL_22],
            availability=[{"day": "tue", "opens": "16:00", "closes": "19:00"}],
        )
        await setup.commit()
    yield citizen, admin, staff, provider
    async with sessions() as cleanup:
        requests = select(DemandRequest.id).where(DemandRequest.citizen_id == citizen.id)
        engagements = select(Engagement.id).where(Engagement.request_id.in_(requests))
        aggregates = [*(await cleanup.scalars(requests)), *(await cleanup.scalars(engagements))]
        await cleanup.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id.in_(aggregates)))
        await cleanup.execute(delete(DemandRequest).where(DemandRequest.citizen_id == citizen.id))
        await cleanup.execute(delete(Programme).where(Programme.created_by_id == admin.id))
        await cleanup.execute(delete(Provider).where(Provider.id == provider.id))
        await cleanup.execute(delete(User).where(User.id.in_([citizen.id, admin.id, staff.id])))
        await cleanup.commit()


async def test_concurrent_acceptances_drawing_on_one_wallet_never_overdraw_it(engine, committing_app, committed):
    citizen, admin, staff, provider = committed
    household, as_staff = auth_headers(citizen), auth_headers(staff)
    async with checked_client(committing_app, seconds=30) as http:
        grant = await wallet(http, auth_headers(admin), household, coverage=100, amount=25_000)
        offer_ids = []
        for _ in range(ACCEPTANCES):
            body = request_body(mode="open", **FOUR_WEEKS)
            request = await http.post("/v1/requests", json=body, headers=household)
            assert request.status_code == 201, request.text
            made = await http.post(offers_url(request.json()["id"]), json=offer_body(provider.id), headers=as_staff)
            assert made.status_code == 201, made.text
            offer_ids.append(made.json()["id"])
        funding = {"funding": [{"wallet_id": grant["wallet_account_id"], "amount_cents": 10_000}]}

        responses = await asyncio.gather(
            *(http.post(f"/v1/offers/{offer_id}/accept", json=funding, headers=household) for offer_id in offer_ids)
        )

    outcomes = sorted((r.status_code, r.json().get("code")) for r in responses)
    assert [o for o in outcomes if o[0] == 200] == [(200, None)] * 2, outcomes
    assert {o for o in outcomes if o[0] != 200} <= {(409, "funding_unavailable"), (422, "funding_rejected")}
    wallet_id = uuid.UUID(grant["wallet_account_id"])
    async with async_sessionmaker(engine)() as check:
        balance = await money.balance(check, wallet_id)
        holds = await check.scalar(
            select(func.count()).select_from(MoneyHold).where(MoneyHold.debit_account_id == wallet_id)
        )
        lines = await check.scalar(
            select(func.count()).select_from(FundingLine).where(FundingLine.wallet_account_id == wallet_id)
        )
        engaged = await check.scalar(
            select(func.count()).select_from(Engagement).where(Engagement.citizen_id == citizen.id)
        )
    assert (balance.posted_cents, balance.pending_cents, balance.available_cents) == (25_000, 20_000, 5_000)
    assert holds == lines == engaged == 2
