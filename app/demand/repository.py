import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import INT4MULTIRANGE, array
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.db import locked
from app.models import (
    AccreditationState,
    DemandRequest,
    Engagement,
    HubOperator,
    HubZone,
    Offer,
    OfferStatus,
    PoolMember,
    PoolMemberStatus,
    Provider,
    RequestInvitation,
    RequestMode,
    RequestStatus,
    Review,
    ReviewStatus,
    Service,
    User,
)


async def get_request(
    session: AsyncSession, request_id: uuid.UUID, *, for_update: bool = False
) -> DemandRequest | None:
    stmt = select(DemandRequest).where(DemandRequest.id == request_id)
    return await session.scalar(locked(stmt) if for_update else stmt)


def requests_for_citizen(citizen_id: uuid.UUID, status: RequestStatus | None) -> Select[DemandRequest]:
    stmt = select(DemandRequest).where(DemandRequest.citizen_id == citizen_id)
    return stmt if status is None else stmt.where(DemandRequest.status == status)


def requests_for_operator(operator_id: uuid.UUID, status: RequestStatus | None) -> Select[DemandRequest]:
    """Those the operator made for citizens, and the operator-mode requests of the NILs their hubs
    serve (the hubs' queue)."""
    served = (
        select(HubZone.zone_id)
        .join(HubOperator, HubOperator.hub_id == HubZone.hub_id)
        .where(HubOperator.user_id == operator_id)
    )
    stmt = select(DemandRequest).where(
        or_(
            DemandRequest.created_by_id == operator_id,
            and_(DemandRequest.mode == RequestMode.operator, DemandRequest.nil_id.in_(served)),
        )
    )
    if status is not None:
        stmt = stmt.where(DemandRequest.status == status)
    return stmt


async def count_open_requests(session: AsyncSession, citizen_id: uuid.UUID) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(DemandRequest)
            .where(DemandRequest.citizen_id == citizen_id, DemandRequest.status == RequestStatus.open)
        )
        or 0
    )


