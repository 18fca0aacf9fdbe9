"""GET /v1/requests/inbox: the open requests a provider may answer, anonymised.

Visible: quote/operator-mode requests the provider was invited to, and open-mode ones in a category
and NIL it serves with a searchable service. Never: who asked, or exactly where (privacy by design).
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from app.demand.requests import expire_due
from app.models import ContractType, DemandRequest, Offer, PriceModel, RequestStatus, ServiceStatus
from tests.demand.conftest import (
    CITTA_STUDI,
    INBOX_URL,
    NIL_22,
    PRIVATE_NOTES,
    PRIVATE_POSTCODE,
    PRIVATE_STREET,
    REQUESTS_URL,
    TATA,
    invite,
    post_request,
    request_body,
    slot,
)
from tests.factories import add_provider_staff, auth_headers, make_provider, make_provider_staff_user, make_service

ALLOWED_KEYS = {
    "id",
    "category_id",
    "nil_id",
    "description",
    "schedule",
    "start_date",
    "end_date",
    "budget_cents",
    "budget_model",
    "preferences",
    "open_to_sharing",
    "mode",
    "valid_until",
    "quotes_due_at",
    "invited",
    "has_offered",
    "is_substitution",  # whether it covers an absent worker (so CCNL offers are fixed-term): no one's data
}
PREFERENCE_KEYS = {"languages", "provider_kinds", "required_badges"}
SLOT_KEYS = {"day", "opens", "closes"}
CONSENT_NOTE = "Consenso verbale allo sportello di via Padova"


async def inbox(client, headers: dict[str, str], **params: Any):
    return await client.get(INBOX_URL, params=params, headers=headers)


def inbox_ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def expire_without_the_worker(session, request_id: str) -> None:
    """valid_until passes; the worker has not run yet, so the status is still open."""
    await session.execute(
        update(DemandRequest)
        .where(DemandRequest.id == uuid.UUID(request_id))
        .values(valid_until=datetime.now(UTC) - timedelta(minutes=1))
    )
    session.expunge_all()


# --- who sees what ---------------------------------------------------------------------------------


async def test_an_invited_provider_sees_the_quote_request_marked_invited(client, catalogue, request_a, as_citizen_a):
    await invite(client, as_citizen_a, request_a["id"], catalogue.services["aurora_full"])

    response = await inbox(client, catalogue.headers("aurora"))

    (item,) = response.json()["items"]
    assert item["id"] == request_a["id"]
    assert (item["invited"], item["has_offered"], item["mode"]) == (True, False, "quote")


async def test_an_eligible_provider_that_was_not_invited_does_not_see_a_quote_request(
    client, catalogue, request_a, as_citizen_a
):
    await invite(client, as_citizen_a, request_a["id"], catalogue.services["aurora_full"])

    response = await inbox(client, catalogue.headers("betulla"))

    assert inbox_ids(response) == []


async def test_a_quote_request_with_no_invitations_is_in_no_inbox(client, catalogue, request_a):
    responses = [await inbox(client, catalogue.headers(name)) for name in catalogue.providers]

    assert [inbox_ids(r) for r in responses] == [[] for _ in catalogue.providers]


@pytest.mark.parametrize("name", ["aurora", "betulla", "cedro", "dalia", "elce"])
async def test_an_open_mode_request_is_in_the_inbox_of_every_eligible_provider(
    client, catalogue, open_mode_request_a, name
):
    response = await inbox(client, catalogue.headers(name))

    (item,) = response.json()["items"]
    assert (item["id"], item["invited"], item["mode"]) == (open_mode_request_a["id"], False, "open")


@pytest.mark.parametrize("name", ["sospesa", "lontana"], ids=["suspended", "not-covering-nil-22"])
async def test_an_open_mode_request_is_not_in_the_inbox_of_an_ineligible_provider(
    client, catalogue, open_mode_request_a, name
):
    response = await inbox(client, catalogue.headers(name))

    assert inbox_ids(response) == []


async def test_an_open_mode_request_is_not_in_the_inbox_of_a_provider_of_another_category(
    client, session, catalogue, open_mode_request_a
):
    staff = await make_provider_staff_user(session)
    provider = await make_provider(session, staff=staff)
    await make_service(session, provider, category="colf", zones_served=[NIL_22])
    session.expunge_all()

    response = await inbox(client, auth_headers(staff))

    assert inbox_ids(response) == []


async def test_an_open_mode_request_is_not_in_the_inbox_of_a_provider_whose_matching_service_is_a_draft(
    client, session, open_mode_request_a
):
    staff = await make_provider_staff_user(session)
    provider = await make_provider(session, staff=staff)
    await make_service(session, provider, category="tata-babysitter", zones_served=[NIL_22], status=ServiceStatus.draft)
    session.expunge_all()

    response = await inbox(client, auth_headers(staff))

    assert inbox_ids(response) == []


async def test_an_open_mode_draft_is_in_no_inbox(client, catalogue, as_citizen_a):
    await post_request(client, as_citizen_a, mode="open", open_now=False)

    response = await inbox(client, catalogue.headers("aurora"))

    assert inbox_ids(response) == []


async def test_an_open_mode_request_past_valid_until_leaves_the_inbox_before_the_worker_runs(
    client, session, catalogue, open_mode_request_a
):
    await expire_without_the_worker(session, open_mode_request_a["id"])

    response = await inbox(client, catalogue.headers("aurora"))

    assert inbox_ids(response) == []


async def test_an_invited_request_past_valid_until_leaves_the_inbox(
    client, session, catalogue, request_a, as_citizen_a
):
    await invite(client, as_citizen_a, request_a["id"], catalogue.services["aurora_full"])
    await expire_without_the_worker(session, request_a["id"])

    response = await inbox(client, catalogue.headers("aurora"))

    assert inbox_ids(response) == []


async def test_an_expired_request_leaves_the_inbox(client, session, catalogue, open_mode_request_a):
    await expire_without_the_worker(session, open_mode_request_a["id"])
    await expire_due(session)

    response = await inbox(client, catalogue.headers("aurora"))

    assert inbox_ids(response) == []


@pytest.mark.parametrize("mode", ["quote", "open"])
async def test_a_cancelled_request_leaves_the_inbox(client, catalogue, as_citizen_a, mode):
    request = await post_request(client, as_citizen_a, mode=mode)
    if mode == "quote":
        await invite(client, as_citizen_a, request["id"], catalogue.services["aurora_full"])
    before = await inbox(client, catalogue.headers("aurora"))
    await client.post(f"{REQUESTS_URL}/{request['id']}/cancel", json={"reason": "Not needed"}, headers=as_citizen_a)

    response = await inbox(client, catalogue.headers("aurora"))

    assert inbox_ids(before) == [request["id"]]
    assert inbox_ids(response) == []


async def test_an_accepted_request_leaves_the_inbox(client, session, catalogue, open_mode_request_a):
    await session.execute(
        update(DemandRequest)
        .where(DemandRequest.id == uuid.UUID(open_mode_request_a["id"]))
        .values(status=RequestStatus.accepted)
    )
    session.expunge_all()

    response = await inbox(client, catalogue.headers("aurora"))

    assert inbox_ids(response) == []


async def test_has_offered_is_true_once_the_provider_has_a_pending_offer(
    client, session, catalogue, open_mode_request_a
):
    session.add(
        Offer(
            request_id=uuid.UUID(open_mode_request_a["id"]),
            provider_id=catalogue.providers["aurora"].id,
            price_cents=1200,
            price_model=PriceModel.hourly,
            schedule=[slot("tue", "16:00", "19:00")],
            contract_type=ContractType.organisation_purchase,
            valid_until=datetime.now(UTC) + timedelta(days=7),
        )
    )
    await session.flush()
    session.expunge_all()

    mine = await inbox(client, catalogue.headers("aurora"))
    theirs = await inbox(client, catalogue.headers("betulla"))

    assert mine.json()["items"][0]["has_offered"] is True
    assert theirs.json()["items"][0]["has_offered"] is False


async def test_the_inbox_lists_the_most_recently_opened_first(client, catalogue, as_citizen_a):
    older = await post_request(client, as_citizen_a, mode="open", description="older")
    newer = await post_request(client, as_citizen_a, mode="open", description="newer")

    response = await inbox(client, catalogue.headers("aurora"))

    assert inbox_ids(response) == [newer["id"], older["id"]]


# --- nothing personal (privacy by design) ------------------------------------------------------------


def leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every scalar in a JSON document, with its JSON Pointer."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in leaves(v, f"{path}/{k}")]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in leaves(v, f"{path}/{i}")]
    return [(path, value)]


@pytest.fixture
async def personal_request(client, session, citizen_a, as_hub_operator) -> dict[str, Any]:
    """An open-mode request a hub operator made for citizen A, who has a phone number."""
    citizen_a.phone = "+39 333 123 4567"
    await session.flush()
    body = request_body(
        mode="open",
        citizen_id=str(citizen_a.id),
        consent_note=CONSENT_NOTE,
        preferences={"languages": ["en"], "required_badges": ["background_check"]},
    )
    response = await client.post(REQUESTS_URL, json=body, headers=as_hub_operator)
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_inbox_item_has_only_the_allowed_fields(client, catalogue, personal_request):
    response = await inbox(client, catalogue.headers("aurora"))

    (item,) = response.json()["items"]
    assert set(item) == ALLOWED_KEYS
    assert set(item["preferences"]) == PREFERENCE_KEYS
    assert all(set(s) == SLOT_KEYS for s in item["schedule"])


async def test_an_inbox_item_carries_the_anonymised_need_exactly(client, catalogue, personal_request):
    response = await inbox(client, catalogue.headers("aurora"))

    (item,) = response.json()["items"]
    expected = {k: personal_request[k] for k in ALLOWED_KEYS - {"invited", "has_offered", "is_substitution"}}
    assert {k: item[k] for k in expected} == expected
    assert item["is_substitution"] is False
    assert (item["category_id"], item["nil_id"]) == (str(TATA), str(NIL_22))


async def test_an_inbox_response_shows_no_personal_field_of_the_citizen_or_the_operator(
    client, catalogue, citizen_a, hub_operator, personal_request
):
    response = await inbox(client, catalogue.headers("aurora"))

    text = response.text
    (item,) = response.json()["items"]
    assert item["id"] == personal_request["id"]
    # Values that cannot occur by chance in ids, dates or numbers: absent from the whole response.
    assert citizen_a.full_name not in text
    assert citizen_a.email not in text
    assert citizen_a.phone not in text
    assert str(citizen_a.id) not in text
    assert hub_operator.full_name not in text
    assert hub_operator.email not in text
    assert str(hub_operator.id) not in text
    assert PRIVATE_STREET not in text
    assert PRIVATE_NOTES not in text
    assert CONSENT_NOTE not in text
    # Short values (postcode, coordinates) could occur inside a UUID or a timestamp by chance, so
    # they are checked against every value that is not an id or a date.
    typed = {"/id", "/category_id", "/nil_id", "/start_date", "/end_date", "/valid_until", "/quotes_due_at"}
    free = [(path, value) for path, value in leaves(item) if path not in typed]
    for path, value in free:
        assert PRIVATE_POSTCODE not in str(value), path
        assert str(CITTA_STUDI["lat"]) not in str(value), path
        assert str(CITTA_STUDI["lon"]) not in str(value), path
    for key in ("address", "point", "beneficiary_notes", "citizen_id", "created_by_id", "consent_note"):
        assert key not in item
        assert f'"{key}"' not in text


# --- which provider is asking ------------------------------------------------------------------------


async def test_staff_of_two_providers_must_say_which_one_with_provider_id(
    client, session, catalogue, open_mode_request_a
):
    await add_provider_staff(session, catalogue.providers["lontana"], catalogue.staff["aurora"])
    session.expunge_all()

    response = await inbox(client, catalogue.headers("aurora"))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/provider_id"
    assert response.json()["errors"][0]["location"] == "query"


async def test_staff_of_two_providers_see_the_inbox_of_the_provider_they_name(
    client, session, catalogue, open_mode_request_a
):
    await add_provider_staff(session, catalogue.providers["lontana"], catalogue.staff["aurora"])
    session.expunge_all()

    as_aurora = await inbox(client, catalogue.headers("aurora"), provider_id=catalogue.provider_id("aurora"))
    as_lontana = await inbox(client, catalogue.headers("aurora"), provider_id=catalogue.provider_id("lontana"))

    assert inbox_ids(as_aurora) == [open_mode_request_a["id"]]
    assert inbox_ids(as_lontana) == []


async def test_naming_an_accredited_provider_one_does_not_work_for_returns_403(client, catalogue, open_mode_request_a):
    response = await inbox(client, catalogue.headers("lontana"), provider_id=catalogue.provider_id("aurora"))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_naming_a_suspended_provider_one_does_not_work_for_returns_404(client, catalogue, open_mode_request_a):
    response = await inbox(client, catalogue.headers("aurora"), provider_id=catalogue.provider_id("sospesa"))

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


async def test_naming_an_unknown_provider_returns_404(client, catalogue):
    response = await inbox(client, catalogue.headers("aurora"), provider_id=str(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


async def test_a_citizen_calling_the_inbox_gets_403(client, catalogue, open_mode_request_a, as_citizen_b):
    response = await inbox(client, as_citizen_b)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "items" not in response.json()


async def test_a_citizen_naming_a_provider_in_the_inbox_gets_403(client, catalogue, open_mode_request_a, as_citizen_b):
    response = await inbox(client, as_citizen_b, provider_id=catalogue.provider_id("aurora"))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "items" not in response.json()


async def test_anonymous_calling_the_inbox_gets_401(client, catalogue):
    response = await client.get(INBOX_URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
