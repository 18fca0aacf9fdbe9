"""Reference data (Milan's zones, the service taxonomy): idempotent upserts with stable ids."""

import csv
import json
import uuid
from importlib import resources

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Category, Zone, ZoneKind

# Fixed namespace: ids derived from it are identical on every installation.
REFERENCE_NAMESPACE = uuid.UUID("5b0c6f0e-8f5a-4c1e-9a57-3d0f5c2b7e11")


def zone_id(kind: ZoneKind, code: int) -> uuid.UUID:
    return uuid.uuid5(REFERENCE_NAMESPACE, f"zone:{kind.value}:{code}")


def category_id(slug: str) -> uuid.UUID:
    return uuid.uuid5(REFERENCE_NAMESPACE, f"category:{slug}")


def _read_csv(package: str, name: str) -> list[dict[str, str]]:
    text = resources.files(package).joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def zone_rows() -> list[dict]:
    rows = [
        {
            "id": zone_id(ZoneKind.municipio, int(r["municipio"])),
            "kind": ZoneKind.municipio,
            "code": int(r["municipio"]),
            "name": f"Municipio {r['municipio']}",
            "parent_id": None,
            "centroid_lat": float(r["centroid_lat"]),
            "centroid_lon": float(r["centroid_lon"]),
            "area_km2": float(r["area_km2"]),
            "reach_km": None,
        }
        for r in _read_csv("app.zones", "municipi.csv")
    ]
    rows += [
        {
            "id": zone_id(ZoneKind.nil, int(r["nil_id"])),
            "kind": ZoneKind.nil,
            "code": int(r["nil_id"]),
            "name": r["name"],
            "parent_id": zone_id(ZoneKind.municipio, int(r["municipio_by_centroid"])),
            "centroid_lat": float(r["centroid_lat"]),
            "centroid_lon": float(r["centroid_lon"]),
            "area_km2": float(r["area_km2"]),
            "reach_km": float(r["reach_km"]),
        }
        for r in _read_csv("app.zones", "nil.csv")
    ]
    return rows


def category_rows() -> list[dict]:
    data = json.loads(resources.files("app.categories").joinpath("data", "taxonomy.json").read_text("utf-8"))
    rows = []
    for area_position, area in enumerate(data["areas"]):
        area_id = category_id(area["slug"])
        nodes = [(area, None, area_position)] + [
            (child, area_id, position) for position, child in enumerate(area["categories"])
        ]
        for node, parent, position in nodes:
            rows.append(
                {
                    "id": category_id(node["slug"]),
                    "slug": node["slug"],
                    "parent_id": parent,
                    "name_it": node["name_it"],
                    "name_en": node["name_en"],
                    "description_it": node.get("description_it"),
                    "description_en": node.get("description_en"),
                    "position": position,
                    "codes": node.get("codes", {}),
                }
            )
    return rows


async def _upsert(session: AsyncSession, model: type, rows: list[dict]) -> None:
    stmt = insert(model).values(rows)
    columns = {c: stmt.excluded[c] for c in rows[0] if c != "id"}
    await session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=columns))


async def seed_reference(session: AsyncSession) -> dict[str, int]:
    zones = zone_rows()
    # Municipi first: NILs reference them.
    await _upsert(session, Zone, [z for z in zones if z["kind"] is ZoneKind.municipio])
    await _upsert(session, Zone, [z for z in zones if z["kind"] is ZoneKind.nil])
    categories = category_rows()
    await _upsert(session, Category, [c for c in categories if c["parent_id"] is None])
    await _upsert(session, Category, [c for c in categories if c["parent_id"] is not None])
    return {"zones": len(zones), "categories": len(categories)}
