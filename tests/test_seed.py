"""Seeding is idempotent: reference data upserts to the same rows, demo data is created once."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Category, PartnerClient, User, Zone
from app.seed.demo import DEMO_LOGINS, DEMO_PARTNER_CLIENT_ID, seed_demo
from app.seed.reference import category_id, seed_reference, zone_id


async def rows(session: AsyncSession, model: type) -> list[dict]:
    """Every column of every row, by id (Core rows, so the identity map cannot hide a change)."""
    table = model.__table__
    return [dict(row) for row in (await session.execute(select(table).order_by(table.c.id))).mappings()]


async def test_seed_reference_twice_leaves_identical_zone_and_category_rows(session):
    await seed_reference(session)
    zones_once, categories_once = await rows(session, Zone), await rows(session, Category)

    counts = await seed_reference(session)

    assert await rows(session, Zone) == zones_once
    assert await rows(session, Category) == categories_once
    assert (len(zones_once), len(categories_once)) == (counts["zones"], counts["categories"])
    assert len(zones_once) == 9 + 88  # Municipi and NIL


async def test_seed_reference_gives_deterministic_uuidv5_ids(session):
    await seed_reference(session)

    zones = (await session.execute(select(Zone.id, Zone.kind, Zone.code))).all()
    categories = (await session.execute(select(Category.id, Category.slug))).all()

    assert all(id_ == zone_id(kind, code) and id_.version == 5 for id_, kind, code in zones)
    assert all(id_ == category_id(slug) and id_.version == 5 for id_, slug in categories)


async def test_seed_demo_twice_creates_the_demo_accounts_once(session):
    emails = [login.email for login in DEMO_LOGINS]

    first = await seed_demo(session)
    second = await seed_demo(session)

    assert first["demo_records_created"] >= len(DEMO_LOGINS)  # the accounts, and the partner client
    assert second["demo_records_created"] == 0
    assert await session.scalar(select(func.count()).select_from(User).where(User.email.in_(emails))) == len(emails)
    partner_clients = (
        select(func.count()).select_from(PartnerClient).where(PartnerClient.client_id == DEMO_PARTNER_CLIENT_ID)
    )
    assert await session.scalar(partner_clients) == 1
