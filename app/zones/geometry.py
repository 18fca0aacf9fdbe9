"""Point-in-polygon for placing points in NILs from a GeoJSON file."""

import json
from functools import lru_cache
from pathlib import Path

Ring = list[tuple[float, float]]  # (lon, lat) pairs, as in GeoJSON


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _in_polygon(lon: float, lat: float, polygon: list[Ring]) -> bool:
    outer, *holes = polygon
    return _in_ring(lon, lat, outer) and not any(_in_ring(lon, lat, h) for h in holes)


@lru_cache(maxsize=4)
def load_nil_polygons(path: Path) -> dict[int, list[list[Ring]]]:
    """NIL code → polygons, from a GeoJSON FeatureCollection whose features carry `ID_NIL`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    polygons: dict[int, list[list[Ring]]] = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        parts = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        code = int(feature["properties"]["ID_NIL"])
        polygons.setdefault(code, []).extend(
            [[[(float(x), float(y)) for x, y, *_ in ring] for ring in part] for part in parts]
        )
    return polygons


def nil_containing(path: Path, lat: float, lon: float) -> int | None:
    for code, parts in load_nil_polygons(path).items():
        if any(_in_polygon(lon, lat, part) for part in parts):
            return code
    return None
