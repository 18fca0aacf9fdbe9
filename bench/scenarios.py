"""The benchmark's request mixes, drawn from a generated database (deterministic per seed).

Each scenario is a list of requests `(method, path, token, body)`; the API and the raw baseline
get the very same list (the raw app's paths start with /raw instead of /v1). Tokens are minted
with the app's own token module and the server's signing settings: the load never logs in.
"""

import json
import random
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import asyncpg

from app.config import AuthSettings
from app.tokens import issue_access_token

BENCH_MARKER = "[bench]"  # descriptions of the requests the benchmark creates, removed afterwards
QUERIES = (
    "babysitter inglese", "badante", "doposcuola", "pulizie stiro", "dogsitter", "assistenza anziani",
    "trasporto disabilità", "corsi di italiano", "pratiche", "pasti a domicilio", "sostegno scolastico",
)  # fmt: skip
RADIUS_KM = 2.0
MATCHES_PER_SCENARIO = 2000
BUSY_HUBS = 3  # pool suggestions and needs: the hubs with the most sharing demand


@dataclass(frozen=True)
class Line:
    method: str
    path: str
    token: str = ""
    body: str = ""

    def raw(self) -> "Line":
        return replace(self, path=self.path.replace("/v1/", "/raw/", 1))


def _tokens(auth: AuthSettings, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    return {u: issue_access_token(auth, subject=u, kind="user", session_id=uuid.uuid4()) for u in user_ids}


async def build(url: str, auth: AuthSettings, *, seed: int, size: int = 1000) -> dict[str, list[Line]]:
    """Scenario name → requests."""
    rng = random.Random(f"bench:{seed}")  # noqa: S311
    conn = await asyncpg.connect(url)
    try:
        categories = [r["id"] for r in await conn.fetch("SELECT id FROM category WHERE parent_id IS NOT NULL")]
        zones = await conn.fetch("SELECT id, kind, centroid_lat, centroid_lon FROM zone ORDER BY kind, code")
        nils = [z for z in zones if z["kind"] == "nil"]
        windows = [r["w"] for r in await conn.fetch(_WINDOWS_SQL)]
        matches = await conn.fetch(_OPEN_REQUESTS_SQL, MATCHES_PER_SCENARIO)
        staff = await conn.fetch(_INBOX_STAFF_SQL, size)
        creators = await conn.fetch(_CREATORS_SQL, size * 5, str(rng.random()))
        busy_hubs = await conn.fetch(_BUSY_HUBS_SQL, BUSY_HUBS)
    finally:
        await conn.close()
    tokens = _tokens(auth, [r["citizen_id"] for r in matches] + [r["user_id"] for r in staff])
    tokens |= _tokens(auth, [r["id"] for r in creators])
    tokens |= _tokens(auth, [u for r in busy_hubs for u in r["operators"]])

    def cat_zone() -> Line:
        zone = rng.choice(nils) if rng.random() < 0.8 else rng.choice(zones)
        return Line("GET", f"/v1/services?category_id={rng.choice(categories)}&zone_id={zone['id']}")

    def cat_avail_near() -> Line:
        nil = rng.choice(nils)
        near = f"{nil['centroid_lat']:.5f},{nil['centroid_lon']:.5f}"
        return Line(
            "GET",
            f"/v1/services?category_id={rng.choice(categories)}&available={rng.choice(windows)}"
            f"&near={near}&radius_km={RADIUS_KM}",
        )

    def fulltext() -> Line:
        return Line("GET", f"/v1/services?q={rng.choice(QUERIES).replace(' ', '+')}")

    def match(row: asyncpg.Record) -> Line:
        return Line("GET", f"/v1/requests/{row['id']}/matches", tokens[row["citizen_id"]])

    def inbox(row: asyncpg.Record) -> Line:
        return Line("GET", "/v1/requests/inbox", tokens[row["user_id"]])

    def hub_call(path: str) -> Line:
        hub = rng.choice(busy_hubs)
        return Line("GET", path.format(hub=hub["id"]), tokens[rng.choice(hub["operators"])])

    start = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()

    def create(row: asyncpg.Record) -> Line:
        body = {
            "category_id": str(rng.choice(categories)),
            "description": f"{BENCH_MARKER} richiesta di prova",
            "nil_id": str(rng.choice(nils)["id"]),
            "schedule": [{"day": rng.choice(["mon", "tue", "wed", "thu", "fri"]), "opens": "16:00", "closes": "18:00"}],
            "start_date": start,
            "mode": "open",
        }
        return Line("POST", "/v1/requests", tokens[row["id"]], json.dumps(body, separators=(",", ":")))

    scenarios = {
        "search_category_zone": [cat_zone() for _ in range(size)],
        "search_category_availability_near": [cat_avail_near() for _ in range(size)],
        "search_fulltext": [fulltext() for _ in range(size)],
        "matches": [match(r) for r in matches],
        "inbox": [inbox(r) for r in staff],
        "pool_suggestions": [hub_call("/v1/pools/suggestions?hub_id={hub}") for _ in range(size)],
        "hub_needs": [hub_call("/v1/hubs/{hub}/needs") for _ in range(size)],
        "create_request": [create(r) for r in creators],
    }
    journey = []
    for name, share in (("search_category_zone", 3), ("search_category_availability_near", 2),
                        ("search_fulltext", 1), ("matches", 2), ("inbox", 2), ("create_request", 1)):  # fmt: skip
        journey += rng.sample(scenarios[name], min(len(scenarios[name]), share * size // 4))
    rng.shuffle(journey)
    scenarios["mixed_journey"] = journey
    return scenarios


_WINDOWS_SQL = """
SELECT DISTINCT (s->>'day') || ':' || (s->>'opens') || '-' || (s->>'closes') AS w
FROM (SELECT availability FROM service WHERE searchable LIMIT 2000) x, jsonb_array_elements(x.availability) s
ORDER BY 1
"""
# The hubs with the most open requests open to sharing in their NILs, with their operators.
_BUSY_HUBS_SQL = """
SELECT h.id, (SELECT array_agg(o.user_id ORDER BY o.user_id) FROM hub_operator o WHERE o.hub_id = h.id) AS operators
FROM hub h JOIN hub_zone z ON z.hub_id = h.id
JOIN demand_request d ON d.nil_id = z.zone_id AND d.status = 'open' AND d.open_to_sharing AND d.valid_until > now()
WHERE EXISTS (SELECT 1 FROM hub_operator o WHERE o.hub_id = h.id)
GROUP BY h.id ORDER BY count(*) DESC, h.id LIMIT $1
"""
# Open requests whose owner is a citizen (matches is the owner's view).
_OPEN_REQUESTS_SQL = """
SELECT d.id, d.citizen_id FROM demand_request d
WHERE d.status = 'open' AND d.valid_until > now() ORDER BY d.id LIMIT $1
"""
# Staff of exactly one accredited provider with something to answer (the inbox needs no provider_id).
_INBOX_STAFF_SQL = """
SELECT ps.user_id FROM provider_staff ps JOIN provider p ON p.id = ps.provider_id
WHERE p.accreditation_state = 'accredited'
  AND (SELECT count(*) FROM provider_staff o WHERE o.user_id = ps.user_id) = 1
ORDER BY ps.user_id LIMIT $1
"""
# Citizens with no open request, so the benchmark's new requests never hit the cap of 10.
_CREATORS_SQL = """
SELECT u.id FROM user_account u
WHERE u.role = 'citizen' AND NOT EXISTS (
  SELECT 1 FROM demand_request d WHERE d.citizen_id = u.id AND d.status = 'open')
ORDER BY md5(u.id::text || $2::text) LIMIT $1
"""
