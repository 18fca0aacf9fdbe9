"""Offers on requests: who may answer, the CCNL minimum, listing by role, withdraw / decline /
accept, and two concurrent accepts on one request (through an app on the real engine)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.models import (
    AccreditationState,
    DemandRequest,
    Engagement,
    Offer,
    OutboxEvent,
    Provider,
    RequestStatus,
    Role,
    User,
)
from tests.demand.conftest import NIL_22, post_request, request_body
from tests.demand.offer_helpers import (
    audit_entries,
    engagements_on,
    event_types,
    fresh,
    invited_request,
    make_offer,
    offer_action,
    offer_body,
    offers_on,
    offers_url,
    post_offer,
)
from tests.factories import auth_headers, make_provider, make_provider_staff_user, make_service, make_user
from tests.problem_codes import checked_client

# The CCNL lavoro domestico hourly minimums (non-live-in) in force in 2026, in EUR: B and BS from the
# 2026 table; the other levels' 2026 figures are not verified, so the 2025 table applies to them
# (app/domestic_work/data/2026.json). tests/domestic_work holds the guard's other price models.
CCNL_MINIMUMS = {
    "A": "5.35",
    "AS": "6.30",
    "B": "7.01",
    "BS": "7.45",
    "C": "7.49",
    "CS": "7.91",
    "D": "9.12",
    "DS": "9.50",
}


def cents(euros: str) -> int:
    whole, fraction = euros.split(".")
    return int(whole) * 100 + int(fraction)


def ccnl(level: str, price_cents: int) -> dict:
    return {"contract_type": "ccnl_domestic", "ccnl_level": level, "weekly_hours": 6, "price_cents": price_cents}


async def offer_count(session: AsyncSession, request_id: str) -> int:
    stmt = select(func.count()).select_from(Offer).where(Offer.request_id == uuid.UUID(request_id))
    return await session.scalar(stmt)


# --- creating ----------------------------------------------------------------------------------------


async def test_invited_provider_creates_offer_returns_201_pending(client, session, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")

    response = await post_offer(client, catalogue, "aurora", request["id"], price_cents=1150)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["provider_id"] == catalogue.provider_id("aurora")
    assert body["price_cents"] == 1150
    assert body["proposed_worker_name"] == "Chiara"
    assert response.headers["etag"] == f'"{body["version"]}"'
    stored = await fresh(session, Offer, body["id"])
    assert stored.created_by_id == catalogue.staff["aurora"].id
    assert stored.valid_until > datetime.now(UTC) + timedelta(days=6)  # the 7-day default


async def test_creating_offer_writes_audit_entry_and_offer_created_event(client, session, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")

    offer = await make_offer(client, catalogue, "aurora", request["id"])

    assert await event_types(session, offer["id"]) == ["offer.created"]
    assert [a.action for a in await audit_entries(session, offer["id"])] == ["offer.created"]


async def test_uninvited_provider_gets_404_request_not_found_and_no_offer_row(client, session, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")

    response = await post_offer(client, catalogue, "betulla", request["id"])

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"
    assert await offer_count(session, request["id"]) == 0


async def test_offer_on_unknown_request_returns_404_request_not_found(client, catalogue):
    response = await post_offer(client, catalogue, "aurora", str(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"


async def test_eligible_provider_answers_open_mode_request_without_invitation(
    client, session, open_mode_request_a, catalogue
):
    response = await post_offer(client, catalogue, "betulla", open_mode_request_a["id"])

    assert response.status_code == 201
    assert await offer_count(session, open_mode_request_a["id"]) == 1


async def test_provider_not_covering_the_nil_gets_404_on_open_mode_request(
    client, session, open_mode_request_a, catalogue
):
    response = await post_offer(client, catalogue, "lontana", open_mode_request_a["id"])

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"
    assert await offer_count(session, open_mode_request_a["id"]) == 0


async def test_non_staff_offering_for_an_accredited_provider_returns_403(
    client, session, as_citizen_a, as_citizen_b, catalogue
):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")

    response = await client.post(
        offers_url(request["id"]), json=offer_body(catalogue.provider_id("aurora")), headers=as_citizen_b
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await offer_count(session, request["id"]) == 0


async def test_non_staff_offering_for_a_suspended_provider_returns_404_provider_not_found(
    client, session, open_mode_request_a, as_citizen_b, catalogue
):
    response = await client.post(
        offers_url(open_mode_request_a["id"]), json=offer_body(catalogue.provider_id("sospesa")), headers=as_citizen_b
    )

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"
    assert await offer_count(session, open_mode_request_a["id"]) == 0


async def test_staff_of_a_not_accredited_provider_gets_403(client, session, open_mode_request_a, catalogue):
    response = await post_offer(client, catalogue, "sospesa", open_mode_request_a["id"])

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await offer_count(session, open_mode_request_a["id"]) == 0


async def test_offer_on_cancelled_request_returns_409_request_not_open(client, session, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    cancelled = await client.post(
        f"/v1/requests/{request['id']}/cancel", json={"reason": "Found a neighbour"}, headers=as_citizen_a
    )
    assert cancelled.status_code == 200

    response = await post_offer(client, catalogue, "aurora", request["id"])

    assert response.status_code == 409
    assert response.json()["code"] == "request_not_open"
    assert response.json()["current_state"] == "cancelled"
    assert await offer_count(session, request["id"]) == 0


async def test_offer_on_accepted_request_returns_409_request_not_open(client, session, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", "dalia")
    offer = await make_offer(client, catalogue, "aurora", request["id"])
    assert (await offer_action(client, as_citizen_a, offer["id"], "accept")).status_code == 200

    response = await post_offer(client, catalogue, "dalia", request["id"])

    assert response.status_code == 409
    assert response.json()["code"] == "request_not_open"
    assert response.json()["current_state"] == "accepted"
    assert await offer_count(session, request["id"]) == 1


async def test_offer_on_expired_request_still_marked_open_returns_409_request_not_open(
    client, session, as_citizen_a, catalogue
):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    await session.execute(
        update(DemandRequest)
        .where(DemandRequest.id == uuid.UUID(request["id"]))
        .values(valid_until=datetime.now(UTC) - timedelta(minutes=1))
    )

    response = await post_offer(client, catalogue, "aurora", request["id"])

    assert response.status_code == 409
    assert response.json()["code"] == "request_not_open"
    assert response.json()["current_state"] == "expired"
    assert (await fresh(session, DemandRequest, request["id"])).status == RequestStatus.open
    assert await offer_count(session, request["id"]) == 0


async def test_offer_on_draft_open_mode_request_returns_409_request_not_open(client, session, as_citizen_a, catalogue):
    draft = await post_request(client, as_citizen_a, mode="open", open_now=False)

    response = await post_offer(client, catalogue, "aurora", draft["id"])

    assert response.status_code == 409
    assert response.json()["code"] == "request_not_open"
    assert response.json()["current_state"] == "draft"


async def test_offer_valid_until_in_the_past_returns_422(client, session, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()

    response = await post_offer(client, catalogue, "aurora", request["id"], valid_until=yesterday)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/valid_until"
    assert await offer_count(session, request["id"]) == 0


async def test_offer_naming_its_own_service_returns_201_with_it(client, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")

    response = await post_offer(
        client, catalogue, "aurora", request["id"], service_id=catalogue.service_id("aurora_full")
    )

    assert response.status_code == 201
    assert response.json()["service_id"] == catalogue.service_id("aurora_full")


@pytest.mark.parametrize("service", ["another providers", "unknown"])
async def test_offer_naming_a_service_not_of_the_provider_returns_422(
    client, session, as_citizen_a, catalogue, service
):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    service_id = catalogue.service_id("dalia_thursday") if service == "another providers" else str(uuid.uuid4())

    response = await post_offer(client, catalogue, "aurora", request["id"], service_id=service_id)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/service_id"
    assert await offer_count(session, request["id"]) == 0


# --- the CCNL minimum --------------------------------------------------------------------------------


@pytest.mark.parametrize("level", CCNL_MINIMUMS)
async def test_ccnl_offer_at_exactly_the_level_minimum_returns_201(client, as_citizen_a, catalogue, level):
    request = await invited_request(client, as_citizen_a, catalogue, "dalia")

    response = await post_offer(client, catalogue, "dalia", request["id"], **ccnl(level, cents(CCNL_MINIMUMS[level])))

    assert response.status_code == 201
    assert response.json()["ccnl_level"] == level
    assert response.json()["price_cents"] == cents(CCNL_MINIMUMS[level])


@pytest.mark.parametrize("level", CCNL_MINIMUMS)
async def test_ccnl_offer_one_cent_below_the_level_minimum_returns_422_naming_the_minimum(
    client, session, as_citizen_a, catalogue, level
):
    request = await invited_request(client, as_citizen_a, catalogue, "dalia")
    minimum = CCNL_MINIMUMS[level]

    response = await post_offer(client, catalogue, "dalia", request["id"], **ccnl(level, cents(minimum) - 1))

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "below_ccnl_minimum"
    assert f"{minimum} EUR/hour" in problem["detail"]
    assert f"level {level}, non-live-in:" in problem["detail"]
    assert problem["errors"][0]["pointer"] == "/price_cents"
    assert await offer_count(session, request["id"]) == 0


async def test_ccnl_monthly_offer_above_the_minimum_through_its_weekly_hours_returns_201(
    client, as_citizen_a, catalogue
):
    request = await invited_request(client, as_citizen_a, catalogue, "dalia")

    response = await post_offer(client, catalogue, "dalia", request["id"], price_model="monthly", **ccnl("BS", 120_000))

    assert response.status_code == 201
    offer = response.json()
    assert (offer["price_model"], offer["ccnl_level"], offer["status"]) == ("monthly", "BS", "pending")


@pytest.mark.parametrize("missing", ["ccnl_level", "weekly_hours"])
async def test_ccnl_offer_without_level_or_weekly_hours_returns_422(client, session, as_citizen_a, catalogue, missing):
    request = await invited_request(client, as_citizen_a, catalogue, "dalia")

    response = await post_offer(client, catalogue, "dalia", request["id"], **{**ccnl("B", 1000), missing: None})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/ccnl_level"
    assert await offer_count(session, request["id"]) == 0


@pytest.mark.parametrize("contract_type", ["libretto_famiglia", "organisation_purchase", "volunteer"])
@pytest.mark.parametrize("extra", [{"ccnl_level": "B"}, {"weekly_hours": 6}])
async def test_ccnl_fields_on_a_non_ccnl_contract_return_422(
    client, session, as_citizen_a, catalogue, contract_type, extra
):
    request = await invited_request(client, as_citizen_a, catalogue, "dalia")

    response = await post_offer(client, catalogue, "dalia", request["id"], contract_type=contract_type, **extra)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/ccnl_level"
    assert await offer_count(session, request["id"]) == 0


async def test_unknown_ccnl_level_returns_422(client, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "dalia")

    response = await post_offer(client, catalogue, "dalia", request["id"], **ccnl("E", 2000))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/ccnl_level"


# --- one pending offer per provider -------------------------------------------------------------------


async def test_second_pending_offer_by_the_same_provider_returns_409_offer_exists(
    client, session, as_citizen_a, catalogue
):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    await make_offer(client, catalogue, "aurora", request["id"])

    response = await post_offer(client, catalogue, "aurora", request["id"], price_cents=1100)

    assert response.status_code == 409
    assert response.json()["code"] == "offer_exists"
    assert await offer_count(session, request["id"]) == 1


async def test_withdrawn_offer_can_be_replaced_by_a_new_one(client, session, as_citizen_a, catalogue):
    request = await invited_request(client, as_citizen_a, catalogue, "aurora")
    first = await make_offer(client, catalogue, "aurora", request["id"])
    withdrawn = await offer_action(client, catalogue.headers("aurora"), first["id"], "withdraw")

    response = await post_offer(client, catalogue, "aurora", request["id"], price_cents=1100)

    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert response.status_code == 201
    assert [(o.status.value, o.price_cents) for o in await offers_on(session, request["id"])] == [
        ("withdrawn", 1200),
        ("pending", 1100),
    ]


# --- listing -----------------------------------------------------------------------------------------


@pytest.fixture
async def three_offers(client, as_citizen_a, catalogue) -> tuple[dict, dict[str, dict]]:
    """Citizen A's request with aurora, dalia and elce invited, each having answered."""
    request = await invited_request(client, as_citizen_a, catalogue, "aurora", "dalia", "elce")
    offers = {name: await make_offer(client, catalogue, name, request["id"]) for name in ("aurora", "dalia", "elce")}
    return request, offers


