"""Enrolment, the waitlist and promotion; who sees enrolments."""

import uuid

from sqlalchemy import select

from app.models import OutboxEvent
from tests.courses.conftest import COURSES_URL, enrol, post_course
from tests.factories import auth_headers, make_hub, make_hub_operator, make_user


async def citizens(session, n: int, tag: str = "c") -> list[dict[str, str]]:
    return [auth_headers(await make_user(session, email=f"{tag}{i}@example.org")) for i in range(n)]


async def test_a_citizen_enrols_and_holds_a_seat(client, as_citizen_a, course):
    response = await enrol(client, as_citizen_a, course["id"])

    assert response.status_code == 201
    assert response.json()["status"] == "enrolled"
    assert response.json()["waitlist_position"] is None


async def test_when_full_enrolment_goes_to_the_waitlist_in_order(client, session, course):
    people = await citizens(session, 5)

    responses = [await enrol(client, headers, course["id"]) for headers in people]

    assert [r.json()["status"] for r in responses] == ["enrolled"] * 3 + ["waitlisted"] * 2
    assert [r.json()["waitlist_position"] for r in responses[3:]] == [1, 2]


async def test_enrolling_twice_is_a_409(client, as_citizen_a, course):
    await enrol(client, as_citizen_a, course["id"])

    response = await enrol(client, as_citizen_a, course["id"])

    assert response.status_code == 409
    assert response.json()["code"] == "already_enrolled"


async def test_a_replayed_idempotency_key_returns_the_same_enrolment(client, as_citizen_a, course):
    headers = {**as_citizen_a, "Idempotency-Key": "enrol-once-1"}

    first = await enrol(client, headers, course["id"])
    second = await enrol(client, headers, course["id"])

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"


async def test_an_operator_cannot_enrol(client, as_operator, course):
    response = await enrol(client, as_operator, course["id"])

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_enrolling_in_a_cancelled_course_is_a_409(client, as_operator, as_citizen_a, course):
    await client.post(f"{COURSES_URL}/{course['id']}/cancel", headers=as_operator)

    response = await enrol(client, as_citizen_a, course["id"])

    assert response.status_code == 409
    assert response.json()["code"] == "course_not_open"


async def test_cancelling_a_seat_promotes_the_first_waiting_person(client, session, course):
    people = await citizens(session, 5)
    enrolments = [(await enrol(client, headers, course["id"])).json() for headers in people]

    response = await client.post(f"/v1/enrolments/{enrolments[1]['id']}/cancel", headers=people[1])

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    first_waiting = (await client.get(f"/v1/enrolments/{enrolments[3]['id']}", headers=people[3])).json()
    second_waiting = (await client.get(f"/v1/enrolments/{enrolments[4]['id']}", headers=people[4])).json()
    assert (first_waiting["status"], first_waiting["promoted_at"] is not None) == ("enrolled", True)
    assert (second_waiting["status"], second_waiting["waitlist_position"]) == ("waitlisted", 1)
    events = await session.scalars(
        select(OutboxEvent.type)
        .where(OutboxEvent.aggregate_id == uuid.UUID(course["id"]))
        .order_by(OutboxEvent.position)
    )
    assert list(events)[-2:] == ["course.enrolment.cancelled", "course.enrolment.promoted"]


async def test_cancelling_a_waitlist_place_promotes_nobody_and_closes_the_gap(client, session, course):
    people = await citizens(session, 6)
    enrolments = [(await enrol(client, headers, course["id"])).json() for headers in people]

    await client.post(f"/v1/enrolments/{enrolments[3]['id']}/cancel", headers=people[3])

    listed = (await client.get("/v1/enrolments", headers=people[5])).json()["items"]
    detail = (await client.get(f"{COURSES_URL}/{course['id']}")).json()
    assert (listed[0]["status"], listed[0]["waitlist_position"]) == ("waitlisted", 2)  # was 3
    assert (detail["enrolled"], detail["waitlisted"]) == (3, 2)


async def test_raising_the_capacity_promotes_waiting_people(client, session, as_operator, course):
    people = await citizens(session, 5)
    enrolments = [(await enrol(client, headers, course["id"])).json() for headers in people]

    response = await client.patch(f"{COURSES_URL}/{course['id']}", json={"capacity": 4}, headers=as_operator)

    assert (response.json()["enrolled"], response.json()["waitlisted"]) == (4, 1)
    promoted = (await client.get(f"/v1/enrolments/{enrolments[3]['id']}", headers=people[3])).json()
    assert promoted["status"] == "enrolled"


