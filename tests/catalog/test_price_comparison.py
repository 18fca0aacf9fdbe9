"""Listings compared like with like (issue 13 item 9): each shows its hourly equivalent or why it has
none, and search's price filter and order compare hourly equivalents, per person for a group size.

app/prices.py holds the arithmetic; here it meets the generated column and search's SQL."""

import uuid

import pytest
from sqlalchemy import select

from app.models import Delivery, PriceModel, Service, ZoneKind
from app.prices import hourly_equivalent, per_person_cents
from app.seed.reference import category_id, zone_id
from tests.factories import auth_headers, make_provider, make_provider_staff_user, make_service

NIL_1 = zone_id(ZoneKind.nil, 1)


def listing(provider, **overrides) -> dict:
    body = {
        "provider_id": str(provider.id),
        "category_id": str(category_id("badante")),
        "title": "Badante a ore",
        "price_model": "hourly",
        "price_cents": 1100,
        "availability": [{"day": "tue", "opens": "09:00", "closes": "12:00"}],
    }
    return body | overrides


@pytest.fixture
async def staff(session):
    return await make_provider_staff_user(session, email="staff@prezzi.example.org")


@pytest.fixture
async def provider(session, staff):
    return await make_provider(session, staff=staff, display_name="Cooperativa Prezzi", zones_served=[NIL_1])


async def test_a_monthly_listing_with_weekly_hours_shows_its_hourly_equivalent(client, provider, staff):
    body = listing(provider, price_model="monthly", price_cents=130000, weekly_hours=40)

    response = await client.post("/v1/services", json=body, headers=auth_headers(staff))

    assert response.status_code == 201, response.text
    shown = response.json()
    assert (shown["weekly_hours"], shown["hourly_equivalent_cents"], shown["price_comparable"]) == (40, 750, True)
    assert shown["price_comparison"] == "1300.00 EUR per month / (40 h per week x 52/12 weeks per month)"


async def test_a_session_price_with_its_length_shows_its_hourly_equivalent(client, provider, staff):
    body = listing(provider, price_model="per_session", price_cents=3500, session_minutes=90)

    response = await client.post("/v1/services", json=body, headers=auth_headers(staff))

    assert response.status_code == 201, response.text
    assert (response.json()["session_minutes"], response.json()["hourly_equivalent_cents"]) == (90, 2333)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"price_model": "monthly", "price_cents": 145000}, "a monthly price without the weekly hours it buys"),
        ({"price_model": "per_session", "price_cents": 3500}, "a price per session without the session's length"),
        (
            {"price_model": "fixed", "price_cents": 20000},
            "a fixed price for the whole job says nothing about its hours",
        ),
        ({"price_model": "free", "price_cents": None}, "free of charge: there is no price per hour"),
    ],
)
async def test_a_listing_without_an_hourly_equivalent_says_why(client, provider, staff, overrides, reason):
    response = await client.post("/v1/services", json=listing(provider, **overrides), headers=auth_headers(staff))

    assert response.status_code == 201, response.text
    shown = response.json()
    assert (shown["hourly_equivalent_cents"], shown["price_comparable"], shown["price_comparison"]) == (
        None,
        False,
        reason,
    )


async def test_changing_the_price_model_away_from_monthly_needs_the_weekly_hours_cleared(client, provider, staff):
    created = await client.post(
        "/v1/services",
        json=listing(provider, price_model="monthly", price_cents=130000, weekly_hours=40),
        headers=auth_headers(staff),
    )
    url, etag = created.headers["Location"], created.headers["ETag"]

    refused = await client.patch(
        url, json={"price_model": "hourly", "price_cents": 1200}, headers=auth_headers(staff) | {"If-Match": etag}
    )
    accepted = await client.patch(
        url,
        json={"price_model": "hourly", "price_cents": 1200, "weekly_hours": None},
        headers=auth_headers(staff) | {"If-Match": etag},
    )

    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_error"
    assert refused.json()["errors"][0]["pointer"] == "/weekly_hours"
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["weekly_hours"], accepted.json()["hourly_equivalent_cents"]) == (None, 1200)


