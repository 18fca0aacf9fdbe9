"""Partner clients: admin management and the OAuth2 client-credentials grant."""

import base64
import uuid

import pytest
from sqlalchemy import func, select

from app.config import get_settings
from app.idempotency import REDACTED
from app.models import PartnerClient, Role
from app.tokens import decode_access_token
from tests.factories import TOKEN_URL, auth_headers, bearer, make_partner_client, make_user, partner_headers

SECRET = "pcs_test-secret"
READ_FIELDS = {"id", "name", "client_id", "scopes", "provider_id", "is_active", "created_at", "revoked_at", "version"}


def credentials_form(client_id: str, client_secret: str = SECRET, **extra: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret, **extra}


async def create_client(client, headers, **body):
    return await client.post(
        "/v1/partner-clients",
        json={"name": "Cooperativa Il Girasole", "scopes": ["listings:write"], **body},
        headers=headers,
    )


async def count_clients(session, name: str) -> int:
    return await session.scalar(select(func.count()).select_from(PartnerClient).where(PartnerClient.name == name))


# --- admin management ------------------------------------------------------------------------------


async def test_admin_creates_partner_client_with_its_secret_shown_once(client, admin, as_admin):
    response = await create_client(client, as_admin, scopes=["listings:write", "events:read"])

    assert response.status_code == 201
    body = response.json()
    assert set(body) == READ_FIELDS | {"client_secret"}
    assert body["name"] == "Cooperativa Il Girasole"
    assert body["client_id"].startswith("pc_")
    assert body["client_secret"].startswith("pcs_")
    assert body["scopes"] == ["events:read", "listings:write"]
    assert body["is_active"] is True
    assert body["revoked_at"] is None


async def test_partner_client_secret_is_stored_only_as_a_hash(client, session, admin, as_admin):
    body = (await create_client(client, as_admin)).json()

    stored = await session.scalar(select(PartnerClient.secret_hash).where(PartnerClient.id == uuid.UUID(body["id"])))

    assert stored != body["client_secret"]
    assert body["client_secret"] not in stored


async def test_getting_a_partner_client_never_returns_its_secret(client, admin, as_admin):
    created = (await create_client(client, as_admin)).json()

    response = await client.get(f"/v1/partner-clients/{created['id']}", headers=as_admin)

    assert response.status_code == 200
    assert set(response.json()) == READ_FIELDS
    assert created["client_secret"] not in response.text


async def test_listing_partner_clients_never_returns_secrets(client, admin, as_admin):
    created = (await create_client(client, as_admin)).json()

    response = await client.get("/v1/partner-clients", headers=as_admin)

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [created["id"]]
    assert all(set(item) == READ_FIELDS for item in response.json()["items"])
    assert created["client_secret"] not in response.text


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "scopes": []},
        {"name": "X", "scopes": ["admin"]},
        {"name": "", "scopes": ["listings:write"]},
        {"name": "X", "scopes": ["listings:write"], "client_id": "pc_mine"},
        {"name": "X", "scopes": ["listings:write"], "secret_hash": "00"},
    ],
)
async def test_creating_partner_client_with_invalid_body_returns_422(client, session, admin, as_admin, body):
    response = await client.post("/v1/partner-clients", json=body, headers=as_admin)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert await session.scalar(select(func.count()).select_from(PartnerClient)) == 0


async def test_citizen_creating_partner_client_returns_403_and_creates_nothing(
    client, session, citizen_a, as_citizen_a
):
    response = await create_client(client, as_citizen_a)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await count_clients(session, "Cooperativa Il Girasole") == 0


@pytest.mark.parametrize("role", [Role.citizen, Role.worker, Role.provider_staff, Role.hub_operator])
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/partner-clients"), ("GET", "/v1/partner-clients/{id}"), ("POST", "/v1/partner-clients/{id}/revoke")],
)
async def test_non_admin_on_partner_client_routes_returns_403(client, session, role, method, path):
    partner = await make_partner_client(session)
    caller = await make_user(session, role=role)

    response = await client.request(method, path.format(id=partner.id), headers=auth_headers(caller))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    await session.refresh(partner)
    assert partner.is_active is True


async def test_partner_cannot_create_partner_clients(client, session):
    partner = await make_partner_client(session)

    response = await create_client(client, partner_headers(partner))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await count_clients(session, "Cooperativa Il Girasole") == 0


async def test_unknown_partner_client_returns_404(client, admin, as_admin):
    response = await client.get(f"/v1/partner-clients/{uuid.uuid4()}", headers=as_admin)

    assert response.status_code == 404
    assert response.json()["code"] == "partner_client_not_found"


async def test_idempotency_key_replay_returns_same_client_without_its_secret_and_creates_one(
    client, session, admin, as_admin
):
    headers = {**as_admin, "Idempotency-Key": "3f0c8a52-5d7e-4f61-9f1b-2a9d1c4b7e10"}
    first = await create_client(client, headers)

    replay = await create_client(client, headers)

    assert first.status_code == replay.status_code == 201
    # The secret is never stored, so the replay cannot show it again; everything else is identical.
    assert replay.json()["client_secret"] == REDACTED
    assert {**replay.json(), "client_secret": None} == {**first.json(), "client_secret": None}
    assert first.json()["client_secret"] not in replay.text
    assert replay.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count_clients(session, "Cooperativa Il Girasole") == 1


async def test_different_idempotency_keys_create_two_clients(client, session, admin, as_admin):
    await create_client(client, {**as_admin, "Idempotency-Key": "key-one"})

    second = await create_client(client, {**as_admin, "Idempotency-Key": "key-two"})

    assert second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert await count_clients(session, "Cooperativa Il Girasole") == 2