async def test_owner_lists_every_offer_on_the_request(client, as_citizen_a, three_offers):
    request, offers = three_offers

    response = await client.get(offers_url(request["id"]), headers=as_citizen_a)

    assert response.status_code == 200
    assert [o["id"] for o in response.json()["items"]] == [o["id"] for o in offers.values()]


async def test_provider_staff_lists_only_its_own_providers_offers(client, catalogue, three_offers):
    request, offers = three_offers

    response = await client.get(offers_url(request["id"]), headers=catalogue.headers("dalia"))

    assert response.status_code == 200
    assert [o["id"] for o in response.json()["items"]] == [offers["dalia"]["id"]]


async def test_third_party_citizen_listing_offers_gets_404(client, as_citizen_b, three_offers):
    request, _ = three_offers

    response = await client.get(offers_url(request["id"]), headers=as_citizen_b)

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"


async def test_uninvited_provider_staff_listing_offers_gets_404(client, catalogue, three_offers):
    request, _ = three_offers

    response = await client.get(offers_url(request["id"]), headers=catalogue.headers("betulla"))

    assert response.status_code == 404
    assert response.json()["code"] == "request_not_found"


# --- withdraw and decline ----------------------------------------------------------------------------


async def test_withdraw_by_own_staff_writes_audit_entry_and_event(client, session, catalogue, three_offers):
    _, offers = three_offers

    response = await offer_action(client, catalogue.headers("aurora"), offers["aurora"]["id"], "withdraw")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["decided_at"] is not None
    assert await event_types(session, offers["aurora"]["id"]) == ["offer.created", "offer.withdrawn"]
    assert [a.action for a in await audit_entries(session, offers["aurora"]["id"])][-1] == "offer.withdrawn"


