"""Programmes' lifecycle table: each step of an application or a grant -> exactly these
notifications, to the household and nobody else (not the operator who applied for it)."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.models import Grant
from app.programmes import tasks
from tests.notifications.lifecycle import Told, watch
from tests.programmes.conftest import APPLICATIONS_URL, apply, opened


async def test_granted_the_household_hears_decided_and_credited(client, session, as_citizen_a, citizen_a, programme):
    async with watch(session) as told:
        body = (await apply(client, as_citizen_a, programme["id"])).json()

    await told.exactly(
        Told(citizen_a, "programme_application.decided", subject_id=body["id"], language="it"),
        Told(citizen_a, "grant.credited", subject_id=body["grant"]["id"], language="it"),
        client=client,
    )


async def test_applied_for_by_an_operator_only_the_household_hears(client, session, as_operator, citizen_a, programme):
    async with watch(session) as told:
        body = (
            await apply(
                client, as_operator, programme["id"], citizen_id=str(citizen_a.id), consent_note="Consenso firmato"
            )
        ).json()

    await told.exactly(
        Told(citizen_a, "programme_application.decided", subject_id=body["id"]),
        Told(citizen_a, "grant.credited", subject_id=body["grant"]["id"]),
    )


async def test_sent_to_review_nobody_is_told_until_decided(
    client, session, as_admin, as_citizen_a, citizen_a, as_operator
):
    programme = await opened(client, as_admin, isee_max_cents=1_000_000)
    async with watch(session) as submitted:
        body = (await apply(client, as_citizen_a, programme["id"])).json()
    async with watch(session) as rejected:
        await client.post(
            f"{APPLICATIONS_URL}/{body['id']}/reject", json={"reason": "ISEE oltre la soglia"}, headers=as_operator
        )

    await submitted.exactly()
    await rejected.exactly(Told(citizen_a, "programme_application.decided", subject_id=body["id"]))


async def test_a_grant_expiring_is_reminded_once_and_its_expiry_told(
    client, session, as_citizen_a, citizen_a, programme
):
    body = (await apply(client, as_citizen_a, programme["id"])).json()
    grant_id = uuid.UUID(body["grant"]["id"])
    soon = datetime.now(UTC) + timedelta(days=10)
    made = datetime.now(UTC) - timedelta(days=170)  # a 180-day grant made 170 days ago
    await session.execute(
        update(Grant).where(Grant.id == grant_id).values(created_at=made, expires_at=soon, version=Grant.version + 1)
    )

    async with watch(session) as reminded:
        first = await tasks.remind_expiring_grants(session)
        second = await tasks.remind_expiring_grants(session)
    async with watch(session) as expired:
        await tasks.expire_grants(session, soon + timedelta(seconds=1))

    assert (first, second) == (1, 0)
    assert reminded.data(citizen_a, "grant.expiring")["threshold"] == "14d"
    await reminded.exactly(Told(citizen_a, "grant.expiring", subject_id=grant_id, language="it"), client=client)
    await expired.exactly(Told(citizen_a, "grant.expired", subject_id=grant_id))


async def test_a_grant_made_with_less_than_two_weeks_to_run_is_not_reminded(client, session, as_admin, as_citizen_a):
    programme = await opened(client, as_admin, grant_validity_days=10)
    await apply(client, as_citizen_a, programme["id"])

    async with watch(session) as reminded:
        count = await tasks.remind_expiring_grants(session)

    assert count == 0
    await reminded.exactly()
