"""Pool suggestions: which open requests group together, who sees what, and forming a pool from one."""

import base64
import binascii
import contextlib
import json
import uuid
import zlib

import pytest

from app.config import get_settings
from app.models import Delivery, PriceModel
from app.seed.reference import category_id
from tests.demand.conftest import post_request, slot
from tests.factories import auth_headers, make_service, make_user
from tests.pools.conftest import NIL_22, POOLS_URL, resident

SUGGESTIONS_URL = f"{POOLS_URL}/suggestions"
# Three points in NIL 22 (Città Studi) within 400 m of each other, and one 1.5 km away in NIL 20.
NEAR = [{"lat": 45.4781, "lon": 9.2265}, {"lat": 45.4790, "lon": 9.2280}, {"lat": 45.4772, "lon": 9.2290}]
LORETO = {"lat": 45.49094, "lon": 9.22223}


async def sharing_request(client, session, point=None, **overrides):
    citizen = await make_user(session)
    body = {"open_to_sharing": True, **overrides}
    if point is not None:
        body["point"] = point
    request = await post_request(client, auth_headers(citizen), **body)
    return citizen, request


@pytest.fixture
async def trio(client, session):
    """Three households nearby in NIL 22 wanting a babysitter tue+thu 16-19, open to sharing."""
    return [await sharing_request(client, session, point) for point in NEAR]


async def operator_suggestions(client, hood, **params):
    response = await client.get(SUGGESTIONS_URL, params=params, headers=auth_headers(hood.operator))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_three_compatible_requests_make_one_suggestion_with_their_common_schedule(client, hood, trio):
    items = await operator_suggestions(client, hood)

    assert len(items) == 1
    suggestion = items[0]
    assert sorted(m["request_id"] for m in suggestion["members"]) == sorted(r["id"] for _, r in trio)
    assert suggestion["common_weekly_minutes"] == 360
    assert suggestion["common_schedule"] == [slot("tue", "16:00", "19:00"), slot("thu", "16:00", "19:00")]
    assert suggestion["nil_ids"] == [str(NIL_22)]
    assert suggestion["condominium_id"] is None


@pytest.mark.parametrize(
    "odd_one",
    [
        {"category_id": str(category_id("colf"))},
        {"schedule": [slot("mon", "08:00", "12:00")]},
        {"schedule": [slot("tue", "18:00", "20:00")]},  # 60 minutes in common: under the 120 minimum
        {"point": LORETO},
        {"open_to_sharing": False},
    ],
    ids=["other-category", "no-overlap", "too-little-overlap", "other-nil", "not-sharing"],
)
async def test_an_incompatible_request_is_left_out(client, session, hood, trio, odd_one):
    overrides = dict(odd_one)
    point = overrides.pop("point", NEAR[0])
    _, odd = await sharing_request(client, session, point, **overrides)

    items = await operator_suggestions(client, hood)

    ids = {m["request_id"] for s in items for m in s["members"]}
    assert odd["id"] not in ids
    assert ids == {r["id"] for _, r in trio}


async def test_requests_too_far_apart_within_one_nil_are_not_grouped(client, session, hood, monkeypatch):
    monkeypatch.setattr(get_settings().pools, "suggestion_max_distance_km", 0.1)
    await sharing_request(client, session, NEAR[0])
    await sharing_request(client, session, NEAR[2])  # about 250 m away

    assert await operator_suggestions(client, hood) == []


async def test_residents_of_one_building_are_grouped_without_exact_points(client, session, hood):
    first, second = await resident(session, hood.building), await resident(session, hood.building)
    for citizen in (first, second):
        await post_request(client, auth_headers(citizen), open_to_sharing=True, point=None, nil_id=str(NIL_22))
    outsider = await make_user(session)
    await post_request(client, auth_headers(outsider), open_to_sharing=True, point=None, nil_id=str(NIL_22))

    items = await operator_suggestions(client, hood)

    assert len(items) == 1 and len(items[0]["members"]) == 2
    assert items[0]["condominium_id"] == str(hood.building.id)


