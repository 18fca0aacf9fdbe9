import uuid
from typing import Annotated

from fastapi import Query, status

from app.accounts.auth import Admin, CurrentUser, OptionalUser, VerifiedUser
from app.db import SessionDep
from app.demand import engagements, matching, offers, pay, quote_deadlines, requests, reviews, substitutions
from app.demand.schemas import (
    MAX_MATCHES,
    AnonymisedRequest,
    EngagementRead,
    InvitationCreate,
    MatchList,
    OfferAcceptance,
    OfferCreate,
    OfferRead,
    ReasonIn,
    RequestCreate,
    RequestRead,
    RequestUpdate,
    ReviewCreate,
    ReviewRead,
    SubstitutionCreate,
    SubstitutionRead,
)
from app.demand.views import (
    anonymised_request_views,
    engagement_views,
    offer_views,
    request_views,
    review_views,
    substitution_views,
)
from app.errors import Forbidden, NotAuthenticated, PreconditionFailed, RateLimited, error_responses, merge_responses
from app.funding_port import FundingChoice, FundingDep, FundingRejected, FundingUnavailable
from app.idempotency import IdempotencyInProgress, IdempotencyKeyDep
from app.models import EngagementStatus, RequestStatus, ReviewStatus
from app.pagination import Page, PageParamsDep, Paginated
from app.providers.access import ProviderNotFound
from app.ratelimit import CreationRateLimit
from app.routing import IfMatch, api_router, created_at
from app.shared_schemas import one

requests_router = api_router(prefix="/requests", tags=["requests"])
offers_router = api_router(prefix="/offers", tags=["offers"])
engagements_router = api_router(prefix="/engagements", tags=["engagements"])
reviews_router = api_router(prefix="/reviews", tags=["reviews"])
provider_reviews_router = api_router(prefix="/providers", tags=["reviews"])

OWNER = error_responses(
    NotAuthenticated, requests.RequestNotFound, PreconditionFailed, requests.InvalidRequestTransition
)
CREATING = [IdempotencyKeyDep, CreationRateLimit]


@requests_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RequestRead,
    dependencies=[*CREATING, created_at("get_request", request_id="id")],
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        requests.OperatorModeNotAllowed,
        requests.TooManyOpenRequests,
        quote_deadlines.QuotesDueNotQuoteMode,
        quote_deadlines.QuotesDueTooSoon,
        quote_deadlines.QuotesDueAfterValidity,
        RateLimited,
        IdempotencyInProgress,
    ),
)
async def create_request(data: RequestCreate, session: SessionDep, user: VerifiedUser) -> RequestRead:
    """Post a need (citizens; hub operators for an offline citizen, with consent; operator mode only
    then). Opens at once by default."""
    return await one(request_views(session, [await requests.create_request(session, user, data)]))


@requests_router.get("", response_model=Page[RequestRead], responses=error_responses(NotAuthenticated))
async def list_requests(
    session: SessionDep, user: CurrentUser, page: PageParamsDep, status: RequestStatus | None = None
) -> Paginated[RequestRead]:
    """One's own requests (hub operators: those they manage for citizens), newest first."""
    found = await requests.list_requests(session, user, page, status=status)
    return found.with_items(await request_views(session, found.items))


@requests_router.get(
    "/inbox",
    response_model=Page[AnonymisedRequest],
    responses=error_responses(NotAuthenticated, Forbidden, ProviderNotFound),
)
async def list_inbox(
    session: SessionDep, user: CurrentUser, page: PageParamsDep, provider_id: uuid.UUID | None = None
) -> Paginated[AnonymisedRequest]:
    """Open requests a provider may answer, anonymised (provider staff; provider_id if on several staffs)."""
    acting_for, found = await offers.inbox(session, user, page, provider_id=provider_id)
    items = await anonymised_request_views(session, found.items, viewer=acting_for)
    return found.with_items(items)


