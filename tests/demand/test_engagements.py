"""Engagements: only the two parties see one, contact details appear only from acceptance on,
and either party completes or cancels it."""

import json
import uuid
from typing import Any

import pytest

from app.models import DemandRequest, Engagement, EngagementStatus, RequestStatus
from tests.demand.conftest import (
    INBOX_URL,
    PRIVATE_NOTES,
    PRIVATE_POSTCODE,
    PRIVATE_STREET,
    REQUESTS_URL,
    in_days,
    milan_today,
)
from tests.demand.offer_helpers import (
    audit_entries,
    engaged,
    event_types,
    fresh,
    invited_request,
    make_offer,
    offer_action,
    offers_url,
)
from tests.factories import auth_headers

ENGAGEMENTS_URL = "/v1/engagements"
CITIZEN_PHONE = "+39 333 123 4567"
AURORA_EMAIL = "info@aurora.example"
AURORA_PHONE = "+39 02 5555 0101"
DALIA_PHONE = "+39 347 765 4321"


def engagement_url(engagement_id: str, action: str = "") -> str:
    return f"{ENGAGEMENTS_URL}/{engagement_id}" + (f"/{action}" if action else "")


@pytest.fixture
async def contacts(session, citizen_a, catalogue) -> dict[str, str]:
    """Gives citizen A a phone, aurora an e-mail and phone, and dalia's worker a phone; returns
    every personal detail of citizen A that a provider must not see before acceptance."""
    citizen_a.phone = CITIZEN_PHONE
    catalogue.providers["aurora"].email, catalogue.providers["aurora"].phone = AURORA_EMAIL, AURORA_PHONE
    catalogue.staff["dalia"].phone = DALIA_PHONE
    await session.flush()
    return {
        "name": citizen_a.full_name,
        "email": citizen_a.email,
        "phone": CITIZEN_PHONE,
        "street": PRIVATE_STREET,
        "postcode": PRIVATE_POSTCODE,
        "notes": PRIVATE_NOTES,
        "citizen_id": str(citizen_a.id),
    }


def leaked(response_body: Any, personal: dict[str, str]) -> list[str]:
    """Which of the personal details occur anywhere in a response body."""
    text = json.dumps(response_body)
    return [key for key, value in personal.items() if value in text]


@pytest.fixture
async def engagement(client, as_citizen_a, catalogue, contacts) -> dict[str, Any]:
    """Citizen A's request, aurora's offer accepted (dalia invited and answered too, and lost)."""
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", "dalia", start_date=milan_today())
    winner = await make_offer(client, catalogue, "aurora", request["id"])
    await make_offer(client, catalogue, "dalia", request["id"])
    response = await offer_action(client, as_citizen_a, winner["id"], "accept")
    assert response.status_code == 200, response.text
    return response.json()


# --- who sees it -------------------------------------------------------------------------------------


async def test_citizen_party_reads_the_engagement(client, as_citizen_a, engagement):
    response = await client.get(engagement_url(engagement["id"]), headers=as_citizen_a)

    assert response.status_code == 200
    assert response.json()["id"] == engagement["id"]
    assert response.headers["etag"] == f'"{engagement["version"]}"'


async def test_provider_party_staff_reads_the_engagement(client, catalogue, engagement):
    response = await client.get(engagement_url(engagement["id"]), headers=catalogue.headers("aurora"))

    assert response.status_code == 200
    assert response.json()["id"] == engagement["id"]


async def test_third_citizen_reading_the_engagement_gets_404(client, as_citizen_b, engagement):
    response = await client.get(engagement_url(engagement["id"]), headers=as_citizen_b)

    assert response.status_code == 404
    assert response.json()["code"] == "engagement_not_found"


@pytest.mark.parametrize("name", ["dalia", "elce"])
async def test_another_providers_staff_reading_the_engagement_gets_404(client, catalogue, engagement, name):
    response = await client.get(engagement_url(engagement["id"]), headers=catalogue.headers(name))

    assert response.status_code == 404
    assert response.json()["code"] == "engagement_not_found"


