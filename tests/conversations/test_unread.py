"""Read markers and unread counts per participant, and `message.received` notifications: one per
thread and person while the thread is unread for them, none to the sender."""

import uuid

from sqlalchemy import select

from app.models import Notification
from tests.conversations.conftest import THREADS_URL, opened, posted, thread_url
from tests.factories import add_provider_staff, auth_headers, make_provider_staff_user


async def _notified(session, user_id) -> list[Notification]:
    rows = await session.scalars(
        select(Notification).where(Notification.user_id == user_id, Notification.kind == "message.received")
    )
    return list(rows.all())


async def _unread(client, headers) -> dict:
    response = await client.get(f"{THREADS_URL}/unread", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_unread_counts_only_the_other_sides_messages(client, as_citizen_a, catalogue, thread_a):
    for n in range(3):
        await posted(client, catalogue.headers("aurora"), thread_a["id"], f"Proposta {n}")
    await posted(client, as_citizen_a, thread_a["id"], "Grazie, leggo.")

    mine = await client.get(thread_url(thread_a["id"]), headers=as_citizen_a)
    theirs = await client.get(thread_url(thread_a["id"]), headers=catalogue.headers("aurora"))

    # Writing moved A's marker past everything before A's own message; aurora has A's one unread.
    assert mine.json()["unread_count"] == 0
    assert theirs.json()["unread_count"] == 1
    assert await _unread(client, catalogue.headers("aurora")) == {"unread_messages": 1, "unread_threads": 1}


async def test_marking_read_up_to_a_message_and_never_back(client, as_citizen_a, catalogue, thread_a):
    sent = [await posted(client, catalogue.headers("aurora"), thread_a["id"], f"Proposta {n}") for n in range(3)]
    assert await _unread(client, as_citizen_a) == {"unread_messages": 3, "unread_threads": 1}

    middle = await client.post(
        thread_url(thread_a["id"], "read"), json={"message_id": sent[1]["id"]}, headers=as_citizen_a
    )
    back = await client.post(
        thread_url(thread_a["id"], "read"), json={"message_id": sent[0]["id"]}, headers=as_citizen_a
    )

    assert middle.status_code == 200 and middle.json()["unread_count"] == 1
    assert back.status_code == 200 and back.json()["unread_count"] == 1
    assert await _unread(client, as_citizen_a) == {"unread_messages": 1, "unread_threads": 1}


async def test_each_staff_member_has_their_own_read_marker(client, session, as_citizen_a, catalogue, thread_a):
    colleague = await make_provider_staff_user(session)
    await add_provider_staff(session, catalogue.providers["aurora"], colleague)
    message = await posted(client, as_citizen_a, thread_a["id"], "C'è qualcuno?")

    await client.post(
        thread_url(thread_a["id"], "read"), json={"message_id": message["id"]}, headers=catalogue.headers("aurora")
    )

    assert await _unread(client, catalogue.headers("aurora")) == {"unread_messages": 0, "unread_threads": 0}
    assert await _unread(client, auth_headers(colleague)) == {"unread_messages": 1, "unread_threads": 1}


async def test_marking_read_with_a_message_of_another_thread_is_refused(
    client, as_citizen_a, catalogue, request_a, thread_a
):
    other = await opened(client, as_citizen_a, request_id=request_a["id"], provider_id=catalogue.provider_id("betulla"))
    foreign = await posted(client, catalogue.headers("betulla"), other["id"], "Siamo Betulla.")

    response = await client.post(
        thread_url(thread_a["id"], "read"), json={"message_id": foreign["id"]}, headers=as_citizen_a
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_a_burst_of_messages_notifies_each_person_of_the_other_side_once(
    client, session, as_citizen_a, citizen_a, catalogue, thread_a
):
    colleague = await make_provider_staff_user(session)
    await add_provider_staff(session, catalogue.providers["aurora"], colleague)

    for n in range(5):
        await posted(client, as_citizen_a, thread_a["id"], f"Domanda {n}")

    for staff in (catalogue.staff["aurora"], colleague):
        [notification] = await _notified(session, staff.id)
        assert notification.subject_type == "thread" and notification.subject_id == uuid.UUID(thread_a["id"])
        assert notification.data["request_id"] == thread_a["request_id"]
        assert "text" not in notification.data  # what was written stays in the thread
    assert await _notified(session, citizen_a.id) == []  # never the sender
    assert await _notified(session, catalogue.staff["betulla"].id) == []  # nor another provider
