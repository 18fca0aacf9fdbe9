"""The service taxonomy over HTTP: a tree of areas and their categories."""

import pytest

REQUIRED_SLUGS = [
    "tata-babysitter",
    "colf",
    "badante",
    "dogsitter",
    "doposcuola",
    "trasporto-persone-con-disabilita",
    "educazione-finanziaria",
    "corsi-di-italiano",
    "pasti-a-domicilio",
    "piccole-commissioni",
    "piccola-manutenzione",
    "disbrigo-pratiche",
    "supporto-rapporto-lavoro-domestico",
    "assistenza-domiciliare",
]


def walk(nodes: list[dict]) -> list[dict]:
    return [n for node in nodes for n in [node, *walk(node["children"])]]


async def test_list_categories_returns_areas_each_with_children(client):
    response = await client.get("/v1/categories")

    assert response.status_code == 200
    areas = response.json()["items"]
    assert len(areas) >= 5
    assert all(area["parent_id"] is None and area["children"] for area in areas)
    assert all(child["parent_id"] == area["id"] for area in areas for child in area["children"])


async def test_list_categories_contains_every_required_slug(client):
    response = await client.get("/v1/categories")

    slugs = {node["slug"] for node in walk(response.json()["items"])}
    assert set(REQUIRED_SLUGS) <= slugs


async def test_list_categories_names_every_node_in_italian_and_english(client):
    response = await client.get("/v1/categories")

    nodes = walk(response.json()["items"])
    assert all(node["name_it"].strip() and node["name_en"].strip() for node in nodes)


async def test_list_categories_marks_leaves_and_not_areas_as_leaf(client):
    response = await client.get("/v1/categories")

    areas = response.json()["items"]
    leaves = [child for area in areas for child in area["children"]]
    assert all(area["is_leaf"] is False for area in areas)
    assert all(leaf["is_leaf"] is True and leaf["children"] == [] for leaf in leaves)


async def test_get_category_by_slug_returns_it_with_its_parent(client):
    response = await client.get("/v1/categories/badante")

    assert response.status_code == 200
    body = response.json()
    assert (body["slug"], body["is_leaf"], body["children"]) == ("badante", True, [])
    assert body["parent"]["slug"] == "lavoro-domestico"
    assert body["parent_id"] == body["parent"]["id"]


async def test_get_category_by_id_returns_the_same_as_by_slug(client):
    by_slug = (await client.get("/v1/categories/badante")).json()

    response = await client.get(f"/v1/categories/{by_slug['id']}")

    assert response.status_code == 200
    assert response.json() == by_slug


async def test_get_area_returns_its_children(client):
    response = await client.get("/v1/categories/lavoro-domestico")

    assert response.status_code == 200
    body = response.json()
    assert body["parent"] is None and body["is_leaf"] is False
    assert {"badante", "colf", "tata-babysitter"} <= {child["slug"] for child in body["children"]}


@pytest.mark.parametrize("ref", ["no-such-category", "0b6f0a54-6a43-4f7e-9c1e-2f4a8d5b7c90"])
async def test_get_category_with_unknown_ref_returns_404_category_not_found(client, ref):
    response = await client.get(f"/v1/categories/{ref}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "category_not_found"
