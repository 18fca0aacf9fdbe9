"""Hubs: public reads, admin-managed changes and operators, and the needs of a hub's zones."""

from datetime import UTC, datetime, timedelta

import pytest

from app.models import DemandRequest, Role
from app.models import ZoneKind as K
from app.seed.reference import category_id, zone_id
from tests.demand.conftest import post_request, slot
from tests.factories import auth_headers, make_hub, make_hub_operator, make_user

HUBS_URL = "/v1/hubs"
NIL_22 = zone_id(K.nil, 22)
NIL_21 = zone_id(K.nil, 21)
MUNICIPIO_3 = zone_id(K.municipio, 3)
TATA = category_id("tata-babysitter")
COLF = category_id("colf")


def hub_body(**overrides):
    body = {
        "name": "Spazio WeMi Città Studi",
        "address": {"street": "via Pascoli 20", "postcode": "20133"},
        "point": {"lat": 45.4781, "lon": 9.2265},
        "zone_ids": [str(NIL_22), str(NIL_21)],
        "opening_hours": [slot("tue", "09:00", "13:00"), slot("thu", "14:00", "18:00")],
        "phone": "+39 02 1234567",
        "email": "cittastudi@wemi.example.org",
    }
    body.update(overrides)
    return body


async def test_admin_creates_a_hub_placed_in_its_nil_with_the_zones_it_serves(client, as_admin):
    response = await client.post(HUBS_URL, json=hub_body(), headers=as_admin)

    assert response.status_code == 201, response.text
    hub = response.json()
    assert hub["nil_id"] == str(NIL_22)
    assert sorted(hub["zone_ids"]) == sorted([str(NIL_22), str(NIL_21)])
    assert hub["opening_hours"][0] == slot("tue", "09:00", "13:00")
    assert response.headers["etag"] == f'"{hub["version"]}"'


async def test_a_municipio_among_zone_ids_stands_for_all_its_nils(client, as_admin):
    response = await client.post(HUBS_URL, json=hub_body(zone_ids=[str(MUNICIPIO_3)]), headers=as_admin)

    assert response.status_code == 201
    assert len(response.json()["zone_ids"]) > 1
    assert str(MUNICIPIO_3) not in response.json()["zone_ids"]


@pytest.mark.parametrize(
    ("override", "pointer", "code"),
    [
        ({"point": {"lat": 41.9, "lon": 12.5}}, "/point", "validation_error"),  # Rome
        ({"zone_ids": ["00000000-0000-0000-0000-000000000001"]}, "/zone_ids", "unknown_zones"),
        (
            {"opening_hours": [slot("tue", "09:00", "13:00"), slot("tue", "12:00", "14:00")]},
            "/opening_hours/1",
            "validation_error",
        ),
    ],
    ids=["outside-milan", "unknown-zone", "overlapping-hours"],
)
async def test_bad_hub_input_is_a_422_pointing_at_the_field(client, as_admin, override, pointer, code):
    response = await client.post(HUBS_URL, json=hub_body(**override), headers=as_admin)

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["errors"][0]["pointer"] == pointer


async def test_hub_names_are_unique_case_insensitively(client, session, as_admin):
    await make_hub(session, name="Spazio WeMi Città Studi")

    response = await client.post(HUBS_URL, json=hub_body(name="spazio wemi città studi"), headers=as_admin)

    assert response.status_code == 409
    assert response.json()["code"] == "hub_name_taken"


async def test_only_admins_create_hubs(client, session, as_citizen_a):
    operator = await make_hub_operator(session)

    as_operator = await client.post(HUBS_URL, json=hub_body(), headers=auth_headers(operator))
    as_citizen = await client.post(HUBS_URL, json=hub_body(), headers=as_citizen_a)
    anonymous = await client.post(HUBS_URL, json=hub_body())

    assert (as_operator.status_code, as_citizen.status_code, anonymous.status_code) == (403, 403, 401)


