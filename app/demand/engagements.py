"""Engagements: the arrangement an accepted offer becomes. Only the two parties ever see it, and only
now do they see each other's contact details (and where the service happens)."""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.demand import notices
from app.demand import repository as repo
from app.demand.requests import milan_today, record_declined
from app.errors import Conflict, InvalidTransition, NotFound
from app.funding_port import ReleaseFunding
from app.models import Engagement, EngagementStatus, RequestStatus, Role, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import access as provider_access


class EngagementNotFound(NotFound):
    code = "engagement_not_found"


class InvalidEngagementTransition(InvalidTransition):
    pass


class EngagementNotStarted(Conflict):
    """Work that has not begun cannot be done: completing (and so reviewing) waits for the start date."""

    code, title = "engagement_not_started", "Engagement Not Started"


async def _party(session: AsyncSession, user: User, engagement: Engagement) -> str | None:
    if engagement.citizen_id == user.id:
        return "citizen"
    if user.role == Role.hub_operator:  # the operator who made the request for an offline citizen
        request = await repo.get_request(session, engagement.request_id)
        if request is not None and request.created_by_id == user.id:
            return "citizen"
    if engagement.provider_id in await provider_access.staff_provider_ids(session, user.id):
        return "provider"
    return None


async def get_for_party(
    session: AsyncSession, user: User, engagement_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Engagement, str]:
    engagement = await repo.get_engagement(session, engagement_id, for_update=for_update)
    party = await _party(session, user, engagement) if engagement is not None else None
    if engagement is None or party is None:
        raise EngagementNotFound("No engagement with this id.")
    return engagement, party


async def get_engagement(session: AsyncSession, user: User, engagement_id: uuid.UUID) -> Engagement:
    engagement, _ = await get_for_party(session, user, engagement_id)
    return engagement


async def list_engagements(
    session: AsyncSession, user: User, page: PageParams, *, status: EngagementStatus | None
) -> Paginated[Engagement]:
    provider_ids = await provider_access.staff_provider_ids(session, user.id)
    stmt = repo.engagements_query(citizen_id=user.id if user.role == Role.citizen else None, provider_ids=provider_ids)
    if status is not None:
        stmt = stmt.where(Engagement.status == status)
    return await paginate(
        session,
        stmt,
        page,
        scope="engagements",
        order=[SortKey(Engagement.created_at, descending=True), SortKey(Engagement.id, descending=True)],
    )


async def _close(
    session: AsyncSession,
    user: User,
    engagement_id: uuid.UUID,
    target: EngagementStatus,
    *,
    reason: str | None,
    if_match: list[int] | None,
    release: ReleaseFunding | None = None,
) -> Engagement:
    engagement, party = await get_for_party(session, user, engagement_id, for_update=True)
    ensure_version(engagement, if_match)
    if engagement.status != EngagementStatus.active:
        raise InvalidEngagementTransition(
            f"The engagement is already {engagement.status.value}.", current_state=engagement.status.value
        )
    if target == EngagementStatus.completed and milan_today() < engagement.start_date:
        # Dates are Milan calendar dates (as the request's); a review needs a completed engagement,
        # so this also keeps reviews of work that never happened out of a provider's rating.
        raise EngagementNotStarted(
            f"The engagement starts on {engagement.start_date.isoformat()}; it can be completed from then.",
            current_state=engagement.status.value,
        )
    now = datetime.now(UTC)
    engagement.status = target
    request = await repo.get_request(session, engagement.request_id, for_update=True)
    assert request is not None
    if target == EngagementStatus.completed:
        engagement.completed_at, request.status = now, RequestStatus.fulfilled
    else:
        engagement.cancelled_reason, request.status = reason, RequestStatus.cancelled
        request.closed_reason = reason
    event = f"engagement.{target.value}"
    ledger.record(
        session,
        actor_id=user.id,
        action=event,
        target_type="engagement",
        target_id=engagement.id,
        payload={"engagement_id": str(engagement.id), "provider_id": str(engagement.provider_id)},
        detail={"by": party, "reason": reason},
    )
    staff = await notices.staff_of(session, [engagement.provider_id])
    notices.tell(
        session,
        [*await notices.household(session, request), *staff[engagement.provider_id]],
        event,
        subject_type="engagement",
        subject_id=engagement.id,
        actor_id=user.id,
        engagement_id=engagement.id,
        request_id=request.id,
        provider_id=engagement.provider_id,
        by=party,
    )
    await _close_substitute_requests(session, engagement, now)
    if release is not None:  # the household's wallets get back what was held for work that will not happen
        await release(session, "engagement", engagement.id)
    await session.flush()
    return engagement


async def _close_substitute_requests(session: AsyncSession, engagement: Engagement, now: datetime) -> None:
    """A substitute stands in for an engagement that goes on: once it has ended, the requests still
    seeking one are cancelled and their pending offers declined. Substitutes already engaged keep
    their own engagement (a contract of its own, which either party ends)."""
    why = f"the engagement it covered was {engagement.status.value}"
    closed = await repo.cancel_substitute_requests(session, engagement.id, now, reason=why)
    declined = await repo.expire_pending_offers(session, closed, now)
    await record_declined(session, declined, why="request_cancelled")  # offerers' staff told
    for request_id in closed:
        ledger.record(
            session,
            actor_id=None,
            action="request.cancelled",
            target_type="request",
            target_id=request_id,
            payload={"request_id": str(request_id)},
            detail={"reason": why},
        )


async def complete(
    session: AsyncSession, user: User, engagement_id: uuid.UUID, *, if_match: list[int] | None
) -> Engagement:
    return await _close(session, user, engagement_id, EngagementStatus.completed, reason=None, if_match=if_match)


async def cancel(
    session: AsyncSession,
    user: User,
    engagement_id: uuid.UUID,
    *,
    reason: str,
    if_match: list[int] | None,
    release: ReleaseFunding,
) -> Engagement:
    return await _close(
        session, user, engagement_id, EngagementStatus.cancelled, reason=reason, if_match=if_match, release=release
    )
