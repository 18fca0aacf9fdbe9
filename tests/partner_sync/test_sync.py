"""/v1/partner/services: a partner system keeps its provider's listings in step by its own ids."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import AccreditationState, Service, ServiceStatus, ZoneKind
from app.seed.reference import category_id, zone_id
from tests.factories import (
    auth_headers,
    make_partner_client,
    make_provider,
    make_provider_staff_user,
    partner_headers,
)

PUT = "/v1/partner/services/{}"
BULK = "/v1/partner/services/bulk"
NDJSON = {"Content-Type": "application/x-ndjson"}
DROP = object()


def nil(code: int) -> uuid.UUID:
    return zone_id(ZoneKind.nil, code)


def listing(**overrides) -> dict:
    """A full partner listing (a live-in carer, monthly price); DROP removes a key."""
    body = {
        "category_id": str(category_id("badante")),
        "title": "Badante convivente",
        "description": "Assistenza 24 ore, contratto CCNL livello CS.",
        "price_model": "monthly",
        "price_cents": 145000,
        "availability": [{"day": "mon", "opens": "08:00", "closes": "20:00"}],
        "zones_served": [str(nil(1))],
        "languages": ["it", "ro"],
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not DROP}


def item(external_id: str, **overrides) -> dict:
    return {"external_id": external_id, **listing(**overrides)}


async def rows_of(session, provider) -> dict[str, Service]:
    """The provider's stored listings by external id."""
    session.expunge_all()
    services = (await session.scalars(select(Service).where(Service.provider_id == provider.id))).all()
    return {s.external_id: s for s in services}


@pytest.fixture
async def staff(session):
    return await make_provider_staff_user(session, email="staff@melograno.example.org")


@pytest.fixture
async def provider(session, staff):
    """An accredited cooperative; its listings come from its own system through the partner API."""
    return await make_provider(session, staff=staff, display_name="Cooperativa Il Melograno", zones_served=[nil(1)])


@pytest.fixture
async def partner(session, provider):
    return await make_partner_client(session, name="Melograno gestionale", provider_id=provider.id)


@pytest.fixture
def as_partner(partner) -> dict[str, str]:
    return partner_headers(partner)


# --- PUT: create, no-op, update, replace ------------------------------------------------------------------


async def test_put_creates_a_published_listing_with_201_and_sync_result_created(client, session, provider, as_partner):
    session.expunge_all()

    response = await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)

    assert response.status_code == 201
    assert response.headers["sync-result"] == "created"
    body = response.json()
    assert (body["external_id"], body["status"], body["searchable"]) == ("ext-1", "published", True)
    assert body["provider"]["id"] == str(provider.id)
    assert response.headers["etag"] == f'"{body["version"]}"'
    rows = await rows_of(session, provider)
    assert list(rows) == ["ext-1"]
    assert str(rows["ext-1"].id) == body["id"]
    assert rows["ext-1"].published_at is not None


async def test_put_with_the_same_body_is_a_no_op_that_keeps_the_version(client, session, provider, as_partner):
    first = await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)
    updated_at = (await rows_of(session, provider))["ext-1"].updated_at

    response = await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)

    assert response.status_code == 200
    assert response.headers["sync-result"] == "unchanged"
    assert response.json()["version"] == first.json()["version"]
    assert response.json()["id"] == first.json()["id"]
    row = (await rows_of(session, provider))["ext-1"]
    assert (row.version, row.updated_at) == (first.json()["version"], updated_at)


async def test_put_with_a_change_updates_the_listing_and_moves_the_version_by_one(
    client, session, provider, as_partner
):
    first = await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)

    response = await client.put(PUT.format("ext-1"), json=listing(price_cents=150000), headers=as_partner)

    assert response.status_code == 200
    assert response.headers["sync-result"] == "updated"
    assert response.json()["id"] == first.json()["id"]
    assert response.json()["price_cents"] == 150000
    assert response.json()["version"] == first.json()["version"] + 1
    row = (await rows_of(session, provider))["ext-1"]
    assert (row.price_cents, row.version) == (150000, first.json()["version"] + 1)


