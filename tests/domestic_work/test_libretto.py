"""Libretto Famiglia: at least one 10 EUR title an hour, and the yearly caps across the platform's engagements.

The engagements here run in the next calendar year, from 4 January for 70 days (10 weeks), on a
5-hour week (Tuesday 16-19, Thursday 16-18): 50 hours. The caps count the worker's net share of each
title, 8 of 10 EUR, so an engagement at P EUR/hour plans P x 50 x 0.8 = 40 P EUR net:
50 EUR/hour -> 2,000 EUR net, 62.50 -> 2,500, 25 -> 1,000.
"""

from datetime import date, timedelta

import pytest

from app.models import ProviderKind
from tests.demand.conftest import NIL_22, NIL_22_CENTROID, invite, post_request, slot
from tests.demand.offer_helpers import offer_action, offers_url, post_offer
from tests.factories import auth_headers, make_provider, make_provider_staff_user, make_service, make_user

WEEK = [slot("tue", "16:00", "19:00"), slot("thu", "16:00", "18:00")]
START = date(date.today().year + 1, 1, 4)
YEAR = START.year


def libretto(price_cents: int, price_model: str = "hourly", **extra) -> dict:
    return {
        "contract_type": "libretto_famiglia",
        "price_cents": price_cents,
        "price_model": price_model,
        "schedule": WEEK,
        **extra,
    }


async def libretto_request(client, headers, service, *, days: int = 70) -> dict:
    """A request of the caller for the next year's 10 weeks (or `days`), with `service` invited."""
    end = START + timedelta(days=days - 1)
    request = await post_request(
        client, headers, schedule=WEEK, start_date=START.isoformat(), end_date=end.isoformat(), budget_cents=1000
    )
    response = await invite(client, headers, request["id"], service)
    assert response.status_code == 200, response.text
    return request


async def engage(client, headers, worker, price_cents: int, *, days: int = 70) -> dict:
    """An accepted Libretto engagement of the caller with `worker` (provider, service, staff headers)."""
    provider, service, staff = worker
    request = await libretto_request(client, headers, service, days=days)
    made = await client.post(
        offers_url(request["id"]), json={"provider_id": str(provider.id), **libretto(price_cents)}, headers=staff
    )
    assert made.status_code == 201, made.text
    accepted = await offer_action(client, headers, made.json()["id"], "accept")
    assert accepted.status_code == 200, accepted.text
    return accepted.json()


async def offer_to(client, headers, worker, price_cents: int, *, days: int = 70):
    provider, service, staff = worker
    request = await libretto_request(client, headers, service, days=days)
    return await client.post(
        offers_url(request["id"]), json={"provider_id": str(provider.id), **libretto(price_cents)}, headers=staff
    )


@pytest.fixture
def dalia(catalogue):
    return catalogue.providers["dalia"], catalogue.services["dalia_thursday"], catalogue.headers("dalia")


async def another_worker(session, n: int):
    staff = await make_provider_staff_user(session, email=f"worker{n}@example.org", full_name=f"Worker {n}")
    lat, lon = NIL_22_CENTROID
    provider = await make_provider(session, kind=ProviderKind.individual, staff=staff, nil_id=NIL_22, lat=lat, lon=lon)
    service = await make_service(
        session, provider, category="tata-babysitter", zones_served=[NIL_22], availability=WEEK
    )
    return provider, service, auth_headers(staff)


# --- the title's value -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (libretto(1000), 201),
        (libretto(999), 422),
        (libretto(2000, "per_session", session_minutes=90), 201),  # 90 minutes take two titles
        (libretto(1999, "per_session", session_minutes=90), 422),
        (libretto(1000, "per_session", session_minutes=60), 201),
        # 5 h/week x 52/12 = 21.67 h a month; rounded to the cent as app/prices.py does:
        # 216.56 / 21.67 = 9.9951 -> 10.00, 216.55 / 21.67 = 9.9946 -> 9.99
        (libretto(21656, "monthly"), 201),
        (libretto(21655, "monthly"), 422),
        (libretto(0), 422),
        (libretto(0, "free"), 422),
    ],
)
async def test_a_libretto_price_pays_at_least_one_title_an_hour(client, as_citizen_a, dalia, body, status):
    request = await libretto_request(client, as_citizen_a, dalia[1])

    response = await client.post(
        offers_url(request["id"]), json={"provider_id": str(dalia[0].id), **body}, headers=dalia[2]
    )

    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["code"] == "below_libretto_minimum"
        assert "10.00 EUR (8.00 EUR net to the worker)" in response.json()["detail"]


async def test_a_fixed_libretto_price_is_not_comparable(client, as_citizen_a, dalia):
    request = await libretto_request(client, as_citizen_a, dalia[1])

    response = await client.post(
        offers_url(request["id"]), json={"provider_id": str(dalia[0].id), **libretto(5000, "fixed")}, headers=dalia[2]
    )

    assert response.status_code == 422
    assert response.json()["code"] == "price_not_comparable"


