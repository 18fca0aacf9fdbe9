"""Timesheets of hourly engagements: submitted by the provider's staff for one ISO week, editable
while submitted, confirmed by the household (or by the worker after the window, or by a decision),
disputed with a reason and then decided by an operator of the household's hub or an admin.

States: submitted -> confirmed | disputed; disputed -> confirmed (decision: as submitted or amended)
| rejected. Every change takes the timesheet's row lock first, so two confirmations at once (the
household and the worker, or two tabs) settle it once: the second finds it confirmed (409)."""

import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.accounts import service as account_service
from app.concurrency import ensure_version
from app.config import get_settings
from app.demand import notices, parties
from app.demand.requests import milan_today
from app.errors import AppError, Conflict, InvalidTransition, ValidationFailed
from app.models import (
    Confirmation,
    Engagement,
    PriceModel,
    Role,
    Timesheet,
    TimesheetStatus,
    User,
)
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import access as provider_access
from app.timesheets import access, rules, settlement
from app.timesheets import repository as repo
from app.timesheets.access import NotADecider, NotTheHousehold, NotTheProvider
from app.timesheets.schemas import DecisionIn, TimesheetCreate


class InvalidTimesheetTransition(InvalidTransition):
    pass


class TimesheetExists(Conflict):
    code, title = "timesheet_exists", "Timesheet Exists"


class EngagementNotHourly(Conflict):
    """Timesheets count hours: an engagement priced per month, week or session has none to count."""

    code, title = "engagement_not_hourly", "Engagement Not Hourly"


class HoursOutsideEngagement(Conflict):
    code, title = "hours_outside_engagement", "Hours Outside Engagement"


class DecisionHoursMismatch(ValidationFailed):
    code = "decision_hours_mismatch"


log = logging.getLogger(__name__)


def _hourly_price(engagement: Engagement) -> int:
    """What the household pays per hour: the income-based price recorded at acceptance when its ISEE
    band applied (app/demand/income_prices.py), else the list price."""
    household = engagement.household_price_cents
    return engagement.price_cents if household is None else household


def _window() -> timedelta:
    return timedelta(hours=get_settings().timesheets.auto_confirm_hours)


def _check_days(engagement: Engagement, monday: object, quarters: list[int]) -> None:
    """Hours only on days the engagement ran and that have begun (Milan's calendar)."""
    today = milan_today()
    for day, worked in zip(rules.week_days(monday), quarters, strict=True):  # type: ignore[arg-type]
        if not worked:
            continue
        if day > today:
            raise HoursOutsideEngagement(f"{day.isoformat()} has not come yet: hours are recorded once worked.")
        if day < engagement.start_date or (engagement.end_date is not None and day > engagement.end_date):
            ends = engagement.end_date.isoformat() if engagement.end_date else "open-ended"
            raise HoursOutsideEngagement(
                f"{day.isoformat()} is outside the engagement ({engagement.start_date.isoformat()} to {ends})."
            )


def _flags(engagement: Engagement, monday: object, quarters: list[int]) -> list[str]:
    return rules.flags(
        quarters,
        contract_type=engagement.contract_type,
        weekly_hours=engagement.weekly_hours,
        monday=monday,  # type: ignore[arg-type]
    )


