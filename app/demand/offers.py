"""The provider inbox and offers: answering requests, and the citizen's decision.

Providers see requests anonymised (category, NIL, schedule, dates, budget, preferences) until the
citizen accepts their offer. Accepting one offer declines the others, moves the request to
accepted and creates the engagement, all in one transaction; the request row is locked first, so
two concurrent accepts leave exactly one engagement (the unique index on engagement.request_id is
the backstop).
"""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.demand import income_prices, notices, pay, quote_deadlines
from app.demand import repository as repo
from app.demand.requests import RequestNotFound, acts_for, get_owned, may_read, record_declined
from app.demand.schemas import OfferCreate
from app.demand.substitutions import contract_term_of
from app.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.funding_port import FundingChoice, FundingPort, Purchase
from app.models import (
    AccreditationState,
    ContractType,
    DemandRequest,
    Engagement,
    Offer,
    OfferStatus,
    RequestStatus,
    User,
)
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.providers import access as provider_access
from app.schedules import first_overlap

OFFER_VALIDITY = timedelta(days=7)


class OfferNotFound(NotFound):
    code = "offer_not_found"


class RequestNotOpen(Conflict):
    code, title = "request_not_open", "Request Not Open"


class OfferExists(Conflict):
    code = "offer_exists"


class InvalidOfferTransition(InvalidTransition):
    pass


async def _staff_provider(session: AsyncSession, user: User, provider_id: uuid.UUID | None) -> uuid.UUID:
    """The provider the caller acts for: the one named, or their only one."""
    if provider_id is not None:
        provider = await provider_access.get_managed(session, user, provider_id)
        return provider.id
    mine = await provider_access.staff_provider_ids(session, user.id)
    if not mine:
        raise Forbidden("The inbox is for providers' staff.")
    if len(mine) != 1:
        raise ValidationFailed(
            "Say which provider you act for (provider_id).", pointer="/provider_id", location="query"
        )
    return mine[0]


async def inbox(
    session: AsyncSession, user: User, page: PageParams, *, provider_id: uuid.UUID | None
) -> tuple[uuid.UUID, Paginated[DemandRequest]]:
    """The provider the caller acts for, and a page of the open requests it may answer."""
    acting_for = await _staff_provider(session, user, provider_id)
    result = await paginate(
        session,
        repo.inbox_query(acting_for, datetime.now(UTC)),
        page,
        scope=f"inbox:{acting_for}",
        order=[SortKey(DemandRequest.opened_at, descending=True), SortKey(DemandRequest.id, descending=True)],
    )
    return acting_for, result


def _check_open(request: DemandRequest, now: datetime) -> None:
    if request.status != RequestStatus.open:
        raise RequestNotOpen(f"The request is {request.status.value}.", current_state=request.status.value)
    if request.valid_until is not None and request.valid_until <= now:
        raise RequestNotOpen("The request has expired.", current_state=RequestStatus.expired.value)


def _check_contract(data: OfferCreate, now: datetime) -> None:
    if first_overlap(data.schedule) is not None:
        raise ValidationFailed("Offer slots overlap.", pointer=f"/schedule/{first_overlap(data.schedule)}")
    if data.contract_type != ContractType.ccnl_domestic:
        if data.ccnl_level is not None or data.weekly_hours is not None:
            raise ValidationFailed("ccnl_level and weekly_hours apply to CCNL contracts only.", pointer="/ccnl_level")
        return
    if data.ccnl_level is None or data.weekly_hours is None:
        raise ValidationFailed("A CCNL contract needs ccnl_level and weekly_hours.", pointer="/ccnl_level")


async def _check_service(session: AsyncSession, data: OfferCreate, provider_id: uuid.UUID) -> None:
    """The offered service, when named, must be one of the offering provider's own listings."""
    if data.service_id is None:
        return
    found = await repo.services_with_providers(session, [data.service_id])
    if not found or found[0][0].provider_id != provider_id:
        raise ValidationFailed("service_id is not one of this provider's services.", pointer="/service_id")


