"""Spending over HTTP: wallets granted through the programmes' own API, offers through demand's.

The default purchase: the catalogue's aurora answers a request for Tuesday and Thursday 16:00-19:00
from 7 to 34 days ahead (28 days: four of each, 24 h) at 12 EUR an hour, 288.00 EUR planned.
"""

from typing import Any

import httpx

from tests.demand.conftest import in_days
from tests.demand.offer_helpers import invited_request, make_offer
from tests.programmes.conftest import apply, opened

PLANNED_CENTS = 24 * 1200
FOUR_WEEKS = {"start_date": in_days(7), "end_date": in_days(34)}


async def wallet(
    client: httpx.AsyncClient,
    as_admin: dict[str, str],
    household: dict[str, str],
    *,
    amount: int = 100_000,
    coverage: int = 70,
    validity_days: int = 180,
    name: str = "Buono tata",
    **caps: int,
) -> dict[str, Any]:
    """A grant of `amount` to the household from a new open programme paying `coverage`% of babysitting
    (caps: cap_per_hour_cents): the grant's body."""
    programme = await opened(
        client,
        as_admin,
        name_it=name,
        name_en=f"{name} (en)",
        grant_validity_days=validity_days,
        amount_rule={"kind": "percentage", "coverage_percent": coverage, "cap_per_grant_cents": amount, **caps},
    )
    response = await apply(client, household, programme["id"])
    assert response.status_code == 201, response.text
    summary = response.json()["grant"]
    assert summary is not None, response.text
    grant = await client.get(f"/v1/grants/{summary['id']}", headers=household)
    assert grant.status_code == 200, grant.text
    return grant.json()


async def offer(client: httpx.AsyncClient, household: dict[str, str], catalogue, **request) -> dict[str, Any]:
    """Aurora's hourly offer (12 EUR) on a new request of the household (four weeks unless told)."""
    made = await invited_request(client, household, catalogue, "aurora", **{**FOUR_WEEKS, **request})
    return await make_offer(client, catalogue, "aurora", made["id"])


async def proposal(client: httpx.AsyncClient, household: dict[str, str], offer_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/offers/{offer_id}/funding-proposal", headers=household)
    assert response.status_code == 200, response.text
    return response.json()


async def accept(
    client: httpx.AsyncClient, household: dict[str, str], offer_id: str, funding: list[dict[str, Any]]
) -> httpx.Response:
    return await client.post(f"/v1/offers/{offer_id}/accept", json={"funding": funding}, headers=household)


def as_funding(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The proposal's lines as the acceptance's funding, unchanged."""
    return [
        {"wallet_id": line["wallet_id"], "amount_cents": line["amount_cents"]} for line in lines if line["amount_cents"]
    ]