async def _household_and_staff(
    session: AsyncSession, engagement: Engagement
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    request = await parties.request_by_id(session, engagement.request_id)
    assert request is not None
    staff = await notices.staff_of(session, [engagement.provider_id])
    return await notices.household(session, request), staff[engagement.provider_id]


def _record(
    session: AsyncSession, actor_id: uuid.UUID | None, event: str, timesheet: Timesheet, **detail: object
) -> None:
    ledger.record(
        session,
        actor_id=actor_id,
        action=event,
        target_type="timesheet",
        target_id=timesheet.id,
        payload={
            "timesheet_id": str(timesheet.id),
            "engagement_id": str(timesheet.engagement_id),
            "provider_id": str(timesheet.provider_id),
            "week": rules.iso_week(timesheet.week_start),
        },
        detail={"week": rules.iso_week(timesheet.week_start), **detail},
    )


def _tell(
    session: AsyncSession, people: list[uuid.UUID], kind: str, timesheet: Timesheet, actor: uuid.UUID | None
) -> None:
    notices.tell(
        session,
        people,
        kind,
        subject_type="timesheet",
        subject_id=timesheet.id,
        actor_id=actor,
        timesheet_id=timesheet.id,
        engagement_id=timesheet.engagement_id,
        week=rules.iso_week(timesheet.week_start),
    )


async def submit(session: AsyncSession, user: User, engagement_id: uuid.UUID, data: TimesheetCreate) -> Timesheet:
    engagement = await access.engagement_for_staff(session, user, engagement_id)
    if engagement.price_model != PriceModel.hourly:
        raise EngagementNotHourly(f"The engagement is priced {engagement.price_model.value}, not by the hour.")
    monday = rules.week_start(data.week)
    quarters = rules.to_quarters(data.hours)
    _check_days(engagement, monday, quarters)
    if await repo.timesheet_exists(session, engagement.id, monday):
        raise TimesheetExists(f"The engagement already has a timesheet for {data.week}: edit that one.")
    now = datetime.now(UTC)
    timesheet = Timesheet(
        engagement_id=engagement.id,
        provider_id=engagement.provider_id,
        household_id=engagement.citizen_id,
        week_start=monday,
        quarter_hours=quarters,
        hourly_price_cents=_hourly_price(engagement),
        flags=_flags(engagement, monday, quarters),
        status=TimesheetStatus.submitted,
        submitted_by_id=user.id,
        submitted_at=now,
        auto_confirm_at=now + _window(),
    )
    session.add(timesheet)
    await session.flush()
    _record(session, user.id, "timesheet.submitted", timesheet, hours=rules.to_hours(quarters))
    household, _ = await _household_and_staff(session, engagement)
    _tell(session, household, "timesheet.submitted", timesheet, user.id)
    return timesheet


async def update_hours(
    session: AsyncSession, user: User, timesheet_id: uuid.UUID, hours: list[float], *, if_match: list[int] | None
) -> Timesheet:
    """The provider corrects a submitted week. The household's window starts again: it must have
    the full window to read what it will be asked to pay."""
    timesheet, engagement, roles = await access.timesheet_for(session, user, timesheet_id, for_update=True)
    if not roles.provider:
        raise NotTheProvider("Only the provider's staff edit a timesheet's hours.")
    ensure_version(timesheet, if_match)
    _require(timesheet, TimesheetStatus.submitted, "edited")
    quarters = rules.to_quarters(hours)
    _check_days(engagement, timesheet.week_start, quarters)
    timesheet.quarter_hours = quarters
    timesheet.flags = _flags(engagement, timesheet.week_start, quarters)
    timesheet.auto_confirm_at = datetime.now(UTC) + _window()
    await session.flush()
    _record(session, user.id, "timesheet.updated", timesheet, hours=rules.to_hours(quarters))
    household, _ = await _household_and_staff(session, engagement)
    _tell(session, household, "timesheet.updated", timesheet, user.id)
    return timesheet


def _require(timesheet: Timesheet, state: TimesheetStatus, verb: str) -> None:
    if timesheet.status != state:
        raise InvalidTimesheetTransition(
            f"The timesheet is {timesheet.status.value}; only a {state.value} one can be {verb}.",
            current_state=timesheet.status.value,
        )


async def confirm(
    session: AsyncSession, user: User, timesheet_id: uuid.UUID, *, if_match: list[int] | None
) -> Timesheet:
    timesheet, engagement, roles = await access.timesheet_for(session, user, timesheet_id, for_update=True)
    if not roles.household:
        raise NotTheHousehold("The household (or the hub operator acting for it) confirms the hours.")
    ensure_version(timesheet, if_match)
    _require(timesheet, TimesheetStatus.submitted, "confirmed")
    await _settle(session, timesheet, engagement, Confirmation.household, actor_id=user.id)
    return timesheet


async def dispute(
    session: AsyncSession, user: User, timesheet_id: uuid.UUID, reason: str, *, if_match: list[int] | None
) -> Timesheet:
    timesheet, engagement, roles = await access.timesheet_for(session, user, timesheet_id, for_update=True)
    if not roles.household:
        raise NotTheHousehold("The household (or the hub operator acting for it) disputes the hours.")
    ensure_version(timesheet, if_match)
    _require(timesheet, TimesheetStatus.submitted, "disputed")
    timesheet.status = TimesheetStatus.disputed
    timesheet.disputed_at, timesheet.disputed_by_id, timesheet.dispute_reason = datetime.now(UTC), user.id, reason
    await session.flush()
    _record(session, user.id, "timesheet.disputed", timesheet, reason=reason)
    _, staff = await _household_and_staff(session, engagement)
    _tell(session, staff, "timesheet.disputed", timesheet, user.id)
    return timesheet


async def decide(
    session: AsyncSession, user: User, timesheet_id: uuid.UUID, data: DecisionIn, *, if_match: list[int] | None
) -> Timesheet:
    timesheet, engagement, roles = await access.timesheet_for(session, user, timesheet_id, for_update=True)
    if not roles.decider:
        raise NotADecider("A dispute is decided by an operator of the household's hub or an admin.")
    ensure_version(timesheet, if_match)
    _require(timesheet, TimesheetStatus.disputed, "decided")
    if (data.outcome == "amend") != (data.hours is not None):
        raise DecisionHoursMismatch("Send `hours` to amend, and only then.", pointer="/hours")
    now = datetime.now(UTC)
    timesheet.decided_at, timesheet.decided_by_id, timesheet.decision_note = now, user.id, data.note
    if data.hours is not None:
        quarters = rules.to_quarters(data.hours)
        _check_days(engagement, timesheet.week_start, quarters)
        timesheet.quarter_hours = quarters
        timesheet.flags = _flags(engagement, timesheet.week_start, quarters)
    if data.outcome == "reject":
        timesheet.status = TimesheetStatus.rejected
        await session.flush()
        _record(session, user.id, "timesheet.rejected", timesheet, note=data.note)
        household, staff = await _household_and_staff(session, engagement)
        _tell(session, [*household, *staff], "timesheet.rejected", timesheet, user.id)
        return timesheet
    await _settle(session, timesheet, engagement, Confirmation.decision, actor_id=user.id, outcome=data.outcome)
    return timesheet


async def _settle(
    session: AsyncSession,
    timesheet: Timesheet,
    engagement: Engagement,
    how: Confirmation,
    *,
    actor_id: uuid.UUID | None,
    outcome: str | None = None,
) -> None:
    """Confirm a locked timesheet: its cost is split between the household's grants (captured from
    their holds) and the co-payment due, in the caller's transaction."""
    timesheet.status = TimesheetStatus.confirmed
    timesheet.confirmation, timesheet.confirmed_by_id = how, actor_id
    timesheet.confirmed_at = datetime.now(UTC)
    await settlement.settle(session, timesheet, actor_id=actor_id)
    await session.flush()
    _record(
        session,
        actor_id,
        "timesheet.confirmed",
        timesheet,
        confirmation=how.value,
        outcome=outcome,
        cost_cents=timesheet.cost_cents,
        public_cents=timesheet.public_cents,
        copayment_cents=timesheet.copayment_cents,
    )
    household, staff = await _household_and_staff(session, engagement)
    _tell(session, [*household, *staff], "timesheet.confirmed", timesheet, actor_id)


async def auto_confirm_due(session: AsyncSession, *, limit: int = 200) -> int:
    """The worker confirms the submitted timesheets whose window passed without a dispute. Each in
    its own savepoint: one that cannot be captured (its hold gone) stays submitted and is logged by
    the caller's count, without undoing the others."""
    confirmed = 0
    for timesheet in await repo.due_for_auto_confirmation(session, datetime.now(UTC), limit=limit):
        engagement = await parties.engagement_by_id(session, timesheet.engagement_id)
        assert engagement is not None
        try:
            async with session.begin_nested():
                await _settle(session, timesheet, engagement, Confirmation.automatic, actor_id=None)
        except AppError as refused:
            log.warning("timesheet %s not auto-confirmed: %s", timesheet.id, refused.detail)
            continue
        confirmed += 1
    return confirmed


async def get_timesheet(session: AsyncSession, user: User, timesheet_id: uuid.UUID) -> Timesheet:
    timesheet, _, _ = await access.timesheet_for(session, user, timesheet_id)
    return timesheet


async def list_timesheets(
    session: AsyncSession,
    user: User,
    page: PageParams,
    *,
    status: TimesheetStatus | None,
    engagement_id: uuid.UUID | None,
) -> Paginated[Timesheet]:
    stmt = repo.timesheets_query(
        household_id=user.id if user.role == Role.citizen else None,
        provider_ids=await provider_access.staff_provider_ids(session, user.id),
        disputed_in_nils=await account_service.operated_nil_ids(session, user),
        everything=user.role == Role.admin,
    )
    if status is not None:
        stmt = stmt.where(Timesheet.status == status)
    if engagement_id is not None:
        stmt = stmt.where(Timesheet.engagement_id == engagement_id)
    return await paginate(
        session,
        stmt,
        page,
        scope="timesheets",
        order=[SortKey(Timesheet.week_start, descending=True), SortKey(Timesheet.id, descending=True)],
    )
