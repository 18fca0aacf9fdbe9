"""The demo ISEE (app/seed/income_demo.py), seeded in the test's rolled-back transaction and read
over HTTP as the demo people would: Giulia's verified and in force, her price shown on the demo's
income-based listings; Ahmed's pending in the queue of the hubs serving Città Studi; seeding twice
adds nothing."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.seed.catalog_demo import seed_catalog_demo
from app.seed.demo import DEMO_LOGINS, seed_demo
from app.seed.income_demo import seed_income_demo
from app.seed.reference import seed_reference
from tests.factories import bearer, sign_in

PASSWORDS = {login.email: login.password for login in DEMO_LOGINS}


@pytest.fixture
async def demo(session: AsyncSession) -> dict[str, int]:
    await seed_reference(session)
    await seed_demo(session)
    await seed_catalog_demo(session)
    return await seed_income_demo(session)


async def signed_in(client, email: str) -> dict[str, str]:
    return bearer((await sign_in(client, email, PASSWORDS[email]))["access_token"])


async def test_giulia_has_a_verified_isee_and_sees_her_price_and_ahmeds_waits(client, session, demo):
    giulia = await signed_in(client, "giulia.cittadina@demo.welfareditutti.it")
    ahmed = await signed_in(client, "ahmed.cittadino@demo.welfareditutti.it")
    admin = await signed_in(client, "admin@demo.welfareditutti.it")

    mine = (await client.get("/v1/me/isee", headers=giulia)).json()
    his = (await client.get("/v1/me/isee", headers=ahmed)).json()
    queue = (await client.get("/v1/isee-declarations", params={"status": "pending"}, headers=admin)).json()
    listings = (await client.get("/v1/services", params={"limit": 100}, headers=giulia)).json()["items"]

    assert demo == {"demo_isee_declarations_created": 2}
    assert (mine["in_force"]["value_cents"], mine["in_force"]["status"]) == (1_180_000, "verified")
    assert (his["in_force"], his["latest"]["status"]) == (None, "pending")
    assert [item["id"] for item in queue["items"]] == [his["latest"]["id"]]
    priced = [item for item in listings if item["isee_bands"]]
    assert priced, "the demo has income-based listings"
    assert all(item["your_price"]["band_index"] == 1 for item in priced)  # 11,800 EUR: the 50 % band
    assert all(item["your_price"] is None for item in listings if not item["isee_bands"])
    assert await seed_income_demo(session) == {"demo_isee_declarations_created": 0}
