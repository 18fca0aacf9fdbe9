"""The issue's walk, tried as a new user would, on the demo data (seeded inside the test's
rolled-back transaction) and only through the HTTP API:

Giulia, a citizen in NIL 22 (Città Studi), asks for an English-speaking babysitter on Tuesday and
Thursday afternoons, sees ranked matches with their reasons, invites the top three; each invited
provider's worker signs in, finds the request in the inbox without her personal data, and offers
a CCNL contract above the minimum; Giulia accepts one, and only then do the two parties (and only
they) see each other's contacts and her address.
"""

import json
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demand.matching import WEIGHTS
from app.models import ProviderStaff, User
from app.seed.catalog_demo import DEMO_WORKER_PASSWORD, seed_catalog_demo
from app.seed.demo import DEMO_LOGINS, seed_demo
from app.seed.reference import seed_reference
from tests.demand.conftest import NIL_22, TATA
from tests.factories import bearer, sign_in

GIULIA = next(login for login in DEMO_LOGINS if login.email == "giulia.cittadina@demo.welfareditutti.it")
LUCIA_LOGIN = "lucia.worker@demo.welfareditutti.it"
ADDRESS = {"street": "Via Giuseppe Colombo 40", "postcode": "20133"}
NOTES = "Due bambini, 4 e 7 anni; la più piccola dorme fino alle 16:30."
BS_MINIMUM_CENTS = 710  # CCNL 2025, level BS, non-live-in hourly
BABYSITTER = {
    "category_id": str(TATA),
    "description": "Cerco una babysitter che parli inglese, martedì e giovedì pomeriggio.",
    "nil_id": str(NIL_22),
    "address": ADDRESS,
    "schedule": [
        {"day": "tue", "opens": "16:00", "closes": "19:00"},
        {"day": "thu", "opens": "16:00", "closes": "19:00"},
    ],
    "start_date": (date.today() + timedelta(days=14)).isoformat(),
    "budget_cents": 1200,
    "budget_model": "hourly",
    "preferences": {"languages": ["en"]},
    "beneficiary_notes": NOTES,
    "mode": "quote",
}


@pytest.fixture
async def demo(session: AsyncSession) -> None:
    """Milan's reference data, the demo accounts and the demo catalogue (rolled back afterwards)."""
    await seed_reference(session)
    await seed_demo(session)
    await seed_catalog_demo(session)


