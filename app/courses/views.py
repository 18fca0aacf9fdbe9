"""Courses' responses, built for a whole page at once: one query per related table, whatever the
page size (the query-count guard in tests/test_query_counts.py holds lists to it)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.courses import repository as repo
from app.courses.schemas import CourseRead, EnrolmentRead, EnrolmentWithPerson
from app.models import Course, CourseEnrolment, User
from app.shared_schemas import from_row


async def course_views(session: AsyncSession, courses: Sequence[Course]) -> list[CourseRead]:
    """Each course with its seats taken, its waitlist length and the seats left."""
    counts = await repo.counts(session, [c.id for c in courses])
    views = []
    for course in courses:
        enrolled, waitlisted = counts[course.id]
        views.append(
            from_row(
                CourseRead,
                course,
                is_free=not course.price_cents,
                enrolled=enrolled,
                waitlisted=waitlisted,
                seats_left=max(course.capacity - enrolled, 0),
            )
        )
    return views


async def enrolment_views(session: AsyncSession, enrolments: Sequence[CourseEnrolment]) -> list[EnrolmentRead]:
    """Each enrolment with its place on the waitlist (None unless waitlisted)."""
    positions = await repo.waitlist_positions(session, sorted({e.course_id for e in enrolments}))
    return [from_row(EnrolmentRead, e, waitlist_position=positions.get(e.id)) for e in enrolments]


async def enrolment_with_person_views(
    session: AsyncSession, rows: Sequence[tuple[CourseEnrolment, User]]
) -> list[EnrolmentWithPerson]:
    """What the hub's operators see: each enrolment with the enrolled person's name and contacts
    (the person comes joined with the enrolment by the listing query)."""
    positions = await repo.waitlist_positions(session, sorted({e.course_id for e, _ in rows}))
    return [
        from_row(
            EnrolmentWithPerson,
            enrolment,
            waitlist_position=positions.get(enrolment.id),
            full_name=person.full_name,
            email=person.email,
            phone=person.phone,
        )
        for enrolment, person in rows
    ]