async def test_revoking_a_partner_client_marks_it_inactive(client, session, admin, as_admin):
    partner = await make_partner_client(session)

    response = await client.post(f"/v1/partner-clients/{partner.id}/revoke", headers=as_admin)

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["revoked_at"] is not None


# --- client-credentials grant ----------------------------------------------------------------------


async def test_client_credentials_grant_with_form_fields_returns_scoped_bearer_token(client, session):
    partner = await make_partner_client(session, scopes=("events:read", "listings:write"))

    response = await client.post(TOKEN_URL, data=credentials_form(partner.client_id))

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["scope"] == "events:read listings:write"
    assert body["expires_in"] == get_settings().auth.access_token_minutes * 60
    assert body.get("refresh_token") is None
    claims = decode_access_token(get_settings().auth, body["access_token"])
    assert claims.kind == "partner"
    assert claims.subject == partner.id
    assert claims.scopes == ("events:read", "listings:write")


async def test_client_credentials_grant_with_http_basic_auth_returns_token(client, session):
    partner = await make_partner_client(session)

    response = await client.post(TOKEN_URL, data={"grant_type": "client_credentials"}, auth=(partner.client_id, SECRET))

    assert response.status_code == 200
    assert response.json()["scope"] == "listings:write"


async def test_client_created_over_http_can_use_its_secret(client, admin, as_admin):
    created = (await create_client(client, as_admin)).json()

    response = await client.post(TOKEN_URL, data=credentials_form(created["client_id"], created["client_secret"]))

    assert response.status_code == 200


async def test_partner_token_from_grant_gets_past_authentication(client, session):
    partner = await make_partner_client(session)
    token = (await client.post(TOKEN_URL, data=credentials_form(partner.client_id))).json()["access_token"]

    response = await client.get("/v1/me", headers=bearer(token))

    assert response.status_code == 403  # authenticated, but /v1/me is for people
    assert response.json()["code"] == "forbidden"


OWN = "<the client's own id>"
BAD_CREDENTIALS = {
    "wrong_secret": (OWN, "pcs_wrong"),
    "empty_secret": (OWN, ""),
    "no_secret": (OWN, None),
    "unknown_client": ("pc_unknown", SECRET),
    "no_client_id": (None, SECRET),
}


@pytest.mark.parametrize("case", BAD_CREDENTIALS)
async def test_bad_client_credentials_in_form_return_401_invalid_client(client, session, case):
    partner = await make_partner_client(session)
    client_id, secret = BAD_CREDENTIALS[case]
    form = {"grant_type": "client_credentials", "client_id": partner.client_id if client_id == OWN else client_id}
    form = {k: v for k, v in {**form, "client_secret": secret}.items() if v is not None}

    response = await client.post(TOKEN_URL, data=form)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize("case", ["wrong_secret", "empty_secret", "unknown_client"])
async def test_bad_client_credentials_in_basic_auth_return_401_invalid_client(client, session, case):
    partner = await make_partner_client(session)
    client_id, secret = BAD_CREDENTIALS[case]

    response = await client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        auth=(partner.client_id if client_id == OWN else client_id, secret),
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_client"


async def test_wrong_basic_auth_is_not_rescued_by_correct_form_credentials(client, session):
    partner = await make_partner_client(session)

    response = await client.post(
        TOKEN_URL, data=credentials_form(partner.client_id), auth=(partner.client_id, "pcs_wrong")
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_client"


async def test_wrong_secret_and_unknown_client_give_the_same_answer(client, session):
    partner = await make_partner_client(session)

    wrong_secret = await client.post(TOKEN_URL, data=credentials_form(partner.client_id, "pcs_wrong"))
    unknown = await client.post(TOKEN_URL, data=credentials_form("pc_unknown", "pcs_wrong"))

    strip = lambda problem: {k: v for k, v in problem.items() if k != "request_id"}  # noqa: E731
    assert strip(wrong_secret.json()) == strip(unknown.json())


async def test_malformed_basic_auth_header_returns_401_invalid_client(client, session):
    await make_partner_client(session)

    response = await client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(b"\xff\xfe").decode()},
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_client"


async def test_requesting_a_scope_the_client_lacks_returns_400_invalid_scope(client, session):
    partner = await make_partner_client(session, scopes=("listings:write",))

    response = await client.post(
        TOKEN_URL, data=credentials_form(partner.client_id, scope="listings:write events:read")
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_scope"
    assert "access_token" not in response.json()


async def test_requesting_fewer_scopes_narrows_the_token(client, session):
    partner = await make_partner_client(session, scopes=("events:read", "listings:write"))

    response = await client.post(TOKEN_URL, data=credentials_form(partner.client_id, scope="events:read"))

    assert response.status_code == 200
    assert response.json()["scope"] == "events:read"
    assert decode_access_token(get_settings().auth, response.json()["access_token"]).scopes == ("events:read",)


async def test_revoked_client_cannot_obtain_a_token(client, session, admin, as_admin):
    partner = await make_partner_client(session)

    await client.post(f"/v1/partner-clients/{partner.id}/revoke", headers=as_admin)

    response = await client.post(TOKEN_URL, data=credentials_form(partner.client_id))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_client"


async def test_revoking_a_client_invalidates_its_existing_tokens(client, session, admin, as_admin):
    partner = await make_partner_client(session)
    token = (await client.post(TOKEN_URL, data=credentials_form(partner.client_id))).json()["access_token"]

    await client.post(f"/v1/partner-clients/{partner.id}/revoke", headers=as_admin)

    # A valid partner token gets 403 on /v1/me (past authentication); a revoked one no longer authenticates.
    response = await client.get("/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"
