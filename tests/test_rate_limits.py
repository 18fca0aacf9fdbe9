"""Login brute-force limits on POST /v1/auth/token: per account and per client IP."""

import re

import httpx
import pytest

from app.config import get_settings
from tests.factories import DEFAULT_PASSWORD, TOKEN_URL, make_partner_client
from tests.problem_codes import checked_client

ACCOUNT_LIMIT = 5
IP_LIMIT = 8


@pytest.fixture
def login_limits(monkeypatch):
    """Small, explicit limits (the per-IP one above the per-account one unless a test lowers it)."""
    settings = get_settings().rate_limit
    monkeypatch.setattr(settings, "enabled", True)
    monkeypatch.setattr(settings, "login_per_account_per_15_minutes", ACCOUNT_LIMIT)
    monkeypatch.setattr(settings, "login_per_ip_per_minute", 1000)
    return settings


async def login(client: httpx.AsyncClient, email: str, password: str = "wrong-password-123") -> httpx.Response:
    return await client.post(TOKEN_URL, data={"grant_type": "password", "username": email, "password": password})


async def exhaust_account(client: httpx.AsyncClient, email: str) -> None:
    for _ in range(ACCOUNT_LIMIT):
        response = await login(client, email)
        assert response.status_code == 400  # refused for the password, not yet limited


def assert_rate_limited(response: httpx.Response, window_seconds: int) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "rate_limited"
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit()
    assert 1 <= int(retry_after) <= window_seconds


async def test_login_over_the_per_account_limit_returns_429_with_retry_after(client, citizen_a, login_limits):
    await exhaust_account(client, "citizen.a@example.org")

    response = await login(client, "citizen.a@example.org")

    assert_rate_limited(response, window_seconds=900)


async def test_limited_account_is_refused_even_with_the_right_password(client, citizen_a, login_limits):
    await exhaust_account(client, "citizen.a@example.org")

    response = await login(client, "citizen.a@example.org", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert "access_token" not in response.json()


async def test_per_account_limit_counts_every_spelling_of_the_email(client, citizen_a, login_limits):
    spellings = ["citizen.a@example.org", "CITIZEN.A@example.org", "Citizen.A@Example.Org", " citizen.a@example.org "]
    for n in range(ACCOUNT_LIMIT):
        await login(client, spellings[n % len(spellings)])

    response = await login(client, "Citizen.a@example.org")

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


async def test_per_account_limit_leaves_other_accounts_working(client, citizen_a, citizen_b, login_limits):
    await exhaust_account(client, "citizen.a@example.org")

    response = await login(client, "citizen.b@example.org", DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert response.json()["access_token"]


async def test_per_account_limit_applies_to_unknown_emails_too(client, login_limits):
    await exhaust_account(client, "nobody@example.org")

    response = await login(client, "nobody@example.org")

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


async def test_per_account_limit_applies_to_partner_client_ids(client, session, login_limits):
    partner = await make_partner_client(session)
    form = {"grant_type": "client_credentials", "client_id": partner.client_id, "client_secret": "pcs_wrong"}
    for _ in range(ACCOUNT_LIMIT):
        await client.post(TOKEN_URL, data=form)

    response = await client.post(TOKEN_URL, data={**form, "client_secret": "pcs_test-secret"})

    assert_rate_limited(response, window_seconds=900)


async def test_login_over_the_per_ip_limit_returns_429_with_retry_after(client, citizen_a, login_limits, monkeypatch):
    monkeypatch.setattr(login_limits, "login_per_ip_per_minute", IP_LIMIT)
    for n in range(IP_LIMIT):
        refused = await login(client, f"someone{n}@example.org")
        assert refused.status_code == 400
        assert refused.json()["code"] == "invalid_grant"

    response = await login(client, "citizen.a@example.org", DEFAULT_PASSWORD)

    assert_rate_limited(response, window_seconds=60)


async def test_per_ip_limit_leaves_other_ips_working(app, client, citizen_a, login_limits, monkeypatch):
    monkeypatch.setattr(login_limits, "login_per_ip_per_minute", IP_LIMIT)
    for n in range(IP_LIMIT + 1):
        await login(client, f"someone{n}@example.org")

    async with checked_client(app, client=("198.51.100.23", 50000)) as other_ip:
        response = await login(other_ip, "citizen.a@example.org", DEFAULT_PASSWORD)

    assert response.status_code == 200


async def test_no_login_is_limited_when_rate_limits_are_disabled(client, citizen_a, login_limits, monkeypatch):
    monkeypatch.setattr(login_limits, "enabled", False)
    for _ in range(ACCOUNT_LIMIT + 2):
        await login(client, "citizen.a@example.org")

    response = await login(client, "citizen.a@example.org", DEFAULT_PASSWORD)

    assert response.status_code == 200


# The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers-10): the policies, and what is left


async def test_login_sends_both_login_policies_and_what_is_left_of_each(client, citizen_a, login_limits):
    response = await login(client, citizen_a.email, DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert response.headers["ratelimit-policy"] == f'"login-ip";q=1000;w=60, "login-account";q={ACCOUNT_LIMIT};w=900'
    remaining = rf'"login-ip";r=999;t=\d+, "login-account";r={ACCOUNT_LIMIT - 1};t=\d+'
    assert re.fullmatch(remaining, response.headers["ratelimit"])


async def test_refused_login_says_nothing_is_left_of_the_exceeded_policy(client, citizen_a, login_limits):
    await exhaust_account(client, citizen_a.email)

    response = await login(client, citizen_a.email)

    assert_rate_limited(response, 900)
    assert response.headers["ratelimit-policy"] == f'"login-account";q={ACCOUNT_LIMIT};w=900'
    assert re.fullmatch(r'"login-account";r=0;t=\d+', response.headers["ratelimit"])


async def test_registration_sends_its_hourly_policy(client, login_limits, monkeypatch):
    monkeypatch.setattr(login_limits, "register_per_ip_per_hour", 3)
    body = {"email": "nuova.utente@example.org", "password": "Navigli-Tram-Blu-2026!", "full_name": "Nuova Utente"}

    response = await client.post("/v1/auth/register", json=body)

    assert response.status_code == 202
    assert response.headers["ratelimit-policy"] == '"register-ip";q=3;w=3600'
    assert re.fullmatch(r'"register-ip";r=2;t=\d+', response.headers["ratelimit"])


async def test_no_ratelimit_fields_when_rate_limits_are_disabled(client, citizen_a, login_limits, monkeypatch):
    monkeypatch.setattr(login_limits, "enabled", False)

    response = await login(client, citizen_a.email, DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert "ratelimit" not in response.headers
    assert "ratelimit-policy" not in response.headers


def test_contract_declares_the_ratelimit_fields_on_every_rate_limited_operation(app):
    spec = app.openapi()
    limited = [
        (f"{method} {path}", operation["responses"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if "rate_limited" in operation["responses"].get("429", {}).get("x-problem-codes", [])
    ]

    undeclared = [
        f"{name} {status}"
        for name, responses in limited
        for status, response in responses.items()
        if (status[0] == "2" or status == "429")
        and not {"RateLimit", "RateLimit-Policy"} <= set(response.get("headers", {}))
    ]

    assert len(limited) >= 3
    assert undeclared == []
