"""Prices compared like with like: the hourly equivalent of a listing's or an offer's price.

A price is per unit of its model (app/models/catalog.PriceModel). Two prices are comparable only
once both are per hour:

    hourly       the price itself
    monthly      price / (weekly hours x WEEKS_PER_MONTH): needs the weekly hours the month buys
    per_session  price x 60 / session minutes: needs how long a session lasts
    fixed        not comparable: a price for a whole job says nothing about its hours
    free         not comparable: nothing is paid, so there is no rate (search and matching treat a
                 free listing as within any budget, explicitly, not through this number)

Shared listings price per person by group size (`shared_prices`): the row of the largest group
size not above the group applies, else the listing's own price; such a table must not rise with the
group size (`first_rising_row`). Pure functions: the CCNL guard, catalogue views, search and
matching use the same arithmetic, and the SQL forms at the end are tested against them.

Rounding: to the nearest cent, halves away from zero, which is what PostgreSQL's numeric `round`
does, so the generated column `service.hourly_equivalent_cents` equals `hourly_equivalent(...)`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Integer, Numeric, case, cast, column, func, select

from app.models.catalog import PriceModel

# A month is a twelfth of a year of 52 weeks (4.33 weeks), as the CCNL for domestic work turns an
# hourly wage into monthly pay: "paga oraria per numero di ore lavorate nella settimana per 52:12"
# (CCNL lavoro domestico 2020, chiarimenti a verbale n. 1; read at bazeapp.com/ccnl/chiarimenti-a-verbale,
# a secondary copy of the text). Not 4, which would overstate a monthly price's hourly rate by 8%.
WEEKS_PER_MONTH = Fraction(52, 12)
MINUTES_PER_HOUR = 60


@dataclass(frozen=True, slots=True)
class HourlyEquivalent:
    """`cents` per hour, or None with `how` saying why it cannot be computed; `how` also says how it was."""

    cents: int | None
    how: str

    @property
    def comparable(self) -> bool:
        return self.cents is not None


def round_cents(value: Fraction) -> int:
    """Nearest integer, halves away from zero (PostgreSQL's round(numeric))."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    return sign * int(magnitude + Fraction(1, 2))


def exact_hours(weekly_hours: float | Decimal | Fraction) -> Fraction:
    """Weekly hours as an exact fraction of the decimal written (7.5 → 15/2, 0.1 → 1/10, not the binary float)."""
    if isinstance(weekly_hours, Fraction):
        return weekly_hours
    return Fraction(Decimal(str(weekly_hours)))


def _euros(cents: int) -> str:
    return f"{cents / 100:.2f} EUR"


def hourly_equivalent(
    price_model: PriceModel,
    price_cents: int | None,
    *,
    weekly_hours: float | Decimal | Fraction | None = None,
    session_minutes: int | None = None,
) -> HourlyEquivalent:
    """The hourly equivalent of a price of `price_model`, with how it was computed or why it cannot be."""
    if price_model == PriceModel.free or price_cents is None:
        return HourlyEquivalent(None, "free of charge: there is no price per hour")
    if price_model == PriceModel.fixed:
        return HourlyEquivalent(None, "a fixed price for the whole job says nothing about its hours")
    if price_model == PriceModel.hourly:
        return HourlyEquivalent(price_cents, f"{_euros(price_cents)} per hour")
    if price_model == PriceModel.monthly:
        if weekly_hours is None or exact_hours(weekly_hours) <= 0:
            return HourlyEquivalent(None, "a monthly price without the weekly hours it buys")
        hours = exact_hours(weekly_hours)
        cents = round_cents(price_cents / (hours * WEEKS_PER_MONTH))
        return HourlyEquivalent(
            cents, f"{_euros(price_cents)} per month / ({float(hours):g} h per week x 52/12 weeks per month)"
        )
    if price_model == PriceModel.per_session:
        if session_minutes is None or session_minutes <= 0:
            return HourlyEquivalent(None, "a price per session without the session's length")
        cents = round_cents(Fraction(price_cents * MINUTES_PER_HOUR, session_minutes))
        return HourlyEquivalent(cents, f"{_euros(price_cents)} per session of {session_minutes} minutes x 60")
    raise ValueError(f"unknown price model {price_model!r}")  # an enum member added without its rule


def per_person_cents(
    price_cents: int | None, shared_prices: Sequence[Mapping[str, int]], group_size: int
) -> int | None:
    """What each person pays in a group of `group_size`: the row of the largest group size not above
    it, else the listing's own price (a smaller group than any row)."""
    rows = [row for row in shared_prices if row["group_size"] <= group_size]
    if not rows:
        return price_cents
    return max(rows, key=lambda row: row["group_size"])["price_per_person_cents"]


def first_rising_row(price_cents: int | None, shared_prices: Sequence[Mapping[str, int]]) -> int | None:
    """The index (as given) of the first row whose price per person is above a smaller group's (or
    above the listing's own price, which a group smaller than every row pays), else None.

    A larger group never pays more each: that is why families share."""
    ceiling = price_cents
    for index in sorted(range(len(shared_prices)), key=lambda i: shared_prices[i]["group_size"]):
        price = shared_prices[index]["price_per_person_cents"]
        if ceiling is not None and price > ceiling:
            return index
        ceiling = price
    return None


# The same arithmetic in SQL, for search and matching (tests/catalog/test_price_comparison.py holds
# them equal to the functions above). The generated column service.hourly_equivalent_cents is this
# expression over the listing's own price (app/models/catalog.HOURLY_EQUIVALENT_SQL).
INT4_MAX = 2_147_483_647


def hourly_equivalent_sql(price_model, cents, *, weekly_hours, session_minutes):  # noqa: ANN001, ANN201 - SQL
    """SQL: the hourly equivalent of `cents` per unit of `price_model`; NULL when there is none."""
    return case(
        (price_model == PriceModel.hourly, cents),
        (
            price_model == PriceModel.monthly,
            cast(func.round(cast(cents * 12, Numeric) / (52 * weekly_hours)), Integer),
        ),
        (
            price_model == PriceModel.per_session,
            cast(func.round(cast(cents * MINUTES_PER_HOUR, Numeric) / session_minutes), Integer),
        ),
    )


def per_person_sql(price_cents, shared_prices, group_size: int):  # noqa: ANN001, ANN201 - SQL
    """SQL: `per_person_cents` — the row of the largest group size not above `group_size` in the JSON
    table, else the listing's own price."""
    rows = (
        func.jsonb_to_recordset(shared_prices)
        .table_valued(column("group_size", Integer), column("price_per_person_cents", Integer))
        .render_derived(with_types=True)
    )
    row = (
        select(rows.c.price_per_person_cents)
        .where(rows.c.group_size <= group_size)
        .order_by(rows.c.group_size.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(row, price_cents)
