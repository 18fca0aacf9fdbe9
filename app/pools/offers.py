"""Providers' offers to pools, and the coordinator's decision.

An accredited provider's staff offer a weekly price for the whole pool, and their hourly price for
one household alone (which shows each member's saving). Accepting one (the pool's coordinators)
declines the others, prices the pool and activates it if it has its minimum; the pool row is locked
first, so two concurrent accepts price it once.
"""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.concurrency import ensure_version
from app.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.models import AccreditationState, Pool, PoolOffer, PoolOfferStatus, PoolState, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.pools import access, lifecycle
from app.pools import repository as repo
from app.pools.schemas import PoolOfferCreate
from app.providers import access as provider_access

OFFER_VALIDITY = timedelta(days=14)


class PoolOfferNotFound(NotFound):
    code = "pool_offer_not_found"


class PoolOfferExists(Conflict):
    code = "pool_offer_exists"


class PoolAlreadyServed(Conflict):
    code, title = "pool_already_served", "Pool Already Served"


class InvalidPoolOfferTransition(InvalidTransition):
    pass


async def create_offer(session: AsyncSession, user: User, pool_id: uuid.UUID, data: PoolOfferCreate) -> PoolOffer:
    provider = await provider_access.get_managed(session, user, data.provider_id)
    if await provider_access.staff_role(session, user, provider) is None:
        raise Forbidden("Offers are made by the provider's own staff.")
    if provider.accreditation_state != AccreditationState.accredited:
        raise Forbidden("Only accredited providers make offers.")
    pool, _, _ = await access.get_visible(session, user, pool_id, for_update=True)
    if pool.accepted_offer_id is not None or pool.state not in (PoolState.forming, PoolState.active):
        raise PoolAlreadyServed("The pool has a provider, or is closing.", current_state=pool.state.value)
    if data.service_id is not None:
        service = await repo.get_service(session, data.service_id)
        if service is None or service.provider_id != provider.id or service.category_id != pool.category_id:
            raise ValidationFailed(
                "service_id is not one of your listings of the pool's category.", pointer="/service_id"
            )
    now = datetime.now(UTC)
    valid_until = data.valid_until or now + OFFER_VALIDITY
    if valid_until <= now:
        raise ValidationFailed("valid_until must be in the future.", pointer="/valid_until")
    offer = PoolOffer(
        id=uuid.uuid4(),
        pool_id=pool.id,
        provider_id=provider.id,
        service_id=data.service_id,
        created_by_id=user.id,
        weekly_price_cents=data.weekly_price_cents,
        individual_hourly_cents=data.individual_hourly_cents,
        message=data.message,
        valid_until=valid_until,
        status=PoolOfferStatus.pending,
    )
    try:
        async with session.begin_nested():
            session.add(offer)
    except IntegrityError as exc:
        raise PoolOfferExists("Your provider already has a pending offer on this pool; withdraw it first.") from exc
    lifecycle.record(session, user.id, pool, "pool.offer.created", offer_id=offer.id, provider_id=provider.id)
    return offer


async def list_offers(session: AsyncSession, user: User, pool_id: uuid.UUID, page: PageParams) -> Paginated[PoolOffer]:
    """Coordinators and members see every offer; providers' staff only their own providers'."""
    pool, viewer, membership = await access.get_visible(session, user, pool_id)
    everyone = access.can_coordinate(viewer, pool, membership) or membership is not None
    return await paginate(
        session,
        repo.offers_query(pool.id, None if everyone else viewer.provider_ids),
        page,
        scope=f"pool_offers:{pool.id}",
        order=[SortKey(PoolOffer.created_at, descending=True), SortKey(PoolOffer.id)],
    )


async def _offer(session: AsyncSession, offer_id: uuid.UUID) -> PoolOffer:
    offer = await repo.get_offer(session, offer_id, for_update=True)
    if offer is None:
        raise PoolOfferNotFound("No pool offer with this id.")
    return offer