async def test_withdraw_by_another_providers_staff_returns_404_and_keeps_the_offer(
    client, session, catalogue, three_offers
):
    _, offers = three_offers

    response = await offer_action(client, catalogue.headers("dalia"), offers["aurora"]["id"], "withdraw")

    assert response.status_code == 404
    assert response.json()["code"] == "offer_not_found"
    assert (await fresh(session, Offer, offers["aurora"]["id"])).status.value == "pending"


async def test_withdraw_by_the_requesting_citizen_returns_404(client, session, as_citizen_a, three_offers):
    _, offers = three_offers

    response = await offer_action(client, as_citizen_a, offers["aurora"]["id"], "withdraw")

    assert response.status_code == 404
    assert response.json()["code"] == "offer_not_found"
    assert (await fresh(session, Offer, offers["aurora"]["id"])).status.value == "pending"


async def test_withdraw_twice_returns_409_invalid_transition(client, catalogue, three_offers):
    _, offers = three_offers
    await offer_action(client, catalogue.headers("aurora"), offers["aurora"]["id"], "withdraw")

    response = await offer_action(client, catalogue.headers("aurora"), offers["aurora"]["id"], "withdraw")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "withdrawn"


async def test_withdrawing_an_accepted_offer_returns_409(client, session, as_citizen_a, catalogue, three_offers):
    request, offers = three_offers
    await offer_action(client, as_citizen_a, offers["aurora"]["id"], "accept")

    response = await offer_action(client, catalogue.headers("aurora"), offers["aurora"]["id"], "withdraw")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "accepted"
    assert len(await engagements_on(session, request["id"])) == 1


