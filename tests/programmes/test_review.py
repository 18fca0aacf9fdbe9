"""The operators' review queue: who sees which application, approve and reject with If-Match."""

from tests.factories import auth_headers, make_user
from tests.programmes.conftest import APPLICATIONS_URL, NIL_40, apply, opened, verified_isee


async def needing_review(client, as_admin, headers, **programme_terms):
    programme = await opened(client, as_admin, isee_max_cents=2_500_000, **programme_terms)
    response = await apply(client, headers, programme["id"])
    assert response.json()["status"] == "needs_review", response.text
    return programme, response.json()


def if_match(body: dict) -> dict[str, str]:
    return {"If-Match": f'"{body["version"]}"'}


async def test_the_queue_shows_operators_their_nils_applications_only(
    client, session, as_admin, as_citizen_a, as_operator, other_operator
):
    _, application = await needing_review(client, as_admin, as_citizen_a)

    mine = await client.get(APPLICATIONS_URL, params={"status": "needs_review"}, headers=as_operator)
    theirs = await client.get(APPLICATIONS_URL, params={"status": "needs_review"}, headers=auth_headers(other_operator))
    read_by_other = await client.get(f"{APPLICATIONS_URL}/{application['id']}", headers=auth_headers(other_operator))
    read_by_mine = await client.get(f"{APPLICATIONS_URL}/{application['id']}", headers=as_operator)
    admin_list = await client.get(APPLICATIONS_URL, params={"status": "needs_review"}, headers=as_admin)

    assert [a["id"] for a in mine.json()["items"]] == [application["id"]]
    assert theirs.json()["items"] == []
    assert read_by_other.status_code == 404 and read_by_other.json()["code"] == "programme_application_not_found"
    assert read_by_mine.status_code == 200
    assert [a["id"] for a in admin_list.json()["items"]] == [application["id"]]


async def test_another_household_gets_404(client, as_admin, as_citizen_a, as_citizen_b):
    _, application = await needing_review(client, as_admin, as_citizen_a)

    read = await client.get(f"{APPLICATIONS_URL}/{application['id']}", headers=as_citizen_b)
    listed = await client.get(APPLICATIONS_URL, headers=as_citizen_b)

    assert read.status_code == 404 and read.json()["code"] == "programme_application_not_found"
    assert listed.json()["items"] == []


async def test_staff_reads_are_audited(client, session, as_admin, as_citizen_a, as_operator, operator):
    from sqlalchemy import select

    from app.models import AuditEntry

    _, application = await needing_review(client, as_admin, as_citizen_a)

    await client.get(f"{APPLICATIONS_URL}/{application['id']}", headers=as_operator)

    actors = await session.scalars(
        select(AuditEntry.actor_id).where(AuditEntry.action == "programme_application.read_by_staff")
    )
    assert list(actors) == [operator.id]


async def test_operator_approves_and_the_household_is_granted(
    client, session, as_admin, as_citizen_a, citizen_a, as_operator
):
    _, application = await needing_review(client, as_admin, as_citizen_a)

    response = await client.post(
        f"{APPLICATIONS_URL}/{application['id']}/approve",
        json={"reason": "Attestazione ISEE vista allo sportello: 12.000 €"},
        headers={**as_operator, **if_match(application)},
    )

    body = response.json()
    assert response.status_code == 200, response.text
    assert body["status"] == "granted" and body["grant"]["amount_cents"] == 100_000
    assert body["decision_reason"].startswith("Attestazione") and body["decided_at"] is not None


async def test_approving_with_a_stale_etag_is_412(client, as_admin, as_citizen_a, as_operator):
    _, application = await needing_review(client, as_admin, as_citizen_a)

    response = await client.post(
        f"{APPLICATIONS_URL}/{application['id']}/approve", json={}, headers={**as_operator, "If-Match": '"7"'}
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"


async def test_operator_of_another_nil_cannot_decide(client, as_admin, as_citizen_a, other_operator):
    _, application = await needing_review(client, as_admin, as_citizen_a)

    response = await client.post(
        f"{APPLICATIONS_URL}/{application['id']}/reject",
        json={"reason": "Non residente"},
        headers=auth_headers(other_operator),
    )

    assert response.status_code == 404
    assert response.json()["code"] == "programme_application_not_found"


async def test_citizen_cannot_approve_their_own_application(client, as_admin, as_citizen_a):
    _, application = await needing_review(client, as_admin, as_citizen_a)

    response = await client.post(f"{APPLICATIONS_URL}/{application['id']}/approve", json={}, headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_reject_needs_a_reason_and_ends_the_application(
    client, session, as_admin, as_citizen_a, citizen_a, as_operator
):
    _, application = await needing_review(client, as_admin, as_citizen_a)

    no_reason = await client.post(f"{APPLICATIONS_URL}/{application['id']}/reject", json={}, headers=as_operator)
    rejected = await client.post(
        f"{APPLICATIONS_URL}/{application['id']}/reject",
        json={"reason": "L'attestazione ISEE supera la soglia"},
        headers=as_operator,
    )
    again = await client.post(f"{APPLICATIONS_URL}/{application['id']}/approve", json={}, headers=as_operator)

    assert no_reason.status_code == 422 and no_reason.json()["code"] == "validation_error"
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision_reason"].startswith("L'attestazione")
    assert again.status_code == 409 and again.json()["current_state"] == "rejected"
    from tests.programmes.conftest import notification_kinds

    assert await notification_kinds(session, citizen_a.id) == ["programme_application.decided"]


async def test_bands_without_a_verified_isee_cannot_be_approved_until_verified(
    client, session, as_admin, as_citizen_a, citizen_a, as_operator
):
    rule = {"kind": "isee_bands", "bands": [{"isee_max_cents": 2_000_000, "amount_cents": 70_000}]}
    programme = await opened(client, as_admin, amount_rule=rule)
    application = (await apply(client, as_citizen_a, programme["id"])).json()

    early = await client.post(f"{APPLICATIONS_URL}/{application['id']}/approve", json={}, headers=as_operator)
    await verified_isee(session, citizen_a.id, 1_200_000)
    later = await client.post(f"{APPLICATIONS_URL}/{application['id']}/approve", json={}, headers=as_operator)

    assert application["status"] == "needs_review"
    assert early.status_code == 409 and early.json()["code"] == "isee_not_verified"
    assert later.json()["status"] == "granted" and later.json()["grant"]["amount_cents"] == 70_000


async def test_a_waitlisted_application_is_granted_when_approved_with_room_again(
    client, session, as_admin, as_citizen_a, as_citizen_b
):
    programme = await opened(client, as_admin, budget_cents=100_000)
    await apply(client, as_citizen_a, programme["id"])
    waiting = (await apply(client, as_citizen_b, programme["id"])).json()

    still = await client.post(f"{APPLICATIONS_URL}/{waiting['id']}/approve", json={}, headers=as_admin)

    assert still.status_code == 200
    assert (still.json()["status"], still.json()["status_code"]) == ("waitlisted", "programme_budget_exhausted")


async def test_operator_lists_nothing_outside_their_nils(client, session, as_admin, as_operator):
    citizen = await make_user(session, email="citizen.far@example.org")
    programme = await opened(client, as_admin, isee_max_cents=2_500_000)
    await apply(client, auth_headers(citizen), programme["id"], residence_nil_id=str(NIL_40))

    listed = await client.get(APPLICATIONS_URL, headers=as_operator)

    assert listed.json()["items"] == []
