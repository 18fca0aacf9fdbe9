"""Substitute care: care goes on while an engagement's worker is away (holiday, illness, other).

Either party of an active engagement (the household, or the provider's staff) asks for a substitute
for a date range. That makes a request of the household, linked to the engagement: the engagement's
category and schedule, the original request's place, preferences and notes, the engagement's price
as the budget, for those dates. It opens at once in quote mode with the engagement's provider
invited, so the provider is asked first and may propose another of its workers (an offer's
`proposed_worker_name`). From there the household decides, with the request operations it already
has:

    open, quote, provider invited ──(household accepts an offer)──▶ accepted: the substitute's
      │                                            engagement points to the engagement it covers
      ├──(household invites other providers: POST /v1/requests/{id}/invitations, 5 in all)
      ├──(household opens it to every eligible provider: POST .../substitutions/{id}/open)──▶ open mode
      └──(household cancels it: POST /v1/requests/{id}/cancel; or it expires after its last day)

The request rules hold throughout (the household's open-requests cap, offers, acceptance). What is
particular is checked here: the dates (within the engagement, not past, at most
MAX_SUBSTITUTION_DAYS, no overlap with a live substitution of the same engagement), and the contract:
a CCNL offer on a substitute request is a fixed-term replacement (`contract_term_of`, used by offers).
"""

import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.demand import notices
from app.demand import repository as repo
from app.demand.engagements import get_for_party
from app.demand.requests import MILAN, InvalidRequestTransition, milan_today, open_new
from app.demand.schemas import MAX_SUBSTITUTION_DAYS, MAX_SUBSTITUTIONS, OfferCreate, SubstitutionCreate
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.models import (
    ContractTerm,
    ContractType,
    DemandRequest,
    Engagement,
    EngagementStatus,
    RequestInvitation,
    RequestMode,
    RequestStatus,
    User,
)
from app.schedules import WeeklySlot, to_multirange

# A substitution whose request ended this way covers nothing: its dates are free again.
ENDED = (RequestStatus.cancelled, RequestStatus.expired)


class SubstitutionNotFound(NotFound):
    code = "substitution_not_found"


class EngagementNotActive(Conflict):
    """Only an engagement that is going on has a worker to stand in for."""

    code, title = "engagement_not_active", "Engagement Not Active"


class SubstitutionOverlaps(Conflict):
    """Two substitutes for the same days would be two people hired for one absence."""

    code, title = "substitution_overlaps", "Substitution Overlaps"


class TooManySubstitutions(Conflict):
    code, title = "too_many_substitutions", "Too Many Substitutions"


def _check_dates(engagement: Engagement, data: SubstitutionCreate) -> None:
    if data.start_date < milan_today():
        raise ValidationFailed("start_date is in the past.", pointer="/start_date")
    if data.end_date < data.start_date:
        raise ValidationFailed("end_date is before start_date.", pointer="/end_date")
    if (data.end_date - data.start_date).days + 1 > MAX_SUBSTITUTION_DAYS:
        raise ValidationFailed(
            f"A substitution covers at most {MAX_SUBSTITUTION_DAYS} days; a longer absence is a new engagement.",
            pointer="/end_date",
        )
    if data.start_date < engagement.start_date:
        raise ValidationFailed(f"The engagement starts on {engagement.start_date.isoformat()}.", pointer="/start_date")
    if engagement.end_date is not None and data.end_date > engagement.end_date:
        raise ValidationFailed(f"The engagement ends on {engagement.end_date.isoformat()}.", pointer="/end_date")


async def _check_against_others(session: AsyncSession, engagement: Engagement, data: SubstitutionCreate) -> None:
    """Called with the engagement row locked, so two concurrent asks for the same days cannot both pass."""
    others = [request for request, _ in await repo.substitutions_of(session, [engagement.id])]
    if len(others) >= MAX_SUBSTITUTIONS:
        raise TooManySubstitutions(f"An engagement has at most {MAX_SUBSTITUTIONS} substitutions.")
    for other in others:
        if other.current_status in ENDED or other.end_date is None:
            continue
        if other.start_date <= data.end_date and data.start_date <= other.end_date:
            raise SubstitutionOverlaps(
                f"A substitute is already sought or engaged from {other.start_date.isoformat()} "
                f"to {other.end_date.isoformat()} ({other.id}); cancel that request first."
            )


def _substitute_request(
    user: User, engagement: Engagement, original: DemandRequest, data: SubstitutionCreate
) -> DemandRequest:
    """The household's request for the absence: the same need, for those dates only."""
    return DemandRequest(
        id=uuid.uuid4(),
        citizen_id=engagement.citizen_id,
        created_by_id=user.id,
        consent_recorded_at=original.consent_recorded_at,  # the household's consent to its operator
        consent_note=original.consent_note,
        category_id=engagement.category_id,
        description=original.description,
        address_street=original.address_street,
        address_postcode=original.address_postcode,
        lat=original.lat,
        lon=original.lon,
        nil_id=original.nil_id,
        # The engagement's schedule (what the absent worker actually does), not the one first asked for.
        schedule=engagement.schedule,
        schedule_minutes=to_multirange([WeeklySlot.model_validate(s) for s in engagement.schedule]),
        start_date=data.start_date,
        end_date=data.end_date,
        budget_cents=engagement.price_cents,
        budget_model=engagement.price_model,
        languages=list(original.languages),
        provider_kinds=list(original.provider_kinds),
        required_badges=list(original.required_badges),
        beneficiary_notes=original.beneficiary_notes,
        open_to_sharing=False,
        mode=RequestMode.quote,
        status=RequestStatus.draft,
        substitutes_engagement_id=engagement.id,
        substitution_reason=data.reason,
        substitution_note=data.note,
    )


