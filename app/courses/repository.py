import uuid
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import locked
from app.models import Course, CourseEnrolment, CourseStatus, EnrolmentStatus, User

LIVE = (EnrolmentStatus.enrolled, EnrolmentStatus.waitlisted)


async def get_course(session: AsyncSession, course_id: uuid.UUID, *, for_update: bool = False) -> Course | None:
    """FOR UPDATE serialises everything that changes who holds a seat on this course."""
    stmt = select(Course).where(Course.id == course_id)
    if for_update:
        stmt = locked(stmt)
    return (await session.scalars(stmt)).one_or_none()


def courses_query(
    *,
    hub_id: uuid.UUID | None,
    category_id: uuid.UUID | None,
    status: CourseStatus | None,
    ending_after: datetime | None,
) -> Select[Course]:
    stmt = select(Course)
    if hub_id is not None:
        stmt = stmt.where(Course.hub_id == hub_id)
    if category_id is not None:
        stmt = stmt.where(Course.category_id == category_id)
    if status is not None:
        stmt = stmt.where(Course.status == status)
    if ending_after is not None:
        stmt = stmt.where(Course.ends_at > ending_after)
    return stmt


async def counts(session: AsyncSession, course_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """(enrolled, waitlisted) per course."""
    stmt = (
        select(
            CourseEnrolment.course_id,
            func.count().filter(CourseEnrolment.status == EnrolmentStatus.enrolled),
            func.count().filter(CourseEnrolment.status == EnrolmentStatus.waitlisted),
        )
        .where(CourseEnrolment.course_id.in_(course_ids), CourseEnrolment.status.in_(LIVE))
        .group_by(CourseEnrolment.course_id)
    )
    found = {row[0]: (row[1], row[2]) for row in await session.execute(stmt)}
    return {course_id: found.get(course_id, (0, 0)) for course_id in course_ids}


async def get_enrolment(
    session: AsyncSession, enrolment_id: uuid.UUID, *, for_update: bool = False
) -> CourseEnrolment | None:
    stmt = select(CourseEnrolment).where(CourseEnrolment.id == enrolment_id)
    if for_update:
        stmt = locked(stmt)
    return (await session.scalars(stmt)).one_or_none()


async def live_enrolment(session: AsyncSession, course_id: uuid.UUID, citizen_id: uuid.UUID) -> CourseEnrolment | None:
    stmt = select(CourseEnrolment).where(
        CourseEnrolment.course_id == course_id,
        CourseEnrolment.citizen_id == citizen_id,
        CourseEnrolment.status.in_(LIVE),
    )
    return (await session.scalars(stmt)).one_or_none()


async def first_waiting(session: AsyncSession, course_id: uuid.UUID, *, limit: int) -> list[CourseEnrolment]:
    """The head of the waitlist, locked (the course row is locked too, so nobody else moves it)."""
    stmt = (
        select(CourseEnrolment)
        .where(CourseEnrolment.course_id == course_id, CourseEnrolment.status == EnrolmentStatus.waitlisted)
        .order_by(CourseEnrolment.queued_at, CourseEnrolment.id)
        .limit(limit)
        .with_for_update()
    )
    return list(await session.scalars(stmt))


async def live_enrolments(session: AsyncSession, course_id: uuid.UUID) -> list[CourseEnrolment]:
    stmt = (
        select(CourseEnrolment)
        .where(CourseEnrolment.course_id == course_id, CourseEnrolment.status.in_(LIVE))
        .order_by(CourseEnrolment.queued_at, CourseEnrolment.id)
        .with_for_update()
    )
    return list(await session.scalars(stmt))


async def waitlist_positions(session: AsyncSession, course_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """enrolment id → 1-based place in its course's queue, for every waitlisted enrolment."""
    position = func.row_number().over(
        partition_by=CourseEnrolment.course_id, order_by=(CourseEnrolment.queued_at, CourseEnrolment.id)
    )
    stmt = select(CourseEnrolment.id, position).where(
        CourseEnrolment.course_id.in_(course_ids), CourseEnrolment.status == EnrolmentStatus.waitlisted
    )
    return {row[0]: row[1] for row in await session.execute(stmt)}


def enrolments_of_course_query(course_id: uuid.UUID, status: EnrolmentStatus | None) -> Select[CourseEnrolment, User]:
    stmt = select(CourseEnrolment, User).join(User, User.id == CourseEnrolment.citizen_id)
    stmt = stmt.where(CourseEnrolment.course_id == course_id)
    if status is not None:
        stmt = stmt.where(CourseEnrolment.status == status)
    return stmt


def enrolments_of_citizen_query(citizen_id: uuid.UUID, status: EnrolmentStatus | None) -> Select[CourseEnrolment]:
    stmt = select(CourseEnrolment).where(CourseEnrolment.citizen_id == citizen_id)
    if status is not None:
        stmt = stmt.where(CourseEnrolment.status == status)
    return stmt
