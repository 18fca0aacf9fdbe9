"""Demand requests: a household's need, its lifecycle and who may see what.

    draft ──open──▶ open ──(accept an offer)──▶ accepted ──(engagement completed)──▶ fulfilled
      │               │                            └──(engagement cancelled)──▶ cancelled
      └──cancel──▶ cancelled ◀──cancel──┘          open ──(valid_until passes, worker)──▶ expired

The owner is the citizen; a hub operator may create and manage a request for a citizen who is not
online, with the citizen's consent recorded. Operator mode (the hub's operators propose candidates)
is only ever made that way: by an operator of the NIL's hub, with consent recorded. Everyone else
gets 404 (existence does not leak).
"""

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.accounts import service as account_service
from app.catalog import service as catalog_service
from app.concurrency import ensure_version
from app.demand import notices, quote_deadlines
from app.demand import repository as repo
from app.demand.schemas import Preferences, RequestCreate, RequestFields, RequestUpdate
from app.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.models import DemandRequest, RequestMode, RequestStatus, Role, User
from app.pagination import PageParams, Paginated, SortKey, paginate
from app.schedules import first_overlap, to_multirange
from app.zones import service as zone_service

VALIDITY = timedelta(days=30)
MILAN = ZoneInfo("Europe/Rome")
MAX_OPEN_REQUESTS = 10  # per citizen: a business cap against flooding providers (OWASP API6)


class RequestNotFound(NotFound):
    code = "request_not_found"


class InvalidRequestTransition(InvalidTransition):
    pass


class TooManyOpenRequests(Conflict):
    code = "too_many_open_requests"


class OperatorModeNotAllowed(Forbidden):
    """Operator mode lets every operator of the NIL's hubs read and act on the request, so it needs
    the household's recorded consent: only a hub operator of that NIL, acting for a citizen with
    `citizen_id` and `consent_note`, may create one (the database holds the consent rule too)."""

    code, title = "operator_mode_not_allowed", "Operator Mode Not Allowed"


async def _acts_for(session: AsyncSession, user: User, request: DemandRequest) -> bool:
    """The household, or a hub operator acting for it within the NILs their hubs serve: on the
    requests they made for offline citizens, and on operator-mode requests (made by an operator of
    the hub with the citizen's recorded consent). An operator who leaves a hub stops acting there."""
    if request.citizen_id == user.id:
        return True
    if user.role != Role.hub_operator:
        return False
    if request.created_by_id != user.id and request.mode != RequestMode.operator:
        return False
    return request.nil_id in await account_service.operated_nil_ids(session, user)


async def acts_for(session: AsyncSession, user: User, request: DemandRequest) -> bool:
    """Whether the caller acts for the request's household (the rule above); for other contexts,
    through app.demand.parties."""
    return await _acts_for(session, user, request)


async def _check_operator_zone(session: AsyncSession, user: User, request: DemandRequest) -> None:
    if user.role == Role.hub_operator and request.nil_id not in await account_service.operated_nil_ids(session, user):
        raise Forbidden("Hub operators act for households in the NILs their hubs serve.")


async def get_owned(
    session: AsyncSession, user: User, request_id: uuid.UUID, *, for_update: bool = False
) -> DemandRequest:
    """A request the caller may act on (for_update) or read; anyone else gets 404. Municipal admins
    may read any request (audited) but never act for a household."""
    request = await repo.get_request(session, request_id, for_update=for_update)
    allowed = _acts_for if for_update else may_read
    if request is None or not await allowed(session, user, request):
        raise RequestNotFound("No request with this id.")
    return request


async def may_read(session: AsyncSession, user: User, request: DemandRequest) -> bool:
    """The household and whoever acts for it, or a municipal admin (whose read is audited)."""
    return user.role == Role.admin or await _acts_for(session, user, request)


def audit_staff_read(session: AsyncSession, user: User, request: DemandRequest) -> None:
    """A citizen's personal data seen by city staff is an audited access (GDPR accountability)."""
    if request.citizen_id != user.id:
        ledger.audit(
            session,
            actor_id=user.id,
            actor_kind="user",
            action="request.read_by_staff",
            target_type="request",
            target_id=request.id,
        )


