"""The largest-remainder split: exact sums, fair to the cent, deterministic."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.pools.shares import cost_of_minutes, split_cents


def test_100_eur_split_three_ways_sums_exactly_with_the_extra_cent_to_the_first():
    assert split_cents(10000, [1, 1, 1]) == [3334, 3333, 3333]


def test_unequal_hours_split_in_proportion_with_remainders_to_the_largest_fractions():
    # 100.00 EUR over 90, 60 and 30 minutes: exact quotas 5000, 3333.33, 1666.67
    assert split_cents(10000, [90, 60, 30]) == [5000, 3333, 1667]


def test_awkward_totals_and_weights():
    assert split_cents(10001, [1, 1, 1]) == [3334, 3334, 3333]
    assert split_cents(1, [1, 1, 1]) == [1, 0, 0]
    assert split_cents(9999, [7, 11, 13]) == [2258, 3548, 4193]


def test_a_zero_weight_pays_nothing():
    assert split_cents(500, [0, 1]) == [0, 500]


@pytest.mark.parametrize("weights", [[], [0, 0], [-1, 2]], ids=["none", "all-zero", "negative"])
def test_meaningless_weights_are_refused(weights):
    with pytest.raises(ValueError):
        split_cents(100, weights)


@given(
    total=st.integers(min_value=0, max_value=10_000_000),
    weights=st.lists(st.integers(min_value=0, max_value=10_080), min_size=1, max_size=50).filter(lambda w: sum(w) > 0),
)
def test_parts_always_sum_to_the_total_and_stay_within_a_cent_of_the_exact_quota(total, weights):
    parts = split_cents(total, weights)

    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        exact = total * weight / sum(weights)
        assert exact - 1 < part < exact + 1


def test_cost_of_minutes_rounds_half_up_to_the_cent():
    assert cost_of_minutes(1200, 90) == 1800
    assert cost_of_minutes(1001, 30) == 501  # 500.5
    assert cost_of_minutes(1000, 1) == 17  # 16.67
