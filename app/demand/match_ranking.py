"""Matches ranked in the database (issue 17 item 2): one statement scores every candidate, keeps each
provider's best (or every service), orders and cuts the page, and reads only the columns it scores.

Each component is the SQL twin of a function of app/demand/match_score.py, computed on the same float8
values and rounded the same way (to 4 decimals, the total to 2, halves away from zero, through
numeric), so the breakdown is the one the Python rule gives: tests/demand/test_match_ranking.py
compares both on the demo city and on a generated one.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Float, Integer, Numeric, and_, case, cast, func, literal, literal_column, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from app.demand import match_score
from app.demand.repository import overlap_minutes_sql
from app.demand.reviews import PRIOR_MEAN
from app.geo import haversine_km_sql
from app.models import DemandRequest, PriceModel, Provider, Service, Verification, VerificationKind, VerificationOutcome


@dataclass(frozen=True, slots=True)
class RankedRow:
    service_id: uuid.UUID
    provider_id: uuid.UUID
    provider_name: str
    title: str
    price_model: PriceModel
    price_cents: int | None
    weekly_hours: Decimal | None
    session_minutes: int | None
    overlap: int
    distance_km: float | None
    components: dict[str, float]
    score: float


def _f(value: float):  # noqa: ANN202 - SQL
    return literal(value, Float)


def _round4(expr):  # noqa: ANN001, ANN202 - SQL: match_score.round4
    return func.round(cast(expr, Numeric), 4)


def _clamp(expr):  # noqa: ANN001, ANN202 - SQL
    return func.greatest(_f(0.0), func.least(_f(1.0), expr))


def _within(price, budget: int):  # noqa: ANN001, ANN202 - SQL: match_score._within
    if budget == 0:
        return _f(0.0)
    return _clamp(_f(1.0) - cast(price - budget, Float) / _f(float(budget)))


def _listing_per_hour(c, need: int):  # noqa: ANN001, ANN202 - SQL: match_score.listing_per_hour
    if need <= 0:
        return c.hourly_equivalent_cents
    used = func.least(literal(need, Numeric), c.weekly_hours * 60)
    # price x 60 / (used hours' minutes x 52/12) = price x 720 / (used x 52), exact in numeric
    monthly = cast(func.round(cast(c.price_cents * 720, Numeric) / (used * 52)), Integer)
    return case(
        (and_(c.price_model == PriceModel.monthly, c.weekly_hours.is_not(None)), monthly),
        else_=c.hourly_equivalent_cents,
    )


def _price(c, request: DemandRequest, need: int):  # noqa: ANN001, ANN202 - SQL: match_score.price
    free = c.price_model == PriceModel.free
    if request.budget_cents is None or request.budget_model is None:
        return case((free, _f(1.0)), else_=_f(match_score.NEUTRAL))
    budget = match_score.budget_per_hour(request.budget_cents, request.budget_model, need)
    listing = _listing_per_hour(c, need)
    whens = [(free, _f(1.0))]
    if budget is not None:
        whens.append((listing.is_not(None), _within(listing, budget)))
    whens.append(
        (
            and_(c.price_model == request.budget_model, c.price_cents.is_not(None)),
            _within(c.price_cents, request.budget_cents),
        )
    )
    return case(*whens, else_=_f(match_score.NEUTRAL))


def _fraction(conditions: list, denominator: int):  # noqa: ANN001, ANN202 - SQL: held / wanted
    held = sum((case((c, 1), else_=0) for c in conditions), literal(0))
    return cast(held, Float) / _f(float(denominator))


def components(c, request: DemandRequest, need: int) -> dict:  # noqa: ANN001
    """name → SQL expression of the component over the candidate's columns `c`, unrounded, in WEIGHTS' order."""
    wanted_languages = list(request.languages)
    badges = match_score.wanted_badges(request.required_badges)  # held: c.badges_held, see _badges_held
    return {
        "category": _f(1.0),
        "coverage": cast(c.overlap, Float) / _f(float(need)) if need else _f(0.0),
        "proximity": case(
            (c.distance.is_(None), _f(match_score.NEUTRAL)),
            else_=_clamp(_f(1.0) - (c.distance - _f(1.0)) / _f(9.0)),
        ),
        "price": _price(c, request, need),
        "languages": (
            _fraction([c.languages.contains([code]) for code in dict.fromkeys(wanted_languages)], len(wanted_languages))
            if wanted_languages
            else _f(1.0)
        ),
        "rating": func.coalesce(c.rating_average, _f(PRIOR_MEAN)) / _f(5.0),
        "badges": cast(func.coalesce(c.badges_held, 0), Float) / _f(float(len(badges))),
    }


def _badges_held(candidates, wanted: list[str], now: datetime):  # noqa: ANN001, ANN202 - SQL
    """provider id → how many of the wanted badges it holds: per (provider, kind) the latest verification
    (providers/badges.badge_condition's rule), passed and unexpired; one pass over the candidates'
    providers' verifications instead of an EXISTS per candidate and kind."""
    latest = (
        select(Verification.provider_id, Verification.outcome, Verification.expires_at)
        .distinct(Verification.provider_id, Verification.kind)
        .where(
            Verification.kind.in_([VerificationKind(kind) for kind in wanted]),
            Verification.provider_id.in_(select(candidates.c.provider_id)),
        )
        .order_by(
            Verification.provider_id,
            Verification.kind,
            Verification.verified_at.desc(),
            Verification.created_at.desc(),
        )
        .subquery("latest_check")
    )
    return (
        select(latest.c.provider_id, func.count().label("held"))
        .where(
            latest.c.outcome == VerificationOutcome.passed,
            or_(latest.c.expires_at.is_(None), latest.c.expires_at > now),
        )
        .group_by(latest.c.provider_id)
        .subquery("badges_held")
    )


async def rank(
    session: AsyncSession,
    request: DemandRequest,
    *,
    need: int,
    point: tuple[float, float] | None,
    now: datetime,
    limit: int,
    best_per_provider: bool,
) -> list[RankedRow]:
    """The hard filters (searchable, the category, covers the NIL, the wanted provider kinds), every
    candidate scored, the best `limit` by score, then overlap, then service id."""
    distance = (
        haversine_km_sql(Service.lat, Service.lon, *point) if point is not None else literal_column("NULL::float8")
    )
    overlap = overlap_minutes_sql(Service.availability_minutes, list(request.schedule_minutes))
    candidates = (  # the hard filters, and the columns scored or shown: nothing else is read
        select(
            Service.id.label("service_id"),
            Service.provider_id,
            Provider.display_name,
            Provider.rating_average,
            Service.title,
            Service.price_model,
            Service.price_cents,
            Service.weekly_hours,
            Service.session_minutes,
            Service.hourly_equivalent_cents,
            Service.languages,
            overlap.label("overlap"),
            distance.label("distance"),
        )
        .join(Provider, Provider.id == Service.provider_id)
        .where(
            Service.searchable,
            Service.category_id == request.category_id,
            Service.coverage_nil_ids.contains(cast([request.nil_id], ARRAY(UUID(as_uuid=True)))),
            *([Provider.kind.in_(request.provider_kinds)] if request.provider_kinds else []),
        )
        .subquery("candidate")
    )
    held = _badges_held(candidates, list(dict.fromkeys(match_score.wanted_badges(request.required_badges))), now)
    joined = (
        select(candidates, held.c.held.label("badges_held"))
        .select_from(candidates.outerjoin(held, held.c.provider_id == candidates.c.provider_id))
        .subquery("candidate_with_badges")
    )
    c = joined.c
    rounded = {name: _round4(expr) for name, expr in components(c, request, need).items()}
    score = func.round(
        sum(
            (literal(Decimal(str(match_score.WEIGHTS[name])), Numeric) * expr for name, expr in rounded.items()),
            literal(0),
        ),
        2,
    )
    scored = select(
        c.service_id,
        c.provider_id,
        c.display_name,
        c.title,
        c.price_model,
        c.price_cents,
        c.weekly_hours,
        c.session_minutes,
        c.overlap,
        c.distance,
        *(expr.label(f"c_{name}") for name, expr in rounded.items()),
        score.label("score"),
    ).subquery("scored")
    best_first = [scored.c.score.desc(), scored.c.overlap.desc(), scored.c.service_id]
    ranked = select(scored, func.row_number().over(partition_by=scored.c.provider_id, order_by=best_first).label("nth"))
    page = ranked.subquery("ranked")
    stmt = select(page).order_by(page.c.score.desc(), page.c.overlap.desc(), page.c.service_id).limit(limit)
    if best_per_provider:
        stmt = stmt.where(page.c.nth == 1)
    return [
        RankedRow(
            service_id=row.service_id,
            provider_id=row.provider_id,
            provider_name=row.display_name,
            title=row.title,
            price_model=row.price_model,
            price_cents=row.price_cents,
            weekly_hours=row.weekly_hours,
            session_minutes=row.session_minutes,
            overlap=int(row.overlap),
            distance_km=row.distance,
            components={name: float(getattr(row, f"c_{name}")) for name in rounded},
            score=float(row.score),
        )
        for row in await session.execute(stmt)
    ]