async def _place(session: AsyncSession, request: DemandRequest, data: RequestFields) -> None:
    fields = data.model_fields_set
    if "point" in fields and data.point is not None:
        nil = await zone_service.nil_of_point(session, lat=data.point.lat, lon=data.point.lon)
        if nil is None:
            raise ValidationFailed("The point is not in Milan.", pointer="/point")
        request.lat, request.lon, request.nil_id = data.point.lat, data.point.lon, nil
    elif "nil_id" in fields and data.nil_id is not None:
        nils = await zone_service.expand_to_nils(session, [data.nil_id], pointer="/nil_id")
        if nils != [data.nil_id]:
            raise ValidationFailed("nil_id must be a NIL, not a Municipio.", pointer="/nil_id")
        request.nil_id, request.lat, request.lon = data.nil_id, None, None


async def _apply(session: AsyncSession, request: DemandRequest, data: RequestFields) -> None:
    fields = data.model_fields_set
    if "category_id" in fields and data.category_id is not None:
        await catalog_service.require_leaf_category(session, data.category_id, pointer="/category_id")
        request.category_id = data.category_id
    for name in (
        "description",
        "start_date",
        "end_date",
        "budget_cents",
        "budget_model",
        "beneficiary_notes",
        "open_to_sharing",
    ):
        if name in fields and (
            getattr(data, name) is not None or name in ("end_date", "budget_cents", "budget_model", "beneficiary_notes")
        ):
            setattr(request, name, getattr(data, name))
    if "address" in fields:
        request.address_street = data.address.street if data.address else None
        request.address_postcode = data.address.postcode if data.address else None
    await _place(session, request, data)
    if "schedule" in fields and data.schedule is not None:
        overlap = first_overlap(data.schedule)
        if overlap is not None:
            raise ValidationFailed("This slot overlaps an earlier one.", pointer=f"/schedule/{overlap}")
        request.schedule = [s.model_dump() for s in data.schedule]
        request.schedule_minutes = to_multirange(data.schedule)
    if "preferences" in fields:
        prefs = data.preferences or Preferences()
        request.languages = prefs.languages
        request.provider_kinds = [k.value for k in prefs.provider_kinds]
        request.required_badges = [b.value for b in prefs.required_badges]


def _check(request: DemandRequest) -> None:
    if request.nil_id is None:
        raise ValidationFailed("Say where: a point, or a nil_id.", pointer="/point")
    if request.end_date is not None and request.end_date < request.start_date:
        raise ValidationFailed("end_date is before start_date.", pointer="/end_date")
    if (request.budget_cents is None) != (request.budget_model is None):
        raise ValidationFailed("budget_cents and budget_model go together.", pointer="/budget_model")


async def create_request(session: AsyncSession, user: User, data: RequestCreate) -> DemandRequest:
    citizen_id, consent_at = await _for_whom(session, user, data)
    if data.start_date < milan_today():
        raise ValidationFailed("start_date is in the past.", pointer="/start_date")
    request = DemandRequest(
        id=uuid.uuid4(),
        citizen_id=citizen_id,
        created_by_id=user.id,
        consent_recorded_at=consent_at,
        consent_note=data.consent_note if consent_at else None,
        category_id=data.category_id,
        mode=data.mode,
        start_date=data.start_date,
        description="",
        open_to_sharing=False,
        languages=[],
        provider_kinds=[],
        required_badges=[],
        status=RequestStatus.draft,
    )
    await _apply(session, request, data)
    _check(request)
    await _check_operator_zone(session, user, request)
    session.add(request)
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="request.created",
        target_type="request",
        target_id=request.id,
        detail={"on_behalf": citizen_id != user.id},
    )
    if data.open_now:
        with session.no_autoflush:  # inserted already open: one INSERT, not an INSERT and an UPDATE
            await _open(session, user, request)
    quote_deadlines.on_create(request, data.quotes_due_at, horizon=_horizon(request))
    await session.flush()
    return request