async def test_owner_declines_an_offer(client, session, as_citizen_a, three_offers):
    request, offers = three_offers

    response = await offer_action(client, as_citizen_a, offers["dalia"]["id"], "decline")

    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert await event_types(session, offers["dalia"]["id"]) == ["offer.created", "offer.declined"]
    assert [a.action for a in await audit_entries(session, offers["dalia"]["id"])][-1] == "offer.declined"
    assert (await fresh(session, DemandRequest, request["id"])).status == RequestStatus.open


async def test_declining_twice_returns_409_invalid_transition(client, as_citizen_a, three_offers):
    _, offers = three_offers
    await offer_action(client, as_citizen_a, offers["dalia"]["id"], "decline")

    response = await offer_action(client, as_citizen_a, offers["dalia"]["id"], "decline")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "declined"


async def test_decline_by_a_non_owner_citizen_returns_404_and_keeps_the_offer(
    client, session, as_citizen_b, three_offers
):
    _, offers = three_offers

    response = await offer_action(client, as_citizen_b, offers["dalia"]["id"], "decline")

    assert response.status_code == 404
    assert response.json()["code"] == "offer_not_found"
    assert (await fresh(session, Offer, offers["dalia"]["id"])).status.value == "pending"


async def test_decline_by_the_offering_providers_staff_returns_404(client, session, catalogue, three_offers):
    _, offers = three_offers

    response = await offer_action(client, catalogue.headers("dalia"), offers["dalia"]["id"], "decline")

    assert response.status_code == 404
    assert response.json()["code"] == "offer_not_found"
    assert (await fresh(session, Offer, offers["dalia"]["id"])).status.value == "pending"