async def test_anyone_lists_hubs_serving_a_zone(client, session):
    serving = await make_hub(session, name="A serving 22", nil_codes=(22,))
    await make_hub(session, name="B serving 76", nil_codes=(76,))

    response = await client.get(HUBS_URL, params={"zone_id": str(NIL_22)})

    assert response.status_code == 200
    assert [hub["id"] for hub in response.json()["items"]] == [str(serving.id)]


async def test_an_operator_lists_the_hubs_they_work_at(client, session):
    mine = await make_hub(session, name="Mine")
    await make_hub(session, name="Not mine")
    operator = await make_hub_operator(session, mine)

    response = await client.get(HUBS_URL, params={"operated_by_me": "true"}, headers=auth_headers(operator))
    anonymous = await client.get(HUBS_URL, params={"operated_by_me": "true"})

    assert [hub["name"] for hub in response.json()["items"]] == ["Mine"]
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"


async def test_update_needs_a_fresh_etag_and_replaces_the_zones(client, session, as_admin):
    hub = await make_hub(session, nil_codes=(22,))
    url = f"{HUBS_URL}/{hub.id}"
    etag = (await client.get(url)).headers["etag"]

    updated = await client.patch(url, json={"zone_ids": [str(NIL_21)]}, headers=as_admin | {"If-Match": etag})
    stale = await client.patch(url, json={"phone": "+39 02 7654321"}, headers=as_admin | {"If-Match": etag})

    assert updated.status_code == 200
    assert updated.json()["zone_ids"] == [str(NIL_21)]
    assert updated.json()["version"] > int(etag.strip('"'))
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"


async def test_admin_manages_operators_and_only_hub_operator_accounts_qualify(client, session, as_admin):
    hub = await make_hub(session)
    operator = await make_hub_operator(session)
    citizen = await make_user(session)
    url = f"{HUBS_URL}/{hub.id}/operators"

    added = await client.post(url, json={"user_id": str(operator.id)}, headers=as_admin)
    again = await client.post(url, json={"user_id": str(operator.id)}, headers=as_admin)
    wrong_role = await client.post(url, json={"user_id": str(citizen.id)}, headers=as_admin)
    listed = await client.get(url, headers=auth_headers(operator))
    removed = await client.delete(f"{url}/{operator.id}", headers=as_admin)
    removed_again = await client.delete(f"{url}/{operator.id}", headers=as_admin)

    assert added.status_code == 201 and again.status_code == 201
    assert wrong_role.status_code == 422 and wrong_role.json()["code"] == "not_a_hub_operator"
    assert [op["user_id"] for op in listed.json()] == [str(operator.id)]
    assert removed.status_code == 204 and removed_again.status_code == 404


async def test_operators_of_another_hub_and_citizens_cannot_read_a_hubs_operators(client, session, as_citizen_a):
    hub, other = await make_hub(session), await make_hub(session)
    stranger = await make_hub_operator(session, other)

    by_stranger = await client.get(f"{HUBS_URL}/{hub.id}/operators", headers=auth_headers(stranger))
    by_citizen = await client.get(f"{HUBS_URL}/{hub.id}/operators", headers=as_citizen_a)

    assert by_stranger.status_code == 403 and by_citizen.status_code == 403


# --- needs -----------------------------------------------------------------------------------------


async def _citizens_post(client, session, count, **overrides):
    for _ in range(count):
        citizen = await make_user(session)
        await post_request(client, auth_headers(citizen), **overrides)


