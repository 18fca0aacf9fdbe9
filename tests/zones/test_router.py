"""Milan's zones over HTTP, checked against the city's own facts in ../shared/data/milan."""

import csv
import json
import uuid
from pathlib import Path

import pytest

from app.config import get_settings

MILAN_DATA = Path(__file__).parents[2] / ".." / "shared" / "data" / "milan"
NIL_GEOJSON = MILAN_DATA / "nil.geojson"
PIAZZA_DEL_DUOMO = (45.4642, 9.1900)
STAZIONE_CENTRALE = (45.4860, 9.2040)  # NIL 10 "STAZIONE CENTRALE - PONTE SEVESO", Municipio 2
STADIO_SAN_SIRO = (45.4781, 9.1240)  # NIL 60 "STADIO - IPPODROMI", Municipio 7
OUTSIDE_MILAN = [(45.1847, 9.1582), (0.0, 0.0)]  # Pavia; the Gulf of Guinea


def nil_facts() -> dict[int, dict[str, str]]:
    with (MILAN_DATA / "nil.csv").open(encoding="utf-8") as f:
        return {int(row["nil_id"]): row for row in csv.DictReader(f)}


def nil_polygons() -> dict[int, list[list[list[float]]]]:
    features = json.loads(NIL_GEOJSON.read_text(encoding="utf-8"))["features"]
    return {int(f["properties"]["ID_NIL"]): f["geometry"]["coordinates"] for f in features}


def interior_point(rings: list[list[list[float]]], lat: float) -> tuple[float, float]:
    """A point strictly inside a polygon (outer ring and holes), found independently of the app:
    the middle of the widest inside span of the parallel at `lat` (even-odd rule)."""
    crossings = []
    for ring in rings:
        for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > lat) != (y2 > lat):
                crossings.append(x1 + (lat - y1) * (x2 - x1) / (y2 - y1))
    crossings.sort()
    spans = list(zip(crossings[::2], crossings[1::2], strict=True))
    west, east = max(spans, key=lambda span: span[1] - span[0])
    return lat, (west + east) / 2


@pytest.fixture
def centroid_mode(monkeypatch):
    monkeypatch.setattr(get_settings().api, "nil_geojson_path", None)


@pytest.fixture
def polygon_mode(monkeypatch):
    monkeypatch.setattr(get_settings().api, "nil_geojson_path", NIL_GEOJSON.resolve())


async def locate(client, lat: float, lon: float):
    return await client.get("/v1/zones/locate", params={"lat": lat, "lon": lon})


async def test_locate_piazza_del_duomo_by_centroid_returns_nil_1_in_municipio_1(client, centroid_mode):
    response = await locate(client, *PIAZZA_DEL_DUOMO)

    assert response.status_code == 200
    body = response.json()
    assert (body["nil"]["kind"], body["nil"]["code"], body["nil"]["name"]) == ("nil", 1, "DUOMO")
    assert (body["municipio"]["kind"], body["municipio"]["code"]) == ("municipio", 1)
    assert body["nil"]["parent_id"] == body["municipio"]["id"]
    assert body["method"] == "centroid"
    assert 0 <= body["distance_km"] < 1


@pytest.mark.parametrize(
    ("point", "nil_code", "municipio_code"), [(STAZIONE_CENTRALE, 10, 2), (STADIO_SAN_SIRO, 60, 7)]
)
async def test_locate_landmark_by_centroid_returns_its_nil_and_municipio_from_nil_csv(
    client, centroid_mode, point, nil_code, municipio_code
):
    facts = nil_facts()[nil_code]

    response = await locate(client, *point)

    assert response.status_code == 200
    body = response.json()
    assert (body["nil"]["code"], body["nil"]["name"]) == (nil_code, facts["name"])
    assert body["municipio"]["code"] == int(facts["municipio_by_centroid"]) == municipio_code


async def test_locate_each_nil_centroid_by_centroid_returns_that_nil(client, centroid_mode):
    facts = nil_facts()

    found = {
        code: (await locate(client, float(f["centroid_lat"]), float(f["centroid_lon"]))).json()
        for code, f in facts.items()
    }

    # A NIL's centroid is at distance 0 from itself, so the nearest-centroid rule places all 88
    # exactly (the approximation of centroid mode only shows near NIL borders).
    assert len(facts) == 88
    assert {code: body["nil"]["code"] for code, body in found.items()} == {code: code for code in facts}
    assert all(body["distance_km"] == 0 for body in found.values())
    assert all(body["municipio"]["code"] == int(facts[code]["municipio_by_centroid"]) for code, body in found.items())