async def test_cancelling_with_a_stale_if_match_returns_412(client, as_citizen_a, course):
    enrolment = (await enrol(client, as_citizen_a, course["id"])).json()

    response = await client.post(
        f"/v1/enrolments/{enrolment['id']}/cancel", headers={**as_citizen_a, "If-Match": '"99"'}
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"


async def test_cancelling_twice_is_a_409(client, as_citizen_a, course):
    enrolment = (await enrol(client, as_citizen_a, course["id"])).json()
    await client.post(f"/v1/enrolments/{enrolment['id']}/cancel", headers=as_citizen_a)

    response = await client.post(f"/v1/enrolments/{enrolment['id']}/cancel", headers=as_citizen_a)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "cancelled"


async def test_another_citizens_enrolment_is_a_404(client, as_citizen_a, as_citizen_b, course):
    enrolment = (await enrol(client, as_citizen_a, course["id"])).json()

    read = await client.get(f"/v1/enrolments/{enrolment['id']}", headers=as_citizen_b)
    cancel = await client.post(f"/v1/enrolments/{enrolment['id']}/cancel", headers=as_citizen_b)

    assert (read.status_code, cancel.status_code) == (404, 404)


async def test_the_hubs_operator_may_cancel_an_enrolment(client, as_operator, as_citizen_a, course):
    enrolment = (await enrol(client, as_citizen_a, course["id"])).json()

    response = await client.post(f"/v1/enrolments/{enrolment['id']}/cancel", headers=as_operator)

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    mine = await client.get(f"/v1/enrolments/{enrolment['id']}", headers=as_citizen_a)
    assert mine.json()["status"] == "cancelled"


async def test_operators_list_enrolments_with_identities_in_queue_order(client, session, as_operator, course):
    people = [await make_user(session, email=f"p{i}@example.org", full_name=f"Persona {i}") for i in range(4)]
    for person in people:
        await enrol(client, auth_headers(person), course["id"])

    response = await client.get(f"{COURSES_URL}/{course['id']}/enrolments", headers=as_operator)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["full_name"] for i in items] == [p.full_name for p in people]
    assert [i["status"] for i in items] == ["enrolled"] * 3 + ["waitlisted"]
    assert items[3]["waitlist_position"] == 1 and items[0]["email"] == "p0@example.org"


async def test_a_citizen_reading_a_courses_enrolments_gets_403(client, as_citizen_a, course):
    await enrol(client, as_citizen_a, course["id"])

    response = await client.get(f"{COURSES_URL}/{course['id']}/enrolments", headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_an_operator_of_another_hub_reading_enrolments_gets_403(client, session, course):
    stranger = await make_hub_operator(session, await make_hub(session, name="Spazio lontano"))

    response = await client.get(f"{COURSES_URL}/{course['id']}/enrolments", headers=auth_headers(stranger))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_my_enrolments_lists_only_my_own(client, session, as_citizen_a, as_citizen_b, as_operator, hub, course):
    other = await post_course(client, as_operator, hub.id, title="Risparmiare in famiglia")
    await enrol(client, as_citizen_a, course["id"])
    await enrol(client, as_citizen_a, other["id"])
    await enrol(client, as_citizen_b, course["id"])

    response = await client.get("/v1/enrolments", headers=as_citizen_a)

    assert response.status_code == 200
    assert sorted(i["course_id"] for i in response.json()["items"]) == sorted([course["id"], other["id"]])


async def test_one_enrolment_is_read_by_its_person_and_the_hubs_operators_only(
    client, session, as_citizen_a, as_citizen_b, as_operator, course
):
    enrolment = (await enrol(client, as_citizen_a, course["id"])).json()
    stranger = await make_hub_operator(session, await make_hub(session, name="Spazio lontano"))
    url = f"/v1/enrolments/{enrolment['id']}"

    own = await client.get(url, headers=as_citizen_a)
    by_operator = await client.get(url, headers=as_operator)
    by_other_citizen = await client.get(url, headers=as_citizen_b)
    by_other_hub = await client.get(url, headers=auth_headers(stranger))

    assert (own.status_code, by_operator.status_code) == (200, 200)
    assert (by_other_citizen.status_code, by_other_hub.status_code) == (404, 404)