async def test_hub_operator_reading_the_engagement_gets_404(client, as_hub_operator, engagement):
    response = await client.get(engagement_url(engagement["id"]), headers=as_hub_operator)

    assert response.status_code == 404
    assert response.json()["code"] == "engagement_not_found"


async def test_reading_an_unknown_engagement_returns_404(client, as_citizen_a):
    response = await client.get(engagement_url(str(uuid.uuid4())), headers=as_citizen_a)

    assert response.status_code == 404
    assert response.json()["code"] == "engagement_not_found"


# --- contact details: never before acceptance --------------------------------------------------------


async def test_before_acceptance_the_providers_inbox_holds_no_personal_data(client, as_citizen_a, catalogue, contacts):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")

    response = await client.get(INBOX_URL, headers=catalogue.headers("aurora"))

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [request["id"]]
    assert leaked(response.json(), contacts) == []
    assert "point" not in response.json()["items"][0]
    assert "address" not in response.json()["items"][0]


async def test_before_acceptance_the_providers_offer_list_holds_no_personal_data(
    client, as_citizen_a, catalogue, contacts
):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    await make_offer(client, catalogue, "aurora", request["id"])

    response = await client.get(offers_url(request["id"]), headers=catalogue.headers("aurora"))

    assert response.status_code == 200
    assert len(response.json()["items"]) == 1
    assert leaked(response.json(), contacts) == []


async def test_before_acceptance_the_provider_cannot_read_the_request_itself(client, as_citizen_a, catalogue, contacts):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    await make_offer(client, catalogue, "aurora", request["id"])

    response = await client.get(f"{REQUESTS_URL}/{request['id']}", headers=catalogue.headers("aurora"))

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"
    assert leaked(response.json(), contacts) == []


async def test_before_acceptance_the_provider_has_no_engagement(client, as_citizen_a, catalogue, contacts):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    await make_offer(client, catalogue, "aurora", request["id"])

    response = await client.get(ENGAGEMENTS_URL, headers=catalogue.headers("aurora"))

    assert response.status_code == 200
    assert response.json()["items"] == []


async def test_after_acceptance_the_losing_provider_still_sees_no_personal_data(
    client, as_citizen_a, catalogue, contacts, engagement
):
    offers = await client.get(offers_url(engagement["request_id"]), headers=catalogue.headers("dalia"))
    mine = await client.get(ENGAGEMENTS_URL, headers=catalogue.headers("dalia"))

    assert [o["status"] for o in offers.json()["items"]] == ["declined"]
    assert leaked(offers.json(), contacts) == []
    assert mine.json()["items"] == []


# --- contact details: from acceptance, to both parties -----------------------------------------------


async def test_accepting_reveals_both_parties_contacts_and_the_address_to_the_citizen(
    client, citizen_a, catalogue, engagement
):
    assert engagement["citizen"] == {"name": citizen_a.full_name, "email": citizen_a.email, "phone": CITIZEN_PHONE}
    assert engagement["provider"] == {
        "name": catalogue.providers["aurora"].display_name,
        "email": AURORA_EMAIL,
        "phone": AURORA_PHONE,
    }
    assert engagement["address"] == {"street": PRIVATE_STREET, "postcode": PRIVATE_POSTCODE}


async def test_provider_party_sees_the_same_contacts_and_address(client, as_citizen_a, catalogue, engagement):
    as_citizen = await client.get(engagement_url(engagement["id"]), headers=as_citizen_a)

    as_provider = await client.get(engagement_url(engagement["id"]), headers=catalogue.headers("aurora"))

    assert as_provider.json()["citizen"] == as_citizen.json()["citizen"] == engagement["citizen"]
    assert as_provider.json()["provider"] == as_citizen.json()["provider"] == engagement["provider"]
    assert as_provider.json()["address"] == {"street": PRIVATE_STREET, "postcode": PRIVATE_POSTCODE}


async def test_individual_workers_contact_is_the_workers_own_email_and_phone(client, as_citizen_a, catalogue, contacts):
    engagement = await engaged(client, as_citizen_a, catalogue, "dalia")

    response = await client.get(engagement_url(engagement["id"]), headers=catalogue.headers("dalia"))

    assert response.json()["provider"] == {
        "name": catalogue.providers["dalia"].display_name,
        "email": catalogue.staff["dalia"].email,
        "phone": DALIA_PHONE,
    }


