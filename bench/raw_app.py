"""The baseline: the same SQL as the API's hot endpoints behind a bare Starlette + asyncpg app.

No ORM, no Pydantic, no dependency injection, no middleware: what is left is HTTP, JWT checks,
the queries and JSON. The benchmark divides the API's throughput by this one's (the "ratio").
Each handler issues the statements the API issues for that request, in the same order, with the
same WHERE/ORDER BY/LIMIT (auxiliary reads included: user, categories, zones, providers, badges).

    uvicorn bench.raw_app:app --workers 2   (DATABASE_URL and AUTH__* as for the API)
"""

import contextlib
import json
import math
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.config import get_settings
from app.pools.repository import COMPATIBLE_PAIRS_SQL
from app.schedules import intersect, parse_windows, spans_of, to_multirange, total_minutes
from app.tokens import InvalidToken, decode_access_token

SERVICE_COLUMNS = (
    "s.id, s.provider_id, s.category_id, s.title, s.description, s.delivery, s.min_persons, s.max_persons, "
    "s.price_model, s.price_cents, s.shared_prices, s.income_based, s.zones_served, s.radius_km, "
    "s.coverage_nil_ids, s.lat, s.lon, s.availability, s.availability_minutes, s.languages, s.accessibility, "
    "s.capacity, s.status, s.searchable, s.published_at, s.last_verified_at, s.external_id, s.content_hash, "
    "s.created_at, s.updated_at, s.version"
)
HAVERSINE = (
    "2 * 6371.0088 * asin(least(1.0, sqrt(power(sin(radians(s.lat - {lat}) / 2), 2) + cos(radians({lat})) "
    "* cos(radians(s.lat)) * power(sin(radians(s.lon - {lon}) / 2), 2))))"
)
POOL: asyncpg.Pool | None = None


def _default(value: object) -> object:
    if isinstance(value, uuid.UUID | datetime | date):
        return str(value)
    if isinstance(value, asyncpg.Range):
        return [value.lower, value.upper]
    return str(value)


def _ranges(slots: list) -> list[asyncpg.Range]:
    return [asyncpg.Range(r.lower, r.upper) for r in to_multirange(slots)]


def _json(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data, default=_default), status_code=status, media_type="application/json")


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    global POOL
    url = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    settings = get_settings().db
    POOL = await asyncpg.create_pool(
        url, min_size=2, max_size=settings.pool_size + settings.max_overflow,
        server_settings={"statement_timeout": str(settings.statement_timeout_ms), "timezone": "UTC"},
    )  # fmt: skip
    yield
    await POOL.close()


async def _user(conn: asyncpg.Connection, request: Request) -> asyncpg.Record | None:
    header = request.headers.get("authorization", "")
    try:
        claims = decode_access_token(get_settings().auth, header.partition(" ")[2])
    except InvalidToken:
        return None
    user = await conn.fetchrow("SELECT * FROM user_account WHERE id = $1", claims.subject)
    return user if user and user["is_active"] and user["token_epoch"] == claims.epoch else None


async def _badges(conn: asyncpg.Connection, provider_ids: list) -> dict:
    rows = await conn.fetch(
        "SELECT * FROM verification WHERE provider_id = ANY($1::uuid[]) "
        "ORDER BY provider_id, kind, verified_at DESC, id",
        provider_ids,
    )
    now, latest, badges = datetime.now(UTC), set(), {}
    for v in rows:  # rows come newest first per (provider, kind): the first one decides
        if (v["provider_id"], v["kind"]) in latest:
            continue
        latest.add((v["provider_id"], v["kind"]))
        if v["outcome"] == "passed" and (v["expires_at"] is None or v["expires_at"] > now):
            badges.setdefault(v["provider_id"], []).append(v["kind"])
    return badges


