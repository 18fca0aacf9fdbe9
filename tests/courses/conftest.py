"""A hub with its operator, a financial-education course body, and helpers for the course tests."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.seed.reference import category_id
from tests.factories import auth_headers, make_hub, make_hub_operator

FINANCIAL_EDUCATION = category_id("educazione-finanziaria")
COURSES_URL = "/v1/courses"


def future(days: int, hour: int = 18) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def course_body(hub_id: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hub_id": str(hub_id),
        "category_id": str(FINANCIAL_EDUCATION),
        "title": "Il bilancio familiare",
        "description": "Tre serate per tenere i conti di casa.",
        "language": "it",
        "capacity": 3,
        "sessions": [
            {"starts_at": future(d).isoformat(), "ends_at": (future(d) + timedelta(hours=2)).isoformat()}
            for d in (10, 17, 24)
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
async def hub(session):
    return await make_hub(session, name="Spazio WeMi di prova")


@pytest.fixture
async def operator(session, hub):
    return await make_hub_operator(session, hub, email="olga.courses@example.org")


@pytest.fixture
def as_operator(operator) -> dict[str, str]:
    return auth_headers(operator)


async def post_course(client: httpx.AsyncClient, headers: dict[str, str], hub_id: Any, **overrides: Any) -> dict:
    response = await client.post(COURSES_URL, json=course_body(hub_id, **overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def course(client, as_operator, hub) -> dict[str, Any]:
    """A published course with 3 seats at `hub`."""
    return await post_course(client, as_operator, hub.id)


async def enrol(client: httpx.AsyncClient, headers: dict[str, str], course_id: Any) -> httpx.Response:
    return await client.post(f"{COURSES_URL}/{course_id}/enrolments", headers=headers)