async def _coordinated_pool_of(session: AsyncSession, user: User, offer_id: uuid.UUID, action: str) -> Pool:
    """The offer's pool, locked first (then the offer): an offer on a pool the caller cannot see does
    not exist for them (404), and only its coordinators decide on it (403)."""
    pre = await repo.get_offer(session, offer_id)
    if pre is None:
        raise PoolOfferNotFound("No pool offer with this id.")
    try:
        pool, viewer, mine = await access.get_visible(session, user, pre.pool_id, for_update=True)
    except access.PoolNotFound as exc:
        raise PoolOfferNotFound("No pool offer with this id.") from exc
    if not access.can_coordinate(viewer, pool, mine):
        raise Forbidden(f"Only the pool's coordinators {action} offers.")
    return pool


def _require_pending(offer: PoolOffer, action: str) -> None:
    if offer.status != PoolOfferStatus.pending:
        raise InvalidPoolOfferTransition(
            f"Cannot {action} an offer that is {offer.status.value}.", current_state=offer.status.value
        )


async def accept_offer(session: AsyncSession, user: User, offer_id: uuid.UUID, if_match: list[int] | None) -> PoolOffer:
    pool = await _coordinated_pool_of(session, user, offer_id, "accept")
    offer = await _offer(session, offer_id)
    ensure_version(offer, if_match)
    _require_pending(offer, "accept")
    now = datetime.now(UTC)
    if offer.valid_until <= now:
        raise InvalidPoolOfferTransition("The offer has expired.", current_state="expired")
    if pool.accepted_offer_id is not None or pool.state not in (PoolState.forming, PoolState.active):
        raise PoolAlreadyServed("The pool already has a provider, or is closing.", current_state=pool.state.value)
    provider = await provider_access.get_provider_by_id(session, offer.provider_id)
    if provider is None or provider.accreditation_state != AccreditationState.accredited:
        raise InvalidPoolOfferTransition("The provider is no longer accredited.", current_state="provider_suspended")
    offer.status, offer.decided_at = PoolOfferStatus.accepted, now
    for other in await repo.pending_offers(session, pool.id):
        if other.id != offer.id:
            other.status, other.decided_at = PoolOfferStatus.declined, now
    pool.accepted_offer_id, pool.provider_id, pool.service_id = (
        offer.id,
        offer.provider_id,
        offer.service_id or pool.service_id,
    )
    pool.weekly_cost_cents, pool.individual_hourly_cents = offer.weekly_price_cents, offer.individual_hourly_cents
    await session.flush()
    lifecycle.record(session, user.id, pool, "pool.offer.accepted", offer_id=offer.id, provider_id=offer.provider_id)
    lifecycle.tell(
        session, await lifecycle.in_pool(session, pool), pool, "pool.priced", weekly_cost_cents=pool.weekly_cost_cents
    )
    await lifecycle.maybe_activate(session, pool, user.id)
    return offer


async def decline_offer(
    session: AsyncSession, user: User, offer_id: uuid.UUID, if_match: list[int] | None
) -> PoolOffer:
    pool = await _coordinated_pool_of(session, user, offer_id, "decline")
    offer = await _offer(session, offer_id)
    ensure_version(offer, if_match)
    _require_pending(offer, "decline")
    offer.status, offer.decided_at = PoolOfferStatus.declined, datetime.now(UTC)
    await session.flush()
    lifecycle.record(session, user.id, pool, "pool.offer.declined", offer_id=offer.id)
    return offer


async def withdraw_offer(
    session: AsyncSession, user: User, offer_id: uuid.UUID, if_match: list[int] | None
) -> PoolOffer:
    offer = await _offer(session, offer_id)
    if await provider_access.managed_or_none(session, user, offer.provider_id) is None:
        raise PoolOfferNotFound("No pool offer with this id.")
    ensure_version(offer, if_match)
    _require_pending(offer, "withdraw")
    offer.status, offer.decided_at = PoolOfferStatus.withdrawn, datetime.now(UTC)
    await session.flush()
    pool = await repo.get_pool(session, offer.pool_id)
    assert pool is not None  # offer.pool_id is a non-null foreign key
    lifecycle.record(session, user.id, pool, "pool.offer.withdrawn", offer_id=offer.id)
    return offer