async def search(request: Request) -> Response:
    q = request.query_params
    conditions, args, distance = ["s.searchable"], [], "NULL::float8"
    async with POOL.acquire() as conn:
        if "category_id" in q:
            category = uuid.UUID(q["category_id"])
            await conn.fetchrow("SELECT * FROM category WHERE id = $1", category)
            children = await conn.fetch("SELECT id FROM category WHERE parent_id = $1", category)
            wanted = [category, *(r["id"] for r in children)]
            args.append(wanted if len(wanted) > 1 else category)  # as SQLAlchemy renders IN (one value)
            conditions.append(
                f"s.category_id = ANY(${len(args)}::uuid[])" if len(wanted) > 1 else f"s.category_id = ${len(args)}"
            )
        if "zone_id" in q:
            zones = await conn.fetch("SELECT * FROM zone WHERE id = ANY($1::uuid[])", [uuid.UUID(q["zone_id"])])
            nils = [z["id"] for z in zones if z["kind"] == "nil"]
            municipi = [z["id"] for z in zones if z["kind"] == "municipio"]
            if municipi:
                rows = await conn.fetch(
                    "SELECT id FROM zone WHERE kind = 'nil' AND parent_id = ANY($1::uuid[])", municipi
                )
                nils += [r["id"] for r in rows]
            args.append(sorted(set(nils)))
            conditions.append(f"s.coverage_nil_ids && ${len(args)}::uuid[]")
        if "near" in q:
            lat, lon = (round(float(x), 7) for x in q["near"].split(","))
            radius = float(q.get("radius_km", 5.0))
            dlat, dlon = radius / 111.2, radius / (111.2 * max(math.cos(math.radians(lat)), 0.01))
            distance = HAVERSINE.format(lat=lat, lon=lon)
            conditions.append(f"s.lat BETWEEN {lat - dlat} AND {lat + dlat} AND s.lon BETWEEN {lon - dlon} AND "
                              f"{lon + dlon} AND {distance} <= {radius}")  # fmt: skip
        if "available" in q:
            args.append(_ranges(parse_windows(q["available"])))
            conditions.append(f"s.availability_minutes && ${len(args)}::int4multirange")
        if "q" in q:
            args.append(q["q"])
            conditions.append(f"s.search_vector @@ websearch_to_tsquery('italian', ${len(args)})")
            order = f"ts_rank(s.search_vector, websearch_to_tsquery('italian', ${len(args)})) DESC, s.id"
        else:
            order = "coalesce(s.published_at, s.created_at) DESC, s.id DESC"
        limit = int(q.get("limit", 20))
        rows = await conn.fetch(
            f"SELECT {SERVICE_COLUMNS}, {distance} AS distance FROM service s WHERE {' AND '.join(conditions)} "  # noqa: S608
            f"ORDER BY {order} LIMIT {limit + 1}",
            *args,
        )
        rows = rows[:limit]
        provider_ids = list({r["provider_id"] for r in rows})
        providers = {
            p["id"]: p for p in await conn.fetch("SELECT * FROM provider WHERE id = ANY($1::uuid[])", provider_ids)
        }
        categories = {
            c["id"]: c
            for c in await conn.fetch(
                "SELECT * FROM category WHERE id = ANY($1::uuid[])", list({r["category_id"] for r in rows})
            )
        }
        badges = await _badges(conn, provider_ids)
    items = []
    for r in rows:
        p, c = providers[r["provider_id"]], categories[r["category_id"]]
        item = dict(r)
        item["availability"], item["shared_prices"] = json.loads(r["availability"]), json.loads(r["shared_prices"])
        item["provider"] = {"id": p["id"], "display_name": p["display_name"], "kind": p["kind"],
                            "rating_average": p["rating_average"], "badges": badges.get(p["id"], [])}  # fmt: skip
        item["category"] = {"id": c["id"], "slug": c["slug"], "name_it": c["name_it"], "name_en": c["name_en"]}
        items.append(item)
    return _json({"items": items, "next_cursor": None})


MATCH_SQL = """
SELECT {cols}, p.id AS p_id, p.display_name, p.kind, p.rating_average,
  (SELECT coalesce(sum(upper(r) - lower(r)), 0) FROM unnest(s.availability_minutes * $3::int4multirange) AS r)
    AS overlap,
  {distance} AS distance
FROM service s JOIN provider p ON p.id = s.provider_id
WHERE s.searchable AND s.category_id = $1 AND s.coverage_nil_ids @> ARRAY[$2::uuid] {kinds}
ORDER BY overlap DESC, s.id LIMIT 200
"""


