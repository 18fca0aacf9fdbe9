"""Substitute care: while an engagement's worker is away, either party asks for a substitute; the
engagement's provider is asked first, the household may then widen the search; the substitute's
engagement and the engagement it covers point to each other; a CCNL substitute is hired on a
fixed-term replacement contract, never below the CCNL minimum."""

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from app.models import DemandRequest, Language, Offer, OfferStatus, StaffRole
from tests.demand.conftest import INBOX_URL, REQUESTS_URL, in_days, milan_today
from tests.demand.offer_helpers import (
    engaged,
    event_types,
    fresh,
    invited_request,
    make_offer,
    offer_action,
    offers_url,
    post_offer,
)
from tests.factories import add_provider_staff, auth_headers, make_provider_staff_user
from tests.notifications.lifecycle import Told, watch

ENGAGEMENTS_URL = "/v1/engagements"
# The default engagement runs from in 7 days to in 180 days (the default request's dates).
HOLIDAY = {"start_date": in_days(20), "end_date": in_days(33), "reason": "holiday", "note": "Ferie estive di Chiara"}
CCNL_SUBSTITUTE = {"contract_type": "ccnl_domestic", "ccnl_level": "BS", "weekly_hours": 6, "price_cents": 1200}


def substitutions_url(engagement_id: str, substitution_id: str = "", action: str = "") -> str:
    url = f"{ENGAGEMENTS_URL}/{engagement_id}/substitutions"
    return url + (f"/{substitution_id}" if substitution_id else "") + (f"/{action}" if action else "")


async def ask(client, headers: dict[str, str], engagement_id: str, **overrides: Any):
    """POST a substitution (HOLIDAY with overrides) for the engagement."""
    return await client.post(substitutions_url(engagement_id), json={**HOLIDAY, **overrides}, headers=headers)


async def asked(client, headers: dict[str, str], engagement_id: str, **overrides: Any) -> dict[str, Any]:
    response = await ask(client, headers, engagement_id, **overrides)
    assert response.status_code == 201, response.text
    return response.json()


