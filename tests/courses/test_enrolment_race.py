"""Concurrent enrolments never overbook: real requests, each committing in its own transaction."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.models import Course, CourseEnrolment, Hub, OutboxEvent, User
from tests.courses.conftest import COURSES_URL, course_body
from tests.factories import auth_headers, make_hub, make_hub_operator, make_user
from tests.problem_codes import checked_client

CITIZENS = 8
CAPACITY = 3


@dataclass
class Committed:
    hub: Hub
    operator: User
    citizens: list[User]


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Committed]:
    """A committed hub, its operator and eight citizens; all deleted afterwards (with the courses,
    their enrolments and outbox events); audit entries stay, the table being append-only by design."""
    tag = uuid.uuid4().hex[:8]
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        hub = await make_hub(setup, name=f"Spazio race {tag}")
        operator = await make_hub_operator(setup, hub, email=f"race.op.{tag}@example.org")
        citizens = [await make_user(setup, email=f"race.{n}.{tag}@example.org") for n in range(CITIZENS)]
        await setup.commit()
    yield Committed(hub, operator, citizens)
    async with sessions() as cleanup:
        courses = list(await cleanup.scalars(select(Course.id).where(Course.hub_id == hub.id)))
        users = [operator.id, *(c.id for c in citizens)]
        await cleanup.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id.in_(courses)))
        await cleanup.execute(delete(Course).where(Course.id.in_(courses)))
        await cleanup.execute(delete(Hub).where(Hub.id == hub.id))
        await cleanup.execute(delete(User).where(User.id.in_(users)))
        await cleanup.commit()


async def test_eight_concurrent_enrolments_on_three_seats_give_three_seats_and_a_gapless_waitlist(
    engine, committing_app, committed
):
    async with checked_client(committing_app) as http:
        created = await http.post(
            COURSES_URL,
            json=course_body(committed.hub.id, capacity=CAPACITY),
            headers=auth_headers(committed.operator),
        )
        assert created.status_code == 201, created.text
        course_id = created.json()["id"]

        responses = await asyncio.gather(
            *(
                http.post(f"{COURSES_URL}/{course_id}/enrolments", headers=auth_headers(citizen))
                for citizen in committed.citizens
            )
        )
        listed = await http.get(f"{COURSES_URL}/{course_id}/enrolments", headers=auth_headers(committed.operator))

    assert [r.status_code for r in responses] == [201] * CITIZENS
    statuses = sorted(r.json()["status"] for r in responses)
    assert statuses == ["enrolled"] * CAPACITY + ["waitlisted"] * (CITIZENS - CAPACITY)
    positions = sorted(r.json()["waitlist_position"] for r in responses if r.json()["status"] == "waitlisted")
    assert positions == list(range(1, CITIZENS - CAPACITY + 1))
    async with AsyncSession(engine) as check:
        stored = list(
            await check.scalars(select(CourseEnrolment).where(CourseEnrolment.course_id == uuid.UUID(course_id)))
        )
    assert sum(e.status.value == "enrolled" for e in stored) == CAPACITY
    assert len(stored) == CITIZENS
    assert [i["waitlist_position"] for i in listed.json()["items"][CAPACITY:]] == [1, 2, 3, 4, 5]