async def test_engagement_without_a_private_address_has_none(client, as_citizen_a, catalogue, contacts):
    engagement = await engaged(client, as_citizen_a, catalogue, "aurora", address=None)

    response = await client.get(engagement_url(engagement["id"]), headers=catalogue.headers("aurora"))

    assert response.json()["address"] is None


# --- listing -----------------------------------------------------------------------------------------


@pytest.fixture
async def two_engagements(client, as_citizen_a, as_citizen_b, catalogue) -> dict[str, str]:
    """Citizen A engaged with aurora, citizen B with dalia: their engagement ids."""
    a = await engaged(client, as_citizen_a, catalogue, "aurora")
    b = await engaged(client, as_citizen_b, catalogue, "dalia")
    return {"a": a["id"], "b": b["id"]}


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [("citizen_a", ["a"]), ("citizen_b", ["b"]), ("aurora", ["a"]), ("dalia", ["b"]), ("elce", [])],
)
async def test_list_shows_only_ones_own_engagements(
    client, citizen_a, citizen_b, catalogue, two_engagements, viewer, expected
):
    people = {"citizen_a": citizen_a, "citizen_b": citizen_b}
    headers = auth_headers(people[viewer]) if viewer in people else catalogue.headers(viewer)

    response = await client.get(ENGAGEMENTS_URL, headers=headers)

    assert response.status_code == 200
    assert [e["id"] for e in response.json()["items"]] == [two_engagements[k] for k in expected]


async def test_list_of_a_hub_operator_is_empty(client, as_hub_operator, two_engagements):
    response = await client.get(ENGAGEMENTS_URL, headers=as_hub_operator)

    assert response.status_code == 200
    assert response.json()["items"] == []


async def test_list_filters_by_status(client, as_citizen_a, catalogue):
    done = await engaged(client, as_citizen_a, catalogue, "aurora", start_date=milan_today())
    active = await engaged(client, as_citizen_a, catalogue, "dalia")
    await client.post(engagement_url(done["id"], "complete"), headers=as_citizen_a)

    completed = await client.get(ENGAGEMENTS_URL, params={"status": "completed"}, headers=as_citizen_a)
    still_active = await client.get(ENGAGEMENTS_URL, params={"status": "active"}, headers=as_citizen_a)

    assert [e["id"] for e in completed.json()["items"]] == [done["id"]]
    assert [e["id"] for e in still_active.json()["items"]] == [active["id"]]


# --- complete and cancel -----------------------------------------------------------------------------


def party_headers(party: str, as_citizen_a: dict[str, str], catalogue: Any) -> dict[str, str]:
    return as_citizen_a if party == "citizen" else catalogue.headers("aurora")


@pytest.mark.parametrize("party", ["citizen", "provider"])
async def test_either_party_completes_the_engagement_and_the_request_is_fulfilled(
    client, session, as_citizen_a, catalogue, engagement, party
):
    response = await client.post(
        engagement_url(engagement["id"], "complete"), headers=party_headers(party, as_citizen_a, catalogue)
    )

    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.json()["completed_at"] is not None
    assert (await fresh(session, Engagement, engagement["id"])).status == EngagementStatus.completed
    assert (await fresh(session, DemandRequest, engagement["request_id"])).status == RequestStatus.fulfilled


@pytest.mark.parametrize("party", ["citizen", "provider"])
async def test_completing_before_the_start_date_returns_409_engagement_not_started(
    client, session, as_citizen_a, catalogue, party
):
    future = await engaged(client, as_citizen_a, catalogue, "aurora", start_date=in_days(14))

    response = await client.post(
        engagement_url(future["id"], "complete"), headers=party_headers(party, as_citizen_a, catalogue)
    )

    assert response.status_code == 409
    assert response.json()["code"] == "engagement_not_started"
    assert (await fresh(session, Engagement, future["id"])).status == EngagementStatus.active
    assert (await fresh(session, DemandRequest, future["request_id"])).status == RequestStatus.accepted


