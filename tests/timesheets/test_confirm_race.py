"""Two confirmations of one week at once (real commits, each request its own transaction): one
confirms and records the co-payment, the other finds it confirmed (409); the worker's sweep running
at the same moment confirms nothing more."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.models import AuditEntry, Copayment, DemandRequest, Engagement, OutboxEvent, Provider, Role, Timesheet, User
from app.timesheets import tasks
from tests.demand.conftest import NIL_22, request_body
from tests.demand.offer_helpers import offer_body, offers_url
from tests.factories import auth_headers, make_provider, make_provider_staff_user, make_service, make_user
from tests.problem_codes import checked_client
from tests.timesheets.conftest import LAST_WEEK_HOURS, monday, week


@dataclass
class Committed:
    citizen: User
    staff: User
    provider: Provider
    service_id: uuid.UUID


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Committed]:
    """A committed citizen and an accredited provider with a matching service; every row the test
    makes is deleted afterwards (the request cascades to its engagement, timesheets, co-payments);
    audit entries stay, the table being append-only by design."""
    tag = uuid.uuid4().hex[:8]
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        citizen = await make_user(setup, email=f"race.ts.citizen.{tag}@example.org", role=Role.citizen)
        staff = await make_provider_staff_user(setup, email=f"race.ts.staff.{tag}@example.org")
        provider = await make_provider(setup, staff=staff, display_name=f"Ontano {tag}")
        service = await make_service(
            setup,
            provider,
            category="tata-babysitter",
            zones_served=[NIL_22],
            availability=[{"day": "tue", "opens": "16:00", "closes": "19:00"}],
        )
        await setup.commit()
    yield Committed(citizen=citizen, staff=staff, provider=provider, service_id=service.id)
    async with sessions() as cleanup:
        requests = select(DemandRequest.id).where(DemandRequest.citizen_id == citizen.id)
        engagements = select(Engagement.id).where(Engagement.request_id.in_(requests))
        sheets = select(Timesheet.id).where(Timesheet.engagement_id.in_(engagements))
        aggregates = [*(await cleanup.scalars(requests)), *(await cleanup.scalars(engagements))]
        aggregates += list(await cleanup.scalars(sheets))
        await cleanup.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id.in_(aggregates)))
        await cleanup.execute(delete(DemandRequest).where(DemandRequest.citizen_id == citizen.id))
        await cleanup.execute(delete(Provider).where(Provider.id == provider.id))
        await cleanup.execute(delete(User).where(User.id.in_([citizen.id, staff.id])))
        await cleanup.commit()


async def test_two_confirmations_and_a_sweep_at_once_confirm_the_week_once(engine, committing_app, committed):
    as_citizen, as_staff = auth_headers(committed.citizen), auth_headers(committed.staff)
    async with checked_client(committing_app) as http:
        request = (await http.post("/v1/requests", json=request_body(), headers=as_citizen)).json()
        invited = await http.post(
            f"/v1/requests/{request['id']}/invitations",
            json={"service_ids": [str(committed.service_id)]},
            headers=as_citizen,
        )
        assert invited.status_code == 200, invited.text
        offer = await http.post(offers_url(request["id"]), json=offer_body(committed.provider.id), headers=as_staff)
        assert offer.status_code == 201, offer.text
        engagement = (await http.post(f"/v1/offers/{offer.json()['id']}/accept", headers=as_citizen)).json()
        async with AsyncSession(engine) as backdate:  # requests start in the future; hours are past days
            await backdate.execute(
                update(Engagement).where(Engagement.id == uuid.UUID(engagement["id"])).values(start_date=monday(-5))
            )
            await backdate.commit()
        body = {"week": week(-1), "hours": LAST_WEEK_HOURS}
        sheet = (await http.post(f"/v1/engagements/{engagement['id']}/timesheets", json=body, headers=as_staff)).json()
        async with AsyncSession(engine) as due:  # the window has passed too: the worker may take it
            await due.execute(
                update(Timesheet)
                .where(Timesheet.id == uuid.UUID(sheet["id"]))
                .values(auto_confirm_at=datetime.now(UTC) - timedelta(minutes=1))
            )
            await due.commit()

        async def sweep() -> int:
            async with AsyncSession(engine) as worker, worker.begin():
                return await tasks.auto_confirm(worker)

        url = f"/v1/timesheets/{sheet['id']}/confirm"
        first, second, swept = await asyncio.gather(
            http.post(url, headers=as_citizen), http.post(url, headers=as_citizen), sweep()
        )

    async with AsyncSession(engine) as check:
        stored = await check.get(Timesheet, uuid.UUID(sheet["id"]))
        copayments = list(await check.scalars(select(Copayment).where(Copayment.timesheet_id == stored.id)))
        confirmations = await check.scalars(
            select(AuditEntry.action).where(
                AuditEntry.target_id == stored.id, AuditEntry.action == "timesheet.confirmed"
            )
        )
        confirmed_events = len(list(confirmations))
    statuses = sorted([first.status_code, second.status_code])
    # The worker skips a locked row (SKIP LOCKED) or finds it confirmed: one of the three confirms.
    assert statuses in ([200, 409], [409, 409])
    assert statuses.count(200) + swept == 1
    for refused in (r for r in (first, second) if r.status_code == 409):
        assert refused.json()["code"] == "invalid_transition"
    assert stored is not None and stored.status.value == "confirmed"
    assert [c.amount_cents for c in copayments] == [10200]
    assert confirmed_events == 1
