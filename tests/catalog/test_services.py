"""/v1/services: providers' staff create, edit, publish, pause, archive and confirm listings."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.geo import haversine_km
from app.models import AccreditationState, Service, ServiceStatus, Zone, ZoneKind
from app.seed.reference import category_id, zone_id
from tests.factories import (
    auth_headers,
    make_partner_client,
    make_provider,
    make_provider_staff_user,
    make_service,
    partner_headers,
)

DUOMO = (45.46371, 9.18695)  # NIL 1's centroid
DROP = object()  # a key left out of the request body


def nil(code: int) -> uuid.UUID:
    return zone_id(ZoneKind.nil, code)


def municipio(code: int) -> uuid.UUID:
    return zone_id(ZoneKind.municipio, code)


def listing(provider, **overrides) -> dict:
    """A valid creation body (an hourly after-school listing); DROP removes a key."""
    body = {
        "provider_id": str(provider.id),
        "category_id": str(category_id("doposcuola")),
        "title": "Doposcuola in via Padova",
        "description": "Compiti e gioco per bambini 6-10 anni.",
        "price_model": "hourly",
        "price_cents": 1500,
        "availability": [{"day": "tue", "opens": "16:00", "closes": "18:00"}],
        "languages": ["it", "en"],
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not DROP}


async def services_of(session, provider) -> list[Service]:
    session.expunge_all()
    return list((await session.scalars(select(Service).where(Service.provider_id == provider.id))).all())


async def stored(session, service_id: uuid.UUID) -> Service:
    session.expunge_all()
    return await session.get(Service, service_id)


@pytest.fixture
async def staff(session):
    return await make_provider_staff_user(session, email="staff@aurora.example.org")


@pytest.fixture
def as_staff(staff) -> dict[str, str]:
    return auth_headers(staff)


@pytest.fixture
async def provider(session, staff):
    """An accredited cooperative at the Duomo serving NIL 1, with `staff` as its admin."""
    return await make_provider(
        session, staff=staff, display_name="Cooperativa Aurora", lat=DUOMO[0], lon=DUOMO[1], zones_served=[nil(1)]
    )


@pytest.fixture
async def other_staff(session):
    """Staff of another accredited provider."""
    user = await make_provider_staff_user(session, email="staff@betulla.example.org")
    await make_provider(session, staff=user, display_name="Associazione Betulla")
    return user


@pytest.fixture
async def draft_service(session, provider):
    return await make_service(session, provider, status=ServiceStatus.draft, zones_served=[nil(1)])


# --- creating ----------------------------------------------------------------------------------------


async def test_staff_creates_a_service_as_a_draft_with_201_and_etag(client, session, provider, as_staff):
    session.expunge_all()

    response = await client.post("/v1/services", json=listing(provider), headers=as_staff)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    assert body["searchable"] is False
    assert body["provider"]["id"] == str(provider.id)
    assert body["category"]["slug"] == "doposcuola"
    assert body["availability"] == [{"day": "tue", "opens": "16:00", "closes": "18:00"}]
    assert body["price_cents"] == 1500
    assert response.headers["etag"] == f'"{body["version"]}"'
    [row] = await services_of(session, provider)
    assert str(row.id) == body["id"]
    assert row.status == ServiceStatus.draft
    assert row.coverage_nil_ids == [nil(1)]  # no zones of its own: the provider's


async def test_created_service_stores_availability_as_half_open_minute_ranges(client, session, provider, as_staff):
    slots = [{"day": "mon", "opens": "09:00", "closes": "12:30"}, {"day": "sun", "opens": "22:00", "closes": "24:00"}]

    response = await client.post("/v1/services", json=listing(provider, availability=slots), headers=as_staff)

    assert response.status_code == 201
    row = await stored(session, uuid.UUID(response.json()["id"]))
    assert [(r.lower, r.upper, r.bounds) for r in row.availability_minutes] == [
        (540, 750, "[)"),
        (6 * 1440 + 1320, 7 * 1440, "[)"),
    ]


async def test_creating_for_an_accredited_provider_one_does_not_work_for_returns_403(
    client, session, provider, other_staff
):
    response = await client.post("/v1/services", json=listing(provider), headers=auth_headers(other_staff))

    # An accredited provider is public, so its existence is no secret: the caller lacks the right.
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await services_of(session, provider) == []


async def test_creating_for_an_unaccredited_provider_one_does_not_work_for_returns_404(client, session, other_staff):
    hidden = await make_provider(session, state=AccreditationState.submitted)

    response = await client.post("/v1/services", json=listing(hidden), headers=auth_headers(other_staff))

    # A provider that is not public is another organisation's private object: existence does not leak.
    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"
    assert await services_of(session, hidden) == []


async def test_creating_for_an_unknown_provider_returns_404_provider_not_found(client, provider, as_staff):
    response = await client.post(
        "/v1/services", json={**listing(provider), "provider_id": str(uuid.uuid4())}, headers=as_staff
    )

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


async def test_anonymous_creating_a_service_gets_401(client, session, provider):
    response = await client.post("/v1/services", json=listing(provider))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert await services_of(session, provider) == []


async def test_partner_token_on_the_people_endpoint_gets_403(client, session, provider):
    partner = await make_partner_client(session, provider_id=provider.id)

    response = await client.post("/v1/services", json=listing(provider), headers=partner_headers(partner))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await services_of(session, provider) == []


async def test_municipal_admin_creates_a_service_for_any_provider(client, session, provider, as_admin):
    response = await client.post("/v1/services", json=listing(provider), headers=as_admin)

    assert response.status_code == 201
    assert len(await services_of(session, provider)) == 1


async def test_new_service_defaults_its_languages_to_the_providers(client, session, staff, as_staff):
    provider = await make_provider(session, staff=staff, languages=["it", "ar"])

    response = await client.post("/v1/services", json=listing(provider, languages=DROP), headers=as_staff)

    assert response.status_code == 201
    assert response.json()["languages"] == ["it", "ar"]


# --- validation ---------------------------------------------------------------------------------------

SHARED = {"delivery": "shared", "min_persons": 2, "max_persons": 6}
INVALID_LISTINGS = {
    "overlapping second slot": (
        {
            "availability": [
                {"day": "mon", "opens": "09:00", "closes": "12:00"},
                {"day": "mon", "opens": "11:30", "closes": "13:00"},
            ]
        },
        "/availability/1",
    ),
    "slot closing when it opens": (
        {"availability": [{"day": "mon", "opens": "12:00", "closes": "12:00"}]},
        "/availability/0",
    ),
    "slot closing before it opens": (
        {
            "availability": [
                {"day": "mon", "opens": "09:00", "closes": "10:00"},
                {"day": "fri", "opens": "22:00", "closes": "02:00"},
            ]
        },
        "/availability/1",
    ),
    "slot at an impossible time": (
        {"availability": [{"day": "mon", "opens": "09:00", "closes": "25:00"}]},
        "/availability/0/closes",
    ),
    "slot on an unknown day": (
        {"availability": [{"day": "lun", "opens": "09:00", "closes": "10:00"}]},
        "/availability/0/day",
    ),
    "free with a price": ({"price_model": "free", "price_cents": 500}, "/price_cents"),
    "hourly without a price": ({"price_cents": DROP}, "/price_cents"),
    "monthly with a null price": ({"price_model": "monthly", "price_cents": None}, "/price_cents"),
    "negative price": ({"price_cents": -1}, "/price_cents"),
    "price in euros with decimals": ({"price_cents": 12.5}, "/price_cents"),
    "shared without persons": ({"delivery": "shared"}, "/min_persons"),
    "shared without max persons": ({"delivery": "shared", "min_persons": 2}, "/min_persons"),
    "shared with min above max": ({**SHARED, "min_persons": 5, "max_persons": 3}, "/min_persons"),
    "shared for a single person": ({**SHARED, "min_persons": 1}, "/min_persons"),
    "group price below min persons": (
        {**SHARED, "min_persons": 3, "shared_prices": [{"group_size": 2, "price_per_person_cents": 700}]},
        "/shared_prices/0/group_size",
    ),
    "group price above max persons": (
        {
            **SHARED,
            "shared_prices": [
                {"group_size": 3, "price_per_person_cents": 700},
                {"group_size": 7, "price_per_person_cents": 500},
            ],
        },
        "/shared_prices/1/group_size",
    ),
    "group price repeated": (
        {
            **SHARED,
            "shared_prices": [
                {"group_size": 3, "price_per_person_cents": 700},
                {"group_size": 3, "price_per_person_cents": 600},
            ],
        },
        "/shared_prices/1/group_size",
    ),
    "group price rising with the group": (
        {
            **SHARED,
            "shared_prices": [
                {"group_size": 3, "price_per_person_cents": 700},
                {"group_size": 4, "price_per_person_cents": 750},
            ],
        },
        "/shared_prices/1/price_per_person_cents",
    ),
    "group price above the listing's own": (
        {**SHARED, "shared_prices": [{"group_size": 3, "price_per_person_cents": 1600}]},
        "/shared_prices/0/price_per_person_cents",
    ),
    "weekly hours on an hourly price": ({"weekly_hours": 20}, "/weekly_hours"),
    "weekly hours rounding to nothing": ({"price_model": "monthly", "weekly_hours": 0.001}, "/weekly_hours"),
    "weekly hours beyond a week": ({"price_model": "monthly", "weekly_hours": 169}, "/weekly_hours"),
    "session minutes on a monthly price": ({"price_model": "monthly", "session_minutes": 60}, "/session_minutes"),
    "session minutes beyond a day": ({"price_model": "per_session", "session_minutes": 1441}, "/session_minutes"),
    "shared prices on individual delivery": (
        {"shared_prices": [{"group_size": 3, "price_per_person_cents": 700}]},
        "/delivery",
    ),
    "persons on individual delivery": ({"min_persons": 2, "max_persons": 4}, "/delivery"),
    "an area instead of a category": ({"category_id": str(category_id("lavoro-domestico"))}, "/category_id"),
    "an unknown category": ({"category_id": "8e7570c0-6b35-49b8-bd5d-ed8dddb9c9bc"}, "/category_id"),
    "an unknown field": ({"status": "published"}, "/status"),
    "a language that is not ISO 639-1": ({"languages": ["ita"]}, "/languages/0"),
    "no languages": ({"languages": []}, "/languages"),
    "a one-letter title": ({"title": "x"}, "/title"),
}


@pytest.mark.parametrize(("change", "pointer"), INVALID_LISTINGS.values(), ids=INVALID_LISTINGS.keys())
async def test_creating_an_invalid_listing_returns_422_with_pointer_and_stores_nothing(
    client, session, provider, as_staff, change, pointer
):
    response = await client.post("/v1/services", json=listing(provider, **change), headers=as_staff)

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert pointer in [e["pointer"] for e in problem["errors"]]
    assert {e["location"] for e in problem["errors"]} == {"body"}
    assert await services_of(session, provider) == []


async def test_an_unknown_zone_returns_422_unknown_zones_naming_it(client, session, provider, as_staff):
    unknown = uuid.uuid4()

    response = await client.post(
        "/v1/services", json=listing(provider, zones_served=[str(nil(1)), str(unknown)]), headers=as_staff
    )

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_zones"
    assert response.json()["errors"][0]["pointer"] == "/zones_served"
    assert str(unknown) in response.json()["detail"]
    assert await services_of(session, provider) == []


async def test_a_radius_without_the_providers_point_returns_422_at_radius_km(client, session, staff, as_staff):
    pointless = await make_provider(session, staff=staff, lat=None, lon=None)

    response = await client.post("/v1/services", json=listing(pointless, radius_km=3), headers=as_staff)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/radius_km"
    assert await services_of(session, pointless) == []


async def test_a_valid_shared_listing_with_group_prices_is_created(client, provider, as_staff):
    shared = {**SHARED, "shared_prices": [{"group_size": 4, "price_per_person_cents": 600}]}

    response = await client.post("/v1/services", json=listing(provider, **shared), headers=as_staff)

    assert response.status_code == 201
    assert response.json()["delivery"] == "shared"
    assert response.json()["shared_prices"] == [{"group_size": 4, "price_per_person_cents": 600}]


async def test_a_free_listing_without_price_is_created_with_null_price(client, provider, as_staff):
    response = await client.post(
        "/v1/services", json=listing(provider, price_model="free", price_cents=DROP), headers=as_staff
    )

    assert response.status_code == 201
    assert response.json()["price_cents"] is None


async def test_adjacent_slots_do_not_overlap(client, provider, as_staff):
    slots = [{"day": "tue", "opens": "09:00", "closes": "12:00"}, {"day": "tue", "opens": "12:00", "closes": "14:00"}]

    response = await client.post("/v1/services", json=listing(provider, availability=slots), headers=as_staff)

    assert response.status_code == 201


# --- coverage -----------------------------------------------------------------------------------------


async def test_a_municipio_in_zones_served_covers_every_nil_in_it(client, session, provider, as_staff):
    municipio_2_nils = set(
        (await session.scalars(select(Zone.id).where(Zone.kind == ZoneKind.nil, Zone.parent_id == municipio(2)))).all()
    )

    response = await client.post(
        "/v1/services", json=listing(provider, zones_served=[str(municipio(2))]), headers=as_staff
    )

    assert response.status_code == 201
    assert len(municipio_2_nils) == 7
    assert {uuid.UUID(z) for z in response.json()["coverage_nil_ids"]} == municipio_2_nils
    row = await stored(session, uuid.UUID(response.json()["id"]))
    assert set(row.coverage_nil_ids) == municipio_2_nils


async def test_a_radius_covers_the_nils_whose_centre_lies_within_it(client, session, provider, as_staff):
    nils = (await session.scalars(select(Zone).where(Zone.kind == ZoneKind.nil))).all()
    within_2_km = {z.id for z in nils if haversine_km(*DUOMO, z.centroid_lat, z.centroid_lon) <= 2}

    response = await client.post(
        "/v1/services", json=listing(provider, zones_served=[str(nil(76))], radius_km=2), headers=as_staff
    )

    assert response.status_code == 201
    coverage = {uuid.UUID(z) for z in response.json()["coverage_nil_ids"]}
    assert coverage == within_2_km | {nil(76)}
    assert {nil(1), nil(2), nil(7)} <= coverage  # Duomo, Brera, Magenta
    assert nil(20) not in coverage  # Loreto, about 4 km away


async def test_changing_zones_served_recomputes_coverage(client, session, draft_service, as_staff):
    session.expunge_all()

    response = await client.patch(
        f"/v1/services/{draft_service.id}", json={"zones_served": [str(nil(20))]}, headers=as_staff
    )

    assert response.status_code == 200
    assert response.json()["coverage_nil_ids"] == [str(nil(20))]
    assert (await stored(session, draft_service.id)).coverage_nil_ids == [nil(20)]


# --- reading --------------------------------------------------------------------------------------------


async def test_anonymous_reading_a_draft_gets_404_service_not_found(client, draft_service):
    response = await client.get(f"/v1/services/{draft_service.id}")

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"


async def test_another_providers_staff_reading_a_draft_gets_404(client, draft_service, other_staff):
    response = await client.get(f"/v1/services/{draft_service.id}", headers=auth_headers(other_staff))

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"


async def test_staff_read_their_own_draft_with_etag_equal_to_version(client, session, draft_service, as_staff):
    session.expunge_all()

    response = await client.get(f"/v1/services/{draft_service.id}", headers=as_staff)

    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert response.headers["etag"] == f'"{response.json()["version"]}"'


async def test_anyone_reads_a_published_service(client, session, provider):
    service = await make_service(session, provider, title="Doposcuola al Duomo")
    session.expunge_all()

    response = await client.get(f"/v1/services/{service.id}")

    assert response.status_code == 200
    assert response.json()["title"] == "Doposcuola al Duomo"
    assert response.json()["searchable"] is True
    assert response.json()["provider"]["display_name"] == "Cooperativa Aurora"


async def test_reading_an_unknown_service_returns_404(client):
    response = await client.get(f"/v1/services/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"


# --- editing ---------------------------------------------------------------------------------------------


async def test_staff_edit_a_service_with_if_match_and_the_version_moves_on(client, session, draft_service, as_staff):
    version = draft_service.version
    session.expunge_all()

    response = await client.patch(
        f"/v1/services/{draft_service.id}",
        json={"title": "Doposcuola e merenda", "capacity": 12},
        headers={**as_staff, "If-Match": f'"{version}"'},
    )

    assert response.status_code == 200
    assert response.json()["title"] == "Doposcuola e merenda"
    assert response.json()["version"] == version + 1
    assert response.headers["etag"] == f'"{version + 1}"'
    row = await stored(session, draft_service.id)
    assert (row.title, row.capacity, row.version) == ("Doposcuola e merenda", 12, version + 1)


@pytest.mark.parametrize(
    "change",
    [
        {"status": "published"},
        {"searchable": True},
        {"provider_id": "0b0f7f2e-6f7a-4b8e-9f0e-2f4a1c3d5e6f"},
        {"version": 9},
        {"coverage_nil_ids": []},
    ],
    ids=["status", "searchable", "provider_id", "version", "coverage_nil_ids"],
)
async def test_patching_a_field_that_is_not_editable_returns_422_and_changes_nothing(
    client, session, draft_service, as_staff, change
):
    version = draft_service.version
    session.expunge_all()

    response = await client.patch(f"/v1/services/{draft_service.id}", json=change, headers=as_staff)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/" + next(iter(change))
    row = await stored(session, draft_service.id)
    assert (row.status, row.searchable, row.version) == (ServiceStatus.draft, False, version)


async def test_patch_is_checked_against_the_merged_listing(client, session, draft_service, as_staff):
    session.expunge_all()

    response = await client.patch(f"/v1/services/{draft_service.id}", json={"price_model": "free"}, headers=as_staff)

    # The stored price is still there, so "free" alone contradicts it.
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/price_cents"
    assert (await stored(session, draft_service.id)).price_model.value == "hourly"


async def test_an_invalid_patch_touching_zones_is_a_422_not_a_constraint_conflict(
    client, session, draft_service, as_staff
):
    session.expunge_all()

    response = await client.patch(
        f"/v1/services/{draft_service.id}",
        json={"price_model": "free", "zones_served": [str(nil(2))]},
        headers=as_staff,
    )

    # Nothing may reach the database before the merged listing passed the rules.
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/price_cents"
    row = await stored(session, draft_service.id)
    assert (row.price_model.value, row.zones_served, row.version) == ("hourly", [nil(1)], draft_service.version)


async def test_patch_to_free_with_a_null_price_clears_the_price(client, session, draft_service, as_staff):
    session.expunge_all()

    response = await client.patch(
        f"/v1/services/{draft_service.id}", json={"price_model": "free", "price_cents": None}, headers=as_staff
    )

    assert response.status_code == 200
    assert response.json()["price_cents"] is None
    assert (await stored(session, draft_service.id)).price_cents is None


async def test_patch_with_an_overlapping_slot_returns_422_and_keeps_the_schedule(
    client, session, draft_service, as_staff
):
    slots = [{"day": "wed", "opens": "10:00", "closes": "12:00"}, {"day": "wed", "opens": "08:00", "closes": "10:01"}]
    session.expunge_all()

    response = await client.patch(f"/v1/services/{draft_service.id}", json={"availability": slots}, headers=as_staff)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/availability/1"
    assert (await stored(session, draft_service.id)).availability == draft_service.availability


async def test_another_providers_staff_patching_gets_404_and_nothing_changes(client, session, provider, other_staff):
    service = await make_service(session, provider, title="Doposcuola al Duomo")
    session.expunge_all()

    response = await client.patch(
        f"/v1/services/{service.id}", json={"title": "Hijacked"}, headers=auth_headers(other_staff)
    )

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"
    row = await stored(session, service.id)
    assert (row.title, row.version) == ("Doposcuola al Duomo", service.version)


async def test_a_citizen_patching_a_service_gets_404(client, session, provider, citizen_a, as_citizen_a):
    service = await make_service(session, provider, title="Doposcuola al Duomo")
    session.expunge_all()

    response = await client.patch(f"/v1/services/{service.id}", json={"title": "Mine now"}, headers=as_citizen_a)

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"
    assert (await stored(session, service.id)).title == "Doposcuola al Duomo"


async def test_patch_with_a_stale_if_match_returns_412_and_changes_nothing(client, session, draft_service, as_staff):
    stale = draft_service.version
    await client.patch(f"/v1/services/{draft_service.id}", json={"capacity": 3}, headers=as_staff)

    response = await client.patch(
        f"/v1/services/{draft_service.id}", json={"capacity": 99}, headers={**as_staff, "If-Match": f'"{stale}"'}
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert (await stored(session, draft_service.id)).capacity == 3


async def test_an_archived_service_cannot_be_edited(client, session, provider, as_staff):
    service = await make_service(session, provider, status=ServiceStatus.archived, title="Vecchio doposcuola")
    session.expunge_all()

    response = await client.patch(f"/v1/services/{service.id}", json={"title": "Nuovo doposcuola"}, headers=as_staff)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "archived"
    assert (await stored(session, service.id)).title == "Vecchio doposcuola"


# --- status ------------------------------------------------------------------------------------------------


async def test_publishing_a_draft_of_an_accredited_provider_makes_it_searchable(
    client, session, draft_service, as_staff
):
    session.expunge_all()
    before = datetime.now(UTC)

    response = await client.post(f"/v1/services/{draft_service.id}/publish", headers=as_staff)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["searchable"]) == ("published", True)
    assert datetime.fromisoformat(body["published_at"]) >= before
    assert body["last_verified_at"] == body["published_at"]
    row = await stored(session, draft_service.id)
    assert (row.status, row.searchable) == (ServiceStatus.published, True)
    found = await client.get("/v1/services", params={"zone_id": str(nil(1))})
    assert [s["id"] for s in found.json()["items"]] == [str(draft_service.id)]


@pytest.mark.parametrize(
    "state", [AccreditationState.draft, AccreditationState.submitted, AccreditationState.suspended]
)
async def test_publishing_while_the_provider_is_not_accredited_returns_409(client, session, staff, as_staff, state):
    provider = await make_provider(session, staff=staff, state=state)
    service = await make_service(session, provider, status=ServiceStatus.draft)
    session.expunge_all()

    response = await client.post(f"/v1/services/{service.id}/publish", headers=as_staff)

    assert response.status_code == 409
    assert response.json()["code"] == "provider_not_accredited"
    assert response.json()["current_state"] == state.value
    row = await stored(session, service.id)
    assert (row.status, row.searchable) == (ServiceStatus.draft, False)


async def test_pausing_a_published_service_hides_it_from_search(client, session, provider, as_staff):
    service = await make_service(session, provider, zones_served=[nil(1)])
    session.expunge_all()

    response = await client.post(f"/v1/services/{service.id}/pause", headers=as_staff)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["searchable"]) == ("paused", False)
    assert (await client.get("/v1/services", params={"zone_id": str(nil(1))})).json()["items"] == []
    hidden = await client.get(f"/v1/services/{service.id}")
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "service_not_found"


async def test_a_paused_service_can_be_published_again(client, session, provider, as_staff):
    service = await make_service(session, provider, status=ServiceStatus.paused)
    session.expunge_all()

    response = await client.post(f"/v1/services/{service.id}/publish", headers=as_staff)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["searchable"]) == ("published", True)


@pytest.mark.parametrize("status", [ServiceStatus.draft, ServiceStatus.published, ServiceStatus.paused])
async def test_any_live_service_can_be_archived(client, session, provider, as_staff, status):
    service = await make_service(session, provider, status=status)
    session.expunge_all()

    response = await client.post(f"/v1/services/{service.id}/archive", headers=as_staff)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["searchable"]) == ("archived", False)
    assert (await stored(session, service.id)).status == ServiceStatus.archived


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (ServiceStatus.draft, "pause"),
        (ServiceStatus.paused, "pause"),
        (ServiceStatus.published, "publish"),
        (ServiceStatus.archived, "publish"),
        (ServiceStatus.archived, "pause"),
        (ServiceStatus.archived, "archive"),
    ],
)
async def test_an_illegal_status_change_returns_409_with_the_current_state(
    client, session, provider, as_staff, status, action
):
    service = await make_service(session, provider, status=status)
    session.expunge_all()

    response = await client.post(f"/v1/services/{service.id}/{action}", headers=as_staff)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == status.value
    row = await stored(session, service.id)
    assert (row.status, row.version) == (status, service.version)


@pytest.mark.parametrize("action", ["publish", "pause", "archive", "confirm"])
async def test_another_providers_staff_changing_status_gets_404(client, session, provider, other_staff, action):
    service = await make_service(session, provider, status=ServiceStatus.published)
    session.expunge_all()

    response = await client.post(f"/v1/services/{service.id}/{action}", headers=auth_headers(other_staff))

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"
    row = await stored(session, service.id)
    assert (row.status, row.version) == (ServiceStatus.published, service.version)


async def test_a_status_change_with_a_stale_if_match_returns_412(client, session, draft_service, as_staff):
    session.expunge_all()

    response = await client.post(
        f"/v1/services/{draft_service.id}/publish",
        headers={**as_staff, "If-Match": f'"{draft_service.version + 5}"'},
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert (await stored(session, draft_service.id)).status == ServiceStatus.draft


async def test_a_status_change_by_anonymous_returns_401(client, draft_service):
    response = await client.post(f"/v1/services/{draft_service.id}/publish")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_confirming_sets_last_verified_at_to_now(client, session, provider, as_staff):
    long_ago = datetime.now(UTC) - timedelta(days=200)
    service = await make_service(session, provider, last_verified_at=long_ago)
    session.expunge_all()
    before = datetime.now(UTC)

    response = await client.post(f"/v1/services/{service.id}/confirm", headers=as_staff)

    assert response.status_code == 200
    assert datetime.fromisoformat(response.json()["last_verified_at"]) >= before
    assert response.headers["etag"] == f'"{response.json()["version"]}"'
    assert (await stored(session, service.id)).last_verified_at >= before


async def test_confirming_an_archived_service_returns_409(client, session, provider, as_staff):
    service = await make_service(session, provider, status=ServiceStatus.archived)
    session.expunge_all()

    response = await client.post(f"/v1/services/{service.id}/confirm", headers=as_staff)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["current_state"] == "archived"


async def test_suspending_the_provider_hides_its_services_at_once(client, session, provider, as_admin):
    service = await make_service(session, provider)
    session.expunge_all()

    response = await client.post(
        f"/v1/providers/{provider.id}/suspend", json={"reason": "Verifica documenti in corso"}, headers=as_admin
    )

    assert response.status_code == 200
    row = await stored(session, service.id)
    assert (row.status, row.searchable) == (ServiceStatus.published, False)
    hidden = await client.get(f"/v1/services/{service.id}")
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "service_not_found"
