"""Milan's zones over HTTP, checked against the city's own facts shipped in app/zones/data."""

import csv
import json
import uuid

import pytest

from app.config import NIL_GEOJSON, get_settings

NIL_CSV = NIL_GEOJSON.with_name("nil.csv")
PIAZZA_DEL_DUOMO = (45.4642, 9.1900)
STAZIONE_CENTRALE = (45.4860, 9.2040)  # NIL 10 "STAZIONE CENTRALE - PONTE SEVESO", Municipio 2
STADIO_SAN_SIRO = (45.4781, 9.1240)  # NIL 60 "STADIO - IPPODROMI", Municipio 7
# Inside NIL 14 by the city's full polygons, but in no simplified polygon: 2 m beyond the simplified
# northern edge of the city (found with tests/zones/test_simplified_polygons.py's data).
GAP_OF_THE_SIMPLIFICATION = (45.529182, 9.204533)
JUST_NORTH_OF_MILAN = (45.5310, 9.2045)  # 200 m north of that point, past the city limit
OUTSIDE_MILAN = [(45.1847, 9.1582), (0.0, 0.0), JUST_NORTH_OF_MILAN]  # Pavia; the Gulf of Guinea


def nil_facts() -> dict[int, dict[str, str]]:
    with NIL_CSV.open(encoding="utf-8") as f:
        return {int(row["nil_id"]): row for row in csv.DictReader(f)}


def nil_polygons() -> dict[int, list[list[list[float]]]]:
    """The outer ring and holes of each shipped NIL (each is one polygon)."""
    features = json.loads(NIL_GEOJSON.read_text(encoding="utf-8"))["features"]
    assert all(len(f["geometry"]["coordinates"]) == 1 for f in features)
    return {int(f["properties"]["ID_NIL"]): f["geometry"]["coordinates"][0] for f in features}


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


async def locate(client, lat: float, lon: float):
    return await client.get("/v1/zones/locate", params={"lat": lat, "lon": lon})


async def test_locate_piazza_del_duomo_returns_nil_1_in_municipio_1_by_polygon(client):
    response = await locate(client, *PIAZZA_DEL_DUOMO)

    assert response.status_code == 200
    body = response.json()
    assert (body["nil"]["kind"], body["nil"]["code"], body["nil"]["name"]) == ("nil", 1, "DUOMO")
    assert (body["municipio"]["kind"], body["municipio"]["code"]) == ("municipio", 1)
    assert body["nil"]["parent_id"] == body["municipio"]["id"]
    assert body["method"] == "polygon"
    assert 0 <= body["distance_km"] < 1


@pytest.mark.parametrize(
    ("point", "nil_code", "municipio_code"), [(STAZIONE_CENTRALE, 10, 2), (STADIO_SAN_SIRO, 60, 7)]
)
async def test_locate_landmark_returns_its_nil_and_municipio_from_nil_csv(client, point, nil_code, municipio_code):
    facts = nil_facts()[nil_code]

    response = await locate(client, *point)

    assert response.status_code == 200
    body = response.json()
    assert (body["nil"]["code"], body["nil"]["name"], body["method"]) == (nil_code, facts["name"], "polygon")
    assert body["municipio"]["code"] == int(facts["municipio_by_centroid"]) == municipio_code


async def test_locate_a_point_inside_each_nil_polygon_returns_that_nil(client):
    facts, polygons = nil_facts(), nil_polygons()
    points = {code: interior_point(polygons[code], float(facts[code]["centroid_lat"])) for code in facts}

    found = {code: (await locate(client, *point)).json() for code, point in points.items()}

    assert len(points) == 88
    assert {code: body["nil"]["code"] for code, body in found.items()} == {code: code for code in points}
    assert {body["method"] for body in found.values()} == {"polygon"}


async def test_locate_each_nil_centroid_returns_that_nil_for_almost_all(client):
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


async def test_locate_point_in_a_gap_of_the_simplified_polygons_falls_back_to_the_nearest_centroid(client):
    response = await locate(client, *GAP_OF_THE_SIMPLIFICATION)

    assert response.status_code == 200
    body = response.json()
    assert (body["nil"]["code"], body["nil"]["name"]) == (14, nil_facts()[14]["name"])
    assert body["method"] == "centroid"


async def test_locate_with_full_polygons_configured_has_no_centroid_fallback(client, tmp_path, monkeypatch):
    # A file without a simplification tolerance (such as the city's full polygons) is taken as
    # exact: a point in none of its polygons is outside Milan.
    exact = json.loads(NIL_GEOJSON.read_text(encoding="utf-8"))
    del exact["simplification"]
    path = tmp_path / "nil.geojson"
    path.write_text(json.dumps(exact), encoding="utf-8")
    monkeypatch.setattr(get_settings().api, "nil_geojson_path", path)

    inside = await locate(client, *PIAZZA_DEL_DUOMO)
    gap = await locate(client, *GAP_OF_THE_SIMPLIFICATION)

    assert (inside.status_code, inside.json()["nil"]["code"]) == (200, 1)
    assert (gap.status_code, gap.json()["code"]) == (404, "point_outside_milan")


@pytest.mark.parametrize(("lat", "lon"), OUTSIDE_MILAN)
async def test_locate_point_outside_milan_returns_404_problem(client, lat, lon):
    response = await locate(client, lat, lon)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "point_outside_milan"


async def test_locate_with_a_subnormal_latitude_returns_404_not_a_server_error(client):
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
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/zone_id"
