"""Every thread is private to its participants: for anyone else, whatever their role, it does not exist
(404 on every operation, absent from their lists). Hub operators take part in the threads of the
operator-mode requests their hub manages, audited; another hub's operators do not."""

import uuid

import pytest
from sqlalchemy import select

from app.models import AuditEntry
from tests.conversations.conftest import THREADS_URL, messages_of, open_thread, opened, post, posted, thread_url
from tests.demand.conftest import invite, post_operator_mode_request
from tests.demand.offer_helpers import SERVICE_OF
from tests.factories import auth_headers

PEERS = ["citizen B", "betulla's staff", "another hub's operator", "an admin", "a worker"]


async def _every_operation(client, headers, thread_id, message_id):
    """Each thread operation, as `headers` (name → response)."""
    return {
        "get": await client.get(thread_url(thread_id), headers=headers),
        "list messages": await client.get(thread_url(thread_id, "messages"), headers=headers),
        "post": await post(client, headers, thread_id, "Posso entrare?"),
        "mark read": await client.post(thread_url(thread_id, "read"), json={"message_id": message_id}, headers=headers),
        "report": await client.post(f"/v1/messages/{message_id}/reports", json={"reason": "spam"}, headers=headers),
    }


@pytest.mark.parametrize("peer", PEERS)
async def test_another_persons_thread_is_404_for_every_role(client, as_citizen_a, thread_a, peers, peer):
    message = await posted(client, as_citizen_a, thread_a["id"], "Solo per aurora.")

    answers = await _every_operation(client, peers[peer], thread_a["id"], message["id"])

    for operation, response in answers.items():
        assert response.status_code == 404, (operation, response.text)
        expected = "message_not_found" if operation == "report" else "thread_not_found"
        assert response.json()["code"] == expected, operation


@pytest.mark.parametrize("peer", PEERS)
async def test_another_persons_thread_is_not_in_my_list_nor_my_unread_count(client, catalogue, thread_a, peers, peer):
    await posted(client, catalogue.headers("aurora"), thread_a["id"], "Per la signora A.")

    listed = await client.get(THREADS_URL, headers=peers[peer])
    unread = await client.get(f"{THREADS_URL}/unread", headers=peers[peer])

    assert thread_a["id"] not in [t["id"] for t in listed.json()["items"]]
    assert unread.json() == {"unread_messages": 0, "unread_threads": 0}


async def test_another_staff_member_of_the_same_provider_takes_part(client, session, catalogue, thread_a):
    from tests.factories import add_provider_staff, make_provider_staff_user

    colleague = await make_provider_staff_user(session)
    await add_provider_staff(session, catalogue.providers["aurora"], colleague)

    response = await post(client, auth_headers(colleague), thread_a["id"], "Sono la collega di Aurora.")

    assert response.status_code == 201 and response.json()["side"] == "provider"


async def test_an_individual_workers_own_user_takes_part(client, as_citizen_a, catalogue, request_a):
    await invite(client, as_citizen_a, request_a["id"], catalogue.services[SERVICE_OF["dalia"]])

    thread = await opened(
        client, catalogue.headers("dalia"), request_id=request_a["id"], provider_id=catalogue.provider_id("dalia")
    )

    assert thread["my_side"] == "provider"


@pytest.fixture
async def operator_thread(client, session, hub_operator, citizen_a, catalogue):
    """An operator-mode request for citizen A made by a colleague of `hub_operator` at the hub serving
    NIL 22, with aurora invited, and its thread as `hub_operator` opens it."""
    request = await post_operator_mode_request(client, session, hub_operator, citizen_a)
    invited = await invite(client, auth_headers(hub_operator), request["id"], catalogue.services["aurora_full"])
    assert invited.status_code == 200, invited.text
    thread = await opened(
        client, auth_headers(hub_operator), request_id=request["id"], provider_id=catalogue.provider_id("aurora")
    )
    return request, thread


async def test_the_managing_hubs_operator_reads_and_writes_audited(
    client, session, hub_operator, as_citizen_a, catalogue, operator_thread
):
    _, thread = operator_thread

    sent = await posted(client, auth_headers(hub_operator), thread["id"], "Scrivo per conto della signora.")
    seen_by_provider = await messages_of(client, catalogue.headers("aurora"), thread["id"])
    seen_by_household = await messages_of(client, as_citizen_a, thread["id"])

    assert sent["side"] == "citizen" and sent["by_operator"] is True
    assert seen_by_provider[0]["by_operator"] is True and seen_by_household[0]["sent_by_me"] is False
    actions = await session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.target_id == uuid.UUID(thread["id"]), AuditEntry.actor_id == hub_operator.id
        )
    )
    assert set(actions.all()) >= {"message.posted_by_operator", "thread.read_by_operator"}


async def test_another_hubs_operator_cannot_reach_an_operator_mode_thread(
    client, other_hub_operator, catalogue, operator_thread
):
    request, thread = operator_thread
    headers = auth_headers(other_hub_operator)

    read = await client.get(thread_url(thread["id"]), headers=headers)
    opening = await open_thread(client, headers, request_id=request["id"], provider_id=catalogue.provider_id("aurora"))
    listed = await client.get(THREADS_URL, headers=headers)

    assert read.status_code == 404
    assert read.json()["code"] == "thread_not_found"
    assert opening.status_code == 404
    assert opening.json()["code"] == "thread_not_found"
    assert listed.json()["items"] == []


async def test_the_managing_hubs_operator_lists_the_thread(client, hub_operator, operator_thread):
    _, thread = operator_thread

    listed = await client.get(THREADS_URL, headers=auth_headers(hub_operator))

    assert [t["id"] for t in listed.json()["items"]] == [thread["id"]]
    assert listed.json()["items"][0]["my_side"] == "citizen"


async def test_an_operator_reaches_no_thread_of_a_quote_request_a_citizen_made(client, hub_operator, thread_a):
    response = await client.get(thread_url(thread_a["id"]), headers=auth_headers(hub_operator))

    assert response.status_code == 404
    assert response.json()["code"] == "thread_not_found"