async def test_a_citizen_sees_the_others_only_by_nil(client, hood, trio):
    citizen, mine = trio[0]

    response = await client.get(SUGGESTIONS_URL, headers=auth_headers(citizen))

    items = response.json()["items"]
    assert len(items) == 1
    members = items[0]["members"]
    assert [m["request_id"] for m in members if m["yours"]] == [mine["id"]]
    assert all(m["request_id"] is None for m in members if not m["yours"])
    assert {m["nil_id"] for m in members} == {str(NIL_22)}
    assert "citizen_id" not in str(items)


def every_reading(token: str) -> list[bytes]:
    """Whatever a curious client can decode a token into: the token itself, then each part split on
    dots (and on nothing), as standard and URL-safe base64 (padded or not), base32, hex; each
    decoding also inflated (zlib) and parsed as JSON when it is."""
    parts = [token, *token.split("."), *token.split("_"), *token.split("-")]
    readings: list[bytes] = [token.encode()]
    for part in filter(None, parts):
        padded = part + "=" * (-len(part) % 4)
        for decode in (
            base64.b64decode,
            base64.urlsafe_b64decode,
            lambda p: base64.b32decode(p + "=" * (-len(p) % 8), casefold=True),
            bytes.fromhex,
        ):
            for text in (part, padded):
                with contextlib.suppress(binascii.Error, ValueError):
                    readings.append(decode(text))
    for raw in list(readings):
        with contextlib.suppress(zlib.error):
            readings.append(zlib.decompress(raw))
    for raw in list(readings):
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            readings.append(json.dumps(json.loads(raw)).encode())
    return readings


def traces_of(request_id: str) -> list[bytes]:
    """A request id as text (with and without dashes, either case) and as its 16 raw bytes."""
    rid = uuid.UUID(request_id)
    return [str(rid).encode(), rid.hex.encode(), str(rid).upper().encode(), rid.hex.upper().encode(), rid.bytes]


async def test_a_suggestion_token_reveals_no_request_id_however_it_is_decoded(client, hood, trio):
    citizen, _ = trio[0]
    suggestion = (await client.get(SUGGESTIONS_URL, headers=auth_headers(citizen))).json()["items"][0]
    readings = every_reading(suggestion["suggestion_token"])

    leaks = [
        request["id"] for _, request in trio for trace in traces_of(request["id"]) if any(trace in r for r in readings)
    ]

    assert len(readings) > 1  # the decoders did read something: the check is not vacuous
    assert leaks == []
    assert all(m["request_id"] is None for m in suggestion["members"] if not m["yours"])


async def test_a_citizen_without_sharing_requests_gets_none_and_others_are_refused(client, session, hood, trio):
    loner = await make_user(session)

    none = await client.get(SUGGESTIONS_URL, headers=auth_headers(loner))
    by_staff = await client.get(SUGGESTIONS_URL, headers=auth_headers(hood.staff))
    with_hub = await client.get(SUGGESTIONS_URL, params={"hub_id": str(hood.hub.id)}, headers=auth_headers(loner))

    assert none.json()["items"] == []
    assert by_staff.status_code == 403 and with_hub.status_code == 403


async def test_an_operator_of_another_hub_gets_nothing_here_and_may_not_name_this_hub(client, session, hood, trio):
    from tests.factories import make_hub, make_hub_operator

    stranger = await make_hub_operator(session, await make_hub(session, nil_codes=(76,)))

    own = await client.get(SUGGESTIONS_URL, headers=auth_headers(stranger))
    named = await client.get(SUGGESTIONS_URL, params={"hub_id": str(hood.hub.id)}, headers=auth_headers(stranger))

    assert own.json()["items"] == [] and named.status_code == 403


async def test_the_estimate_is_the_cheapest_shared_price_for_the_group_size(client, session, hood, trio):
    tiers = [{"group_size": 2, "price_per_person_cents": 900}, {"group_size": 3, "price_per_person_cents": 750}]
    await make_service(
        session,
        hood.provider,
        category="tata-babysitter",
        delivery=Delivery.shared,
        min_persons=2,
        max_persons=4,
        price_model=PriceModel.hourly,
        shared_prices=tiers,
        zones_served=[NIL_22],
    )

    items = await operator_suggestions(client, hood)

    assert items[0]["estimated_price_per_person_cents"] == 750
    assert items[0]["estimated_price_model"] == "hourly"


