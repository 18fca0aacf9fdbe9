"""Opening threads: a (request, provider) thread exists once the provider is invited or has answered;
an engagement thread for the engagement's parties; opening again finds the same thread."""

from tests.conversations.conftest import THREADS_URL, open_thread, opened, posted, thread_url
from tests.demand.conftest import post_request
from tests.demand.offer_helpers import engaged, make_offer


async def test_the_household_opens_the_thread_with_an_invited_provider(client, as_citizen_a, catalogue, request_a):
    response = await open_thread(
        client, as_citizen_a, request_id=request_a["id"], provider_id=catalogue.provider_id("aurora")
    )

    assert response.status_code == 201, response.text
    thread = response.json()
    assert response.headers["location"] == thread_url(thread["id"])
    assert thread["kind"] == "request" and thread["my_side"] == "citizen" and thread["masks_contacts"] is True
    assert thread["unread_count"] == 0 and thread["last_message"] is None


async def test_the_invited_provider_opening_it_finds_the_same_thread(client, catalogue, request_a, thread_a):
    response = await open_thread(
        client, catalogue.headers("aurora"), request_id=request_a["id"], provider_id=catalogue.provider_id("aurora")
    )

    assert response.status_code == 200
    assert response.json()["id"] == thread_a["id"] and response.json()["my_side"] == "provider"
    assert "location" not in response.headers


async def test_a_provider_not_invited_has_no_thread_on_a_quote_request(client, as_citizen_a, catalogue, request_a):
    response = await open_thread(
        client, catalogue.headers("cedro"), request_id=request_a["id"], provider_id=catalogue.provider_id("cedro")
    )
    by_household = await open_thread(
        client, as_citizen_a, request_id=request_a["id"], provider_id=catalogue.provider_id("cedro")
    )

    assert response.status_code == 404
    assert response.json()["code"] == "thread_not_found"
    assert by_household.status_code == 404
    assert by_household.json()["code"] == "thread_not_found"


async def test_on_an_open_mode_request_the_thread_exists_once_the_provider_answers(client, as_citizen_a, catalogue):
    request = await post_request(client, as_citizen_a, mode="open")
    body = {"request_id": request["id"], "provider_id": catalogue.provider_id("dalia")}

    before = await open_thread(client, catalogue.headers("dalia"), **body)
    await make_offer(client, catalogue, "dalia", request["id"])
    after = await open_thread(client, catalogue.headers("dalia"), **body)

    assert before.status_code == 404
    assert before.json()["code"] == "thread_not_found"
    assert after.status_code == 201
    assert after.json()["my_side"] == "provider"


async def test_a_staff_member_cannot_open_a_thread_for_another_provider(client, catalogue, request_a):
    response = await open_thread(
        client, catalogue.headers("betulla"), request_id=request_a["id"], provider_id=catalogue.provider_id("aurora")
    )

    assert response.status_code == 404
    assert response.json()["code"] == "thread_not_found"


async def test_the_engagement_thread_is_its_own_and_unmasked(client, as_citizen_a, catalogue):
    engagement = await engaged(client, as_citizen_a, catalogue, "aurora")

    mine = await opened(client, as_citizen_a, engagement_id=engagement["id"])
    theirs = await opened(client, catalogue.headers("aurora"), engagement_id=engagement["id"])

    assert mine["id"] == theirs["id"]
    assert mine["kind"] == "engagement" and mine["engagement_id"] == engagement["id"]
    assert mine["masks_contacts"] is False


async def test_a_body_naming_both_an_engagement_and_a_request_is_refused(client, as_citizen_a, catalogue, request_a):
    engagement = await engaged(client, as_citizen_a, catalogue, "dalia")

    response = await open_thread(client, as_citizen_a, engagement_id=engagement["id"], request_id=request_a["id"])
    half = await open_thread(client, as_citizen_a, request_id=request_a["id"])

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert half.status_code == 422
    assert half.json()["code"] == "validation_error"


async def test_my_threads_are_listed_most_recently_active_first(client, as_citizen_a, catalogue, request_a, thread_a):
    betulla = await opened(
        client, as_citizen_a, request_id=request_a["id"], provider_id=catalogue.provider_id("betulla")
    )
    await posted(client, catalogue.headers("aurora"), thread_a["id"], "Buongiorno, possiamo da gennaio.")

    response = await client.get(THREADS_URL, headers=as_citizen_a)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [t["id"] for t in items] == [thread_a["id"], betulla["id"]]
    assert items[0]["unread_count"] == 1
    assert items[0]["last_message"]["text"] == "Buongiorno, possiamo da gennaio."
    assert items[0]["last_message"]["sent_by_me"] is False


async def test_threads_page_with_a_cursor(client, as_citizen_a, catalogue, request_a, thread_a):
    await opened(client, as_citizen_a, request_id=request_a["id"], provider_id=catalogue.provider_id("betulla"))

    first = await client.get(THREADS_URL, params={"limit": 1}, headers=as_citizen_a)
    second = await client.get(
        THREADS_URL, params={"limit": 1, "cursor": first.json()["next_cursor"]}, headers=as_citizen_a
    )

    assert len(first.json()["items"]) == 1 and len(second.json()["items"]) == 1
    assert first.json()["items"][0]["id"] != second.json()["items"][0]["id"]
    assert second.json()["next_cursor"] is None
