"""POST /v1/auth/token (password grant) and access-token validation on GET /v1/me."""

import base64
import json
import uuid

import pytest

from app.config import get_settings
from tests.factories import (
    DEFAULT_PASSWORD,
    TOKEN_URL,
    access_claims,
    bearer,
    make_partner_client,
    make_user,
    partner_headers,
    sign_claims,
)

WRONG_KEY = "not-the-server-key-but-32-bytes-long-0123456789"


def b64url(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def without(claims: dict, name: str) -> dict:
    return {k: v for k, v in claims.items() if k != name}


def other_hmac_algorithm() -> str:
    return "HS512" if get_settings().auth.algorithm != "HS512" else "HS256"


def tampered(claims: dict) -> str:
    """A genuine token whose payload was then edited (exp pushed a day on), keeping the old signature."""
    header, _, signature = sign_claims(claims).split(".")
    return ".".join([header, b64url({**claims, "exp": claims["exp"] + 86400}), signature])


# Each builder turns the claims of a *valid* token (for an existing, active user) into a bad one.
BAD_TOKENS = {
    "alg_none": lambda c: f"{b64url({'alg': 'none', 'typ': 'JWT'})}.{b64url(c)}.",
    "alg_none_signed_header_kept": lambda c: (
        f"{b64url({'alg': 'none', 'typ': 'JWT'})}.{b64url(c)}." + sign_claims(c).split(".")[2]
    ),
    "hs256_wrong_key": lambda c: sign_claims(c, key=WRONG_KEY),
    "expired": lambda c: sign_claims({**c, "iat": c["iat"] - 3600, "exp": c["iat"] - 60}),
    "expired_one_second_ago": lambda c: sign_claims({**c, "exp": c["iat"] - 1}),
    "missing_exp": lambda c: sign_claims(without(c, "exp")),
    "missing_iat": lambda c: sign_claims(without(c, "iat")),
    "missing_sub": lambda c: sign_claims(without(c, "sub")),
    "missing_aud": lambda c: sign_claims(without(c, "aud")),
    "wrong_aud": lambda c: sign_claims({**c, "aud": "partner-api"}),
    "wrong_iss": lambda c: sign_claims({**c, "iss": "https://evil.example"}),
    "missing_iss": lambda c: sign_claims(without(c, "iss")),
    "crit_header": lambda c: sign_claims(c, headers={"crit": ["x-custom"], "x-custom": 1}),
    "other_hmac_algorithm": lambda c: sign_claims(c, algorithm=other_hmac_algorithm()),
    "tampered_payload": tampered,
    "signature_stripped": lambda c: sign_claims(c).rsplit(".", 1)[0] + ".",
    "sub_not_a_uuid": lambda c: sign_claims({**c, "sub": "admin"}),
    "missing_kind": lambda c: sign_claims(without(c, "kind")),
    "unknown_kind": lambda c: sign_claims({**c, "kind": "service"}),
    "user_id_as_partner": lambda c: sign_claims({**c, "kind": "partner"}),
    "sub_of_nonexistent_user": lambda c: sign_claims({**c, "sub": str(uuid.uuid4())}),
}

BAD_AUTHORIZATION = {
    "garbage_token": "Bearer not-a-jwt",
    "garbage_three_segments": "Bearer aaa.bbb.ccc",
    "empty_bearer": "Bearer",
    "bearer_with_blank_token": "Bearer    ",
    "basic_scheme": "Basic " + base64.b64encode(b"citizen.a@example.org:" + DEFAULT_PASSWORD.encode()).decode(),
}


def password_form(username: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


def without_request_specifics(problem: dict) -> dict:
    return {k: v for k, v in problem.items() if k not in ("request_id", "instance")}


@pytest.fixture
async def long_standing_user(session):
    """An active user (hand-made tokens for them carry the current epoch, 0)."""
    return await make_user(session)


# --- password grant --------------------------------------------------------------------------------


async def test_password_grant_returns_access_and_refresh_tokens(client, citizen_a):
    response = await client.post(TOKEN_URL, data=password_form("citizen.a@example.org", DEFAULT_PASSWORD))

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == get_settings().auth.access_token_minutes * 60
    assert body["refresh_token"].startswith("rt_")
    assert body["access_token"].count(".") == 2


async def test_token_response_must_not_be_cached(client, citizen_a):
    response = await client.post(TOKEN_URL, data=password_form("citizen.a@example.org", DEFAULT_PASSWORD))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


async def test_access_token_from_password_grant_authenticates_the_user(client, citizen_a):
    tokens = (await client.post(TOKEN_URL, data=password_form("citizen.a@example.org", DEFAULT_PASSWORD))).json()

    response = await client.get("/v1/me", headers=bearer(tokens["access_token"]))

    assert response.status_code == 200
    assert response.json()["id"] == str(citizen_a.id)


async def test_password_grant_is_the_default_grant_type(client, citizen_a):
    response = await client.post(TOKEN_URL, data={"username": "citizen.a@example.org", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert response.json()["refresh_token"]


async def test_password_grant_accepts_the_email_in_any_case(client, citizen_a):
    response = await client.post(TOKEN_URL, data=password_form("  Citizen.A@EXAMPLE.org ", DEFAULT_PASSWORD))

    assert response.status_code == 200


async def test_password_grant_with_wrong_password_returns_400_invalid_grant(client, citizen_a):
    response = await client.post(TOKEN_URL, data=password_form("citizen.a@example.org", "wrong-password-123"))

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_grant"
    assert "access_token" not in response.json()


async def test_wrong_password_and_unknown_email_give_the_same_answer(client, citizen_a):
    wrong_password = await client.post(TOKEN_URL, data=password_form("citizen.a@example.org", "wrong-password-123"))
    unknown_email = await client.post(TOKEN_URL, data=password_form("nobody@example.org", "wrong-password-123"))

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert without_request_specifics(wrong_password.json()) == without_request_specifics(unknown_email.json())
    assert wrong_password.headers["content-type"] == unknown_email.headers["content-type"]


async def test_inactive_user_with_correct_password_is_refused_like_a_wrong_password(client, session):
    await make_user(session, email="gone@example.org", is_active=False)
    await make_user(session, email="active@example.org")
    wrong_password = await client.post(TOKEN_URL, data=password_form("active@example.org", "wrong-password-123"))

    inactive = await client.post(TOKEN_URL, data=password_form("gone@example.org", DEFAULT_PASSWORD))

    assert inactive.status_code == 400
    assert inactive.json()["code"] == "invalid_grant"
    assert without_request_specifics(inactive.json()) == without_request_specifics(wrong_password.json())


@pytest.mark.parametrize("missing", ["username", "password"])
async def test_password_grant_without_credentials_returns_400_invalid_grant(client, citizen_a, missing):
    form = password_form("citizen.a@example.org", DEFAULT_PASSWORD)
    del form[missing]

    response = await client.post(TOKEN_URL, data=form)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


async def test_password_grant_sent_as_json_instead_of_a_form_is_refused(client, citizen_a):
    response = await client.post(TOKEN_URL, json=password_form("citizen.a@example.org", DEFAULT_PASSWORD))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_grant"


# --- access-token attacks on GET /v1/me -----------------------------------------------------------


async def test_hand_made_valid_token_is_accepted(client, long_standing_user):
    """Control for the matrix below: the unmodified claims do authenticate."""
    token = sign_claims(access_claims(long_standing_user.id))

    response = await client.get("/v1/me", headers=bearer(token))

    assert response.status_code == 200


@pytest.mark.parametrize("attack", BAD_TOKENS)
async def test_bad_access_token_returns_401_with_bearer_challenge(client, long_standing_user, attack):
    token = BAD_TOKENS[attack](access_claims(long_standing_user.id))

    response = await client.get("/v1/me", headers=bearer(token))

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"
    assert long_standing_user.email not in response.text


@pytest.mark.parametrize("name", BAD_AUTHORIZATION)
async def test_malformed_authorization_header_returns_401_with_bearer_challenge(client, citizen_a, name):
    response = await client.get("/v1/me", headers={"Authorization": BAD_AUTHORIZATION[name]})

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


async def test_partner_token_on_person_only_route_returns_403(client, session):
    partner = await make_partner_client(session)

    response = await client.get("/v1/me", headers=partner_headers(partner))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