async def pools_of_requests(session: AsyncSession, request_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """The pool each request is linked to through a live membership (in, invited, or giving notice)."""
    stmt = select(PoolMember.request_id, PoolMember.pool_id).where(
        PoolMember.request_id.in_(request_ids),
        PoolMember.status.in_([PoolMemberStatus.invited, PoolMemberStatus.active, PoolMemberStatus.leaving]),
    )
    # request_id is nullable (members may join without a request) but IN never matches NULL.
    return {row[0]: row[1] for row in await session.execute(stmt) if row[0] is not None}


async def invited_provider_ids(session: AsyncSession, request_ids: list[uuid.UUID]) -> dict[uuid.UUID, list]:
    if not request_ids:
        return {}
    rows = await session.execute(
        select(RequestInvitation.request_id, RequestInvitation.provider_id)
        .where(RequestInvitation.request_id.in_(request_ids))
        .order_by(RequestInvitation.invited_at, RequestInvitation.provider_id)
    )
    result: dict[uuid.UUID, list] = {}
    for request_id, provider_id in rows:
        result.setdefault(request_id, []).append(provider_id)
    return result


def overlap_minutes_sql(availability, need: list) -> Any:  # noqa: ANN001 - SQL expression
    """Weekly minutes of `need` that `availability` covers: the length of the multirange intersection."""
    wanted = bindparam("need", need, type_=INT4MULTIRANGE)
    part = func.unnest(availability.op("*")(wanted)).table_valued("r").render_derived()
    return (
        select(func.coalesce(func.sum(func.upper(part.c.r) - func.lower(part.c.r)), 0))
        .select_from(part)
        .scalar_subquery()
    )


async def services_with_providers(
    session: AsyncSession, service_ids: list[uuid.UUID]
) -> list[tuple[Service, Provider]]:
    rows = await session.execute(
        select(Service, Provider).join(Provider, Provider.id == Service.provider_id).where(Service.id.in_(service_ids))
    )
    return [(s, p) for s, p in rows]


def _may_answer(provider_id: uuid.UUID) -> ColumnElement[bool]:
    """SQL: the provider was invited to the request, or it is open-mode and in the provider's
    categories and NILs (a published service of the provider matches it)."""
    invited = exists().where(
        RequestInvitation.request_id == DemandRequest.id, RequestInvitation.provider_id == provider_id
    )
    eligible_open = and_(
        DemandRequest.mode == RequestMode.open,
        exists().where(
            Service.provider_id == provider_id,
            Service.searchable,
            Service.category_id == DemandRequest.category_id,
            Service.coverage_nil_ids.contains(array([DemandRequest.nil_id])),
        ),
    )
    return or_(invited, eligible_open)


def inbox_query(provider_id: uuid.UUID, now: datetime) -> Select[DemandRequest]:
    """Open, unexpired requests this provider may answer: the rule of `_may_answer`, as a set.

    `id IN (invited ∪ open-mode requests in one of the provider's (category, NIL) pairs)` rather
    than `_may_answer`'s correlated EXISTS, which probes the provider's services once per open
    request of the city (270 ms at city scale); this form reads the provider's few pairs and finds
    their requests by ix_demand_request_open_category_nil (under 10 ms warm).
    """
    pairs = (
        select(Service.category_id, func.unnest(Service.coverage_nil_ids).label("nil_id"))
        .where(Service.provider_id == provider_id, Service.searchable)
        .subquery("pairs")
    )
    candidate = aliased(DemandRequest)
    eligible_open = (
        select(candidate.id)
        .join(pairs, and_(pairs.c.category_id == candidate.category_id, pairs.c.nil_id == candidate.nil_id))
        .where(candidate.status == RequestStatus.open, candidate.mode == RequestMode.open)
    )
    invited = select(RequestInvitation.request_id).where(RequestInvitation.provider_id == provider_id)
    return select(DemandRequest).where(
        DemandRequest.status == RequestStatus.open,
        or_(DemandRequest.valid_until.is_(None), DemandRequest.valid_until > now),
        DemandRequest.id.in_(union_all(invited, eligible_open)),
    )


async def may_answer(session: AsyncSession, request_id: uuid.UUID, provider_id: uuid.UUID) -> bool:
    """Eligibility only; the caller checks status and expiry, to answer with precise errors."""
    stmt = select(DemandRequest.id).where(DemandRequest.id == request_id, _may_answer(provider_id))
    return await session.scalar(stmt) is not None


async def pending_offer_provider_ids(
    session: AsyncSession, request_ids: list[uuid.UUID], provider_id: uuid.UUID
) -> set[uuid.UUID]:
    if not request_ids:
        return set()
    rows = await session.scalars(
        select(Offer.request_id).where(
            Offer.request_id.in_(request_ids), Offer.provider_id == provider_id, Offer.status == OfferStatus.pending
        )
    )
    return set(rows.all())


async def get_offer(session: AsyncSession, offer_id: uuid.UUID, *, for_update: bool = False) -> Offer | None:
    stmt = select(Offer).where(Offer.id == offer_id)
    return await session.scalar(locked(stmt) if for_update else stmt)


def offers_query(request_id: uuid.UUID, provider_ids: list[uuid.UUID] | None) -> Select[Offer]:
    stmt = select(Offer).where(Offer.request_id == request_id)
    if provider_ids is not None:
        stmt = stmt.where(Offer.provider_id.in_(provider_ids))
    return stmt


async def decline_other_offers(
    session: AsyncSession, request_id: uuid.UUID, accepted_id: uuid.UUID, at: datetime
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Decline the request's other pending offers; (offer id, provider id) of each one."""
    result = await session.execute(
        update(Offer)
        .where(Offer.request_id == request_id, Offer.id != accepted_id, Offer.status == OfferStatus.pending)
        .values(status=OfferStatus.declined, decided_at=at, version=Offer.version + 1)
        .returning(Offer.id, Offer.provider_id, Offer.request_id)
    )
    return [(offer_id, provider_id) for offer_id, provider_id, _ in result]


async def get_engagement(
    session: AsyncSession, engagement_id: uuid.UUID, *, for_update: bool = False
) -> Engagement | None:
    stmt = select(Engagement).where(Engagement.id == engagement_id)
    return await session.scalar(locked(stmt) if for_update else stmt)


def engagements_query(*, citizen_id: uuid.UUID | None, provider_ids: list[uuid.UUID]) -> Select[Engagement]:
    clauses: list[ColumnElement[bool]] = []
    if citizen_id is not None:
        clauses.append(Engagement.citizen_id == citizen_id)
    if provider_ids:
        clauses.append(Engagement.provider_id.in_(provider_ids))
    return select(Engagement).where(or_(*clauses) if clauses else false())


async def substitutions_of(
    session: AsyncSession, engagement_ids: list[uuid.UUID], *, with_requests: set[uuid.UUID] | frozenset = frozenset()
) -> list[tuple[DemandRequest, uuid.UUID | None]]:
    """The substitute requests of these engagements, each with its substitute's engagement id (None
    until one is accepted), by engagement then dates; and, in the same query, the requests
    `with_requests` (an engagement view's own requests): one statement for a page of engagements."""
    if not engagement_ids and not with_requests:
        return []
    rows = await session.execute(
        select(DemandRequest, Engagement.id)
        .outerjoin(Engagement, Engagement.request_id == DemandRequest.id)
        .where(
            or_(
                DemandRequest.substitutes_engagement_id.in_(engagement_ids),
                DemandRequest.id.in_(with_requests),
            )
        )
        .order_by(DemandRequest.substitutes_engagement_id, DemandRequest.start_date, DemandRequest.id)
    )
    return [(request, engagement_id) for request, engagement_id in rows]


async def engagement_ids_of_requests(session: AsyncSession, request_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """The engagement each request became (at most one each), by request id."""
    rows = await session.execute(
        select(Engagement.request_id, Engagement.id).where(Engagement.request_id.in_(request_ids))
    )
    return {request_id: engagement_id for request_id, engagement_id in rows}


async def service_to_invite(session: AsyncSession, engagement: Engagement) -> uuid.UUID | None:
    """The engagement provider's service to invite it to a substitute request with: the engagement's,
    else the one it was invited with to the original request, else its oldest in the category."""
    if engagement.service_id is not None:
        return engagement.service_id
    invited = select(RequestInvitation.service_id).where(
        RequestInvitation.request_id == engagement.request_id, RequestInvitation.provider_id == engagement.provider_id
    )
    listed = (
        select(Service.id)
        .where(Service.provider_id == engagement.provider_id, Service.category_id == engagement.category_id)
        .order_by(Service.created_at, Service.id)
        .limit(1)
    )
    return await session.scalar(invited) or await session.scalar(listed)


async def get_review(session: AsyncSession, review_id: uuid.UUID, *, for_update: bool = False) -> Review | None:
    stmt = select(Review).where(Review.id == review_id)
    return await session.scalar(locked(stmt) if for_update else stmt)


def reviews_query(*, provider_id: uuid.UUID | None, status: ReviewStatus | None) -> Select[Review]:
    stmt = select(Review)
    if provider_id is not None:
        stmt = stmt.where(Review.provider_id == provider_id)
    if status is not None:
        stmt = stmt.where(Review.status == status)
    return stmt


async def approved_rating_stats(session: AsyncSession, provider_id: uuid.UUID) -> tuple[int, int]:
    """(count, sum of ratings) of a provider's approved reviews."""
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Review.rating), 0)).where(
                Review.provider_id == provider_id, Review.status == ReviewStatus.approved
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def expire_open_requests(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    result = await session.execute(
        update(DemandRequest)
        .where(DemandRequest.status == RequestStatus.open, DemandRequest.valid_until <= now)
        .values(status=RequestStatus.expired, version=DemandRequest.version + 1, updated_at=now)
        .returning(DemandRequest.id)
    )
    return list(result.scalars().all())


async def cancel_substitute_requests(
    session: AsyncSession, engagement_id: uuid.UUID, now: datetime, *, reason: str
) -> list[uuid.UUID]:
    """Cancel the engagement's substitute requests still seeking a substitute (draft or open); their ids."""
    result = await session.execute(
        update(DemandRequest)
        .where(
            DemandRequest.substitutes_engagement_id == engagement_id,
            DemandRequest.status.in_([RequestStatus.draft, RequestStatus.open]),
            DemandRequest.unexpired(now),  # one past its validity is expired already (the worker records it)
        )
        .values(status=RequestStatus.cancelled, closed_reason=reason, version=DemandRequest.version + 1, updated_at=now)
        .returning(DemandRequest.id)
    )
    return list(result.scalars().all())


async def expire_pending_offers(
    session: AsyncSession, request_ids: list[uuid.UUID], now: datetime
) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    """Close the pending offers of requests that closed; (offer id, provider id, request id) of each."""
    if not request_ids:
        return []
    result = await session.execute(
        update(Offer)
        .where(Offer.request_id.in_(request_ids), Offer.status == OfferStatus.pending)
        .values(status=OfferStatus.declined, decided_at=now, version=Offer.version + 1)
        .returning(Offer.id, Offer.provider_id, Offer.request_id)
    )
    return [(row[0], row[1], row[2]) for row in result]


async def operates_in(session: AsyncSession, user_id: uuid.UUID, nil_id: uuid.UUID) -> bool:
    """Whether this person works at a hub serving the NIL (a hub operator still acting there)."""
    served = (
        select(HubOperator.user_id)
        .join(HubZone, HubZone.hub_id == HubOperator.hub_id)
        .where(HubOperator.user_id == user_id, HubZone.zone_id == nil_id)
    )
    return bool(await session.scalar(select(exists(served))))


async def lock_citizen(session: AsyncSession, citizen_id: uuid.UUID) -> None:
    """Serialises a household's request openings, so the open-requests cap holds under concurrency."""
    await session.execute(locked(select(User.id).where(User.id == citizen_id)))


# --- the worker's reminders (app/demand/tasks.py) ----------------------------------------------------


def requests_expiring(after: datetime, until: datetime, lead: timedelta) -> Select[uuid.UUID, datetime | None]:
    """(id, valid_until) of open requests expiring in (after, until] that were open for `lead`
    before their end (whoever opened one for less knows when it ends). ix_demand_request_expiry."""
    return select(DemandRequest.id, DemandRequest.valid_until).where(
        DemandRequest.status == RequestStatus.open,
        DemandRequest.valid_until > after,
        DemandRequest.valid_until <= until,
        DemandRequest.opened_at <= DemandRequest.valid_until - lead,
    )


def offers_expiring(after: datetime, until: datetime, lead: timedelta, now: datetime) -> Select[uuid.UUID, datetime]:
    """(id, valid_until) of pending offers lapsing in (after, until], made at least `lead` before
    they lapse (a shorter offer's end was in its own notification), on requests still open: an
    expiring request closes its offers anyway. ix_offer_pending_valid_until."""
    return (
        select(Offer.id, Offer.valid_until)
        .join(DemandRequest, DemandRequest.id == Offer.request_id)
        .where(
            Offer.status == OfferStatus.pending,
            Offer.valid_until > after,
            Offer.valid_until <= until,
            Offer.created_at <= Offer.valid_until - lead,
            DemandRequest.status == RequestStatus.open,
            DemandRequest.unexpired(now),
        )
    )


async def requests_with_household(
    session: AsyncSession, request_ids: list[uuid.UUID]
) -> list[tuple[DemandRequest, list[uuid.UUID]]]:
    """Each request with its household, in one query: the citizen, and the hub operator who made the
    request for them while they still work at a hub serving its NIL (app/demand/notices.py)."""
    if not request_ids:
        return []
    acting = exists().where(
        HubOperator.user_id == DemandRequest.created_by_id,
        HubZone.hub_id == HubOperator.hub_id,
        HubZone.zone_id == DemandRequest.nil_id,
    )
    rows = await session.execute(select(DemandRequest, acting).where(DemandRequest.id.in_(request_ids)))
    found = []
    for request, operator_acts in rows:
        people = [request.citizen_id]
        if operator_acts and request.created_by_id not in (None, request.citizen_id):
            people.append(request.created_by_id)
        found.append((request, people))
    return found


async def offers_with_provider_name(session: AsyncSession, offer_ids: list[uuid.UUID]) -> list[tuple[Offer, str]]:
    if not offer_ids:
        return []
    rows = await session.execute(
        select(Offer, Provider.display_name)
        .join(Provider, Provider.id == Offer.provider_id)
        .where(Offer.id.in_(offer_ids))
    )
    return [(offer, name) for offer, name in rows]


async def engagement_of_request(session: AsyncSession, request_id: uuid.UUID) -> Engagement | None:
    return await session.scalar(select(Engagement).where(Engagement.request_id == request_id))


async def invited_or_offered(session: AsyncSession, request_id: uuid.UUID, provider_id: uuid.UUID) -> bool:
    """The provider was invited to the request or made an offer on it (in any state)."""
    invited = exists().where(RequestInvitation.request_id == request_id, RequestInvitation.provider_id == provider_id)
    offered = exists().where(Offer.request_id == request_id, Offer.provider_id == provider_id)
    return bool(await session.scalar(select(or_(invited, offered))))


def request_ids_acted_for(operator_id: uuid.UUID, nil_ids: list[uuid.UUID]) -> Select[uuid.UUID]:
    """The requests a hub operator acts for, as a set (app.demand.requests._acts_for): in the NILs
    their hubs serve, those they made for a citizen and the operator-mode ones."""
    return select(DemandRequest.id).where(
        DemandRequest.nil_id.in_(nil_ids),
        or_(DemandRequest.created_by_id == operator_id, DemandRequest.mode == RequestMode.operator),
    )


def _unanswered_invitation() -> ColumnElement[bool]:
    """SQL, on RequestInvitation: its provider is accredited and has made no offer on the request."""
    return and_(
        exists().where(
            Provider.id == RequestInvitation.provider_id,
            Provider.accreditation_state == AccreditationState.accredited,
        ),
        ~exists().where(
            Offer.request_id == RequestInvitation.request_id, Offer.provider_id == RequestInvitation.provider_id
        ),
    )


def quotes_due(after: datetime, until: datetime, now: datetime) -> Select[uuid.UUID, datetime | None]:
    """(id, quotes_due_at) of the open, unexpired quote requests whose quotes are due in (after,
    until] and that some invited provider has not answered yet (ix_demand_request_quotes_due)."""
    return select(DemandRequest.id, DemandRequest.quotes_due_at).where(
        DemandRequest.status == RequestStatus.open,
        DemandRequest.mode == RequestMode.quote,
        DemandRequest.quotes_due_at > after,
        DemandRequest.quotes_due_at <= until,
        DemandRequest.unexpired(now),
        exists().where(RequestInvitation.request_id == DemandRequest.id, _unanswered_invitation()),
    )


async def unanswered_invitations(
    session: AsyncSession, request_ids: list[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID, datetime]]:
    """(request, provider, quotes_due_at) of each invited accredited provider with no offer yet."""
    if not request_ids:
        return []
    rows = await session.execute(
        select(RequestInvitation.request_id, RequestInvitation.provider_id, DemandRequest.quotes_due_at)
        .join(DemandRequest, DemandRequest.id == RequestInvitation.request_id)
        .where(RequestInvitation.request_id.in_(request_ids), _unanswered_invitation())
        .order_by(RequestInvitation.request_id, RequestInvitation.provider_id)
    )
    return [(request_id, provider_id, due) for request_id, provider_id, due in rows if due is not None]
