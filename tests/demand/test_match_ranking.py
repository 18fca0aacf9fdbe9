"""Matches ranked in the database (app/demand/match_ranking.py) against the rule in Python
(app/demand/match_score.py), and the price component comparing like with like (issue 13 item 9).

`python_ranking` scores every candidate of a request in Python, from the same SQL facts the database
has (overlap, distance, badges); the database's page must be the same services, in the same order,
with the same scores and breakdowns. tests/test_generator.py runs the same comparison on a generated city.
"""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import cast, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from app.demand import match_score
from app.demand.matching import ranked_matches, weekly_minutes
from app.demand.repository import overlap_minutes_sql
from app.demand.reviews import PRIOR_MEAN
from app.geo import haversine_km_sql
from app.models import DemandRequest, PriceModel, Provider, Service
from app.providers.badges import badge_kinds_by_provider
from app.schedules import WeeklySlot, to_multirange
from app.seed.catalog_demo import seed_catalog_demo
from app.seed.demand_demo import seed_demand_demo
from app.seed.demo import seed_demo
from app.seed.reference import category_id
from app.seed.sharing_demo import seed_sharing_demo
from app.zones import service as zone_service
from tests.demand.conftest import NIL_22, NIL_22_CENTROID, post_request, slot
from tests.factories import make_provider, make_service

# --- the Python rule, over every candidate --------------------------------------------------------------


async def python_ranking(session, request: DemandRequest, *, best_per_provider: bool = True) -> list[tuple]:
    """(service id, score, breakdown) of every candidate, best first, scored by match_score."""
    need = weekly_minutes(request)
    if request.lat is not None and request.lon is not None:
        point = (request.lat, request.lon)
    else:
        zone = await zone_service.get_zone(session, request.nil_id)
        point = (zone.centroid_lat, zone.centroid_lon)
    overlap = overlap_minutes_sql(Service.availability_minutes, list(request.schedule_minutes))
    distance = haversine_km_sql(Service.lat, Service.lon, *point) if point else literal_column("NULL::float8")
    rows = (
        await session.execute(
            select(Service, Provider, overlap, distance)
            .join(Provider, Provider.id == Service.provider_id)
            .where(
                Service.searchable,
                Service.category_id == request.category_id,
                Service.coverage_nil_ids.contains(cast([request.nil_id], ARRAY(UUID(as_uuid=True)))),
                *([Provider.kind.in_(request.provider_kinds)] if request.provider_kinds else []),
            )
        )
    ).all()
    badges = await badge_kinds_by_provider(session, list({p.id for _, p, _, _ in rows}), datetime.now(UTC))
    scored = []
    for service, provider, covered, km in rows:
        held = {k.value for k in badges.get(provider.id, [])}
        price = match_score.price(
            service.price_model,
            service.price_cents,
            weekly_hours=service.weekly_hours,
            session_minutes=service.session_minutes,
            budget_cents=request.budget_cents,
            budget_model=request.budget_model,
            need_minutes=need,
        )
        raw = {
            "category": 1.0,
            "coverage": covered / need if need else 0.0,
            "proximity": match_score.proximity(km),
            "price": price.value,
            "languages": match_score.languages(service.languages, request.languages),
            "rating": (provider.rating_average or PRIOR_MEAN) / 5.0,
            "badges": match_score.badges(held, request.required_badges),
        }
        breakdown = {name: match_score.round4(value) for name, value in raw.items()}
        scored.append((service.id, provider.id, int(covered), match_score.total(breakdown), breakdown))
    scored.sort(key=lambda s: (-s[3], -s[2], str(s[0])))
    if best_per_provider:
        seen: set = set()
        scored = [s for s in scored if not (s[1] in seen or seen.add(s[1]))]
    return [(service_id, score, breakdown) for service_id, _, _, score, breakdown in scored]


async def sql_ranking(session, request: DemandRequest, *, limit: int, best_per_provider: bool = True) -> list[tuple]:
    found = await ranked_matches(session, request, limit=limit, best_per_provider=best_per_provider)
    return [(m.service_id, m.score, m.breakdown.model_dump()) for m in found]


async def compare_rankings(session, requests: list[DemandRequest]) -> int:
    """Assert both rankings agree for every request (the best 50, and 200 services without the one-per-
    provider rule); returns how many matches were compared."""
    compared = 0
    for request in requests:
        for best, limit in ((True, 50), (False, 200)):
            expected = (await python_ranking(session, request, best_per_provider=best))[:limit]
            assert await sql_ranking(session, request, limit=limit, best_per_provider=best) == expected, request.id
            compared += len(expected)
    return compared


