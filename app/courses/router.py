import uuid

from fastapi import status

from app.accounts.auth import CitizenOrWorker, CurrentUser
from app.courses import service as course_service
from app.courses.schemas import CourseCreate, CourseRead, CourseUpdate, EnrolmentRead, EnrolmentWithPerson
from app.courses.views import course_views, enrolment_views, enrolment_with_person_views
from app.db import SessionDep
from app.errors import Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, error_responses
from app.hubs.service import HubNotFound
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep
from app.models import CourseStatus, EnrolmentStatus
from app.pagination import Page, PageParamsDep, Paginated
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one

router = api_router(prefix="/courses", tags=["courses"])
enrolments_router = api_router(prefix="/enrolments", tags=["courses"])
CREATING = [IdempotencyKeyDep, CreationRateLimit]
OPERATOR_ON_COURSE = error_responses(
    NotAuthenticated,
    Forbidden,
    course_service.CourseNotFound,
    course_service.CourseNotOpen,
    course_service.CapacityBelowEnrolled,
    PreconditionFailed,
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CourseRead,
    dependencies=[*CREATING, created_at("get_course", course_id="id")],
    responses=error_responses(NotAuthenticated, Forbidden, HubNotFound, RateLimited, IdempotencyInProgress),
)
async def create_course(data: CourseCreate, session: SessionDep, user: CurrentUser) -> CourseRead:
    """Publish a course at a hub (its operators, or admins): sessions, seats, price or free."""
    course = await course_service.create_course(session, user, data)
    return await one(course_views(session, [course]))


@router.get("", response_model=Page[CourseRead])
async def list_courses(
    session: SessionDep,
    page: PageParamsDep,
    hub_id: uuid.UUID | None = None,
    category_id: uuid.UUID | None = None,
    upcoming: bool = False,
    status: CourseStatus = CourseStatus.published,
) -> Paginated[CourseRead]:
    """Courses by first session; public. `upcoming` leaves out courses whose last session has ended."""
    found = await course_service.list_courses(
        session, page, hub_id=hub_id, category_id=category_id, status=status, upcoming=upcoming
    )
    return found.with_items(await course_views(session, found.items))


@router.get("/{course_id}", response_model=CourseRead, responses=error_responses(course_service.CourseNotFound))
async def get_course(course_id: uuid.UUID, session: SessionDep) -> CourseRead:
    """One course with its seats and waitlist length; public."""
    course = await course_service.get_course(session, course_id)
    return await one(course_views(session, [course]))


@router.patch("/{course_id}", response_model=CourseRead, responses=OPERATOR_ON_COURSE)
async def update_course(
    course_id: uuid.UUID, data: CourseUpdate, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> CourseRead:
    """Change a course (the hub's operators; send If-Match). More seats promote waiting people at once."""
    course = await course_service.update_course(session, user, course_id, data, if_match=if_match)
    return await one(course_views(session, [course]))


@router.post("/{course_id}/cancel", response_model=CourseRead, responses=OPERATOR_ON_COURSE)
async def cancel_course(course_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch) -> CourseRead:
    """Cancel a course (the hub's operators; send If-Match); every live enrolment is cancelled with it."""
    course = await course_service.cancel_course(session, user, course_id, if_match=if_match)
    return await one(course_views(session, [course]))


@router.post(
    "/{course_id}/enrolments",
    status_code=status.HTTP_201_CREATED,
    response_model=EnrolmentRead,
    dependencies=[*CREATING, created_at("get_enrolment", enrolment_id="id")],
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        course_service.CourseNotFound,
        course_service.CourseNotOpen,
        course_service.AlreadyEnrolled,
        RateLimited,
        IdempotencyInProgress,
    ),
)
async def enrol_in_course(course_id: uuid.UUID, session: SessionDep, user: CitizenOrWorker) -> EnrolmentRead:
    """Enrol yourself (citizens, workers): a seat while there is one, else a place on the waitlist."""
    enrolment = await course_service.enrol(session, user, course_id)
    return await one(enrolment_views(session, [enrolment]))


@router.get(
    "/{course_id}/enrolments",
    response_model=Page[EnrolmentWithPerson],
    responses=error_responses(NotAuthenticated, Forbidden, course_service.CourseNotFound),
)
async def list_course_enrolments(
    course_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    status: EnrolmentStatus | None = None,
) -> Paginated[EnrolmentWithPerson]:
    """Who enrolled, in queue order, with contacts (the hub's operators, admins; audited)."""
    found = await course_service.list_course_enrolments(session, user, course_id, page, status=status)
    return found.with_items(await enrolment_with_person_views(session, found.items))


@enrolments_router.get("", response_model=Page[EnrolmentRead], responses=error_responses(NotAuthenticated))
async def list_my_enrolments(
    session: SessionDep, user: CurrentUser, page: PageParamsDep, status: EnrolmentStatus | None = None
) -> Paginated[EnrolmentRead]:
    """Your own enrolments, newest first, with your waitlist position."""
    found = await course_service.list_my_enrolments(session, user, page, status=status)
    return found.with_items(await enrolment_views(session, found.items))


@enrolments_router.get(
    "/{enrolment_id}",
    response_model=EnrolmentRead,
    responses=error_responses(NotAuthenticated, course_service.EnrolmentNotFound),
)
async def get_enrolment(enrolment_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> EnrolmentRead:
    """One enrolment (the person; the course's hub operators)."""
    enrolment = await course_service.get_enrolment(session, user, enrolment_id)
    return await one(enrolment_views(session, [enrolment]))


@enrolments_router.post(
    "/{enrolment_id}/cancel",
    response_model=EnrolmentRead,
    responses=error_responses(
        NotAuthenticated,
        course_service.EnrolmentNotFound,
        course_service.InvalidEnrolmentTransition,
        PreconditionFailed,
    ),
)
async def cancel_enrolment(
    enrolment_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> EnrolmentRead:
    """Give up a seat or a waitlist place (send If-Match); the first person waiting gets the seat."""
    enrolment = await course_service.cancel_enrolment(session, user, enrolment_id, if_match=if_match)
    return await one(enrolment_views(session, [enrolment]))