# --- forming a pool from a suggestion --------------------------------------------------------------


async def test_an_operator_forms_a_pool_from_a_suggestion_and_the_requesters_are_invited(client, session, hood, trio):
    suggestion = (await operator_suggestions(client, hood))[0]

    created = await client.post(
        POOLS_URL,
        json={"suggestion_token": suggestion["suggestion_token"], "max_members": 4},
        headers=auth_headers(hood.operator),
    )
    pool = created.json()
    (first, first_request), (second, _), _ = trio
    accepted = await client.post(f"{POOLS_URL}/{pool['id']}/invitation/accept", json={}, headers=auth_headers(first))
    declined = await client.post(f"{POOLS_URL}/{pool['id']}/invitation/decline", headers=auth_headers(second))
    again = await operator_suggestions(client, hood)

    assert created.status_code == 201, created.text
    assert pool["weekly_minutes"] == 360 and pool["scope"] == "nil" and pool["hub_id"] == str(hood.hub.id)
    assert pool["members"] == 0 and pool["seats_left"] == 1  # three invited hold their seats
    assert accepted.json()["my_membership"]["status"] == "active"
    assert accepted.json()["my_membership"]["request_id"] == first_request["id"]
    assert declined.json()["my_membership"] is None
    assert again == []  # linked requests are not suggested again
    linked = await client.get(f"/v1/requests/{first_request['id']}", headers=auth_headers(first))
    assert linked.json()["pool_id"] == pool["id"]
    invitations = await client.get("/v1/me/notifications", headers=auth_headers(first))
    assert invitations.json()["items"][-1]["kind"] == "pool.invitation"


async def test_a_citizen_forms_a_pool_from_their_suggestion_and_is_in_it_at_once(client, hood, trio):
    citizen, mine = trio[0]
    suggestion = (await client.get(SUGGESTIONS_URL, headers=auth_headers(citizen))).json()["items"][0]

    created = await client.post(
        POOLS_URL, json={"suggestion_token": suggestion["suggestion_token"]}, headers=auth_headers(citizen)
    )

    assert created.status_code == 201
    assert created.json()["members"] == 1
    assert created.json()["my_membership"]["request_id"] == mine["id"]


async def test_a_suggestion_token_works_only_for_whom_it_was_made(client, hood, trio):
    token = (await operator_suggestions(client, hood))[0]["suggestion_token"]
    citizen, _ = trio[0]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    by_other = await client.post(POOLS_URL, json={"suggestion_token": token}, headers=auth_headers(citizen))
    tampered = await client.post(POOLS_URL, json={"suggestion_token": forged}, headers=auth_headers(hood.operator))

    assert by_other.status_code == 422 and by_other.json()["code"] == "suggestion_invalid"
    assert tampered.status_code == 422
    assert tampered.json()["code"] == "suggestion_invalid"


async def test_a_suggestion_whose_request_was_cancelled_is_stale(client, hood, trio):
    token = (await operator_suggestions(client, hood))[0]["suggestion_token"]
    citizen, request = trio[2]
    await client.post(
        f"/v1/requests/{request['id']}/cancel", json={"reason": "found someone"}, headers=auth_headers(citizen)
    )

    response = await client.post(POOLS_URL, json={"suggestion_token": token}, headers=auth_headers(hood.operator))

    assert response.status_code == 409 and response.json()["code"] == "suggestion_stale"


async def test_limit_returns_the_biggest_groups_first_and_total_counts_them_all(client, session, hood, trio):
    colf = str(category_id("colf"))
    for point in NEAR[:2]:
        await sharing_request(client, session, point, category_id=colf)

    response = await client.get(SUGGESTIONS_URL, params={"limit": 1}, headers=auth_headers(hood.operator))

    body = response.json()
    assert body["total"] == 2
    assert len(body["items"]) == 1 and len(body["items"][0]["members"]) == 3
