"""HSDS service_at_locations: an organisation's services at its premises; never a worker's home."""

from app.hsds.views import service_at_location_id
from app.models import AccreditationState, ProviderKind, ServiceStatus
from app.seed.reference import category_id
from tests.factories import make_provider, make_service
from tests.hsds.official import hsds_errors

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
PREMISES = {"lat": 45.4842, "lon": 9.2261, "address_street": "Via Padova 10", "address_postcode": "20127"}
HOME = {
    "kind": ProviderKind.individual,
    "lat": 45.4781,
    "lon": 9.2301,
    "address_street": "Via Privata Casa 3",
    "address_postcode": "20131",
}


def ids(page: dict) -> set[str]:
    return {item["id"] for item in page["contents"]}


async def test_service_at_locations_list_is_valid_hsds(client, session):
    await make_service(session, await make_provider(session, **PREMISES))
    session.expunge_all()

    response = await client.get("/hsds/service_at_locations")

    assert response.status_code == 200
    assert hsds_errors("/service_at_locations", response.json()) == []
    assert response.json()["total_items"] == 1


async def test_full_service_at_locations_list_is_valid_hsds_with_full_services(client, session):
    await make_service(session, await make_provider(session, **PREMISES))
    session.expunge_all()

    response = await client.get("/hsds/service_at_locations", params={"full": "true"})

    assert hsds_errors("/service_at_locations", response.json()) == []
    assert response.json()["contents"][0]["service"]["schedules"][0]["byday"] == "MO"


async def test_service_at_location_by_id_is_a_valid_service_at_location(client, session):
    service = await make_service(session, await make_provider(session, **PREMISES))
    session.expunge_all()

    response = await client.get(f"/hsds/service_at_locations/{service_at_location_id(service.id)}")

    body = response.json()
    assert response.status_code == 200
    assert hsds_errors("/service_at_locations/{id}", body) == []
    assert (body["service_id"], body["service"]["id"]) == (str(service.id), str(service.id))


async def test_the_location_is_the_organisations_point_and_address(client, session):
    provider = await make_provider(session, **PREMISES)
    service = await make_service(session, provider)
    session.expunge_all()

    body = (await client.get(f"/hsds/service_at_locations/{service_at_location_id(service.id)}")).json()

    location = body["location"]
    assert (location["latitude"], location["longitude"], location["organization_id"]) == (
        45.4842,
        9.2261,
        str(provider.id),
    )
    address = location["addresses"][0]
    assert (address["address_1"], address["postal_code"], address["city"], address["country"]) == (
        "Via Padova 10",
        "20127",
        "Milano",
        "IT",
    )


async def test_ids_are_stable_and_distinct_from_the_service_id(client, session):
    service = await make_service(session, await make_provider(session, **PREMISES))
    session.expunge_all()

    first = (await client.get("/hsds/service_at_locations")).json()["contents"][0]
    again = (await client.get("/hsds/service_at_locations")).json()["contents"][0]

    assert first["id"] == again["id"] == str(service_at_location_id(service.id))
    assert first["id"] != str(service.id)
    assert first["location_id"] == again["location_id"]


async def test_an_individual_workers_services_have_no_service_at_location(client, session):
    worker = await make_provider(session, **HOME)
    service = await make_service(session, worker, category="badante")
    session.expunge_all()

    listed = await client.get("/hsds/service_at_locations")
    by_id = await client.get(f"/hsds/service_at_locations/{service_at_location_id(service.id)}")
    full_service = await client.get(f"/hsds/services/{service.id}")

    assert listed.json()["total_items"] == 0
    assert by_id.status_code == 404
    assert by_id.json()["code"] == "service_at_location_not_found"
    assert full_service.json()["service_at_locations"] == []
    for text in (listed.text, full_service.text):
        assert "Via Privata" not in text and "45.4781" not in text


async def test_an_organisation_without_point_or_address_has_no_service_at_location(client, session):
    service = await make_service(session, await make_provider(session))
    session.expunge_all()

    response = await client.get(f"/hsds/service_at_locations/{service_at_location_id(service.id)}")

    assert response.status_code == 404
    assert response.json()["code"] == "service_at_location_not_found"


async def test_a_non_public_services_service_at_location_is_a_404_problem(client, session):
    paused = await make_service(session, await make_provider(session, **PREMISES), status=ServiceStatus.paused)
    suspended = await make_provider(session, state=AccreditationState.suspended, **PREMISES)
    hidden = await make_service(session, suspended)
    session.expunge_all()

    responses = [
        await client.get(f"/hsds/service_at_locations/{service_at_location_id(s.id)}") for s in (paused, hidden)
    ]

    assert [r.status_code for r in responses] == [404, 404]
    assert (await client.get("/hsds/service_at_locations")).json()["total_items"] == 0


async def test_an_unknown_service_at_location_is_a_404_problem(client):
    response = await client.get(f"/hsds/service_at_locations/{UNKNOWN_ID}")

    assert response.status_code == 404
    assert response.json()["code"] == "service_at_location_not_found"
    assert response.headers["content-type"] == "application/problem+json"


async def test_filters_narrow_service_at_locations(client, session):
    provider = await make_provider(session, **PREMISES)
    wanted = await make_service(session, provider, category="doposcuola", title="Doposcuola in via Padova")
    await make_service(session, provider, category="colf", title="Pulizie di casa")
    await make_service(session, await make_provider(session, **PREMISES), category="doposcuola")
    session.expunge_all()

    page = (
        await client.get(
            "/hsds/service_at_locations",
            params={
                "organization_id": str(provider.id),
                "taxonomy_term_id": str(category_id("educativo")),
                "search": "doposcuola",
                "modified_after": "2020-01-01T00:00:00Z",
            },
        )
    ).json()

    assert ids(page) == {str(service_at_location_id(wanted.id))}
