"""The one function that prices a household under a listing's ISEE bands, and the bands' rules."""

import pytest

from app.income.rules import band_problems, price_for_household

BANDS = [
    {"isee_max_cents": 750_000, "kind": "free", "value": None},
    {"isee_max_cents": 1_500_000, "kind": "price", "value": 400},
    {"isee_max_cents": 3_000_000, "kind": "discount_percent", "value": 33},
]


@pytest.mark.parametrize(
    ("isee", "price", "index", "reason"),
    [
        (0, 0, 0, "ISEE up to €7,500.00: free"),
        (750_000, 0, 0, "ISEE up to €7,500.00: free"),  # the ceiling is inclusive
        (750_001, 400, 1, "ISEE up to €15,000.00: €4.00 instead of €12.50"),
        (1_500_000, 400, 1, "ISEE up to €15,000.00: €4.00 instead of €12.50"),
        (2_000_000, 837, 2, "ISEE up to €30,000.00: 33% off €12.50"),  # 1250 x 0.67 = 837.5, down
        (3_000_001, 1250, None, "ISEE above every band of this listing: the list price"),
    ],
)
def test_the_first_band_holding_the_isee_applies(isee, price, index, reason):
    found = price_for_household(1250, BANDS, isee)

    assert (found.price_cents, found.band_index, found.reason) == (price, index, reason)
    assert found.band == (BANDS[index] if index is not None else None)


def test_a_price_band_never_charges_more_than_the_list_price():
    assert price_for_household(300, BANDS, 1_000_000).price_cents == 300


def test_a_full_discount_is_free():
    assert (
        price_for_household(1250, [{"isee_max_cents": 10, "kind": "discount_percent", "value": 100}], 5).price_cents
        == 0
    )


def test_well_formed_bands_have_no_problems():
    assert band_problems(BANDS, list_price_cents=1250) == []
    assert band_problems([], list_price_cents=None) == []


@pytest.mark.parametrize(
    ("bands", "price", "pointer"),
    [
        ([BANDS[1], BANDS[0]], 1250, "/isee_bands/1/isee_max_cents"),
        ([BANDS[0], {**BANDS[0]}], 1250, "/isee_bands/1/isee_max_cents"),
        ([{"isee_max_cents": 1, "kind": "free", "value": 5}], 1250, "/isee_bands/0/value"),
        ([{"isee_max_cents": 1, "kind": "price", "value": None}], 1250, "/isee_bands/0/value"),
        ([{"isee_max_cents": 1, "kind": "price", "value": 0}], 1250, "/isee_bands/0/value"),
        ([{"isee_max_cents": 1, "kind": "price", "value": 1251}], 1250, "/isee_bands/0/value"),
        ([{"isee_max_cents": 1, "kind": "discount_percent", "value": 0}], 1250, "/isee_bands/0/value"),
        ([{"isee_max_cents": 1, "kind": "discount_percent", "value": 101}], 1250, "/isee_bands/0/value"),
        ([BANDS[0]], None, "/isee_bands"),
    ],
)
def test_each_broken_rule_points_at_its_field(bands, price, pointer):
    assert band_problems(bands, list_price_cents=price)[0][0] == pointer