async def test_an_organisation_cannot_offer_under_libretto(client, as_citizen_a, catalogue):
    request = await libretto_request(client, as_citizen_a, catalogue.services["aurora_full"])

    response = await post_offer(client, catalogue, "aurora", request["id"], **libretto(1500))

    assert response.status_code == 422
    assert response.json()["code"] == "libretto_not_a_person"
    assert response.json()["errors"][0]["pointer"] == "/contract_type"


# --- the yearly caps -------------------------------------------------------------------------------


async def test_pair_cap_counts_the_pairs_engagements_and_says_what_is_left(client, as_citizen_a, dalia):
    await engage(client, as_citizen_a, dalia, 5000)  # 2,000 EUR net

    response = await offer_to(client, as_citizen_a, dalia, 2500)  # 1,000 more: 3,000 > 2,500

    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "libretto_pair_cap"
    assert "at most 2,500.00 EUR net" in problem["detail"]
    assert f"In {YEAR} the Libretto engagements on the platform already plan 2,000.00 EUR net" in problem["detail"]
    assert "so 500.00 EUR is left; this offer plans 1,000.00 EUR net" in problem["detail"]


async def test_pair_cap_allows_exactly_the_cap(client, as_citizen_a, dalia):
    await engage(client, as_citizen_a, dalia, 5000)  # 2,000 EUR net

    response = await offer_to(client, as_citizen_a, dalia, 1250)  # 500 more: exactly 2,500

    assert response.status_code == 201, response.text


async def test_worker_cap_counts_every_family(client, session, as_citizen_a, as_citizen_b, dalia):
    third = auth_headers(await make_user(session, email="citizen.c@example.org", full_name="Carla Citizen"))
    await engage(client, as_citizen_a, dalia, 5000)  # 2,000 EUR net from each of two families
    await engage(client, as_citizen_b, dalia, 5000)

    response = await offer_to(client, third, dalia, 5000)  # 2,000 more: 6,000 > 5,000

    assert response.status_code == 409
    assert response.json()["code"] == "libretto_worker_cap"
    assert "from all families at most 5,000.00 EUR net" in response.json()["detail"]
    assert "already plan 4,000.00 EUR net, so 1,000.00 EUR is left" in response.json()["detail"]


async def test_family_cap_counts_every_worker(client, session, as_citizen_a):
    workers = [await another_worker(session, n) for n in range(5)]
    for worker in workers[:4]:
        await engage(client, as_citizen_a, worker, 6250)  # 2,500 EUR net each: 10,000

    response = await offer_to(client, as_citizen_a, workers[4], 1000)

    assert response.status_code == 409
    assert response.json()["code"] == "libretto_family_cap"
    assert "to all workers at most 10,000.00 EUR net" in response.json()["detail"]
    assert "so 0.00 EUR is left" in response.json()["detail"]


async def test_hours_cap_counts_the_pairs_hours(client, as_citizen_a, dalia):
    await engage(client, as_citizen_a, dalia, 1000, days=350)  # 50 weeks x 5 h = 250 h, 2,000 EUR net

    response = await offer_to(client, as_citizen_a, dalia, 1000, days=49)  # 7 weeks x 5 h = 35 h: 285 > 280

    assert response.status_code == 409
    assert response.json()["code"] == "libretto_hours_cap"
    assert "at most 280 hours a calendar year" in response.json()["detail"]
    assert "plan 250.0 hours, so 30.0 are left; this offer plans 35.0 hours" in response.json()["detail"]


async def test_caps_are_checked_again_at_acceptance(client, as_citizen_a, dalia):
    first = await libretto_request(client, as_citizen_a, dalia[1])
    second = await libretto_request(client, as_citizen_a, dalia[1])
    made = []
    for request in (first, second):  # both made while the pair has no engagement: 2,000 EUR net each
        response = await client.post(
            offers_url(request["id"]), json={"provider_id": str(dalia[0].id), **libretto(5000)}, headers=dalia[2]
        )
        assert response.status_code == 201, response.text
        made.append(response.json())
    assert (await offer_action(client, as_citizen_a, made[0]["id"], "accept")).status_code == 200

    response = await offer_action(client, as_citizen_a, made[1]["id"], "accept")

    assert response.status_code == 409
    assert response.json()["code"] == "libretto_pair_cap"


async def test_caps_are_per_calendar_year(client, as_citizen_a, dalia):
    await engage(client, as_citizen_a, dalia, 5000)  # 2,000 EUR net next year
    provider, service, staff = dalia
    end = START.replace(year=YEAR + 1) + timedelta(days=69)  # the same 10 weeks a year later
    request = await post_request(
        client,
        as_citizen_a,
        schedule=WEEK,
        start_date=START.replace(year=YEAR + 1).isoformat(),
        end_date=end.isoformat(),
    )
    assert (await invite(client, as_citizen_a, request["id"], service)).status_code == 200

    response = await client.post(
        offers_url(request["id"]), json={"provider_id": str(provider.id), **libretto(5000)}, headers=staff
    )

    assert response.status_code == 201, response.text