async def _for_whom(session: AsyncSession, user: User, data: RequestCreate) -> tuple[uuid.UUID, datetime | None]:
    if data.mode == RequestMode.operator and user.role != Role.hub_operator:
        raise OperatorModeNotAllowed(
            "Operator mode is for hub operators acting for a citizen, with the citizen's consent recorded."
        )
    if user.role == Role.citizen:
        if data.citizen_id not in (None, user.id) or data.consent_note is not None:
            raise Forbidden("Citizens create requests for themselves.")
        return user.id, None
    if user.role == Role.hub_operator:
        if data.citizen_id is None or data.consent_note is None:
            raise ValidationFailed("Acting for a citizen needs citizen_id and consent_note.", pointer="/citizen_id")
        citizen = await account_service.find_by_id(session, data.citizen_id)
        if citizen is None or citizen.role != Role.citizen:
            raise ValidationFailed("citizen_id is not a citizen's account.", pointer="/citizen_id")
        return citizen.id, datetime.now(UTC)
    raise Forbidden("Requests are made by citizens, or by hub operators for them.")


async def is_open_request_of(
    session: AsyncSession, request_id: uuid.UUID, *, citizen_id: uuid.UUID, category_id: uuid.UUID
) -> bool:
    """Whether a request is one of a citizen's, open now, of a category (a pool may answer it)."""
    request = await repo.get_request(session, request_id)
    return (
        request is not None
        and request.citizen_id == citizen_id
        and request.category_id == category_id
        and request.current_status == RequestStatus.open
    )


async def record_declined(
    session: AsyncSession, offers: list, *, why: str, staff: dict[uuid.UUID, list[uuid.UUID]] | None = None
) -> None:
    """Offers the system declined (another was accepted, or the request closed) get their own
    audit entry and `offer.declined` event, like offers a citizen declines, and their providers'
    staff are told (`why` is the notification's reason code; `staff` when the caller has it)."""
    await notices.offers_declined(session, offers, reason=why, staff=staff)
    for offer_id, provider_id, request_id in offers:
        ledger.record(
            session,
            actor_id=None,
            action="offer.declined",
            target_type="offer",
            target_id=offer_id,
            payload={"offer_id": str(offer_id), "request_id": str(request_id), "provider_id": str(provider_id)},
            detail={"why": why},
        )


def _horizon(request: DemandRequest) -> datetime:
    """When the request stops being valid: valid_until once open, for a draft what opening now gives."""
    return request.valid_until or datetime.now(UTC) + VALIDITY


def milan_today() -> date:
    """Dates in requests are Milan's calendar dates, whatever the server's time zone."""
    return datetime.now(MILAN).date()


async def _open(session: AsyncSession, user: User, request: DemandRequest) -> None:
    """Open within the household's cap, recorded; the caller flushes (a new request is inserted open)."""
    await repo.lock_citizen(session, request.citizen_id)
    if await repo.count_open_requests(session, request.citizen_id) >= MAX_OPEN_REQUESTS:
        raise TooManyOpenRequests(f"At most {MAX_OPEN_REQUESTS} open requests per household; close one first.")
    now = datetime.now(UTC)
    request.status, request.opened_at, request.valid_until = RequestStatus.open, now, now + VALIDITY
    ledger.record(
        session,
        actor_id=user.id,
        action="request.opened",
        target_type="request",
        target_id=request.id,
        detail={},
        payload={
            "request_id": str(request.id),
            "category_id": str(request.category_id),
            "nil_id": str(request.nil_id),
            "mode": request.mode.value,
        },
    )


async def open_new(session: AsyncSession, user: User, request: DemandRequest) -> None:
    """Open a request another use case is inserting (a substitute's), within the household's cap."""
    with session.no_autoflush:
        await _open(session, user, request)


async def open_request(
    session: AsyncSession, user: User, request_id: uuid.UUID, *, if_match: list[int] | None
) -> DemandRequest:
    request = await get_owned(session, user, request_id, for_update=True)
    ensure_version(request, if_match)
    if request.current_status != RequestStatus.draft:
        raise InvalidRequestTransition(
            f"Cannot open a request that is {request.current_status.value}.",
            current_state=request.current_status.value,
        )
    quote_deadlines.on_open(request)
    await _open(session, user, request)
    await session.flush()
    return request


