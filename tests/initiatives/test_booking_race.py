"""A volunteer is never booked on two overlapping rides, even by concurrent committed requests."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.initiatives import rides as ride_service
from app.initiatives.rides import VolunteerBusy
from app.models import Hub, Initiative, OutboxEvent, Ride, RideStatus, User, Volunteer
from tests.factories import auth_headers, make_hub, make_hub_operator, make_user
from tests.initiatives.conftest import at, ride_body, verify_licence
from tests.problem_codes import checked_client


@dataclass
class Committed:
    hub: Hub
    coordinator: User
    driver: User
    citizens: list[User]


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Committed]:
    """Committed hub, coordinator, driver and citizens; deleted afterwards with the initiatives (which
    cascade to volunteers, credentials and rides) and their outbox events. Audit entries stay
    (append-only by design)."""
    tag = uuid.uuid4().hex[:8]
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        hub = await make_hub(setup, name=f"Spazio race rides {tag}")
        coordinator = await make_hub_operator(setup, hub, email=f"race.coord.{tag}@example.org")
        driver = await make_user(setup, email=f"race.driver.{tag}@example.org")
        citizens = [await make_user(setup, email=f"race.rider.{n}.{tag}@example.org") for n in range(3)]
        await setup.commit()
    yield Committed(hub, coordinator, driver, citizens)
    async with sessions() as cleanup:
        initiatives = list(await cleanup.scalars(select(Initiative.id).where(Initiative.hub_id == hub.id)))
        volunteers = list(await cleanup.scalars(select(Volunteer.id).where(Volunteer.initiative_id.in_(initiatives))))
        rides = list(await cleanup.scalars(select(Ride.id).where(Ride.initiative_id.in_(initiatives))))
        aggregates = [*initiatives, *volunteers, *rides]
        await cleanup.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id.in_(aggregates)))
        await cleanup.execute(delete(Initiative).where(Initiative.id.in_(initiatives)))
        await cleanup.execute(delete(Hub).where(Hub.id == hub.id))
        users = [coordinator.id, driver.id, *(c.id for c in citizens)]
        await cleanup.execute(delete(User).where(User.id.in_(users)))
        await cleanup.commit()


async def overlapping_rides(http: httpx.AsyncClient, committed: Committed) -> tuple[str, str, list[str]]:
    """An initiative with the driver as a licensed volunteer, and three overlapping waiting rides
    (09:00-11:00, 09:30-11:30, 10:00-12:00): (initiative id, volunteer id, ride ids)."""
    as_coordinator, as_driver = auth_headers(committed.coordinator), auth_headers(committed.driver)
    initiative = await http.post(
        "/v1/initiatives", json={"hub_id": str(committed.hub.id), "title": "Race"}, headers=as_coordinator
    )
    initiative_id = initiative.json()["id"]
    joined = await http.post(f"/v1/initiatives/{initiative_id}/volunteers", headers=as_driver)
    volunteer_id = joined.json()["id"]
    await verify_licence(http, as_driver, as_coordinator, volunteer_id)
    rides = []
    for n, citizen in enumerate(committed.citizens):
        start = at(4, 9) + timedelta(minutes=30 * n)
        created = await http.post(
            f"/v1/initiatives/{initiative_id}/rides", json=ride_body(starts=start), headers=auth_headers(citizen)
        )
        assert created.status_code == 201, created.text
        rides.append(created.json()["id"])
    return initiative_id, volunteer_id, rides


async def test_concurrent_claims_and_an_assignment_of_overlapping_rides_book_the_volunteer_once(
    engine, committing_app, committed
):
    as_coordinator, as_driver = auth_headers(committed.coordinator), auth_headers(committed.driver)
    async with checked_client(committing_app) as http:
        initiative_id, volunteer_id, rides = await overlapping_rides(http, committed)

        responses = await asyncio.gather(
            http.post(f"/v1/rides/{rides[0]}/claim", headers=as_driver),
            http.post(f"/v1/rides/{rides[1]}/claim", headers=as_driver),
            http.post(f"/v1/rides/{rides[2]}/assign", json={"volunteer_id": volunteer_id}, headers=as_coordinator),
        )

    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"volunteer_busy"}
    async with AsyncSession(engine) as check:
        booked = list(
            await check.scalars(
                select(Ride).where(Ride.initiative_id == uuid.UUID(initiative_id), Ride.status == RideStatus.assigned)
            )
        )
    assert len(booked) == 1


async def test_a_second_booking_of_the_same_person_waits_for_the_first_and_then_sees_it(
    engine, committing_app, committed
):
    """The interleaving the lock exists for, made deterministic: booking A holds the person's lock
    (not yet committed) while booking B of an overlapping ride starts. B must wait on that lock,
    not check for clashes before A commits (it would find none and double-book), and then fail."""
    async with checked_client(committing_app) as http:
        _, _, rides = await overlapping_rides(http, committed)
    sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

    async with sessions() as first, sessions() as second:
        await ride_service.claim(first, committed.driver, uuid.UUID(rides[0]), if_match=None)
        blocked = asyncio.create_task(ride_service.claim(second, committed.driver, uuid.UUID(rides[1]), if_match=None))
        await asyncio.sleep(0.5)
        waited = not blocked.done()
        await first.commit()
        with pytest.raises(VolunteerBusy):
            await blocked
        await second.rollback()

    assert waited, "the second booking did not wait for the first one's lock"
