import uuid
from typing import Annotated

from fastapi import Depends, status

from app.accounts.auth import Admin, CurrentUser, OptionalUser, require_roles
from app.db import ReadSessionDep, SessionDep
from app.errors import Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, error_responses
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep
from app.models import ApplicationStatus, GrantStatus, ProgrammeStatus, Role, User
from app.pagination import Page, PageParamsDep, Paginated
from app.programmes import applications as application_service
from app.programmes import grants as grant_service
from app.programmes import service as programme_service
from app.programmes.schemas import (
    ApplicationCreate,
    ApplicationRead,
    Approval,
    Decision,
    GrantRead,
    ProgrammeCreate,
    ProgrammeRead,
    ProgrammeUpdate,
)
from app.programmes.views import application_views, grant_views, programme_views
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one

router = api_router(prefix="/programmes", tags=["programmes"])
applications_router = api_router(prefix="/programme-applications", tags=["programmes"])
grants_router = api_router(prefix="/grants", tags=["programmes"])

Applicant = Annotated[
    User,
    Depends(
        require_roles(
            Role.citizen, Role.hub_operator, reason="Citizens apply for their household; hub operators for a citizen."
        )
    ),
]
Reviewer = Annotated[
    User,
    Depends(require_roles(Role.hub_operator, Role.admin, reason="Hub operators and admins review applications.")),
]
ADMIN_ON_PROGRAMME = error_responses(
    NotAuthenticated,
    Forbidden,
    programme_service.ProgrammeNotFound,
    programme_service.InvalidProgrammeTransition,
    PreconditionFailed,
)
REVIEW = error_responses(
    NotAuthenticated,
    Forbidden,
    application_service.ApplicationNotFound,
    application_service.InvalidApplicationTransition,
    application_service.ProgrammeNotOpen,
    application_service.IseeNeededForAmount,
    PreconditionFailed,
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgrammeRead,
    dependencies=[IdempotencyKeyDep, CreationRateLimit, created_at("get_programme", programme_id="id")],
    responses=error_responses(NotAuthenticated, Forbidden, RateLimited, IdempotencyInProgress),
)
async def create_programme(data: ProgrammeCreate, session: SessionDep, admin: Admin) -> ProgrammeRead:
    """Draft a funding programme (admins): funder, budget, categories, eligibility, amount rule."""
    programme = await programme_service.create_programme(session, admin, data)
    return await one(programme_views(session, [programme]))


@router.get("", response_model=Page[ProgrammeRead])
async def list_programmes(
    session: ReadSessionDep,
    page: PageParamsDep,
    user: OptionalUser,
    status: ProgrammeStatus | None = None,
    category_id: uuid.UUID | None = None,
) -> Paginated[ProgrammeRead]:
    """Programmes, newest first: open and closed ones for everyone; every state for hub operators and admins."""
    found = await programme_service.list_programmes(session, user, page, status=status, category_id=category_id)
    return found.with_items(await programme_views(session, found.items))


@router.get(
    "/{programme_id}", response_model=ProgrammeRead, responses=error_responses(programme_service.ProgrammeNotFound)
)
async def get_programme(programme_id: uuid.UUID, session: ReadSessionDep, user: OptionalUser) -> ProgrammeRead:
    """One programme (drafts and archived ones: hub operators and admins only)."""
    programme = await programme_service.get_programme(session, user, programme_id)
    return await one(programme_views(session, [programme]))


@router.patch(
    "/{programme_id}",
    response_model=ProgrammeRead,
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        programme_service.ProgrammeNotFound,
        programme_service.InvalidProgrammeTransition,
        programme_service.ProgrammeTermsLocked,
        PreconditionFailed,
    ),
)
async def update_programme(
    programme_id: uuid.UUID, data: ProgrammeUpdate, session: SessionDep, admin: Admin, if_match: IfMatch
) -> ProgrammeRead:
    """Change a programme (admins; send If-Match): terms while a draft, names and descriptions until archived."""
    programme = await programme_service.update_programme(session, admin, programme_id, data, if_match=if_match)
    return await one(programme_views(session, [programme]))


@router.post(
    "/{programme_id}/open",
    response_model=ProgrammeRead,
    dependencies=[IdempotencyKeyDep],
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        programme_service.ProgrammeNotFound,
        programme_service.InvalidProgrammeTransition,
        programme_service.ProgrammeWindowOver,
        PreconditionFailed,
        IdempotencyInProgress,
    ),
)
async def open_programme(
    programme_id: uuid.UUID, session: SessionDep, admin: Admin, if_match: IfMatch
) -> ProgrammeRead:
    """Open a draft (admins; send If-Match): its budget moves from the funder's account to the programme's."""
    programme = await programme_service.change_status(session, admin, programme_id, "open", if_match=if_match)
    return await one(programme_views(session, [programme]))


