import uuid

from fastapi import status

from app.accounts.auth import CurrentUser
from app.db import ReadSessionDep, SessionDep
from app.demand.engagements import EngagementNotFound
from app.errors import NotAuthenticated, PreconditionFailed, RateLimited, error_responses, merge_responses
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep
from app.models import CopaymentStatus, TimesheetStatus
from app.pagination import Page, PageParamsDep, Paginated
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one
from app.timesheets import copayments, service
from app.timesheets.access import NotADecider, NotTheHousehold, NotTheProvider, TimesheetNotFound
from app.timesheets.rules import WeekDoesNotExist
from app.timesheets.schemas import (
    CopaymentRead,
    CopaymentReceived,
    DecisionIn,
    DisputeIn,
    TimesheetCreate,
    TimesheetRead,
    TimesheetUpdate,
)
from app.timesheets.views import copayment_views, timesheet_views

engagement_timesheets_router = api_router(prefix="/engagements", tags=["timesheets"])
timesheets_router = api_router(prefix="/timesheets", tags=["timesheets"])
copayments_router = api_router(prefix="/copayments", tags=["timesheets"])

TIMESHEET = error_responses(NotAuthenticated, TimesheetNotFound)
CHANGING = merge_responses(TIMESHEET, error_responses(PreconditionFailed, service.InvalidTimesheetTransition))


@engagement_timesheets_router.post(
    "/{engagement_id}/timesheets",
    status_code=status.HTTP_201_CREATED,
    response_model=TimesheetRead,
    dependencies=[IdempotencyKeyDep, CreationRateLimit, created_at("get_timesheet", timesheet_id="id")],
    responses=error_responses(
        NotAuthenticated,
        EngagementNotFound,
        service.EngagementNotHourly,
        service.TimesheetExists,
        service.HoursOutsideEngagement,
        WeekDoesNotExist,
        RateLimited,
        IdempotencyInProgress,
    ),
)
async def submit_timesheet(
    engagement_id: uuid.UUID, data: TimesheetCreate, session: SessionDep, user: CurrentUser
) -> TimesheetRead:
    """Submit a week's hours of an hourly engagement (its provider's staff), once per ISO week. Hours
    past the contract's weekly hours or the CCNL's limits are flagged, not refused; the household
    confirms or disputes, or it is confirmed automatically after the window."""
    timesheet = await service.submit(session, user, engagement_id, data)
    return await one(timesheet_views(session, [timesheet]))


@timesheets_router.get("", response_model=Page[TimesheetRead], responses=error_responses(NotAuthenticated))
async def list_timesheets(
    session: ReadSessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    status: TimesheetStatus | None = None,
    engagement_id: uuid.UUID | None = None,
) -> Paginated[TimesheetRead]:
    """Timesheets you may see, latest week first: your household's, your provider's, the disputed
    ones of your hubs' NILs (hub operators decide them), or all (admins)."""
    found = await service.list_timesheets(session, user, page, status=status, engagement_id=engagement_id)
    return found.with_items(await timesheet_views(session, found.items))


@timesheets_router.get("/{timesheet_id}", response_model=TimesheetRead, responses=TIMESHEET)
async def get_timesheet(timesheet_id: uuid.UUID, session: ReadSessionDep, user: CurrentUser) -> TimesheetRead:
    """One timesheet (its two sides; the operators deciding it; admins)."""
    timesheet = await service.get_timesheet(session, user, timesheet_id)
    return await one(timesheet_views(session, [timesheet]))


@timesheets_router.patch(
    "/{timesheet_id}",
    response_model=TimesheetRead,
    responses=merge_responses(CHANGING, error_responses(NotTheProvider, service.HoursOutsideEngagement)),
)
async def update_timesheet(
    timesheet_id: uuid.UUID, data: TimesheetUpdate, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> TimesheetRead:
    """Correct a submitted week's hours (the provider's staff; send If-Match). The household's window
    to confirm or dispute starts again."""
    timesheet = await service.update_hours(session, user, timesheet_id, data.hours, if_match=if_match)
    return await one(timesheet_views(session, [timesheet]))


@timesheets_router.post(
    "/{timesheet_id}/confirm",
    response_model=TimesheetRead,
    responses=merge_responses(CHANGING, error_responses(NotTheHousehold)),
)
async def confirm_timesheet(
    timesheet_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> TimesheetRead:
    """Confirm the hours (the household, or the hub operator acting for it): the grants' share is
    captured and the rest is the co-payment due to the provider."""
    timesheet = await service.confirm(session, user, timesheet_id, if_match=if_match)
    return await one(timesheet_views(session, [timesheet]))


@timesheets_router.post(
    "/{timesheet_id}/dispute",
    response_model=TimesheetRead,
    responses=merge_responses(CHANGING, error_responses(NotTheHousehold)),
)
async def dispute_timesheet(
    timesheet_id: uuid.UUID, data: DisputeIn, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> TimesheetRead:
    """Dispute the hours with a reason (the household): an operator of its hub or an admin decides."""
    timesheet = await service.dispute(session, user, timesheet_id, data.reason, if_match=if_match)
    return await one(timesheet_views(session, [timesheet]))


@timesheets_router.post(
    "/{timesheet_id}/decision",
    response_model=TimesheetRead,
    responses=merge_responses(
        CHANGING, error_responses(NotADecider, service.DecisionHoursMismatch, service.HoursOutsideEngagement)
    ),
)
async def decide_timesheet(
    timesheet_id: uuid.UUID, data: DecisionIn, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> TimesheetRead:
    """Decide a disputed timesheet (an operator of the household's hub, or an admin): confirm it, amend
    the hours and confirm, or reject it, with a note both sides read."""
    timesheet = await service.decide(session, user, timesheet_id, data, if_match=if_match)
    return await one(timesheet_views(session, [timesheet]))


@copayments_router.get("", response_model=Page[CopaymentRead], responses=error_responses(NotAuthenticated))
async def list_copayments(
    session: ReadSessionDep, user: CurrentUser, page: PageParamsDep, status: CopaymentStatus | None = None
) -> Paginated[CopaymentRead]:
    """Co-payments your household owes, or owed to your provider (`status=due`: what is outstanding)."""
    found = await copayments.list_copayments(session, user, page, status=status)
    return found.with_items(await copayment_views(session, found.items))


@copayments_router.post(
    "/{copayment_id}/received",
    response_model=CopaymentRead,
    responses=error_responses(
        NotAuthenticated, copayments.CopaymentNotFound, PreconditionFailed, copayments.InvalidCopaymentTransition
    ),
)
async def mark_copayment_received(
    copayment_id: uuid.UUID, data: CopaymentReceived, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> CopaymentRead:
    """Mark a co-payment received, and how (the provider's staff): the household sees it settled."""
    copayment = await copayments.mark_received(session, user, copayment_id, data, if_match=if_match)
    return await one(copayment_views(session, [copayment]))
