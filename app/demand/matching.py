"""Explainable matching: the best safe candidates for a request, each with its score and reasons.

Hard filters, in SQL (a candidate failing one is never shown): the service is published by an
accredited provider (`searchable`), is in the request's category, and covers the request's NIL.
Soft scores, each in [0, 1], weighted so the total is 0-100 and equals Σ weight × component:

    coverage 35   fraction of the wanted weekly minutes the service is available
    proximity 10  1 within 1 km of the request point, linearly 0 at 10 km (0.5 when unknown)
    price 15      1 at or under budget, linearly 0 at twice the budget, per hour of the need where both
                  sides have an hourly figure, else in the same unit; 1 when free; 0.5 without a budget
                  or when not comparable, and `price_comparison` says which (app/demand/match_score.py)
    languages 10  fraction of the wanted languages spoken (1 when none asked)
    rating 15     Bayesian average rating / 5 (an unrated provider gets the prior)
    badges 15     required badges held / required; without requirements, core checks held / 4

The database scores every candidate and returns the page (app/demand/match_ranking.py); the rule in
Python (match_score.py) is what it is tested against. Order: score, then overlap minutes, then
service id: deterministic for equal scores.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.demand import income_prices, match_ranking, match_score, notices
from app.demand import repository as repo
from app.demand.match_score import WEIGHTS
from app.demand.requests import InvalidRequestTransition, audit_staff_read, get_owned
from app.demand.schemas import MAX_INVITED, MatchList, MatchPriceComparison, MatchRead, ScoreBreakdown
from app.errors import Conflict, ValidationFailed
from app.models import DemandRequest, RequestInvitation, RequestMode, RequestStatus, User
from app.zones import service as zone_service

__all__ = ["WEIGHTS", "invite", "list_matches", "ranked_matches"]
CANDIDATE_POOL = 200  # services an invitation may choose among (the best, every service of a provider)


class InvitationsNotApplicable(Conflict):
    code = "invitations_not_applicable"


class TooManyInvitations(Conflict):
    code = "too_many_invitations"


def weekly_minutes(request: DemandRequest) -> int:
    return sum(r.upper - r.lower for r in request.schedule_minutes)


def _price_comparison(row: match_ranking.RankedRow, request: DemandRequest, need: int) -> MatchPriceComparison:
    found = match_score.price(
        row.price_model,
        row.price_cents,
        weekly_hours=row.weekly_hours,
        session_minutes=row.session_minutes,
        budget_cents=request.budget_cents,
        budget_model=request.budget_model,
        need_minutes=need,
    )
    note = match_score.price_note(
        found, row.price_model, row.price_cents, weekly_hours=row.weekly_hours, session_minutes=row.session_minutes
    )
    return MatchPriceComparison(
        basis=found.basis,
        listing_per_hour_cents=found.listing_per_hour_cents,
        budget_per_hour_cents=found.budget_per_hour_cents,
        note=note,
    )


async def _may_see_matches(session: AsyncSession, user: User, request_id: uuid.UUID) -> DemandRequest:
    """The owner, or the hub operators who act for it (see requests.get_owned)."""
    return await get_owned(session, user, request_id)


async def ranked_matches(
    session: AsyncSession, request: DemandRequest, *, limit: int, best_per_provider: bool = True
) -> list[MatchRead]:
    """Candidates by score; by default only each provider's best service (a list of 5 services of one
    provider would hide the other 4 choices a family needs to compare)."""
    need = weekly_minutes(request)
    if request.lat is not None and request.lon is not None:
        point: tuple[float, float] | None = (request.lat, request.lon)
    else:
        point = await _nil_centroid(session, request)
    rows = await match_ranking.rank(
        session,
        request,
        need=need,
        point=point,
        now=datetime.now(UTC),
        limit=limit,
        best_per_provider=best_per_provider,
    )
    return [
        MatchRead(
            service_id=row.service_id,
            provider_id=row.provider_id,
            provider_name=row.provider_name,
            title=row.title,
            score=row.score,
            breakdown=ScoreBreakdown(**row.components),
            weights=WEIGHTS,
            overlap_minutes=row.overlap,
            distance_km=round(row.distance_km, 3) if row.distance_km is not None else None,
            price_cents=row.price_cents,
            price_model=row.price_model,
            price_comparison=_price_comparison(row, request, need),
        )
        for row in rows
    ]


async def _nil_centroid(session: AsyncSession, request: DemandRequest) -> tuple[float, float]:
    zone = await zone_service.get_zone(session, request.nil_id)
    return zone.centroid_lat, zone.centroid_lon


async def list_matches(session: AsyncSession, user: User, request_id: uuid.UUID, *, limit: int) -> MatchList:
    request = await _may_see_matches(session, user, request_id)
    matches = await ranked_matches(session, request, limit=limit)
    matches = await income_prices.with_your_prices(session, user, request, matches)
    need = weekly_minutes(request)
    return MatchList(items=matches, weights=WEIGHTS, need_minutes=need)


async def invite(
    session: AsyncSession,
    user: User,
    request_id: uuid.UUID,
    service_ids: list[uuid.UUID],
    *,
    if_match: list[int] | None,
) -> DemandRequest:
    """Invite the providers of chosen matching services (quote mode: the owner; operator mode: an operator)."""
    request = await get_owned(session, user, request_id, for_update=True)
    ensure_version(request, if_match)
    audit_staff_read(session, user, request)
    if request.mode == RequestMode.open:
        raise InvitationsNotApplicable("An open-mode request needs no invitations: any eligible provider answers.")
    if request.current_status != RequestStatus.open:
        raise InvalidRequestTransition(
            f"Cannot invite on a request that is {request.current_status.value}.",
            current_state=request.current_status.value,
        )
    eligible = {
        m.service_id: m for m in await ranked_matches(session, request, limit=CANDIDATE_POOL, best_per_provider=False)
    }
    already = set((await repo.invited_provider_ids(session, [request.id])).get(request.id, []))
    new_providers: dict[uuid.UUID, uuid.UUID] = {}
    for index, service_id in enumerate(dict.fromkeys(service_ids)):
        match = eligible.get(service_id)
        if match is None:
            raise ValidationFailed(
                "This service does not match the request (category, zone or publication).",
                pointer=f"/service_ids/{index}",
            )
        if match.provider_id not in already:
            new_providers.setdefault(match.provider_id, service_id)
    if len(already) + len(new_providers) > MAX_INVITED:
        raise TooManyInvitations(f"At most {MAX_INVITED} providers can be invited to one request.")
    for provider_id, service_id in new_providers.items():
        session.add(
            RequestInvitation(
                request_id=request.id, provider_id=provider_id, service_id=service_id, invited_by_id=user.id
            )
        )
        ledger.emit(
            session,
            type="request.invited",
            aggregate_type="request",
            aggregate_id=request.id,
            payload={"request_id": str(request.id), "provider_id": str(provider_id)},
        )
    staff = await notices.staff_of(session, new_providers)
    for provider_id in new_providers:
        notices.tell(
            session,
            staff[provider_id],
            "request.invited",
            subject_type="request",
            subject_id=request.id,
            actor_id=user.id,
            request_id=request.id,
            provider_id=provider_id,
            category_id=request.category_id,
            nil_id=request.nil_id,
            mode=request.mode.value,
        )
    ledger.audit(
        session,
        actor_id=user.id,
        actor_kind="user",
        action="request.invited",
        target_type="request",
        target_id=request.id,
        detail={"providers": [str(p) for p in new_providers]},
    )
    request.updated_at = datetime.now(UTC)
    await session.flush()
    return request
