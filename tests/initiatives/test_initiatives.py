"""Initiatives and volunteers: who creates, who joins, who verifies documents."""

import uuid

from sqlalchemy import select

from app.models import OutboxEvent
from tests.factories import auth_headers, make_hub, make_hub_operator
from tests.initiatives.conftest import at, join, verify_licence


async def test_operator_creates_an_initiative_and_anyone_reads_it(client, hub, initiative):
    listed = await client.get("/v1/initiatives", params={"hub_id": str(hub.id)})
    detail = await client.get(f"/v1/initiatives/{initiative['id']}")

    assert [i["id"] for i in listed.json()["items"]] == [initiative["id"]]
    assert detail.status_code == 200
    assert detail.json()["volunteers"] == 0


async def test_a_citizen_creating_an_initiative_gets_403(client, as_citizen_a, hub):
    response = await client.post("/v1/initiatives", json={"hub_id": str(hub.id), "title": "Mia"}, headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_an_operator_of_another_hub_creating_an_initiative_gets_403(client, session, hub):
    stranger = await make_hub_operator(session, await make_hub(session, name="Spazio altro"))

    response = await client.post(
        "/v1/initiatives", json={"hub_id": str(hub.id), "title": "Altrui"}, headers=auth_headers(stranger)
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_citizen_joins_as_volunteer_and_the_event_is_written(client, session, as_citizen_a, initiative):
    volunteer = await join(client, as_citizen_a, initiative["id"])

    assert (volunteer["status"], volunteer["may_drive"]) == ("active", False)
    events = await session.scalars(
        select(OutboxEvent.type).where(OutboxEvent.aggregate_id == uuid.UUID(volunteer["id"]))
    )
    assert list(events) == ["volunteer.joined"]
    assert (await client.get(f"/v1/initiatives/{initiative['id']}")).json()["volunteers"] == 1


async def test_a_worker_may_volunteer(client, worker, initiative):
    response = await client.post(f"/v1/initiatives/{initiative['id']}/volunteers", headers=auth_headers(worker))

    assert response.status_code == 201
    assert response.json()["status"] == "active"
    assert (await client.get(f"/v1/initiatives/{initiative['id']}")).json()["volunteers"] == 1


async def test_joining_twice_is_a_409(client, as_citizen_a, initiative):
    await join(client, as_citizen_a, initiative["id"])

    response = await client.post(f"/v1/initiatives/{initiative['id']}/volunteers", headers=as_citizen_a)

    assert response.status_code == 409
    assert response.json()["code"] == "already_volunteering"


async def test_a_replayed_idempotency_key_on_join_returns_the_same_response(client, as_citizen_a, initiative):
    headers = {**as_citizen_a, "Idempotency-Key": "join-1"}

    first = await client.post(f"/v1/initiatives/{initiative['id']}/volunteers", headers=headers)
    second = await client.post(f"/v1/initiatives/{initiative['id']}/volunteers", headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"


async def test_a_verified_unexpired_licence_lets_a_volunteer_drive(client, as_citizen_a, as_coordinator, initiative):
    volunteer = await join(client, as_citizen_a, initiative["id"])

    verified = await verify_licence(client, as_citizen_a, as_coordinator, volunteer["id"])

    assert verified["may_drive"] is True
    assert verified["credentials"][0]["status"] == "verified"


async def test_a_declared_but_unchecked_licence_does_not_let_a_volunteer_drive(client, as_citizen_a, initiative):
    volunteer = await join(client, as_citizen_a, initiative["id"])

    response = await client.post(
        f"/v1/volunteers/{volunteer['id']}/credentials", json={"kind": "driving_licence"}, headers=as_citizen_a
    )

    assert response.status_code == 201
    assert response.json()["may_drive"] is False


async def test_verifying_without_a_future_expiry_is_a_422(client, as_citizen_a, as_coordinator, initiative):
    volunteer = await join(client, as_citizen_a, initiative["id"])
    declared = await client.post(
        f"/v1/volunteers/{volunteer['id']}/credentials", json={"kind": "insurance"}, headers=as_citizen_a
    )
    credential_id = declared.json()["credentials"][0]["id"]

    response = await client.post(
        f"/v1/volunteers/{volunteer['id']}/credentials/{credential_id}/decide",
        json={"outcome": "verified", "expires_at": at(-1, 0).isoformat()},
        headers=as_coordinator,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/expires_at"


async def test_a_volunteer_cannot_verify_their_own_licence(client, as_citizen_a, initiative):
    volunteer = await join(client, as_citizen_a, initiative["id"])
    declared = await client.post(
        f"/v1/volunteers/{volunteer['id']}/credentials", json={"kind": "driving_licence"}, headers=as_citizen_a
    )
    credential_id = declared.json()["credentials"][0]["id"]

    response = await client.post(
        f"/v1/volunteers/{volunteer['id']}/credentials/{credential_id}/decide",
        json={"outcome": "verified", "expires_at": at(300, 0).isoformat()},
        headers=as_citizen_a,
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_another_persons_volunteer_record_is_a_404(client, as_citizen_a, as_citizen_b, initiative):
    volunteer = await join(client, as_citizen_a, initiative["id"])

    response = await client.get(f"/v1/volunteers/{volunteer['id']}", headers=as_citizen_b)

    assert response.status_code == 404
    assert response.json()["code"] == "volunteer_not_found"


async def test_coordinators_list_volunteers_with_contacts(client, as_coordinator, driver, driver_volunteer, initiative):
    response = await client.get(f"/v1/initiatives/{initiative['id']}/volunteers", headers=as_coordinator)

    assert response.status_code == 200
    assert [(v["full_name"], v["phone"], v["may_drive"]) for v in response.json()["items"]] == [
        ("Dario Driver", "+39 333 1234567", True)
    ]


async def test_a_citizen_listing_volunteers_gets_403(client, as_citizen_a, initiative):
    response = await client.get(f"/v1/initiatives/{initiative['id']}/volunteers", headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_volunteer_leaves_with_if_match_and_a_stale_one_is_a_412(client, as_citizen_a, initiative):
    volunteer = await join(client, as_citizen_a, initiative["id"])

    stale = await client.post(f"/v1/volunteers/{volunteer['id']}/leave", headers={**as_citizen_a, "If-Match": '"42"'})
    fresh = await client.post(
        f"/v1/volunteers/{volunteer['id']}/leave", headers={**as_citizen_a, "If-Match": f'"{volunteer["version"]}"'}
    )

    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert (fresh.status_code, fresh.json()["status"]) == (200, "left")
