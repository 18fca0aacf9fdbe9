"""Income-based prices over HTTP: a listing's ISEE bands (validated), the signed-in household's
`your_price` in search, a listing, its matches and its offers, and the band recorded at acceptance."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.models import Engagement, IseeStatus, Offer, Role
from app.seed.reference import category_id
from tests.demand.conftest import post_request
from tests.demand.offer_helpers import invited_request, make_offer, offer_action, offers_url
from tests.factories import auth_headers, make_provider, make_provider_staff_user, make_service, make_user
from tests.income.conftest import make_isee_declaration

BANDS = [
    {"isee_max_cents": 750_000, "kind": "free"},
    {"isee_max_cents": 1_500_000, "kind": "price", "value": 400},
    {"isee_max_cents": 3_000_000, "kind": "discount_percent", "value": 50},
]
FREE = {"price_cents": 0, "band_index": 0, "band": {**BANDS[0], "value": None}, "reason": "ISEE up to €7,500.00: free"}


async def verified(session, household, value_cents: int):
    return await make_isee_declaration(
        session, household, value_cents=value_cents, status=IseeStatus.verified, verified_at=datetime.now(UTC)
    )


@pytest.fixture
async def staff(session):
    return await make_provider_staff_user(session, email="staff.bands@example.org")


@pytest.fixture
async def provider(session, staff):
    return await make_provider(session, staff=staff, display_name="Fasce ISEE")


def listing(provider, **overrides) -> dict:
    return {
        "provider_id": str(provider.id),
        "category_id": str(category_id("doposcuola")),
        "title": "Doposcuola a prezzi per ISEE",
        "price_model": "hourly",
        "price_cents": 1200,
        "availability": [{"day": "tue", "opens": "16:00", "closes": "18:00"}],
        "isee_bands": BANDS,
        **overrides,
    }


# --- bands on a listing -----------------------------------------------------------------------------


async def test_staff_set_bands_on_a_listing(client, staff, provider):
    response = await client.post("/v1/services", json=listing(provider), headers=auth_headers(staff))

    assert response.status_code == 201, response.text
    assert response.json()["isee_bands"] == [{**BANDS[0], "value": None}, *BANDS[1:]]
    assert response.json()["your_price"] is None  # staff see list prices


@pytest.mark.parametrize(
    ("overrides", "pointer"),
    [
        ({"isee_bands": [BANDS[1], BANDS[0]]}, "/isee_bands/1/isee_max_cents"),
        ({"isee_bands": [{"isee_max_cents": 1, "kind": "price", "value": 1300}]}, "/isee_bands/0/value"),
        ({"isee_bands": [{"isee_max_cents": 1, "kind": "discount_percent"}]}, "/isee_bands/0/value"),
        ({"isee_bands": [{"isee_max_cents": 1, "kind": "free", "value": 3}]}, "/isee_bands/0/value"),
        ({"price_model": "free", "price_cents": None}, "/isee_bands"),
    ],
)
async def test_bands_that_break_a_rule_are_a_422_with_a_pointer(client, staff, provider, overrides, pointer):
    response = await client.post("/v1/services", json=listing(provider, **overrides), headers=auth_headers(staff))

    assert response.status_code == 422, response.text
    assert (response.json()["code"], response.json()["errors"][0]["pointer"]) == ("validation_error", pointer)


async def test_lowering_the_list_price_below_a_price_band_is_refused(client, session, staff, provider):
    service = await make_service(session, provider, isee_bands=BANDS)

    response = await client.patch(f"/v1/services/{service.id}", json={"price_cents": 300}, headers=auth_headers(staff))

    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert response.json()["errors"][0]["pointer"] == "/isee_bands/1/value"


async def test_more_than_ten_bands_are_refused(client, staff, provider):
    bands = [{"isee_max_cents": n, "kind": "free"} for n in range(1, 12)]

    response = await client.post("/v1/services", json=listing(provider, isee_bands=bands), headers=auth_headers(staff))

    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert response.json()["errors"][0]["pointer"] == "/isee_bands"


# --- your price in the catalogue ----------------------------------------------------------------------


async def test_search_shows_a_verified_household_its_price(client, session, provider, citizen_a, as_citizen_a):
    banded = await make_service(session, provider, isee_bands=BANDS, price_cents=1200)
    plain = await make_service(session, provider)
    await verified(session, citizen_a, 2_000_000)

    response = await client.get("/v1/services", params={"provider_id": str(provider.id)}, headers=as_citizen_a)

    prices = {item["id"]: item["your_price"] for item in response.json()["items"]}
    assert prices[str(banded.id)] == {
        "price_cents": 600,
        "band_index": 2,
        "band": BANDS[2],
        "reason": "ISEE up to €30,000.00: 50% off €12.00",
    }
    assert prices[str(plain.id)] is None
    one = await client.get(f"/v1/services/{banded.id}", headers=as_citizen_a)
    assert one.json()["your_price"]["price_cents"] == 600


async def test_anonymous_unverified_and_staff_callers_see_no_price_of_their_own(
    client, session, provider, citizen_a, as_citizen_a, as_citizen_b, citizen_b, as_admin
):
    banded = await make_service(session, provider, isee_bands=BANDS)
    await make_isee_declaration(session, citizen_b, value_cents=100)  # declared, not verified
    expired = await make_user(session, role=Role.citizen)
    await make_isee_declaration(
        session,
        expired,
        status=IseeStatus.verified,
        verified_at=datetime.now(UTC),
        valid_until_date=datetime(2026, 2, 28).date(),
    )

    for headers in ({}, as_citizen_a, as_citizen_b, as_admin, auth_headers(expired)):
        response = await client.get(f"/v1/services/{banded.id}", headers=headers)

        assert response.status_code == 200
        assert response.json()["your_price"] is None


async def test_search_asks_for_the_isee_once_per_page(client, session, provider, citizen_a, as_citizen_a, statements):
    for _ in range(3):
        await make_service(session, provider, isee_bands=BANDS)
    await verified(session, citizen_a, 100)
    url = f"/v1/services?provider_id={provider.id}"
    await client.get(url, headers=as_citizen_a)

    with statements.counting() as log:
        response = await client.get(url, headers=as_citizen_a)

    assert [item["your_price"]["price_cents"] for item in response.json()["items"]] == [0, 0, 0]
    assert sum("isee_declaration" in statement for statement in log) == 1


# --- matches, offers and acceptance --------------------------------------------------------------------


async def band_aurora(session, catalogue, bands=BANDS) -> None:
    catalogue.services["aurora_full"].isee_bands = bands
    await session.flush()


async def test_matches_show_the_household_its_price(client, session, catalogue, citizen_a, as_citizen_a):
    await band_aurora(session, catalogue)
    await verified(session, citizen_a, 700_000)
    request = await post_request(client, as_citizen_a)

    response = await client.get(f"/v1/requests/{request['id']}/matches", headers=as_citizen_a)

    assert response.status_code == 200, response.text
    prices = {item["service_id"]: item["your_price"] for item in response.json()["items"]}
    assert prices[catalogue.service_id("aurora_full")] == FREE
    assert all(price is None for sid, price in prices.items() if sid != catalogue.service_id("aurora_full"))


async def test_an_offer_from_a_banded_listing_shows_the_household_its_price_and_the_band_is_kept_at_acceptance(
    client, session, catalogue, citizen_a, as_citizen_a
):
    await band_aurora(session, catalogue)
    declaration = await verified(session, citizen_a, 1_000_000)
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    offer = await make_offer(client, catalogue, "aurora", request["id"], service_id=catalogue.service_id("aurora_full"))

    as_household = (await client.get(offers_url(request["id"]), headers=as_citizen_a)).json()["items"][0]
    as_provider = (await client.get(offers_url(request["id"]), headers=catalogue.headers("aurora"))).json()["items"][0]
    accepted = await offer_action(client, as_citizen_a, offer["id"], "accept")

    band_price = {
        "price_cents": 400,
        "band_index": 1,
        "band": BANDS[1],
        "reason": "ISEE up to €15,000.00: €4.00 instead of €12.00",
    }
    assert as_household["your_price"] == band_price
    assert as_provider["your_price"] is None  # the household's income is not the provider's before acceptance
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["household_price"] == band_price
    assert (accepted.json()["price_cents"], accepted.json()["household_price"]["price_cents"]) == (1200, 400)
    engagement = await session.scalar(select(Engagement).where(Engagement.offer_id == offer["id"]))
    stored_offer = await session.get(Offer, engagement.offer_id)
    await session.refresh(stored_offer)
    assert (engagement.household_price_cents, stored_offer.household_price_cents) == (400, 400)
    assert engagement.isee_band["isee_declaration_id"] == str(declaration.id)
    after = (await client.get(offers_url(request["id"]), headers=catalogue.headers("aurora"))).json()["items"][0]
    assert after["your_price"] == band_price  # recorded: both parties see what the household pays


async def test_an_offer_in_another_price_unit_gets_no_band(client, session, catalogue, citizen_a, as_citizen_a):
    await band_aurora(session, catalogue)
    await verified(session, citizen_a, 100)
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    offer = await make_offer(
        client,
        catalogue,
        "aurora",
        request["id"],
        service_id=catalogue.service_id("aurora_full"),
        price_model="fixed",
        price_cents=5000,
    )

    accepted = await offer_action(client, as_citizen_a, offer["id"], "accept")

    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["household_price"] is None


async def test_without_a_verified_isee_acceptance_records_no_band(client, session, catalogue, as_citizen_a):
    await band_aurora(session, catalogue)
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    offer = await make_offer(client, catalogue, "aurora", request["id"], service_id=catalogue.service_id("aurora_full"))

    accepted = await offer_action(client, as_citizen_a, offer["id"], "accept")

    assert accepted.json()["household_price"] is None
    engagement = await session.scalar(select(Engagement).where(Engagement.offer_id == offer["id"]))
    assert (engagement.household_price_cents, engagement.isee_band) == (None, None)