async def request_substitute(
    session: AsyncSession, user: User, engagement_id: uuid.UUID, data: SubstitutionCreate
) -> DemandRequest:
    engagement, party = await get_for_party(session, user, engagement_id, for_update=True)
    if engagement.status != EngagementStatus.active:
        raise EngagementNotActive(
            f"The engagement is {engagement.status.value}.", current_state=engagement.status.value
        )
    _check_dates(engagement, data)
    await _check_against_others(session, engagement, data)
    original = await repo.get_request(session, engagement.request_id)
    assert original is not None  # an engagement's request is deleted only with it
    request = _substitute_request(user, engagement, original, data)
    session.add(request)
    await open_new(session, user, request)  # the household's open-requests cap applies
    # Open until the absence's last day is over (Milan), at most the usual validity.
    last_moment = datetime.combine(data.end_date + timedelta(days=1), time(), MILAN).astimezone(UTC)
    request.valid_until = min(request.valid_until or last_moment, last_moment)
    service_id = await repo.service_to_invite(session, engagement)
    if service_id is not None:  # None: the provider lists no such service any more; the household asks others
        session.add(
            RequestInvitation(
                request_id=request.id, provider_id=engagement.provider_id, service_id=service_id, invited_by_id=user.id
            )
        )
        ledger.emit(
            session,
            type="request.invited",
            aggregate_type="request",
            aggregate_id=request.id,
            payload={"request_id": str(request.id), "provider_id": str(engagement.provider_id)},
        )
    ledger.record(
        session,
        actor_id=user.id,
        action="engagement.substitute_requested",
        target_type="engagement",
        target_id=engagement.id,
        payload={
            "engagement_id": str(engagement.id),
            "request_id": str(request.id),
            "provider_id": str(engagement.provider_id),
        },
        detail={"by": party, "request_id": str(request.id), "reason": data.reason.value},
    )
    staff = (await notices.staff_of(session, [engagement.provider_id]))[engagement.provider_id]
    notices.tell(  # the other side, and the asker's colleagues on theirs
        session,
        [*await notices.household(session, original), *staff],
        "engagement.substitute_requested",
        subject_type="engagement",
        subject_id=engagement.id,
        actor_id=user.id,
        substitution_id=request.id,
        start_date=data.start_date.isoformat(),
        end_date=data.end_date.isoformat(),
        reason=data.reason.value,
    )
    await session.flush()
    return request


async def _substitution(
    session: AsyncSession,
    user: User,
    engagement_id: uuid.UUID,
    substitution_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> tuple[DemandRequest, str]:
    _, party = await get_for_party(session, user, engagement_id)
    request = await repo.get_request(session, substitution_id, for_update=for_update)
    if request is None or request.substitutes_engagement_id != engagement_id:
        raise SubstitutionNotFound("No substitution with this id on this engagement.")
    return request, party


async def get_substitution(
    session: AsyncSession, user: User, engagement_id: uuid.UUID, substitution_id: uuid.UUID
) -> DemandRequest:
    request, _ = await _substitution(session, user, engagement_id, substitution_id)
    return request


async def open_to_all(
    session: AsyncSession,
    user: User,
    engagement_id: uuid.UUID,
    substitution_id: uuid.UUID,
    *,
    if_match: list[int] | None,
) -> DemandRequest:
    """The household widens the search: every eligible provider may answer now (the engagement's
    provider keeps its invitation and any offer it made)."""
    request, party = await _substitution(session, user, engagement_id, substitution_id, for_update=True)
    if party != "citizen":
        raise Forbidden("The household chooses how a substitute is sought.")
    ensure_version(request, if_match)
    if request.current_status != RequestStatus.open:
        raise InvalidRequestTransition(
            f"The substitute request is {request.current_status.value}.", current_state=request.current_status.value
        )
    if request.mode == RequestMode.open:
        raise InvalidRequestTransition(
            "The substitute request is open to every provider already.", current_state=request.status.value
        )
    request.mode = RequestMode.open
    request.updated_at = datetime.now(UTC)
    ledger.record(
        session,
        actor_id=user.id,
        action="request.opened_to_all",
        target_type="request",
        target_id=request.id,
        payload={
            "request_id": str(request.id),
            "category_id": str(request.category_id),
            "nil_id": str(request.nil_id),
            "mode": request.mode.value,
        },
    )
    await session.flush()
    return request


def contract_term_of(data: OfferCreate, request: DemandRequest) -> ContractTerm | None:
    """The term of an offer's contract: only CCNL contracts have one; on a substitute request it is a
    fixed-term replacement ("per sostituzione": it covers an absent worker, so INPS waives the +1.40%
    fixed-term surcharge, shared reference money_identity_privacy.md section 2), elsewhere open-ended
    (a replacement contract with no one to replace is not one)."""
    if data.contract_type != ContractType.ccnl_domestic:
        if data.contract_term is not None:
            raise ValidationFailed("contract_term applies to CCNL contracts only.", pointer="/contract_term")
        return None
    substitute = request.substitutes_engagement_id is not None
    wanted = ContractTerm.fixed_term_replacement if substitute else ContractTerm.open_ended
    if data.contract_term not in (None, wanted):
        raise ValidationFailed(
            "A CCNL offer on a substitute request is a fixed-term replacement contract."
            if substitute
            else "A fixed-term replacement contract is for substitute requests.",
            pointer="/contract_term",
        )
    return wanted