@pytest.mark.parametrize(("lat", "lon"), OUTSIDE_MILAN)
async def test_locate_point_outside_milan_by_centroid_returns_404_problem(client, centroid_mode, lat, lon):
    response = await locate(client, lat, lon)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "point_outside_milan"


async def test_locate_with_a_subnormal_latitude_returns_404_not_a_server_error(client, centroid_mode):
    # Found by schemathesis: PostgreSQL refused radians(5e-324) with "value out of range: underflow".
    response = await locate(client, 5e-324, 1.1)

    assert response.status_code == 404
    assert response.json()["code"] == "point_outside_milan"


async def test_locate_with_latitude_above_90_returns_422_pointing_at_lat(client):
    response = await locate(client, 95, 9.19)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"
    assert [(e["location"], e["pointer"]) for e in response.json()["errors"]] == [("query", "/lat")]


async def test_locate_piazza_del_duomo_by_polygon_returns_nil_1(client, polygon_mode):
    response = await locate(client, *PIAZZA_DEL_DUOMO)

    assert response.status_code == 200
    body = response.json()
    assert (body["nil"]["code"], body["nil"]["name"], body["municipio"]["code"]) == (1, "DUOMO", 1)
    assert body["method"] == "polygon"


@pytest.mark.parametrize(("point", "nil_code"), [(STAZIONE_CENTRALE, 10), (STADIO_SAN_SIRO, 60)])
async def test_locate_landmark_by_polygon_returns_its_nil(client, polygon_mode, point, nil_code):
    response = await locate(client, *point)

    assert response.status_code == 200
    assert response.json()["nil"]["code"] == nil_code
    assert response.json()["method"] == "polygon"


async def test_locate_a_point_inside_each_nil_polygon_by_polygon_returns_that_nil(client, polygon_mode):
    facts, polygons = nil_facts(), nil_polygons()
    points = {code: interior_point(polygons[code], float(facts[code]["centroid_lat"])) for code in facts}

    found = {code: (await locate(client, *point)).json()["nil"]["code"] for code, point in points.items()}

    assert len(points) == 88
    assert found == {code: code for code in points}


async def test_locate_each_nil_centroid_by_polygon_returns_that_nil_for_almost_all(client, polygon_mode):
    facts = nil_facts()

    found = {
        code: (await locate(client, float(f["centroid_lat"]), float(f["centroid_lon"]))).json()
        for code, f in facts.items()
    }

    # Not all 88: a centroid may lie outside its own (concave or holed) polygon. E.g. NIL 85 PARCO
    # DELLE ABBAZIE surrounds NIL 39 QUINTOSOLE, and its centroid falls in that hole.
    placed_home = [code for code, body in found.items() if body.get("nil", {}).get("code") == code]
    assert len(placed_home) >= 85
    assert all(body["method"] == "polygon" for body in found.values())


@pytest.mark.parametrize(("lat", "lon"), OUTSIDE_MILAN)
async def test_locate_point_outside_milan_by_polygon_returns_404_problem(client, polygon_mode, lat, lon):
    response = await locate(client, lat, lon)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "point_outside_milan"


async def test_list_zones_of_kind_municipio_returns_the_9_municipi(client):
    response = await client.get("/v1/zones", params={"kind": "municipio"})

    assert response.status_code == 200
    body = response.json()
    assert [(z["kind"], z["code"], z["parent_id"]) for z in body["items"]] == [
        ("municipio", code, None) for code in range(1, 10)
    ]
    assert body["next_cursor"] is None


async def test_list_zones_with_parent_id_returns_the_nils_of_that_municipio(client):
    municipi = (await client.get("/v1/zones", params={"kind": "municipio"})).json()["items"]
    municipio_1 = next(z for z in municipi if z["code"] == 1)
    expected = {code for code, f in nil_facts().items() if f["municipio_by_centroid"] == "1"}

    response = await client.get("/v1/zones", params={"parent_id": municipio_1["id"], "limit": 100})

    assert response.status_code == 200
    items = response.json()["items"]
    assert {z["code"] for z in items} == expected
    assert all(z["kind"] == "nil" and z["parent_id"] == municipio_1["id"] for z in items)


async def test_get_zone_returns_the_zone(client):
    duomo = (await locate(client, *PIAZZA_DEL_DUOMO)).json()["nil"]

    response = await client.get(f"/v1/zones/{duomo['id']}")

    assert response.status_code == 200
    assert response.json() == duomo


async def test_get_zone_with_unknown_id_returns_404_zone_not_found(client):
    response = await client.get(f"/v1/zones/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "zone_not_found"


async def test_get_zone_with_malformed_id_returns_422(client):
    response = await client.get("/v1/zones/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/zone_id"
