"""The issue's walk on the demo data (seeded inside the test's rolled-back transaction), only over
HTTP: the San Gottardo operator reads the needs of the hub's zones, opens a suggestion, forms the
pool from it; the neighbours accept the invitation; Il Melograno offers; the operator accepts and
the pool is active, each household seeing its exact share and saving."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.seed.catalog_demo import seed_catalog_demo
from app.seed.demand_demo import seed_demand_demo
from app.seed.demo import DEMO_LOGINS, seed_demo
from app.seed.reference import seed_reference
from app.seed.sharing_demo import seed_sharing_demo
from tests.factories import bearer, sign_in

PASSWORDS = {login.email: login.password for login in DEMO_LOGINS}
OPERATOR = "operatore.sangottardo@demo.welfareditutti.it"
STAFF = "staff.cooperativa@demo.welfareditutti.it"


@pytest.fixture
async def demo(session: AsyncSession) -> None:
    await seed_reference(session)
    await seed_demo(session)
    await seed_catalog_demo(session)
    await seed_sharing_demo(session)  # the hubs first: the demand demo has an operator act in their NILs
    await seed_demand_demo(session)


async def signed_in(client, email: str) -> dict[str, str]:
    return bearer((await sign_in(client, email, PASSWORDS[email]))["access_token"])


async def test_an_operator_turns_a_suggestion_into_an_active_pool(client, demo):
    as_operator = await signed_in(client, OPERATOR)
    hub = (await client.get("/v1/hubs", params={"operated_by_me": "true"}, headers=as_operator)).json()["items"][0]
    assert hub["name"] == "Spazio WeMi San Gottardo"

    needs = await client.get(f"/v1/hubs/{hub['id']}/needs", headers=as_operator)
    assert needs.status_code == 200 and needs.json()["open_to_sharing"] >= 3
    public = (await client.get(f"/v1/hubs/{hub['id']}/needs/public")).json()
    assert all(cell["requests"] >= 3 for cell in public["cells"])

    suggestions = (await client.get("/v1/pools/suggestions", params={"hub_id": hub["id"]}, headers=as_operator)).json()
    suggestion = suggestions["items"][0]
    assert len(suggestion["members"]) == 3 and suggestion["common_weekly_minutes"] >= 120

    created = await client.post(
        "/v1/pools",
        json={"suggestion_token": suggestion["suggestion_token"], "title": "Doposcuola condiviso San Gottardo"},
        headers=as_operator | {"Idempotency-Key": "walk-pool-1"},
    )
    assert created.status_code == 201, created.text
    pool = created.json()
    assert pool["state"] == "forming" and pool["seats_left"] == pool["max_members"] - 3

    neighbours = ("elena.conti@demo.welfareditutti.it", "paolo.ricci@demo.welfareditutti.it")
    for email in neighbours:
        headers = await signed_in(client, email)
        invited = (await client.get("/v1/me/notifications", headers=headers)).json()["items"]
        assert any(n["kind"] == "pool.invitation" and n["subject_id"] == pool["id"] for n in invited)
        accepted = await client.post(f"/v1/pools/{pool['id']}/invitation/accept", json={}, headers=headers)
        assert accepted.status_code == 200, accepted.text

    as_staff = await signed_in(client, STAFF)
    provider_id = (await client.get("/v1/providers", params={"q": "Melograno"})).json()["items"][0]["id"]
    offered = await client.post(
        f"/v1/pools/{pool['id']}/offers",
        json={"provider_id": provider_id, "weekly_price_cents": 6000, "individual_hourly_cents": 1200},
        headers=as_staff,
    )
    assert offered.status_code == 201, offered.text

    accepted = await client.post(f"/v1/pool-offers/{offered.json()['id']}/accept", headers=as_operator)
    assert accepted.status_code == 200

    as_elena = await signed_in(client, neighbours[0])
    seen = (await client.get(f"/v1/pools/{pool['id']}", headers=as_elena)).json()
    assert seen["state"] == "active" and seen["provider_id"] == provider_id
    assert sum(share["share_cents"] for share in seen["shares"]) == 6000
    mine = next(share for share in seen["shares"] if share["you"])
    assert mine["share_cents"] == 3000
    assert mine["saving_cents"] == mine["individual_cents"] - 3000 > 0


async def test_the_demo_has_a_forming_and_an_active_pool(client, demo):
    as_operator = await signed_in(client, OPERATOR)

    pools = (await client.get("/v1/pools", headers=as_operator)).json()["items"]

    assert sorted(p["state"] for p in pools) == ["active", "forming"]
    active = next(p for p in pools if p["state"] == "active")
    assert sum(s["share_cents"] for s in active["shares"]) == active["weekly_cost_cents"]
