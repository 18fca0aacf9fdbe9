"""GET /v1/requests/{id}/matches and POST …/invitations: explainable matching over the catalogue.

Hard filters (category, coverage of the NIL, published by an accredited provider) decide who may
appear; the soft components explain the order, and Σ weights[k] × breakdown[k] is the score.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.demand.matching import WEIGHTS
from app.demand.reviews import PRIOR_MEAN
from app.models import (
    AccreditationState,
    AuditEntry,
    OutboxEvent,
    PriceModel,
    Provider,
    ProviderKind,
    RequestInvitation,
    RequestStatus,
    ServiceStatus,
    VerificationKind,
)
from app.providers.search_columns import reindex_services_of
from tests.demand.conftest import (
    NEED_MINUTES,
    NIL_22,
    NIL_22_CENTROID,
    REQUESTS_URL,
    fetch_request,
    invite,
    post_operator_mode_request,
    post_request,
    slot,
)
from tests.factories import make_provider, make_service, make_verification

BOTH = [slot("tue", "16:00", "19:00"), slot("thu", "16:00", "19:00")]
ELIGIBLE_SERVICES = ["aurora_full", "betulla_partial", "cedro_pricey", "dalia_thursday", "elce_tuesday"]


def matches_url(request_id: str, **params) -> tuple[str, dict]:
    return f"{REQUESTS_URL}/{request_id}/matches", params


async def get_matches(client, headers, request_id: str, **params):
    url, query = matches_url(request_id, **params)
    return await client.get(url, params=query, headers=headers)


def weighted_sum(item: dict) -> float:
    return sum(item["weights"][k] * v for k, v in item["breakdown"].items())


async def twin(session, availability=BOTH, *, category: str = "badante", **service_overrides):
    """An accredited, unrated, unbadged cooperative at NIL 22's centroid with one service in NIL 22:
    twins differ only in what the caller overrides."""
    provider = await make_provider(session, lat=NIL_22_CENTROID[0], lon=NIL_22_CENTROID[1])
    values = {"category": category, "zones_served": [NIL_22], "price_cents": 1200, "languages": ["it"]}
    values.update(service_overrides)
    return await make_service(session, provider, availability=availability, **values)


def by_service(items: list[dict]) -> dict[str, dict]:
    return {item["service_id"]: item for item in items}


# --- hard filters --------------------------------------------------------------------------------------


async def test_matches_are_the_accredited_published_services_in_the_category_covering_the_nil(
    client, session, catalogue, request_a, as_citizen_a
):
    session.expunge_all()

    response = await get_matches(client, as_citizen_a, request_a["id"])

    assert response.status_code == 200
    names = {catalogue.service_name_of(item["service_id"]) for item in response.json()["items"]}
    assert names == set(ELIGIBLE_SERVICES)
    assert {"suspended", "far", "aurora_colf"}.isdisjoint(names)


async def test_a_provider_suspended_after_publishing_disappears_from_matches(
    client, session, catalogue, request_a, as_citizen_a
):
    cedro = catalogue.providers["cedro"]
    cedro.accreditation_state = AccreditationState.suspended
    await reindex_services_of(session, cedro)
    session.expunge_all()

    response = await get_matches(client, as_citizen_a, request_a["id"])

    assert catalogue.service_id("cedro_pricey") not in by_service(response.json()["items"])


async def test_a_draft_service_never_matches(client, session, catalogue, request_a, as_citizen_a):
    draft = await twin(session, category="tata-babysitter", status=ServiceStatus.draft)
    session.expunge_all()

    response = await get_matches(client, as_citizen_a, request_a["id"])

    assert str(draft.id) not in by_service(response.json()["items"])
    assert len(response.json()["items"]) == len(ELIGIBLE_SERVICES)


async def test_a_provider_kinds_preference_keeps_only_those_kinds(client, catalogue, as_citizen_a):
    request = await post_request(client, as_citizen_a, preferences={"provider_kinds": ["individual"]})

    response = await get_matches(client, as_citizen_a, request["id"])

    assert [catalogue.service_name_of(i["service_id"]) for i in response.json()["items"]] == ["dalia_thursday"]


# --- the score and its explanation -------------------------------------------------------------------


async def test_every_score_is_the_weighted_sum_of_its_breakdown(client, catalogue, as_citizen_a):
    request = await post_request(
        client,
        as_citizen_a,
        preferences={"languages": ["en", "fr"], "required_badges": ["identity", "insurance"]},
    )

    response = await get_matches(client, as_citizen_a, request["id"])

    body = response.json()
    assert body["weights"] == WEIGHTS
    assert sum(body["weights"].values()) == pytest.approx(100.0)
    assert body["need_minutes"] == NEED_MINUTES
    assert len(body["items"]) == len(ELIGIBLE_SERVICES)
    for item in body["items"]:
        assert set(item["breakdown"]) == set(item["weights"]) == set(WEIGHTS)
        assert abs(weighted_sum(item) - item["score"]) <= 0.01, item
        assert all(0.0 <= v <= 1.0 for v in item["breakdown"].values())


async def test_the_catalogue_ranks_by_score_for_the_documented_reasons(client, catalogue, request_a, as_citizen_a):
    response = await get_matches(client, as_citizen_a, request_a["id"])

    items = response.json()["items"]
    assert [catalogue.service_name_of(i["service_id"]) for i in items] == [
        "aurora_full",  # covers all, within budget, rated 4.5, all four core badges
        "cedro_pricey",  # covers all, but 50% over budget, unrated and unbadged
        "dalia_thursday",  # covers half, within budget, rated 4.0, two badges
        "elce_tuesday",  # covers half, within budget, unrated, one badge
        "betulla_partial",  # covers a third, rated 3.0, one badge
    ]
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)


async def test_a_service_covering_2_of_6_wanted_hours_ranks_below_one_covering_all_6(client, session, as_citizen_a):
    full = await twin(session, BOTH)
    partial = await twin(session, [slot("tue", "17:00", "19:00")])
    request = await post_request(client, as_citizen_a, category_id=str(full.category_id))

    response = await get_matches(client, as_citizen_a, request["id"])

    items = response.json()["items"]
    assert [i["service_id"] for i in items] == [str(full.id), str(partial.id)]
    best, worse = items
    assert (best["overlap_minutes"], worse["overlap_minutes"]) == (360, 120)
    assert best["breakdown"]["coverage"] == 1.0
    assert worse["breakdown"]["coverage"] == pytest.approx(1 / 3, abs=1e-3)
    others = set(WEIGHTS) - {"coverage"}
    assert {k: best["breakdown"][k] for k in others} == {k: worse["breakdown"][k] for k in others}
    assert best["score"] - worse["score"] == pytest.approx(WEIGHTS["coverage"] * (1 - 0.3333), abs=0.01)


@pytest.mark.parametrize(
    "price_cents, price_model, expected",
    [
        (900, PriceModel.hourly, 1.0),  # under budget
        (1200, PriceModel.hourly, 1.0),  # at budget
        (1500, PriceModel.hourly, 0.75),  # 25% over
        (1800, PriceModel.hourly, 0.5),  # 50% over
        (2400, PriceModel.hourly, 0.0),  # twice the budget
        (3000, PriceModel.hourly, 0.0),  # beyond: never negative
        (150000, PriceModel.monthly, 0.5),  # its weekly hours not stated: not comparable, and said so
        (None, PriceModel.free, 1.0),
    ],
)
async def test_the_price_component_falls_linearly_from_the_budget_to_twice_it(
    client, session, as_citizen_a, price_cents, price_model, expected
):
    service = await twin(session, price_cents=price_cents, price_model=price_model)
    request = await post_request(client, as_citizen_a, category_id=str(service.category_id))

    response = await get_matches(client, as_citizen_a, request["id"])

    (item,) = response.json()["items"]
    assert item["breakdown"]["price"] == expected
    assert (item["price_cents"], item["price_model"]) == (price_cents, price_model.value)


async def test_a_service_over_budget_ranks_below_its_twin_within_budget_by_the_price_weight(
    client, session, as_citizen_a
):
    cheap = await twin(session, price_cents=1200)
    pricey = await twin(session, price_cents=1800)
    request = await post_request(client, as_citizen_a, category_id=str(cheap.category_id))

    response = await get_matches(client, as_citizen_a, request["id"])

    items = response.json()["items"]
    assert [i["service_id"] for i in items] == [str(cheap.id), str(pricey.id)]
    assert (items[0]["breakdown"]["price"], items[1]["breakdown"]["price"]) == (1.0, 0.5)
    assert items[0]["score"] - items[1]["score"] == pytest.approx(WEIGHTS["price"] * 0.5, abs=0.01)


async def test_without_a_budget_every_priced_service_scores_half_on_price(client, catalogue, as_citizen_a):
    request = await post_request(client, as_citizen_a, budget_cents=None, budget_model=None)

    response = await get_matches(client, as_citizen_a, request["id"])

    assert {i["breakdown"]["price"] for i in response.json()["items"]} == {0.5}


async def test_the_languages_component_is_the_fraction_of_wanted_languages_spoken(client, catalogue, as_citizen_a):
    request = await post_request(client, as_citizen_a, preferences={"languages": ["en", "fr"]})

    response = await get_matches(client, as_citizen_a, request["id"])

    languages = {
        catalogue.service_name_of(i["service_id"]): i["breakdown"]["languages"] for i in response.json()["items"]
    }
    assert languages == {
        "dalia_thursday": 1.0,  # it, en, fr
        "aurora_full": 0.5,  # it, en
        "cedro_pricey": 0.0,
        "betulla_partial": 0.0,
        "elce_tuesday": 0.0,
    }


async def test_without_a_language_preference_every_candidate_scores_1_on_languages(
    client, catalogue, request_a, as_citizen_a
):
    response = await get_matches(client, as_citizen_a, request_a["id"])

    assert {i["breakdown"]["languages"] for i in response.json()["items"]} == {1.0}


async def test_a_wanted_language_lifts_the_twin_that_speaks_it_above_the_other(client, session, as_citizen_a):
    italian = await twin(session, languages=["it"])
    english = await twin(session, languages=["it", "en"])
    request = await post_request(
        client, as_citizen_a, category_id=str(italian.category_id), preferences={"languages": ["en"]}
    )

    response = await get_matches(client, as_citizen_a, request["id"])

    items = response.json()["items"]
    assert [i["service_id"] for i in items] == [str(english.id), str(italian.id)]
    assert items[0]["score"] - items[1]["score"] == pytest.approx(WEIGHTS["languages"], abs=0.01)


async def test_the_rating_component_is_the_average_over_5_and_the_prior_for_the_unrated(
    client, catalogue, request_a, as_citizen_a
):
    response = await get_matches(client, as_citizen_a, request_a["id"])

    rating = {catalogue.service_name_of(i["service_id"]): i["breakdown"]["rating"] for i in response.json()["items"]}
    assert rating == {
        "aurora_full": 0.9,
        "dalia_thursday": 0.8,
        "betulla_partial": 0.6,
        "cedro_pricey": PRIOR_MEAN / 5,
        "elce_tuesday": PRIOR_MEAN / 5,
    }


async def test_without_required_badges_the_badges_component_counts_the_four_core_checks(
    client, catalogue, request_a, as_citizen_a
):
    response = await get_matches(client, as_citizen_a, request_a["id"])

    badges = {catalogue.service_name_of(i["service_id"]): i["breakdown"]["badges"] for i in response.json()["items"]}
    assert badges == {
        "aurora_full": 1.0,
        "dalia_thursday": 0.5,
        "betulla_partial": 0.25,
        "elce_tuesday": 0.25,
        "cedro_pricey": 0.0,
    }


async def test_required_badges_score_the_fraction_of_them_held(client, catalogue, as_citizen_a):
    request = await post_request(client, as_citizen_a, preferences={"required_badges": ["insurance"]})

    response = await get_matches(client, as_citizen_a, request["id"])

    badges = {catalogue.service_name_of(i["service_id"]): i["breakdown"]["badges"] for i in response.json()["items"]}
    assert badges == {
        "aurora_full": 1.0,
        "elce_tuesday": 1.0,
        "dalia_thursday": 0.0,
        "betulla_partial": 0.0,
        "cedro_pricey": 0.0,
    }


async def test_an_expired_check_does_not_count_as_a_badge(client, session, as_citizen_a):
    service = await twin(session)
    provider = await session.get(Provider, service.provider_id)
    await make_verification(
        session, provider, kind=VerificationKind.insurance, expires_at=datetime.now(UTC) - timedelta(days=1)
    )
    request = await post_request(
        client, as_citizen_a, category_id=str(service.category_id), preferences={"required_badges": ["insurance"]}
    )

    response = await get_matches(client, as_citizen_a, request["id"])

    assert response.json()["items"][0]["breakdown"]["badges"] == 0.0


async def test_proximity_is_1_within_1_km_and_falls_linearly_to_0_at_10_km(client, catalogue, request_a, as_citizen_a):
    response = await get_matches(client, as_citizen_a, request_a["id"])

    items = by_service(response.json()["items"])
    for item in items.values():
        expected = max(0.0, min(1.0, 1 - (item["distance_km"] - 1) / 9))
        assert item["breakdown"]["proximity"] == pytest.approx(expected, abs=1e-3)
    cedro = items[catalogue.service_id("cedro_pricey")]  # at Loreto, about 1.5 km away
    assert 1.0 < cedro["distance_km"] < 2.0
    assert cedro["breakdown"]["proximity"] < 1.0
    assert items[catalogue.service_id("aurora_full")]["breakdown"]["proximity"] == 1.0


async def test_a_request_placed_by_nil_only_measures_from_the_nil_centroid(client, catalogue, as_citizen_a):
    request = await post_request(client, as_citizen_a, point=None, nil_id=str(NIL_22))

    response = await get_matches(client, as_citizen_a, request["id"])

    items = by_service(response.json()["items"])
    assert items[catalogue.service_id("aurora_full")]["distance_km"] == 0.0  # aurora sits on the centroid
    assert items[catalogue.service_id("dalia_thursday")]["distance_km"] == 0.0  # an individual: her NIL's centroid


# --- order and shape ---------------------------------------------------------------------------------


async def test_each_provider_appears_once_with_its_best_service(client, catalogue, request_a, as_citizen_a):
    response = await get_matches(client, as_citizen_a, request_a["id"])

    items = response.json()["items"]
    providers = [i["provider_id"] for i in items]
    assert len(providers) == len(set(providers))
    aurora = [i for i in items if i["provider_id"] == catalogue.provider_id("aurora")]
    assert [i["service_id"] for i in aurora] == [catalogue.service_id("aurora_full")]
    assert catalogue.service_id("aurora_short") not in by_service(items)


async def test_the_order_is_the_same_on_every_call(client, catalogue, request_a, as_citizen_a):
    first = await get_matches(client, as_citizen_a, request_a["id"])

    second = await get_matches(client, as_citizen_a, request_a["id"])

    assert second.json() == first.json()


async def test_equal_scores_are_ordered_by_service_id(client, session, as_citizen_a):
    services = [await twin(session) for _ in range(3)]
    request = await post_request(client, as_citizen_a, category_id=str(services[0].category_id))

    response = await get_matches(client, as_citizen_a, request["id"])

    items = response.json()["items"]
    assert len({i["score"] for i in items}) == 1
    assert [i["service_id"] for i in items] == sorted(str(s.id) for s in services)


async def test_the_limit_returns_the_top_candidates(client, catalogue, request_a, as_citizen_a):
    everything = await get_matches(client, as_citizen_a, request_a["id"])

    response = await get_matches(client, as_citizen_a, request_a["id"], limit=2)

    assert response.status_code == 200
    assert response.json()["items"] == everything.json()["items"][:2]


@pytest.mark.parametrize("limit", [0, 51, -1])
async def test_a_limit_outside_1_to_50_returns_422_at_limit(client, request_a, as_citizen_a, limit):
    response = await get_matches(client, as_citizen_a, request_a["id"], limit=limit)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/limit"
    assert response.json()["errors"][0]["location"] == "query"


async def test_a_match_exposes_the_provider_name_and_no_private_provider_field(
    client, catalogue, request_a, as_citizen_a
):
    response = await get_matches(client, as_citizen_a, request_a["id"])

    item = by_service(response.json()["items"])[catalogue.service_id("aurora_full")]
    assert set(item) == {
        "service_id",
        "provider_id",
        "provider_name",
        "title",
        "score",
        "breakdown",
        "weights",
        "overlap_minutes",
        "distance_km",
        "price_cents",
        "price_model",
        "your_price",  # the household's price under the listing's ISEE bands (tests/income)
        "price_comparison",
    }
    assert item["provider_name"] == "Aurora Servizi"


# --- who may see matches -----------------------------------------------------------------------------


async def test_a_hub_operator_sees_matches_of_an_operator_mode_request(
    client, session, catalogue, citizen_a, hub_operator, as_hub_operator
):
    request = await post_operator_mode_request(client, session, hub_operator, citizen_a)

    response = await get_matches(client, as_hub_operator, request["id"])

    assert response.status_code == 200
    assert len(response.json()["items"]) == len(ELIGIBLE_SERVICES)


async def test_a_hub_operator_gets_404_on_matches_of_someone_elses_quote_mode_request(
    client, catalogue, request_a, as_hub_operator
):
    response = await get_matches(client, as_hub_operator, request_a["id"])

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"


async def test_provider_staff_get_404_on_matches(client, catalogue, request_a):
    response = await get_matches(client, catalogue.headers("aurora"), request_a["id"])

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"


# --- invitations ---------------------------------------------------------------------------------------


async def invitations_of(session, request_id: str) -> list[RequestInvitation]:
    stmt = select(RequestInvitation).where(RequestInvitation.request_id == uuid.UUID(request_id))
    return list((await session.scalars(stmt)).all())


async def test_the_owner_invites_up_to_5_matching_providers(
    client, session, catalogue, citizen_a, request_a, as_citizen_a
):
    services = [catalogue.services[name] for name in ELIGIBLE_SERVICES]

    response = await invite(client, as_citizen_a, request_a["id"], *services)

    assert response.status_code == 200, response.text
    expected = {catalogue.provider_id(name) for name in catalogue.ELIGIBLE}
    assert set(response.json()["invited_provider_ids"]) == expected
    assert response.json()["version"] == request_a["version"] + 1
    rows = await invitations_of(session, request_a["id"])
    assert {(str(r.provider_id), str(r.service_id)) for r in rows} == {
        (str(s.provider_id), str(s.id)) for s in services
    }
    assert {r.invited_by_id for r in rows} == {citizen_a.id}
    events = await session.scalars(
        select(OutboxEvent).where(
            OutboxEvent.aggregate_id == uuid.UUID(request_a["id"]), OutboxEvent.type == "request.invited"
        )
    )
    assert {e.payload["provider_id"] for e in events} == expected
    audit = await session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.target_id == uuid.UUID(request_a["id"]), AuditEntry.action == "request.invited")
    )
    assert audit == 1


async def test_a_sixth_provider_returns_409_too_many_invitations_and_adds_nothing(
    client, session, catalogue, request_a, as_citizen_a
):
    sixth = await twin(session, category="tata-babysitter")
    await invite(client, as_citizen_a, request_a["id"], *[catalogue.services[n] for n in ELIGIBLE_SERVICES])

    response = await invite(client, as_citizen_a, request_a["id"], sixth)

    assert response.status_code == 409
    assert response.json()["code"] == "too_many_invitations"
    rows = await invitations_of(session, request_a["id"])
    assert len(rows) == 5
    assert sixth.provider_id not in {r.provider_id for r in rows}


async def test_invitations_past_the_cap_in_one_call_add_none_of_them(
    client, session, catalogue, request_a, as_citizen_a
):
    sixth = await twin(session, category="tata-babysitter")
    await invite(client, as_citizen_a, request_a["id"], *[catalogue.services[n] for n in ELIGIBLE_SERVICES[:4]])

    response = await invite(client, as_citizen_a, request_a["id"], catalogue.services["elce_tuesday"], sixth)

    assert response.status_code == 409
    assert response.json()["code"] == "too_many_invitations"
    assert len(await invitations_of(session, request_a["id"])) == 4


async def test_more_than_5_service_ids_in_one_call_return_422_at_service_ids(
    client, session, catalogue, request_a, as_citizen_a
):
    sixth = await twin(session, category="tata-babysitter")

    response = await invite(
        client, as_citizen_a, request_a["id"], *[catalogue.services[n] for n in ELIGIBLE_SERVICES], sixth
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/service_ids"
    assert await invitations_of(session, request_a["id"]) == []


async def test_re_inviting_an_invited_provider_or_two_of_its_services_counts_it_once(
    client, session, catalogue, request_a, as_citizen_a
):
    await invite(client, as_citizen_a, request_a["id"], catalogue.services["aurora_full"])

    response = await invite(
        client, as_citizen_a, request_a["id"], catalogue.services["aurora_short"], catalogue.services["aurora_full"]
    )

    assert response.status_code == 200
    assert response.json()["invited_provider_ids"] == [catalogue.provider_id("aurora")]
    assert len(await invitations_of(session, request_a["id"])) == 1


@pytest.mark.parametrize("name", ["suspended", "far", "aurora_colf"])
async def test_inviting_a_service_that_does_not_match_returns_422_at_its_index(
    client, session, catalogue, request_a, as_citizen_a, name
):
    response = await invite(client, as_citizen_a, request_a["id"], catalogue.services[name])

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/service_ids/0"
    assert await invitations_of(session, request_a["id"]) == []


async def test_one_non_matching_service_among_matching_ones_invites_none(
    client, session, catalogue, request_a, as_citizen_a
):
    response = await invite(
        client, as_citizen_a, request_a["id"], catalogue.services["aurora_full"], catalogue.services["suspended"]
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/service_ids/1"
    assert await invitations_of(session, request_a["id"]) == []


async def test_inviting_on_an_open_mode_request_returns_409(
    client, session, catalogue, open_mode_request_a, as_citizen_a
):
    response = await invite(client, as_citizen_a, open_mode_request_a["id"], catalogue.services["aurora_full"])

    assert response.status_code == 409
    assert response.json()["code"] == "invitations_not_applicable"
    assert await invitations_of(session, open_mode_request_a["id"]) == []


@pytest.mark.parametrize("state", [RequestStatus.draft, RequestStatus.cancelled, RequestStatus.expired])
async def test_inviting_on_a_request_that_is_not_open_returns_409_with_its_state(
    client, session, catalogue, request_a, as_citizen_a, state
):
    row = await fetch_request(session, request_a["id"])
    row.status = state
    await session.flush()
    session.expunge_all()

    response = await invite(client, as_citizen_a, request_a["id"], catalogue.services["aurora_full"])

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == state.value
    assert await invitations_of(session, request_a["id"]) == []


async def test_inviting_with_a_stale_if_match_returns_412(client, session, catalogue, request_a, as_citizen_a):
    stale = {**as_citizen_a, "If-Match": f'"{request_a["version"] - 1}"'}

    response = await invite(client, stale, request_a["id"], catalogue.services["aurora_full"])

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert await invitations_of(session, request_a["id"]) == []


async def test_another_citizen_inviting_on_a_request_gets_404_and_nothing_is_added(
    client, session, catalogue, request_a, as_citizen_b
):
    response = await invite(client, as_citizen_b, request_a["id"], catalogue.services["aurora_full"])

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"
    assert await invitations_of(session, request_a["id"]) == []


async def test_a_hub_operator_proposes_candidates_on_an_operator_mode_request(
    client, session, catalogue, hub_operator, citizen_a, as_hub_operator
):
    request = await post_operator_mode_request(client, session, hub_operator, citizen_a)

    response = await invite(client, as_hub_operator, request["id"], catalogue.services["dalia_thursday"])

    assert response.status_code == 200
    assert response.json()["invited_provider_ids"] == [catalogue.provider_id("dalia")]
    (row,) = await invitations_of(session, request["id"])
    assert row.invited_by_id == hub_operator.id


async def test_a_hub_operator_inviting_on_someone_elses_quote_mode_request_gets_404(
    client, session, catalogue, request_a, as_hub_operator
):
    response = await invite(client, as_hub_operator, request_a["id"], catalogue.services["aurora_full"])

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"
    assert await invitations_of(session, request_a["id"]) == []


async def test_individual_workers_are_matched_at_their_nil_centroid_not_their_home(client, session, as_citizen_a):
    home = (45.4800, 9.2330)  # inside NIL 22, not its centroid
    worker = await make_provider(session, kind=ProviderKind.individual, lat=home[0], lon=home[1], nil_id=NIL_22)
    service = await make_service(
        session, worker, category="badante", availability=BOTH, zones_served=[NIL_22], languages=["it"]
    )
    request = await post_request(
        client, as_citizen_a, category_id=str(service.category_id), point=None, nil_id=str(NIL_22)
    )

    response = await get_matches(client, as_citizen_a, request["id"])

    assert response.json()["items"][0]["distance_km"] == 0.0