async def signed_in(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    return bearer((await sign_in(client, email, password))["access_token"])


async def worker_login(session: AsyncSession, provider_id: str) -> str:
    """The e-mail a demo provider's worker signs in with (from its staff membership)."""
    emails = (
        await session.scalars(
            select(User.email)
            .join(ProviderStaff, ProviderStaff.user_id == User.id)
            .where(ProviderStaff.provider_id == provider_id)
        )
    ).all()
    assert len(emails) == 1, f"provider {provider_id} has no single demo login: {emails}"
    return emails[0]


def password_of(email: str) -> str:
    return next((login.password for login in DEMO_LOGINS if login.email == email), DEMO_WORKER_PASSWORD)


def personal_data_in(body: Any) -> list[str]:
    text = json.dumps(body)
    secrets = [GIULIA.full_name, GIULIA.email, ADDRESS["street"], NOTES]
    return [secret for secret in secrets if secret in text]


async def test_new_citizen_walk_from_request_to_engagement_on_the_demo_data(client, session, demo):
    # Giulia signs in and asks for an English-speaking babysitter on Tue/Thu afternoons in NIL 22.
    as_giulia = await signed_in(client, GIULIA.email, GIULIA.password)
    created = await client.post("/v1/requests", json=BABYSITTER, headers=as_giulia)
    assert created.status_code == 201, created.text
    request = created.json()
    assert (request["status"], request["mode"], request["nil_id"]) == ("open", "quote", str(NIL_22))

    # She sees ranked matches, each with the reasons for its score.
    matches = await client.get(f"/v1/requests/{request['id']}/matches", headers=as_giulia)
    assert matches.status_code == 200
    ranked = matches.json()["items"]
    assert len(ranked) >= 3
    scores = [m["score"] for m in ranked]
    assert scores == sorted(scores, reverse=True)
    for match in ranked:
        assert set(match["breakdown"]) == set(WEIGHTS)
        weighted = sum(WEIGHTS[name] * value for name, value in match["breakdown"].items())
        assert match["score"] == pytest.approx(weighted, abs=0.01)
    top = ranked[:3]
    assert all(m["breakdown"]["languages"] == 1.0 for m in top)  # they all speak English
    assert all(m["overlap_minutes"] == matches.json()["need_minutes"] == 360 for m in top)

    # She invites the top three.
    invited = await client.post(
        f"/v1/requests/{request['id']}/invitations",
        json={"service_ids": [m["service_id"] for m in top]},
        headers=as_giulia,
    )
    assert invited.status_code == 200, invited.text
    assert sorted(invited.json()["invited_provider_ids"]) == sorted(m["provider_id"] for m in top)

    # Each invited provider's worker signs in, sees the request without her personal data, and offers.
    workers: dict[str, dict[str, str]] = {}
    logins: list[str] = []
    offers: dict[str, dict[str, Any]] = {}
    for rank, match in enumerate(top):
        email = await worker_login(session, match["provider_id"])
        logins.append(email)
        as_worker = await signed_in(client, email, password_of(email))
        workers[match["provider_id"]] = as_worker

        inbox = await client.get("/v1/requests/inbox", headers=as_worker)
        assert inbox.status_code == 200
        item = next(i for i in inbox.json()["items"] if i["id"] == request["id"])
        assert (item["invited"], item["has_offered"]) == (True, False)
        assert personal_data_in(inbox.json()) == []
        hidden = await client.get(f"/v1/requests/{request['id']}", headers=as_worker)
        assert hidden.status_code == 404
        assert hidden.json()["code"] == "request_not_found"

        offer = await client.post(
            f"/v1/requests/{request['id']}/offers",
            json={
                "provider_id": match["provider_id"],
                "service_id": match["service_id"],
                "price_cents": 1100 + 50 * rank,
                "price_model": "hourly",
                "schedule": BABYSITTER["schedule"],
                "message": "Available from the start date; I speak English with the children.",
                "contract_type": "ccnl_domestic",
                "ccnl_level": "BS",
                "weekly_hours": 6,
            },
            headers=as_worker,
        )
        assert offer.status_code == 201, offer.text
        assert offer.json()["price_cents"] > BS_MINIMUM_CENTS
        offers[match["provider_id"]] = offer.json()
        assert personal_data_in(offer.json()) == []
        assert (await client.get("/v1/engagements", headers=as_worker)).json()["items"] == []
    assert LUCIA_LOGIN in logins  # Lucia lives in NIL 22 and speaks English: she is among the three

    # Giulia sees the three offers, and accepts the top-ranked provider's.
    listed = await client.get(f"/v1/requests/{request['id']}/offers", headers=as_giulia)
    assert sorted(o["id"] for o in listed.json()["items"]) == sorted(o["id"] for o in offers.values())
    chosen, *others = [m["provider_id"] for m in top]
    accepted = await client.post(f"/v1/offers/{offers[chosen]['id']}/accept", headers=as_giulia)
    assert accepted.status_code == 200, accepted.text
    engagement = accepted.json()

    # Only now are the contacts there, for both parties, and her address with them.
    chosen_email = logins[0]
    assert engagement["citizen"]["name"] == GIULIA.full_name
    assert engagement["citizen"]["email"] == GIULIA.email
    assert engagement["provider"]["name"] == top[0]["provider_name"]
    assert engagement["provider"]["email"] == chosen_email  # an individual worker: her own e-mail
    assert engagement["address"] == ADDRESS
    assert (engagement["contract_type"], engagement["ccnl_level"]) == ("ccnl_domestic", "BS")
    as_chosen = await client.get(f"/v1/engagements/{engagement['id']}", headers=workers[chosen])
    assert as_chosen.status_code == 200
    assert (as_chosen.json()["citizen"], as_chosen.json()["address"]) == (engagement["citizen"], ADDRESS)

    # The others' offers are declined, and they still see neither the engagement nor her data.
    for provider_id in others:
        hidden = await client.get(f"/v1/engagements/{engagement['id']}", headers=workers[provider_id])
        assert hidden.status_code == 404
        assert hidden.json()["code"] == "engagement_not_found"
        theirs = await client.get(f"/v1/requests/{request['id']}/offers", headers=workers[provider_id])
        assert [o["status"] for o in theirs.json()["items"]] == ["declined"]
        assert personal_data_in(theirs.json()) == []
    final = await client.get(f"/v1/requests/{request['id']}", headers=as_giulia)
    assert final.json()["status"] == "accepted"
