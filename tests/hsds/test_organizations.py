"""HSDS organizations: accredited providers only; an individual worker's private data never appears."""

from app.models import AccreditationState, ProviderKind, ServiceStatus
from tests.factories import make_provider, make_service
from tests.hsds.official import hsds_errors

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
ORGANISATION = {
    "legal_name": "Cooperativa Sociale Il Melograno Onlus",
    "display_name": "Il Melograno",
    "description": "Assistenza domiciliare nei Municipi 4 e 5.",
    "email": "info@melograno.example",
    "phone": "+39 02 5555 1234",
    "website": "https://melograno.example/",
    "lat": 45.4512,
    "lon": 9.2201,
    "address_street": "Via Ripamonti 12",
    "address_postcode": "20136",
}
WORKER = {
    "kind": ProviderKind.individual,
    "legal_name": "Maria Rossi",
    "display_name": "Maria R.",
    "description": "Badante con esperienza.",
    "email": "maria.rossi@example.org",
    "phone": "+39 333 123 4567",
    "website": "https://maria.example/",
    "logo_url": "https://maria.example/me.jpg",
    "lat": 45.4781,
    "lon": 9.2301,
    "address_street": "Via Privata Casa 3",
    "address_postcode": "20131",
}


def ids(page: dict) -> set[str]:
    return {item["id"] for item in page["contents"]}


async def test_organizations_list_is_valid_hsds(client, session):
    await make_provider(session, **ORGANISATION)
    await make_provider(session, **WORKER)
    session.expunge_all()

    response = await client.get("/hsds/organizations")

    assert response.status_code == 200
    assert hsds_errors("/organizations", response.json()) == []
    assert response.json()["total_items"] == 2


async def test_full_organizations_list_is_valid_hsds_and_nests_services(client, session):
    provider = await make_provider(session, **ORGANISATION)
    service = await make_service(session, provider)
    session.expunge_all()

    response = await client.get("/hsds/organizations", params={"full": "true"})

    assert hsds_errors("/organizations", response.json()) == []
    assert [s["id"] for s in response.json()["contents"][0]["services"]] == [str(service.id)]


async def test_organization_by_id_is_valid_hsds_with_its_public_services(client, session):
    provider = await make_provider(session, **ORGANISATION)
    published = await make_service(session, provider)
    await make_service(session, provider, status=ServiceStatus.paused)
    session.expunge_all()

    response = await client.get(f"/hsds/organizations/{provider.id}")

    assert response.status_code == 200
    assert hsds_errors("/organizations/{id}", response.json()) == []
    assert [s["id"] for s in response.json()["services"]] == [str(published.id)]
    assert "schedules" not in response.json()["services"][0]


async def test_full_service_nests_the_services_fully(client, session):
    provider = await make_provider(session, **ORGANISATION)
    await make_service(session, provider)
    session.expunge_all()

    response = await client.get(f"/hsds/organizations/{provider.id}", params={"full_service": "true"})

    service = response.json()["services"][0]
    assert hsds_errors("/organizations/{id}", response.json()) == []
    assert service["schedules"][0]["byday"] == "MO"
    assert service["service_at_locations"][0]["location_id"] == response.json()["locations"][0]["id"]


async def test_only_accredited_providers_are_listed(client, session):
    accredited = await make_provider(session)
    for state in (AccreditationState.draft, AccreditationState.submitted, AccreditationState.suspended):
        await make_provider(session, state=state)
    session.expunge_all()

    page = (await client.get("/hsds/organizations")).json()

    assert ids(page) == {str(accredited.id)}


async def test_a_draft_provider_is_a_404_problem(client, session):
    provider = await make_provider(session, state=AccreditationState.draft)
    session.expunge_all()

    response = await client.get(f"/hsds/organizations/{provider.id}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "organization_not_found"


async def test_an_unknown_organization_is_a_404_problem(client):
    response = await client.get(f"/hsds/organizations/{UNKNOWN_ID}")

    assert response.status_code == 404
    assert response.json()["code"] == "organization_not_found"


async def test_an_organisation_shows_its_contacts_and_location(client, session):
    provider = await make_provider(session, **ORGANISATION)
    session.expunge_all()

    body = (await client.get(f"/hsds/organizations/{provider.id}")).json()

    assert (body["name"], body["alternate_name"]) == ("Il Melograno", "Cooperativa Sociale Il Melograno Onlus")
    assert (body["email"], body["website"]) == ("info@melograno.example", "https://melograno.example/")
    assert [p["number"] for p in body["phones"]] == ["+39 02 5555 1234"]
    location = body["locations"][0]
    assert (location["latitude"], location["longitude"]) == (45.4512, 9.2201)
    assert location["addresses"][0]["address_1"] == "Via Ripamonti 12"


async def test_an_individual_worker_shows_only_name_and_description(client, session):
    worker = await make_provider(session, **WORKER)
    await make_service(session, worker, category="badante")
    session.expunge_all()

    by_id = await client.get(f"/hsds/organizations/{worker.id}", params={"full_service": "true"})
    listed = await client.get("/hsds/organizations", params={"full": "true"})

    for body in (by_id.json(), listed.json()["contents"][0]):
        assert set(body) == {"id", "name", "description", "services"}
        assert (body["name"], body["description"]) == ("Maria R.", "Badante con esperienza.")
    assert by_id.json()["services"][0]["service_at_locations"] == []
    for private in ("Maria Rossi", "maria.rossi@example.org", "333 123", "maria.example", "Via Privata", "45.4781"):
        assert private not in by_id.text and private not in listed.text


async def test_search_matches_organizations_by_italian_full_text(client, session):
    melograno = await make_provider(session, **ORGANISATION)
    await make_provider(session, display_name="Zampe Felici", description="Dogsitter e petsitter.")
    session.expunge_all()

    page = (await client.get("/hsds/organizations", params={"search": "assistenza domiciliare"})).json()

    assert ids(page) == {str(melograno.id)}
