"""/v1/providers: registration, public and private views, profile edits, staff, and search."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.models import (
    AccreditationState,
    AuditEntry,
    Provider,
    ProviderKind,
    ProviderStaff,
    Role,
    StaffRole,
    Verification,
    Zone,
    ZoneKind,
)
from tests.factories import (
    add_provider_staff,
    auth_headers,
    make_provider,
    make_provider_staff_user,
    make_user,
)
from tests.providers.conftest import PIAZZA_DEL_DUOMO

PRIVATE_KEYS = {"tax_code", "vat_number", "address", "point", "street", "postcode"}


def org_body(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "cooperative",
        "legal_name": "Cooperativa Sociale Il Girasole",
        "display_name": "Il Girasole",
        "vat_number": "01114601006",
        **overrides,
    }


def individual_body(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "individual",
        "legal_name": "Mario Rossi",
        "display_name": "Mario, assistente familiare",
        "tax_code": "RSSMRA85T10A562S",
        **overrides,
    }


def keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_anywhere(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_anywhere(v)}
    return set()


async def provider_count(session) -> int:
    return await session.scalar(select(func.count()).select_from(Provider))


async def nil_id(session, code: int) -> uuid.UUID:
    return await session.scalar(select(Zone.id).where(Zone.kind == ZoneKind.nil, Zone.code == code))


async def all_pages(client, headers=None, **params) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/v1/providers", params=query, headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        pages += 1
        if cursor is None:
            return items
        assert pages < 50, "pagination does not end"


# --- registering -----------------------------------------------------------------------------------


async def test_provider_staff_creates_an_organisation_as_a_draft(client, staff_x, as_staff_x):
    response = await client.post("/v1/providers", json=org_body(), headers=as_staff_x)

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["display_name"], body["legal_name"]) == (
        "cooperative",
        "Il Girasole",
        "Cooperativa Sociale Il Girasole",
    )
    assert body["accreditation_state"] == "draft"
    assert body["badges"] == []
    assert body["private"]["vat_number"] == "01114601006"
    assert response.headers["etag"] == f'"{body["version"]}"'


async def test_creator_of_an_organisation_becomes_its_admin(client, session, staff_x, as_staff_x):
    response = await client.post("/v1/providers", json=org_body(), headers=as_staff_x)

    assert response.json()["private"]["staff_role"] == "admin"
    staff = (
        await session.scalars(
            select(ProviderStaff).where(ProviderStaff.provider_id == uuid.UUID(response.json()["id"]))
        )
    ).all()
    assert [(s.user_id, s.role) for s in staff] == [(staff_x.id, StaffRole.admin)]


async def test_creating_a_provider_writes_an_audit_entry(client, session, staff_x, as_staff_x):
    response = await client.post("/v1/providers", json=org_body(), headers=as_staff_x)

    entry = await session.scalar(
        select(AuditEntry).where(
            AuditEntry.target_id == uuid.UUID(response.json()["id"]), AuditEntry.action == "provider.created"
        )
    )
    assert entry.actor_id == staff_x.id
    assert entry.target_type == "provider"
    assert entry.detail == {"kind": "cooperative"}


async def test_organisation_with_only_a_numeric_codice_fiscale_is_accepted(client, as_staff_x):
    body = org_body(kind="association", vat_number=None, tax_code="12345678903")

    response = await client.post("/v1/providers", json=body, headers=as_staff_x)

    assert response.status_code == 201
    assert response.json()["private"]["tax_code"] == "12345678903"
    assert response.json()["private"]["vat_number"] is None


@pytest.mark.parametrize("role", [Role.citizen, Role.hub_operator])
async def test_creating_an_organisation_without_a_provider_staff_account_returns_403(client, session, role):
    caller = await make_user(session, role=role)

    response = await client.post("/v1/providers", json=org_body(), headers=auth_headers(caller))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await provider_count(session) == 0


async def test_anonymous_creating_a_provider_returns_401(client, session):
    response = await client.post("/v1/providers", json=org_body())

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert await provider_count(session) == 0


async def test_worker_creates_their_individual_provider(client, session, worker, as_worker):
    response = await client.post("/v1/providers", json=individual_body(), headers=as_worker)

    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "individual"
    assert body["accreditation_state"] == "draft"
    assert body["private"]["tax_code"] == "RSSMRA85T10A562S"
    assert body["private"]["staff_role"] == "admin"
    staff = await session.scalar(select(ProviderStaff).where(ProviderStaff.provider_id == uuid.UUID(body["id"])))
    assert staff.user_id == worker.id


async def test_worker_tax_code_in_lowercase_is_stored_in_uppercase(client, as_worker):
    response = await client.post("/v1/providers", json=individual_body(tax_code="rssmra85t10a562s"), headers=as_worker)

    assert response.status_code == 201
    assert response.json()["private"]["tax_code"] == "RSSMRA85T10A562S"


async def test_worker_creating_a_second_individual_provider_returns_409(client, session, as_worker):
    await client.post("/v1/providers", json=individual_body(), headers=as_worker)

    response = await client.post("/v1/providers", json=individual_body(display_name="Mario bis"), headers=as_worker)

    assert response.status_code == 409
    assert response.json()["code"] == "individual_provider_exists"
    assert await provider_count(session) == 1


@pytest.mark.parametrize(
    "tax_code",
    [
        "01114601006",  # an organisation's 11-digit code, not a person's
        "RSSMRA85T10A562T",  # wrong check letter
        "RSSMRA85T10A5A2S",  # malformed
    ],
)
async def test_individual_provider_with_a_bad_codice_fiscale_returns_422_at_tax_code(
    client, session, as_worker, tax_code
):
    response = await client.post("/v1/providers", json=individual_body(tax_code=tax_code), headers=as_worker)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/tax_code"]
    assert await provider_count(session) == 0


async def test_individual_provider_without_a_codice_fiscale_returns_422(client, session, as_worker):
    response = await client.post("/v1/providers", json=individual_body(tax_code=None), headers=as_worker)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/tax_code"]
    assert await provider_count(session) == 0


async def test_worker_creating_an_organisation_returns_403(client, session, as_worker):
    response = await client.post("/v1/providers", json=org_body(), headers=as_worker)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await provider_count(session) == 0


async def test_provider_staff_creating_an_individual_provider_returns_403(client, session, as_staff_x):
    response = await client.post("/v1/providers", json=individual_body(), headers=as_staff_x)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await provider_count(session) == 0


@pytest.mark.parametrize(
    "vat_number",
    [
        "01114601007",  # wrong check digit
        "00000000000",
        "0111460100",  # ten digits
        "".join(chr(0x0660 + int(d)) for d in "01114601006"),  # Arabic-Indic digits
    ],
)
async def test_bad_vat_number_returns_422_pointing_at_vat_number(client, session, as_staff_x, vat_number):
    response = await client.post("/v1/providers", json=org_body(vat_number=vat_number), headers=as_staff_x)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/vat_number"]
    assert await provider_count(session) == 0


async def test_organisation_tax_code_of_non_ascii_digits_returns_422_at_tax_code(client, session, as_staff_x):
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in "01114601006")

    response = await client.post(
        "/v1/providers", json=org_body(vat_number=None, tax_code=arabic_indic), headers=as_staff_x
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/tax_code"]
    assert await provider_count(session) == 0


async def test_organisation_without_vat_number_or_tax_code_returns_422(client, session, as_staff_x):
    response = await client.post("/v1/providers", json=org_body(vat_number=None), headers=as_staff_x)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/vat_number"]
    assert await provider_count(session) == 0


@pytest.mark.parametrize(
    "extra",
    [
        {"accreditation_state": "accredited"},
        {"badges": [{"kind": "identity"}]},
        {"rating_average": 5.0},
        {"rating_count": 1000},
        {"version": 9},
        {"id": "6f1c1c3e-0000-4000-8000-000000000000"},
    ],
)
async def test_creating_with_a_read_only_field_returns_422_and_creates_nothing(client, session, as_staff_x, extra):
    response = await client.post("/v1/providers", json=org_body(**extra), headers=as_staff_x)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert await provider_count(session) == 0


# --- where it is and which zones it serves ---------------------------------------------------------


async def test_point_at_piazza_del_duomo_places_the_provider_in_nil_1(client, session, as_staff_x):
    response = await client.post("/v1/providers", json=org_body(point=PIAZZA_DEL_DUOMO), headers=as_staff_x)

    assert response.status_code == 201
    assert response.json()["nil_id"] == str(await nil_id(session, 1))
    assert response.json()["private"]["point"] == PIAZZA_DEL_DUOMO


async def test_point_outside_milan_leaves_the_provider_without_a_nil(client, as_staff_x):
    pavia = {"lat": 45.1847, "lon": 9.1582}

    response = await client.post("/v1/providers", json=org_body(point=pavia), headers=as_staff_x)

    assert response.status_code == 201
    assert response.json()["nil_id"] is None
    assert response.json()["private"]["point"] == pavia


async def test_zones_served_with_a_municipio_expands_to_its_nils(client, session, as_staff_x):
    municipio_1 = await session.scalar(select(Zone).where(Zone.kind == ZoneKind.municipio, Zone.code == 1))
    nils_of_municipio_1 = set(
        (
            await session.scalars(select(Zone.id).where(Zone.kind == ZoneKind.nil, Zone.parent_id == municipio_1.id))
        ).all()
    )

    response = await client.post("/v1/providers", json=org_body(zones_served=[str(municipio_1.id)]), headers=as_staff_x)

    assert response.status_code == 201
    served = response.json()["zones_served"]
    assert len(nils_of_municipio_1) > 1
    assert set(map(uuid.UUID, served)) == nils_of_municipio_1
    assert len(served) == len(nils_of_municipio_1)


async def test_zones_served_mixing_a_nil_and_its_municipio_lists_each_nil_once(client, session, as_staff_x):
    duomo = await session.scalar(select(Zone).where(Zone.kind == ZoneKind.nil, Zone.code == 1))

    response = await client.post(
        "/v1/providers", json=org_body(zones_served=[str(duomo.id), str(duomo.parent_id)]), headers=as_staff_x
    )

    served = response.json()["zones_served"]
    assert str(duomo.id) in served
    assert len(served) == len(set(served))


async def test_unknown_zone_id_returns_422_unknown_zones(client, session, as_staff_x):
    response = await client.post("/v1/providers", json=org_body(zones_served=[str(uuid.uuid4())]), headers=as_staff_x)

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_zones"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/zones_served"]
    assert await provider_count(session) == 0


# --- public and private views ----------------------------------------------------------------------


async def test_anonymous_view_of_an_accredited_organisation_has_no_private_details(client, session, provider_x):
    session.expunge_all()

    response = await client.get(f"/v1/providers/{provider_x.id}")

    assert response.status_code == 200
    body = response.json()
    assert body["private"] is None
    assert keys_anywhere(body) & PRIVATE_KEYS == set()
    assert "01114601006" not in response.text
    assert "Via Valla" not in response.text
    assert "20141" not in response.text


async def test_organisations_public_view_shows_its_legal_name_and_public_contacts(client, session, provider_x):
    session.expunge_all()

    response = await client.get(f"/v1/providers/{provider_x.id}")

    body = response.json()
    assert body["legal_name"] == "Cooperativa Sociale Il Melograno Onlus"
    # An organisation's e-mail and phone are its public contacts, shown only under `contacts`.
    assert body["contacts"] == {
        "email": "info@melograno.example",
        "phone": "+39 02 5555 1234",
        "website": "https://melograno.example/",
    }
    assert {"email", "phone"} & set(body) == set()


async def test_individual_workers_public_view_has_no_contacts_legal_name_or_identifiers(client, session, worker):
    provider = await make_provider(
        session,
        kind=ProviderKind.individual,
        staff=worker,
        legal_name="Mario Rossi",
        email="mario.rossi@example.org",
        phone="+39 333 123 4567",
        address_street="Via Padova 100",
        address_postcode="20127",
    )
    session.expunge_all()

    response = await client.get(f"/v1/providers/{provider.id}")

    assert response.status_code == 200
    body = response.json()
    assert body["contacts"] is None
    assert body["legal_name"] is None
    assert body["private"] is None
    assert keys_anywhere(body) & (PRIVATE_KEYS | {"email", "phone"}) == set()
    for secret in ("RSSMRA85T10A562S", "Mario Rossi", "mario.rossi@example.org", "333 123 4567", "Via Padova"):
        assert secret not in response.text


async def test_citizen_and_another_providers_staff_see_the_public_view_only(
    client, session, provider_x, provider_y, as_citizen_a, as_staff_y
):
    session.expunge_all()

    as_citizen = await client.get(f"/v1/providers/{provider_x.id}", headers=as_citizen_a)
    as_other_staff = await client.get(f"/v1/providers/{provider_x.id}", headers=as_staff_y)

    assert as_citizen.json()["private"] is None
    assert as_other_staff.json()["private"] is None


async def test_own_staff_see_the_private_details(client, session, provider_x, as_staff_x):
    session.expunge_all()

    response = await client.get(f"/v1/providers/{provider_x.id}", headers=as_staff_x)

    assert response.status_code == 200
    private = response.json()["private"]
    assert private["tax_code"] == "01114601006"
    assert private["vat_number"] == "01114601006"
    assert private["email"] == "info@melograno.example"
    assert private["address"] == {"street": "Via Valla 25", "postcode": "20141", "city": "Milano"}
    assert private["point"] == PIAZZA_DEL_DUOMO
    assert private["staff_role"] == "admin"


async def test_operator_sees_the_private_details_with_their_own_role(client, session, provider_x):
    operator = await make_provider_staff_user(session)
    await add_provider_staff(session, provider_x, operator, role=StaffRole.operator)
    session.expunge_all()

    response = await client.get(f"/v1/providers/{provider_x.id}", headers=auth_headers(operator))

    assert response.json()["private"]["staff_role"] == "operator"
    assert response.json()["private"]["vat_number"] == "01114601006"


async def test_municipal_admin_sees_the_private_details_without_a_staff_role(client, session, provider_x, as_admin):
    session.expunge_all()

    response = await client.get(f"/v1/providers/{provider_x.id}", headers=as_admin)

    assert response.json()["private"]["vat_number"] == "01114601006"
    assert response.json()["private"]["staff_role"] is None


@pytest.mark.parametrize(
    "state", [s for s in AccreditationState if s != AccreditationState.accredited], ids=lambda s: s.value
)
async def test_unaccredited_provider_is_404_for_anonymous(client, session, state):
    provider = await make_provider(session, state=state)

    response = await client.get(f"/v1/providers/{provider.id}")

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


async def test_draft_provider_is_404_for_another_providers_staff(client, session, staff_x, provider_y, as_staff_y):
    draft = await make_provider(session, state=AccreditationState.draft, staff=staff_x)

    response = await client.get(f"/v1/providers/{draft.id}", headers=as_staff_y)

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


async def test_draft_provider_is_visible_to_its_own_staff(client, session, staff_x, as_staff_x):
    draft = await make_provider(session, state=AccreditationState.draft, staff=staff_x)

    response = await client.get(f"/v1/providers/{draft.id}", headers=as_staff_x)

    assert response.status_code == 200
    assert response.json()["accreditation_state"] == "draft"
    assert response.json()["private"]["staff_role"] == "admin"


async def test_draft_provider_is_visible_to_a_municipal_admin(client, session, as_admin):
    draft = await make_provider(session, state=AccreditationState.draft)

    response = await client.get(f"/v1/providers/{draft.id}", headers=as_admin)

    assert response.status_code == 200
    assert response.json()["accreditation_state"] == "draft"


async def test_unknown_provider_id_returns_404(client):
    response = await client.get(f"/v1/providers/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


# --- editing the profile ---------------------------------------------------------------------------


async def test_provider_admin_edits_the_profile_and_the_version_moves_on(client, session, provider_x, as_staff_x):
    session.expunge_all()

    response = await client.patch(
        f"/v1/providers/{provider_x.id}",
        json={"description": "Assistenza domiciliare agli anziani", "languages": ["it", "es"]},
        headers={**as_staff_x, "If-Match": '"1"'},
    )

    assert response.status_code == 200
    assert response.json()["description"] == "Assistenza domiciliare agli anziani"
    assert response.json()["languages"] == ["it", "es"]
    assert response.json()["version"] == 2
    assert response.headers["etag"] == '"2"'
    stored = await session.get(Provider, provider_x.id)
    assert (stored.description, stored.languages, stored.version) == (
        "Assistenza domiciliare agli anziani",
        ["it", "es"],
        2,
    )


async def test_patching_the_point_moves_the_provider_to_the_nil_there(client, session, as_staff_x, staff_x):
    provider = await make_provider(session, staff=staff_x)
    session.expunge_all()

    response = await client.patch(f"/v1/providers/{provider.id}", json={"point": PIAZZA_DEL_DUOMO}, headers=as_staff_x)

    assert response.status_code == 200
    assert response.json()["nil_id"] == str(await nil_id(session, 1))


async def test_municipal_admin_may_edit_any_profile(client, session, provider_x, as_admin):
    session.expunge_all()

    response = await client.patch(
        f"/v1/providers/{provider_x.id}", json={"display_name": "Melograno"}, headers=as_admin
    )

    assert response.status_code == 200
    assert (await session.get(Provider, provider_x.id)).display_name == "Melograno"


async def test_patch_with_a_bad_vat_number_returns_422_and_changes_nothing(client, session, provider_x, as_staff_x):
    session.expunge_all()

    response = await client.patch(
        f"/v1/providers/{provider_x.id}", json={"vat_number": "01114601007"}, headers=as_staff_x
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/vat_number"]
    assert (await session.get(Provider, provider_x.id)).vat_number == "01114601006"


async def test_patch_giving_an_individual_an_organisations_tax_code_returns_422(client, session, worker, as_worker):
    provider = await make_provider(session, kind=ProviderKind.individual, staff=worker)
    session.expunge_all()

    response = await client.patch(f"/v1/providers/{provider.id}", json={"tax_code": "01114601006"}, headers=as_worker)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/tax_code"]
    assert (await session.get(Provider, provider.id)).tax_code == "RSSMRA85T10A562S"


async def test_patch_clearing_an_organisations_last_identifier_returns_422(client, session, staff_x, as_staff_x):
    provider = await make_provider(session, staff=staff_x, vat_number="01114601006", tax_code=None)
    session.expunge_all()

    response = await client.patch(
        f"/v1/providers/{provider.id}", json={"vat_number": None, "tax_code": None}, headers=as_staff_x
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/vat_number"]
    assert (await session.get(Provider, provider.id)).vat_number == "01114601006"


async def test_patch_swapping_the_vat_number_for_a_codice_fiscale_is_accepted(client, session, staff_x, as_staff_x):
    provider = await make_provider(session, staff=staff_x, vat_number="01114601006", tax_code=None)
    session.expunge_all()

    response = await client.patch(
        f"/v1/providers/{provider.id}", json={"vat_number": None, "tax_code": "12345678903"}, headers=as_staff_x
    )

    assert response.status_code == 200
    stored = await session.get(Provider, provider.id)
    assert (stored.vat_number, stored.tax_code) == (None, "12345678903")


async def test_patch_clearing_an_individuals_codice_fiscale_returns_422(client, session, worker, as_worker):
    provider = await make_provider(session, kind=ProviderKind.individual, staff=worker)
    session.expunge_all()

    response = await client.patch(f"/v1/providers/{provider.id}", json={"tax_code": None}, headers=as_worker)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/tax_code"]
    assert (await session.get(Provider, provider.id)).tax_code == "RSSMRA85T10A562S"


@pytest.mark.parametrize(
    "change",
    [
        {"accreditation_state": "accredited"},
        {"badges": [{"kind": "identity", "verified_at": "2025-01-01T00:00:00Z"}]},
        {"rating_average": 5.0},
        {"rating_count": 999},
        {"version": 1},
        {"kind": "company"},
    ],
)
async def test_patching_a_read_only_field_returns_422_and_changes_nothing(client, session, staff_x, as_staff_x, change):
    provider = await make_provider(session, state=AccreditationState.draft, staff=staff_x)
    session.expunge_all()

    response = await client.patch(f"/v1/providers/{provider.id}", json=change, headers=as_staff_x)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    stored = await session.get(Provider, provider.id)
    assert stored.accreditation_state == AccreditationState.draft
    assert (stored.kind, stored.rating_average, stored.rating_count, stored.version) == (
        ProviderKind.cooperative,
        None,
        0,
        1,
    )
    assert await session.scalar(select(func.count()).select_from(Verification)) == 0


async def test_operator_patching_the_profile_returns_403(client, session, provider_x):
    operator = await make_provider_staff_user(session)
    await add_provider_staff(session, provider_x, operator, role=StaffRole.operator)
    session.expunge_all()

    response = await client.patch(
        f"/v1/providers/{provider_x.id}", json={"display_name": "Taken over"}, headers=auth_headers(operator)
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert (await session.get(Provider, provider_x.id)).display_name == "Il Melograno"


async def test_another_providers_staff_patching_a_draft_gets_404(client, session, staff_x, provider_y, as_staff_y):
    draft = await make_provider(session, state=AccreditationState.draft, staff=staff_x, display_name="Bozza")
    session.expunge_all()

    response = await client.patch(f"/v1/providers/{draft.id}", json={"display_name": "Mine"}, headers=as_staff_y)

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"
    assert (await session.get(Provider, draft.id)).display_name == "Bozza"


async def test_another_providers_staff_patching_an_accredited_provider_gets_403(
    client, session, provider_x, provider_y, as_staff_y
):
    session.expunge_all()

    response = await client.patch(f"/v1/providers/{provider_x.id}", json={"display_name": "Mine"}, headers=as_staff_y)

    # An accredited provider is public, so its existence is no secret (API1 hides only private
    # objects): access.get_managed answers 403 here, and 404 for a provider nobody may see.
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert (await session.get(Provider, provider_x.id)).display_name == "Il Melograno"


async def test_citizen_patching_a_provider_gets_403(client, session, provider_x, as_citizen_a):
    session.expunge_all()

    response = await client.patch(f"/v1/providers/{provider_x.id}", json={"display_name": "X"}, headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert (await session.get(Provider, provider_x.id)).display_name == "Il Melograno"


async def test_anonymous_patching_a_provider_gets_401(client, session, provider_x):
    session.expunge_all()

    response = await client.patch(f"/v1/providers/{provider_x.id}", json={"display_name": "X"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert (await session.get(Provider, provider_x.id)).display_name == "Il Melograno"


async def test_patch_with_a_stale_if_match_returns_412_and_changes_nothing(client, session, provider_x, as_staff_x):
    await client.patch(f"/v1/providers/{provider_x.id}", json={"display_name": "Primo"}, headers=as_staff_x)
    session.expunge_all()

    response = await client.patch(
        f"/v1/providers/{provider_x.id}", json={"display_name": "Secondo"}, headers={**as_staff_x, "If-Match": '"1"'}
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    stored = await session.get(Provider, provider_x.id)
    assert (stored.display_name, stored.version) == ("Primo", 2)


# --- staff -----------------------------------------------------------------------------------------


async def test_staff_list_shows_each_member_with_their_role(client, session, provider_x, staff_x, as_staff_x):
    operator = await make_provider_staff_user(session, email="op@example.org", full_name="Olga Operator")
    await add_provider_staff(session, provider_x, operator, role=StaffRole.operator)
    session.expunge_all()

    response = await client.get(f"/v1/providers/{provider_x.id}/staff", headers=as_staff_x)

    assert response.status_code == 200
    assert [(m["email"], m["role"]) for m in response.json()["items"]] == [
        ("staff.x@example.org", "admin"),
        ("op@example.org", "operator"),
    ]


async def test_operator_may_list_the_staff(client, session, provider_x):
    operator = await make_provider_staff_user(session)
    await add_provider_staff(session, provider_x, operator, role=StaffRole.operator)
    session.expunge_all()

    response = await client.get(f"/v1/providers/{provider_x.id}/staff", headers=auth_headers(operator))

    assert response.status_code == 200
    assert len(response.json()["items"]) == 2


async def test_outsider_listing_an_accredited_providers_staff_gets_403(client, provider_x, as_citizen_a):
    response = await client.get(f"/v1/providers/{provider_x.id}/staff", headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "staff.x@example.org" not in response.text


async def test_another_providers_staff_listing_a_drafts_staff_gets_404(client, session, staff_x, as_staff_y):
    draft = await make_provider(session, state=AccreditationState.draft, staff=staff_x)

    response = await client.get(f"/v1/providers/{draft.id}/staff", headers=as_staff_y)

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


async def test_provider_admin_adds_a_provider_staff_account_as_operator(
    client, session, provider_x, staff_x, as_staff_x
):
    newcomer = await make_provider_staff_user(session, email="new@example.org", full_name="Nina New")
    session.expunge_all()

    response = await client.post(
        f"/v1/providers/{provider_x.id}/staff", json={"email": "New@Example.org"}, headers=as_staff_x
    )

    assert response.status_code == 201
    assert (response.json()["user_id"], response.json()["role"]) == (str(newcomer.id), "operator")
    membership = await session.get(ProviderStaff, (provider_x.id, newcomer.id))
    assert membership.role == StaffRole.operator
    audit = await session.scalar(
        select(AuditEntry).where(AuditEntry.target_id == provider_x.id, AuditEntry.action == "provider.staff_added")
    )
    assert audit.actor_id == staff_x.id
    assert audit.detail == {"user_id": str(newcomer.id), "role": "operator"}


async def test_provider_admin_adds_another_admin(client, session, provider_x, as_staff_x):
    newcomer = await make_provider_staff_user(session)
    session.expunge_all()

    response = await client.post(
        f"/v1/providers/{provider_x.id}/staff", json={"email": newcomer.email, "role": "admin"}, headers=as_staff_x
    )

    assert response.status_code == 201
    assert (await session.get(ProviderStaff, (provider_x.id, newcomer.id))).role == StaffRole.admin


async def test_adding_an_unregistered_email_returns_422(client, session, provider_x, as_staff_x):
    response = await client.post(
        f"/v1/providers/{provider_x.id}/staff", json={"email": "nobody@example.org"}, headers=as_staff_x
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/email"]
    count = await session.scalar(select(func.count()).where(ProviderStaff.provider_id == provider_x.id))
    assert count == 1


@pytest.mark.parametrize("role", [Role.citizen, Role.worker, Role.hub_operator, Role.admin])
async def test_adding_an_account_that_is_not_provider_staff_returns_422(client, session, provider_x, as_staff_x, role):
    other = await make_user(session, role=role)
    session.expunge_all()

    response = await client.post(
        f"/v1/providers/{provider_x.id}/staff", json={"email": other.email}, headers=as_staff_x
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert await session.get(ProviderStaff, (provider_x.id, other.id)) is None


async def test_adding_someone_already_on_the_staff_returns_409(client, session, provider_x, staff_x, as_staff_x):
    session.expunge_all()

    response = await client.post(
        f"/v1/providers/{provider_x.id}/staff", json={"email": staff_x.email, "role": "operator"}, headers=as_staff_x
    )

    assert response.status_code == 409
    assert response.json()["code"] == "already_staff"
    assert (await session.get(ProviderStaff, (provider_x.id, staff_x.id))).role == StaffRole.admin


async def test_operator_adding_staff_returns_403(client, session, provider_x):
    operator = await make_provider_staff_user(session)
    await add_provider_staff(session, provider_x, operator, role=StaffRole.operator)
    newcomer = await make_provider_staff_user(session)
    session.expunge_all()

    response = await client.post(
        f"/v1/providers/{provider_x.id}/staff",
        json={"email": newcomer.email, "role": "admin"},
        headers=auth_headers(operator),
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await session.get(ProviderStaff, (provider_x.id, newcomer.id)) is None


async def test_adding_staff_to_an_individual_workers_profile_returns_403(client, session, worker, as_worker):
    provider = await make_provider(session, kind=ProviderKind.individual, staff=worker)
    newcomer = await make_provider_staff_user(session)
    session.expunge_all()

    response = await client.post(
        f"/v1/providers/{provider.id}/staff", json={"email": newcomer.email}, headers=as_worker
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await session.get(ProviderStaff, (provider.id, newcomer.id)) is None


async def test_provider_admin_removes_an_operator(client, session, provider_x, staff_x, as_staff_x):
    operator = await make_provider_staff_user(session)
    await add_provider_staff(session, provider_x, operator, role=StaffRole.operator)
    session.expunge_all()

    response = await client.delete(f"/v1/providers/{provider_x.id}/staff/{operator.id}", headers=as_staff_x)

    assert response.status_code == 204
    assert await session.get(ProviderStaff, (provider_x.id, operator.id)) is None
    audit = await session.scalar(
        select(AuditEntry).where(AuditEntry.target_id == provider_x.id, AuditEntry.action == "provider.staff_removed")
    )
    assert audit.actor_id == staff_x.id
    assert audit.detail == {"user_id": str(operator.id)}


async def test_removed_operator_no_longer_sees_the_private_view(client, session, provider_x, as_staff_x):
    operator = await make_provider_staff_user(session)
    await add_provider_staff(session, provider_x, operator, role=StaffRole.operator)
    await client.delete(f"/v1/providers/{provider_x.id}/staff/{operator.id}", headers=as_staff_x)

    response = await client.get(f"/v1/providers/{provider_x.id}", headers=auth_headers(operator))

    assert response.json()["private"] is None


async def test_removing_the_last_admin_returns_409(client, session, provider_x, staff_x, as_staff_x):
    session.expunge_all()

    response = await client.delete(f"/v1/providers/{provider_x.id}/staff/{staff_x.id}", headers=as_staff_x)

    assert response.status_code == 409
    assert response.json()["code"] == "last_provider_admin"
    assert (await session.get(ProviderStaff, (provider_x.id, staff_x.id))).role == StaffRole.admin


async def test_an_admin_may_be_removed_while_another_admin_remains(client, session, provider_x, staff_x):
    second = await make_provider_staff_user(session)
    await add_provider_staff(session, provider_x, second, role=StaffRole.admin)
    session.expunge_all()

    response = await client.delete(f"/v1/providers/{provider_x.id}/staff/{staff_x.id}", headers=auth_headers(second))

    assert response.status_code == 204
    assert await session.get(ProviderStaff, (provider_x.id, staff_x.id)) is None


async def test_removing_someone_not_on_the_staff_returns_404(client, session, provider_x, as_staff_x, citizen_a):
    response = await client.delete(f"/v1/providers/{provider_x.id}/staff/{citizen_a.id}", headers=as_staff_x)

    assert response.status_code == 404
    assert response.json()["code"] == "staff_not_found"


async def test_operator_removing_staff_returns_403(client, session, provider_x, staff_x):
    operator = await make_provider_staff_user(session)
    await add_provider_staff(session, provider_x, operator, role=StaffRole.operator)
    session.expunge_all()

    response = await client.delete(f"/v1/providers/{provider_x.id}/staff/{staff_x.id}", headers=auth_headers(operator))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await session.get(ProviderStaff, (provider_x.id, staff_x.id)) is not None


async def test_another_providers_admin_removing_staff_returns_403(client, session, provider_x, staff_x, as_staff_y):
    second = await make_provider_staff_user(session)
    await add_provider_staff(session, provider_x, second, role=StaffRole.admin)
    session.expunge_all()

    response = await client.delete(f"/v1/providers/{provider_x.id}/staff/{second.id}", headers=as_staff_y)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await session.get(ProviderStaff, (provider_x.id, second.id)) is not None


# --- listing and searching -------------------------------------------------------------------------


async def providers_in_every_state(session, staff=None) -> dict[AccreditationState, Provider]:
    return {state: await make_provider(session, state=state, staff=staff) for state in AccreditationState}


async def test_anonymous_list_shows_only_accredited_providers(client, session):
    by_state = await providers_in_every_state(session)

    response = await client.get("/v1/providers")

    assert response.status_code == 200
    assert [p["id"] for p in response.json()["items"]] == [str(by_state[AccreditationState.accredited].id)]
    assert all(p["private"] is None for p in response.json()["items"])


async def test_staff_list_without_mine_shows_only_accredited_providers(client, session, staff_x, as_staff_x):
    by_state = await providers_in_every_state(session, staff=staff_x)

    response = await client.get("/v1/providers", headers=as_staff_x)

    assert [p["id"] for p in response.json()["items"]] == [str(by_state[AccreditationState.accredited].id)]


async def test_mine_lists_the_callers_own_providers_in_every_state(client, session, staff_x, as_staff_x, provider_y):
    by_state = await providers_in_every_state(session, staff=staff_x)

    response = await client.get("/v1/providers", params={"mine": "true", "limit": 100}, headers=as_staff_x)

    assert response.status_code == 200
    assert {p["id"] for p in response.json()["items"]} == {str(p.id) for p in by_state.values()}
    assert all(p["private"]["staff_role"] == "admin" for p in response.json()["items"])


async def test_mine_with_a_state_lists_own_providers_in_that_state(client, session, staff_x, as_staff_x, provider_y):
    by_state = await providers_in_every_state(session, staff=staff_x)
    await make_provider(session, state=AccreditationState.draft)

    response = await client.get(
        "/v1/providers", params={"mine": "true", "accreditation_state": "draft"}, headers=as_staff_x
    )

    assert [p["id"] for p in response.json()["items"]] == [str(by_state[AccreditationState.draft].id)]


async def test_mine_without_signing_in_returns_422(client):
    response = await client.get("/v1/providers", params={"mine": "true"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/mine"]


async def test_municipal_admin_filters_providers_by_accreditation_state(client, session, as_admin):
    by_state = await providers_in_every_state(session)

    response = await client.get("/v1/providers", params={"accreditation_state": "submitted"}, headers=as_admin)

    assert [p["id"] for p in response.json()["items"]] == [str(by_state[AccreditationState.submitted].id)]


async def test_anonymous_filtering_by_an_unpublic_state_gets_nothing(client, session):
    await providers_in_every_state(session)

    response = await client.get("/v1/providers", params={"accreditation_state": "draft"})

    assert response.status_code == 200
    assert response.json()["items"] == []


async def test_list_filters_by_provider_kind(client, session):
    association = await make_provider(session, kind=ProviderKind.association)
    await make_provider(session, kind=ProviderKind.cooperative)
    await make_provider(session, kind=ProviderKind.individual)

    response = await client.get("/v1/providers", params={"provider_kind": "association"})

    assert [p["id"] for p in response.json()["items"]] == [str(association.id)]


async def test_list_filters_by_language(client, session):
    spanish = await make_provider(session, languages=["it", "es"])
    await make_provider(session, languages=["it", "en"])

    response = await client.get("/v1/providers", params={"language": "es"})

    assert [p["id"] for p in response.json()["items"]] == [str(spanish.id)]


async def test_list_q_searches_italian_text_of_name_and_description_with_stemming(client, session):
    after_school = await make_provider(session, description="Doposcuola per bambini e ragazzi del Municipio 4")
    named = await make_provider(session, display_name="Il Bambino Felice")
    await make_provider(session, description="Assistenza domiciliare agli anziani")

    response = await client.get("/v1/providers", params={"q": "bambino"})  # stems like "bambini"

    assert response.status_code == 200
    assert {p["id"] for p in response.json()["items"]} == {str(after_school.id), str(named.id)}


async def test_list_q_does_not_find_unaccredited_providers(client, session):
    await make_provider(session, state=AccreditationState.submitted, description="Assistenza agli anziani")

    response = await client.get("/v1/providers", params={"q": "anziani"})

    assert response.json()["items"] == []


async def test_list_near_with_radius_keeps_providers_within_it(client, session):
    duomo = await make_provider(session, lat=45.4642, lon=9.1900)
    centrale = await make_provider(session, lat=45.4860, lon=9.2040)  # ~2.7 km from the Duomo
    await make_provider(session, lat=45.4781, lon=9.1240)  # San Siro, ~5.3 km
    await make_provider(session)  # no point: never "near" anything

    response = await client.get("/v1/providers", params={"near": "45.4642,9.19", "radius_km": 3})

    assert response.status_code == 200
    assert {p["id"] for p in response.json()["items"]} == {str(duomo.id), str(centrale.id)}


async def test_list_near_without_radius_uses_five_km(client, session):
    duomo = await make_provider(session, lat=45.4642, lon=9.1900)
    await make_provider(session, lat=45.4781, lon=9.1240)  # San Siro, ~5.3 km

    response = await client.get("/v1/providers", params={"near": "45.4642,9.19"})

    assert [p["id"] for p in response.json()["items"]] == [str(duomo.id)]


async def test_list_sorts_by_name_by_default(client, session):
    await make_provider(session, display_name="Zeta")
    await make_provider(session, display_name="Alfa")
    await make_provider(session, display_name="Mu")

    response = await client.get("/v1/providers")

    assert [p["display_name"] for p in response.json()["items"]] == ["Alfa", "Mu", "Zeta"]


async def test_list_sorts_by_newest_first(client, session):
    now = datetime.now(UTC)
    old = await make_provider(session, created_at=now - timedelta(days=3))
    new = await make_provider(session, created_at=now - timedelta(hours=1))
    middle = await make_provider(session, created_at=now - timedelta(days=1))

    response = await client.get("/v1/providers", params={"sort": "newest"})

    assert [p["id"] for p in response.json()["items"]] == [str(new.id), str(middle.id), str(old.id)]


async def test_list_sorts_by_rating_best_first_unrated_last(client, session):
    unrated = await make_provider(session)
    good = await make_provider(session, rating_average=4.2, rating_count=10)
    best = await make_provider(session, rating_average=4.9, rating_count=30)

    response = await client.get("/v1/providers", params={"sort": "rating"})

    assert [p["id"] for p in response.json()["items"]] == [str(best.id), str(good.id), str(unrated.id)]


async def test_list_sorts_by_distance_from_near(client, session):
    san_siro = await make_provider(session, lat=45.4781, lon=9.1240)
    duomo = await make_provider(session, lat=45.4642, lon=9.1900)
    centrale = await make_provider(session, lat=45.4860, lon=9.2040)

    response = await client.get("/v1/providers", params={"near": "45.4642,9.19", "radius_km": 10, "sort": "distance"})

    assert [p["id"] for p in response.json()["items"]] == [str(duomo.id), str(centrale.id), str(san_siro.id)]


async def test_sorting_by_distance_without_near_returns_422(client):
    response = await client.get("/v1/providers", params={"sort": "distance"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/sort"]


async def test_sorting_by_relevance_without_q_returns_422(client):
    response = await client.get("/v1/providers", params={"sort": "relevance"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/sort"]


@pytest.mark.parametrize("sort", ["name", "newest", "rating"])
async def test_cursor_pagination_walks_every_provider_once(client, session, sort):
    created = [await make_provider(session, display_name="Same name", rating_average=4.0) for _ in range(7)]

    items = await all_pages(client, sort=sort, limit=3)

    assert len(items) == 7
    assert {p["id"] for p in items} == {str(p.id) for p in created}


async def test_tampered_cursor_returns_400(client, session):
    for _ in range(3):
        await make_provider(session)
    first = await client.get("/v1/providers", params={"limit": 2})

    cursor = first.json()["next_cursor"]
    tampered = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")  # same shape, wrong signature

    response = await client.get("/v1/providers", params={"limit": 2, "cursor": tampered})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
