"""Community's lifecycle tables: each step of a course or a ride -> exactly these notifications.

Who is told, and why:
* A seat given at enrolment: the person gets `enrolment.confirmed`, though they acted themselves:
  it is the booking receipt (dates, place) people expect and keep. A place on the waitlist tells
  nobody (the response says so); the seat, when it frees, is `enrolment.promoted`.
* A seat freed (a cancellation, a raised capacity) promotes the head of the waitlist: they are told.
* The hub's operators cancelling someone's enrolment: the person is told; cancelling one's own is not.
* A course cancelled: everyone enrolled or waitlisted (not the cancelled, not the operator).
* Rides: the actor is never told of their own act; the other people of the ride are: the
  requester and the volunteer when a coordinator assigns, the requester when a volunteer claims,
  on a cancel the requester and the booked volunteer (if any), except whoever cancelled.
"""

from typing import Any

import httpx
import pytest

from app.models import Language, User
from tests.courses.conftest import COURSES_URL, course_body
from tests.factories import auth_headers, make_hub, make_hub_operator, make_user
from tests.initiatives.conftest import at, join, ride_body, verify_licence
from tests.notifications.lifecycle import Told, watch

# --- courses ---------------------------------------------------------------------------------------------


@pytest.fixture
async def hub(session):
    return await make_hub(session, name="Spazio WeMi notifiche")


@pytest.fixture
async def operator(session, hub):
    return await make_hub_operator(session, hub)


@pytest.fixture
async def people(session) -> list[User]:
    return [await make_user(session) for _ in range(4)]