async def create_offer(session: AsyncSession, user: User, request_id: uuid.UUID, data: OfferCreate) -> Offer:
    provider = await provider_access.get_managed(session, user, data.provider_id)
    if await provider_access.staff_role(session, user, provider) is None:
        raise Forbidden("Offers are made by the provider's own staff.")  # not by municipal admins for them
    if provider.accreditation_state != AccreditationState.accredited:
        raise Forbidden("Only accredited providers make offers.")
    request = await repo.get_request(session, request_id, for_update=True)
    if request is None or not await repo.may_answer(session, request.id, provider.id):
        raise RequestNotFound("No request with this id.")  # not invited, not eligible: it does not exist for you
    now = datetime.now(UTC)
    _check_open(request, now)
    quote_deadlines.check_accepting(request, now)
    _check_contract(data, now)
    await pay.check_offer(session, data, request, provider)
    contract_term = contract_term_of(data, request)
    await _check_service(session, data, provider.id)
    valid_until = data.valid_until or now + OFFER_VALIDITY
    if valid_until.tzinfo is None or valid_until <= now:
        raise ValidationFailed("valid_until must be a future, time-zoned instant.", pointer="/valid_until")
    offer = Offer(
        id=uuid.uuid4(),
        request_id=request.id,
        provider_id=provider.id,
        service_id=data.service_id,
        created_by_id=user.id,
        price_cents=data.price_cents,
        price_model=data.price_model,
        schedule=[s.model_dump() for s in data.schedule],
        message=data.message,
        proposed_worker_name=data.proposed_worker_name,
        contract_type=data.contract_type,
        ccnl_level=data.ccnl_level,
        weekly_hours=data.weekly_hours,
        contract_term=contract_term,
        live_in=data.live_in,
        session_minutes=data.session_minutes,
        valid_until=valid_until,
    )
    try:
        async with session.begin_nested():
            session.add(offer)
    except IntegrityError as exc:
        raise OfferExists("This provider already has a pending offer on the request; withdraw it first.") from exc
    ledger.record(
        session,
        actor_id=user.id,
        action="offer.created",
        target_type="offer",
        target_id=offer.id,
        payload={"offer_id": str(offer.id), "request_id": str(request.id), "provider_id": str(provider.id)},
        detail={"request_id": str(request.id)},
    )
    notices.tell(
        session,
        await notices.household(session, request),
        "offer.received",
        subject_type="offer",
        subject_id=offer.id,
        actor_id=user.id,
        offer_id=offer.id,
        request_id=request.id,
        provider_id=provider.id,
        provider_name=provider.display_name,
        price_cents=offer.price_cents,
        price_model=offer.price_model.value,
    )
    return offer


async def list_offers(session: AsyncSession, user: User, request_id: uuid.UUID, page: PageParams) -> Paginated[Offer]:
    """The owner sees every offer on the request; a provider's staff only their own provider's."""
    request = await repo.get_request(session, request_id)
    if request is None:
        raise RequestNotFound("No request with this id.")
    provider_ids = None
    if not await may_read(session, user, request):
        provider_ids = [
            p
            for p in await provider_access.staff_provider_ids(session, user.id)
            if await repo.may_answer(session, request.id, p)
        ]
        if not provider_ids:
            raise RequestNotFound("No request with this id.")
    return await paginate(
        session,
        repo.offers_query(request.id, provider_ids),
        page,
        scope=f"offers:{request.id}",
        order=[SortKey(Offer.created_at), SortKey(Offer.id)],
    )


async def _offer_for_provider_staff(session: AsyncSession, user: User, offer_id: uuid.UUID) -> Offer:
    offer = await repo.get_offer(session, offer_id, for_update=True)
    if offer is None:
        raise OfferNotFound("No offer with this id.")
    if await provider_access.managed_or_none(session, user, offer.provider_id) is None:
        raise OfferNotFound("No offer with this id.")
    return offer


async def _offer_for_owner(session: AsyncSession, user: User, offer_id: uuid.UUID) -> tuple[Offer, DemandRequest]:
    offer = await repo.get_offer(session, offer_id)
    if offer is None:
        raise OfferNotFound("No offer with this id.")
    try:
        request = await get_owned(session, user, offer.request_id, for_update=True)
    except RequestNotFound as exc:
        raise OfferNotFound("No offer with this id.") from exc
    offer = await repo.get_offer(session, offer_id, for_update=True)
    assert offer is not None
    return offer, request


def _require_pending(offer: Offer, action: str) -> None:
    if offer.status != OfferStatus.pending:
        raise InvalidOfferTransition(
            f"Cannot {action} an offer that is {offer.status.value}.", current_state=offer.status.value
        )


async def withdraw_offer(
    session: AsyncSession, user: User, offer_id: uuid.UUID, *, if_match: list[int] | None
) -> Offer:
    offer = await _offer_for_provider_staff(session, user, offer_id)
    ensure_version(offer, if_match)
    _require_pending(offer, "withdraw")
    offer.status, offer.decided_at = OfferStatus.withdrawn, datetime.now(UTC)
    _record(session, user, offer, "offer.withdrawn")
    await session.flush()
    return offer


async def decline_offer(session: AsyncSession, user: User, offer_id: uuid.UUID, *, if_match: list[int] | None) -> Offer:
    offer, _ = await _offer_for_owner(session, user, offer_id)
    ensure_version(offer, if_match)
    _require_pending(offer, "decline")
    offer.status, offer.decided_at = OfferStatus.declined, datetime.now(UTC)
    _record(session, user, offer, "offer.declined")
    await notices.offers_declined(session, [(offer.id, offer.provider_id, offer.request_id)], reason="declined")
    await session.flush()
    return offer