async def matches(request: Request) -> Response:
    request_id = uuid.UUID(request.path_params["request_id"])
    async with POOL.acquire() as conn, conn.transaction():
        user = await _user(conn, request)
        if user is None:
            return _json({"status": 401}, 401)
        demand = await conn.fetchrow("SELECT * FROM demand_request WHERE id = $1", request_id)
        if demand is None or demand["citizen_id"] != user["id"]:
            return _json({"status": 404}, 404)
        if demand["lat"] is not None:
            lat, lon = demand["lat"], demand["lon"]
        else:
            zone = await conn.fetchrow("SELECT * FROM zone WHERE id = $1", demand["nil_id"])
            lat, lon = zone["centroid_lat"], zone["centroid_lon"]
        kinds = "AND p.kind = ANY($4::provider_kind[])" if demand["provider_kinds"] else ""
        sql = MATCH_SQL.format(cols=SERVICE_COLUMNS, distance=HAVERSINE.format(lat=round(lat, 7), lon=round(lon, 7)),
                               kinds=kinds)  # fmt: skip
        args = [demand["category_id"], demand["nil_id"], demand["schedule_minutes"]]
        rows = await conn.fetch(sql, *args, *([demand["provider_kinds"]] if kinds else []))
        badges = await _badges(conn, list({r["p_id"] for r in rows}))
    need = sum(r.upper - r.lower for r in demand["schedule_minutes"])
    seen, items = set(), []
    for r in rows:
        if r["p_id"] in seen:
            continue
        seen.add(r["p_id"])
        score = (
            35 * (r["overlap"] / need if need else 0)
            + 15 * ((r["rating_average"] or 4.0) / 5)
            + 3 * len(badges.get(r["p_id"], []))
        )
        items.append({"service_id": r["id"], "provider_id": r["p_id"], "provider_name": r["display_name"],
                      "title": r["title"], "score": round(score, 2), "overlap_minutes": r["overlap"],
                      "distance_km": r["distance"], "price_cents": r["price_cents"]})  # fmt: skip
    items.sort(key=lambda m: -m["score"])
    return _json({"items": items[:10], "need_minutes": need})


INBOX_SQL = """
SELECT d.* FROM demand_request d
WHERE d.status = 'open' AND (d.valid_until IS NULL OR d.valid_until > $2)
  AND d.id IN (
    SELECT i.request_id FROM request_invitation i WHERE i.provider_id = $1
    UNION ALL
    SELECT c.id FROM demand_request c
    JOIN (SELECT s.category_id, unnest(s.coverage_nil_ids) AS nil_id FROM service s
          WHERE s.provider_id = $1 AND s.searchable) AS pairs
      ON pairs.category_id = c.category_id AND pairs.nil_id = c.nil_id
    WHERE c.status = 'open' AND c.mode = 'open')
ORDER BY d.opened_at DESC, d.id DESC LIMIT $3
"""


async def inbox(request: Request) -> Response:
    async with POOL.acquire() as conn, conn.transaction():
        user = await _user(conn, request)
        if user is None:
            return _json({"status": 401}, 401)
        mine = await conn.fetch("SELECT provider_id FROM provider_staff WHERE user_id = $1", user["id"])
        if len(mine) != 1:
            return _json({"status": 403}, 403)
        provider_id = mine[0]["provider_id"]
        rows = (await conn.fetch(INBOX_SQL, provider_id, datetime.now(UTC), 21))[:20]
        ids = [r["id"] for r in rows]
        invited = await conn.fetch(
            "SELECT request_id, provider_id FROM request_invitation WHERE request_id = ANY($1::uuid[]) "
            "ORDER BY invited_at, provider_id",
            ids,
        )
        offered = await conn.fetch(
            "SELECT request_id FROM offer WHERE request_id = ANY($1::uuid[]) AND provider_id = $2 "
            "AND status = 'pending'",
            ids,
            provider_id,
        )
    invited_ids = {r["request_id"] for r in invited if r["provider_id"] == provider_id}
    offered_ids = {r["request_id"] for r in offered}
    items = [
        {
            "id": r["id"],
            "category_id": r["category_id"],
            "nil_id": r["nil_id"],
            "description": r["description"],
            "schedule": json.loads(r["schedule"]),
            "start_date": r["start_date"],
            "budget_cents": r["budget_cents"],
            "mode": r["mode"],
            "valid_until": r["valid_until"],
            "invited": r["id"] in invited_ids,
            "has_offered": r["id"] in offered_ids,
        }  # fmt: skip
        for r in rows
    ]
    return _json({"items": items, "next_cursor": None})


