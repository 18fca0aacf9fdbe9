"""HTTP methods across routes (RFC 9110): 405 lists every method of the path, HEAD works wherever
GET does, OPTIONS answers with `Allow`, and a CORS preflight is still answered by CORS."""

import re

import httpx
import pytest

from app.config import get_settings
from app.main import create_app
from tests.problem_codes import checked_client


def allow(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


async def test_method_not_allowed_lists_every_method_of_the_path(client):
    response = await client.put("/v1/me")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert allow(response) == {"GET", "HEAD", "PATCH", "OPTIONS"}


async def test_method_not_allowed_on_a_post_only_path_lists_post_and_options(client):
    response = await client.get("/v1/auth/register")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert allow(response) == {"POST", "OPTIONS"}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/v1/services", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("/v1/me", {"GET", "HEAD", "PATCH", "OPTIONS"}),
        ("/hsds/services", {"GET", "HEAD", "OPTIONS"}),
    ],
)
async def test_options_answers_204_with_every_method_of_the_path(client, path, methods):
    response = await client.options(path)

    assert response.status_code == 204
    assert allow(response) == methods
    assert response.content == b""


async def test_options_on_an_unknown_path_is_404(client):
    response = await client.options("/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_head_answers_like_get_without_a_body(client):
    get = await client.get("/v1/zones")

    head = await client.head("/v1/zones")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]


async def test_head_keeps_the_gets_denial(client):
    response = await client.head("/v1/me")

    assert response.status_code == 401
    assert response.content == b""
    assert "www-authenticate" in response.headers


async def test_head_on_a_path_without_get_is_405(client):
    response = await client.head("/v1/auth/register")

    assert response.status_code == 405
    assert response.content == b""  # HEAD: no body, so no problem code to check
    assert allow(response) == {"POST", "OPTIONS"}


async def test_head_honours_if_none_match(client, as_citizen_a):
    etag = (await client.get("/v1/me", headers=as_citizen_a)).headers["etag"]

    response = await client.head("/v1/me", headers={**as_citizen_a, "If-None-Match": etag})

    assert response.status_code == 304


async def test_every_get_operation_answers_head_with_the_gets_status(app, client):
    paths = [path for path, item in app.openapi()["paths"].items() if "get" in item]
    urls = [re.sub(r"{[^}]+}", "8d6f0c3e-2a52-4a8e-a8a8-64b1b5a2e0a1", path) for path in paths]

    mismatched = [
        (url, get.status_code, head.status_code)
        for url in urls
        for get, head in [(await client.get(url), await client.head(url))]
        if head.status_code != get.status_code or head.content
    ]

    assert len(urls) > 50
    assert mismatched == []


async def test_cors_preflight_from_an_allowed_origin_is_still_answered_by_cors():
    settings = get_settings().model_copy(deep=True)
    settings.api.cors_origins = ["https://app.example"]
    async with checked_client(create_app(settings)) as client:
        response = await client.options(
            "/v1/me",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PATCH"},
        )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert "PATCH" in response.headers["access-control-allow-methods"]
    assert "allow" not in response.headers


async def test_a_literal_path_lists_its_own_methods_not_those_of_a_parameter_path_it_also_fits(client):
    response = await client.options("/v1/partner/services/bulk")

    assert response.status_code == 204
    assert allow(response) == {"POST", "OPTIONS"}