async def test_an_engagement_that_has_not_started_cannot_be_reviewed(client, as_citizen_a, catalogue):
    future = await engaged(client, as_citizen_a, catalogue, "aurora", start_date=in_days(14))
    await client.post(engagement_url(future["id"], "complete"), headers=as_citizen_a)

    response = await client.post(
        engagement_url(future["id"], "review"), json={"rating": 5, "text": "ok"}, headers=as_citizen_a
    )

    assert response.status_code == 409
    assert response.json()["code"] == "engagement_not_completed"


async def test_completing_writes_engagement_completed_event_and_audit_entry(client, session, catalogue, engagement):
    await client.post(engagement_url(engagement["id"], "complete"), headers=catalogue.headers("aurora"))

    assert await event_types(session, engagement["id"]) == ["engagement.created", "engagement.completed"]
    entry = (await audit_entries(session, engagement["id"]))[-1]
    assert entry.action == "engagement.completed"
    assert entry.actor_id == catalogue.staff["aurora"].id
    assert entry.detail["by"] == "provider"


@pytest.mark.parametrize("party", ["citizen", "provider"])
async def test_either_party_cancels_with_a_reason_and_the_request_is_cancelled(
    client, session, as_citizen_a, catalogue, engagement, party
):
    reason = "Moving to Turin next month"

    response = await client.post(
        engagement_url(engagement["id"], "cancel"),
        json={"reason": reason},
        headers=party_headers(party, as_citizen_a, catalogue),
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_reason"] == reason
    request = await fresh(session, DemandRequest, engagement["request_id"])
    assert (request.status, request.closed_reason) == (RequestStatus.cancelled, reason)


async def test_cancelling_writes_engagement_cancelled_event_and_audit_entry(client, session, as_citizen_a, engagement):
    await client.post(
        engagement_url(engagement["id"], "cancel"), json={"reason": "Moving to Turin"}, headers=as_citizen_a
    )

    assert await event_types(session, engagement["id"]) == ["engagement.created", "engagement.cancelled"]
    entry = (await audit_entries(session, engagement["id"]))[-1]
    assert (entry.action, entry.detail) == ("engagement.cancelled", {"by": "citizen", "reason": "Moving to Turin"})


async def test_completing_twice_returns_409_invalid_transition(client, as_citizen_a, catalogue, engagement):
    await client.post(engagement_url(engagement["id"], "complete"), headers=as_citizen_a)

    response = await client.post(engagement_url(engagement["id"], "complete"), headers=catalogue.headers("aurora"))

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "completed"


async def test_cancelling_a_completed_engagement_returns_409_and_keeps_the_request_fulfilled(
    client, session, as_citizen_a, engagement
):
    await client.post(engagement_url(engagement["id"], "complete"), headers=as_citizen_a)

    response = await client.post(
        engagement_url(engagement["id"], "cancel"), json={"reason": "Changed my mind"}, headers=as_citizen_a
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "completed"
    assert (await fresh(session, DemandRequest, engagement["request_id"])).status == RequestStatus.fulfilled


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  no "}])
async def test_cancelling_without_a_reason_returns_422_and_keeps_it_active(
    client, session, as_citizen_a, engagement, body
):
    response = await client.post(engagement_url(engagement["id"], "cancel"), json=body, headers=as_citizen_a)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/reason"
    assert (await fresh(session, Engagement, engagement["id"])).status == EngagementStatus.active


@pytest.mark.parametrize("action", ["complete", "cancel"])
async def test_a_non_party_closing_the_engagement_gets_404_and_changes_nothing(
    client, session, as_citizen_b, engagement, action
):
    response = await client.post(
        engagement_url(engagement["id"], action), json={"reason": "Not mine to close"}, headers=as_citizen_b
    )

    assert response.status_code == 404
    assert response.json()["code"] == "engagement_not_found"
    assert (await fresh(session, Engagement, engagement["id"])).status == EngagementStatus.active


async def test_completing_with_a_stale_if_match_returns_412(client, session, as_citizen_a, engagement):
    stale = f'"{engagement["version"] + 3}"'

    response = await client.post(
        engagement_url(engagement["id"], "complete"), headers={**as_citizen_a, "If-Match": stale}
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert (await fresh(session, Engagement, engagement["id"])).status == EngagementStatus.active
