"""The demo conversations (app/seed/conversations_demo.py), seeded inside the test's rolled-back
transaction and read over HTTP as the demo people would: Giulia's thread with Lucia, its phone number
masked; Il Melograno's engagement thread with Ahmed; nobody else's; seeding twice adds nothing."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.seed.catalog_demo import seed_catalog_demo
from app.seed.conversations_demo import seed_conversations_demo
from app.seed.demand_demo import seed_demand_demo
from app.seed.demo import DEMO_LOGINS, seed_demo
from app.seed.reference import seed_reference
from app.seed.sharing_demo import seed_sharing_demo
from tests.conversations.conftest import THREADS_URL, messages_of
from tests.factories import bearer, sign_in

PASSWORDS = {login.email: login.password for login in DEMO_LOGINS}


@pytest.fixture
async def demo(session: AsyncSession) -> dict[str, int]:
    await seed_reference(session)
    await seed_demo(session)
    await seed_catalog_demo(session)
    await seed_sharing_demo(session)
    await seed_demand_demo(session)
    return await seed_conversations_demo(session)


async def signed_in(client, email: str) -> dict[str, str]:
    return bearer((await sign_in(client, email, PASSWORDS[email]))["access_token"])


async def test_the_demo_people_find_their_threads_and_only_theirs(client, session, demo):
    giulia = await signed_in(client, "giulia.cittadina@demo.welfareditutti.it")
    coop = await signed_in(client, "staff.cooperativa@demo.welfareditutti.it")
    ahmed = await signed_in(client, "ahmed.cittadino@demo.welfareditutti.it")

    [mine] = (await client.get(THREADS_URL, headers=giulia)).json()["items"]
    [melograno] = (await client.get(THREADS_URL, headers=coop)).json()["items"]
    ahmeds = (await client.get(THREADS_URL, headers=ahmed)).json()["items"]
    texts = [m["text"] for m in await messages_of(client, giulia, mine["id"])]

    assert demo == {"demo_threads_created": 2}
    assert mine["kind"] == "request" and mine["unread_count"] == 1
    assert "123 4567" not in texts[0] and mine["last_message"]["masked"] is True
    assert melograno["kind"] == "engagement"
    assert [t["id"] for t in ahmeds] == [melograno["id"]]
    assert await seed_conversations_demo(session) == {"demo_threads_created": 0}