async def read_engagement(client, headers: dict[str, str], engagement_id: str) -> dict[str, Any]:
    response = await client.get(f"{ENGAGEMENTS_URL}/{engagement_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def engagement(client, as_citizen_a, catalogue) -> dict[str, Any]:
    """Citizen A's engagement with aurora (an organisation), from in 7 days to in 180 days."""
    return await engaged(client, as_citizen_a, catalogue, "aurora")


# --- the walk ----------------------------------------------------------------------------------------


async def test_a_substitute_is_asked_for_offered_by_the_provider_accepted_and_linked_both_ways(
    client, session, citizen_a, as_citizen_a, catalogue, engagement
):
    aurora = catalogue.headers("aurora")

    created = await ask(client, as_citizen_a, engagement["id"])
    substitution = created.json()
    inbox = (await client.get(INBOX_URL, headers=aurora)).json()["items"]
    offer = await make_offer(
        client, catalogue, "aurora", substitution["id"], proposed_worker_name="Giulia", **CCNL_SUBSTITUTE
    )
    accepted = await offer_action(client, as_citizen_a, offer["id"], "accept")
    substitute = accepted.json()
    main = await read_engagement(client, as_citizen_a, engagement["id"])
    request = (await client.get(f"{REQUESTS_URL}/{substitution['id']}", headers=as_citizen_a)).json()

    assert created.status_code == 201
    assert created.headers["location"] == substitutions_url(engagement["id"], substitution["id"])
    assert substitution["engagement_id"] == engagement["id"]
    assert (substitution["start_date"], substitution["end_date"]) == (HOLIDAY["start_date"], HOLIDAY["end_date"])
    assert (substitution["reason"], substitution["note"]) == ("holiday", "Ferie estive di Chiara")
    assert (substitution["status"], substitution["mode"]) == ("open", "quote")
    assert substitution["requested_by_id"] == str(citizen_a.id)
    assert substitution["substitute_engagement_id"] is None
    # The engagement's provider is asked first: invited, and it sees the request as a substitution.
    [seen] = [r for r in inbox if r["id"] == substitution["id"]]
    assert seen["invited"] is True and seen["is_substitution"] is True
    assert (seen["start_date"], seen["end_date"]) == (HOLIDAY["start_date"], HOLIDAY["end_date"])
    assert seen["schedule"] == engagement["schedule"] and seen["category_id"] == engagement["category_id"]
    # A CCNL offer on a substitute request is a fixed-term replacement by default.
    assert offer["contract_term"] == "fixed_term_replacement" and offer["proposed_worker_name"] == "Giulia"
    assert accepted.status_code == 200
    assert substitute["substitutes_engagement_id"] == engagement["id"]
    assert substitute["contract_term"] == "fixed_term_replacement" and substitute["contract_type"] == "ccnl_domestic"
    assert (substitute["start_date"], substitute["end_date"]) == (HOLIDAY["start_date"], HOLIDAY["end_date"])
    assert substitute["provider_id"] == engagement["provider_id"]
    # The main engagement shows its substitution, now covered by the substitute's engagement.
    assert main["status"] == "active" and main["substitutes_engagement_id"] is None
    [shown] = main["substitutions"]
    assert shown["id"] == substitution["id"] and shown["status"] == "accepted"
    assert shown["substitute_engagement_id"] == substitute["id"]
    assert request["substitutes_engagement_id"] == engagement["id"] and request["citizen_id"] == str(citizen_a.id)
    assert request["address"] is not None and request["budget_cents"] == engagement["price_cents"]
    assert await event_types(session, engagement["id"]) == ["engagement.created", "engagement.substitute_requested"]


@pytest.mark.parametrize("asker", ["citizen", "provider"])
async def test_the_other_party_and_the_askers_colleagues_are_told_never_the_asker(
    client, session, citizen_a, catalogue, engagement, asker
):
    colleague = await make_provider_staff_user(
        session, email="colleague.aurora@example.org", preferred_language=Language.en
    )
    await add_provider_staff(session, catalogue.providers["aurora"], colleague, role=StaffRole.operator)
    staff = catalogue.staff["aurora"]
    acting = citizen_a if asker == "citizen" else staff
    kind = "engagement.substitute_requested"

    async with watch(session) as told:
        response = await ask(client, auth_headers(acting), engagement["id"], reason="illness", note=None)

    assert response.status_code == 201, response.text
    everyone = {
        "citizen": Told(citizen_a, kind, engagement["id"], "it"),
        "provider": Told(staff, kind, engagement["id"], "it"),
    }
    others = [told for who, told in everyone.items() if who != asker]
    await told.exactly(*others, Told(colleague, kind, engagement["id"], "en"), client=client)  # dalia's staff: never
    assert told.data(colleague, kind) == {
        "substitution_id": response.json()["id"],
        "start_date": HOLIDAY["start_date"],
        "end_date": HOLIDAY["end_date"],
        "reason": "illness",
    }


async def test_the_provider_asks_and_the_request_is_the_households(
    client, catalogue, citizen_a, as_citizen_a, engagement
):
    substitution = await asked(client, catalogue.headers("aurora"), engagement["id"])
    read = await client.get(substitutions_url(engagement["id"], substitution["id"]), headers=as_citizen_a)
    mine = (await client.get(REQUESTS_URL, headers=as_citizen_a)).json()["items"]

    assert substitution["requested_by_id"] == str(catalogue.staff["aurora"].id)
    assert read.status_code == 200 and read.json() == substitution
    assert substitution["id"] in [r["id"] for r in mine]  # it counts in the household's requests


async def test_an_idempotency_key_replay_returns_the_first_substitution_and_makes_one_request(
    client, session, as_citizen_a, engagement
):
    headers = {**as_citizen_a, "Idempotency-Key": "ferie-agosto"}

    first = await ask(client, headers, engagement["id"])
    replay = await ask(client, headers, engagement["id"])

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    count = select(func.count()).where(DemandRequest.substitutes_engagement_id == uuid.UUID(engagement["id"]))
    assert await session.scalar(count) == 1


# --- the contract --------------------------------------------------------------------------------------


async def test_a_substitute_offer_below_the_ccnl_minimum_is_refused(client, catalogue, as_citizen_a, engagement):
    substitution = await asked(client, as_citizen_a, engagement["id"])

    response = await post_offer(
        client, catalogue, "aurora", substitution["id"], **{**CCNL_SUBSTITUTE, "price_cents": 600}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "below_ccnl_minimum"


async def test_an_open_ended_ccnl_offer_on_a_substitute_request_is_refused(client, catalogue, as_citizen_a, engagement):
    substitution = await asked(client, as_citizen_a, engagement["id"])

    response = await post_offer(
        client, catalogue, "aurora", substitution["id"], contract_term="open_ended", **CCNL_SUBSTITUTE
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/contract_term"


async def test_a_replacement_contract_is_only_for_substitute_requests_and_only_ccnl(
    client, catalogue, as_citizen_a, engagement
):
    substitution = await asked(client, as_citizen_a, engagement["id"])
    ordinary = await invited_request(client, as_citizen_a, catalogue, "aurora")

    on_ordinary = await post_offer(
        client, catalogue, "aurora", ordinary["id"], contract_term="fixed_term_replacement", **CCNL_SUBSTITUTE
    )
    not_ccnl = await post_offer(client, catalogue, "aurora", substitution["id"], contract_term="fixed_term_replacement")
    open_ended = await make_offer(client, catalogue, "aurora", ordinary["id"], **CCNL_SUBSTITUTE)
    organisation = await make_offer(client, catalogue, "aurora", substitution["id"])

    assert on_ordinary.status_code == 422
    assert on_ordinary.json()["code"] == "validation_error"
    assert on_ordinary.json()["errors"][0]["pointer"] == "/contract_term"
    assert not_ccnl.status_code == 422
    assert not_ccnl.json()["code"] == "validation_error" and not_ccnl.json()["errors"][0]["pointer"] == "/contract_term"
    assert open_ended["contract_term"] == "open_ended"  # an ordinary CCNL contract, by default
    assert organisation["contract_term"] is None  # an organisation purchase has no term
    assert engagement["contract_term"] is None


# --- the household widens the search ---------------------------------------------------------------------


async def test_the_household_opens_the_search_to_every_eligible_provider(client, catalogue, as_citizen_a, engagement):
    substitution = await asked(client, as_citizen_a, engagement["id"])
    url = substitutions_url(engagement["id"], substitution["id"], "open")
    cedro_before = await post_offer(client, catalogue, "cedro", substitution["id"])

    by_provider = await client.post(url, headers={**catalogue.headers("aurora"), "If-Match": '"1"'})
    stale = await client.post(url, headers={**as_citizen_a, "If-Match": '"999"'})
    opened = await client.post(url, headers={**as_citizen_a, "If-Match": f'"{substitution["version"]}"'})
    again = await client.post(url, headers=as_citizen_a)
    cedro_after = await post_offer(client, catalogue, "cedro", substitution["id"])

    assert cedro_before.status_code == 404
    assert cedro_before.json()["code"] == "request_not_found"
    assert by_provider.status_code == 403
    assert by_provider.json()["code"] == "forbidden"
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert opened.status_code == 200 and opened.json()["mode"] == "open" and opened.json()["status"] == "open"
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert cedro_after.status_code == 201, cedro_after.text


async def test_the_household_invites_other_providers_to_quote(client, catalogue, as_citizen_a, engagement):
    substitution = await asked(client, as_citizen_a, engagement["id"])

    invited = await client.post(
        f"{REQUESTS_URL}/{substitution['id']}/invitations",
        json={"service_ids": [catalogue.service_id("dalia_thursday")]},
        headers=as_citizen_a,
    )
    offer = await post_offer(client, catalogue, "dalia", substitution["id"])

    assert invited.status_code == 200
    assert invited.json()["invited_provider_ids"] == [catalogue.provider_id("aurora"), catalogue.provider_id("dalia")]
    assert offer.status_code == 201


async def test_a_substitute_request_keeps_its_dates(client, as_citizen_a, engagement):
    substitution = await asked(client, as_citizen_a, engagement["id"])

    response = await client.patch(
        f"{REQUESTS_URL}/{substitution['id']}",
        json={"end_date": in_days(170)},
        headers={**as_citizen_a, "If-Match": f'"{substitution["version"]}"'},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/end_date"


# --- who may, and when ---------------------------------------------------------------------------------


async def test_another_citizen_or_another_provider_finds_no_engagement(
    client, catalogue, as_citizen_a, as_citizen_b, as_admin, engagement
):
    substitution = await asked(client, as_citizen_a, engagement["id"])

    for headers in (as_citizen_b, catalogue.headers("dalia"), as_admin):
        response = await ask(client, headers, engagement["id"])
        read = await client.get(substitutions_url(engagement["id"], substitution["id"]), headers=headers)

        assert response.status_code == 404
        assert response.json()["code"] == "engagement_not_found"
        assert read.status_code == 404
        assert read.json()["code"] == "engagement_not_found"


async def test_a_substitution_of_another_engagement_is_not_found(client, catalogue, as_citizen_a, engagement):
    other = await engaged(client, as_citizen_a, catalogue, "dalia")
    substitution = await asked(client, as_citizen_a, other["id"])

    response = await client.get(substitutions_url(engagement["id"], substitution["id"]), headers=as_citizen_a)
    missing = await client.get(substitutions_url(engagement["id"], str(uuid.uuid4())), headers=as_citizen_a)

    assert response.status_code == 404
    assert response.json()["code"] == "substitution_not_found"
    assert missing.status_code == 404
    assert missing.json()["code"] == "substitution_not_found"


@pytest.mark.parametrize("action", ["complete", "cancel"])
async def test_a_completed_or_cancelled_engagement_has_no_substitute(client, catalogue, as_citizen_a, action):
    engagement = await engaged(client, as_citizen_a, catalogue, "aurora", start_date=milan_today())
    closed = await client.post(
        f"{ENGAGEMENTS_URL}/{engagement['id']}/{action}", json={"reason": "trasferimento"}, headers=as_citizen_a
    )

    response = await ask(client, as_citizen_a, engagement["id"], start_date=in_days(1), end_date=in_days(2))

    assert closed.status_code == 200, closed.text
    assert response.status_code == 409
    assert response.json()["code"] == "engagement_not_active"


async def test_overlapping_dates_are_refused_until_the_first_substitution_is_cancelled(
    client, catalogue, as_citizen_a, engagement
):
    first = await asked(client, as_citizen_a, engagement["id"])

    overlapping = await ask(client, catalogue.headers("aurora"), engagement["id"], start_date=HOLIDAY["end_date"])
    after = await ask(client, as_citizen_a, engagement["id"], start_date=in_days(34), end_date=in_days(40))
    cancelled = await client.post(
        f"{REQUESTS_URL}/{first['id']}/cancel", json={"reason": "ferie rimandate"}, headers=as_citizen_a
    )
    again = await ask(client, as_citizen_a, engagement["id"])
    main = await read_engagement(client, as_citizen_a, engagement["id"])

    assert overlapping.status_code == 409
    assert overlapping.json()["code"] == "substitution_overlaps"
    assert after.status_code == 201
    assert cancelled.status_code == 200
    assert again.status_code == 201
    assert sorted((s["start_date"], s["status"]) for s in main["substitutions"]) == [
        (HOLIDAY["start_date"], "cancelled"),
        (HOLIDAY["start_date"], "open"),
        (in_days(34), "open"),
    ]


@pytest.mark.parametrize(
    ("dates", "pointer"),
    [
        ({"start_date": in_days(3), "end_date": in_days(10)}, "/start_date"),  # before the engagement starts
        ({"start_date": in_days(170), "end_date": in_days(181)}, "/end_date"),  # after it ends
        ({"start_date": in_days(-1), "end_date": in_days(10)}, "/start_date"),  # in the past
        ({"start_date": in_days(20), "end_date": in_days(19)}, "/end_date"),  # backwards
        ({"start_date": in_days(10), "end_date": in_days(100)}, "/end_date"),  # 91 days
    ],
)
async def test_dates_outside_the_engagement_past_backwards_or_too_long_are_refused(
    client, as_citizen_a, engagement, dates, pointer
):
    response = await ask(client, as_citizen_a, engagement["id"], **dates)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == pointer


async def test_ninety_days_are_allowed(client, as_citizen_a, engagement):
    response = await ask(client, as_citizen_a, engagement["id"], start_date=in_days(10), end_date=in_days(99))

    assert response.status_code == 201, response.text


async def test_a_bad_reason_or_a_long_note_is_refused(client, as_citizen_a, engagement):
    bad_reason = await ask(client, as_citizen_a, engagement["id"], reason="strike")
    long_note = await ask(client, as_citizen_a, engagement["id"], note="x" * 501)

    assert bad_reason.status_code == 422
    assert bad_reason.json()["code"] == "validation_error"
    assert long_note.status_code == 422
    assert long_note.json()["code"] == "validation_error"


async def test_the_substitute_request_stops_taking_offers_after_its_last_day(client, as_citizen_a, engagement):
    substitution = await asked(client, as_citizen_a, engagement["id"], start_date=in_days(8), end_date=in_days(9))

    request = (await client.get(f"{REQUESTS_URL}/{substitution['id']}", headers=as_citizen_a)).json()

    assert request["valid_until"] is not None and request["valid_until"][:10] in (in_days(9), in_days(10))


async def test_the_provider_reads_the_offers_on_the_substitute_request_it_was_invited_to(
    client, catalogue, as_citizen_a, engagement
):
    substitution = await asked(client, as_citizen_a, engagement["id"])
    await make_offer(client, catalogue, "aurora", substitution["id"], **CCNL_SUBSTITUTE)

    listed = await client.get(offers_url(substitution["id"]), headers=catalogue.headers("aurora"))

    assert listed.status_code == 200
    assert [o["contract_term"] for o in listed.json()["items"]] == ["fixed_term_replacement"]


@pytest.mark.parametrize("action", ["complete", "cancel"])
async def test_when_the_engagement_ends_the_search_for_a_substitute_ends_and_engaged_substitutes_stay(
    client, session, catalogue, as_citizen_a, action
):
    engagement = await engaged(client, as_citizen_a, catalogue, "aurora", start_date=milan_today())
    covered = await asked(client, as_citizen_a, engagement["id"], start_date=in_days(1), end_date=in_days(5))
    offer = await make_offer(client, catalogue, "aurora", covered["id"])
    substitute = (await offer_action(client, as_citizen_a, offer["id"], "accept")).json()
    seeking = await asked(client, as_citizen_a, engagement["id"], start_date=in_days(10), end_date=in_days(12))
    pending = await make_offer(client, catalogue, "aurora", seeking["id"])

    closed = await client.post(
        f"{ENGAGEMENTS_URL}/{engagement['id']}/{action}", json={"reason": "trasloco"}, headers=as_citizen_a
    )
    main = await read_engagement(client, as_citizen_a, engagement["id"])
    still = await read_engagement(client, as_citizen_a, substitute["id"])
    late_offer = await post_offer(client, catalogue, "aurora", seeking["id"])  # invited, but it is over

    assert closed.status_code == 200, closed.text
    assert {s["id"]: s["status"] for s in main["substitutions"]} == {
        covered["id"]: "accepted",
        seeking["id"]: "cancelled",
    }
    assert still["status"] == "active" and still["substitutes_engagement_id"] == engagement["id"]
    assert (await fresh(session, Offer, pending["id"])).status == OfferStatus.declined
    assert late_offer.status_code == 409
    assert late_offer.json()["code"] == "request_not_open"
    assert await event_types(session, seeking["id"]) == ["request.opened", "request.invited", "request.cancelled"]
