"""The demo programmes (app/seed/programmes_demo.py), seeded in the test's rolled-back transaction and
read over HTTP as the demo people would: Giulia granted, Ahmed in the San Gottardo review queue and
not in Niguarda's; seeding twice adds nothing."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.seed.catalog_demo import seed_catalog_demo
from app.seed.demo import DEMO_LOGINS, seed_demo
from app.seed.programmes_demo import seed_programmes_demo
from app.seed.reference import seed_reference
from app.seed.sharing_demo import seed_sharing_demo
from tests.factories import bearer, sign_in
from tests.programmes.conftest import APPLICATIONS_URL, GRANTS_URL, PROGRAMMES_URL

PASSWORDS = {login.email: login.password for login in DEMO_LOGINS}


@pytest.fixture
async def demo(session: AsyncSession) -> dict[str, int]:
    await seed_reference(session)
    await seed_demo(session)
    await seed_catalog_demo(session)
    await seed_sharing_demo(session)
    return await seed_programmes_demo(session)


async def signed_in(client, email: str) -> dict[str, str]:
    return bearer((await sign_in(client, email, PASSWORDS[email]))["access_token"])


async def test_demo_programmes_are_open_with_a_grant_and_an_application_under_review(client, session, demo):
    giulia = await signed_in(client, "giulia.cittadina@demo.welfareditutti.it")
    ahmed = await signed_in(client, "ahmed.cittadino@demo.welfareditutti.it")
    san_gottardo = await signed_in(client, "operatore.sangottardo@demo.welfareditutti.it")
    niguarda = await signed_in(client, "operatore.niguarda@demo.welfareditutti.it")

    programmes = (await client.get(PROGRAMMES_URL)).json()["items"]
    [grant] = (await client.get(GRANTS_URL, headers=giulia)).json()["items"]
    [waiting] = (await client.get(APPLICATIONS_URL, headers=ahmed)).json()["items"]
    queue = (await client.get(APPLICATIONS_URL, params={"status": "needs_review"}, headers=san_gottardo)).json()
    elsewhere = await client.get(f"{APPLICATIONS_URL}/{waiting['id']}", headers=niguarda)

    assert demo == {"demo_programmes_created": 2}
    assert sorted(p["status"] for p in programmes) == ["open", "open"]
    assert (grant["amount_cents"], grant["status"]) == (60_000, "active")
    assert waiting["status"] == "needs_review"
    assert [a["id"] for a in queue["items"]] == [waiting["id"]]
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "programme_application_not_found"
    assert await seed_programmes_demo(session) == {"demo_programmes_created": 0}
