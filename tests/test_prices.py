"""Hourly equivalents of prices (app/prices.py): pure functions, no database.

The SQL twins (the generated column, search's group-size expression) are checked against these in
tests/catalog/test_price_comparison.py."""

from decimal import Decimal
from fractions import Fraction

import pytest

from app.models import PriceModel
from app.prices import WEEKS_PER_MONTH, first_rising_row, hourly_equivalent, per_person_cents, round_cents


def test_an_hourly_price_is_its_own_equivalent():
    found = hourly_equivalent(PriceModel.hourly, 1150)

    assert (found.cents, found.comparable) == (1150, True)
    assert found.how == "11.50 EUR per hour"


def test_a_month_is_52_over_12_weeks():
    assert float(WEEKS_PER_MONTH) == pytest.approx(4.3333, abs=1e-4)


@pytest.mark.parametrize(
    ("monthly_cents", "weekly_hours", "hourly_cents"),
    [
        (50000, 54, 214),  # the live-in offer: 500 EUR for 54 h a week is 2.14 EUR/h
        (145000, 54, 620),  # the demo badante: 1,450 EUR for 54 h
        (130000, 40, 750),  # 1,300 / (40 x 4.333) = 7.5 exactly
        (100000, 25, 923),  # 923.08
        (100000, Decimal("7.5"), 3077),  # 3076.92
        (100000, 7.5, 3077),  # a float is read as the decimal written
    ],
)
def test_a_monthly_price_is_divided_by_the_hours_a_month_buys(monthly_cents, weekly_hours, hourly_cents):
    found = hourly_equivalent(PriceModel.monthly, monthly_cents, weekly_hours=weekly_hours)

    assert found.cents == hourly_cents
    assert "per week x 52/12 weeks per month" in found.how


def test_a_monthly_price_without_weekly_hours_is_not_comparable():
    found = hourly_equivalent(PriceModel.monthly, 145000)

    assert (found.cents, found.comparable) == (None, False)
    assert found.how == "a monthly price without the weekly hours it buys"


@pytest.mark.parametrize(
    ("session_cents", "minutes", "hourly_cents"),
    [(3500, 60, 3500), (3500, 90, 2333), (1000, 45, 1333), (2500, 120, 1250), (1, 120, 1)],  # 0.5 rounds up
)
def test_a_session_price_is_scaled_by_its_length(session_cents, minutes, hourly_cents):
    found = hourly_equivalent(PriceModel.per_session, session_cents, session_minutes=minutes)

    assert found.cents == hourly_cents
    assert f"per session of {minutes} minutes" in found.how


def test_a_session_price_without_its_length_is_not_comparable():
    found = hourly_equivalent(PriceModel.per_session, 3500)

    assert found.cents is None
    assert "without the session's length" in found.how


@pytest.mark.parametrize(
    ("model", "cents", "reason"),
    [
        (PriceModel.fixed, 20000, "a fixed price for the whole job says nothing about its hours"),
        (PriceModel.free, None, "free of charge: there is no price per hour"),
    ],
)
def test_fixed_and_free_prices_are_not_comparable(model, cents, reason):
    found = hourly_equivalent(model, cents, weekly_hours=10, session_minutes=60)

    assert (found.cents, found.how) == (None, reason)


@pytest.mark.parametrize(
    ("value", "rounded"),
    [(Fraction(1, 2), 1), (Fraction(3, 2), 2), (Fraction(5, 2), 3), (Fraction(-1, 2), -1), (Fraction(149, 100), 1)],
)
def test_rounding_takes_halves_away_from_zero_as_postgresql_does(value, rounded):
    assert round_cents(value) == rounded


TABLE = [{"group_size": 3, "price_per_person_cents": 900}, {"group_size": 5, "price_per_person_cents": 750}]


@pytest.mark.parametrize(("group_size", "each"), [(2, 1200), (3, 900), (4, 900), (5, 750), (8, 750)])
def test_each_person_pays_the_row_of_the_largest_group_not_above_theirs(group_size, each):
    assert per_person_cents(1200, TABLE, group_size) == each


def test_a_table_that_never_rises_is_accepted():
    assert first_rising_row(1200, list(reversed(TABLE))) is None
    assert first_rising_row(900, [{"group_size": 2, "price_per_person_cents": 900}]) is None


def test_a_row_dearer_than_a_smaller_group_is_found_in_the_order_given():
    rising = [{"group_size": 5, "price_per_person_cents": 950}, {"group_size": 3, "price_per_person_cents": 900}]

    assert first_rising_row(1200, rising) == 0


def test_a_row_dearer_than_the_listings_own_price_is_rising():
    assert first_rising_row(800, TABLE) == 0
