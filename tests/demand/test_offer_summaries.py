"""Offers say who made them: each offer carries its provider's summary (name, kind, Bayesian rating
and count, badges) and the proposed worker's first name (issue 12, item 5), with no call per offer.

Walked over HTTP on the conftest catalogue: aurora (cooperative, 4.5 over 10 reviews, four badges),
cedro (no rating until a review is approved here), dalia (an individual worker with two badges),
elce (no reviews, the insurance badge)."""

from typing import Any

import pytest

from app.demand.views import first_name_of
from tests.demand.offer_helpers import invited_request, make_offer, offer_action, offers_url
from tests.demand.test_reviews import bayesian, moderate, reviewed
from tests.factories import auth_headers, make_user

BADGES = {
    "aurora": ["background_check", "identity", "insurance", "references"],
    "cedro": [],
    "dalia": ["background_check", "identity"],
    "elce": ["insurance"],
}


def by_provider(offers: list[dict[str, Any]], catalogue: Any) -> dict[str, dict[str, Any]]:
    return {catalogue.provider_name_of(offer["provider_id"]): offer for offer in offers}


async def test_a_citizens_list_of_offers_says_who_made_each(
    client, session, as_citizen_a, as_citizen_b, as_admin, catalogue
):
    # cedro earns its first rating over HTTP: a completed engagement reviewed 5 and approved.
    review = await reviewed(client, as_citizen_b, catalogue, "cedro", 5)
    assert (await moderate(client, as_admin, review["id"], "approve")).status_code == 200
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", "cedro", "dalia", "elce")
    await make_offer(client, catalogue, "aurora", request["id"], proposed_worker_name="Chiara Bianchi")
    await make_offer(client, catalogue, "cedro", request["id"], proposed_worker_name=None)
    await make_offer(client, catalogue, "dalia", request["id"], proposed_worker_name="Dalia Maria Esposito")
    await make_offer(client, catalogue, "elce", request["id"], proposed_worker_name="  Giulia   Verdi ")

    response = await client.get(offers_url(request["id"]), headers=as_citizen_a)

    assert response.status_code == 200, response.text
    offers = by_provider(response.json()["items"], catalogue)
    assert set(offers) == {"aurora", "cedro", "dalia", "elce"}
    for name, offer in offers.items():
        provider = offer["provider"]
        assert provider["id"] == offer["provider_id"] == catalogue.provider_id(name)
        assert provider["display_name"] == f"{name.title()} Servizi"
        assert provider["badges"] == BADGES[name]
        # The summary is the provider's public profile, not a copy that could drift.
        profile = (await client.get(f"/v1/providers/{provider['id']}")).json()
        assert (provider["kind"], provider["rating_average"], provider["rating_count"]) == (
            profile["kind"],
            profile["rating_average"],
            profile["rating_count"],
        )
    assert offers["aurora"]["provider"] | {"badges": None} == {
        "id": catalogue.provider_id("aurora"),
        "display_name": "Aurora Servizi",
        "kind": "cooperative",
        "rating_average": 4.5,
        "rating_count": 10,
        "badges": None,
    }
    assert (offers["cedro"]["provider"]["rating_average"], offers["cedro"]["provider"]["rating_count"]) == (
        pytest.approx(bayesian(5)),
        1,
    )
    # A provider with no reviews: no rating (not the prior dressed up as one), and a count of 0.
    assert (offers["elce"]["provider"]["rating_average"], offers["elce"]["provider"]["rating_count"]) == (None, 0)

    # The worker: a first name only before acceptance, whoever wrote the rest.
    assert offers["aurora"]["proposed_worker"] == {"first_name": "Chiara", "badges": []}
    assert offers["aurora"]["proposed_worker_name"] == "Chiara"
    assert offers["cedro"]["proposed_worker"] is None
    assert offers["cedro"]["proposed_worker_name"] is None
    # An individual provider is the worker: its badges are the worker's.
    assert offers["dalia"]["provider"]["kind"] == "individual"
    assert offers["dalia"]["proposed_worker"] == {"first_name": "Dalia", "badges": ["background_check", "identity"]}
    assert offers["elce"]["proposed_worker"] == {"first_name": "Giulia", "badges": []}
    for surname in ("Bianchi", "Esposito", "Maria", "Verdi"):
        assert surname not in response.text


