"""HSDS taxonomies and terms: one taxonomy, `wemi`, whose terms are our categories (same ids)."""

from sqlalchemy import func, select

from app.models import Category
from app.seed.reference import category_id
from tests.hsds.official import hsds_errors

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


async def test_taxonomies_list_is_valid_hsds_and_holds_wemi(client):
    response = await client.get("/hsds/taxonomies")

    assert response.status_code == 200
    assert hsds_errors("/taxonomies", response.json()) == []
    assert [t["name"] for t in response.json()["contents"]] == ["wemi"]


async def test_taxonomy_by_id_is_valid_hsds(client):
    wemi = (await client.get("/hsds/taxonomies")).json()["contents"][0]

    response = await client.get(f"/hsds/taxonomies/{wemi['id']}")

    assert response.status_code == 200
    assert hsds_errors("/taxonomies/{id}", response.json()) == []
    assert response.json() == wemi


async def test_an_unknown_taxonomy_is_a_404_problem(client):
    response = await client.get(f"/hsds/taxonomies/{UNKNOWN_ID}")

    assert response.status_code == 404
    assert response.json()["code"] == "taxonomy_not_found"


async def test_taxonomy_search_that_matches_nothing_is_an_empty_page(client):
    response = await client.get("/hsds/taxonomies", params={"search": "nessuna corrispondenza"})

    assert hsds_errors("/taxonomies", response.json()) == []
    assert (response.json()["contents"], response.json()["empty"]) == ([], True)


async def test_taxonomy_terms_list_is_valid_hsds_and_holds_every_category(client, session):
    categories = await session.scalar(select(func.count()).select_from(Category))

    response = await client.get("/hsds/taxonomy_terms", params={"per_page": 200})

    assert response.status_code == 200
    assert hsds_errors("/taxonomy_terms", response.json()) == []
    assert response.json()["total_items"] == len(response.json()["contents"]) == categories


async def test_taxonomy_term_by_id_is_the_category(client):
    response = await client.get(f"/hsds/taxonomy_terms/{category_id('badante')}")

    body = response.json()
    assert response.status_code == 200
    assert hsds_errors("/taxonomy_terms/{id}", body) == []
    assert (body["code"], body["name"], body["parent_id"]) == (
        "badante",
        "Badante",
        str(category_id("lavoro-domestico")),
    )
    assert body["taxonomy"] == "wemi"
    assert body["taxonomy_id"] == body["taxonomy_detail"]["id"]


async def test_an_unknown_taxonomy_term_is_a_404_problem(client):
    response = await client.get(f"/hsds/taxonomy_terms/{UNKNOWN_ID}")

    assert response.status_code == 404
    assert response.json()["code"] == "taxonomy_term_not_found"


async def test_top_only_lists_the_areas(client):
    page = (await client.get("/hsds/taxonomy_terms", params={"top_only": "true"})).json()

    assert page["total_items"] == 7
    assert all("parent_id" not in term for term in page["contents"])


async def test_parent_id_lists_the_categories_of_an_area(client):
    page = (await client.get("/hsds/taxonomy_terms", params={"parent_id": str(category_id("cura-animali"))})).json()

    assert [term["code"] for term in page["contents"]] == ["dogsitter", "petsitter"]


async def test_term_search_matches_italian_and_english_names(client):
    italian = (await client.get("/hsds/taxonomy_terms", params={"search": "badante"})).json()
    english = (await client.get("/hsds/taxonomy_terms", params={"search": "nanny"})).json()

    assert [term["code"] for term in italian["contents"]] == ["badante"]
    assert [term["code"] for term in english["contents"]] == ["tata-babysitter"]


async def test_taxonomy_id_of_another_taxonomy_lists_no_terms(client):
    page = (await client.get("/hsds/taxonomy_terms", params={"taxonomy_id": UNKNOWN_ID})).json()

    assert (page["total_items"], page["contents"]) == (0, [])
