"""The city generator at tiny scale: row counts, referential integrity, and that the API finds what
it generated (which proves the denormalised search columns are filled as the app fills them)."""

import json
import os
import uuid

import pytest
from sqlalchemy.engine import make_url

from app.config import get_settings
from app.main import create_app
from bench.generate import generate
from bench.load import SCALES
from tests import database
from tests.problem_codes import checked_client

TINY = SCALES["tiny"]


@pytest.fixture(scope="module")
async def generated_url(worker_id_name: str) -> str:
    # One database per xdist worker: module fixtures run once per worker that runs a test here.
    name = f"{os.environ.get('TEST_DB_PREFIX', 'tutti_test')}_generator_{worker_id_name}"
    url = make_url(database.server_url()).set(database=name).render_as_string(hide_password=False)
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await database.connect(make_url(libpq).set(database="postgres").render_as_string(hide_password=False))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
    await generate(libpq, "tiny", seed=11, reset=False, password_hash="$argon2id$v=19$m=8192,t=1,p=1$x$y")
    return url


@pytest.fixture
async def conn(generated_url: str):
    connection = await database.connect(generated_url)
    yield connection
    await connection.close()


async def test_tiny_scale_has_the_promised_rows(conn):
    counts = {
        "citizens": await conn.fetchval("SELECT count(*) FROM user_account WHERE role = 'citizen'"),
        "providers": await conn.fetchval("SELECT count(*) FROM provider"),
        "services": await conn.fetchval("SELECT count(*) FROM service"),
        "requests": await conn.fetchval("SELECT count(*) FROM demand_request"),
        "open": await conn.fetchval("SELECT count(*) FROM demand_request WHERE status = 'open'"),
        "pools": await conn.fetchval("SELECT count(*) FROM pool"),
        "hubs": await conn.fetchval("SELECT count(*) FROM hub"),
    }

    assert counts == {
        "citizens": TINY.citizens,
        "providers": TINY.providers,
        "services": TINY.services,
        "requests": TINY.requests,
        "open": TINY.open_requests,
        "pools": TINY.pools,
        "hubs": 20,
    }
    assert await conn.fetchval("SELECT count(*) FROM pool_member") >= TINY.pools
    assert await conn.fetchval("SELECT count(*) FROM condominium_member") >= 2 * await conn.fetchval(
        "SELECT count(*) FROM condominium"
    )
    # Every Municipio has a hub serving all its NILs, and every hub has one to three operators.
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM zone n WHERE n.kind = 'nil' "
            "AND NOT EXISTS (SELECT 1 FROM hub_zone hz WHERE hz.zone_id = n.id)"
        )
        == 0
    )
    operators = await conn.fetch("SELECT count(*) AS n FROM hub_operator GROUP BY hub_id")
    assert len(operators) == 20 and all(1 <= r["n"] <= 3 for r in operators)


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
        "SELECT count(*) FROM hub_operator o JOIN user_account u ON u.id = o.user_id WHERE u.role <> 'hub_operator'",
        "SELECT count(*) FROM condominium_member m JOIN user_account u ON u.id = m.citizen_id "
        "WHERE u.role <> 'citizen'",
        "SELECT count(*) FROM condominium c LEFT JOIN hub h ON h.id = c.hub_id WHERE h.id IS NULL",
        "SELECT count(*) FROM pool_member m LEFT JOIN pool p ON p.id = m.pool_id WHERE p.id IS NULL",
        "SELECT count(*) FROM pool_member m JOIN user_account u ON u.id = m.citizen_id WHERE u.role <> 'citizen'",
        "SELECT count(*) FROM pool_offer o JOIN service s ON s.id = o.service_id WHERE s.provider_id <> o.provider_id",
        # a condominium pool's members are residents of the building
        "SELECT count(*) FROM pool p JOIN pool_member m ON m.pool_id = p.id WHERE p.scope = 'condominium' AND NOT "
        "EXISTS (SELECT 1 FROM condominium_member c WHERE c.condominium_id = p.condominium_id "
        "AND c.citizen_id = m.citizen_id)",
        # operator-mode requests are made by an operator of a hub serving the request's NIL
        "SELECT count(*) FROM demand_request d WHERE d.mode = 'operator' AND NOT EXISTS (SELECT 1 FROM hub_operator o "
        "JOIN hub_zone z ON z.hub_id = o.hub_id WHERE o.user_id = d.created_by_id AND z.zone_id = d.nil_id)",
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
        async with checked_client(app) as client:
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


