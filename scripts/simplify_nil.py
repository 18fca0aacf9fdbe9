"""Write app/zones/data/nil.geojson: Milan's 88 NIL polygons, simplified, from the city's full file.

    python scripts/simplify_nil.py path/to/nil.geojson [--tolerance-m 5]

The input is the Comune di Milano open-data set ds964 "NIL vigenti PGT 2030" (CC BY 4.0), about
1 MB with 25,000 vertices. Each ring is simplified on its own with Douglas-Peucker in a local
metric projection (equirectangular about Milan's latitude: under 0.2 % scale error across the
city), keeping every point of the original boundary within the tolerance of the simplified one.

Why 5 m: a phone's GPS fix is itself only good to about 4.9 m under open sky (GPS.gov, "GPS
Accuracy", https://www.gps.gov/systems/gps/performance/accuracy/), so a smaller error in the
boundaries would not make placing a user's position more accurate. At 5 m the file keeps about
3,600 vertices (~80 KB), and tests/zones/test_simplified_polygons.py checks that a 100 m grid over
Milan lands in the same NIL as with the full polygons for at least 99 % of its points.

The tolerance is written into the output (`simplification.tolerance_m`): the app uses it to tell a
point in a gap left by the simplification (within the tolerance of a polygon: still Milan) from a
point outside the city.
"""

import argparse
import json
import math
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "app" / "zones" / "data" / "nil.geojson"
ORIGIN_LON, ORIGIN_LAT = 9.19, 45.46  # near Piazza del Duomo
METRES_PER_DEGREE_LAT = 110_574.0  # WGS84 meridian arc at 45 deg N
METRES_PER_DEGREE_LON = 111_320.0 * math.cos(math.radians(ORIGIN_LAT))
Point = tuple[float, float]


def _to_metres(lon: float, lat: float) -> Point:
    return (lon - ORIGIN_LON) * METRES_PER_DEGREE_LON, (lat - ORIGIN_LAT) * METRES_PER_DEGREE_LAT


def _to_degrees(x: float, y: float) -> list[float]:
    # 6 decimals is 0.1 m: far below the tolerance.
    return [round(x / METRES_PER_DEGREE_LON + ORIGIN_LON, 6), round(y / METRES_PER_DEGREE_LAT + ORIGIN_LAT, 6)]


def _distance_to_segment(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """The points to keep of an open polyline (iterative: rings have thousands of vertices)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    spans = [(0, len(points) - 1)]
    while spans:
        first, last = spans.pop()
        farthest, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance_to_segment(points[i], points[first], points[last])
            if d > farthest:
                farthest, index = d, i
        if farthest > tolerance:
            keep[index] = True
            spans += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def simplify_ring(ring: list[list[float]], tolerance: float) -> list[list[float]]:
    """A closed ring, split at the vertex farthest from its start so that both halves are open
    polylines with distinct ends (Douglas-Peucker needs them), simplified and joined again."""
    points = [_to_metres(lon, lat) for lon, lat, *_ in ring]
    start = points[0]
    far = max(range(len(points)), key=lambda i: math.dist(points[i], start))
    simplified = douglas_peucker(points[: far + 1], tolerance) + douglas_peucker(points[far:], tolerance)[1:]
    return [_to_degrees(x, y) for x, y in simplified]


def simplify(collection: dict, tolerance: float) -> dict:
    features = []
    for feature in sorted(collection["features"], key=lambda f: int(f["properties"]["ID_NIL"])):
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        simplified = [[simplify_ring(ring, tolerance) for ring in polygon] for polygon in polygons]
        features.append(
            {
                "type": "Feature",
                "properties": {"ID_NIL": int(feature["properties"]["ID_NIL"]), "NIL": feature["properties"]["NIL"]},
                "geometry": {"type": "MultiPolygon", "coordinates": simplified},
            }
        )
    return {
        "type": "FeatureCollection",
        # Foreign members (RFC 7946, section 6.1): where the data comes from, and how it was changed.
        "attribution": "Comune di Milano, NIL vigenti PGT 2030 (dataset ds964), CC BY 4.0",
        "simplification": {"method": "Douglas-Peucker per ring", "tolerance_m": tolerance},
        "features": features,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the full NIL GeoJSON of the Comune di Milano")
    parser.add_argument("--tolerance-m", type=float, default=5.0)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    result = simplify(json.loads(args.source.read_text(encoding="utf-8")), args.tolerance_m)
    # One feature per line: small, and a diff shows which NIL changed.
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in result.pop("features")]
    head = json.dumps(result, ensure_ascii=False)[:-1]
    args.output.write_text(head + ', "features": [\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    vertices = sum(len(r) for f in lines for p in json.loads(f)["geometry"]["coordinates"] for r in p)
    print(f"{args.output}: {len(lines)} NIL, {vertices} vertices, {args.output.stat().st_size} bytes")


if __name__ == "__main__":
    main()
