"""Who takes part in a request or an engagement: demand's facts, read through demand's own rules, for
the contexts built on it (conversations). Demand never imports them: they ask here."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.demand import repository as repo
from app.demand.requests import acts_for
from app.models import DemandRequest, Engagement, User


async def request_by_id(session: AsyncSession, request_id: uuid.UUID) -> DemandRequest | None:
    return await repo.get_request(session, request_id)


async def engagement_by_id(session: AsyncSession, engagement_id: uuid.UUID) -> Engagement | None:
    return await repo.get_engagement(session, engagement_id)


async def engagement_of_request(session: AsyncSession, request_id: uuid.UUID) -> Engagement | None:
    return await repo.engagement_of_request(session, request_id)


async def acts_for_household(session: AsyncSession, user: User, request: DemandRequest) -> bool:
    """The household itself, or a hub operator acting for it (requests they made for an offline
    citizen, and operator-mode requests, in the NILs their hubs serve)."""
    return await acts_for(session, user, request)


async def provider_took_part(session: AsyncSession, request_id: uuid.UUID, provider_id: uuid.UUID) -> bool:
    """The provider was invited to the request (quote and operator modes) or made an offer on it."""
    return await repo.invited_or_offered(session, request_id, provider_id)
