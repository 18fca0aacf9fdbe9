"""The taxonomy and the zones that searches and service listings read are kept in the process
(app/reference_cache.py): read once, then no statement; a row added since is seen at once, a changed
one within the snapshot's age, and unknown ids cost at most one read a second."""

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from app.categories.taxonomy import TAXONOMY
from app.models import ZoneKind
from app.reference_cache import ReferenceCache
from app.seed.reference import category_id, zone_id
from app.zones.snapshot import ZONES
from tests.factories import auth_headers, make_provider, make_provider_staff_user, make_service

NIL_1, MUNICIPIO_1 = zone_id(ZoneKind.nil, 1), zone_id(ZoneKind.municipio, 1)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Both caches on a clock the test moves, emptied before and after: a row the test writes is
    rolled back with it and must not stay in a snapshot."""
    clock = Clock()
    caches: list[ReferenceCache] = [TAXONOMY, ZONES]
    real_clocks = [cache.clock for cache in caches]
    for cache in caches:
        cache.clear()
        cache.clock = clock
    yield clock
    for cache, real_clock in zip(caches, real_clocks, strict=True):
        cache.clear()
        cache.clock = real_clock


def _reads_of(log: list[str], table: str) -> list[str]:
    return [s for s in log if f"FROM {table}" in s]


async def test_a_search_by_category_and_zone_reads_them_once(client, session, statements, clock):
    provider = await make_provider(session)
    await make_service(session, provider, zones_served=[NIL_1])
    url = f"/v1/services?category_id={category_id('doposcuola')}&zone_id={MUNICIPIO_1}"

    first = await client.get(url)
    with statements.counting() as log:
        second = await client.get(url)

    assert first.status_code == second.status_code == 200
    assert len(second.json()["items"]) == 1
    assert second.json()["items"][0]["category"]["slug"] == "doposcuola"
    assert _reads_of(log, "category") == [] and _reads_of(log, "zone") == []
    assert TAXONOMY.reads == ZONES.reads == 1


async def test_a_category_added_since_is_found_at_once(client, session, clock):
    await client.get(f"/v1/services?category_id={category_id('doposcuola')}")  # the snapshot is read
    new_id = uuid.uuid4()
    await session.execute(
        text(
            "INSERT INTO category (id, slug, parent_id, name_it, name_en, position, codes) "
            "VALUES (:id, 'nuova', :parent, 'Nuova', 'New', 99, '{}')"
        ),
        {"id": new_id, "parent": category_id("doposcuola")},
    )
    clock.now += 1.5  # past the one-read-a-second floor, long before the snapshot's age

    response = await client.get(f"/v1/services?category_id={new_id}")

    assert response.status_code == 200, response.text
    assert TAXONOMY.reads == 2


async def test_a_renamed_category_shows_once_the_snapshot_is_older_than_its_age(client, session, clock):
    await make_service(session, await make_provider(session))
    assert (await client.get("/v1/services")).json()["items"][0]["category"]["name_en"] != "Homework club"
    await session.execute(
        text("UPDATE category SET name_en = 'Homework club' WHERE id = :id"), {"id": category_id("doposcuola")}
    )

    clock.now += TAXONOMY.max_age_s - 1
    kept = (await client.get("/v1/services")).json()["items"][0]["category"]["name_en"]
    clock.now += 2
    renewed = (await client.get("/v1/services")).json()["items"][0]["category"]["name_en"]

    assert kept != "Homework club"
    assert renewed == "Homework club"


async def test_unknown_ids_are_refused_and_read_the_database_at_most_once_a_second(client, clock):
    await client.get(f"/v1/services?zone_id={NIL_1}")
    reads_before = (TAXONOMY.reads, ZONES.reads)
    clock.now += 5

    answers = [
        await client.get(f"/v1/services?category_id={uuid.uuid4()}&zone_id={uuid.uuid4()}") for _ in range(3)
    ] + [await client.get(f"/v1/services?zone_id={uuid.uuid4()}") for _ in range(3)]

    assert [a.json()["code"] for a in answers] == ["validation_error"] * 3 + ["unknown_zones"] * 3
    assert (TAXONOMY.reads, ZONES.reads) == (reads_before[0] + 1, reads_before[1] + 1)


async def test_a_municipio_stands_for_its_nils(client, session, clock):
    provider = await make_provider(session)
    inside = await make_service(session, provider, zones_served=[NIL_1])
    await make_service(session, provider, zones_served=[zone_id(ZoneKind.nil, 76)])  # Municipio 8

    found = (await client.get(f"/v1/services?zone_id={MUNICIPIO_1}")).json()["items"]

    assert [s["id"] for s in found] == [str(inside.id)]


async def test_a_new_listings_category_is_checked_without_a_statement(client, session, statements, clock):
    staff = await make_provider_staff_user(session)
    provider = await make_provider(session, staff=staff, zones_served=[NIL_1])
    body = {
        "provider_id": str(provider.id),
        "category_id": str(category_id("doposcuola")),
        "title": "Doposcuola in via Padova",
        "price_model": "hourly",
        "price_cents": 1500,
        "availability": [{"day": "tue", "opens": "16:00", "closes": "18:00"}],
        "languages": ["it"],
    }
    await client.get(f"/v1/services?category_id={category_id('doposcuola')}")  # the snapshot is read

    with statements.counting() as log:
        created = await client.post("/v1/services", json=body, headers=auth_headers(staff))
    area = await client.post(
        "/v1/services", json=body | {"category_id": str(category_id("lavoro-domestico"))}, headers=auth_headers(staff)
    )

    assert created.status_code == 201, created.text
    assert _reads_of(log, "category") == []
    assert area.status_code == 422
    assert area.json()["code"] == "validation_error"
    assert area.json()["errors"][0]["pointer"] == "/category_id"
