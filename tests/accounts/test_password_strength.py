"""Weak passwords are refused with 422 weak_password, the reason and a suggestion in the caller's
language: at registration, at password change, and for admins created at the CLI."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from app.config import PROJECT_ROOT
from app.models import User
from tests.factories import DEFAULT_PASSWORD, sign_in

REGISTER_URL = "/v1/auth/register"
WEAK = ["passwordpassword", "aaaaaaaaaaaa", "     a      "]


def registration(password: str, **overrides) -> dict:
    return {"email": "giulia.rossi@example.org", "password": password, "full_name": "Giulia Rossi", **overrides}


async def users_named(session, email: str) -> int:
    return await session.scalar(select(func.count()).select_from(User).where(User.email == email))


@pytest.mark.parametrize("password", WEAK)
async def test_registering_with_a_weak_password_returns_422_weak_password_with_reason_and_suggestion(
    client, session, password
):
    response = await client.post(REGISTER_URL, json=registration(password), headers={"Accept-Language": "en"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "weak_password"
    assert body["detail"] and body["suggestions"]
    assert [e["pointer"] for e in body["errors"]] == ["/password"]
    assert password not in response.text  # the password is never echoed
    assert await users_named(session, "giulia.rossi@example.org") == 0


async def test_the_reason_and_suggestion_come_in_italian_when_the_caller_asks_for_it(client):
    italian = await client.post(
        REGISTER_URL, json=registration("aaaaaaaaaaaa"), headers={"Accept-Language": "it-IT,it;q=0.9,en;q=0.8"}
    )
    english = await client.post(
        REGISTER_URL, json=registration("aaaaaaaaaaaa"), headers={"Accept-Language": "en-GB, it;q=0.5"}
    )

    assert italian.json()["detail"] == 'Le ripetizioni come "aaa" sono facili da indovinare.'
    assert "Evita parole e caratteri ripetuti." in italian.json()["suggestions"]
    assert italian.headers["content-language"] == "it"
    assert english.json()["detail"] == 'Repeats like "aaa" are easy to guess.'
    assert "Avoid repeated words and characters." in english.json()["suggestions"]
    assert english.headers["content-language"] == "en"


async def test_without_accept_language_the_registrations_preferred_language_is_used(client):
    response = await client.post(REGISTER_URL, json=registration("passwordpassword", preferred_language="en"))

    assert response.json()["code"] == "weak_password"
    assert response.headers["content-language"] == "en"


async def test_a_password_made_of_the_persons_own_name_is_weak(client):
    response = await client.post(REGISTER_URL, json=registration("GiuliaRossi"), headers={"Accept-Language": "en"})

    assert response.status_code == 422
    assert response.json()["code"] == "weak_password"


@pytest.mark.parametrize("password", ["una-password-lunga", "correct-horse-battery", "demo-cittadina-2026"])
async def test_a_strong_password_registers(client, password):
    response = await client.post(REGISTER_URL, json=registration(password))

    assert response.status_code == 202, response.text


@pytest.mark.parametrize("password", WEAK)
async def test_changing_to_a_weak_password_returns_422_weak_password_and_keeps_the_old_one(
    client, citizen_a, as_citizen_a, password
):
    response = await client.post(
        "/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": password},
        headers={**as_citizen_a, "Accept-Language": "it"},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "weak_password"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/new_password"]
    assert response.json()["suggestions"] and response.headers["content-language"] == "it"
    await sign_in(client, citizen_a.email)  # the old password still works


def test_creating_an_admin_with_a_weak_password_at_the_cli_is_refused():
    env = {**os.environ, "TUTTI_ADMIN_PASSWORD": "passwordpassword", "DATABASE_URL": "postgresql://nowhere.invalid/x"}

    result = subprocess.run(  # noqa: S603 - our own interpreter and CLI
        [sys.executable, "-m", "app.cli", "create-admin", "--email", "a@example.org"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "weak password" in result.stderr