async def test_action_on_unknown_offer_returns_404(client, as_citizen_a):
    response = await offer_action(client, as_citizen_a, str(uuid.uuid4()), "accept")

    assert response.status_code == 404
    assert response.json()["code"] == "offer_not_found"


# --- accept ------------------------------------------------------------------------------------------


async def test_accept_declines_the_other_pending_offers(client, session, as_citizen_a, three_offers):
    request, offers = three_offers

    response = await offer_action(client, as_citizen_a, offers["dalia"]["id"], "accept")

    assert response.status_code == 200
    statuses = {o.id: o.status.value for o in await offers_on(session, request["id"])}
    assert statuses == {
        uuid.UUID(offers["aurora"]["id"]): "declined",
        uuid.UUID(offers["dalia"]["id"]): "accepted",
        uuid.UUID(offers["elce"]["id"]): "declined",
    }


async def test_accept_leaves_a_withdrawn_offer_withdrawn(client, session, as_citizen_a, catalogue, three_offers):
    request, offers = three_offers
    await offer_action(client, catalogue.headers("elce"), offers["elce"]["id"], "withdraw")

    response = await offer_action(client, as_citizen_a, offers["dalia"]["id"], "accept")

    assert response.status_code == 200
    assert (await fresh(session, Offer, offers["elce"]["id"])).status.value == "withdrawn"


async def test_accept_moves_the_request_to_accepted(client, session, as_citizen_a, three_offers):
    request, offers = three_offers

    await offer_action(client, as_citizen_a, offers["dalia"]["id"], "accept")

    assert (await fresh(session, DemandRequest, request["id"])).status == RequestStatus.accepted


async def test_accept_creates_the_engagement_from_the_offer(client, session, as_citizen_a, citizen_a, three_offers):
    request, offers = three_offers

    response = await offer_action(client, as_citizen_a, offers["dalia"]["id"], "accept")

    body = response.json()
    engagements = await engagements_on(session, request["id"])
    assert [e.id for e in engagements] == [uuid.UUID(body["id"])]
    engagement = engagements[0]
    assert engagement.offer_id == uuid.UUID(offers["dalia"]["id"])
    assert engagement.citizen_id == citizen_a.id
    assert engagement.provider_id == uuid.UUID(offers["dalia"]["provider_id"])
    assert engagement.price_cents == offers["dalia"]["price_cents"]
    assert engagement.contract_type.value == "organisation_purchase"
    assert body["status"] == "active"
    assert body["start_date"] == request["start_date"]
    assert body["schedule"] == offers["dalia"]["schedule"]


async def test_accept_writes_offer_accepted_and_engagement_created_events(client, session, as_citizen_a, three_offers):
    _, offers = three_offers

    response = await offer_action(client, as_citizen_a, offers["dalia"]["id"], "accept")

    assert await event_types(session, offers["dalia"]["id"]) == ["offer.created", "offer.accepted"]
    assert await event_types(session, response.json()["id"]) == ["engagement.created"]


async def test_accept_writes_an_audit_entry_naming_the_declined_offers(
    client, session, as_citizen_a, citizen_a, three_offers
):
    _, offers = three_offers

    await offer_action(client, as_citizen_a, offers["dalia"]["id"], "accept")

    entry = (await audit_entries(session, offers["dalia"]["id"]))[-1]
    assert entry.action == "offer.accepted"
    assert entry.actor_id == citizen_a.id
    assert sorted(entry.detail["declined"]) == sorted([offers["aurora"]["id"], offers["elce"]["id"]])


