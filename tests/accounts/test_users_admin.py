"""/v1/users: admins list, read and change users; nobody else may."""

import uuid

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Role
from tests.factories import auth_headers, bearer, make_partner_client, make_user, partner_headers, refresh, sign_in


async def all_pages(client, headers, **params) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/v1/users", params=query, headers=headers)
        assert response.status_code == 200
        body = response.json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert pages < 20, "pagination does not end"


# --- listing ---------------------------------------------------------------------------------------


async def test_admin_lists_users_ordered_by_email(client, session, admin, as_admin):
    await make_user(session, email="zeta@example.org")
    await make_user(session, email="beta@example.org")

    response = await client.get("/v1/users", headers=as_admin)

    assert response.status_code == 200
    assert [u["email"] for u in response.json()["items"]] == [
        "admin@example.org",
        "beta@example.org",
        "zeta@example.org",
    ]
    assert response.json()["next_cursor"] is None


async def test_user_list_pages_with_next_cursor_without_gaps_or_repeats(client, session, admin, as_admin):
    for n in range(6):
        await make_user(session, email=f"page{n}@example.org")
    expected = sorted(["admin@example.org"] + [f"page{n}@example.org" for n in range(6)])

    first = await client.get("/v1/users", params={"limit": 3}, headers=as_admin)

    assert len(first.json()["items"]) == 3
    assert first.json()["next_cursor"]
    assert [u["email"] for u in await all_pages(client, as_admin, limit=3)] == expected


async def test_user_list_filters_by_role(client, session, admin, as_admin):
    await make_user(session, email="w1@example.org", role=Role.worker)
    await make_user(session, email="w2@example.org", role=Role.worker)
    await make_user(session, email="c1@example.org", role=Role.citizen)

    response = await client.get("/v1/users", params={"role": "worker"}, headers=as_admin)

    assert response.status_code == 200
    assert [u["email"] for u in response.json()["items"]] == ["w1@example.org", "w2@example.org"]


async def test_user_list_filters_by_email_prefix_case_insensitively(client, admin, as_admin, citizen_a, citizen_b):
    response = await client.get("/v1/users", params={"email_prefix": "CITIZEN."}, headers=as_admin)

    assert response.status_code == 200
    assert [u["email"] for u in response.json()["items"]] == ["citizen.a@example.org", "citizen.b@example.org"]


@pytest.mark.parametrize("prefix", ["%", "_", "citizen_", "%@example.org"])
async def test_email_prefix_treats_like_wildcards_literally(client, admin, as_admin, citizen_a, prefix):
    response = await client.get("/v1/users", params={"email_prefix": prefix}, headers=as_admin)

    assert response.status_code == 200
    assert response.json()["items"] == []


async def test_user_list_with_unknown_role_returns_422(client, admin, as_admin):
    response = await client.get("/v1/users", params={"role": "superuser"}, headers=as_admin)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_user_list_never_exposes_password_hashes(client, admin, as_admin, citizen_a):
    response = await client.get("/v1/users", headers=as_admin)

    assert response.status_code == 200
    assert all("password_hash" not in u for u in response.json()["items"])
    assert "$argon2" not in response.text


# --- reading one -----------------------------------------------------------------------------------


async def test_admin_gets_one_user_with_etag(client, admin, as_admin, citizen_a):
    response = await client.get(f"/v1/users/{citizen_a.id}", headers=as_admin)

    assert response.status_code == 200
    assert response.json()["id"] == str(citizen_a.id)
    assert response.json()["email"] == "citizen.a@example.org"
    assert "password_hash" not in response.json()
    assert response.headers["etag"] == '"1"'


@pytest.mark.parametrize("method", ["GET", "PATCH"])
async def test_unknown_user_id_returns_404_user_not_found(client, admin, as_admin, method):
    response = await client.request(
        method, f"/v1/users/{uuid.uuid4()}", json={"role": "worker"} if method == "PATCH" else None, headers=as_admin
    )

    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"


async def test_malformed_user_id_returns_422(client, admin, as_admin):
    response = await client.get("/v1/users/not-a-uuid", headers=as_admin)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


# --- changing --------------------------------------------------------------------------------------


