"""The shipped NIL polygons are simplified (app/zones/data/README.md): they must place points as the
city's full polygons do. The full polygons of the Comune di Milano (dataset ds964, CC BY 4.0) travel
with the tests, packed: tests/data/milan/nil_full.geojson.gz."""

import gzip
import math
from pathlib import Path

import pytest

from app.config import NIL_GEOJSON
from app.zones.geometry import NilMap, load_nil_map, place

GRID_STEP_M = 100  # about 18,000 points inside Milan (181 km2)


FULL_POLYGONS = Path(__file__).resolve().parents[1] / "data" / "milan" / "nil_full.geojson.gz"


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> NilMap:
    unpacked = tmp_path_factory.mktemp("nil") / "nil_full.geojson"
    unpacked.write_bytes(gzip.decompress(FULL_POLYGONS.read_bytes()))
    return load_nil_map(unpacked)


def grid(nil_map: NilMap, step_m: float) -> list[tuple[float, float]]:
    """Points every `step_m` metres over the bounding box of all the NILs, as (lat, lon)."""
    west = min(s.bbox[0] for s in nil_map.shapes)
    south = min(s.bbox[1] for s in nil_map.shapes)
    east = max(s.bbox[2] for s in nil_map.shapes)
    north = max(s.bbox[3] for s in nil_map.shapes)
    dlat = step_m / 111_320
    dlon = dlat / math.cos(math.radians((south + north) / 2))
    rows, columns = int((north - south) / dlat) + 1, int((east - west) / dlon) + 1
    return [(south + i * dlat, west + j * dlon) for i in range(rows) for j in range(columns)]


def test_the_shipped_polygons_are_simplified_with_a_tolerance(full):
    shipped = load_nil_map(Path(NIL_GEOJSON))

    vertices = sum(len(ring) for shape in shipped.shapes for polygon in shape.polygons for ring in polygon)
    full_vertices = sum(len(ring) for shape in full.shapes for polygon in shape.polygons for ring in polygon)

    assert [s.code for s in shipped.shapes] == [s.code for s in full.shapes] == list(range(1, 89))
    assert shipped.tolerance_m == 5
    assert vertices < full_vertices / 5
    assert NIL_GEOJSON.stat().st_size < 100_000


def test_at_least_99_percent_of_a_dense_grid_inside_milan_lands_in_the_same_nil_as_with_full_polygons(full):
    shipped = load_nil_map(Path(NIL_GEOJSON))
    inside = [(point, found.code) for point in grid(full, GRID_STEP_M) if (found := place(full, *point))]

    placed = [(place(shipped, *point), code) for point, code in inside]

    assert len(inside) > 15_000
    same = sum(1 for placement, code in placed if placement is not None and placement.code == code)
    assert same / len(inside) >= 0.99, f"{same} of {len(inside)} grid points in the same NIL"
    # Inside Milan is never "outside": a gap left by the simplification falls back to a centroid.
    assert [point for (point, _), (placement, _) in zip(inside, placed, strict=True) if placement is None] == []


def test_points_outside_milan_stay_outside_with_the_simplified_polygons(full):
    shipped = load_nil_map(Path(NIL_GEOJSON))
    outside = [point for point in grid(full, GRID_STEP_M * 2) if place(full, *point) is None]

    placed = [point for point in outside if place(shipped, *point) is not None]

    assert len(outside) > 2_000
    assert len(placed) <= len(outside) // 100, placed