@requests_router.get("/{request_id:uuid}", response_model=RequestRead, responses=OWNER)
async def get_request(request_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> RequestRead:
    """One of one's requests, with its private details."""
    return await one(request_views(session, [await requests.get_request(session, user, request_id)]))


@requests_router.patch(
    "/{request_id:uuid}",
    response_model=RequestRead,
    responses=merge_responses(
        OWNER,
        error_responses(
            Forbidden,
            quote_deadlines.QuotesDueNotQuoteMode,
            quote_deadlines.QuotesDueTooSoon,
            quote_deadlines.QuotesDueAfterValidity,
            quote_deadlines.QuotesDueNotLater,
        ),
    ),
)
async def update_request(
    request_id: uuid.UUID, data: RequestUpdate, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> RequestRead:
    """Edit a draft or open request (send If-Match). Once open, `quotes_due_at` only moves later (the
    invited providers are told)."""
    request = await requests.update_request(session, user, request_id, data, if_match=if_match)
    return await one(request_views(session, [request]))


@requests_router.post(
    "/{request_id:uuid}/open",
    response_model=RequestRead,
    responses=merge_responses(OWNER, error_responses(requests.TooManyOpenRequests, quote_deadlines.QuotesDueTooSoon)),
)
async def open_request(request_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch) -> RequestRead:
    """Open a draft: providers can now answer; it expires after 30 days."""
    request = await requests.open_request(session, user, request_id, if_match=if_match)
    return await one(request_views(session, [request]))


@requests_router.post("/{request_id:uuid}/cancel", response_model=RequestRead, responses=OWNER)
async def cancel_request(
    request_id: uuid.UUID, data: ReasonIn, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> RequestRead:
    """Cancel a draft or open request; pending offers close."""
    request = await requests.cancel_request(session, user, request_id, reason=data.reason, if_match=if_match)
    return await one(request_views(session, [request]))


@requests_router.get(
    "/{request_id:uuid}/matches",
    response_model=MatchList,
    responses=error_responses(NotAuthenticated, requests.RequestNotFound),
)
async def list_matches(
    request_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=MAX_MATCHES, description="How many top candidates")] = 10,
) -> MatchList:
    """The top candidates with a score and its breakdown (the owner; hub operators in operator mode)."""
    return await matching.list_matches(session, user, request_id, limit=limit)


@requests_router.post(
    "/{request_id:uuid}/invitations",
    response_model=RequestRead,
    responses=merge_responses(OWNER, error_responses(matching.TooManyInvitations, matching.InvitationsNotApplicable)),
)
async def invite_providers(
    request_id: uuid.UUID, data: InvitationCreate, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> RequestRead:
    """Invite the providers of up to 5 matching services to answer (quote and operator modes)."""
    request = await matching.invite(session, user, request_id, data.service_ids, if_match=if_match)
    return await one(request_views(session, [request]))


@requests_router.post(
    "/{request_id:uuid}/offers",
    status_code=status.HTTP_201_CREATED,
    response_model=OfferRead,
    dependencies=CREATING,
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        requests.RequestNotFound,
        ProviderNotFound,
        offers.RequestNotOpen,
        quote_deadlines.QuotesClosed,
        offers.OfferExists,
        pay.BelowCcnlMinimum,
        pay.CcnlOfferUnpaid,
        pay.BelowLibrettoMinimum,
        pay.PriceNotComparable,
        pay.LibrettoNotAPerson,
        *pay.LIBRETTO_CAPS,
        RateLimited,
        IdempotencyInProgress,
    ),
)
async def create_offer(request_id: uuid.UUID, data: OfferCreate, session: SessionDep, user: VerifiedUser) -> OfferRead:
    """Answer a request one was invited to (or an open-mode one in one's categories and zones)."""
    return await one(offer_views(session, [await offers.create_offer(session, user, request_id, data)], viewer=user))


@requests_router.get(
    "/{request_id:uuid}/offers",
    response_model=Page[OfferRead],
    responses=error_responses(NotAuthenticated, requests.RequestNotFound),
)
async def list_offers(
    request_id: uuid.UUID, session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Paginated[OfferRead]:
    """Offers on a request: all for its owner, one's own provider's for provider staff."""
    found = await offers.list_offers(session, user, request_id, page)
    return found.with_items(await offer_views(session, found.items, viewer=user))


OFFER_ACTION = error_responses(
    NotAuthenticated, offers.OfferNotFound, PreconditionFailed, offers.InvalidOfferTransition
)


@offers_router.post("/{offer_id}/withdraw", response_model=OfferRead, responses=OFFER_ACTION)
async def withdraw_offer(offer_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch) -> OfferRead:
    """Withdraw one's pending offer (provider staff)."""
    return await one(
        offer_views(session, [await offers.withdraw_offer(session, user, offer_id, if_match=if_match)], viewer=user)
    )


@offers_router.post("/{offer_id}/decline", response_model=OfferRead, responses=OFFER_ACTION)
async def decline_offer(offer_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch) -> OfferRead:
    """Decline an offer on one's request."""
    return await one(
        offer_views(session, [await offers.decline_offer(session, user, offer_id, if_match=if_match)], viewer=user)
    )


@offers_router.post(
    "/{offer_id}/accept",
    response_model=EngagementRead,
    responses=merge_responses(
        OFFER_ACTION,
        error_responses(
            offers.RequestNotOpen,
            pay.LibrettoWorkerCap,
            pay.LibrettoFamilyCap,
            pay.LibrettoPairCap,
            pay.LibrettoHoursCap,
            FundingRejected,
            FundingUnavailable,
        ),
    ),
)
async def accept_offer(
    offer_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    if_match: IfMatch,
    port: FundingDep,
    data: OfferAcceptance | None = None,
) -> EngagementRead:
    """Accept an offer: the others are declined and the engagement starts (contacts are revealed). With
    `funding`, the household's wallets pay their lines: each is held in the same transaction."""
    funding = [FundingChoice(c.wallet_id, c.amount_cents) for c in data.funding] if data else []
    engagement = await offers.accept_offer(session, user, offer_id, if_match=if_match, funding=funding, port=port)
    return await one(engagement_views(session, [engagement]))


ENGAGEMENT = error_responses(
    NotAuthenticated, engagements.EngagementNotFound, PreconditionFailed, engagements.InvalidEngagementTransition
)


@engagements_router.get("", response_model=Page[EngagementRead], responses=error_responses(NotAuthenticated))
async def list_engagements(
    session: SessionDep, user: CurrentUser, page: PageParamsDep, status: EngagementStatus | None = None
) -> Paginated[EngagementRead]:
    """Engagements one is a party to (as the citizen, or as provider staff)."""
    found = await engagements.list_engagements(session, user, page, status=status)
    return found.with_items(await engagement_views(session, found.items))


@engagements_router.get("/{engagement_id}", response_model=EngagementRead, responses=ENGAGEMENT)
async def get_engagement(engagement_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> EngagementRead:
    """One engagement, with both parties' contacts (the two parties only)."""
    engagement = await engagements.get_engagement(session, user, engagement_id)
    return await one(engagement_views(session, [engagement]))


@engagements_router.post(
    "/{engagement_id}/complete",
    response_model=EngagementRead,
    responses=error_responses(
        NotAuthenticated,
        engagements.EngagementNotFound,
        PreconditionFailed,
        engagements.InvalidEngagementTransition,
        engagements.EngagementNotStarted,
    ),
)
async def complete_engagement(
    engagement_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> EngagementRead:
    """Mark the engagement completed (either party, on or after its start date); the request is fulfilled
    and can be reviewed."""
    engagement = await engagements.complete(session, user, engagement_id, if_match=if_match)
    return await one(engagement_views(session, [engagement]))


@engagements_router.post(
    "/{engagement_id}/cancel",
    response_model=EngagementRead,
    responses=merge_responses(ENGAGEMENT, error_responses(FundingUnavailable)),
)
async def cancel_engagement(
    engagement_id: uuid.UUID,
    data: ReasonIn,
    session: SessionDep,
    user: CurrentUser,
    if_match: IfMatch,
    port: FundingDep,
) -> EngagementRead:
    """Cancel the engagement with a reason (either party); what is still held for it is released."""
    engagement = await engagements.cancel(
        session, user, engagement_id, reason=data.reason, if_match=if_match, release=port.release
    )
    return await one(engagement_views(session, [engagement]))


@engagements_router.post(
    "/{engagement_id}/substitutions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubstitutionRead,
    dependencies=[*CREATING, created_at("get_substitution", engagement_id="engagement_id", substitution_id="id")],
    responses=error_responses(
        NotAuthenticated,
        engagements.EngagementNotFound,
        substitutions.EngagementNotActive,
        substitutions.SubstitutionOverlaps,
        substitutions.TooManySubstitutions,
        requests.TooManyOpenRequests,
        RateLimited,
        IdempotencyInProgress,
    ),
)
async def request_substitution(
    engagement_id: uuid.UUID, data: SubstitutionCreate, session: SessionDep, user: CurrentUser
) -> SubstitutionRead:
    """Ask for a substitute while the worker is away (either party of an active engagement): a request of
    the household for those dates, offered first to the engagement's provider (quote mode, invited)."""
    request = await substitutions.request_substitute(session, user, engagement_id, data)
    return await one(substitution_views(session, [request]))


SUBSTITUTION = error_responses(NotAuthenticated, engagements.EngagementNotFound, substitutions.SubstitutionNotFound)


@engagements_router.get(
    "/{engagement_id}/substitutions/{substitution_id}", response_model=SubstitutionRead, responses=SUBSTITUTION
)
async def get_substitution(
    engagement_id: uuid.UUID, substitution_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> SubstitutionRead:
    """One substitution of an engagement (either party)."""
    request = await substitutions.get_substitution(session, user, engagement_id, substitution_id)
    return await one(substitution_views(session, [request]))


@engagements_router.post(
    "/{engagement_id}/substitutions/{substitution_id}/open",
    response_model=SubstitutionRead,
    responses=merge_responses(
        SUBSTITUTION, error_responses(Forbidden, PreconditionFailed, requests.InvalidRequestTransition)
    ),
)
async def open_substitution(
    engagement_id: uuid.UUID, substitution_id: uuid.UUID, session: SessionDep, user: CurrentUser, if_match: IfMatch
) -> SubstitutionRead:
    """Open the search for a substitute to every eligible provider (the household; send If-Match). To ask
    chosen others instead, invite them: POST /v1/requests/{substitution_id}/invitations."""
    request = await substitutions.open_to_all(session, user, engagement_id, substitution_id, if_match=if_match)
    return await one(substitution_views(session, [request]))


@engagements_router.post(
    "/{engagement_id}/review",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewRead,
    dependencies=[IdempotencyKeyDep],
    responses=error_responses(
        NotAuthenticated,
        Forbidden,
        engagements.EngagementNotFound,
        reviews.ReviewExists,
        reviews.EngagementNotCompleted,
        IdempotencyInProgress,
    ),
)
async def create_review(
    engagement_id: uuid.UUID, data: ReviewCreate, session: SessionDep, user: VerifiedUser
) -> ReviewRead:
    """Review a completed engagement, once (the citizen); it counts after moderation."""
    return await one(review_views(session, [await reviews.create_review(session, user, engagement_id, data)]))


@reviews_router.get("", response_model=Page[ReviewRead], responses=error_responses(NotAuthenticated, Forbidden))
async def list_reviews(
    session: SessionDep, admin: Admin, page: PageParamsDep, status: ReviewStatus | None = ReviewStatus.pending
) -> Paginated[ReviewRead]:
    """Reviews to moderate, oldest first (admins)."""
    found = await reviews.list_for_moderation(session, page, status=status)
    return found.with_items(await review_views(session, found.items))


MODERATE = error_responses(
    NotAuthenticated, Forbidden, reviews.ReviewNotFound, PreconditionFailed, reviews.InvalidReviewTransition
)


@reviews_router.post("/{review_id}/approve", response_model=ReviewRead, responses=MODERATE)
async def approve_review(review_id: uuid.UUID, session: SessionDep, admin: Admin, if_match: IfMatch) -> ReviewRead:
    """Approve a review: it is published and counts in the provider's rating (admins)."""
    review = await reviews.moderate(session, admin, review_id, approve=True, reason=None, if_match=if_match)
    return await one(review_views(session, [review]))


@reviews_router.post("/{review_id}/reject", response_model=ReviewRead, responses=MODERATE)
async def reject_review(
    review_id: uuid.UUID, data: ReasonIn, session: SessionDep, admin: Admin, if_match: IfMatch
) -> ReviewRead:
    """Reject a review with a reason (admins)."""
    review = await reviews.moderate(session, admin, review_id, approve=False, reason=data.reason, if_match=if_match)
    return await one(review_views(session, [review]))


@provider_reviews_router.get(
    "/{provider_id}/reviews",
    response_model=Page[ReviewRead],
    responses=error_responses(NotAuthenticated, ProviderNotFound),
)
async def list_provider_reviews(
    provider_id: uuid.UUID, session: SessionDep, user: OptionalUser, page: PageParamsDep
) -> Paginated[ReviewRead]:
    """A provider's approved reviews, newest first."""
    found = await reviews.list_provider_reviews(session, user, provider_id, page)
    return found.with_items(await review_views(session, found.items))