async def test_put_replaces_the_whole_listing_so_an_omitted_field_returns_to_its_default(
    client, session, provider, as_partner
):
    await client.put(
        PUT.format("ext-1"),
        json=listing(capacity=5, accessibility="Ascensore", income_based=True, languages=["it", "en"]),
        headers=as_partner,
    )

    response = await client.put(
        PUT.format("ext-1"),
        json=listing(description=DROP, zones_served=DROP, availability=DROP, languages=DROP),
        headers=as_partner,
    )

    assert response.status_code == 200
    assert response.headers["sync-result"] == "updated"
    row = (await rows_of(session, provider))["ext-1"]
    assert (row.capacity, row.accessibility, row.income_based, row.description) == (None, None, False, "")
    assert (row.availability, row.zones_served, row.languages) == ([], [], ["it"])  # the provider's languages
    assert row.coverage_nil_ids == [nil(1)]  # the provider's zones


async def test_put_can_pause_a_published_listing(client, session, provider, as_partner):
    await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)

    response = await client.put(PUT.format("ext-1"), json=listing(status="paused"), headers=as_partner)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["searchable"]) == ("paused", False)
    assert (await rows_of(session, provider))["ext-1"].status == ServiceStatus.paused


@pytest.mark.parametrize("state", [AccreditationState.submitted, AccreditationState.suspended])
async def test_put_published_for_a_provider_that_is_not_accredited_returns_409_and_stores_nothing(
    client, session, state
):
    provider = await make_provider(session, state=state)
    partner = await make_partner_client(session, provider_id=provider.id)

    response = await client.put(PUT.format("ext-1"), json=listing(), headers=partner_headers(partner))

    assert response.status_code == 409
    assert response.json()["code"] == "provider_not_accredited"
    assert await rows_of(session, provider) == {}


async def test_put_a_draft_for_a_provider_awaiting_accreditation_is_allowed(client, session):
    provider = await make_provider(session, state=AccreditationState.submitted)
    partner = await make_partner_client(session, provider_id=provider.id)

    response = await client.put(PUT.format("ext-1"), json=listing(status="draft"), headers=partner_headers(partner))

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["searchable"]) == ("draft", False)


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"price_cents": DROP}, "/price_cents"),
        ({"price_model": "free"}, "/price_cents"),
        ({"category_id": str(category_id("lavoro-domestico"))}, "/category_id"),
        ({"delivery": "shared"}, "/min_persons"),
        ({"status": "archived"}, "/status"),
        ({"provider_id": "3c8478fb-3213-4c89-a06d-5921dd9fbe09"}, "/provider_id"),
        ({"title": DROP}, "/title"),
        (
            {
                "availability": [
                    {"day": "mon", "opens": "08:00", "closes": "20:00"},
                    {"day": "mon", "opens": "19:00", "closes": "21:00"},
                ]
            },
            "/availability/1",
        ),
    ],
)
async def test_put_an_invalid_listing_returns_422_with_pointer_and_stores_nothing(
    client, session, provider, as_partner, change, pointer
):
    response = await client.put(PUT.format("ext-1"), json=listing(**change), headers=as_partner)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
    assert await rows_of(session, provider) == {}


async def test_put_an_invalid_replacement_keeps_the_stored_listing(client, session, provider, as_partner):
    before = (await client.put(PUT.format("ext-1"), json=listing(capacity=4), headers=as_partner)).json()

    response = await client.put(
        PUT.format("ext-1"), json=listing(price_model="free", zones_served=[str(nil(2))]), headers=as_partner
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/price_cents"
    row = (await rows_of(session, provider))["ext-1"]
    assert (row.price_cents, row.capacity, row.zones_served, row.version) == (145000, 4, [nil(1)], before["version"])


async def test_put_an_unknown_zone_returns_422_unknown_zones(client, session, provider, as_partner):
    response = await client.put(PUT.format("ext-1"), json=listing(zones_served=[str(uuid.uuid4())]), headers=as_partner)

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_zones"
    assert await rows_of(session, provider) == {}


@pytest.mark.parametrize("external_id", ["has space", "a" * 101, "accentato-è", "semi;colon"])
async def test_put_with_a_malformed_external_id_returns_422_in_the_path(
    client, session, provider, as_partner, external_id
):
    response = await client.put(PUT.format(external_id), json=listing(), headers=as_partner)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert {"pointer": "/external_id", "location": "path"} in [
        {"pointer": e["pointer"], "location": e["location"]} for e in response.json()["errors"]
    ]
    assert await rows_of(session, provider) == {}


async def test_a_partner_bound_to_another_provider_does_not_touch_these_listings(client, session, provider, as_partner):
    await client.put(PUT.format("ext-1"), json=listing(title="Badante del Melograno"), headers=as_partner)
    other_provider = await make_provider(session, display_name="Cooperativa Altra")
    other = await make_partner_client(session, provider_id=other_provider.id)

    put = await client.put(PUT.format("ext-1"), json=listing(title="Badante di Altra"), headers=partner_headers(other))
    delete = await client.delete(PUT.format("ext-1"), headers=partner_headers(other))

    assert put.status_code == 201  # the same external id in another provider's namespace
    assert delete.status_code == 204  # archives its own listing, not ours
    ours = (await rows_of(session, provider))["ext-1"]
    assert (ours.title, ours.status) == ("Badante del Melograno", ServiceStatus.published)
    assert (await rows_of(session, other_provider))["ext-1"].status == ServiceStatus.archived


# --- who may sync ---------------------------------------------------------------------------------------------

PARTNER_ROUTES = [
    ("PUT", PUT.format("ext-1"), listing()),
    ("DELETE", PUT.format("ext-1"), None),
    ("POST", BULK, [item("ext-1")]),
]


@pytest.mark.parametrize(("method", "path", "body"), PARTNER_ROUTES)
async def test_a_partner_client_bound_to_no_provider_gets_403(client, session, method, path, body):
    unbound = await make_partner_client(session)

    response = await client.request(method, path, json=body, headers=partner_headers(unbound))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "bound" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), PARTNER_ROUTES)