async def test_accepting_the_same_offer_twice_returns_409_and_one_engagement(
    client, session, as_citizen_a, three_offers
):
    request, offers = three_offers
    await offer_action(client, as_citizen_a, offers["dalia"]["id"], "accept")

    response = await offer_action(client, as_citizen_a, offers["dalia"]["id"], "accept")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "accepted"
    assert len(await engagements_on(session, request["id"])) == 1


async def test_accepting_a_second_offer_after_one_was_accepted_returns_409(client, session, as_citizen_a, three_offers):
    request, offers = three_offers
    await offer_action(client, as_citizen_a, offers["dalia"]["id"], "accept")

    response = await offer_action(client, as_citizen_a, offers["aurora"]["id"], "accept")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "declined"
    assert len(await engagements_on(session, request["id"])) == 1


async def test_accepting_a_withdrawn_offer_returns_409(client, session, as_citizen_a, catalogue, three_offers):
    request, offers = three_offers
    await offer_action(client, catalogue.headers("aurora"), offers["aurora"]["id"], "withdraw")

    response = await offer_action(client, as_citizen_a, offers["aurora"]["id"], "accept")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "withdrawn"
    assert await engagements_on(session, request["id"]) == []
    assert (await fresh(session, DemandRequest, request["id"])).status == RequestStatus.open


async def test_accepting_an_expired_offer_returns_409(client, session, as_citizen_a, three_offers):
    request, offers = three_offers
    await session.execute(
        update(Offer)
        .where(Offer.id == uuid.UUID(offers["aurora"]["id"]))
        .values(valid_until=datetime.now(UTC) - timedelta(minutes=1))
    )

    response = await offer_action(client, as_citizen_a, offers["aurora"]["id"], "accept")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "expired"
    assert await engagements_on(session, request["id"]) == []


async def test_accept_by_a_non_owner_returns_404_and_changes_nothing(client, session, as_citizen_b, three_offers):
    request, offers = three_offers

    response = await offer_action(client, as_citizen_b, offers["aurora"]["id"], "accept")

    assert response.status_code == 404
    assert response.json()["code"] == "offer_not_found"
    assert await engagements_on(session, request["id"]) == []
    assert (await fresh(session, Offer, offers["aurora"]["id"])).status.value == "pending"


async def test_accept_with_stale_if_match_returns_412_and_changes_nothing(client, session, as_citizen_a, three_offers):
    request, offers = three_offers
    stale = f'"{offers["aurora"]["version"] + 5}"'

    response = await offer_action(client, as_citizen_a, offers["aurora"]["id"], "accept", if_match=stale)

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert await engagements_on(session, request["id"]) == []
    assert (await fresh(session, Offer, offers["aurora"]["id"])).status.value == "pending"


async def test_accept_with_the_current_etag_succeeds(client, session, as_citizen_a, three_offers):
    request, offers = three_offers
    etag = f'"{offers["aurora"]["version"]}"'

    response = await offer_action(client, as_citizen_a, offers["aurora"]["id"], "accept", if_match=etag)

    assert response.status_code == 200
    (engagement,) = await engagements_on(session, request["id"])
    assert response.json()["id"] == str(engagement.id)
    assert engagement.offer_id == uuid.UUID(offers["aurora"]["id"])
    assert response.headers["ETag"] == f'"{engagement.version}"'  # the engagement's own, for its next change
    assert (await fresh(session, Offer, offers["aurora"]["id"])).status.value == "accepted"


