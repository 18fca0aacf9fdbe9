"""Every failure is an RFC 9457 problem: framework errors, validation, limits and crashes."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker

from app.config import get_settings
from app.main import create_app
from tests.problem_codes import checked_client

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance", "code", "request_id"}
SECRET = "Sup3r-S3cret-Passw0rd-4711!"
VALID_REGISTRATION = {
    "email": "giulia.rossi@example.org",
    "password": "una-password-lunga",
    "full_name": "Giulia Rossi",
}


@pytest.fixture
async def crashing_app(connection: AsyncConnection) -> AsyncIterator[FastAPI]:
    """The real app plus one test-only route that fails with an unexpected exception."""
    app = create_app(get_settings())
    app.state.sessionmaker = async_sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )

    @app.get("/test-only/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail /work/main/app/x.py")

    yield app
    await app.state.rate_limits.close()


async def test_unknown_route_returns_404_problem(client):
    response = await client.get("/v1/no-such-thing")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body.keys() >= PROBLEM_FIELDS
    assert body["status"] == 404
    assert body["code"] == "not_found"
    assert body["type"] == "urn:welfare-di-tutti:problem:not_found"
    assert body["instance"] == "/v1/no-such-thing"
    assert body["request_id"] == response.headers["x-request-id"]


async def test_wrong_method_returns_405_problem_with_allow_header(client):
    response = await client.delete("/v1/zones")

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response.headers["allow"]


async def test_trace_returns_405_problem(client):
    response = await client.request("TRACE", "/v1/zones")

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "method_not_allowed"


async def test_malformed_json_returns_422_problem_with_field_errors(client):
    response = await client.post(
        "/v1/auth/register", content=b'{"email": "a@example.org",', headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"]
    assert all(error.keys() == {"pointer", "location", "detail"} for error in body["errors"])
    assert body["errors"][0]["location"] == "body"


async def test_body_that_is_not_utf8_returns_400_malformed_request(client):
    response = await client.post(
        "/v1/auth/register", content=b'{"email": "\xff\xfe\xfa"}', headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "malformed_request"


async def test_body_over_the_size_limit_returns_413_problem(client):
    limit = get_settings().api.max_body_bytes
    oversized = b'{"full_name": "' + b"x" * limit + b'"}'

    response = await client.post("/v1/auth/register", content=oversized, headers={"Content-Type": "application/json"})

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "body_too_large"
    assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_chunked_body_over_the_size_limit_returns_413_problem(client):
    limit = get_settings().api.max_body_bytes

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"full_name": "'
        for _ in range(limit // 65_536 + 1):
            yield b"x" * 65_536
        yield b'"}'

    response = await client.post("/v1/auth/register", content=chunks(), headers={"Content-Type": "application/json"})

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "body_too_large"


async def test_body_just_under_the_size_limit_is_accepted_for_parsing(client):
    limit = get_settings().api.max_body_bytes
    padding = b" " * (limit - 200)
    body = b'{"email": "giulia.rossi@example.org", "password": "una-password-lunga",' + padding
    body += b'"full_name": "Giulia Rossi"}'

    response = await client.post("/v1/auth/register", content=body, headers={"Content-Type": "application/json"})

    assert len(body) <= limit
    assert response.status_code == 202


async def test_invalid_query_parameter_error_has_query_location_and_pointer(client):
    response = await client.get("/v1/zones", params={"limit": "many"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    [error] = response.json()["errors"]
    assert error["location"] == "query"
    assert error["pointer"] == "/limit"
    assert error["detail"]


async def test_validation_error_never_echoes_the_submitted_value(client):
    response = await client.post("/v1/auth/register", json={**VALID_REGISTRATION, "phone": SECRET})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["pointer"] == "/phone"
    assert SECRET not in response.text


async def test_unhandled_exception_returns_500_problem_without_internals(crashing_app):
    async with checked_client(crashing_app, raise_app_exceptions=False) as crashing_client:
        response = await crashing_client.get("/test-only/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["request_id"] == response.headers["x-request-id"]
    assert "secret internal detail" not in response.text
    assert "/work/main" not in response.text
    assert ".py" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text


async def test_unhandled_exception_response_keeps_security_headers(crashing_app):
    async with checked_client(crashing_app, raise_app_exceptions=False) as crashing_client:
        response = await crashing_client.get("/test-only/boom")

    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
