"""Conversations' lifecycle table: each message -> exactly these `message.received` notifications.

Who is told, and why:
* A message tells the other side: the provider's staff (each member), or the household (and, when
  a hub operator made the request for an offline household, that operator). Never the sender, never
  the sender's own side (a colleague, the household when its operator writes).
* Once per thread and person while the thread is unread for them: a second message before they
  read the thread tells nobody; reading (or writing) re-arms it.
* Titled in the reader's language (their account's).
"""

import uuid

import pytest

from app.models import Language
from tests.conversations.conftest import opened, posted, thread_url
from tests.demand.conftest import invite, post_operator_mode_request
from tests.demand.offer_helpers import engaged
from tests.factories import add_provider_staff, auth_headers, make_provider_staff_user
from tests.notifications.lifecycle import Told, watch


@pytest.fixture
async def aurora_staff(session, catalogue):
    """Aurora's two staff members: the catalogue's, and a colleague who reads in English."""
    colleague = await make_provider_staff_user(session, preferred_language=Language.en)
    await add_provider_staff(session, catalogue.providers["aurora"], colleague)
    return [catalogue.staff["aurora"], colleague]


async def test_a_households_message_tells_each_of_the_providers_staff_once(
    client, session, as_citizen_a, aurora_staff, thread_a
):
    async with watch(session) as told:
        await posted(client, as_citizen_a, thread_a["id"], "Buongiorno, avete disponibilità?")
    await told.exactly(
        Told(aurora_staff[0], "message.received", subject_id=thread_a["id"], language="it"),
        Told(aurora_staff[1], "message.received", subject_id=thread_a["id"], language="en"),
        client=client,
    )

    async with watch(session) as again:
        await posted(client, as_citizen_a, thread_a["id"], "Aggiungo: anche il sabato.")
    await again.exactly()


async def test_the_providers_reply_tells_the_household_and_not_the_colleague(
    client, session, citizen_a, as_citizen_a, catalogue, aurora_staff, thread_a
):
    await posted(client, as_citizen_a, thread_a["id"], "Buongiorno.")

    async with watch(session) as told:
        await posted(client, catalogue.headers("aurora"), thread_a["id"], "Buongiorno a lei.")
    await told.exactly(Told(citizen_a, "message.received", subject_id=thread_a["id"], language="it"), client=client)


async def test_reading_the_thread_re_arms_the_notification(client, session, as_citizen_a, catalogue, thread_a):
    first = await posted(client, as_citizen_a, thread_a["id"], "Prima domanda")
    await client.post(
        thread_url(thread_a["id"], "read"), json={"message_id": first["id"]}, headers=catalogue.headers("aurora")
    )

    async with watch(session) as told:
        await posted(client, as_citizen_a, thread_a["id"], "Seconda domanda")
    await told.exactly(Told(catalogue.staff["aurora"], "message.received", subject_id=thread_a["id"]))


async def test_in_an_operator_mode_thread_the_household_and_the_requests_operator_are_told(
    client, session, hub_operator, citizen_a, catalogue
):
    request = await post_operator_mode_request(client, session, hub_operator, citizen_a)
    invited = await invite(client, auth_headers(hub_operator), request["id"], catalogue.services["aurora_full"])
    assert invited.status_code == 200, invited.text
    thread = await opened(
        client, catalogue.headers("aurora"), request_id=request["id"], provider_id=catalogue.provider_id("aurora")
    )
    author = uuid.UUID(request["created_by_id"])  # the colleague who made the request at the desk

    async with watch(session) as told:
        await posted(client, catalogue.headers("aurora"), thread["id"], "Possiamo passare lunedì mattina.")
    await told.exactly(
        Told(citizen_a, "message.received", subject_id=thread["id"]),
        Told(author, "message.received", subject_id=thread["id"]),
    )

    async with watch(session) as by_operator:
        await posted(client, auth_headers(hub_operator), thread["id"], "Va bene, la signora vi aspetta.")
    await by_operator.exactly(Told(catalogue.staff["aurora"], "message.received", subject_id=thread["id"]))


async def test_a_message_in_the_engagement_thread_tells_the_other_party(client, session, as_citizen_a, catalogue):
    engagement = await engaged(client, as_citizen_a, catalogue, "aurora")
    thread = await opened(client, as_citizen_a, engagement_id=engagement["id"])

    async with watch(session) as told:
        await posted(client, as_citizen_a, thread["id"], "Ecco il mio numero: 333 123 4567.")
    await told.exactly(Told(catalogue.staff["aurora"], "message.received", subject_id=thread["id"]))
    assert told.data(catalogue.staff["aurora"], "message.received")["engagement_id"] == engagement["id"]
