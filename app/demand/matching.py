"""Explainable matching: the best safe candidates for a request, each with its score and reasons.

Hard filters, in SQL (a candidate failing one is never shown): the service is published by an
accredited provider (`searchable`), is in the request's category, and covers the request's NIL.
Soft scores, each in [0, 1], weighted so the total is 0-100 and equals Σ weight × component:

    coverage 35   fraction of the wanted weekly minutes the service is available
    proximity 10  1 within 1 km of the request point, linearly 0 at 10 km (0.5 when unknown)
    price 15      1 at or under budget, linearly 0 at twice the budget (0.5: no budget or other unit)
    languages 10  fraction of the wanted languages spoken (1 when none asked)
    rating 15     Bayesian average rating / 5 (an unrated provider gets the prior)
    badges 15     required badges held / required; without requirements, core checks held / 4

Order: score, then overlap minutes, then service id: deterministic for equal scores.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.concurrency import ensure_version
from app.demand import income_prices, notices
from app.demand import repository as repo
from app.demand.requests import InvalidRequestTransition, audit_staff_read, get_owned
from app.demand.reviews import PRIOR_MEAN
from app.demand.schemas import MAX_INVITED, MatchList, MatchRead, ScoreBreakdown
from app.errors import Conflict, ValidationFailed
from app.models import (
    DemandRequest,
    PriceModel,
    Provider,
    RequestInvitation,
    RequestMode,
    RequestStatus,
    Service,
    User,
)
from app.providers.badges import badge_kinds_by_provider
from app.zones import service as zone_service

WEIGHTS = {
    "category": 0.0,
    "coverage": 35.0,
    "proximity": 10.0,
    "price": 15.0,
    "languages": 10.0,
    "rating": 15.0,
    "badges": 15.0,
}
CORE_BADGES = ("identity", "background_check", "references", "insurance")
CANDIDATE_POOL = 200  # rows fetched by overlap before soft scoring


class InvitationsNotApplicable(Conflict):
    code = "invitations_not_applicable"


class TooManyInvitations(Conflict):
    code = "too_many_invitations"


def weekly_minutes(request: DemandRequest) -> int:
    return sum(r.upper - r.lower for r in request.schedule_minutes)


def _proximity(distance_km: float | None) -> float:
    if distance_km is None:
        return 0.5
    return max(0.0, min(1.0, 1.0 - (distance_km - 1.0) / 9.0))


def _price(service: Service, request: DemandRequest) -> float:
    if service.price_model == PriceModel.free:
        return 1.0
    if request.budget_cents is None or request.budget_model != service.price_model or service.price_cents is None:
        return 0.5
    if request.budget_cents == 0:
        return 0.0
    over = (service.price_cents - request.budget_cents) / request.budget_cents
    return max(0.0, min(1.0, 1.0 - over))


def _languages(service: Service, request: DemandRequest) -> float:
    if not request.languages:
        return 1.0
    return len(set(request.languages) & set(service.languages)) / len(request.languages)


def _badges(held: set[str], request: DemandRequest) -> float:
    wanted = request.required_badges or list(CORE_BADGES)
    return len(held & set(wanted)) / len(wanted)


def score(
    service: Service,
    provider: Provider,
    request: DemandRequest,
    *,
    overlap: int,
    need: int,
    distance_km: float | None,
    badges: set[str],
) -> tuple[float, ScoreBreakdown]:
    breakdown = ScoreBreakdown(
        category=1.0,
        coverage=round(overlap / need, 4) if need else 0.0,
        proximity=round(_proximity(distance_km), 4),
        price=round(_price(service, request), 4),
        languages=round(_languages(service, request), 4),
        rating=round((provider.rating_average or PRIOR_MEAN) / 5.0, 4),
        badges=round(_badges(badges, request), 4),
    )
    total = sum(WEIGHTS[name] * value for name, value in breakdown.model_dump().items())
    return round(total, 2), breakdown


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
    rows = await repo.match_candidates(
        session,
        category_id=request.category_id,
        nil_id=request.nil_id,
        need=list(request.schedule_minutes),
        point=point,
        provider_kinds=request.provider_kinds,
        limit=CANDIDATE_POOL,
    )
    badges = await badge_kinds_by_provider(session, list({p.id for _, p, _, _ in rows}), datetime.now(UTC))
    matches = []
    for service, provider, overlap, distance in rows:
        held = {k.value for k in badges.get(provider.id, [])}
        total, breakdown = score(
            service, provider, request, overlap=overlap, need=need, distance_km=distance, badges=held
        )
        matches.append(
            MatchRead(
                service_id=service.id,
                provider_id=provider.id,
                provider_name=provider.display_name,
                title=service.title,
                score=total,
                breakdown=breakdown,
                weights=WEIGHTS,
                overlap_minutes=overlap,
                distance_km=round(distance, 3) if distance is not None else None,
                price_cents=service.price_cents,
                price_model=service.price_model,
            )
        )
    matches.sort(key=lambda m: (-m.score, -m.overlap_minutes, str(m.service_id)))
    if best_per_provider:
        best: dict[uuid.UUID, MatchRead] = {}
        for m in matches:  # sorted best first: keep each provider's first
            best.setdefault(m.provider_id, m)
        matches = list(best.values())
    return matches[:limit]


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
