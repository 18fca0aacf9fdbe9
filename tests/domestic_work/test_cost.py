"""GET /v1/domestic-work/cost: the family's monthly cost, line by line, hand-computed here for two cases.

Tables of 2026 (app/domestic_work/data/2026.json, `on=2026-06-01`): B 7.01 EUR/hour, CS live-in
1,193.84 EUR/month; board and lodging's 2026 value is not verified, so 2025's 6.60 EUR/day applies;
INPS (circ. 9/2026) above 24 h/week: 1.24 EUR an hour of which 0.31 the worker's (derived cells).
Holidays: 26 working days on a six-day week = 26/312 = 1/12 of the year's pay.
"""

import pytest

URL = "/v1/domestic-work/cost"
ON = "2026-06-01"


def lines_of(body: dict) -> dict[str, int]:
    return {line["key"]: line["amount_cents"] for line in body["lines"]}


async def test_level_b_25_hours_non_live_in_costs_as_computed_by_hand(client):
    # hours a month: 25 x 52/12 = 108.3333; pay: 7.01 x 108.3333 = 759.41667 EUR
    # wage 759.41667 x 11/12 = 696.13194 -> 696.13; holidays 759.41667 / 12 = 63.28472 -> 63.28
    # 13th month 759.41667 / 12 -> 63.28; TFR 759.41667 x 13/12 / 13.5 = 60.94084 -> 60.94
    # INPS above 24 h/week: (1.24 - 0.31) x 108.3333 = 100.75; the worker's 0.31 x 108.3333 = 33.58
    response = await client.get(URL, params={"level": "B", "weekly_hours": 25, "months": 6, "on": ON})

    assert response.status_code == 200, response.text
    body = response.json()
    assert lines_of(body) == {
        "wage": 69613,
        "holiday": 6328,
        "thirteenth_month": 6328,
        "tfr": 6094,
        "inps_employer": 10075,
    }
    assert body["monthly_total_cents"] == 98438 == sum(lines_of(body).values())
    assert body["period_total_cents"] == 6 * 98438
    assert body["inps_worker_share_cents"] == 3358
    assert (body["wage_cents"], body["minimum"]["cents"], body["minimum"]["unit"]) == (701, 701, "hour")
    assert body["hours_per_month"] == 108.33
    assert "blogsicilia.it" in body["minimum"]["table"]
    assert response.headers["cache-control"] == "public, max-age=3600"


async def test_level_cs_live_in_54_hours_costs_as_computed_by_hand(client):
    # pay 1,193.84; board's value 6.60 x 365/12 = 200.75 (given in kind: 0 paid, counted below)
    # wage 1,193.84 x 11/12 = 1,094.35333 -> 1,094.35; holidays 1,193.84 / 12 = 99.48667 -> 99.49
    # 13th month (1,193.84 + 200.75) / 12 = 116.21583 -> 116.22; TFR 1,394.59 x 13/12 / 13.5 = 111.91154 -> 111.91
    # INPS: 54 x 52/12 = 234 paid hours; (1.24 - 0.31) x 234 = 217.62; the worker's 0.31 x 234 = 72.54
    response = await client.get(URL, params={"level": "CS", "weekly_hours": 54, "live_in": "true", "on": ON})

    assert response.status_code == 200, response.text
    body = response.json()
    assert lines_of(body) == {
        "wage": 109435,
        "holiday": 9949,
        "board_and_lodging": 0,
        "thirteenth_month": 11622,
        "tfr": 11191,
        "inps_employer": 21762,
    }
    assert body["monthly_total_cents"] == 163959 == sum(lines_of(body).values())
    assert body["period_total_cents"] == 12 * 163959
    assert body["inps_worker_share_cents"] == 7254
    assert (body["minimum"]["cents"], body["minimum"]["unit"]) == (119384, "month")
    board = next(line for line in body["lines"] if line["key"] == "board_and_lodging")
    assert "200.75 EUR/month" in board["rule"] and "No verified 2026 figure for total" in board["source"]


async def test_board_paid_instead_of_given_is_a_cost(client):
    params = {"level": "CS", "weekly_hours": 54, "live_in": "true", "board": "paid", "on": ON}

    body = (await client.get(URL, params=params)).json()

    assert lines_of(body)["board_and_lodging"] == 20075  # 6.60 x 365/12 = 200.75
    assert body["monthly_total_cents"] == sum(lines_of(body).values())


async def test_the_band_follows_the_effective_hourly_pay_up_to_24_hours(client):
    # BS 10 h/week at 10.00 EUR/hour: effective 10.00 x 13/12 = 10.83 -> the 9.61-11.70 band, 1.92
    # of which 0.48 the worker's: (1.92 - 0.48) x 43.3333 = 62.40; fixed-term: 2.05 -> 68.03
    params = {"level": "BS", "weekly_hours": 10, "hourly_wage_cents": 1000, "on": ON}

    open_ended = (await client.get(URL, params=params)).json()
    fixed_term = (await client.get(URL, params={**params, "fixed_term": "true"})).json()
    no_cuaf = (await client.get(URL, params={**params, "cuaf": "false"})).json()

    assert open_ended["inps_band"]["effective_hourly_cents"] == 1083
    assert open_ended["inps_band"]["per_hour_cents"] == 192
    assert lines_of(open_ended)["inps_employer"] == 6240
    assert lines_of(fixed_term)["inps_employer"] == 6803
    assert no_cuaf["inps_band"]["per_hour_cents"] == 193


async def test_a_level_without_a_verified_minimum_this_year_says_which_table_applies(client):
    body = (await client.get(URL, params={"level": "A", "weekly_hours": 10, "on": ON})).json()

    assert body["minimum"]["cents"] == 535
    assert "No verified 2026 figure for A" in body["minimum"]["table"]
    assert any("No verified 2026 figure for A" in note for note in body["notes"])


async def test_a_wage_below_the_minimum_returns_422_naming_it(client):
    response = await client.get(URL, params={"level": "B", "weekly_hours": 10, "hourly_wage_cents": 700, "on": ON})

    assert response.status_code == 422
    assert response.json()["code"] == "wage_below_minimum"
    assert "7.01 EUR/hour" in response.json()["detail"]
    assert response.json()["errors"][0]["pointer"] == "/hourly_wage_cents"


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"level": "E", "weekly_hours": 10}, "level"),
        ({"level": "B", "weekly_hours": 0}, "weekly_hours"),
        ({"level": "B", "weekly_hours": 55, "live_in": "true"}, "weekly_hours"),
        ({"level": "B", "weekly_hours": 41}, "weekly_hours"),
        ({"level": "B", "weekly_hours": 10, "months": 0}, "months"),
        ({"level": "B", "weekly_hours": 10, "monthly_wage_cents": 100000}, "monthly_wage_cents"),
        ({"level": "B", "weekly_hours": 54, "live_in": "true", "hourly_wage_cents": 1000}, "hourly_wage_cents"),
        ({"level": "B", "weekly_hours": 10, "board": "paid"}, "board"),
        ({"weekly_hours": 10}, "level"),
    ],
)
async def test_bad_input_returns_422_at_the_parameter(client, params, pointer):
    response = await client.get(URL, params=params)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"].endswith(pointer)


async def test_the_simulator_needs_no_sign_in(client):
    response = await client.get(URL, params={"level": "B", "weekly_hours": 10}, headers={"Authorization": ""})

    assert response.status_code == 200
    assert response.json()["monthly_total_cents"] == sum(lines_of(response.json()).values())
