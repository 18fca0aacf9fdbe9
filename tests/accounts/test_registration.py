"""POST /v1/auth/register: self-registration of citizens and workers."""

import pytest
from sqlalchemy import func, select

from app.config import get_settings
from app.models import AuditEntry, User
from tests.factories import make_user, sign_in

REGISTER_URL = "/v1/auth/register"
ACCEPTED = {"status", "detail"}


def registration(**overrides) -> dict:
    return {
        "email": "giulia.rossi@example.org",
        "password": "una-password-lunga",
        "full_name": "Giulia Rossi",
        **overrides,
    }


async def count_users(session, email: str) -> int:
    return await session.scalar(select(func.count()).select_from(User).where(func.lower(User.email) == email.lower()))


async def registered(session, email: str = "giulia.rossi@example.org") -> User:
    user = await session.scalar(select(User).where(User.email == email).execution_options(populate_existing=True))
    assert user is not None
    return user


async def test_registering_a_citizen_answers_202_and_makes_an_unverified_account(client, session):
    response = await client.post(REGISTER_URL, json=registration(phone="+39 02 1234567"))

    assert response.status_code == 202
    assert set(response.json()) == ACCEPTED
    assert response.json()["status"] == "accepted"
    assert "location" not in response.headers  # the answer must not tell a new account from an existing one
    user = await registered(session)
    assert (user.full_name, user.phone, user.role.value, user.preferred_language.value) == (
        "Giulia Rossi",
        "+39 02 1234567",
        "citizen",
        "it",
    )
    assert user.is_active and user.version == 1
    assert user.email_verified_at is None


async def test_registering_a_worker_makes_a_worker_account(client, session):
    response = await client.post(REGISTER_URL, json=registration(role="worker", preferred_language="en"))

    assert response.status_code == 202
    user = await registered(session)
    assert (user.role.value, user.preferred_language.value) == ("worker", "en")


async def test_registration_response_never_contains_the_password(client):
    response = await client.post(REGISTER_URL, json=registration())

    assert response.status_code == 202
    assert "una-password-lunga" not in response.text


async def test_registration_stores_a_hash_not_the_password(client, session):
    response = await client.post(REGISTER_URL, json=registration())

    assert response.status_code == 202
    stored = await session.scalar(select(User.password_hash).where(User.email == "giulia.rossi@example.org"))
    assert stored.startswith("$argon2id$")
    assert "una-password-lunga" not in stored


async def test_registration_lowercases_the_email(client, session):
    response = await client.post(REGISTER_URL, json=registration(email="Giulia.ROSSI@Example.ORG"))

    assert response.status_code == 202
    assert (await registered(session)).email == "giulia.rossi@example.org"


async def test_registered_account_can_sign_in_with_its_password_before_verifying(client):
    await client.post(REGISTER_URL, json=registration(email="Giulia.Rossi@example.org"))

    tokens = await sign_in(client, "giulia.rossi@example.org", "una-password-lunga")

    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "giulia.rossi@example.org"
    assert me.json()["email_verified"] is False


async def test_registration_writes_an_audit_entry(client, session):
    response = await client.post(REGISTER_URL, json=registration(role="worker"))

    assert response.status_code == 202
    user = await registered(session)
    # By target: race tests commit (tests/signin/test_races.py), and audit_entry is append-only, so
    # other people's user.registered entries may already be in the worker's database.
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.registered", AuditEntry.target_id == user.id)
    )
    assert entry is not None
    assert entry.actor_id == user.id
    assert entry.detail == {"role": "worker"}


@pytest.mark.parametrize("email", ["giulia.rossi@example.org", "GIULIA.ROSSI@EXAMPLE.ORG", "Giulia.Rossi@example.org"])
async def test_registering_a_taken_email_in_any_case_answers_as_a_new_one_and_changes_nothing(client, session, email):
    owner = await make_user(session, email="giulia.rossi@example.org", full_name="Giulia Prima")
    new = await client.post(REGISTER_URL, json=registration(email="someone.new@example.org"))

    response = await client.post(REGISTER_URL, json=registration(email=email))

    assert (response.status_code, response.json()) == (new.status_code, new.json())
    assert response.headers["content-type"] == new.headers["content-type"]
    assert await count_users(session, "giulia.rossi@example.org") == 1
    await session.refresh(owner)
    assert owner.full_name == "Giulia Prima"  # the attempt changed nothing of the account


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

    assert response.status_code == 202
    assert await count_users(session, "giulia.rossi@example.org") == 1


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
        assert ok.status_code == 202

    response = await client.post(REGISTER_URL, json=registration(email="one.too.many@example.org"))

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= 3600
    assert await count_users(session, "one.too.many@example.org") == 0