async def accept_offer(
    session: AsyncSession,
    user: User,
    offer_id: uuid.UUID,
    *,
    if_match: list[int] | None,
    funding: list[FundingChoice] | None = None,
    port: FundingPort | None = None,
) -> Engagement:
    offer, request = await _offer_for_owner(session, user, offer_id)  # the request row is now locked
    ensure_version(offer, if_match)
    _require_pending(offer, "accept")
    now = datetime.now(UTC)
    _check_open(request, now)
    if offer.valid_until <= now:
        raise InvalidOfferTransition("The offer has expired.", current_state="expired")
    provider = await provider_access.get_provider_by_id(session, offer.provider_id)
    if provider is None or provider.accreditation_state != AccreditationState.accredited:
        raise InvalidOfferTransition(
            "The provider is no longer accredited.",
            current_state=provider.accreditation_state.value if provider else "withdrawn",
        )
    await pay.check_acceptance(session, offer, request)
    offer.status, offer.decided_at = OfferStatus.accepted, now
    declined = await repo.decline_other_offers(session, request.id, offer.id, now)
    staff = await notices.staff_of(session, {offer.provider_id, *(p for _, p in declined)})
    await record_declined(session, [(d, p, request.id) for d, p in declined], why="another_offer_accepted", staff=staff)
    request.status = RequestStatus.accepted
    engagement = Engagement(
        id=uuid.uuid4(),
        request_id=request.id,
        offer_id=offer.id,
        citizen_id=request.citizen_id,
        provider_id=offer.provider_id,
        service_id=offer.service_id,
        category_id=request.category_id,
        schedule=offer.schedule,
        price_cents=offer.price_cents,
        price_model=offer.price_model,
        start_date=request.start_date,
        end_date=request.end_date,
        contract_type=offer.contract_type,
        ccnl_level=offer.ccnl_level,
        weekly_hours=offer.weekly_hours,
        contract_term=offer.contract_term,
        live_in=offer.live_in,
        session_minutes=offer.session_minutes,
        substitutes_engagement_id=request.substitutes_engagement_id,
    )
    session.add(engagement)
    await income_prices.record_at_acceptance(session, offer, engagement, request.citizen_id)
    if funding:  # held now, in this transaction: a refused hold refuses the acceptance
        assert port is not None, "funding needs the composition root's FundingPort"
        await port.hold(session, _purchase(engagement, request), funding, user.id)
    _record(session, user, offer, "offer.accepted", declined=[str(d) for d, _ in declined])
    ledger.emit(
        session,
        type="engagement.created",
        aggregate_type="engagement",
        aggregate_id=engagement.id,
        payload={
            "engagement_id": str(engagement.id),
            "request_id": str(request.id),
            "provider_id": str(offer.provider_id),
        },
    )
    about = {"offer_id": offer.id, "request_id": request.id, "engagement_id": engagement.id}
    notices.tell(
        session,
        staff[offer.provider_id],
        "offer.accepted",
        subject_type="offer",
        subject_id=offer.id,
        actor_id=user.id,
        provider_id=offer.provider_id,
        **about,
    )
    notices.tell(
        session,
        await notices.household(session, request),
        "engagement.started",
        subject_type="engagement",
        subject_id=engagement.id,
        actor_id=user.id,
        provider_id=offer.provider_id,
        provider_name=provider.display_name,
        **about,
    )
    await session.flush()
    return engagement


def _purchase(engagement: Engagement, request: DemandRequest) -> Purchase:
    return Purchase(
        subject_type="engagement",
        subject_id=engagement.id,
        household_id=request.citizen_id,
        provider_id=engagement.provider_id,
        category_id=engagement.category_id,
        price_cents=engagement.price_cents
        if engagement.household_price_cents is None
        else engagement.household_price_cents,  # the household's income-based price, when a band applied
        price_model=engagement.price_model.value,
        schedule=engagement.schedule,
        start_date=engagement.start_date,
        end_date=engagement.end_date,
    )


async def offer_for_household(session: AsyncSession, user: User, offer_id: uuid.UUID) -> tuple[Offer, DemandRequest]:
    """An offer on a request the caller acts for (the household, or a hub operator for it), unlocked:
    for reads on the household's behalf such as its funding proposal. Anyone else: 404."""
    offer = await repo.get_offer(session, offer_id)
    request = await repo.get_request(session, offer.request_id) if offer is not None else None
    if offer is None or request is None or not await acts_for(session, user, request):
        raise OfferNotFound("No offer with this id.")
    return offer, request


async def purchase_of(session: AsyncSession, offer: Offer, request: DemandRequest) -> Purchase:
    """What accepting the offer would make the household take on (the engagement's own terms, at the
    household's income-based price when a band of the listing applies, as acceptance will record)."""
    household_price = await income_prices.household_price(session, offer, request.citizen_id)
    return Purchase(
        subject_type="offer",
        subject_id=offer.id,
        household_id=request.citizen_id,
        provider_id=offer.provider_id,
        category_id=request.category_id,
        price_cents=household_price[0] if household_price is not None else offer.price_cents,
        price_model=offer.price_model.value,
        schedule=offer.schedule,
        start_date=request.start_date,
        end_date=request.end_date,
    )


def _record(session: AsyncSession, user: User, offer: Offer, event: str, **detail: object) -> None:
    ledger.record(
        session,
        actor_id=user.id,
        action=event,
        target_type="offer",
        target_id=offer.id,
        payload={"offer_id": str(offer.id), "request_id": str(offer.request_id), "provider_id": str(offer.provider_id)},
        detail=dict(detail),
    )