async def cancel_request(
    session: AsyncSession, user: User, request_id: uuid.UUID, *, reason: str, if_match: list[int] | None
) -> DemandRequest:
    request = await get_owned(session, user, request_id, for_update=True)
    ensure_version(request, if_match)
    if request.current_status not in (RequestStatus.draft, RequestStatus.open):
        raise InvalidRequestTransition(
            f"Cannot cancel a request that is {request.current_status.value}.",
            current_state=request.current_status.value,
        )
    now = datetime.now(UTC)
    request.status, request.closed_reason = RequestStatus.cancelled, reason
    await record_declined(
        session, await repo.expire_pending_offers(session, [request.id], now), why="request_cancelled"
    )
    ledger.record(
        session,
        actor_id=user.id,
        action="request.cancelled",
        target_type="request",
        target_id=request.id,
        payload={"request_id": str(request.id)},
        detail={"reason": reason},
    )
    await session.flush()
    return request


async def update_request(
    session: AsyncSession, user: User, request_id: uuid.UUID, data: RequestUpdate, *, if_match: list[int] | None
) -> DemandRequest:
    request = await get_owned(session, user, request_id, for_update=True)
    ensure_version(request, if_match)
    if request.current_status not in (RequestStatus.draft, RequestStatus.open):
        raise InvalidRequestTransition(
            f"A request that is {request.current_status.value} cannot be edited.",
            current_state=request.current_status.value,
        )
    if (
        "category_id" in data.model_fields_set
        and data.category_id not in (None, request.category_id)
        and (await repo.invited_provider_ids(session, [request.id])).get(request.id)
    ):
        raise InvalidRequestTransition(
            "Providers were invited for this category; cancel and post a new request.",
            current_state=request.status.value,
        )
    if request.substitutes_engagement_id is not None:  # its dates were checked against the engagement's
        for name in ("category_id", "start_date", "end_date"):
            if name in data.model_fields_set and getattr(data, name) != getattr(request, name):
                raise ValidationFailed(
                    "A substitute request keeps its category and dates: cancel it and ask again.", pointer=f"/{name}"
                )
    if data.start_date is not None and data.start_date != request.start_date and data.start_date < milan_today():
        raise ValidationFailed("start_date is in the past.", pointer="/start_date")  # the rule create applies
    with session.no_autoflush:
        await _apply(session, request, data)
        _check(request)
        await _check_operator_zone(session, user, request)
        if "quotes_due_at" in data.model_fields_set:
            await quote_deadlines.on_update(session, user, request, data.quotes_due_at, horizon=_horizon(request))
    request.updated_at = datetime.now(UTC)
    await session.flush()
    return request


async def get_request(session: AsyncSession, user: User, request_id: uuid.UUID) -> DemandRequest:
    request = await get_owned(session, user, request_id)
    audit_staff_read(session, user, request)
    return request


async def list_requests(
    session: AsyncSession, user: User, page: PageParams, *, status: RequestStatus | None
) -> Paginated[DemandRequest]:
    stmt = (
        repo.requests_for_operator(user.id, status)
        if user.role == Role.hub_operator
        else repo.requests_for_citizen(user.id, status)
    )
    return await paginate(
        session,
        stmt,
        page,
        scope="requests",
        order=[SortKey(DemandRequest.created_at, descending=True), SortKey(DemandRequest.id, descending=True)],
    )


async def expire_due(session: AsyncSession) -> int:
    """Worker job: open requests past valid_until expire, and their pending offers close."""
    now = datetime.now(UTC)
    expired = await repo.expire_open_requests(session, now)
    await record_declined(session, await repo.expire_pending_offers(session, expired, now), why="request_expired")
    for request_id in expired:
        ledger.emit(
            session,
            type="request.expired",
            aggregate_type="request",
            aggregate_id=request_id,
            payload={"request_id": str(request_id)},
        )
    return len(expired)