async def test_pools_are_in_believable_states(conn):
    pools = await conn.fetch(
        """
        SELECT p.*, (SELECT count(*) FROM pool_member m WHERE m.pool_id = p.id AND m.status IN ('active', 'leaving'))
                    AS members,
               (SELECT count(*) FROM pool_member m WHERE m.pool_id = p.id
                  AND m.status IN ('invited', 'active', 'leaving')) AS live,
               o.status AS offer_status, o.weekly_price_cents, o.provider_id AS offer_provider
        FROM pool p LEFT JOIN pool_offer o ON o.id = p.accepted_offer_id
        """
    )
    from app.schedules import WeeklySlot, to_multirange, total_minutes

    assert {p["state"] for p in pools} & {"active", "closing"}
    for p in pools:
        slots = [WeeklySlot.model_validate(s) for s in json.loads(p["schedule"])]
        assert [(r.lower, r.upper) for r in p["schedule_minutes"]] == [(r.lower, r.upper) for r in to_multirange(slots)]
        assert p["weekly_minutes"] == total_minutes([s.to_range() for s in slots])
        assert p["live"] <= p["max_members"]
        if p["state"] in ("active", "closing"):
            assert p["min_members"] <= p["members"] <= p["max_members"]
            assert p["offer_status"] == "accepted" and p["weekly_price_cents"] == p["weekly_cost_cents"]
            assert p["offer_provider"] == p["provider_id"] and p["individual_hourly_cents"] is not None
        if p["state"] == "closing":
            assert p["closes_at"] is not None
        if p["state"] == "closed":
            assert p["members"] == 0 and p["closed_at"] is not None


async def test_a_generated_operator_gets_pool_suggestions(conn, generated_url):
    """About 30% of the open requests are open to sharing, in clusters a hub operator is offered."""
    sharing = await conn.fetchval("SELECT count(*) FROM demand_request WHERE status = 'open' AND open_to_sharing")
    assert 0.2 * TINY.open_requests <= sharing <= 0.4 * TINY.open_requests
    hub = await conn.fetchrow(
        """
        SELECT h.id, (SELECT o.user_id FROM hub_operator o WHERE o.hub_id = h.id ORDER BY o.user_id LIMIT 1) AS operator
        FROM hub h JOIN hub_zone z ON z.hub_id = h.id
        JOIN demand_request d ON d.nil_id = z.zone_id AND d.status = 'open' AND d.open_to_sharing
        GROUP BY h.id ORDER BY count(*) DESC, h.id LIMIT 1
        """
    )
    settings = get_settings()
    from app.tokens import issue_access_token

    token = issue_access_token(settings.auth, subject=hub["operator"], kind="user", session_id=uuid.uuid4())
    app = create_app(settings)
    app.state.engine = database.make_engine(generated_url)
    from app.db import build_sessionmaker

    app.state.sessionmaker = build_sessionmaker(app.state.engine)
    try:
        async with checked_client(app) as client:
            response = await client.get(
                "/v1/pools/suggestions",
                params={"hub_id": str(hub["id"])},
                headers={"Authorization": f"Bearer {token}"},
            )
    finally:
        await app.state.engine.dispose()

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items and all(len(item["members"]) >= 2 for item in items)


async def test_every_generated_scope_reads_the_same_stored_as_grouped_live(generated_url):
    """The worker's snapshot (app/pools/snapshots.py) against the live grouping, for every hub and
    every operator of the generated city, whole and by category; rolled back afterwards."""
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.hubs import service as hub_service
    from app.models import Hub, User
    from app.pools import snapshots, suggestions
    from app.pools.views import suggestion_views

    engine = database.make_engine(generated_url)
    try:
        async with engine.connect() as connection, connection.begin() as transaction:
            session = AsyncSession(bind=connection, expire_on_commit=False)
            operators = list(await session.scalars(select(User).where(User.role == "hub_operator")))
            admin = User(id=uuid.uuid4(), role="admin")
            hubs = list(await session.scalars(select(Hub.id)))
            asks = [(user, None) for user in operators] + [(admin, hub) for hub in hubs]

            async def answers() -> list[dict]:
                found = []
                for user, hub_id in asks:
                    whole = await suggestions.suggest(session, user, hub_id=hub_id, category_id=None, limit=100)
                    categories = sorted({g.requests[0].category_id for g in whole.groups})[:2]
                    for category in [None, *categories]:
                        one = await suggestions.suggest(session, user, hub_id=hub_id, category_id=category, limit=5)
                        body = (await suggestion_views(session, one, viewer=user)).model_dump(mode="json")
                        found.append({**body, "items": [i | {"suggestion_token": ""} for i in body["items"]]})
                return found

            live = await answers()
            counts = await snapshots.refresh(session)
            scopes = len(await hub_service.nil_sets(session))  # hubs of one Municipio share theirs
            stored = await answers()
            await transaction.rollback()
    finally:
        await engine.dispose()

    assert sum(len(body["items"]) for body in live) > 20
    assert counts["suggestion_scopes"] == scopes and counts["suggestion_groups"] >= 10
    assert stored == live


async def test_the_database_ranks_generated_matches_as_the_python_rule_does(generated_url):
    """Matches scored in SQL (app/demand/match_ranking.py) against the rule in Python, for open
    requests of the generated city: same services, order, scores and breakdowns; rolled back."""
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.models import DemandRequest
    from tests.demand.test_match_ranking import asking_every_category, compare_rankings

    engine = database.make_engine(generated_url)
    try:
        async with engine.connect() as connection, connection.begin() as transaction:
            session = AsyncSession(bind=connection, expire_on_commit=False)
            stored = select(DemandRequest).where(DemandRequest.status == "open").order_by(DemandRequest.id).limit(40)
            requests = list(await session.scalars(stored)) + await asking_every_category(session)
            compared = await compare_rankings(session, requests)
            await transaction.rollback()
    finally:
        await engine.dispose()

    assert compared > 200, compared
