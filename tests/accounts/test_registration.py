"""POST /v1/auth/register: self-registration of citizens and workers."""

import uuid

import pytest
from sqlalchemy import func, select

from app.config import get_settings
from app.models import AuditEntry, User
from tests.factories import make_user, sign_in

REGISTER_URL = "/v1/auth/register"
USER_FIELDS = {
    "id",
    "email",
    "full_name",
    "phone",
    "role",
    "preferred_language",
    "is_active",
    "created_at",
    "updated_at",
    "version",
    "identity_verified",  # null until the person signs in with SPID/CIE (tests/signin)
}


def registration(**overrides) -> dict:
    return {
        "email": "giulia.rossi@example.org",
        "password": "una-password-lunga",
        "full_name": "Giulia Rossi",
        **overrides,
    }


async def count_users(session, email: str) -> int:
    return await session.scalar(select(func.count()).select_from(User).where(func.lower(User.email) == email.lower()))


async def test_registering_citizen_returns_201_with_the_new_account(client):
    response = await client.post(REGISTER_URL, json=registration(phone="+39 02 1234567"))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == USER_FIELDS
    assert body["email"] == "giulia.rossi@example.org"
    assert body["full_name"] == "Giulia Rossi"
    assert body["phone"] == "+39 02 1234567"
    assert body["role"] == "citizen"
    assert body["preferred_language"] == "it"
    assert body["is_active"] is True
    assert body["version"] == 1
    assert body["identity_verified"] is None


async def test_registering_worker_returns_201_with_worker_role(client):
    response = await client.post(REGISTER_URL, json=registration(role="worker", preferred_language="en"))

    assert response.status_code == 201
    assert response.json()["role"] == "worker"
    assert response.json()["preferred_language"] == "en"


async def test_registration_response_never_contains_the_password(client):
    response = await client.post(REGISTER_URL, json=registration())

    assert response.status_code == 201
    assert "una-password-lunga" not in response.text
    assert not {"password", "password_hash"} & set(response.json())


async def test_registration_stores_a_hash_not_the_password(client, session):
    response = await client.post(REGISTER_URL, json=registration())

    assert response.status_code == 201
    stored = await session.scalar(select(User.password_hash).where(User.email == "giulia.rossi@example.org"))
    assert stored.startswith("$argon2id$")
    assert "una-password-lunga" not in stored


async def test_registration_lowercases_the_email(client):
    response = await client.post(REGISTER_URL, json=registration(email="Giulia.ROSSI@Example.ORG"))

    assert response.status_code == 201
    assert response.json()["email"] == "giulia.rossi@example.org"


async def test_registered_account_can_sign_in_with_its_password(client):
    await client.post(REGISTER_URL, json=registration(email="Giulia.Rossi@example.org"))

    tokens = await sign_in(client, "giulia.rossi@example.org", "una-password-lunga")

    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "giulia.rossi@example.org"


async def test_registration_writes_an_audit_entry(client, session):
    response = await client.post(REGISTER_URL, json=registration(role="worker"))

    user_id = response.json()["id"]
    # By target: race tests commit (tests/signin/test_races.py), and audit_entry is append-only, so
    # other people's user.registered entries may already be in the worker's database.
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.registered", AuditEntry.target_id == uuid.UUID(user_id))
    )
    assert entry is not None
    assert str(entry.actor_id) == user_id
    assert entry.detail == {"role": "worker"}


@pytest.mark.parametrize("email", ["giulia.rossi@example.org", "GIULIA.ROSSI@EXAMPLE.ORG", "Giulia.Rossi@example.org"])
async def test_registering_a_taken_email_in_any_case_returns_409_email_taken(client, session, email):
    await make_user(session, email="giulia.rossi@example.org")

    response = await client.post(REGISTER_URL, json=registration(email=email))

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "email_taken"
    assert await count_users(session, "giulia.rossi@example.org") == 1


@pytest.mark.parametrize("role", ["admin", "provider_staff", "hub_operator", "superuser"])
async def test_registering_with_a_privileged_or_unknown_role_returns_422(client, session, role):
    response = await client.post(REGISTER_URL, json=registration(role=role))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/role"]
    assert await count_users(session, "giulia.rossi@example.org") == 0


@pytest.mark.parametrize(
    "extra",
    [{"is_active": False}, {"version": 7}, {"password_hash": "x"}, {"token_epoch": 7, "x": "2020-01-01T00:00:00Z"}],
)
async def test_registering_with_unknown_fields_returns_422(client, session, extra):
    response = await client.post(REGISTER_URL, json=registration(**extra))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert await count_users(session, "giulia.rossi@example.org") == 0


async def test_registering_with_a_9_character_password_returns_422_without_echoing_it(client, session):
    response = await client.post(REGISTER_URL, json=registration(password="abcdefghi"))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/password"]
    assert "abcdefghi" not in response.text
    assert await count_users(session, "giulia.rossi@example.org") == 0


async def test_registering_with_a_10_character_password_succeeds(client, session):
    response = await client.post(REGISTER_URL, json=registration(password="gatto-blu7"))

    assert response.status_code == 201
    assert await count_users(session, response.json()["email"]) == 1


@pytest.mark.parametrize("missing", ["email", "password", "full_name"])
async def test_registering_without_a_required_field_returns_422(client, missing):
    body = registration()
    del body[missing]

    response = await client.post(REGISTER_URL, json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == [f"/{missing}"]


async def test_registering_with_an_invalid_email_returns_422(client):
    response = await client.post(REGISTER_URL, json=registration(email="not-an-email"))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/email"]


async def test_registration_over_the_per_ip_limit_returns_429_with_retry_after(client, session, monkeypatch):
    monkeypatch.setattr(get_settings().rate_limit, "register_per_ip_per_hour", 2)
    for n in range(2):
        ok = await client.post(REGISTER_URL, json=registration(email=f"person{n}@example.org"))
        assert ok.status_code == 201

    response = await client.post(REGISTER_URL, json=registration(email="one.too.many@example.org"))

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= 3600
    assert await count_users(session, "one.too.many@example.org") == 0
