"""HSDS services: only published services of accredited providers, mapped from our listings."""

from datetime import UTC, datetime

from app.hsds.views import TAXONOMY_ID
from app.models import AccreditationState, Delivery, PriceModel, ServiceStatus, ZoneKind
from app.seed.reference import category_id, zone_id
from tests.factories import make_provider, make_service
from tests.hsds.official import hsds_errors

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def ids(page: dict) -> set[str]:
    return {item["id"] for item in page["contents"]}


async def test_services_list_is_valid_hsds(client, session):
    provider = await make_provider(session, email="info@coop.example", website="https://coop.example/")
    await make_service(session, provider, description="Compiti e gioco.", last_verified_at=datetime.now(UTC))
    session.expunge_all()

    response = await client.get("/hsds/services")

    assert response.status_code == 200
    assert hsds_errors("/services", response.json()) == []
    assert response.json()["contents"][0]["organization"]["id"] == str(provider.id)


async def test_full_services_list_is_valid_hsds_and_nests_the_arrays(client, session):
    provider = await make_provider(
        session, lat=45.4842, lon=9.2261, address_street="Via Padova 10", address_postcode="20127"
    )
    await make_service(session, provider, zones_served=[zone_id(ZoneKind.nil, 1)])
    session.expunge_all()

    response = await client.get("/hsds/services", params={"full": "true"})

    item = response.json()["contents"][0]
    assert hsds_errors("/services", response.json()) == []
    assert {"schedules", "cost_options", "languages", "service_areas", "attributes", "service_at_locations"} <= set(
        item
    )


async def test_minimal_services_list_is_valid_hsds_and_minimal(client, session):
    service = await make_service(session, await make_provider(session))
    session.expunge_all()

    response = await client.get("/hsds/services", params={"minimal": "true"})

    assert hsds_errors("/services", response.json()) == []
    # HSDS's minimal is id and last_modified; its schema also requires name and status.
    assert response.json()["contents"] == [
        {
            "id": str(service.id),
            "name": service.title,
            "status": "active",
            "last_modified": service.updated_at.isoformat().replace("+00:00", "Z"),
        }
    ]


