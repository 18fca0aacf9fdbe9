import uuid

from app.accounts.auth import CurrentUser
from app.db import ReadSessionDep
from app.demand.engagements import EngagementNotFound
from app.demand.offers import OfferNotFound
from app.errors import NotAuthenticated, error_responses
from app.routing import api_router
from app.spending import service
from app.spending.schemas import EngagementFunding, FundingProposal
from app.spending.views import engagement_funding_view, proposal_view

offer_funding_router = api_router(prefix="/offers", tags=["spending"])
engagement_funding_router = api_router(prefix="/engagements", tags=["spending"])


@offer_funding_router.get(
    "/{offer_id}/funding-proposal",
    response_model=FundingProposal,
    responses=error_responses(NotAuthenticated, OfferNotFound),
)
async def get_funding_proposal(offer_id: uuid.UUID, session: ReadSessionDep, user: CurrentUser) -> FundingProposal:
    """Which of the household's wallets would pay how much of the offer, and the co-payment, line by line
    (the household, or a hub operator acting for it). Confirm or change it in the acceptance's funding."""
    offer, purchase, proposal = await service.proposal_for_offer(session, user, offer_id)
    return proposal_view(offer, purchase, proposal)


@engagement_funding_router.get(
    "/{engagement_id}/funding",
    response_model=EngagementFunding,
    responses=error_responses(NotAuthenticated, EngagementNotFound),
)
async def get_engagement_funding(
    engagement_id: uuid.UUID, session: ReadSessionDep, user: CurrentUser
) -> EngagementFunding:
    """What each wallet held for the engagement, and how much of it was captured and released (its two
    parties; the provider's staff see the amounts, not the household's wallets)."""
    engagement, party, lines = await service.engagement_funding(session, user, engagement_id)
    return await engagement_funding_view(session, engagement, party, lines)