async def create_request(request: Request) -> Response:
    body = await request.json()
    key = request.headers.get("idempotency-key")
    async with POOL.acquire() as conn, conn.transaction():
        user = await _user(conn, request)
        if user is None:
            return _json({"status": 401}, 401)
        principal = f"user:{user['id']}"
        await conn.fetchval(
            "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", f"idempotency:{principal}:{key}"
        )
        await conn.fetchrow("SELECT * FROM idempotency_record WHERE principal = $1 AND key = $2", principal, key)
        category = uuid.UUID(body["category_id"])
        await conn.fetchrow("SELECT * FROM category WHERE id = $1", category)
        await conn.fetchval("SELECT id FROM category WHERE parent_id = $1 LIMIT 1", category)
        nil = uuid.UUID(body["nil_id"])
        await conn.fetch("SELECT * FROM zone WHERE id = ANY($1::uuid[])", [nil])
        now, request_id = datetime.now(UTC), uuid.uuid4()
        slots = parse_windows(",".join(f"{s['day']}:{s['opens']}-{s['closes']}" for s in body["schedule"]))
        await conn.execute(
            "INSERT INTO demand_request (id, citizen_id, created_by_id, category_id, description, nil_id, schedule, "
            "schedule_minutes, start_date, languages, provider_kinds, required_badges, open_to_sharing, mode, status, "
            "created_at, updated_at, version) VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, '{}', '{}', '{}', false, "
            "$9, 'draft', $10, $10, 1)",
            request_id, user["id"], category, body.get("description", ""), nil,
            json.dumps([s.model_dump() for s in slots]), _ranges(slots), date.fromisoformat(body["start_date"]),
            body.get("mode", "quote"), now,
        )  # fmt: skip
        audit = "INSERT INTO audit_entry (id, occurred_at, actor_id, actor_kind, action, target_type, target_id, "
        audit += "detail) VALUES ($1, $2, $3, 'user', $4, 'request', $5, $6)"
        await conn.execute(audit, uuid.uuid4(), now, user["id"], "request.created", request_id, '{"on_behalf": false}')
        await conn.execute("SELECT id FROM user_account WHERE id = $1 FOR UPDATE", user["id"])
        open_count = await conn.fetchval(
            "SELECT count(*) FROM demand_request WHERE citizen_id = $1 AND status = 'open'", user["id"]
        )
        if open_count >= 10:
            return _json({"status": 409}, 409)
        await conn.execute(
            "UPDATE demand_request SET status = 'open', opened_at = $2, valid_until = $3, version = 2 WHERE id = $1",
            request_id, now, now + timedelta(days=30),
        )  # fmt: skip
        await conn.execute(audit, uuid.uuid4(), now, user["id"], "request.opened", request_id, "{}")
        await conn.execute(
            "INSERT INTO outbox_event (id, occurred_at, type, aggregate_type, aggregate_id, payload) "
            "VALUES ($1, $2, 'request.opened', 'request', $3, $4)",
            uuid.uuid4(), now, request_id, json.dumps({"request_id": str(request_id)}),
        )  # fmt: skip
        await conn.fetch("SELECT request_id, provider_id FROM request_invitation WHERE request_id = ANY($1::uuid[])",
                         [request_id])  # fmt: skip
        response = {"id": str(request_id), "status": "open", "category_id": str(category), "nil_id": str(nil)}
        payload = json.dumps(response).encode()
        if key:
            await conn.execute(
                "INSERT INTO idempotency_record (principal, key, request_hash, response_status, response_headers, "
                "response_body, created_at) VALUES ($1, $2, $3, 201, '{}', $4, $5)",
                principal, key, "0" * 64, payload, now,
            )  # fmt: skip
    return Response(payload, status_code=201, media_type="application/json")


def _numbered(sql: str, names: tuple[str, ...]) -> str:
    """`:name` placeholders (SQLAlchemy text) as asyncpg's `$n`."""
    for n, name in enumerate(names, 1):
        sql = sql.replace(f":{name}", f"${n}")
    return sql


PAIRS_SQL = _numbered(COMPATIBLE_PAIRS_SQL, ("seed_ids", "now", "min_overlap", "max_km"))
SHARING_SQL = """
SELECT d.id, d.citizen_id, d.category_id, d.nil_id, d.schedule_minutes FROM demand_request d
WHERE d.status = 'open' AND d.open_to_sharing AND coalesce(d.valid_until, 'infinity') > $1
  AND NOT EXISTS (SELECT 1 FROM pool_member pm WHERE pm.request_id = d.id
                  AND pm.status IN ('invited', 'active', 'leaving'))
  AND {where} ORDER BY d.opened_at, d.id
"""


