"""The city generator at tiny scale: row counts, referential integrity, and that the API finds what
it generated (which proves the denormalised search columns are filled as the app fills them)."""

import os

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from app.config import get_settings
from app.main import create_app
from bench.generate import generate
from bench.load import SCALES
from tests import database

TINY = SCALES["tiny"]


@pytest.fixture(scope="module")
async def generated_url() -> str:
    prefix = os.environ.get("TEST_DB_PREFIX", "tutti_test")
    url = make_url(database.server_url()).set(database=f"{prefix}_generator").render_as_string(hide_password=False)
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(make_url(libpq).set(database="postgres").render_as_string(hide_password=False))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{prefix}_generator" WITH (FORCE)')
    finally:
        await admin.close()
    await generate(libpq, "tiny", seed=11, reset=False, password_hash="$argon2id$v=19$m=8192,t=1,p=1$x$y")
    return url


@pytest.fixture
async def conn(generated_url: str):
    connection = await asyncpg.connect(make_url(generated_url).set(drivername="postgresql").render_as_string(False))
    yield connection
    await connection.close()


async def test_tiny_scale_has_the_promised_rows(conn):
    counts = {
        "citizens": await conn.fetchval("SELECT count(*) FROM user_account WHERE role = 'citizen'"),
        "providers": await conn.fetchval("SELECT count(*) FROM provider"),
        "services": await conn.fetchval("SELECT count(*) FROM service"),
        "requests": await conn.fetchval("SELECT count(*) FROM demand_request"),
        "open": await conn.fetchval("SELECT count(*) FROM demand_request WHERE status = 'open'"),
    }

    assert counts == {
        "citizens": TINY.citizens,
        "providers": TINY.providers,
        "services": TINY.services,
        "requests": TINY.requests,
        "open": TINY.open_requests,
    }


@pytest.mark.parametrize(
    "orphans",
    [
        "SELECT count(*) FROM provider_staff ps LEFT JOIN user_account u ON u.id = ps.user_id WHERE u.id IS NULL",
        "SELECT count(*) FROM provider_staff ps LEFT JOIN provider p ON p.id = ps.provider_id WHERE p.id IS NULL",
        "SELECT count(*) FROM service s LEFT JOIN provider p ON p.id = s.provider_id WHERE p.id IS NULL",
        "SELECT count(*) FROM service s LEFT JOIN category c ON c.id = s.category_id WHERE c.id IS NULL",
        "SELECT count(*) FROM demand_request d LEFT JOIN user_account u ON u.id = d.citizen_id WHERE u.id IS NULL",
        "SELECT count(*) FROM demand_request d LEFT JOIN zone z ON z.id = d.nil_id WHERE z.id IS NULL",
        "SELECT count(*) FROM verification v LEFT JOIN provider p ON p.id = v.provider_id WHERE p.id IS NULL",
        "SELECT count(*) FROM request_invitation i LEFT JOIN service s ON s.id = i.service_id WHERE s.id IS NULL",
        "SELECT count(*) FROM offer o LEFT JOIN demand_request d ON d.id = o.request_id WHERE d.id IS NULL",
        "SELECT count(*) FROM service s, unnest(s.coverage_nil_ids) n LEFT JOIN zone z ON z.id = n WHERE z.id IS NULL",
    ],
)
async def test_generated_rows_reference_existing_rows(conn, orphans):
    assert await conn.fetchval(orphans) == 0


async def test_search_columns_follow_the_app_rules(conn):
    wrong = await conn.fetchval(
        """
        SELECT count(*) FROM service s JOIN provider p ON p.id = s.provider_id
        WHERE s.searchable <> (s.status = 'published' AND p.accreditation_state = 'accredited')
           OR (p.kind <> 'individual' AND (s.lat, s.lon) IS DISTINCT FROM (p.lat, p.lon))
           OR NOT (s.coverage_nil_ids @> CASE WHEN s.zones_served = '{}' THEN p.zones_served ELSE s.zones_served END)
           OR isempty(s.availability_minutes)
        """
    )

    assert wrong == 0


async def test_no_household_has_more_than_ten_open_requests(conn):
    most = await conn.fetchval(
        "SELECT max(n) FROM (SELECT count(*) n FROM demand_request WHERE status = 'open' GROUP BY citizen_id) x"
    )

    assert most <= 10


async def test_the_api_finds_generated_services_by_category_and_zone(conn, generated_url):
    row = await conn.fetchrow(
        "SELECT s.id, s.category_id, s.coverage_nil_ids[1] AS nil FROM service s WHERE s.searchable LIMIT 1"
    )
    app = create_app(get_settings())
    app.state.engine = database.make_engine(generated_url)
    from app.db import build_sessionmaker

    app.state.sessionmaker = build_sessionmaker(app.state.engine)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            by_zone = await client.get(
                "/v1/services",
                params={"category_id": str(row["category_id"]), "zone_id": str(row["nil"]), "limit": 100},
            )
            by_text = await client.get("/v1/services", params={"q": "servizio", "limit": 5})
    finally:
        await app.state.engine.dispose()

    assert by_zone.status_code == 200
    assert str(row["id"]) in {item["id"] for item in by_zone.json()["items"]}
    assert by_text.status_code == 200 and by_text.json()["items"]