async def test_the_database_ranks_the_demo_city_as_the_python_rule_does(session):
    await seed_demo(session)
    await seed_catalog_demo(session)
    await seed_sharing_demo(session)
    await seed_demand_demo(session)
    requests = list(await session.scalars(select(DemandRequest).order_by(DemandRequest.id).limit(60)))
    assert len(requests) >= 5

    compared = await compare_rankings(session, requests + await asking_every_category(session))

    assert compared > 100, compared


BUDGETS = [(1200, PriceModel.hourly), (40000, PriceModel.monthly), (3000, PriceModel.per_session), (None, None)]


async def asking_every_category(session) -> list[DemandRequest]:
    """A request (never stored) per category of the catalogue, in the NIL its first listing covers,
    every kind of budget in turn, weekday mornings and afternoons, with and without preferences."""
    week = [
        WeeklySlot(day=d, opens=o, closes=c)
        for d in ("mon", "wed", "fri")
        for o, c in (("09:00", "12:00"), ("15:00", "18:00"))
    ]
    rows = (
        await session.execute(
            select(Service.category_id, Service.coverage_nil_ids).where(Service.searchable).order_by(Service.id)
        )
    ).all()
    first_nil = {}
    for category, nils in rows:
        if nils:
            first_nil.setdefault(category, nils[0])
    return [
        DemandRequest(
            id=uuid.uuid4(),
            category_id=category,
            nil_id=nil,
            schedule_minutes=to_multirange(week[: 2 + index % 5]),
            budget_cents=BUDGETS[index % 4][0],
            budget_model=BUDGETS[index % 4][1],
            languages=["it", "en"][: index % 3],
            provider_kinds=[],
            required_badges=["identity"] if index % 2 else [],
        )
        for index, (category, nil) in enumerate(sorted(first_nil.items()))
    ]


async def test_a_request_with_every_preference_ranks_as_the_python_rule_does(client, session, as_citizen_a):
    for index, price in enumerate([900, 1200, 1500, 1800, 2400, None]):
        provider = await make_provider(session, lat=NIL_22_CENTROID[0] + index * 0.01, lon=NIL_22_CENTROID[1])
        await make_service(
            session,
            provider,
            category="badante",
            zones_served=[NIL_22],
            price_model=PriceModel.free if price is None else PriceModel.hourly,
            price_cents=price,
            languages=["it", "en"][: 1 + index % 2],
            availability=[slot("tue", "16:00", f"{17 + index % 3}:00")],
        )
    body = await post_request(
        client,
        as_citizen_a,
        category_id=str(category_id("badante")),
        preferences={"languages": ["en", "it"], "required_badges": ["identity", "insurance"]},
        point=None,
        nil_id=str(NIL_22),
    )
    request = await session.get(DemandRequest, body["id"])

    assert await compare_rankings(session, [request]) == 12


# --- the price component: like with like -----------------------------------------------------------------


async def twin(session, **service_overrides) -> Service:
    provider = await make_provider(session, lat=NIL_22_CENTROID[0], lon=NIL_22_CENTROID[1])
    values = {"category": "badante", "zones_served": [NIL_22], "languages": ["it"]}
    availability = [slot(day, "08:00", "20:00") for day in ("mon", "tue", "wed", "thu", "fri", "sat")]
    return await make_service(session, provider, availability=availability, **values | service_overrides)


async def matches(client, headers, **request_overrides) -> dict[str, dict]:
    body = await post_request(client, headers, category_id=str(category_id("badante")), **request_overrides)
    response = await client.get(f"/v1/requests/{body['id']}/matches", headers=headers)
    assert response.status_code == 200, response.text
    return {item["service_id"]: item for item in response.json()["items"]}


async def test_a_live_in_carer_no_longer_ranks_first_for_an_11_euro_hourly_need(client, session, as_citizen_a):
    live_in = await twin(session, price_model=PriceModel.monthly, price_cents=145000, weekly_hours=54)
    hourly = await twin(session, price_cents=1100)

    found = await matches(client, as_citizen_a, budget_cents=1100)  # 6 hours a week (tue and thu 16-19)

    assert list(found) == [str(hourly.id), str(live_in.id)]
    carer = found[str(live_in.id)]
    assert carer["breakdown"]["price"] == 0.0
    assert carer["price_comparison"] == {
        "basis": "per_hour",
        "listing_per_hour_cents": 5577,  # 1,450 EUR a month for the 6 h a week needed: 55.77 EUR/h
        "budget_per_hour_cents": 1100,
        "note": "Compared per hour of the weekly need: 55.77 EUR/h against a budget of 11.00 EUR/h.",
    }
    assert found[str(hourly.id)]["breakdown"]["price"] == 1.0