async def pool_suggestions(request: Request) -> Response:
    """GET /v1/pools/suggestions?hub_id= for an operator: the statements of app/pools/suggestions.py."""
    hub_id, now = uuid.UUID(request.query_params["hub_id"]), datetime.now(UTC)
    pools = get_settings().pools
    minimum, args = pools.suggestion_min_overlap_minutes, (now, pools.suggestion_min_overlap_minutes)
    async with POOL.acquire() as conn, conn.transaction():
        user = await _user(conn, request)
        if user is None:
            return _json({"status": 401}, 401)
        await conn.fetch("SELECT hub_id FROM hub_operator WHERE user_id = $1 ORDER BY hub_id", user["id"])
        await conn.fetch("SELECT DISTINCT z.zone_id FROM hub_zone z JOIN hub_operator o ON o.hub_id = z.hub_id "
                         "WHERE o.user_id = $1", user["id"])  # fmt: skip
        if await conn.fetchrow("SELECT * FROM hub WHERE id = $1", hub_id) is None:
            return _json({"status": 404}, 404)
        if not await conn.fetchval("SELECT user_id FROM hub_operator WHERE hub_id = $1 AND user_id = $2",
                                   hub_id, user["id"]):  # fmt: skip
            return _json({"status": 403}, 403)
        await conn.fetchrow("SELECT * FROM hub WHERE id = $1", hub_id)
        nils = [r[0] for r in await conn.fetch("SELECT zone_id FROM hub_zone WHERE hub_id = $1 ORDER BY zone_id",
                                                hub_id)]  # fmt: skip
        seeds = await conn.fetch(SHARING_SQL.format(where="d.nil_id = ANY($2::uuid[])"), now, nils)
        seed_ids = [r["id"] for r in seeds]
        pairs = list(await conn.fetch(PAIRS_SQL, seed_ids, *args, pools.suggestion_max_distance_km)) if seeds else []
        partners = sorted({r["other_id"] for r in pairs} - set(seed_ids))
        if partners:
            pairs += await conn.fetch(PAIRS_SQL, partners, *args, pools.suggestion_max_distance_km)
        edges: dict = {}
        for r in pairs:
            edges.setdefault(r["seed_id"], {})[r["other_id"]] = r["minutes"]
            edges.setdefault(r["other_id"], {})[r["seed_id"]] = r["minutes"]
        involved = sorted(set(seed_ids) | set(edges))
        rows = {r["id"]: r for r in await conn.fetch(SHARING_SQL.format(where="d.id = ANY($2::uuid[])"), now,
                                                       involved)}  # fmt: skip
        groups, used = [], set()
        for seed in seeds:  # the app's greedy growth (app/pools/suggestions.py `_grow`), exclusive
            if seed["id"] in used or seed["id"] not in rows:
                continue
            group, common = [seed], spans_of(seed["schedule_minutes"])
            for other_id, _ in sorted(edges.get(seed["id"], {}).items(), key=lambda i: (-i[1], str(i[0]))):
                other = rows.get(other_id)
                if other is None or other_id in used or other["citizen_id"] in {g["citizen_id"] for g in group}:
                    continue
                if not all(other_id in edges.get(g["id"], {}) for g in group):
                    continue
                narrowed = intersect(common, spans_of(other["schedule_minutes"]))
                if total_minutes(narrowed) >= minimum:
                    group.append(other)
                    common = narrowed
            if len(group) >= 2:
                groups.append((group, common))
                used |= {g["id"] for g in group}
        citizens = sorted({g["citizen_id"] for group, _ in groups for g in group})
        await conn.fetch("SELECT citizen_id, condominium_id FROM condominium_member WHERE citizen_id = ANY($1::uuid[]) "
                         "AND status = 'approved'", citizens)  # fmt: skip
        keys = {(g[0]["category_id"], g[0]["nil_id"]) for g, _ in groups}
        services = await conn.fetch(
            f"SELECT {SERVICE_COLUMNS} FROM service s WHERE s.searchable AND s.category_id = ANY($1::uuid[]) "  # noqa: S608
            "AND s.delivery = 'shared' AND s.coverage_nil_ids && $2::uuid[]",
            sorted({c for c, _ in keys}), sorted({n for _, n in keys}),
        )  # fmt: skip
    items = []
    for group, common in groups:
        category, nil = group[0]["category_id"], group[0]["nil_id"]
        prices = [
            max((t for t in json.loads(s["shared_prices"]) if t["group_size"] <= len(group)),
                key=lambda t: t["group_size"], default={}).get("price_per_person_cents")
            for s in services if s["category_id"] == category and nil in s["coverage_nil_ids"]
        ]  # fmt: skip
        prices = [p for p in prices if p is not None]
        items.append({
            "category_id": category, "nil_ids": sorted({str(g["nil_id"]) for g in group}),
            "common_weekly_minutes": total_minutes(common),
            "members": [{"nil_id": g["nil_id"], "request_id": g["id"],
                         "weekly_overlap_minutes": total_minutes(intersect(common, spans_of(g["schedule_minutes"])))}
                        for g in group],
            "estimated_price_per_person_cents": min(prices) if prices else None,
        })  # fmt: skip
    return _json({"items": items})


