"""Courses: hub operators publish and manage them; anyone reads them."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.models import AuditEntry, OutboxEvent
from tests.courses.conftest import COURSES_URL, FINANCIAL_EDUCATION, course_body, enrol, future, post_course
from tests.factories import auth_headers, make_hub, make_hub_operator, make_user


async def test_operator_creates_a_published_course_spanning_its_sessions(client, as_operator, hub):
    response = await client.post(COURSES_URL, json=course_body(hub.id), headers=as_operator)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "published"
    assert (body["capacity"], body["enrolled"], body["waitlisted"], body["seats_left"]) == (3, 0, 0, 3)
    assert body["is_free"] is True
    assert len(body["sessions"]) == 3
    assert datetime.fromisoformat(body["starts_at"]) == future(10)
    assert datetime.fromisoformat(body["ends_at"]) == future(24) + timedelta(hours=2)
    assert response.headers["etag"] == f'"{body["version"]}"'


async def test_creating_a_course_writes_audit_and_outbox(client, session, as_operator, hub):
    course = await post_course(client, as_operator, hub.id)

    events = (
        await session.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id == uuid.UUID(course["id"])))
    ).all()
    audits = (await session.scalars(select(AuditEntry).where(AuditEntry.target_id == uuid.UUID(course["id"])))).all()
    assert [e.type for e in events] == ["course.created"]
    assert [a.action for a in audits] == ["course.created"]


async def test_a_priced_course_is_not_free(client, as_operator, hub):
    course = await post_course(client, as_operator, hub.id, price_cents=1500)

    assert (course["price_cents"], course["is_free"]) == (1500, False)


async def test_an_admin_may_create_a_course_at_any_hub(client, as_admin, hub):
    response = await client.post(COURSES_URL, json=course_body(hub.id), headers=as_admin)

    assert response.status_code == 201
    assert response.json()["hub_id"] == str(hub.id)
    assert (await client.get(f"{COURSES_URL}/{response.json()['id']}")).json()["status"] == "published"


async def test_a_citizen_creating_a_course_gets_403(client, as_citizen_a, hub):
    response = await client.post(COURSES_URL, json=course_body(hub.id), headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_an_operator_of_another_hub_creating_a_course_gets_403(client, session, hub):
    elsewhere = await make_hub_operator(session, await make_hub(session, name="Spazio altrove"))

    response = await client.post(COURSES_URL, json=course_body(hub.id), headers=auth_headers(elsewhere))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_course_in_an_area_instead_of_a_category_is_a_422(client, session, as_operator, hub):
    from app.seed.reference import category_id

    response = await client.post(
        COURSES_URL, json=course_body(hub.id, category_id=str(category_id("assistenza-domestica"))), headers=as_operator
    )

    assert response.status_code in (422,)
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/category_id"


async def test_a_session_in_the_past_is_a_422(client, as_operator, hub):
    past = datetime.now(UTC) - timedelta(days=1)
    sessions = [{"starts_at": past.isoformat(), "ends_at": (past + timedelta(hours=1)).isoformat()}]

    response = await client.post(COURSES_URL, json=course_body(hub.id, sessions=sessions), headers=as_operator)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/sessions/0/starts_at"


async def test_a_session_ending_before_it_starts_is_a_422(client, as_operator, hub):
    start = future(5)
    sessions = [{"starts_at": start.isoformat(), "ends_at": (start - timedelta(hours=1)).isoformat()}]

    response = await client.post(COURSES_URL, json=course_body(hub.id, sessions=sessions), headers=as_operator)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_a_session_without_an_offset_is_a_422(client, as_operator, hub):
    sessions = [{"starts_at": "2030-01-10T18:00:00", "ends_at": "2030-01-10T20:00:00"}]

    response = await client.post(COURSES_URL, json=course_body(hub.id, sessions=sessions), headers=as_operator)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_overlapping_sessions_are_a_422(client, as_operator, hub):
    start = future(5)
    sessions = [
        {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()},
        {"starts_at": (start + timedelta(hours=1)).isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat()},
    ]

    response = await client.post(COURSES_URL, json=course_body(hub.id, sessions=sessions), headers=as_operator)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/sessions/1/starts_at"


async def test_zero_capacity_is_a_422(client, as_operator, hub):
    response = await client.post(COURSES_URL, json=course_body(hub.id, capacity=0), headers=as_operator)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_anyone_lists_published_courses_filtered_by_hub_and_category(client, session, as_operator, hub):
    mine = await post_course(client, as_operator, hub.id)
    other_hub = await make_hub(session, name="Altro spazio")
    await post_course(client, auth_headers(await make_hub_operator(session, other_hub)), other_hub.id)

    response = await client.get(COURSES_URL, params={"hub_id": str(hub.id), "category_id": str(FINANCIAL_EDUCATION)})

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [mine["id"]]


async def test_the_public_list_leaves_out_cancelled_courses(client, as_operator, hub, course):
    await client.post(f"{COURSES_URL}/{course['id']}/cancel", headers=as_operator)

    published = await client.get(COURSES_URL, params={"hub_id": str(hub.id)})
    cancelled = await client.get(COURSES_URL, params={"hub_id": str(hub.id), "status": "cancelled"})

    assert published.json()["items"] == []
    assert [c["id"] for c in cancelled.json()["items"]] == [course["id"]]


async def test_anyone_reads_a_course_with_its_seat_counts(client, as_citizen_a, course):
    await enrol(client, as_citizen_a, course["id"])

    response = await client.get(f"{COURSES_URL}/{course['id']}")

    assert response.status_code == 200
    assert (response.json()["enrolled"], response.json()["seats_left"]) == (1, 2)


async def test_an_unknown_course_is_a_404(client):
    response = await client.get(f"{COURSES_URL}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.json()["code"] == "course_not_found"


async def test_operator_edits_a_course_with_if_match(client, as_operator, course):
    response = await client.patch(
        f"{COURSES_URL}/{course['id']}",
        json={"title": "Il bilancio di casa"},
        headers={**as_operator, "If-Match": f'"{course["version"]}"'},
    )

    assert response.status_code == 200
    assert response.json()["title"] == "Il bilancio di casa"
    assert response.json()["version"] == course["version"] + 1


async def test_editing_with_a_stale_if_match_returns_412(client, as_operator, course):
    response = await client.patch(
        f"{COURSES_URL}/{course['id']}",
        json={"title": "Il bilancio di casa"},
        headers={**as_operator, "If-Match": f'"{course["version"] + 3}"'},
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"


async def test_a_citizen_editing_a_course_gets_403(client, as_citizen_a, course):
    response = await client.patch(f"{COURSES_URL}/{course['id']}", json={"title": "Mio"}, headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_lowering_capacity_below_the_enrolled_is_a_409(client, session, as_operator, course):
    for n in range(2):
        await enrol(client, auth_headers(await make_user(session, email=f"low{n}@example.org")), course["id"])

    response = await client.patch(f"{COURSES_URL}/{course['id']}", json={"capacity": 1}, headers=as_operator)

    assert response.status_code == 409
    assert response.json()["code"] == "capacity_below_enrolled"


async def test_cancelling_a_course_cancels_its_enrolments(client, session, as_operator, as_citizen_a, course):
    enrolment = (await enrol(client, as_citizen_a, course["id"])).json()

    response = await client.post(f"{COURSES_URL}/{course['id']}/cancel", headers=as_operator)

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    mine = await client.get(f"/v1/enrolments/{enrolment['id']}", headers=as_citizen_a)
    assert mine.json()["status"] == "cancelled"


async def test_cancelling_a_cancelled_course_is_a_409(client, as_operator, course):
    await client.post(f"{COURSES_URL}/{course['id']}/cancel", headers=as_operator)

    response = await client.post(f"{COURSES_URL}/{course['id']}/cancel", headers=as_operator)

    assert response.status_code == 409
    assert response.json()["code"] == "course_not_open"
    assert response.json()["current_state"] == "cancelled"
