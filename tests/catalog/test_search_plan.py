"""The catalogue's search plans: on a large catalogue, the service table is reached through indexes.

The dataset is written straight with SQL inside the test's transaction (so it vanishes with it),
then ANALYZEd; the statements are the ones a real GET /v1/services sends, recorded on the way to
the database and run again under EXPLAIN ANALYZE with the same parameters.
"""

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import event, text

from app.models import ZoneKind
from app.seed.reference import category_id, zone_id

SERVICES = 60_000
PROVIDERS = 400

# Realistic proportions: most listings are live, the rest are drafts, paused, archived or belong
# to one of the 10% of providers that are suspended (about 56% of the rows are searchable).
# Domestic work (badante, colf, tata) is a third of the catalogue; the other leaves share the rest.
# Each service covers 1-4 neighbouring NILs and is open in two slots of 2-4 hours on two weekdays.
DATASET = [
    "SELECT setseed(0.42)",
    f"""
    INSERT INTO provider (id, kind, legal_name, display_name, description, address_city, lat, lon, zones_served,
                          languages, accreditation_state, accreditation_changed_at, rating_average, rating_count,
                          created_at, updated_at, version)
    SELECT md5('provider ' || g)::uuid, 'cooperative', 'Piano ' || g, 'Piano ' || g, '', 'Milano',
           45.40 + random() * 0.13, 9.06 + random() * 0.20, '{{}}', '{{it}}',
           (CASE WHEN g % 10 = 0 THEN 'suspended' ELSE 'accredited' END)::accreditation_state,
           now(), 3 + random() * 2, 5, now(), now(), 1
    FROM generate_series(1, {PROVIDERS}) AS g
    """,
    f"""
    WITH nils AS (SELECT array_agg(id ORDER BY code) AS ids FROM zone WHERE kind = 'nil'),
         coverages AS (  -- 88 × 4 runs of 1-4 neighbouring NILs, numbered
             SELECT first_nil * 4 + extra AS k, nils.ids[1 + first_nil : least(1 + first_nil + extra, 88)] AS ids
             FROM nils, generate_series(0, 87) AS first_nil, generate_series(0, 3) AS extra
         ),
         leaves AS (
             SELECT row_number() OVER (ORDER BY c.slug) - 1 AS n, c.id,
                    c.slug IN ('badante', 'colf', 'tata-babysitter') AS domestic
             FROM category AS c WHERE NOT EXISTS (SELECT 1 FROM category AS child WHERE child.parent_id = c.id)
         ),
         categories AS MATERIALIZED (  -- 100 buckets: 33 for the 3 domestic-work roles, 67 for the 16 other leaves
             SELECT bucket AS k, (
                 SELECT id FROM leaves
                 WHERE domestic = (bucket < 33)
                 ORDER BY n
                 OFFSET bucket % (SELECT count(*) FROM leaves AS l WHERE l.domestic = (bucket < 33)) LIMIT 1
             ) AS id
             FROM generate_series(0, 99) AS bucket
         ),
         providers AS (
             SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, lat, lon, accreditation_state
             FROM provider WHERE legal_name LIKE 'Piano %'
         ),
         draw AS (  -- volatile columns: every row draws its own numbers once
             SELECT g, floor(random() * {PROVIDERS})::int AS provider_n, floor(random() * 352)::int AS coverage_k,
                    floor(random() * 100)::int AS category_k, random() AS status_draw,
                    floor(random() * 7)::int AS day1, 1 + floor(random() * 6)::int AS day_gap,
                    8 + floor(random() * 10)::int AS hour1, 8 + floor(random() * 10)::int AS hour2,
                    2 + floor(random() * 3)::int AS hours, random() * 365 AS age_days
             FROM generate_series(0, {SERVICES - 1}) AS g
         ),
         shaped AS (
             SELECT d.*, (d.day1 + d.day_gap) % 7 AS day2, p.id AS provider_id, p.lat, p.lon,
                    p.accreditation_state, c.id AS category_id, v.ids AS coverage,
                    (CASE WHEN d.status_draw < 0.62 THEN 'published'
                          WHEN d.status_draw < 0.72 THEN 'draft'
                          WHEN d.status_draw < 0.80 THEN 'paused'
                          ELSE 'archived' END)::service_status AS status
             FROM draw AS d
             JOIN providers AS p ON p.n = d.provider_n
             JOIN coverages AS v ON v.k = d.coverage_k
             JOIN categories AS c ON c.k = d.category_k
         )
    INSERT INTO service (id, provider_id, category_id, title, description, delivery, price_model, price_cents,
                         shared_prices, income_based, zones_served, coverage_nil_ids, lat, lon, availability,
                         availability_minutes, languages, status, searchable, published_at, created_at, updated_at,
                         version)
    SELECT md5('service ' || g)::uuid, provider_id, category_id, 'Servizio ' || g, '', 'individual', 'hourly',
           800 + (g % 25) * 100, '[]', false, '{{}}', coverage, lat, lon, '[]',
           int4multirange(
               int4range(day1 * 1440 + hour1 * 60, day1 * 1440 + (hour1 + hours) * 60),
               int4range(day2 * 1440 + hour2 * 60, day2 * 1440 + (hour2 + hours) * 60)
           ),
           '{{it}}', status, status = 'published' AND accreditation_state = 'accredited',
           CASE WHEN status <> 'draft' THEN now() - age_days * interval '1 day' END,
           now() - (age_days + 30) * interval '1 day', now() - age_days * interval '1 day', 1
    FROM shaped
    """,
    "ANALYZE provider",
    "ANALYZE service",
]

