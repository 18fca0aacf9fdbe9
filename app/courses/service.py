"""Courses run by hubs (e.g. financial education), enrolment and the waitlist.

    published ──cancel (operators)──▶ cancelled          (its live enrolments are cancelled with it)
    enrolment: enrolled | waitlisted ──cancel──▶ cancelled; waitlisted ──(a seat frees)──▶ enrolled

* Anyone may read published and cancelled courses (they are public offers of a public place).
  Courses are created and changed by the hub's operators, or admins (403 for anyone else).
* Citizens and workers enrol themselves; one live enrolment per course and person (a partial
  unique index backs it). Enrolment closes when the first session starts.
* No overbooking: every change to who holds a seat (enrol, cancel, capacity change, course
  cancel) first locks the course row (SELECT ... FOR UPDATE), then counts and writes in the same
  transaction. Concurrent enrolments therefore queue on that lock: the first `capacity` get seats,
  the rest are waitlisted in lock order. A cancelled seat (or raised capacity) promotes the head
  of the waitlist in the same transaction. Waitlist positions are computed from (queued_at, id),
  so they are always 1..n with no gaps to renumber.
* Enrolments are private: the person, and the hub's operators (who see names and contacts,
  audited); anyone else gets 404.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.catalog import service as catalog_service
from app.concurrency import ensure_version
from app.courses import repository as repo
from app.courses.schemas import (
    CourseCreate,
    CourseSession,
    CourseUpdate,
)
from app.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from app.hubs import service as hub_service
from app.models import Course, CourseEnrolment, CourseStatus, EnrolmentStatus, Role, User
from app.pagination import PageParams, Paginated, SortKey, paginate


class CourseNotFound(NotFound):
    code = "course_not_found"


class EnrolmentNotFound(NotFound):
    code = "enrolment_not_found"


class CourseNotOpen(Conflict):
    code, title = "course_not_open", "Course Not Open"


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"


class CapacityBelowEnrolled(Conflict):
    code = "capacity_below_enrolled"


class InvalidEnrolmentTransition(InvalidTransition):
    pass


# --- reading ---------------------------------------------------------------------------------------


async def _get(session: AsyncSession, course_id: uuid.UUID, *, for_update: bool = False) -> Course:
    course = await repo.get_course(session, course_id, for_update=for_update)
    if course is None:
        raise CourseNotFound("No course with this id.")
    return course


async def get_course(session: AsyncSession, course_id: uuid.UUID) -> Course:
    return await _get(session, course_id)


async def list_courses(
    session: AsyncSession,
    page: PageParams,
    *,
    hub_id: uuid.UUID | None,
    category_id: uuid.UUID | None,
    status: CourseStatus,
    upcoming: bool,
) -> Paginated[Course]:
    stmt = repo.courses_query(
        hub_id=hub_id, category_id=category_id, status=status, ending_after=datetime.now(UTC) if upcoming else None
    )
    return await paginate(
        session, stmt, page, scope=f"courses:{status}", order=[SortKey(Course.starts_at), SortKey(Course.id)]
    )


# --- operators: create, change, cancel --------------------------------------------------------------


def _check_sessions(sessions: list[CourseSession], now: datetime) -> None:
    for index, item in enumerate(sessions):
        if item.starts_at <= now:
            raise ValidationFailed("Sessions must be in the future.", pointer=f"/sessions/{index}/starts_at")
        if index and item.starts_at < sessions[index - 1].ends_at:
            raise ValidationFailed(
                "Sessions must be in order and must not overlap.", pointer=f"/sessions/{index}/starts_at"
            )


def _event(session: AsyncSession, actor: User, type_: str, course: Course, **detail: object) -> None:
    details = {k: str(v) for k, v in detail.items()}
    ledger.record(
        session,
        actor_id=actor.id,
        action=type_,
        target_type="course",
        target_id=course.id,
        payload={"course_id": str(course.id), "hub_id": str(course.hub_id), **details},
        detail=details,
    )


async def create_course(session: AsyncSession, user: User, data: CourseCreate) -> Course:
    await hub_service.require_operator(session, user, data.hub_id)
    await catalog_service.require_leaf_category(session, data.category_id, pointer="/category_id")
    _check_sessions(data.sessions, datetime.now(UTC))
    course = Course(
        id=uuid.uuid4(),
        hub_id=data.hub_id,
        category_id=data.category_id,
        title=data.title,
        description=data.description or "",
        language=data.language or "it",
        price_cents=data.price_cents,
        capacity=data.capacity,
        sessions=[s.model_dump(mode="json") for s in data.sessions],
        starts_at=data.sessions[0].starts_at,
        ends_at=data.sessions[-1].ends_at,
        status=CourseStatus.published,
        created_by_id=user.id,
    )
    session.add(course)
    await session.flush()
    _event(session, user, "course.created", course, title=course.title)
    return course


async def _require_published(course: Course) -> None:
    if course.status != CourseStatus.published:
        raise CourseNotOpen(f"The course is {course.status.value}.", current_state=course.status.value)


async def update_course(
    session: AsyncSession, user: User, course_id: uuid.UUID, data: CourseUpdate, *, if_match: list[int] | None
) -> Course:
    course = await _get(session, course_id, for_update=True)
    await hub_service.require_operator(session, user, course.hub_id)
    ensure_version(course, if_match)
    await _require_published(course)
    fields = data.model_fields_set
    if data.capacity is not None:
        enrolled, _ = (await repo.counts(session, [course.id]))[course.id]
        if data.capacity < enrolled:
            raise CapacityBelowEnrolled(
                f"{enrolled} people hold a seat; cancel enrolments before lowering the capacity below that."
            )
        course.capacity = data.capacity
    for name in ("title", "description", "language"):
        if getattr(data, name) is not None:
            setattr(course, name, getattr(data, name))
    if "price_cents" in fields:
        course.price_cents = data.price_cents
    course.updated_at = datetime.now(UTC)
    await session.flush()
    _event(session, user, "course.updated", course, fields=",".join(sorted(fields)))
    await _promote(session, user, course)
    return course


async def cancel_course(
    session: AsyncSession, user: User, course_id: uuid.UUID, *, if_match: list[int] | None
) -> Course:
    course = await _get(session, course_id, for_update=True)
    await hub_service.require_operator(session, user, course.hub_id)
    ensure_version(course, if_match)
    await _require_published(course)
    now = datetime.now(UTC)
    course.status, course.cancelled_at = CourseStatus.cancelled, now
    live = await repo.live_enrolments(session, course.id)
    for enrolment in live:
        _cancel(session, user, course, enrolment, now, reason="course_cancelled")
    await session.flush()
    _event(session, user, "course.cancelled", course)
    # Everyone who held a seat or waited for one; the operator who cancelled knows.
    people = [e.citizen_id for e in live if e.citizen_id != user.id]
    _tell(session, people, "course.cancelled", course, "course", course.id)
    return course


# --- enrolment ---------------------------------------------------------------------------------------


async def enrol(session: AsyncSession, user: User, course_id: uuid.UUID) -> CourseEnrolment:
    course = await _get(session, course_id, for_update=True)  # the seat lock: see the module docstring
    await _require_published(course)
    now = datetime.now(UTC)
    if course.starts_at <= now:
        raise CourseNotOpen("Enrolment closed when the first session started.", current_state="started")
    if await repo.live_enrolment(session, course.id, user.id) is not None:
        raise AlreadyEnrolled("You are already enrolled or on the waitlist for this course.")
    enrolled, _ = (await repo.counts(session, [course.id]))[course.id]
    seat = enrolled < course.capacity
    enrolment = CourseEnrolment(
        id=uuid.uuid4(),
        course_id=course.id,
        citizen_id=user.id,
        status=EnrolmentStatus.enrolled if seat else EnrolmentStatus.waitlisted,
        queued_at=now,
        enrolled_at=now if seat else None,
    )
    session.add(enrolment)
    await session.flush()
    _event(session, user, "course.enrolment.created", course, enrolment_id=enrolment.id, status=enrolment.status.value)
    if seat:  # a booking receipt (dates, place) people keep, though they just enrolled themselves
        _tell(session, [user.id], "enrolment.confirmed", course, "enrolment", enrolment.id)
    return enrolment


def _tell(
    session: AsyncSession, people: list[uuid.UUID], kind: str, course: Course, subject_type: str, subject_id: uuid.UUID
) -> None:
    ledger.notify(
        session,
        people,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        data={
            "course_id": str(course.id),
            "hub_id": str(course.hub_id),
            "title": course.title,
            "starts_at": course.starts_at.isoformat(),
        },
    )


def _cancel(
    session: AsyncSession, actor: User, course: Course, enrolment: CourseEnrolment, now: datetime, *, reason: str
) -> None:
    was = enrolment.status
    enrolment.status, enrolment.cancelled_at, enrolment.cancelled_by_id = EnrolmentStatus.cancelled, now, actor.id
    _event(
        session, actor, "course.enrolment.cancelled", course, enrolment_id=enrolment.id, was=was.value, reason=reason
    )


async def _promote(session: AsyncSession, actor: User, course: Course) -> None:
    """Fill free seats from the head of the waitlist (the caller holds the course lock)."""
    if course.status != CourseStatus.published or course.ends_at <= datetime.now(UTC):
        return
    enrolled, waiting = (await repo.counts(session, [course.id]))[course.id]
    free = course.capacity - enrolled
    if free <= 0 or not waiting:
        return
    now = datetime.now(UTC)
    for enrolment in await repo.first_waiting(session, course.id, limit=free):
        enrolment.status, enrolment.enrolled_at, enrolment.promoted_at = EnrolmentStatus.enrolled, now, now
        _event(session, actor, "course.enrolment.promoted", course, enrolment_id=enrolment.id)
        _tell(session, [enrolment.citizen_id], "enrolment.promoted", course, "enrolment", enrolment.id)
    await session.flush()


async def _visible_enrolment(session: AsyncSession, user: User, enrolment_id: uuid.UUID) -> CourseEnrolment:
    enrolment = await repo.get_enrolment(session, enrolment_id)
    if enrolment is None:
        raise EnrolmentNotFound("No enrolment with this id.")
    if enrolment.citizen_id != user.id:
        course = await _get(session, enrolment.course_id)
        if user.role != Role.admin and not await hub_service.is_operator(session, user, course.hub_id):
            raise EnrolmentNotFound("No enrolment with this id.")  # someone else's: it does not exist for you
    return enrolment


async def get_enrolment(session: AsyncSession, user: User, enrolment_id: uuid.UUID) -> CourseEnrolment:
    return await _visible_enrolment(session, user, enrolment_id)


async def cancel_enrolment(
    session: AsyncSession, user: User, enrolment_id: uuid.UUID, *, if_match: list[int] | None
) -> CourseEnrolment:
    """The person, or the hub's operators; a freed seat goes to the head of the waitlist at once."""
    found = await _visible_enrolment(session, user, enrolment_id)
    course = await _get(session, found.course_id, for_update=True)  # course first, then the enrolment
    enrolment = await repo.get_enrolment(session, found.id, for_update=True)
    if enrolment is None:  # never deleted while their course exists; a 404 rather than an assert (-O drops those)
        raise EnrolmentNotFound("No enrolment with this id.")
    ensure_version(enrolment, if_match)
    if enrolment.status == EnrolmentStatus.cancelled:
        raise InvalidEnrolmentTransition("The enrolment is already cancelled.", current_state="cancelled")
    by_citizen = user.id == enrolment.citizen_id
    _cancel(session, user, course, enrolment, datetime.now(UTC), reason="by_citizen" if by_citizen else "by_operator")
    if not by_citizen:  # the hub cancelled someone's seat: they must hear it (their own cancel they know)
        _tell(session, [enrolment.citizen_id], "enrolment.cancelled", course, "enrolment", enrolment.id)
    await session.flush()
    await _promote(session, user, course)
    return enrolment


async def list_course_enrolments(
    session: AsyncSession, user: User, course_id: uuid.UUID, page: PageParams, *, status: EnrolmentStatus | None
) -> Paginated[tuple[CourseEnrolment, User]]:
    course = await _get(session, course_id)
    await hub_service.require_operator(session, user, course.hub_id)
    result = await paginate(
        session,
        repo.enrolments_of_course_query(course.id, status),
        page,
        scope=f"course-enrolments:{course.id}:{status}",
        order=[SortKey(CourseEnrolment.queued_at), SortKey(CourseEnrolment.id)],
        item=lambda row: (row[0], row[1]),
    )
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="course.enrolments_read",
        target_type="course",
        target_id=course.id,
        detail={"people": len(result.items)},
    )
    return result


async def list_my_enrolments(
    session: AsyncSession, user: User, page: PageParams, *, status: EnrolmentStatus | None
) -> Paginated[CourseEnrolment]:
    return await paginate(
        session,
        repo.enrolments_of_citizen_query(user.id, status),
        page,
        scope=f"my-enrolments:{status}",
        order=[SortKey(CourseEnrolment.queued_at, descending=True), SortKey(CourseEnrolment.id, descending=True)],
    )