async def test_operators_read_exact_needs_by_category_nil_day_and_band(client, session):
    hub = await make_hub(session, nil_codes=(22,))
    operator = await make_hub_operator(session, hub)
    await _citizens_post(client, session, 2, open_to_sharing=True)  # tue+thu 16-19: afternoon and evening
    await _citizens_post(client, session, 1, schedule=[slot("mon", "08:00", "10:00")])
    await _citizens_post(client, session, 1, point={"lat": 45.4856, "lon": 9.1416})  # elsewhere in Milan

    response = await client.get(f"{HUBS_URL}/{hub.id}/needs", headers=auth_headers(operator))

    assert response.status_code == 200, response.text
    needs = response.json()
    assert needs["open_requests"] == 3 and needs["open_to_sharing"] == 2
    cells = {(c["day"], c["band"]): (c["requests"], c["open_to_sharing"]) for c in needs["cells"]}
    assert cells == {
        ("mon", "morning"): (1, 0),
        ("tue", "afternoon"): (2, 2),
        ("tue", "evening"): (2, 2),
        ("thu", "afternoon"): (2, 2),
        ("thu", "evening"): (2, 2),
    }
    assert {c["nil_id"] for c in needs["cells"]} == {str(NIL_22)}


async def test_needs_can_be_narrowed_to_a_category(client, session):
    hub = await make_hub(session, nil_codes=(22,))
    operator = await make_hub_operator(session, hub)
    await _citizens_post(client, session, 1)

    response = await client.get(
        f"{HUBS_URL}/{hub.id}/needs", params={"category_id": str(COLF)}, headers=auth_headers(operator)
    )

    assert response.json()["open_requests"] == 0 and response.json()["cells"] == []


async def test_expired_requests_are_not_needs(client, session):
    hub = await make_hub(session, nil_codes=(22,))
    operator = await make_hub_operator(session, hub)
    citizen = await make_user(session)
    request = await post_request(client, auth_headers(citizen))
    row = await session.get(DemandRequest, request["id"])
    row.valid_until = datetime.now(UTC) - timedelta(minutes=1)
    await session.flush()

    response = await client.get(f"{HUBS_URL}/{hub.id}/needs", headers=auth_headers(operator))

    assert response.json()["open_requests"] == 0


async def test_non_operators_cannot_read_a_hubs_exact_needs(client, session, as_citizen_a):
    hub, other = await make_hub(session), await make_hub(session)
    stranger = await make_hub_operator(session, other)
    provider_staff = await make_user(session, role=Role.provider_staff)

    responses = [
        await client.get(f"{HUBS_URL}/{hub.id}/needs", headers=headers)
        for headers in (auth_headers(stranger), as_citizen_a, auth_headers(provider_staff))
    ]
    anonymous = await client.get(f"{HUBS_URL}/{hub.id}/needs")

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"


async def test_admins_read_any_hubs_needs(client, session, as_admin):
    hub = await make_hub(session)

    response = await client.get(f"{HUBS_URL}/{hub.id}/needs", headers=as_admin)

    assert response.status_code == 200


async def test_public_needs_leave_out_cells_under_three_requests_and_small_sharing_counts(client, session):
    hub = await make_hub(session, nil_codes=(22,))
    await _citizens_post(client, session, 3)  # tue/thu afternoon/evening: 3 each, none sharing
    await _citizens_post(client, session, 1, open_to_sharing=True, schedule=[slot("tue", "17:00", "18:00")])
    await _citizens_post(client, session, 2, schedule=[slot("mon", "08:00", "10:00")])

    response = await client.get(f"{HUBS_URL}/{hub.id}/needs/public")

    assert response.status_code == 200
    body = response.json()
    cells = {(c["day"], c["band"]): (c["requests"], c["open_to_sharing"]) for c in body["cells"]}
    assert cells == {
        ("tue", "afternoon"): (4, 0),  # one of the four is open to sharing: too few to publish
        ("tue", "evening"): (3, 0),
        ("thu", "afternoon"): (3, 0),
        ("thu", "evening"): (3, 0),
    }
    assert body["suppressed_cells"] == 1 and body["min_cell_count"] == 3
    assert "open_requests" not in body


async def test_needs_of_an_unknown_hub_are_a_404(client):
    response = await client.get(f"{HUBS_URL}/00000000-0000-0000-0000-000000000001/needs/public")

    assert response.status_code == 404
    assert response.json()["code"] == "hub_not_found"
