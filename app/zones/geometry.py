"""Placing a point in a NIL, from a GeoJSON FeatureCollection of NIL polygons (property `ID_NIL`).

The app ships Milan's 88 NIL simplified (app/zones/data, see its README). A simplified boundary
is within `simplification.tolerance_m` of the true one, so neighbours may leave thin gaps between
them, and the city's edge may move inwards a little. A point in no polygon but within the
tolerance of one is therefore still in Milan: it goes to the nearest centroid among the NILs that
close (the documented fallback). Farther away it is outside Milan. A file without a tolerance
(full polygons) has no fallback.
"""

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

Ring = list[tuple[float, float]]  # (lon, lat) pairs, as in GeoJSON
Polygon = list[Ring]  # outer ring, then holes
METRES_PER_DEGREE = 111_320.0  # along the equator and, within 0.5 %, along a meridian


@dataclass(frozen=True)
class NilShape:
    code: int
    polygons: list[Polygon]
    bbox: tuple[float, float, float, float]  # west, south, east, north
    centroid: tuple[float, float]  # (lon, lat) of the area


@dataclass(frozen=True)
class NilMap:
    shapes: list[NilShape]
    tolerance_m: float


@dataclass(frozen=True)
class Placement:
    code: int
    method: Literal["polygon", "centroid"]


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


def _in_polygon(lon: float, lat: float, polygon: Polygon) -> bool:
    outer, *holes = polygon
    return _in_ring(lon, lat, outer) and not any(_in_ring(lon, lat, h) for h in holes)


def _ring_area_and_centroid(ring: Ring) -> tuple[float, float, float]:
    """Signed area (shoelace) and area-weighted centroid of a ring, in degrees (fine at city scale)."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    area /= 2
    return (area, cx / (6 * area), cy / (6 * area)) if area else (0.0, ring[0][0], ring[0][1])


def _centroid(polygons: list[Polygon]) -> tuple[float, float]:
    total = sx = sy = 0.0
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            area, cx, cy = _ring_area_and_centroid(ring)
            weight = abs(area) if index == 0 else -abs(area)  # holes take their area away
            total, sx, sy = total + weight, sx + weight * cx, sy + weight * cy
    return sx / total, sy / total


def _shape(code: int, polygons: list[Polygon]) -> NilShape:
    lons = [x for polygon in polygons for x, _ in polygon[0]]
    lats = [y for polygon in polygons for _, y in polygon[0]]
    return NilShape(code, polygons, (min(lons), min(lats), max(lons), max(lats)), _centroid(polygons))


def _parse(path: Path) -> NilMap:
    data = json.loads(path.read_text(encoding="utf-8"))
    shapes: dict[int, list[Polygon]] = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        parts = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        shapes.setdefault(int(feature["properties"]["ID_NIL"]), []).extend(
            [[[(float(x), float(y)) for x, y, *_ in ring] for ring in part] for part in parts]
        )
    tolerance = float((data.get("simplification") or {}).get("tolerance_m", 0.0))
    return NilMap([_shape(code, polygons) for code, polygons in sorted(shapes.items())], tolerance)


@lru_cache(maxsize=4)
def load_nil_map(path: Path) -> NilMap:
    """The NIL polygons of a GeoJSON file; a file that is not one raises ValueError saying why."""
    try:
        nil_map = _parse(Path(path))
    except (OSError, ValueError, KeyError, TypeError, IndexError, ZeroDivisionError) as exc:
        raise ValueError(f"{path} is not a GeoJSON FeatureCollection of NIL polygons: {exc!r}") from exc
    if not nil_map.shapes:
        raise ValueError(f"{path} has no NIL polygons")
    return nil_map


def _metres_between(a: tuple[float, float], b: tuple[float, float], lat: float) -> tuple[float, float]:
    return (b[0] - a[0]) * METRES_PER_DEGREE * math.cos(math.radians(lat)), (b[1] - a[1]) * METRES_PER_DEGREE


def _distance_to_ring_m(lon: float, lat: float, ring: Ring) -> float:
    """Metres from a point to a ring's boundary, in a local flat projection (exact enough at 100 m)."""
    best = math.inf
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        ax, ay = _metres_between((lon, lat), a, lat)
        bx, by = _metres_between((lon, lat), b, lat)
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def _near(shape: NilShape, lon: float, lat: float, tolerance_m: float) -> bool:
    margin_lat = tolerance_m / METRES_PER_DEGREE
    margin_lon = margin_lat / math.cos(math.radians(lat))
    west, south, east, north = shape.bbox
    if not (west - margin_lon <= lon <= east + margin_lon and south - margin_lat <= lat <= north + margin_lat):
        return False
    return any(_distance_to_ring_m(lon, lat, ring) <= tolerance_m for p in shape.polygons for ring in p)


def place(nil_map: NilMap, lat: float, lon: float) -> Placement | None:
    """The NIL of a point: the polygon containing it, else (in a gap of the simplification) the
    nearest centroid among the NILs within the tolerance; None outside Milan."""
    for shape in nil_map.shapes:
        west, south, east, north = shape.bbox
        if west <= lon <= east and south <= lat <= north and any(_in_polygon(lon, lat, p) for p in shape.polygons):
            return Placement(shape.code, "polygon")
    if nil_map.tolerance_m <= 0:
        return None
    near = [shape for shape in nil_map.shapes if _near(shape, lon, lat, nil_map.tolerance_m)]
    if not near:
        return None
    nearest = min(near, key=lambda s: math.hypot(*_metres_between((lon, lat), s.centroid, lat)))
    return Placement(nearest.code, "centroid")
