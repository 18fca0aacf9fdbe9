"""The community demo: skipped without its hub; with it, a full course with a waitlist and rides, once."""

from sqlalchemy import func, select

from app.models import Course, CourseEnrolment, Ride, RideStatus
from app.seed.community_demo import HUB_NAME, seed_community_demo
from app.seed.demo import seed_demo
from tests.factories import make_hub


async def test_the_community_demo_is_skipped_without_its_hub(session):
    await seed_demo(session)

    assert await seed_community_demo(session) == {"demo_community_created": 0}


async def test_the_community_demo_fills_a_course_with_a_waitlist_and_books_a_ride_once(session):
    await seed_demo(session)
    hub = await make_hub(session, name=HUB_NAME, nil_codes=(50,))

    first = await seed_community_demo(session)
    second = await seed_community_demo(session)

    assert (first["demo_community_created"], second["demo_community_created"]) == (1, 0)
    course = (await session.scalars(select(Course).where(Course.hub_id == hub.id))).one()
    statuses = await session.scalars(select(CourseEnrolment.status).where(CourseEnrolment.course_id == course.id))
    assert sorted(s.value for s in statuses) == ["enrolled"] * 4 + ["waitlisted"] * 2
    rides = dict((await session.execute(select(Ride.status, func.count()).group_by(Ride.status))).all())
    assert (rides[RideStatus.assigned], rides[RideStatus.requested]) == (1, 1)
