"""The lifecycle-table helper checks what it promises: every row a step added, for every user."""

import pytest

from app.models import Language
from tests.factories import auth_headers
from tests.notifications.lifecycle import Told, watch
from tests.pools.conftest import create_pool, join, offer


async def _accepting(client, hood, citizen_a, citizen_b):
    pool = await create_pool(client, auth_headers(citizen_a))
    await join(client, pool["id"], citizen_b)
    return pool, await offer(client, pool["id"], hood)


async def test_a_step_told_exactly_the_expected_people_in_their_language(client, session, hood, citizen_a, citizen_b):
    citizen_b.preferred_language = Language.en
    await session.flush()
    pool, proposed = await _accepting(client, hood, citizen_a, citizen_b)

    async with watch(session) as told:
        await client.post(f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(citizen_a))

    await told.exactly(
        Told(citizen_a, "pool.priced", subject_id=pool["id"], language="it"),
        Told(citizen_b, "pool.priced", subject_id=pool["id"], language="en"),
        Told(citizen_a, "pool.activated", subject_id=pool["id"], language="it"),
        Told(citizen_b, "pool.activated", subject_id=pool["id"], language="en"),
        client=client,
    )
    assert told.data(citizen_b, "pool.activated")["title"] == pool["title"]


async def test_a_missing_extra_or_misaddressed_notification_fails(client, session, hood, citizen_a, citizen_b):
    pool, proposed = await _accepting(client, hood, citizen_a, citizen_b)

    async with watch(session) as told:
        await client.post(f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(citizen_a))

    priced = [Told(citizen_a, "pool.priced"), Told(citizen_b, "pool.priced")]
    a_active = Told(citizen_a, "pool.activated")
    with pytest.raises(AssertionError, match="notifications differ"):
        await told.exactly(*priced, a_active)  # citizen_b's is extra
    with pytest.raises(AssertionError, match="notifications differ"):
        await told.exactly(*priced, a_active, Told(hood.staff, "pool.activated"))
    with pytest.raises(AssertionError, match="notifications differ"):
        await told.exactly(*priced, a_active, Told(citizen_b, "pool.activated", subject_id=hood.hub.id))
    with pytest.raises(AssertionError, match="notifications differ"):  # one expected twice, told once
        await told.exactly(*priced, *priced, a_active, Told(citizen_b, "pool.activated"))
    with pytest.raises(ValueError, match="unknown notification kind"):
        await told.exactly(Told(citizen_a, "pool.activatd"))
    await told.exactly(*priced, a_active, Told(citizen_b.id, "pool.activated", subject_id=pool["id"]))


async def test_the_inbox_title_follows_accept_language_over_the_account(client, session, hood, citizen_a, citizen_b):
    pool, proposed = await _accepting(client, hood, citizen_a, citizen_b)
    await client.post(f"/v1/pool-offers/{proposed['id']}/accept", headers=auth_headers(citizen_a))

    italian = await client.get("/v1/me/notifications", headers=auth_headers(citizen_a))
    english = await client.get("/v1/me/notifications", headers=auth_headers(citizen_a) | {"Accept-Language": "en-GB"})

    assert italian.json()["items"][0]["title"] == "Il gruppo è attivo"
    assert english.json()["items"][0]["title"] == "Your pool is active"