async def test_a_partner_client_without_the_listings_write_scope_gets_403(
    client, session, provider, method, path, body
):
    reader = await make_partner_client(session, scopes=("events:read",), provider_id=provider.id)

    response = await client.request(method, path, json=body, headers=partner_headers(reader))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "listings:write" in response.json()["detail"]
    assert await rows_of(session, provider) == {}


async def test_a_token_issued_without_the_scope_gets_403_even_if_the_client_has_it(client, session, provider, partner):
    response = await client.put(
        PUT.format("ext-1"), json=listing(), headers=partner_headers(partner, scopes=("events:read",))
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await rows_of(session, provider) == {}


@pytest.mark.parametrize(("method", "path", "body"), PARTNER_ROUTES)
async def test_a_persons_token_gets_403_even_for_the_providers_own_staff(
    client, session, provider, staff, method, path, body
):
    response = await client.request(method, path, json=body, headers=auth_headers(staff))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await rows_of(session, provider) == {}


@pytest.mark.parametrize(("method", "path", "body"), PARTNER_ROUTES)
async def test_anonymous_gets_401(client, session, provider, method, path, body):
    response = await client.request(method, path, json=body)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert await rows_of(session, provider) == {}


async def test_a_revoked_partner_client_gets_401(client, session, provider, partner, as_partner):
    partner.is_active = False
    await session.flush()

    response = await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert await rows_of(session, provider) == {}


# --- bulk -----------------------------------------------------------------------------------------------------


def mixed_items() -> list[dict]:
    return [
        item("good-1"),
        item("bad-price", price_model="hourly", price_cents=DROP),  # a business rule
        item(
            "good-2", category_id=str(category_id("colf")), title="Colf a ore", price_model="hourly", price_cents=1100
        ),
        item("bad-schema", price_cents=-5),  # a schema rule
        item("bad-area", category_id=str(category_id("lavoro-domestico"))),
        {"title": "Senza id esterno"},
    ]


def assert_mixed_results(body: dict) -> None:
    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (2, 0, 0, 4)
    results = {r["index"]: r for r in body["items"]}
    assert [results[i]["result"] for i in range(6)] == ["created", "error", "created", "error", "error", "error"]
    assert [results[i]["external_id"] for i in range(5)] == ["good-1", "bad-price", "good-2", "bad-schema", "bad-area"]
    assert results[1]["errors"][0]["pointer"] == "/1/price_cents"
    assert results[3]["errors"][0]["pointer"] == "/3/price_cents"
    assert results[4]["errors"][0]["pointer"] == "/4/category_id"
    assert "/5/external_id" in [e["pointer"] for e in results[5]["errors"]]
    assert results[0]["service_id"] and results[0]["version"]


async def test_bulk_json_array_answers_per_item_and_applies_only_the_good_items(client, session, provider, as_partner):
    response = await client.post(BULK, json=mixed_items(), headers=as_partner)

    assert response.status_code == 200
    assert_mixed_results(response.json())
    rows = await rows_of(session, provider)
    assert sorted(rows) == ["good-1", "good-2"]
    assert rows["good-2"].title == "Colf a ore"
    assert {r.status for r in rows.values()} == {ServiceStatus.published}


async def test_bulk_ndjson_answers_per_item_and_applies_only_the_good_items(client, session, provider, as_partner):
    body = "\n".join(json.dumps(i) for i in mixed_items()) + "\n\n"

    response = await client.post(BULK, content=body.encode(), headers={**as_partner, **NDJSON})

    assert response.status_code == 200
    assert_mixed_results(response.json())
    assert sorted(await rows_of(session, provider)) == ["good-1", "good-2"]


async def test_a_bulk_item_that_is_not_an_object_refuses_the_whole_request_with_422(
    client, session, provider, as_partner
):
    response = await client.post(BULK, json=[item("good-1"), "not a listing"], headers=as_partner)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/1"
    assert await rows_of(session, provider) == {}


async def test_bulk_reports_created_updated_and_unchanged(client, session, provider, as_partner):
    await client.put(PUT.format("same"), json=listing(), headers=as_partner)
    changed = await client.put(PUT.format("changed"), json=listing(), headers=as_partner)
    items = [item("same"), item("changed", title="Badante a ore", price_model="hourly", price_cents=1300), item("new")]

    response = await client.post(BULK, content="\n".join(map(json.dumps, items)), headers={**as_partner, **NDJSON})

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (1, 1, 1, 0)
    assert [r["result"] for r in body["items"]] == ["unchanged", "updated", "created"]
    assert body["items"][1]["version"] == changed.json()["version"] + 1
    rows = await rows_of(session, provider)
    assert (rows["changed"].title, rows["changed"].price_cents) == ("Badante a ore", 1300)


async def test_a_bad_bulk_item_leaves_its_existing_listing_exactly_as_it_was(client, session, provider, as_partner):
    before = (await client.put(PUT.format("ext-1"), json=listing(capacity=4), headers=as_partner)).json()
    # Valid in shape, wrong in substance: the replacement would clear fields, then fails the rules.
    broken = item("ext-1", title="Titolo nuovo", capacity=DROP, zones_served=[str(nil(2))], price_model="free")

    response = await client.post(BULK, json=[broken, item("ext-2")], headers=as_partner)

    assert [r["result"] for r in response.json()["items"]] == ["error", "created"]
    assert response.json()["items"][0]["errors"][0]["pointer"] == "/0/price_cents"
    row = (await rows_of(session, provider))["ext-1"]
    assert (row.title, row.capacity, row.zones_served, row.price_cents) == ("Badante convivente", 4, [nil(1)], 145000)
    assert (row.version, row.content_hash is not None) == (before["version"], True)
    after = await client.put(PUT.format("ext-1"), json=listing(capacity=4), headers=as_partner)
    assert after.headers["sync-result"] == "unchanged"


async def test_a_repeated_external_id_in_one_bulk_is_an_error_for_the_repeat(client, session, provider, as_partner):
    items = [item("ext-1", title="Prima versione"), item("ext-1", title="Seconda versione")]

    response = await client.post(BULK, json=items, headers=as_partner)

    assert [r["result"] for r in response.json()["items"]] == ["created", "error"]
    assert response.json()["items"][1]["errors"][0]["pointer"] == "/1/external_id"
    assert (await rows_of(session, provider))["ext-1"].title == "Prima versione"


async def test_a_bulk_of_more_than_1000_items_returns_422_bulk_too_large_and_applies_nothing(
    client, session, provider, as_partner
):
    items = [item(f"ext-{n}") for n in range(1001)]

    response = await client.post(BULK, json=items, headers=as_partner)

    assert response.status_code == 422
    assert response.json()["code"] == "bulk_too_large"
    assert await rows_of(session, provider) == {}


async def test_a_bulk_of_exactly_1000_items_is_accepted(client, session, provider, as_partner):
    items = [{"external_id": f"ext-{n}"} for n in range(1000)]  # each fails validation: cheap to process

    response = await client.post(BULK, json=items, headers=as_partner)

    assert response.status_code == 200
    assert response.json()["errors"] == 1000


async def test_a_bulk_body_over_1_mib_is_accepted_not_413(client, session, provider, as_partner):
    description = "Assistenza familiare qualificata. " * 117  # 3,978 characters, under the 4,000 limit
    items = [item(f"ext-{n}", description=description) for n in range(280)]
    body = json.dumps(items).encode()
    assert 1_048_576 < len(body) < 16 * 1_048_576

    response = await client.post(BULK, content=body, headers={**as_partner, "Content-Type": "application/json"})

    assert response.status_code == 200
    assert response.json()["created"] == 280
    assert len(await rows_of(session, provider)) == 280


async def test_a_non_bulk_body_over_1_mib_is_still_413(client, session, provider, as_partner):
    padded = json.dumps(listing()).encode()[:-1] + b" " * 1_100_000 + b"}"

    response = await client.put(
        PUT.format("ext-1"), content=padded, headers={**as_partner, "Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert await rows_of(session, provider) == {}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b'{"external_id": "ext-1"}', "application/json"), (b"[{", "application/json"), (b"{\n[", NDJSON["Content-Type"])],
    ids=["an object", "broken json", "broken ndjson"],
)
async def test_a_bulk_body_that_is_not_a_list_of_items_returns_422(
    client, session, provider, as_partner, body, content_type
):
    response = await client.post(BULK, content=body, headers={**as_partner, "Content-Type": content_type})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert await rows_of(session, provider) == {}


# --- delete ---------------------------------------------------------------------------------------------------


async def test_delete_archives_the_listing_and_search_no_longer_finds_it(client, session, provider, staff, as_partner):
    created = (await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)).json()

    response = await client.delete(PUT.format("ext-1"), headers=as_partner)

    assert response.status_code == 204
    by_staff = await client.get(f"/v1/services/{created['id']}", headers=auth_headers(staff))
    assert (by_staff.json()["status"], by_staff.json()["searchable"]) == ("archived", False)
    found = await client.get("/v1/services", params={"zone_id": str(nil(1))})
    assert found.json()["items"] == []
    assert (await rows_of(session, provider))["ext-1"].status == ServiceStatus.archived


async def test_delete_twice_is_still_204(client, provider, as_partner):
    await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)
    await client.delete(PUT.format("ext-1"), headers=as_partner)

    response = await client.delete(PUT.format("ext-1"), headers=as_partner)

    assert response.status_code == 204


async def test_delete_of_an_unknown_external_id_returns_404(client, provider, as_partner):
    response = await client.delete(PUT.format("never-synced"), headers=as_partner)

    assert response.status_code == 404
    assert response.json()["code"] == "service_not_found"


# --- consumers: modified_after ----------------------------------------------------------------------------------


async def test_modified_after_finds_listings_synced_since_then_and_not_before(client, provider, as_partner):
    before = datetime.now(UTC) - timedelta(seconds=1)
    created = (await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)).json()
    after = datetime.now(UTC) + timedelta(seconds=1)

    since_before = await client.get("/v1/services", params={"modified_after": before.isoformat()})
    since_after = await client.get("/v1/services", params={"modified_after": after.isoformat()})

    assert [s["id"] for s in since_before.json()["items"]] == [created["id"]]
    assert since_after.json()["items"] == []


async def test_an_unchanged_put_does_not_count_as_a_modification(client, provider, as_partner):
    await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)
    between = datetime.now(UTC)

    await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)

    response = await client.get("/v1/services", params={"modified_after": between.isoformat()})
    assert response.json()["items"] == []


async def test_put_on_an_archived_listing_returns_409_and_keeps_it_archived(client, session, provider, as_partner):
    await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)
    await client.delete(PUT.format("ext-1"), headers=as_partner)

    response = await client.put(PUT.format("ext-1"), json=listing(title="Tornato in servizio"), headers=as_partner)

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["current_state"]) == ("invalid_transition", "archived")
    assert (await rows_of(session, provider))["ext-1"].status == ServiceStatus.archived


async def test_resending_the_same_listing_after_a_staff_edit_restores_the_partners_version(
    client, session, provider, staff, as_partner
):
    created = (await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)).json()
    await client.patch(
        f"/v1/services/{created['id']}", json={"title": "Titolo cambiato a mano"}, headers=auth_headers(staff)
    )

    response = await client.put(PUT.format("ext-1"), json=listing(), headers=as_partner)

    assert response.headers["sync-result"] == "updated"
    assert response.json()["title"] == listing()["title"]


async def test_a_bulk_item_with_a_nul_byte_fails_alone(client, session, provider, as_partner):
    items = [item("ok-1"), item("bad-1", title="Titolo\u0000rotto")]

    response = await client.post(BULK, json=items, headers=as_partner)

    assert response.status_code == 200
    assert [r["result"] for r in response.json()["items"]] == ["created", "error"]
    assert set(await rows_of(session, provider)) == {"ok-1"}
