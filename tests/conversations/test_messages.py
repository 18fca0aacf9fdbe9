"""Messages: masked before acceptance for both sides (the sender is told why), not in the engagement
thread; up to 4,000 characters; idempotent; rate-limited per person; closed threads stay readable."""

import uuid

import pytest
from sqlalchemy import select

from app.config import get_settings
from app.models import Message
from tests.conversations.conftest import messages_of, opened, post, posted, thread_url
from tests.demand.offer_helpers import engaged, make_offer, offer_action

CONTACTS = "Mi chiami al +39 333 123 4567 o scriva a anna.rossi@example.org"


async def test_a_message_is_posted_and_read_by_both_sides(client, as_citizen_a, catalogue, thread_a):
    sent = await posted(client, as_citizen_a, thread_a["id"], "Buongiorno, la tata parla inglese?")

    mine = await messages_of(client, as_citizen_a, thread_a["id"])
    theirs = await messages_of(client, catalogue.headers("aurora"), thread_a["id"])

    assert sent["side"] == "citizen" and sent["sent_by_me"] is True and sent["masked"] is False
    assert [m["id"] for m in mine] == [m["id"] for m in theirs] == [sent["id"]]
    assert theirs[0]["sent_by_me"] is False and theirs[0]["text"] == "Buongiorno, la tata parla inglese?"


@pytest.mark.parametrize("sender", ["citizen", "provider"])
async def test_contacts_are_masked_before_acceptance_and_the_sender_is_told(
    client, session, as_citizen_a, catalogue, thread_a, sender
):
    headers = as_citizen_a if sender == "citizen" else catalogue.headers("aurora")
    other = catalogue.headers("aurora") if sender == "citizen" else as_citizen_a

    sent = await posted(client, headers, thread_a["id"], CONTACTS)
    [seen] = await messages_of(client, other, thread_a["id"])

    assert sent["masked"] is True and {"phone", "email"} <= set(sent["masked_kinds"])
    assert "accepts an offer" in sent["masking_note"]
    for text in (sent["text"], seen["text"]):
        assert "123 4567" not in text and "anna.rossi@example.org" not in text
    stored = await session.scalar(select(Message.text).where(Message.id == uuid.UUID(sent["id"])))
    assert "123 4567" not in stored and "anna.rossi" not in stored  # the original is not kept


async def test_contacts_are_not_masked_in_the_engagement_thread(client, as_citizen_a, catalogue):
    engagement = await engaged(client, as_citizen_a, catalogue, "aurora")
    thread = await opened(client, as_citizen_a, engagement_id=engagement["id"])

    sent = await posted(client, catalogue.headers("aurora"), thread["id"], CONTACTS)

    assert sent["masked"] is False and sent["masked_kinds"] == [] and sent["masking_note"] is None
    assert sent["text"] == CONTACTS


async def test_after_acceptance_the_request_thread_is_read_only(client, as_citizen_a, catalogue, request_a, thread_a):
    await posted(client, as_citizen_a, thread_a["id"], "Ci sentiamo presto.")
    offer = await make_offer(client, catalogue, "aurora", request_a["id"])
    accepted = await offer_action(client, as_citizen_a, offer["id"], "accept")
    assert accepted.status_code == 200

    response = await post(client, catalogue.headers("aurora"), thread_a["id"], CONTACTS)

    assert response.status_code == 409
    assert response.json()["code"] == "thread_closed"
    assert response.json()["current_state"] == "accepted"
    assert len(await messages_of(client, catalogue.headers("aurora"), thread_a["id"])) == 1


async def test_a_cancelled_engagement_thread_is_read_only(client, as_citizen_a, catalogue):
    engagement = await engaged(client, as_citizen_a, catalogue, "aurora")
    thread = await opened(client, as_citizen_a, engagement_id=engagement["id"])
    cancelled = await client.post(
        f"/v1/engagements/{engagement['id']}/cancel", json={"reason": "trasloco"}, headers=as_citizen_a
    )
    assert cancelled.status_code == 200

    response = await post(client, as_citizen_a, thread["id"], "Grazie comunque.")

    assert response.status_code == 409
    assert response.json()["code"] == "thread_closed"
    assert response.json()["current_state"] == "cancelled"


async def test_a_message_of_4000_characters_is_taken_and_one_more_is_refused(client, as_citizen_a, thread_a):
    longest = await post(client, as_citizen_a, thread_a["id"], "a" * 4000)
    too_long = await post(client, as_citizen_a, thread_a["id"], "a" * 4001)
    blank = await post(client, as_citizen_a, thread_a["id"], "   ")

    assert longest.status_code == 201
    assert too_long.status_code == 422
    assert too_long.json()["code"] == "validation_error"
    assert blank.status_code == 422
    assert blank.json()["code"] == "validation_error"


async def test_a_replayed_idempotency_key_posts_one_message(client, as_citizen_a, thread_a):
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = await post(client, as_citizen_a, thread_a["id"], "Una volta sola.", **key)
    again = await post(client, as_citizen_a, thread_a["id"], "Una volta sola.", **key)
    other = await post(client, as_citizen_a, thread_a["id"], "Un altro testo.", **key)

    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert len(await messages_of(client, as_citizen_a, thread_a["id"])) == 1


async def test_posting_is_rate_limited_per_person(client, as_citizen_a, catalogue, thread_a, monkeypatch):
    settings = get_settings().rate_limit
    monkeypatch.setattr(settings, "enabled", True)
    monkeypatch.setattr(settings, "messages_per_person_per_minute", 3)
    for n in range(3):
        assert (await post(client, as_citizen_a, thread_a["id"], f"Messaggio {n}")).status_code == 201

    limited = await post(client, as_citizen_a, thread_a["id"], "Ancora uno")
    other_person = await post(client, catalogue.headers("aurora"), thread_a["id"], "Rispondo io")

    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    assert '"message";r=0' in limited.headers["ratelimit"]
    assert other_person.status_code == 201


async def test_messages_page_newest_first_with_a_cursor(client, as_citizen_a, thread_a):
    for n in range(3):
        await posted(client, as_citizen_a, thread_a["id"], f"Messaggio {n}")

    first = await client.get(thread_url(thread_a["id"], "messages"), params={"limit": 2}, headers=as_citizen_a)
    rest = await client.get(
        thread_url(thread_a["id"], "messages"),
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=as_citizen_a,
    )

    texts = [m["text"] for m in first.json()["items"] + rest.json()["items"]]
    assert texts == ["Messaggio 2", "Messaggio 1", "Messaggio 0"]
    assert rest.json()["next_cursor"] is None


async def test_a_cursor_of_another_thread_is_refused(client, as_citizen_a, catalogue, request_a, thread_a):
    other = await opened(client, as_citizen_a, request_id=request_a["id"], provider_id=catalogue.provider_id("betulla"))
    for n in range(2):
        await posted(client, as_citizen_a, thread_a["id"], f"Messaggio {n}")
    first = await client.get(thread_url(thread_a["id"], "messages"), params={"limit": 1}, headers=as_citizen_a)

    response = await client.get(
        thread_url(other["id"], "messages"), params={"cursor": first.json()["next_cursor"]}, headers=as_citizen_a
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