async def test_admin_changes_a_users_role_with_if_match(client, admin, as_admin, citizen_a):
    response = await client.patch(
        f"/v1/users/{citizen_a.id}", json={"role": "worker"}, headers={**as_admin, "If-Match": '"1"'}
    )

    assert response.status_code == 200
    assert response.json()["role"] == "worker"
    assert response.json()["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert (await client.get(f"/v1/users/{citizen_a.id}", headers=as_admin)).json()["role"] == "worker"


async def test_patch_with_stale_if_match_returns_412_and_changes_nothing(client, admin, as_admin, citizen_a):
    await client.patch(f"/v1/users/{citizen_a.id}", json={"role": "worker"}, headers={**as_admin, "If-Match": '"1"'})

    response = await client.patch(
        f"/v1/users/{citizen_a.id}", json={"role": "hub_operator"}, headers={**as_admin, "If-Match": '"1"'}
    )

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert (await client.get(f"/v1/users/{citizen_a.id}", headers=as_admin)).json()["role"] == "worker"


async def test_admin_deactivates_a_user(client, admin, as_admin, citizen_a):
    response = await client.patch(
        f"/v1/users/{citizen_a.id}", json={"is_active": False}, headers={**as_admin, "If-Match": '"1"'}
    )

    assert response.status_code == 200
    assert response.json()["is_active"] is False


async def test_deactivation_makes_the_users_access_token_fail_with_401(
    client, admin, as_admin, citizen_a, as_citizen_a
):
    await client.patch(f"/v1/users/{citizen_a.id}", json={"is_active": False}, headers=as_admin)

    response = await client.get("/v1/me", headers=as_citizen_a)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_deactivation_revokes_the_users_refresh_tokens(client, admin, as_admin, citizen_a):
    tokens = await sign_in(client, "citizen.a@example.org")

    await client.patch(f"/v1/users/{citizen_a.id}", json={"is_active": False}, headers=as_admin)

    response = await refresh(client, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


async def test_reactivated_user_can_sign_in_again(client, admin, as_admin, citizen_a):
    await client.patch(f"/v1/users/{citizen_a.id}", json={"is_active": False}, headers=as_admin)

    await client.patch(f"/v1/users/{citizen_a.id}", json={"is_active": True}, headers=as_admin)

    tokens = await sign_in(client, "citizen.a@example.org")
    assert (await client.get("/v1/me", headers=bearer(tokens["access_token"]))).status_code == 200


async def test_role_change_writes_an_audit_entry(client, session, admin, as_admin, citizen_a):
    await client.patch(f"/v1/users/{citizen_a.id}", json={"role": "worker"}, headers=as_admin)

    entries = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.target_id == citizen_a.id, AuditEntry.action == "user.updated_by_admin")
        )
    ).all()
    assert len(entries) == 1
    assert entries[0].actor_id == admin.id
    assert entries[0].actor_kind == "user"
    assert entries[0].target_type == "user"
    assert entries[0].detail == {"role": ["citizen", "worker"]}
    assert entries[0].request_id


async def test_deactivation_writes_an_audit_entry(client, session, admin, as_admin, citizen_a):
    await client.patch(f"/v1/users/{citizen_a.id}", json={"is_active": False}, headers=as_admin)

    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.target_id == citizen_a.id, AuditEntry.action == "user.updated_by_admin")
    )
    assert entry.actor_id == admin.id
    assert entry.detail == {"is_active": [True, False]}


async def test_patch_that_changes_nothing_writes_no_audit_entry(client, session, admin, as_admin, citizen_a):
    response = await client.patch(f"/v1/users/{citizen_a.id}", json={"role": "citizen"}, headers=as_admin)

    assert response.status_code == 200
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.target_id == citizen_a.id, AuditEntry.action == "user.updated_by_admin")
    )
    assert entry is None


@pytest.mark.parametrize("change", [{"role": "citizen"}, {"is_active": False}, {"is_active": True}])
async def test_admin_cannot_change_own_role_or_activation(client, session, admin, as_admin, change):
    response = await client.patch(f"/v1/users/{admin.id}", json=change, headers=as_admin)

    assert response.status_code == 409
    assert response.json()["code"] == "own_account_protected"
    await session.refresh(admin)
    assert admin.role == Role.admin
    assert admin.is_active is True


@pytest.mark.parametrize(
    "body", [{"email": "new@example.org"}, {"password_hash": "x"}, {"version": 9}, {"role": "superuser"}]
)
async def test_patch_with_unknown_field_or_value_returns_422_and_changes_nothing(
    client, session, admin, as_admin, citizen_a, body
):
    response = await client.patch(f"/v1/users/{citizen_a.id}", json=body, headers=as_admin)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    await session.refresh(citizen_a)
    assert citizen_a.email == "citizen.a@example.org"
    assert citizen_a.role == Role.citizen
    assert citizen_a.version == 1


# --- who may -----------------------------------------------------------------------------------------

USERS_ROUTES = [
    ("GET", "/v1/users", None),
    ("GET", "/v1/users/{id}", None),
    ("PATCH", "/v1/users/{id}", {"role": "admin"}),
]


@pytest.mark.parametrize("role", [Role.citizen, Role.worker, Role.provider_staff, Role.hub_operator])
@pytest.mark.parametrize(("method", "path", "body"), USERS_ROUTES)
async def test_non_admin_on_users_routes_returns_403(client, session, citizen_b, role, method, path, body):
    caller = await make_user(session, role=role)

    response = await client.request(method, path.format(id=citizen_b.id), json=body, headers=auth_headers(caller))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    await session.refresh(citizen_b)
    assert citizen_b.role == Role.citizen


async def test_citizen_cannot_promote_themselves_to_admin(client, session, citizen_a, as_citizen_a):
    response = await client.patch(f"/v1/users/{citizen_a.id}", json={"role": "admin"}, headers=as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    await session.refresh(citizen_a)
    assert citizen_a.role == Role.citizen


@pytest.mark.parametrize(("method", "path", "body"), USERS_ROUTES)
async def test_partner_on_users_routes_returns_403(client, session, citizen_b, method, path, body):
    partner = await make_partner_client(session)

    response = await client.request(method, path.format(id=citizen_b.id), json=body, headers=partner_headers(partner))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize(("method", "path", "body"), USERS_ROUTES)
async def test_anonymous_on_users_routes_returns_401(client, citizen_b, method, path, body):
    response = await client.request(method, path.format(id=citizen_b.id), json=body)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")