NEEDS_SQL = """
SELECT d.category_id, d.nil_id, cell.day_index, cell.band, count(*) AS requests,
       count(*) FILTER (WHERE d.open_to_sharing) AS open_to_sharing
FROM demand_request d JOIN (
    SELECT (m.minute / 1440) AS day_index,
           CASE m.minute % 1440 WHEN 0 THEN 'night' WHEN 360 THEN 'morning'
                WHEN 720 THEN 'afternoon' ELSE 'evening' END AS band,
           int4multirange(int4range(m.minute, m.minute + 360)) AS span
    FROM generate_series(0, 10080 - 360, 360) AS m(minute)) AS cell ON d.schedule_minutes && cell.span
WHERE d.status = 'open' AND coalesce(d.valid_until, 'infinity') > $2 AND d.nil_id = ANY($1::uuid[])
GROUP BY d.category_id, d.nil_id, cell.day_index, cell.band
ORDER BY d.category_id, d.nil_id, cell.day_index, cell.band
"""


async def hub_needs(request: Request) -> Response:
    """GET /v1/hubs/{id}/needs for an operator of the hub (app/hubs/service.py `hub_needs`)."""
    hub_id, now = uuid.UUID(request.path_params["hub_id"]), datetime.now(UTC)
    async with POOL.acquire() as conn, conn.transaction():
        user = await _user(conn, request)
        if user is None:
            return _json({"status": 401}, 401)
        if await conn.fetchrow("SELECT * FROM hub WHERE id = $1", hub_id) is None:
            return _json({"status": 404}, 404)
        if not await conn.fetchval("SELECT user_id FROM hub_operator WHERE hub_id = $1 AND user_id = $2",
                                   hub_id, user["id"]):  # fmt: skip
            return _json({"status": 403}, 403)
        nils = [r[0] for r in await conn.fetch("SELECT zone_id FROM hub_zone WHERE hub_id = $1 ORDER BY zone_id",
                                                hub_id)]  # fmt: skip
        cells = await conn.fetch(NEEDS_SQL, nils, now)
        total, sharing = await conn.fetchrow(
            "SELECT count(*), count(*) FILTER (WHERE open_to_sharing) FROM demand_request WHERE status = 'open' "
            "AND coalesce(valid_until, 'infinity') > $2 AND nil_id = ANY($1::uuid[])", nils, now,
        )  # fmt: skip
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    items = [{"category_id": c["category_id"], "nil_id": c["nil_id"], "day": days[c["day_index"]], "band": c["band"],
              "requests": c["requests"], "open_to_sharing": c["open_to_sharing"]} for c in cells]  # fmt: skip
    return _json({"hub_id": hub_id, "open_requests": total, "open_to_sharing": sharing, "cells": items})


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/raw/services", search),
        Route("/raw/requests/inbox", inbox),
        Route("/raw/requests/{request_id}/matches", matches),
        Route("/raw/requests", create_request, methods=["POST"]),
        Route("/raw/pools/suggestions", pool_suggestions),
        Route("/raw/hubs/{hub_id}/needs", hub_needs),
    ],
    lifespan=_lifespan,
)
