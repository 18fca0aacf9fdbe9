"""The CCNL minimum for every price model: hourly (tests/demand/test_offers.py), monthly through the
weekly hours, per session through the session's length, live-in against the monthly minimum; never free.

Figures (app/domestic_work/data/2026.json, the default request starts in a week, in 2026): B 7.01
and BS 7.45 EUR/hour, CS live-in 1,193.84 EUR/month; level A's 2026 live-in minimum is not verified,
so the 2025 one (736.25) applies and the problem says so.
"""

import pytest

from tests.demand.offer_helpers import invited_request, make_offer, offer_action, post_offer


def ccnl(level: str, price_cents: int, price_model: str = "hourly", **extra) -> dict:
    return {
        "contract_type": "ccnl_domestic",
        "ccnl_level": level,
        "weekly_hours": 25,
        "price_cents": price_cents,
        "price_model": price_model,
        **extra,
    }


async def offer(client, as_citizen_a, catalogue, **body):
    request = await invited_request(client, as_citizen_a, catalogue, "dalia")
    return await post_offer(client, catalogue, "dalia", request["id"], **body)


# BS non-live-in at 25 h/week: 25 x 52/12 = 108.33 h a month. The hourly equivalent is rounded to the
# cent as app/prices.py rounds it for every listing: 806.55 / 108.33 = 7.4451 -> 7.45 (accepted),
# 806.54 / 108.33 = 7.4450 -> 7.44 (refused).
async def test_monthly_price_at_the_hourly_minimum_through_its_weekly_hours_returns_201(
    client, as_citizen_a, catalogue
):
    response = await offer(client, as_citizen_a, catalogue, **ccnl("BS", 80655, "monthly"))

    assert response.status_code == 201, response.text


async def test_monthly_price_under_the_hourly_minimum_returns_422_with_the_computation(client, as_citizen_a, catalogue):
    response = await offer(client, as_citizen_a, catalogue, **ccnl("BS", 80654, "monthly"))

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "below_ccnl_minimum"
    assert problem["errors"][0]["pointer"] == "/price_cents"
    detail = problem["detail"]
    assert "7.45 EUR/hour" in detail
    assert "table in force from 2026-01-01" in detail and "blogsicilia.it" in detail
    assert "is 7.44 EUR/hour: 806.54 EUR per month / (25 h per week x 52/12 weeks per month)" in detail
    assert "= 806.54 / 108.33 h, rounded to the cent" in detail


# B at 90-minute sessions: 10.51 x 60 / 90 = 7.0067 -> 7.01 (accepted), 10.50 -> 7.00 (refused).
@pytest.mark.parametrize(("price", "status"), [(1051, 201), (1050, 422)])
async def test_per_session_price_is_brought_to_an_hour_by_the_session_length(
    client, as_citizen_a, catalogue, price, status
):
    response = await offer(client, as_citizen_a, catalogue, **ccnl("B", price, "per_session", session_minutes=90))

    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["code"] == "below_ccnl_minimum"
        assert "7.00 EUR/hour: 10.50 EUR per session of 90 minutes x 60" in response.json()["detail"]


async def test_per_session_price_without_its_length_returns_422(client, as_citizen_a, catalogue):
    response = await offer(client, as_citizen_a, catalogue, **ccnl("B", 5000, "per_session"))

    assert response.status_code == 422
    assert response.json()["code"] == "price_not_comparable"
    assert response.json()["errors"][0]["pointer"] == "/session_minutes"


@pytest.mark.parametrize(("price", "status"), [(119384, 201), (119383, 422), (50000, 422)])
async def test_live_in_monthly_price_is_held_to_the_monthly_live_in_minimum(
    client, as_citizen_a, catalogue, price, status
):
    body = ccnl("CS", price, "monthly", live_in=True, weekly_hours=54)

    response = await offer(client, as_citizen_a, catalogue, **body)

    assert response.status_code == status, response.text
    if status == 201:
        assert response.json()["live_in"] is True
    else:
        assert response.json()["code"] == "below_ccnl_minimum"
        assert "1,193.84 EUR/month" in response.json()["detail"]
        assert "live-in" in response.json()["detail"]


# CS live-in at 54 h/week, hourly: 54 x 52/12 = 234 h a month; 5.10 x 234 = 1,193.40 < 1,193.84, 5.11 x 234 = 1,195.74.
@pytest.mark.parametrize(("price", "status"), [(511, 201), (510, 422)])
async def test_live_in_hourly_price_is_brought_to_a_month(client, as_citizen_a, catalogue, price, status):
    body = ccnl("CS", price, "hourly", live_in=True, weekly_hours=54)

    response = await offer(client, as_citizen_a, catalogue, **body)

    assert response.status_code == status, response.text
    if status == 422:
        expected = "comes to 1,193.40 EUR/month: (5.10 EUR per hour) x 54 h/week x 52/12"
        assert expected in response.json()["detail"]


async def test_a_level_without_a_verified_figure_this_year_uses_the_latest_table_and_says_so(
    client, as_citizen_a, catalogue
):
    body = ccnl("A", 73624, "monthly", live_in=True, weekly_hours=54)

    response = await offer(client, as_citizen_a, catalogue, **body)

    assert response.status_code == 422
    assert response.json()["code"] == "below_ccnl_minimum"
    detail = response.json()["detail"]
    assert "736.25 EUR/month" in detail
    assert "table in force from 2025-01-01" in detail
    assert "No verified 2026 figure for A (monthly live in): the latest verified table, 2025, applies" in detail


@pytest.mark.parametrize("body", [{"price_model": "free", "price_cents": 0}, {"price_cents": 0}])
async def test_a_ccnl_offer_is_never_free(client, as_citizen_a, catalogue, body):
    response = await offer(client, as_citizen_a, catalogue, **{**ccnl("B", 1000), **body})

    assert response.status_code == 422
    assert response.json()["code"] == "ccnl_offer_unpaid"


async def test_a_fixed_price_has_no_hourly_equivalent(client, as_citizen_a, catalogue):
    response = await offer(client, as_citizen_a, catalogue, **ccnl("B", 100000, "fixed"))

    assert response.status_code == 422
    assert response.json()["code"] == "price_not_comparable"
    assert response.json()["errors"][0]["pointer"] == "/price_model"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"contract_type": "organisation_purchase", "live_in": True}, "/live_in"),
        ({"session_minutes": 60}, "/session_minutes"),
        ({"price_model": "per_session", "session_minutes": 0}, "/session_minutes"),
        ({"price_model": "per_session", "session_minutes": 1441}, "/session_minutes"),
    ],
)
async def test_terms_that_do_not_apply_or_are_out_of_range_return_422(client, as_citizen_a, catalogue, body, pointer):
    response = await offer(client, as_citizen_a, catalogue, price_cents=1200, **body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"].endswith(pointer)


async def test_the_engagement_keeps_the_live_in_and_session_terms(client, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "dalia")
    made = await make_offer(
        client, catalogue, "dalia", request["id"], **ccnl("B", 1100, "per_session", session_minutes=90)
    )

    response = await offer_action(client, as_citizen_a, made["id"], "accept")

    assert response.status_code == 200, response.text
    assert (response.json()["live_in"], response.json()["session_minutes"]) == (False, 90)