@router.post("/{programme_id}/close", response_model=ProgrammeRead, responses=ADMIN_ON_PROGRAMME)
async def close_programme(
    programme_id: uuid.UUID, session: SessionDep, admin: Admin, if_match: IfMatch
) -> ProgrammeRead:
    """Stop taking applications (admins; send If-Match); grants already made stay spendable."""
    programme = await programme_service.change_status(session, admin, programme_id, "close", if_match=if_match)
    return await one(programme_views(session, [programme]))


@router.post("/{programme_id}/archive", response_model=ProgrammeRead, responses=ADMIN_ON_PROGRAMME)
async def archive_programme(
    programme_id: uuid.UUID, session: SessionDep, admin: Admin, if_match: IfMatch
) -> ProgrammeRead:
    """Archive a closed programme, or a draft never opened (admins; send If-Match)."""
    programme = await programme_service.change_status(session, admin, programme_id, "archive", if_match=if_match)
    return await one(programme_views(session, [programme]))


@router.post(
    "/{programme_id}/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationRead,
    dependencies=[IdempotencyKeyDep, CreationRateLimit, created_at("get_programme_application", application_id="id")],
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        programme_service.ProgrammeNotFound,
        application_service.ProgrammeNotOpen,
        application_service.AlreadyApplied,
        RateLimited,
        IdempotencyInProgress,
    ),
)
async def apply_to_programme(
    programme_id: uuid.UUID, data: ApplicationCreate, session: SessionDep, user: Applicant
) -> ApplicationRead:
    """Apply (a citizen, or a hub operator for a citizen with consent): checked rule by rule at once;
    granted, waitlisted, ineligible, or sent to the operators' review."""
    application = await application_service.apply(session, user, programme_id, data)
    return await one(application_views(session, [application]))


@applications_router.get("", response_model=Page[ApplicationRead], responses=error_responses(NotAuthenticated))
async def list_programme_applications(
    session: ReadSessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    status: ApplicationStatus | None = None,
    programme_id: uuid.UUID | None = None,
) -> Paginated[ApplicationRead]:
    """Applications, oldest first: your own; for hub operators those of their NILs (the review
    queue: status=needs_review); all for admins."""
    found = await application_service.list_applications(session, user, page, status=status, programme_id=programme_id)
    return found.with_items(await application_views(session, found.items))


@applications_router.get(
    "/{application_id}",
    response_model=ApplicationRead,
    responses=error_responses(NotAuthenticated, application_service.ApplicationNotFound),
)
async def get_programme_application(
    application_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> ApplicationRead:
    """One application with its rule-by-rule check (the household; its NIL's hub operators and admins, audited)."""
    application = await application_service.get_application(session, user, application_id)
    return await one(application_views(session, [application]))


@applications_router.post("/{application_id}/approve", response_model=ApplicationRead, responses=REVIEW)
async def approve_programme_application(
    application_id: uuid.UUID, data: Approval, session: SessionDep, user: Reviewer, if_match: IfMatch
) -> ApplicationRead:
    """Approve an application under review or waitlisted (its NIL's hub operators, admins; send If-Match):
    granted if the budget has room, else waitlisted."""
    application = await application_service.approve(
        session, user, application_id, reason=data.reason, if_match=if_match
    )
    return await one(application_views(session, [application]))


@applications_router.post("/{application_id}/reject", response_model=ApplicationRead, responses=REVIEW)
async def reject_programme_application(
    application_id: uuid.UUID, data: Decision, session: SessionDep, user: Reviewer, if_match: IfMatch
) -> ApplicationRead:
    """Reject an application under review or waitlisted, with the reason (its NIL's hub operators, admins)."""
    application = await application_service.reject(session, user, application_id, reason=data.reason, if_match=if_match)
    return await one(application_views(session, [application]))


@grants_router.get("", response_model=Page[GrantRead], responses=error_responses(NotAuthenticated))
async def list_grants(
    session: ReadSessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    status: GrantStatus | None = None,
    programme_id: uuid.UUID | None = None,
) -> Paginated[GrantRead]:
    """Grants, soonest expiry first: your household's; every household's for admins."""
    found = await grant_service.list_grants(session, user, page, status=status, programme_id=programme_id)
    return found.with_items(await grant_views(session, found.items))


@grants_router.get(
    "/{grant_id}", response_model=GrantRead, responses=error_responses(NotAuthenticated, grant_service.GrantNotFound)
)
async def get_grant(grant_id: uuid.UUID, session: ReadSessionDep, user: CurrentUser) -> GrantRead:
    """One grant (the household; admins)."""
    grant = await grant_service.get_grant(session, user, grant_id)
    return await one(grant_views(session, [grant]))