async def test_a_group_table_rising_on_edit_is_refused_and_nothing_changes(client, session, provider, staff):
    shared = listing(
        provider,
        delivery="shared",
        min_persons=2,
        max_persons=6,
        shared_prices=[{"group_size": 3, "price_per_person_cents": 900}],
    )
    created = await client.post("/v1/services", json=shared, headers=auth_headers(staff))
    rising = [{"group_size": 3, "price_per_person_cents": 900}, {"group_size": 5, "price_per_person_cents": 950}]

    response = await client.patch(
        created.headers["Location"],
        json={"shared_prices": rising},
        headers=auth_headers(staff) | {"If-Match": created.headers["ETag"]},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/shared_prices/1/price_per_person_cents"
    session.expunge_all()
    stored = await session.get(Service, uuid.UUID(created.json()["id"]))
    assert stored.shared_prices == [{"group_size": 3, "price_per_person_cents": 900}]


PRICES = [  # (model, cents, weekly hours, session minutes): every rule, and halves to round
    (PriceModel.hourly, 1150, None, None),
    (PriceModel.monthly, 145000, 54, None),
    (PriceModel.monthly, 100000, 7.5, None),
    (PriceModel.monthly, 99999, 37.25, None),
    (PriceModel.monthly, 145000, None, None),
    (PriceModel.per_session, 1, None, 120),
    (PriceModel.per_session, 3500, None, 45),
    (PriceModel.per_session, 3500, None, None),
    (PriceModel.fixed, 20000, None, None),
    (PriceModel.free, None, None, None),
]


async def test_the_generated_column_equals_the_python_rule(client, session, provider):
    services = [
        await make_service(
            session, provider, price_model=model, price_cents=cents, weekly_hours=hours, session_minutes=minutes
        )
        for model, cents, hours, minutes in PRICES
    ]
    session.expunge_all()

    stored = dict(
        (
            await session.execute(
                select(Service.id, Service.hourly_equivalent_cents).where(Service.provider_id == provider.id)
            )
        ).all()
    )

    assert [stored[s.id] for s in services] == [
        hourly_equivalent(model, cents, weekly_hours=hours, session_minutes=minutes).cents
        for model, cents, hours, minutes in PRICES
    ]


# --- search ----------------------------------------------------------------------------------------------


async def search(client, **params) -> list[str]:
    response = await client.get(
        "/v1/services", params={"limit": 100, "category_id": str(category_id("badante")), **params}
    )
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


@pytest.fixture
async def listings(session, provider) -> dict[str, Service]:
    """Carers priced every way: per hour they cost 11.00, 6.20, 7.50, 23.33, 0 and nothing comparable."""
    made = {
        "hourly 11.00": dict(price_cents=1100),
        "live-in 1450/month for 54 h": dict(price_model=PriceModel.monthly, price_cents=145000, weekly_hours=54),
        "1300/month for 40 h": dict(price_model=PriceModel.monthly, price_cents=130000, weekly_hours=40),
        "35.00 per 90-minute session": dict(price_model=PriceModel.per_session, price_cents=3500, session_minutes=90),
        "free": dict(price_model=PriceModel.free, price_cents=None),
        "monthly, hours not stated": dict(price_model=PriceModel.monthly, price_cents=90000),
        "fixed 200.00": dict(price_model=PriceModel.fixed, price_cents=20000),
    }
    return {
        title: await make_service(session, provider, category="badante", title=title, zones_served=[NIL_1], **fields)
        for title, fields in made.items()
    }


@pytest.mark.parametrize(
    ("max_price", "expected"),
    [
        (0, {"free"}),
        (620, {"free", "live-in 1450/month for 54 h"}),
        (1000, {"free", "live-in 1450/month for 54 h", "1300/month for 40 h"}),
        (1100, {"free", "live-in 1450/month for 54 h", "1300/month for 40 h", "hourly 11.00"}),
        (
            10_000_000,
            {
                "free",
                "live-in 1450/month for 54 h",
                "1300/month for 40 h",
                "hourly 11.00",
                "35.00 per 90-minute session",
            },
        ),
    ],
)
async def test_max_price_compares_hourly_equivalents_and_leaves_out_the_incomparable(
    client, listings, max_price, expected
):
    assert set(await search(client, max_price_cents=max_price)) == expected


COMPARABLE_BY_PRICE = [
    "free",
    "live-in 1450/month for 54 h",
    "1300/month for 40 h",
    "hourly 11.00",
    "35.00 per 90-minute session",
]


async def test_cheapest_first_orders_by_the_hour_and_puts_the_incomparable_last(client, listings):
    found = await search(client, sort="price")

    assert found[:5] == COMPARABLE_BY_PRICE
    assert set(found[5:]) == {"monthly, hours not stated", "fixed 200.00"}


async def test_dearest_first_also_puts_the_incomparable_last(client, listings):
    found = await search(client, sort="-price")

    assert found[:5] == list(reversed(COMPARABLE_BY_PRICE))
    assert set(found[5:]) == {"monthly, hours not stated", "fixed 200.00"}


@pytest.mark.parametrize("sort", ["price", "-price"])
async def test_a_cursor_walk_by_price_returns_every_listing_once_in_order(client, listings, sort):
    in_one_page = await search(client, sort=sort)
    walked, cursor = [], None
    for _ in range(10):
        params = {"category_id": str(category_id("badante")), "sort": sort, "limit": 2}
        response = await client.get("/v1/services", params=params | ({"cursor": cursor} if cursor else {}))
        walked += [item["title"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert walked == in_one_page
    assert len(walked) == len(listings)


@pytest.fixture
async def groups(session, provider) -> dict[str, Service]:
    """After-school groups: what each of 4 pays per hour is 7.50, 12.00, 15.00 (no row for 4) and 6.67."""
    shared = dict(category="doposcuola", delivery=Delivery.shared, min_persons=2, max_persons=6, zones_served=[NIL_1])
    made = {
        "7.50 each for 4": dict(
            price_cents=1500,
            shared_prices=[
                {"group_size": 3, "price_per_person_cents": 1000},
                {"group_size": 4, "price_per_person_cents": 750},
            ],
        ),
        "12.00 each from 3": dict(price_cents=1600, shared_prices=[{"group_size": 3, "price_per_person_cents": 1200}]),
        "15.00 each, rows from 5": dict(
            price_cents=1500, shared_prices=[{"group_size": 5, "price_per_person_cents": 500}]
        ),
        "10.00 per 90-minute session each for 4": dict(
            price_model=PriceModel.per_session,
            price_cents=1200,
            session_minutes=90,
            shared_prices=[{"group_size": 4, "price_per_person_cents": 1000}],
        ),
    }
    return {
        title: await make_service(session, provider, title=title, **shared | fields) for title, fields in made.items()
    }


async def group_search(client, **params) -> list[str]:
    response = await client.get(
        "/v1/services", params={"limit": 100, "category_id": str(category_id("doposcuola")), **params}
    )
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_the_issues_group_of_four_finds_the_listing_at_7_50_each(client, groups):
    found = await group_search(client, group_size=4, max_price_cents=1400)

    assert set(found) == {"7.50 each for 4", "12.00 each from 3", "10.00 per 90-minute session each for 4"}


async def test_a_group_search_orders_by_what_each_person_pays_per_hour(client, groups):
    found = await group_search(client, group_size=4, sort="price")

    assert found == [
        "10.00 per 90-minute session each for 4",
        "7.50 each for 4",
        "12.00 each from 3",
        "15.00 each, rows from 5",
    ]


async def test_the_group_price_in_sql_equals_the_python_rule(client, session, groups):
    for size in range(2, 7):
        found = await group_search(client, group_size=size, sort="price")

        expected = sorted(
            groups,
            key=lambda title: (
                hourly_equivalent(
                    groups[title].price_model,
                    per_person_cents(groups[title].price_cents, groups[title].shared_prices, size),
                    session_minutes=groups[title].session_minutes,
                ).cents,
                groups[title].id,
            ),
        )
        assert found == expected, size
