"""The HSDS feed as a whole: the root, its paths, CORS for any origin, the page object, bad parameters."""

from sqlalchemy import event

from tests.factories import make_provider, make_service
from tests.hsds.official import hsds_errors

HSDS_PATHS = {
    "/hsds",
    "/hsds/services",
    "/hsds/services/{service_id}",
    "/hsds/organizations",
    "/hsds/organizations/{organization_id}",
    "/hsds/taxonomies",
    "/hsds/taxonomies/{taxonomy_id}",
    "/hsds/taxonomy_terms",
    "/hsds/taxonomy_terms/{term_id}",
    "/hsds/service_at_locations",
    "/hsds/service_at_locations/{service_at_location_id}",
}


async def _services(session, count: int) -> list:
    provider = await make_provider(session)
    services = [await make_service(session, provider, title=f"Servizio {i:02d}") for i in range(count)]
    session.expunge_all()
    return services


async def test_root_is_valid_hsds_and_names_version_and_openapi(client):
    response = await client.get("/hsds")

    assert response.status_code == 200
    assert hsds_errors("/", response.json()) == []
    assert response.json() == {
        "version": "3.0",
        "openapi_url": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json",
    }


async def test_old_root_path_with_a_trailing_slash_redirects_to_the_root(client):
    response = await client.get("/hsds/")

    assert response.status_code == 307
    assert response.headers["location"].endswith("/hsds")
    assert (await client.get(response.headers["location"])).status_code == 200


async def test_feed_serves_exactly_the_hsds_read_paths_and_nothing_about_requests(app):
    paths = {path: item for path, item in app.openapi()["paths"].items() if path.startswith("/hsds")}

    assert set(paths) == HSDS_PATHS
    assert all(set(item) == {"get"} for item in paths.values())
    assert all(item["get"]["tags"] == ["hsds"] for item in paths.values())


async def test_responses_allow_any_origin(client):
    response = await client.get("/hsds/services", headers={"Origin": "https://open-data.example.net"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


async def test_problem_responses_also_allow_any_origin(client):
    response = await client.get(
        "/hsds/services/00000000-0000-4000-8000-000000000000", headers={"Origin": "https://open-data.example.net"}
    )

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"
    assert response.headers["access-control-allow-origin"] == "*"


async def test_a_preflight_for_get_is_answered_for_any_origin(client):
    response = await client.options(
        "/hsds/services",
        headers={
            "Origin": "https://open-data.example.net",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-request-id",
        },
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "GET"


async def test_the_v1_api_still_refuses_unlisted_origins(client):
    response = await client.get("/v1/zones", headers={"Origin": "https://open-data.example.net"})

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_page_object_counts_items_and_pages(client, session):
    await _services(session, 5)

    response = await client.get("/hsds/services", params={"per_page": 2, "page": 2})

    page = response.json()
    assert response.status_code == 200
    assert hsds_errors("/services", page) == []
    assert {k: v for k, v in page.items() if k != "contents"} == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 2,
        "size": 2,
        "first_page": False,
        "last_page": False,
        "empty": False,
    }


async def test_first_page_is_flagged_first(client, session):
    await _services(session, 5)

    page = (await client.get("/hsds/services", params={"per_page": 2})).json()

    assert (page["page_number"], page["first_page"], page["last_page"]) == (1, True, False)


async def test_last_page_holds_the_remainder(client, session):
    await _services(session, 5)

    page = (await client.get("/hsds/services", params={"per_page": 2, "page": 3})).json()

    assert (page["size"], len(page["contents"]), page["last_page"], page["empty"]) == (1, 1, True, False)


async def test_pages_cover_every_item_once_in_a_stable_order(client, session):
    services = await _services(session, 5)

    pages = [(await client.get("/hsds/services", params={"per_page": 2, "page": n})).json() for n in (1, 2, 3)]

    ids = [item["id"] for page in pages for item in page["contents"]]
    assert ids == [str(s.id) for s in sorted(services, key=lambda s: s.title)]


async def test_a_page_past_the_end_is_empty_not_an_error(client, session):
    await _services(session, 5)

    response = await client.get("/hsds/services", params={"per_page": 2, "page": 9})

    page = response.json()
    assert response.status_code == 200
    assert hsds_errors("/services", page) == []
    assert page["contents"] == []
    assert (page["total_items"], page["total_pages"], page["page_number"], page["size"]) == (5, 3, 9, 0)
    assert (page["empty"], page["first_page"], page["last_page"]) == (True, False, True)


async def test_an_empty_feed_has_no_pages(client):
    page = (await client.get("/hsds/services")).json()

    assert hsds_errors("/services", page) == []
    assert (page["total_items"], page["total_pages"], page["size"]) == (0, 0, 0)
    assert (page["empty"], page["first_page"], page["last_page"]) == (True, True, True)


async def test_per_page_defaults_to_50(client, session):
    await _services(session, 51)

    page = (await client.get("/hsds/services")).json()

    assert (page["size"], page["total_pages"], page["last_page"]) == (50, 2, False)


async def test_per_page_above_200_is_a_422_problem(client):
    response = await client.get("/hsds/services", params={"per_page": 201})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/per_page"


async def test_page_zero_is_a_422_problem(client):
    response = await client.get("/hsds/organizations", params={"page": 0})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/page"


async def test_modified_after_without_a_time_zone_is_a_422_problem(client):
    response = await client.get("/hsds/services", params={"modified_after": "2026-01-31T09:00:00"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/modified_after"


async def test_a_malformed_id_is_a_422_problem(client):
    response = await client.get("/hsds/services/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["location"] == "path"


async def test_a_full_page_costs_the_same_queries_as_a_one_item_page(client, session, connection):
    await _services(session, 1)
    statements: list[str] = []
    event.listen(connection.sync_connection, "before_cursor_execute", lambda *args: statements.append(args[2]))
    await client.get("/hsds/services", params={"full": "true"})
    one = len(statements)
    await _services(session, 20)
    statements.clear()

    await client.get("/hsds/services", params={"full": "true"})

    assert len(statements) == one


async def test_minimal_and_full_are_documented_as_excluding_each_other_and_refused_together(app, client):
    parameters = {p["name"]: p for p in app.openapi()["paths"]["/hsds/services"]["get"]["parameters"]}

    response = await client.get("/hsds/services", params={"minimal": "true", "full": "true"})

    assert "excludes `full`" in parameters["minimal"]["description"]
    assert "excludes `minimal`" in parameters["full"]["description"]
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