SEARCHES = {
    "badante in a NIL on Tuesday afternoon": {
        "category_id": str(category_id("badante")),
        "zone_id": str(zone_id(ZoneKind.nil, 20)),
        "available": "tue:16:00-18:00",
    },
    "an area in a Municipio on two afternoons": {
        "category_id": str(category_id("educativo")),
        "zone_id": str(zone_id(ZoneKind.municipio, 2)),
        "available": "tue:16:00-18:00,thu:16:00-18:00",
    },
}


def plan_nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def describe(node: dict, depth: int = 0) -> str:
    """A compact text rendering of a JSON plan, for failure messages and the report."""
    label = node["Node Type"]
    for key in ("Index Name", "Relation Name"):
        if key in node:
            label += f" {key.split()[0].lower()}={node[key]}"
    line = f"{'  ' * depth}{label} (rows={node.get('Actual Rows')}, {node.get('Actual Total Time')} ms)"
    return "\n".join([line, *(describe(child, depth + 1) for child in node.get("Plans", []))])


@pytest.fixture
async def large_catalogue(connection):
    started = time.monotonic()
    for statement in DATASET:
        await connection.execute(text(statement))
    counts = (await connection.execute(text("SELECT count(*), count(*) FILTER (WHERE searchable) FROM service"))).one()
    return {"services": counts[0], "searchable": counts[1], "seconds": time.monotonic() - started}


async def recorded_search_sql(client, connection, params: dict) -> tuple[str, tuple]:
    """The SQL and parameters of the service query a real search request sends."""
    statements: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().startswith("SELECT service."):
            statements.append((statement, parameters))

    event.listen(connection.sync_connection, "before_cursor_execute", record)
    try:
        response = await client.get("/v1/services", params=params)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", record)
    assert response.status_code == 200, response.text
    assert response.json()["items"], "the search should find something in the large catalogue"
    assert len(statements) == 1
    return statements[0]


async def test_category_zone_and_availability_searches_use_no_sequential_scan_on_service(
    client, connection, large_catalogue
):
    assert large_catalogue["services"] == SERVICES
    assert 0.5 < large_catalogue["searchable"] / SERVICES < 0.6
    recorded = {name: await recorded_search_sql(client, connection, params) for name, params in SEARCHES.items()}

    plans = {}
    for name, (sql, parameters) in recorded.items():
        output = (await connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, parameters)).scalar_one()
        [plans[name]] = json.loads(output) if isinstance(output, str) else output

    searchable, seconds = large_catalogue["searchable"], large_catalogue["seconds"]
    print(f"\ndataset: {SERVICES} services, {searchable} searchable, written and analysed in {seconds:.1f} s")
    for name, explained in plans.items():
        print(f"{name}: planning {explained['Planning Time']} ms, execution {explained['Execution Time']} ms")
        print(describe(explained["Plan"]))
    for name, explained in plans.items():
        nodes = list(plan_nodes(explained["Plan"]))
        seq_scans = [n for n in nodes if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "service"]
        assert seq_scans == [], f"{name}:\n{describe(explained['Plan'])}"
        assert any(n.get("Index Name", "").startswith("ix_service_search_") for n in nodes), name
