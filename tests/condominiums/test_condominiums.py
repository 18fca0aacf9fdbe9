"""Condominiums: operators enrol buildings; residents join by code or by approval; privacy of details."""

import pytest

from app.models import Role
from app.models import ZoneKind as K
from app.seed.reference import zone_id
from tests.factories import auth_headers, make_hub, make_hub_operator, make_user

URL = "/v1/condominiums"
JOIN_URL = "/v1/condominium-memberships"
NIL_22 = zone_id(K.nil, 22)


def building(hub_id, **overrides):
    body = {
        "name": "Condominio Pascoli 12",
        "address": {"street": "via Giovanni Pascoli 12", "postcode": "20133"},
        "point": {"lat": 45.4781, "lon": 9.2265},
        "hub_id": str(hub_id),
        "administrator": {"name": "Studio Rossi", "email": "amministrazione@rossi.example.org"},
    }
    body.update(overrides)
    return body


@pytest.fixture
async def hub(session):
    return await make_hub(session, nil_codes=(22,))


@pytest.fixture
async def operator(session, hub):
    return await make_hub_operator(session, hub)


@pytest.fixture
async def condominium(client, hub, operator):
    response = await client.post(URL, json=building(hub.id), headers=auth_headers(operator))
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_operator_enrols_a_building_placed_in_its_nil_with_a_join_code(condominium, hub):
    assert condominium["nil_id"] == str(NIL_22)
    assert condominium["hub_id"] == str(hub.id)
    assert len(condominium["join_code"]) == 8
    assert condominium["administrator"]["name"] == "Studio Rossi"
    assert condominium["residents"] == 0


async def test_only_operators_of_the_hub_or_admins_enrol_buildings(client, session, hub, as_citizen_a, as_admin):
    stranger = await make_hub_operator(session, await make_hub(session))

    by_stranger = await client.post(URL, json=building(hub.id), headers=auth_headers(stranger))
    by_citizen = await client.post(URL, json=building(hub.id), headers=as_citizen_a)
    by_admin = await client.post(URL, json=building(hub.id), headers=as_admin)

    assert (by_stranger.status_code, by_citizen.status_code, by_admin.status_code) == (403, 403, 201)