async def test_minimal_and_full_together_is_a_422_problem(client):
    response = await client.get("/hsds/services", params={"minimal": "true", "full": "true"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/minimal"


async def test_service_by_id_is_valid_hsds_and_fully_nested(client, session):
    provider = await make_provider(session, lat=45.4842, lon=9.2261)
    service = await make_service(session, provider, zones_served=[zone_id(ZoneKind.nil, 2)])
    session.expunge_all()

    response = await client.get(f"/hsds/services/{service.id}")

    assert response.status_code == 200
    assert hsds_errors("/services/{id}", response.json()) == []
    assert response.json()["id"] == str(service.id)
    assert response.json()["service_areas"][0]["name"] == "BRERA"


async def test_only_published_services_of_accredited_providers_are_listed(client, session):
    accredited = await make_provider(session)
    listed = await make_service(session, accredited)
    paused = await make_service(session, accredited, status=ServiceStatus.paused)
    draft = await make_service(session, accredited, status=ServiceStatus.draft)
    of_draft = await make_service(session, await make_provider(session, state=AccreditationState.draft))
    of_suspended = await make_service(session, await make_provider(session, state=AccreditationState.suspended))
    session.expunge_all()

    page = (await client.get("/hsds/services")).json()

    assert ids(page) == {str(listed.id)}
    assert {str(s.id) for s in (paused, draft, of_draft, of_suspended)}.isdisjoint(ids(page))
    assert page["total_items"] == 1


async def test_a_suspended_providers_service_is_a_404_problem(client, session):
    service = await make_service(session, await make_provider(session, state=AccreditationState.suspended))
    session.expunge_all()

    response = await client.get(f"/hsds/services/{service.id}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "service_not_found"


async def test_a_paused_service_is_a_404_problem(client, session):
    service = await make_service(session, await make_provider(session), status=ServiceStatus.paused)
    session.expunge_all()

    response = await client.get(f"/hsds/services/{service.id}")

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"


async def test_an_unknown_service_is_a_404_problem(client):
    response = await client.get(f"/hsds/services/{UNKNOWN_ID}")

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"


async def test_search_matches_italian_full_text_of_title_and_description(client, session):
    provider = await make_provider(session)
    homework = await make_service(session, provider, title="Doposcuola in via Padova", description="Compiti.")
    carer = await make_service(
        session, provider, title="Assistenza di notte", description="Servizio notturno per anziani soli."
    )
    session.expunge_all()

    by_title = (await client.get("/hsds/services", params={"search": "doposcuola"})).json()
    by_stemmed_description = (await client.get("/hsds/services", params={"search": "notturna"})).json()

    assert ids(by_title) == {str(homework.id)}
    assert ids(by_stemmed_description) == {str(carer.id)}


async def test_taxonomy_term_filter_matches_the_category_and_an_area_its_categories(client, session):
    provider = await make_provider(session)
    babysitting = await make_service(session, provider, category="tata-babysitter")
    carer = await make_service(session, provider, category="badante")
    await make_service(session, provider, category="doposcuola")
    session.expunge_all()

    category = (await client.get("/hsds/services", params={"taxonomy_term_id": str(category_id("badante"))})).json()
    area = (
        await client.get("/hsds/services", params={"taxonomy_term_id": str(category_id("lavoro-domestico"))})
    ).json()

    assert ids(category) == {str(carer.id)}
    assert ids(area) == {str(babysitting.id), str(carer.id)}


async def test_taxonomy_id_filter_matches_all_for_wemi_and_nothing_for_another(client, session):
    service = await make_service(session, await make_provider(session))
    session.expunge_all()

    ours = (await client.get("/hsds/services", params={"taxonomy_id": str(TAXONOMY_ID)})).json()
    other = (await client.get("/hsds/services", params={"taxonomy_id": UNKNOWN_ID})).json()

    assert ids(ours) == {str(service.id)}
    assert (other["contents"], other["total_items"], other["empty"]) == ([], 0, True)


async def test_organization_id_filter_matches_that_providers_services(client, session):
    mine = await make_service(session, await make_provider(session))
    await make_service(session, await make_provider(session))
    session.expunge_all()

    page = (await client.get("/hsds/services", params={"organization_id": str(mine.provider_id)})).json()

    assert ids(page) == {str(mine.id)}


async def test_modified_after_matches_services_changed_at_or_after_the_instant(client, session):
    provider = await make_provider(session)
    await make_service(session, provider, updated_at=datetime(2026, 1, 1, 8, 0, tzinfo=UTC))
    at = await make_service(session, provider, updated_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    later = await make_service(session, provider, updated_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    session.expunge_all()

    page = (await client.get("/hsds/services", params={"modified_after": "2026-02-01T10:00:00+01:00"})).json()

    assert ids(page) == {str(at.id), str(later.id)}


async def test_full_service_maps_schedule_prices_languages_areas_and_category(client, session):
    provider = await make_provider(session)
    service = await make_service(
        session,
        provider,
        category="doposcuola",
        availability=[{"day": "tue", "opens": "16:00", "closes": "18:30"}],
        delivery=Delivery.shared,
        min_persons=2,
        max_persons=4,
        price_model=PriceModel.hourly,
        price_cents=1500,
        shared_prices=[{"group_size": 3, "price_per_person_cents": 700}],
        languages=["it", "ro"],
        zones_served=[zone_id(ZoneKind.nil, 1)],
    )
    session.expunge_all()

    body = (await client.get(f"/hsds/services/{service.id}")).json()

    schedule = body["schedules"][0]
    assert (schedule["freq"], schedule["byday"], schedule["opens_at"], schedule["closes_at"]) == (
        "WEEKLY",
        "TU",
        "16:00",
        "18:30",
    )
    assert [(c["amount"], c["currency"]) for c in body["cost_options"]] == [(15.0, "EUR"), (7.0, "EUR")]
    assert [(lang["code"], lang["name"]) for lang in body["languages"]] == [("it", "Italiano"), ("ro", "Rumeno")]
    assert [area["name"] for area in body["service_areas"]] == ["DUOMO"]
    assert body["attributes"][0]["taxonomy_term_id"] == str(category_id("doposcuola"))
    assert body["attributes"][0]["taxonomy_term"]["code"] == "doposcuola"


async def test_free_service_has_a_zero_cost_option(client, session):
    service = await make_service(session, await make_provider(session), price_model=PriceModel.free, price_cents=None)
    session.expunge_all()

    body = (await client.get(f"/hsds/services/{service.id}")).json()

    assert [(c["option"], c["amount"]) for c in body["cost_options"]] == [("Gratuito", 0)]
    assert body["fees_description"] == "Gratuito."


async def test_derived_ids_are_stable_across_requests(client, session):
    service = await make_service(session, await make_provider(session), zones_served=[zone_id(ZoneKind.nil, 1)])
    session.expunge_all()

    first = (await client.get(f"/hsds/services/{service.id}")).json()
    second = (await client.get(f"/hsds/services/{service.id}")).json()

    assert first == second
    assert first["schedules"][0]["id"] != first["cost_options"][0]["id"]