async def test_withdraw_with_stale_if_match_returns_412(client, session, catalogue, three_offers):
    _, offers = three_offers
    stale = f'"{offers["aurora"]["version"] + 5}"'

    response = await offer_action(
        client, catalogue.headers("aurora"), offers["aurora"]["id"], "withdraw", if_match=stale
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert (await fresh(session, Offer, offers["aurora"]["id"])).status.value == "pending"


# --- two concurrent accepts (real commits) ----------------------------------------------------------


@dataclass
class RaceSetup:
    citizen: User
    staff: dict[str, User]
    providers: dict[str, Provider]


@pytest.fixture
async def race_setup(engine: AsyncEngine) -> AsyncIterator[RaceSetup]:
    """A committed citizen and two accredited providers (staff and a matching service each).

    Every row the test creates is deleted afterwards (the request cascades to its invitations,
    offers and engagement); audit_entry rows stay, the table being append-only by design.
    """
    tag = uuid.uuid4().hex[:8]
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as setup:
        citizen = await make_user(setup, email=f"race.citizen.{tag}@example.org", role=Role.citizen)
        staff, providers = {}, {}
        for name in ("ontano", "pioppo"):
            staff[name] = await make_provider_staff_user(setup, email=f"race.{name}.{tag}@example.org")
            providers[name] = await make_provider(setup, staff=staff[name], display_name=f"{name.title()} {tag}")
            await make_service(
                setup,
                providers[name],
                category="tata-babysitter",
                zones_served=[NIL_22],
                availability=[
                    {"day": "tue", "opens": "16:00", "closes": "19:00"},
                    {"day": "thu", "opens": "16:00", "closes": "19:00"},
                ],
            )
        await setup.commit()
    race = RaceSetup(citizen=citizen, staff=staff, providers=providers)
    yield race
    async with sessions() as cleanup:
        requests = select(DemandRequest.id).where(DemandRequest.citizen_id == citizen.id)
        offers = select(Offer.id).where(Offer.request_id.in_(requests))
        engagements = select(Engagement.id).where(Engagement.request_id.in_(requests))
        aggregates = [*(await cleanup.scalars(requests)), *(await cleanup.scalars(offers))]
        aggregates += list(await cleanup.scalars(engagements))
        await cleanup.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id.in_(aggregates)))
        await cleanup.execute(delete(DemandRequest).where(DemandRequest.citizen_id == citizen.id))
        await cleanup.execute(delete(Provider).where(Provider.id.in_([p.id for p in providers.values()])))
        await cleanup.execute(delete(User).where(User.id.in_([citizen.id, *(u.id for u in staff.values())])))
        await cleanup.commit()


async def test_two_concurrent_accepts_on_one_request_leave_exactly_one_engagement(engine, committing_app, race_setup):
    as_citizen = auth_headers(race_setup.citizen)
    async with checked_client(committing_app) as http:
        request = (await http.post("/v1/requests", json=request_body(), headers=as_citizen)).json()
        ours = {str(p.id) for p in race_setup.providers.values()}
        matches = (await http.get(f"/v1/requests/{request['id']}/matches", headers=as_citizen)).json()["items"]
        invited = await http.post(
            f"/v1/requests/{request['id']}/invitations",
            json={"service_ids": [m["service_id"] for m in matches if m["provider_id"] in ours]},
            headers=as_citizen,
        )
        assert invited.status_code == 200, invited.text
        offer_ids = []
        for name, provider in race_setup.providers.items():
            created = await http.post(
                offers_url(request["id"]), json=offer_body(provider.id), headers=auth_headers(race_setup.staff[name])
            )
            assert created.status_code == 201, created.text
            offer_ids.append(created.json()["id"])

        responses = await asyncio.gather(
            *(http.post(f"/v1/offers/{offer_id}/accept", headers=as_citizen) for offer_id in offer_ids)
        )

    async with AsyncSession(engine) as check:
        engagements = await engagements_on(check, request["id"])
        statuses = {o.id: o.status.value for o in await offers_on(check, request["id"])}
        stored_request = await fresh(check, DemandRequest, request["id"])
    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r for r in responses if r.status_code == 200).json()
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["code"] in ("request_not_open", "invalid_transition")
    assert [str(e.id) for e in engagements] == [winner["id"]]
    assert sorted(statuses.values()) == ["accepted", "declined"]
    assert statuses[uuid.UUID(winner["offer_id"])] == "accepted"
    assert stored_request.status == RequestStatus.accepted


async def test_accepting_an_offer_of_a_provider_suspended_since_returns_409_and_no_engagement(
    client, session, as_citizen_a, catalogue, three_offers
):
    request, offers = three_offers
    provider = await session.get(Provider, uuid.UUID(catalogue.provider_id("aurora")))
    provider.accreditation_state = AccreditationState.suspended
    await session.flush()

    response = await offer_action(client, as_citizen_a, offers["aurora"]["id"], "accept")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "suspended"
    assert await engagements_on(session, request["id"]) == []


async def test_a_municipal_admin_cannot_accept_an_offer_for_a_household(client, session, as_admin, three_offers):
    request, offers = three_offers

    response = await offer_action(client, as_admin, offers["aurora"]["id"], "accept")

    assert response.status_code == 404
    assert response.json()["code"] == "offer_not_found"
    assert await engagements_on(session, request["id"]) == []