async def test_a_building_outside_milan_is_a_422(client, hub, operator):
    response = await client.post(
        URL, json=building(hub.id, point={"lat": 45.07, "lon": 7.68}), headers=auth_headers(operator)
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/point"


async def test_a_citizen_joins_with_the_code_and_then_sees_the_private_details(
    client, condominium, as_citizen_a, as_citizen_b
):
    before = await client.get(f"{URL}/{condominium['id']}", headers=as_citizen_a)

    joined = await client.post(JOIN_URL, json={"join_code": condominium["join_code"].lower()}, headers=as_citizen_a)
    after = await client.get(f"{URL}/{condominium['id']}", headers=as_citizen_a)
    neighbour = await client.get(f"{URL}/{condominium['id']}", headers=as_citizen_b)

    assert before.json()["join_code"] is None and before.json()["administrator"] is None
    assert joined.status_code == 201 and joined.json()["status"] == "approved"
    assert after.json()["join_code"] == condominium["join_code"]
    assert after.json()["my_membership"] == "approved" and after.json()["residents"] == 1
    assert neighbour.json()["join_code"] is None


async def test_a_wrong_code_is_a_404_and_joining_twice_a_409(client, condominium, as_citizen_a):
    wrong = await client.post(JOIN_URL, json={"join_code": "AAAAAAAA"}, headers=as_citizen_a)
    await client.post(JOIN_URL, json={"join_code": condominium["join_code"]}, headers=as_citizen_a)
    twice = await client.post(JOIN_URL, json={"join_code": condominium["join_code"]}, headers=as_citizen_a)

    assert wrong.status_code == 404 and wrong.json()["code"] == "join_code_invalid"
    assert twice.status_code == 409 and twice.json()["code"] == "already_resident"


async def test_only_citizens_join(client, session, condominium):
    worker = await make_user(session, role=Role.worker)

    response = await client.post(JOIN_URL, json={"join_code": condominium["join_code"]}, headers=auth_headers(worker))

    assert response.status_code == 403
    assert response.json()["code"] == "citizens_only"


async def test_asking_to_join_waits_for_an_operator_of_the_hub(client, session, condominium, operator, citizen_a):
    asked = await client.post(f"{URL}/{condominium['id']}/membership", headers=auth_headers(citizen_a))
    pending_view = await client.get(f"{URL}/{condominium['id']}", headers=auth_headers(citizen_a))
    stranger = await make_hub_operator(session, await make_hub(session))
    by_stranger = await client.post(
        f"{URL}/{condominium['id']}/residents/{citizen_a.id}/approve", headers=auth_headers(stranger)
    )
    approved = await client.post(
        f"{URL}/{condominium['id']}/residents/{citizen_a.id}/approve", headers=auth_headers(operator)
    )
    residents = await client.get(f"{URL}/{condominium['id']}/residents", headers=auth_headers(operator))

    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    assert pending_view.json()["join_code"] is None
    assert by_stranger.status_code == 403
    assert by_stranger.json()["code"] == "forbidden"
    assert approved.json()["status"] == "approved"
    assert [(r["citizen_id"], r["status"]) for r in residents.json()] == [(str(citizen_a.id), "approved")]


async def test_citizens_cannot_read_the_residents(client, condominium, as_citizen_a):
    await client.post(JOIN_URL, json={"join_code": condominium["join_code"]}, headers=as_citizen_a)

    response = await client.get(f"{URL}/{condominium['id']}/residents", headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_rotating_the_code_stops_the_old_one(client, condominium, operator, as_citizen_a):
    rotated = await client.post(f"{URL}/{condominium['id']}/join-code", headers=auth_headers(operator))

    old = await client.post(JOIN_URL, json={"join_code": condominium["join_code"]}, headers=as_citizen_a)

    assert rotated.json()["join_code"] != condominium["join_code"]
    assert old.status_code == 404
    assert old.json()["code"] == "join_code_invalid"


async def test_a_resident_leaves(client, condominium, as_citizen_a):
    await client.post(JOIN_URL, json={"join_code": condominium["join_code"]}, headers=as_citizen_a)

    left = await client.delete(f"{URL}/{condominium['id']}/membership", headers=as_citizen_a)
    again = await client.delete(f"{URL}/{condominium['id']}/membership", headers=as_citizen_a)
    mine = await client.get(URL, params={"mine": "true"}, headers=as_citizen_a)

    assert left.status_code == 204 and again.status_code == 404
    assert mine.json()["items"] == []


async def test_update_needs_a_fresh_etag(client, condominium, operator):
    url = f"{URL}/{condominium['id']}"
    headers = auth_headers(operator)

    first = await client.patch(url, json={"name": "Condominio Pascoli"}, headers=headers | {"If-Match": '"1"'})
    stale = await client.patch(url, json={"name": "Altro"}, headers=headers | {"If-Match": '"1"'})

    assert first.status_code == 200 and first.json()["name"] == "Condominio Pascoli"
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"


PRIVATE = ("address", "point", "residents", "administrator", "join_code")


@pytest.mark.parametrize("who", ["provider_staff", "other_hub_operator", "citizen", "pending_citizen", "worker"])
async def test_outsiders_see_a_building_by_name_and_nil_without_street_point_or_resident_count(
    client, session, condominium, citizen_a, who
):
    await client.post(JOIN_URL, json={"join_code": condominium["join_code"]}, headers=auth_headers(citizen_a))
    if who == "other_hub_operator":
        viewer = await make_hub_operator(session, await make_hub(session, nil_codes=(76,)))
    else:
        role = {"provider_staff": Role.provider_staff, "worker": Role.worker}.get(who, Role.citizen)
        viewer = await make_user(session, role=role)
    if who == "pending_citizen":
        await client.post(f"{URL}/{condominium['id']}/membership", headers=auth_headers(viewer))

    one = await client.get(f"{URL}/{condominium['id']}", headers=auth_headers(viewer))
    listed = await client.get(URL, headers=auth_headers(viewer))

    (item,) = [c for c in listed.json()["items"] if c["id"] == condominium["id"]]
    for body in (one.json(), item):
        assert {field: body[field] for field in PRIVATE} == dict.fromkeys(PRIVATE)
        assert (body["name"], body["nil_id"]) == ("Condominio Pascoli 12", str(NIL_22))
    assert "via Giovanni" not in listed.text and "45.4781" not in listed.text


@pytest.mark.parametrize("who", ["resident", "operator", "admin"])
async def test_residents_the_hubs_operators_and_admins_see_street_point_and_resident_count(
    client, session, condominium, operator, citizen_a, who
):
    await client.post(JOIN_URL, json={"join_code": condominium["join_code"]}, headers=auth_headers(citizen_a))
    viewer = {"resident": citizen_a, "operator": operator}.get(who) or await make_user(session, role=Role.admin)

    response = await client.get(f"{URL}/{condominium['id']}", headers=auth_headers(viewer))

    body = response.json()
    assert body["address"] == {"street": "via Giovanni Pascoli 12", "postcode": "20133"}
    assert body["point"] == {"lat": 45.4781, "lon": 9.2265}
    assert body["residents"] == 1