async def test_a_need_above_the_weekly_hours_sold_pays_the_listings_own_hourly_equivalent(
    client, session, as_citizen_a
):
    carer = await twin(session, price_model=PriceModel.monthly, price_cents=130000, weekly_hours=4)
    week = [slot(day, "09:00", "10:00") for day in ("mon", "tue", "wed", "thu", "fri", "sat")]  # 6 h > 4 h

    found = await matches(client, as_citizen_a, schedule=week, budget_cents=8000)

    assert found[str(carer.id)]["price_comparison"]["listing_per_hour_cents"] == 7500  # 1300 / (4 x 52/12)
    assert found[str(carer.id)]["breakdown"]["price"] == 1.0


async def test_a_monthly_budget_is_compared_per_hour_of_the_need(client, session, as_citizen_a):
    hourly = await twin(session, price_cents=1500)

    found = await matches(client, as_citizen_a, budget_cents=39000, budget_model="monthly")  # for 6 h a week

    item = found[str(hourly.id)]
    assert item["price_comparison"]["budget_per_hour_cents"] == 1500  # 390 / (6 x 52/12)
    assert (item["price_comparison"]["basis"], item["breakdown"]["price"]) == ("per_hour", 1.0)


async def test_a_session_price_with_its_length_is_compared_per_hour(client, session, as_citizen_a):
    visit = await twin(session, price_model=PriceModel.per_session, price_cents=3000, session_minutes=120)

    found = await matches(client, as_citizen_a, budget_cents=1200)

    item = found[str(visit.id)]
    assert item["price_comparison"]["listing_per_hour_cents"] == 1500
    assert item["breakdown"]["price"] == 0.75


async def test_two_prices_per_session_without_hours_are_compared_as_priced(client, session, as_citizen_a):
    visit = await twin(session, price_model=PriceModel.per_session, price_cents=3000)

    found = await matches(client, as_citizen_a, budget_cents=2000, budget_model="per_session")

    item = found[str(visit.id)]
    assert (item["price_comparison"]["basis"], item["breakdown"]["price"]) == ("same_unit", 0.5)


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"price_model": PriceModel.fixed, "price_cents": 20000}, "a fixed price for the whole job"),
        ({"price_model": PriceModel.monthly, "price_cents": 145000}, "a monthly price without the weekly hours"),
    ],
)
async def test_a_price_that_cannot_be_compared_scores_half_and_says_why(client, session, as_citizen_a, overrides, why):
    listing = await twin(session, **overrides)

    found = await matches(client, as_citizen_a, budget_cents=1100)

    item = found[str(listing.id)]
    assert (item["price_comparison"]["basis"], item["breakdown"]["price"]) == ("not_comparable", 0.5)
    assert why in item["price_comparison"]["note"]


async def test_without_a_budget_the_price_is_not_scored_and_says_so(client, session, as_citizen_a):
    listing = await twin(session, price_cents=1100)

    found = await matches(client, as_citizen_a, budget_cents=None, budget_model=None)

    item = found[str(listing.id)]
    assert (item["price_comparison"]["basis"], item["breakdown"]["price"]) == ("no_budget", 0.5)
    assert item["price_comparison"]["budget_per_hour_cents"] is None


async def test_matches_run_four_statements_the_ranking_one_of_them(client, session, statements, as_citizen_a):
    for price in (900, 1100, 1300, 1500, 1700):
        await twin(session, price_cents=price)
    body = await post_request(client, as_citizen_a, category_id=str(category_id("badante")))
    url = f"/v1/requests/{body['id']}/matches"
    await client.get(url, headers=as_citizen_a)  # first-use caches are not the ranking's cost

    with statements.counting() as log:
        response = await client.get(url, headers=as_citizen_a)

    assert len(response.json()["items"]) == 5
    # the caller, the request, the ranking, the listings' ISEE bands for "your price" (before the
    # ranking moved to the database: 5, the candidates and then their providers' badges)
    assert len(log) == 4, "\n".join(s[:120] for s in log)
