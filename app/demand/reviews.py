"""Reviews of completed engagements, moderated before they count.

A provider's public rating is a Bayesian average of its approved reviews:
    rating = (PRIOR_WEIGHT × PRIOR_MEAN + Σ ratings) / (PRIOR_WEIGHT + n)
so one enthusiastic review does not put a newcomer above a provider with fifty good ones.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.demand import notices
from app.demand import repository as repo
from app.demand.engagements import get_for_party
from app.demand.schemas import ReviewCreate
from app.errors import Conflict, Forbidden, InvalidTransition, NotFound
from app.models import EngagementStatus, Review, ReviewStatus, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import access as provider_access

PRIOR_MEAN = 3.5
PRIOR_WEIGHT = 5


class ReviewNotFound(NotFound):
    code = "review_not_found"


class ReviewExists(Conflict):
    code = "review_exists"


class EngagementNotCompleted(Conflict):
    code = "engagement_not_completed"


class InvalidReviewTransition(InvalidTransition):
    pass


def bayesian_average(count: int, total: int) -> float:
    return round((PRIOR_WEIGHT * PRIOR_MEAN + total) / (PRIOR_WEIGHT + count), 3)


async def create_review(session: AsyncSession, user: User, engagement_id: uuid.UUID, data: ReviewCreate) -> Review:
    engagement, _ = await get_for_party(session, user, engagement_id)
    if engagement.citizen_id != user.id:  # the household itself, not the provider nor an operator
        raise Forbidden("Only the citizen of an engagement reviews it.")
    if engagement.status != EngagementStatus.completed:
        raise EngagementNotCompleted(
            "Only completed engagements can be reviewed.", current_state=engagement.status.value
        )
    review = Review(
        id=uuid.uuid4(),
        engagement_id=engagement.id,
        provider_id=engagement.provider_id,
        citizen_id=user.id,
        rating=data.rating,
        text=data.text,
    )
    try:
        async with session.begin_nested():
            session.add(review)
    except IntegrityError as exc:
        raise ReviewExists("This engagement was already reviewed.") from exc
    ledger.record(
        session,
        actor_id=user.id,
        action="review.created",
        target_type="review",
        target_id=review.id,
        payload={"review_id": str(review.id), "provider_id": str(review.provider_id)},
        detail={},
    )
    return review


async def moderate(
    session: AsyncSession,
    admin: User,
    review_id: uuid.UUID,
    *,
    approve: bool,
    reason: str | None,
    if_match: list[int] | None,
) -> Review:
    review = await repo.get_review(session, review_id, for_update=True)
    if review is None:
        raise ReviewNotFound("No review with this id.")
    ensure_version(review, if_match)
    if review.status != ReviewStatus.pending:
        raise InvalidReviewTransition(
            f"The review is already {review.status.value}.", current_state=review.status.value
        )
    review.status = ReviewStatus.approved if approve else ReviewStatus.rejected
    review.moderated_by_id, review.moderated_at, review.moderation_reason = admin.id, datetime.now(UTC), reason
    await session.flush()
    await _refresh_rating(session, review.provider_id)
    event = f"review.{review.status.value}"
    ledger.record(
        session,
        actor_id=admin.id,
        action=event,
        target_type="review",
        target_id=review.id,
        payload={"review_id": str(review.id), "provider_id": str(review.provider_id)},
        detail={"reason": reason},
    )
    # The author always hears the outcome (a rejection with its reason, written for them); the
    # provider's staff only of a published review, which now counts in their rating.
    told = [review.citizen_id]
    if approve:
        told += (await notices.staff_of(session, [review.provider_id]))[review.provider_id]
    notices.tell(
        session,
        told,
        event,
        subject_type="review",
        subject_id=review.id,
        actor_id=admin.id,
        review_id=review.id,
        engagement_id=review.engagement_id,
        provider_id=review.provider_id,
        rating=review.rating,
        **({} if approve else {"reason": reason}),
    )
    await session.flush()
    return review


async def _refresh_rating(session: AsyncSession, provider_id: uuid.UUID) -> None:
    count, total = await repo.approved_rating_stats(session, provider_id)
    provider = await provider_access.get_provider_by_id(session, provider_id, for_update=True)
    assert provider is not None
    provider.rating_count = count
    provider.rating_average = bayesian_average(count, total) if count else None


async def list_provider_reviews(
    session: AsyncSession, user: User | None, provider_id: uuid.UUID, page: PageParams
) -> Paginated[Review]:
    provider = await provider_access.get_visible(session, user, provider_id)
    return await paginate(
        session,
        repo.reviews_query(provider_id=provider.id, status=ReviewStatus.approved),
        page,
        scope=f"reviews:{provider.id}",
        order=[SortKey(Review.created_at, descending=True), SortKey(Review.id, descending=True)],
    )


async def list_for_moderation(
    session: AsyncSession, page: PageParams, *, status: ReviewStatus | None
) -> Paginated[Review]:
    return await paginate(
        session,
        repo.reviews_query(provider_id=None, status=status),
        page,
        scope="moderation",
        order=[SortKey(Review.created_at), SortKey(Review.id)],
    )
