"""Rides: requested by citizens, assigned or claimed, completed or cancelled; who sees what."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from app.models import OutboxEvent, Ride
from tests.factories import auth_headers, make_hub, make_hub_operator, make_user
from tests.initiatives.conftest import at, join, request_ride, ride_body, verify_licence


async def events_of(session, ride_id: str) -> list[str]:
    stmt = select(OutboxEvent.type).where(OutboxEvent.aggregate_id == uuid.UUID(ride_id)).order_by(OutboxEvent.position)
    return list(await session.scalars(stmt))


async def test_a_citizen_requests_a_ride(client, session, as_citizen_a, initiative):
    response = await client.post(f"/v1/initiatives/{initiative['id']}/rides", json=ride_body(), headers=as_citizen_a)

    assert response.status_code == 201
    ride = response.json()
    assert (ride["status"], ride["assistance"], ride["volunteer"]) == ("requested", ["wheelchair"], None)
    assert await events_of(session, ride["id"]) == ["ride.requested"]


async def test_a_ride_in_the_past_is_a_422(client, as_citizen_a, initiative):
    body = ride_body(starts=datetime.now(UTC) - timedelta(hours=3))

    response = await client.post(f"/v1/initiatives/{initiative['id']}/rides", json=body, headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_an_unknown_assistance_kind_is_a_422(client, as_citizen_a, initiative):
    body = ride_body(assistance=["stretcher"])

    response = await client.post(f"/v1/initiatives/{initiative['id']}/rides", json=body, headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_notes_longer_than_500_characters_are_a_422(client, as_citizen_a, initiative):
    response = await client.post(
        f"/v1/initiatives/{initiative['id']}/rides", json=ride_body(notes="x" * 501), headers=as_citizen_a
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_a_replayed_idempotency_key_returns_the_same_ride(client, as_citizen_a, initiative):
    headers = {**as_citizen_a, "Idempotency-Key": "ride-1"}

    first = await client.post(f"/v1/initiatives/{initiative['id']}/rides", json=ride_body(), headers=headers)
    second = await client.post(f"/v1/initiatives/{initiative['id']}/rides", json=ride_body(), headers=headers)

    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"


async def test_another_citizens_ride_is_a_404(client, as_citizen_a, as_citizen_b, initiative):
    ride = await request_ride(client, as_citizen_a, initiative["id"])

    read = await client.get(f"/v1/rides/{ride['id']}", headers=as_citizen_b)
    cancel = await client.post(f"/v1/rides/{ride['id']}/cancel", json={}, headers=as_citizen_b)

    assert (read.status_code, cancel.status_code) == (404, 404)


async def test_an_operator_of_another_hub_cannot_read_a_ride(client, session, as_citizen_a, initiative):
    ride = await request_ride(client, as_citizen_a, initiative["id"])
    stranger = await make_hub_operator(session, await make_hub(session, name="Spazio lontano"))

    response = await client.get(f"/v1/rides/{ride['id']}", headers=auth_headers(stranger))

    assert response.status_code == 404
    assert response.json()["code"] == "ride_not_found"


async def test_a_non_volunteer_claiming_a_ride_gets_404(client, as_citizen_a, as_citizen_b, initiative):
    ride = await request_ride(client, as_citizen_a, initiative["id"])

    response = await client.post(f"/v1/rides/{ride['id']}/claim", headers=as_citizen_b)

    assert response.status_code == 404
    assert response.json()["code"] == "ride_not_found"


async def test_volunteers_see_waiting_rides_without_names_or_addresses(
    client, as_citizen_a, as_driver, driver_volunteer, initiative
):
    ride = await request_ride(client, as_citizen_a, initiative["id"])

    response = await client.get(f"/v1/initiatives/{initiative['id']}/open-rides", headers=as_driver)

    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["id"] == ride["id"] and item["pickup_nil_id"] is not None
    assert not {"pickup_address", "requester", "notes", "requester_id"} & set(item)


async def test_a_citizen_who_is_not_a_volunteer_cannot_list_waiting_rides(client, as_citizen_b, initiative):
    response = await client.get(f"/v1/initiatives/{initiative['id']}/open-rides", headers=as_citizen_b)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_verified_volunteer_claims_and_contacts_are_revealed_both_ways(
    client, session, as_citizen_a, citizen_a, as_driver, driver_volunteer, initiative
):
    ride = await request_ride(client, as_citizen_a, initiative["id"])
    assert ride["volunteer"] is None

    claimed = await client.post(
        f"/v1/rides/{ride['id']}/claim", headers={**as_driver, "If-Match": f'"{ride["version"]}"'}
    )

    assert claimed.status_code == 200
    assert claimed.json()["status"] == "assigned"
    assert claimed.json()["requester"]["full_name"] == citizen_a.full_name
    seen_by_requester = (await client.get(f"/v1/rides/{ride['id']}", headers=as_citizen_a)).json()
    assert seen_by_requester["volunteer"] == {
        "full_name": "Dario Driver",
        "email": "driver@example.org",
        "phone": "+39 333 1234567",
    }
    assert await events_of(session, ride["id"]) == ["ride.requested", "ride.claimed"]


async def test_claiming_with_a_stale_if_match_returns_412(
    client, as_citizen_a, as_driver, driver_volunteer, initiative
):
    ride = await request_ride(client, as_citizen_a, initiative["id"])

    response = await client.post(f"/v1/rides/{ride['id']}/claim", headers={**as_driver, "If-Match": '"77"'})

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"


async def test_a_volunteer_without_a_verified_licence_cannot_take_a_car_ride(
    client, as_citizen_a, as_citizen_b, initiative
):
    await join(client, as_citizen_b, initiative["id"])
    ride = await request_ride(client, as_citizen_a, initiative["id"])

    response = await client.post(f"/v1/rides/{ride['id']}/claim", headers=as_citizen_b)

    assert response.status_code == 409
    assert response.json()["code"] == "volunteer_not_qualified"


async def test_a_volunteer_without_a_licence_may_take_a_ride_without_a_car(
    client, as_citizen_a, as_citizen_b, initiative
):
    await join(client, as_citizen_b, initiative["id"])
    ride = await request_ride(client, as_citizen_a, initiative["id"], needs_car=False, assistance=["companion"])

    response = await client.post(f"/v1/rides/{ride['id']}/claim", headers=as_citizen_b)

    assert response.status_code == 200
    assert response.json()["status"] == "assigned"
    assert response.json()["volunteer_id"] is not None


async def test_a_licence_expiring_before_the_ride_ends_does_not_qualify(
    client, session, as_citizen_a, as_citizen_b, as_coordinator, initiative
):
    volunteer = await join(client, as_citizen_b, initiative["id"])
    declared = await client.post(
        f"/v1/volunteers/{volunteer['id']}/credentials", json={"kind": "driving_licence"}, headers=as_citizen_b
    )
    await client.post(
        f"/v1/volunteers/{volunteer['id']}/credentials/{declared.json()['credentials'][0]['id']}/decide",
        json={"outcome": "verified", "expires_at": at(2, 0).isoformat()},
        headers=as_coordinator,
    )
    ride = await request_ride(client, as_citizen_a, initiative["id"], starts=at(5, 9))

    response = await client.post(f"/v1/rides/{ride['id']}/claim", headers=as_citizen_b)

    assert response.status_code == 409
    assert response.json()["code"] == "volunteer_not_qualified"


async def test_the_coordinator_assigns_a_volunteer(
    client, session, as_citizen_a, as_coordinator, driver_volunteer, initiative
):
    ride = await request_ride(client, as_citizen_a, initiative["id"])

    response = await client.post(
        f"/v1/rides/{ride['id']}/assign", json={"volunteer_id": driver_volunteer["id"]}, headers=as_coordinator
    )

    assert response.status_code == 200
    assert response.json()["volunteer_id"] == driver_volunteer["id"]
    assert await events_of(session, ride["id"]) == ["ride.requested", "ride.assigned"]


async def test_a_citizen_assigning_a_ride_gets_403_or_404(client, as_citizen_a, driver_volunteer, initiative):
    ride = await request_ride(client, as_citizen_a, initiative["id"])

    response = await client.post(
        f"/v1/rides/{ride['id']}/assign", json={"volunteer_id": driver_volunteer["id"]}, headers=as_citizen_a
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_an_overlapping_second_booking_of_one_volunteer_is_a_409(
    client, as_citizen_a, as_citizen_b, as_coordinator, driver_volunteer, initiative
):
    first = await request_ride(client, as_citizen_a, initiative["id"], starts=at(3, 9))
    second = await request_ride(client, as_citizen_b, initiative["id"], starts=at(3, 10))
    assign = {"volunteer_id": driver_volunteer["id"]}
    await client.post(f"/v1/rides/{first['id']}/assign", json=assign, headers=as_coordinator)

    response = await client.post(f"/v1/rides/{second['id']}/assign", json=assign, headers=as_coordinator)

    assert response.status_code == 409
    assert response.json()["code"] == "volunteer_busy"


async def test_back_to_back_rides_do_not_overlap(
    client, as_citizen_a, as_citizen_b, as_driver, driver_volunteer, initiative
):
    first = await request_ride(client, as_citizen_a, initiative["id"], starts=at(3, 9))
    second = await request_ride(client, as_citizen_b, initiative["id"], starts=at(3, 11))
    await client.post(f"/v1/rides/{first['id']}/claim", headers=as_driver)

    response = await client.post(f"/v1/rides/{second['id']}/claim", headers=as_driver)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["volunteer_id"]) == ("assigned", driver_volunteer["id"])


async def test_a_booking_in_another_initiative_also_counts(
    client, session, as_citizen_a, as_citizen_b, as_driver, as_coordinator, driver_volunteer, initiative, hub
):
    other = await client.post(
        "/v1/initiatives", json={"hub_id": str(hub.id), "title": "Spesa a domicilio"}, headers=as_coordinator
    )
    other_volunteer = await join(client, as_driver, other.json()["id"])
    await verify_licence(client, as_driver, as_coordinator, other_volunteer["id"])
    first = await request_ride(client, as_citizen_a, initiative["id"], starts=at(3, 9))
    second = await request_ride(client, as_citizen_b, other.json()["id"], starts=at(3, 10))
    await client.post(f"/v1/rides/{first['id']}/claim", headers=as_driver)

    response = await client.post(f"/v1/rides/{second['id']}/claim", headers=as_driver)

    assert response.status_code == 409
    assert response.json()["code"] == "volunteer_busy"


async def test_the_volunteer_completes_a_started_ride(
    client, session, as_citizen_a, as_driver, driver_volunteer, initiative
):
    ride = await request_ride(client, as_citizen_a, initiative["id"])
    await client.post(f"/v1/rides/{ride['id']}/claim", headers=as_driver)
    began = datetime.now(UTC) - timedelta(hours=1)
    await session.execute(
        update(Ride).where(Ride.id == uuid.UUID(ride["id"])).values(starts_at=began, ends_at=began + timedelta(hours=2))
    )

    response = await client.post(f"/v1/rides/{ride['id']}/complete", headers=as_driver)

    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert (await events_of(session, ride["id"]))[-1] == "ride.completed"


async def test_completing_a_ride_before_it_starts_is_a_409(
    client, as_citizen_a, as_driver, driver_volunteer, initiative
):
    ride = await request_ride(client, as_citizen_a, initiative["id"])
    await client.post(f"/v1/rides/{ride['id']}/claim", headers=as_driver)

    response = await client.post(f"/v1/rides/{ride['id']}/complete", headers=as_driver)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


async def test_the_requester_cancels_and_the_volunteer_is_free_again(
    client, session, as_citizen_a, as_citizen_b, as_driver, driver_volunteer, initiative
):
    first = await request_ride(client, as_citizen_a, initiative["id"], starts=at(3, 9))
    await client.post(f"/v1/rides/{first['id']}/claim", headers=as_driver)

    cancelled = await client.post(
        f"/v1/rides/{first['id']}/cancel", json={"reason": "Visita rinviata"}, headers=as_citizen_a
    )

    assert (cancelled.status_code, cancelled.json()["status"], cancelled.json()["volunteer"]) == (
        200,
        "cancelled",
        None,
    )
    second = await request_ride(client, as_citizen_b, initiative["id"], starts=at(3, 9))
    assert (await client.post(f"/v1/rides/{second['id']}/claim", headers=as_driver)).status_code == 200
    assert (await events_of(session, first["id"]))[-1] == "ride.cancelled"


async def test_a_volunteer_booked_on_a_ride_cannot_leave(client, as_citizen_a, as_driver, driver_volunteer, initiative):
    ride = await request_ride(client, as_citizen_a, initiative["id"])
    await client.post(f"/v1/rides/{ride['id']}/claim", headers=as_driver)

    response = await client.post(f"/v1/volunteers/{driver_volunteer['id']}/leave", headers=as_driver)

    assert response.status_code == 409
    assert response.json()["code"] == "volunteer_has_rides"


async def test_my_rides_lists_rides_asked_and_driven(
    client, session, as_citizen_a, as_driver, driver_volunteer, initiative
):
    asked = await request_ride(client, as_citizen_a, initiative["id"])
    other = auth_headers(await make_user(session, email="terzo@example.org"))
    unrelated = await request_ride(client, other, initiative["id"], starts=at(6, 9))
    await client.post(f"/v1/rides/{asked['id']}/claim", headers=as_driver)

    mine = (await client.get("/v1/rides", headers=as_citizen_a)).json()["items"]
    driven = (await client.get("/v1/rides", headers=as_driver)).json()["items"]

    assert [r["id"] for r in mine] == [asked["id"]]
    assert [r["id"] for r in driven] == [asked["id"]]
    assert unrelated["id"] not in {r["id"] for r in driven}


async def test_coordinators_list_every_ride_with_requester_contacts(
    client, as_citizen_a, citizen_a, as_coordinator, initiative
):
    await request_ride(client, as_citizen_a, initiative["id"])

    response = await client.get(f"/v1/initiatives/{initiative['id']}/rides", headers=as_coordinator)

    assert response.status_code == 200
    assert [r["requester"]["email"] for r in response.json()["items"]] == [citizen_a.email]


async def test_a_citizen_listing_all_rides_of_an_initiative_gets_403(client, as_citizen_a, initiative):
    response = await client.get(f"/v1/initiatives/{initiative['id']}/rides", headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_cancelled_ride_shows_both_contacts_to_the_coordinators_only(
    client, as_citizen_a, citizen_a, as_driver, driver_volunteer, as_coordinator, initiative
):
    ride = await request_ride(client, as_citizen_a, initiative["id"])
    await client.post(f"/v1/rides/{ride['id']}/claim", headers=as_driver)
    await client.post(f"/v1/rides/{ride['id']}/cancel", json={}, headers=as_citizen_a)

    coordinator = (await client.get(f"/v1/rides/{ride['id']}", headers=as_coordinator)).json()
    requester = (await client.get(f"/v1/rides/{ride['id']}", headers=as_citizen_a)).json()
    (driver,) = (await client.get("/v1/rides", headers=as_driver)).json()["items"]

    assert (coordinator["requester"]["email"], coordinator["volunteer"]["email"]) == (
        citizen_a.email,
        "driver@example.org",
    )
    assert (requester["requester"]["email"], requester["volunteer"]) == (citizen_a.email, None)
    assert (driver["status"], driver["requester"], driver["volunteer"]) == ("cancelled", None, None)