async def new_course(client: httpx.AsyncClient, operator: User, hub_id: Any, capacity: int) -> dict[str, Any]:
    response = await client.post(
        COURSES_URL, json=course_body(hub_id, capacity=capacity), headers=auth_headers(operator)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def enrol(client: httpx.AsyncClient, person: User, course_id: str) -> dict[str, Any]:
    response = await client.post(f"{COURSES_URL}/{course_id}/enrolments", headers=auth_headers(person))
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_place_on_the_waitlist_tells_nobody(client, session, operator, hub, people):
    course = await new_course(client, operator, hub.id, capacity=1)
    await enrol(client, people[1], course["id"])

    async with watch(session) as told:
        queued = await enrol(client, people[0], course["id"])

    assert queued["status"] == "waitlisted"
    await told.exactly()


async def test_enrolling_with_a_free_seat_sends_the_receipt(client, session, operator, hub, people):
    course = await new_course(client, operator, hub.id, capacity=2)

    async with watch(session) as told:
        enrolment = await enrol(client, people[0], course["id"])

    await told.exactly(Told(people[0], "enrolment.confirmed", enrolment["id"], "it"), client=client)
    assert told.data(people[0], "enrolment.confirmed") == {
        "course_id": course["id"],
        "hub_id": str(hub.id),
        "title": course["title"],
        "starts_at": told.data(people[0], "enrolment.confirmed")["starts_at"],
    }


# (who cancels the seat holder's enrolment, what the seat holder is told)
CANCELLERS = [("the person", None), ("the operator", "enrolment.cancelled")]


@pytest.mark.parametrize(("canceller", "holder_told"), CANCELLERS)
async def test_a_freed_seat_promotes_the_head_of_the_waitlist(
    client, session, operator, hub, people, canceller, holder_told
):
    course = await new_course(client, operator, hub.id, capacity=1)
    holder, head, second = people[0], people[1], people[2]
    seat = await enrol(client, holder, course["id"])
    promoted = await enrol(client, head, course["id"])
    await enrol(client, second, course["id"])
    acting = holder if canceller == "the person" else operator

    async with watch(session) as told:
        response = await client.post(f"/v1/enrolments/{seat['id']}/cancel", headers=auth_headers(acting))

    assert response.status_code == 200, response.text
    expected = [Told(head, "enrolment.promoted", subject_id=promoted["id"])]
    if holder_told:
        expected.append(Told(holder, holder_told, subject_id=seat["id"]))
    await told.exactly(*expected)


async def test_raising_the_capacity_promotes_and_tells_the_waiting(client, session, operator, hub, people):
    course = await new_course(client, operator, hub.id, capacity=1)
    await enrol(client, people[0], course["id"])
    first = await enrol(client, people[1], course["id"])
    second = await enrol(client, people[2], course["id"])
    still_waiting = await enrol(client, people[3], course["id"])  # noqa: F841 - stays on the waitlist

    async with watch(session) as told:
        response = await client.patch(
            f"{COURSES_URL}/{course['id']}",
            json={"capacity": 3},
            headers={**auth_headers(operator), "If-Match": f'"{course["version"]}"'},
        )

    assert response.status_code == 200, response.text
    await told.exactly(
        Told(people[1], "enrolment.promoted", subject_id=first["id"]),
        Told(people[2], "enrolment.promoted", subject_id=second["id"]),
    )


async def test_a_cancelled_course_tells_everyone_enrolled_or_waiting(client, session, operator, hub, people):
    course = await new_course(client, operator, hub.id, capacity=2)
    for person in people[:3]:
        await enrol(client, person, course["id"])
    gone = await enrol(client, people[3], course["id"])
    left = await client.post(f"/v1/enrolments/{gone['id']}/cancel", headers=auth_headers(people[3]))
    assert left.status_code == 200, left.text

    async with watch(session) as told:
        response = await client.post(
            f"{COURSES_URL}/{course['id']}/cancel",
            headers={**auth_headers(operator), "If-Match": f'"{course["version"]}"'},
        )

    assert response.status_code == 200, response.text
    await told.exactly(*(Told(person, "course.cancelled", subject_id=course["id"]) for person in people[:3]))


# --- rides -------------------------------------------------------------------------------------------------


@pytest.fixture
async def coordinator(session, hub):
    return await make_hub_operator(session, hub)


@pytest.fixture
async def initiative(client, coordinator, hub) -> dict[str, Any]:
    response = await client.post(
        "/v1/initiatives",
        json={"hub_id": str(hub.id), "title": "Accompagnamento solidale", "description": "Pensionati al volante."},
        headers=auth_headers(coordinator),
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def driver(session) -> User:
    return await make_user(session, full_name="Dario Driver", preferred_language=Language.en)


@pytest.fixture
async def volunteer(client, driver, coordinator, initiative) -> dict[str, Any]:
    joined = await join(client, auth_headers(driver), initiative["id"])
    return await verify_licence(client, auth_headers(driver), auth_headers(coordinator), joined["id"])


@pytest.fixture
async def requester(session) -> User:
    return await make_user(session, full_name="Rita Requester")


async def ask(client: httpx.AsyncClient, requester: User, initiative: dict[str, Any], days: int = 3) -> dict[str, Any]:
    response = await client.post(
        f"/v1/initiatives/{initiative['id']}/rides", json=ride_body(at(days, 9)), headers=auth_headers(requester)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_asking_for_a_ride_tells_nobody(client, session, requester, initiative, volunteer):
    async with watch(session) as told:
        await ask(client, requester, initiative)

    await told.exactly()


async def test_a_coordinator_assigning_tells_the_requester_and_the_volunteer(
    client, session, requester, coordinator, driver, initiative, volunteer
):
    ride = await ask(client, requester, initiative)

    async with watch(session) as told:
        response = await client.post(
            f"/v1/rides/{ride['id']}/assign", json={"volunteer_id": volunteer["id"]}, headers=auth_headers(coordinator)
        )

    assert response.status_code == 200, response.text
    await told.exactly(
        Told(requester, "ride.assigned", ride["id"], "it"),
        Told(driver, "ride.assigned", ride["id"], "en"),
        client=client,
    )
    assert set(told.data(driver, "ride.assigned")) == {"initiative_id", "status", "starts_at", "ends_at"}


async def test_a_volunteer_claiming_tells_the_requester(client, session, requester, driver, initiative, volunteer):
    ride = await ask(client, requester, initiative)

    async with watch(session) as told:
        response = await client.post(f"/v1/rides/{ride['id']}/claim", headers=auth_headers(driver))

    assert response.status_code == 200, response.text
    await told.exactly(Told(requester, "ride.claimed", subject_id=ride["id"]))


# (ride booked before the cancel?, who cancels, who is told)
CANCELS = [
    (False, "requester", []),
    (False, "coordinator", ["requester"]),
    (True, "requester", ["driver"]),
    (True, "coordinator", ["requester", "driver"]),
]


@pytest.mark.parametrize(("booked", "canceller", "told_names"), CANCELS)
async def test_a_cancelled_ride_tells_the_others_of_the_ride(
    client, session, requester, coordinator, driver, initiative, volunteer, booked, canceller, told_names
):
    ride = await ask(client, requester, initiative)
    if booked:
        claimed = await client.post(f"/v1/rides/{ride['id']}/claim", headers=auth_headers(driver))
        assert claimed.status_code == 200, claimed.text
    people = {"requester": requester, "coordinator": coordinator, "driver": driver}

    async with watch(session) as told:
        response = await client.post(
            f"/v1/rides/{ride['id']}/cancel", json={"reason": "Stiamo meglio"}, headers=auth_headers(people[canceller])
        )

    assert response.status_code == 200, response.text
    await told.exactly(*(Told(people[name], "ride.cancelled", subject_id=ride["id"]) for name in told_names))


async def test_a_refused_claim_tells_nobody(client, session, requester, driver, initiative, volunteer):
    ride = await ask(client, requester, initiative)

    async with watch(session) as told:
        response = await client.post(f"/v1/rides/{ride['id']}/claim", headers=auth_headers(requester))

    assert response.status_code == 404
    assert response.json()["code"] == "ride_not_found"
    await told.exactly()
