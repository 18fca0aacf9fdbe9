"""Minimum pay for domestic work, whatever the price model: the CCNL minimum and the Libretto Famiglia title.

A price is brought to the unit its minimum is stated in before comparing: non-live-in CCNL minimums
are hourly, so a monthly price becomes hourly through the stated weekly hours (52/12 weeks a month)
and a per-session price through the session's length; live-in minimums are monthly (for up to 54
hours a week), so an hourly or per-session live-in price becomes monthly the same way. Comparisons
use app/prices.py's hourly equivalent (rounded to the cent, as listings show it); a live-in price
brought to a month is compared exactly, and the problem shows figures rounded down to the cent.

Every refusal names the minimum, the table it comes from (date and source, or the fallback to an
earlier year when the current year's figure is not verified) and how the offer's equivalent was
computed, so a provider can see what to change.
"""

import math
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from app import prices
from app.domestic_work import tables
from app.errors import ValidationFailed
from app.models import PriceModel
from app.prices import WEEKS_PER_MONTH


class BelowCcnlMinimum(ValidationFailed):
    code = "below_ccnl_minimum"


class CcnlOfferUnpaid(ValidationFailed):
    code = "ccnl_offer_unpaid"


class BelowLibrettoMinimum(ValidationFailed):
    code = "below_libretto_minimum"


class PriceNotComparable(ValidationFailed):
    code = "price_not_comparable"


def eur(cents: Fraction | int) -> str:
    """Cents as euros, rounded down to the cent: 119384 -> '1,193.84'."""
    return f"{math.floor(cents) / 100:,.2f}"


def _hours(value: Fraction) -> str:
    return f"{float(value):g}"


@dataclass(frozen=True)
class Equivalent:
    cents: Fraction
    how: str  # the computation, in words and numbers


def hourly_equivalent(
    price_cents: int, price_model: PriceModel, *, weekly_hours: Fraction | None, session_minutes: int | None
) -> Equivalent:
    """The price per hour, as app/prices.py computes it for every listing and offer (rounded to the
    cent, so the guard and the hourly equivalent a listing shows agree). Raises (422) when the price
    model cannot be brought to an hour."""
    computed = prices.hourly_equivalent(
        price_model, price_cents, weekly_hours=weekly_hours, session_minutes=session_minutes
    )
    if computed.cents is None:
        pointer = {PriceModel.per_session: "/session_minutes", PriceModel.monthly: "/weekly_hours"}
        raise PriceNotComparable(
            f"The price has no hourly equivalent to compare with an hourly minimum: {computed.how}. Offer an "
            "hourly price, a monthly one with its weekly hours, or a per-session one with session_minutes.",
            pointer=pointer.get(price_model, "/price_model"),
        )
    how = computed.how
    if price_model == PriceModel.monthly:
        assert weekly_hours is not None
        how += f" = {eur(price_cents)} / {float(weekly_hours * WEEKS_PER_MONTH):.2f} h, rounded to the cent"
    elif price_model == PriceModel.per_session:
        how += ", rounded to the cent"
    return Equivalent(Fraction(computed.cents), how)


def monthly_equivalent(
    price_cents: int, price_model: PriceModel, *, weekly_hours: Fraction, session_minutes: int | None
) -> Equivalent:
    if price_model == PriceModel.monthly:
        return Equivalent(Fraction(price_cents), f"{eur(price_cents)} EUR/month as offered")
    hourly = hourly_equivalent(price_cents, price_model, weekly_hours=weekly_hours, session_minutes=session_minutes)
    return Equivalent(
        hourly.cents * weekly_hours * WEEKS_PER_MONTH,
        f"({hourly.how}) x {_hours(weekly_hours)} h/week x 52/12 weeks a month",
    )


def check_ccnl(
    *,
    level: str,
    price_cents: int,
    price_model: PriceModel,
    weekly_hours: float,
    live_in: bool,
    session_minutes: int | None,
    on: date,
) -> None:
    """Refuse a CCNL price under the level's minimum in force on `on` (422, naming it)."""
    if price_model == PriceModel.free or price_cents == 0:
        raise CcnlOfferUnpaid(
            "A CCNL contract is employment: it is paid at least the level's minimum, never free or 0.",
            pointer="/price_cents",
        )
    hours = Fraction(str(weekly_hours))
    if live_in:
        minimum = tables.ccnl_figure("monthly_live_in", level, on)
        offered = monthly_equivalent(price_cents, price_model, weekly_hours=hours, session_minutes=session_minutes)
        if offered.cents < minimum.cents:
            raise BelowCcnlMinimum(
                f"Below the CCNL minimum for level {level}, live-in: {eur(minimum.cents)} EUR/month for up to 54 "
                f"h/week ({minimum.cite()}). The offer comes to {eur(offered.cents)} EUR/month: {offered.how}. "
                "Reduced-hours live-in tables are not verified, so the full monthly minimum applies.",
                pointer="/price_cents",
            )
        return
    minimum = tables.ccnl_figure("hourly_non_live_in", level, on)
    offered = hourly_equivalent(price_cents, price_model, weekly_hours=hours, session_minutes=session_minutes)
    if offered.cents < minimum.cents:
        raise BelowCcnlMinimum(
            f"Below the CCNL minimum for level {level}, non-live-in: {eur(minimum.cents)} EUR/hour "
            f"({minimum.cite()}). The offer's hourly equivalent is {eur(offered.cents)} EUR/hour: {offered.how}.",
            pointer="/price_cents",
        )


def check_libretto_price(
    *, price_cents: int, price_model: PriceModel, weekly_hours: Fraction, session_minutes: int | None, on: date
) -> Fraction:
    """Refuse a Libretto Famiglia price under the title's value; the hourly equivalent otherwise.

    One title (10 EUR, 8 EUR net to the worker) pays at most one hour, so an hour costs at least one
    title and a session one title per hour or part of an hour it lasts."""
    year, libretto = tables.year_section("libretto_famiglia", on)
    title = libretto["title_value_cents"]
    rule = (
        f"Libretto Famiglia pays with titles of {eur(title)} EUR ({eur(libretto['title_net_to_worker_cents'])} EUR net "
        f"to the worker), each for at most one hour ({libretto['source']}; {year} figures)"
    )
    if price_model == PriceModel.free or price_cents == 0:
        raise BelowLibrettoMinimum(f"{rule}: a Libretto offer is never free or 0.", pointer="/price_cents")
    offered = hourly_equivalent(price_cents, price_model, weekly_hours=weekly_hours, session_minutes=session_minutes)
    if price_model == PriceModel.per_session:
        assert session_minutes is not None  # hourly_equivalent has refused a session without its length
        titles = math.ceil(Fraction(session_minutes, libretto["title_max_minutes"]))
        if price_cents < titles * title:
            raise BelowLibrettoMinimum(
                f"{rule}: a {session_minutes}-minute session takes {titles} title(s), at least "
                f"{eur(titles * title)} EUR; the offer is {eur(price_cents)} EUR per session.",
                pointer="/price_cents",
            )
    elif offered.cents < title:
        raise BelowLibrettoMinimum(
            f"{rule}: at least {eur(title)} EUR/hour; the offer's hourly equivalent is {eur(offered.cents)} "
            f"EUR/hour: {offered.how}.",
            pointer="/price_cents",
        )
    return offered.cents
