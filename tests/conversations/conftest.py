"""Threads between households and providers, on the demand tests' catalogue (tests/demand/conftest.py).

The usual cast: citizen A's quote-mode request with aurora invited (`thread_a`, opened by A), and the
peers who must never see it: citizen B, betulla's staff (another provider, invited elsewhere), an
operator of a hub serving another NIL, an admin, a worker.
"""

from typing import Any

import httpx
import pytest

from tests.demand import conftest as demand
from tests.demand.offer_helpers import invited_request
from tests.factories import auth_headers, make_hub, make_hub_operator

THREADS_URL = "/v1/threads"
# The demand tests' fixtures, used here as they are.
catalogue, hub_operator = demand.catalogue, demand.hub_operator


def thread_url(thread_id: str, tail: str = "") -> str:
    return f"{THREADS_URL}/{thread_id}" + (f"/{tail}" if tail else "")


async def open_thread(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post(THREADS_URL, json={k: str(v) for k, v in body.items()}, headers=headers)


async def opened(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await open_thread(client, headers, **body)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def post(
    client: httpx.AsyncClient, headers: dict[str, str], thread_id: str, text: str, **extra
) -> httpx.Response:
    return await client.post(thread_url(thread_id, "messages"), json={"text": text}, headers={**headers, **extra})


async def posted(client: httpx.AsyncClient, headers: dict[str, str], thread_id: str, text: str) -> dict[str, Any]:
    response = await post(client, headers, thread_id, text)
    assert response.status_code == 201, response.text
    return response.json()


async def messages_of(client: httpx.AsyncClient, headers: dict[str, str], thread_id: str) -> list[dict[str, Any]]:
    response = await client.get(thread_url(thread_id, "messages"), headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.fixture
async def request_a(client, as_citizen_a, catalogue) -> dict[str, Any]:
    """Citizen A's open quote-mode request, aurora and betulla invited."""
    return await invited_request(client, as_citizen_a, catalogue, "aurora", "betulla")


@pytest.fixture
async def thread_a(client, as_citizen_a, catalogue, request_a) -> dict[str, Any]:
    """The thread between citizen A and aurora about request A (opened by A)."""
    return await opened(client, as_citizen_a, request_id=request_a["id"], provider_id=catalogue.provider_id("aurora"))


@pytest.fixture
async def other_hub_operator(session):
    """An operator of a hub serving NIL 76 only (Quarto Oggiaro): not where the requests are."""
    return await make_hub_operator(session, await make_hub(session, nil_codes=(76,)), email="operator.far@example.org")


@pytest.fixture
async def peers(session, citizen_b, admin, catalogue, other_hub_operator, worker_user) -> dict[str, dict[str, str]]:
    """Everyone who takes no part in thread_a, by role, as auth headers."""
    return {
        "citizen B": auth_headers(citizen_b),
        "betulla's staff": catalogue.headers("betulla"),
        "another hub's operator": auth_headers(other_hub_operator),
        "an admin": auth_headers(admin),
        "a worker": auth_headers(worker_user),
    }


@pytest.fixture
async def worker_user(session):
    from app.models import Role
    from tests.factories import make_user

    return await make_user(session, email="walter.worker@example.org", role=Role.worker)
