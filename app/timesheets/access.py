"""Who may do what with a timesheet, from demand's facts (read through app.demand.parties):

* the provider's staff submit and edit (an individual provider's staff is the worker);
* the household confirms or disputes: the citizen, or the hub operator acting for them;
* a dispute is decided by an operator of a hub serving the request's NIL (the household's hub) or
  by an admin, who also read every timesheet.

Anyone else is told the timesheet does not exist (404), as for the engagement itself."""

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as account_service
from app.demand import parties
from app.demand.engagements import EngagementNotFound
from app.errors import Forbidden, NotFound
from app.models import DemandRequest, Engagement, Role, Timesheet, User
from app.providers import access as provider_access
from app.timesheets import repository as repo


class TimesheetNotFound(NotFound):
    code = "timesheet_not_found"


class NotTheHousehold(Forbidden):
    code, title = "not_the_household", "Not The Household"


class NotTheProvider(Forbidden):
    code, title = "not_the_provider", "Not The Provider"


class NotADecider(Forbidden):
    code, title = "not_a_decider", "Not A Decider"


@dataclass(frozen=True, slots=True)
class Roles:
    """What the caller is to one timesheet's engagement."""

    provider: bool
    household: bool
    decider: bool

    @property
    def any(self) -> bool:
        return self.provider or self.household or self.decider


async def roles(session: AsyncSession, user: User, engagement: Engagement) -> Roles:
    request = await parties.request_by_id(session, engagement.request_id)
    assert request is not None  # an engagement's request is deleted only with it (cascade)
    provider = engagement.provider_id in await provider_access.staff_provider_ids(session, user.id)
    household = await parties.acts_for_household(session, user, request)
    return Roles(provider=provider, household=household, decider=await _decides_for(session, user, request))


async def _decides_for(session: AsyncSession, user: User, request: DemandRequest) -> bool:
    if user.role == Role.admin:
        return True
    return request.nil_id in await account_service.operated_nil_ids(session, user)


async def engagement_for_staff(session: AsyncSession, user: User, engagement_id: uuid.UUID) -> Engagement:
    """The engagement, if the caller is staff of its provider; anyone else: 404 (it is not theirs to know)."""
    engagement = await parties.engagement_by_id(session, engagement_id)
    if engagement is None or engagement.provider_id not in await provider_access.staff_provider_ids(session, user.id):
        raise EngagementNotFound("No engagement of your provider with this id.")
    return engagement


async def timesheet_for(
    session: AsyncSession, user: User, timesheet_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Timesheet, Engagement, Roles]:
    """The timesheet with the caller's roles on it. Hub operators see only the disputed ones of their
    NILs (the ones they may decide); others with no role on it get 404."""
    timesheet = await repo.get_timesheet(session, timesheet_id, for_update=for_update)
    engagement = await parties.engagement_by_id(session, timesheet.engagement_id) if timesheet else None
    found = await roles(session, user, engagement) if engagement is not None else None
    if timesheet is None or engagement is None or found is None or not _may_read(user, timesheet, found):
        raise TimesheetNotFound("No timesheet with this id.")
    return timesheet, engagement, found


def _may_read(user: User, timesheet: Timesheet, found: Roles) -> bool:
    if found.provider or found.household or user.role == Role.admin:
        return True
    return found.decider and timesheet.disputed_at is not None
