"""The match score's rule, in Python: the specification the database's ranking is held to.

The ranking runs in SQL (repository.rank_matches); tests/demand/test_match_ranking.py scores the same
candidates with these functions and compares order and scores. The price note each returned match
carries (`price_comparison`) is written here from the page's columns.

Rounding is the database's: each component to 4 decimals and the total to 2, halves away from zero,
on the decimal a float8 prints to with 15 significant digits (PostgreSQL's float8 → numeric cast).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

from app.models import PriceModel
from app.prices import WEEKS_PER_MONTH, exact_hours, hourly_equivalent, round_cents

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
NEUTRAL = 0.5  # a component that cannot be measured: neither for nor against
MINUTES_PER_HOUR = 60

PriceBasis = Literal["free", "per_hour", "same_unit", "no_budget", "not_comparable"]


def round4(value: float) -> float:
    return float(Decimal(format(value, ".15g")).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def total(components: dict[str, float]) -> float:
    exact = sum(Decimal(str(WEIGHTS[name])) * Decimal(str(value)) for name, value in components.items())
    return float(Decimal(exact).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def proximity(distance_km: float | None) -> float:
    if distance_km is None:
        return NEUTRAL
    return max(0.0, min(1.0, 1.0 - (distance_km - 1.0) / 9.0))


def languages(spoken: list[str], wanted: list[str]) -> float:
    if not wanted:
        return 1.0
    return len(set(wanted) & set(spoken)) / len(wanted)


def wanted_badges(required: list[str]) -> list[str]:
    return list(required) or list(CORE_BADGES)


def badges(held: set[str], required: list[str]) -> float:
    wanted = wanted_badges(required)
    return len(held & set(wanted)) / len(wanted)


def budget_per_hour(budget_cents: int | None, budget_model: PriceModel | None, need_minutes: int) -> int | None:
    """The request's budget per hour of its need: hourly as is, monthly over the weekly hours it needs
    (x 52/12 weeks), free as 0; None for a budget per session or per job (no hours to divide by)."""
    if budget_cents is None or budget_model is None:
        return None
    if budget_model == PriceModel.free:
        return 0
    if budget_model == PriceModel.hourly:
        return budget_cents
    if budget_model == PriceModel.monthly and need_minutes > 0:
        return round_cents(budget_cents * MINUTES_PER_HOUR / (need_minutes * WEEKS_PER_MONTH))
    return None


def listing_per_hour(
    price_model: PriceModel,
    price_cents: int | None,
    *,
    weekly_hours: object,
    session_minutes: int | None,
    need_minutes: int,
) -> int | None:
    """What an hour of the request's need costs with this listing. A monthly price pays for its weekly
    hours whether the family uses them or not: it is divided by the hours needed, up to the hours it
    buys (a live-in carer's 1,450 EUR for 54 h is 55.77 EUR per hour of a 6-hour need)."""
    if price_model == PriceModel.monthly and weekly_hours is not None and price_cents is not None and need_minutes > 0:
        used = min(Fraction(need_minutes), exact_hours(weekly_hours) * MINUTES_PER_HOUR)  # type: ignore[arg-type]
        return round_cents(price_cents * MINUTES_PER_HOUR / (used * WEEKS_PER_MONTH))
    return hourly_equivalent(
        price_model,
        price_cents,
        weekly_hours=weekly_hours,  # type: ignore[arg-type]
        session_minutes=session_minutes,
    ).cents


def _within(price: int, budget: int) -> float:
    """1 at or under the budget, falling linearly to 0 at twice it."""
    if budget == 0:
        return 0.0
    return max(0.0, min(1.0, 1.0 - (price - budget) / budget))


@dataclass(frozen=True, slots=True)
class PriceScore:
    value: float
    basis: PriceBasis
    listing_per_hour_cents: int | None
    budget_per_hour_cents: int | None


def price(
    price_model: PriceModel,
    price_cents: int | None,
    *,
    weekly_hours: object,
    session_minutes: int | None,
    budget_cents: int | None,
    budget_model: PriceModel | None,
    need_minutes: int,
) -> PriceScore:
    """Per hour where both sides have an hourly figure; else the same unit as it is (per session, per
    job); else not comparable, scored neutral and said so."""
    listing = listing_per_hour(
        price_model, price_cents, weekly_hours=weekly_hours, session_minutes=session_minutes, need_minutes=need_minutes
    )
    budget = budget_per_hour(budget_cents, budget_model, need_minutes)
    if price_model == PriceModel.free:
        return PriceScore(1.0, "free", 0, budget)
    if budget_cents is None:
        return PriceScore(NEUTRAL, "no_budget", listing, None)
    if listing is not None and budget is not None:
        return PriceScore(_within(listing, budget), "per_hour", listing, budget)
    if budget_model == price_model and price_cents is not None:
        return PriceScore(_within(price_cents, budget_cents), "same_unit", listing, budget)
    return PriceScore(NEUTRAL, "not_comparable", listing, budget)


PRICE_NOTES: dict[PriceBasis, str] = {
    "free": "Free of charge: within any budget.",
    "per_hour": "Compared per hour of the weekly need: {listing} against a budget of {budget}.",
    "same_unit": "Compared as priced ({unit}): neither side has an hourly figure.",
    "no_budget": "No budget given: price not scored (0.5 for every candidate).",
    "not_comparable": "Not comparable: {why}; scored 0.5, neither for nor against.",
}


def price_note(score: PriceScore, price_model: PriceModel, price_cents: int | None, **columns: object) -> str:
    def euros(cents: int | None) -> str:
        return f"{(cents or 0) / 100:.2f} EUR/h"

    why = hourly_equivalent(price_model, price_cents, **columns).how  # type: ignore[arg-type]
    if score.listing_per_hour_cents is not None and score.budget_per_hour_cents is None:
        why = "the budget has no hourly figure (per session or per job) and the listing is priced otherwise"
    return PRICE_NOTES[score.basis].format(
        listing=euros(score.listing_per_hour_cents),
        budget=euros(score.budget_per_hour_cents),
        unit=price_model.value,
        why=why,
    )