async def test_the_providers_staff_see_the_name_as_they_wrote_it(client, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")

    created = await make_offer(client, catalogue, "aurora", request["id"], proposed_worker_name="Chiara Bianchi")
    listed = await client.get(offers_url(request["id"]), headers=catalogue.headers("aurora"))

    assert created["proposed_worker_name"] == "Chiara Bianchi"
    assert created["proposed_worker"] == {"first_name": "Chiara", "badges": []}
    assert created["provider"]["display_name"] == "Aurora Servizi"
    ((mine,),) = [listed.json()["items"]]
    assert mine["proposed_worker_name"] == "Chiara Bianchi"


async def test_the_household_sees_the_full_name_once_it_accepts(client, session, catalogue):
    citizen = await make_user(session)
    request = await invited_request(client, auth_headers(citizen), catalogue, "aurora", "elce")
    chosen = await make_offer(client, catalogue, "aurora", request["id"], proposed_worker_name="Chiara Bianchi")
    await make_offer(client, catalogue, "elce", request["id"], proposed_worker_name="Giulia Verdi")

    accepted = await offer_action(client, auth_headers(citizen), chosen["id"], "accept")
    listed = await client.get(offers_url(request["id"]), headers=auth_headers(citizen))

    assert accepted.status_code == 200, accepted.text
    offers = by_provider(listed.json()["items"], catalogue)
    assert offers["aurora"]["status"] == "accepted"
    assert offers["aurora"]["proposed_worker_name"] == "Chiara Bianchi"
    # The offer not taken stays as it was before: declined, the first name only.
    assert offers["elce"]["status"] == "declined"
    assert offers["elce"]["proposed_worker_name"] == "Giulia"


async def test_declining_answers_the_household_with_the_first_name_only(client, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "dalia")
    offer = await make_offer(client, catalogue, "dalia", request["id"], proposed_worker_name="Dalia Esposito")

    declined = await offer_action(client, as_citizen_a, offer["id"], "decline")

    assert declined.status_code == 200, declined.text
    assert declined.json()["proposed_worker_name"] == "Dalia"
    assert declined.json()["provider"]["badges"] == BADGES["dalia"]
    assert "Esposito" not in declined.text


async def test_a_name_field_holding_no_name_tells_the_household_nothing(client, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    await make_offer(client, catalogue, "aurora", request["id"], proposed_worker_name="+39 339 1234567")

    listed = await client.get(offers_url(request["id"]), headers=as_citizen_a)

    ((offer,),) = [listed.json()["items"]]
    assert (offer["proposed_worker"], offer["proposed_worker_name"]) == (None, None)
    assert "1234567" not in listed.text


NOTE = "Disponibili dal 12/03/2026, 15 € l'ora. Chiamate Chiara al 339 123 4567 o scrivete a chiara@example.it"


async def test_the_household_reads_the_note_with_contacts_masked_until_it_accepts(client, session, catalogue):
    citizen = await make_user(session)
    request = await invited_request(client, auth_headers(citizen), catalogue, "aurora")
    offer = await make_offer(client, catalogue, "aurora", request["id"], message=NOTE)
    masked = "Disponibili dal 12/03/2026, 15 € l'ora. Chiamate Chiara al [telefono] o scrivete a [email]"

    before = await client.get(offers_url(request["id"]), headers=auth_headers(citizen))
    as_author = await client.get(offers_url(request["id"]), headers=catalogue.headers("aurora"))
    accepted = await offer_action(client, auth_headers(citizen), offer["id"], "accept")
    after = await client.get(offers_url(request["id"]), headers=auth_headers(citizen))

    # The author sees what they wrote, and what the household does not see of it.
    assert (offer["message"], offer["message_masked_kinds"]) == (NOTE, ["email", "phone"])
    assert as_author.json()["items"][0]["message"] == NOTE
    ((seen,),) = [before.json()["items"]]
    assert (seen["message"], seen["message_masked_kinds"]) == (masked, ["email", "phone"])
    assert "1234567" not in before.text and "chiara@" not in before.text
    assert accepted.status_code == 200, accepted.text
    ((seen,),) = [after.json()["items"]]
    assert (seen["message"], seen["message_masked_kinds"]) == (NOTE, [])


async def test_a_note_without_contacts_reads_the_same_for_everyone(client, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    offer = await make_offer(client, catalogue, "aurora", request["id"])

    listed = await client.get(offers_url(request["id"]), headers=as_citizen_a)

    ((seen,),) = [listed.json()["items"]]
    assert seen["message"] == offer["message"] == "Disponibili da gennaio; la tata parla inglese."
    assert seen["message_masked_kinds"] == offer["message_masked_kinds"] == []


@pytest.mark.parametrize(
    ("written", "first"),
    [
        ("Chiara", "Chiara"),
        ("Chiara Bianchi", "Chiara"),
        ("  Maria   Luisa Rossi ", "Maria"),
        ("Anna,Verdi", "Anna"),
        ("Anna-Maria D'Angelo", "Anna-Maria"),
        ("D'Angelo", "D'Angelo"),
        ("3391234567 Chiara", "Chiara"),
        ("+39 339 1234567", None),
        ("chiara@example.it Chiara", "Chiara"),
        ("www.chiara.it", None),
        ("Chiara2", None),
        ("Zoë", "Zoë"),
        ("Chiara.", "Chiara"),
        ("(Chiara) Bianchi", "Chiara"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_the_first_name_is_the_first_word_written(written: str | None, first: str | None) -> None:
    assert first_name_of(written) == first
