"""A hub, its operator (the coordinator), a transport initiative, and ride helpers."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.models import Role
from tests.factories import auth_headers, make_hub, make_hub_operator, make_user


def at(days: int, hour: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def ride_body(starts: datetime | None = None, hours: int = 2, **overrides: Any) -> dict[str, Any]:
    start = starts or at(3, 9)
    body: dict[str, Any] = {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=hours)).isoformat(),
        "pickup_address": "via Meda 12, 20136 Milano",
        "pickup_point": {"lat": 45.4467, "lon": 9.1795},
        "dropoff_address": "Ospedale San Paolo, via di Rudinì 8",
        "assistance": ["wheelchair"],
        "needs_car": True,
        "notes": "Terzo piano senza ascensore.",
    }
    body.update(overrides)
    return body


@pytest.fixture
async def hub(session):
    return await make_hub(session, name="Spazio WeMi iniziative")


@pytest.fixture
async def coordinator(session, hub):
    return await make_hub_operator(session, hub, email="coordinatrice@example.org")


@pytest.fixture
def as_coordinator(coordinator) -> dict[str, str]:
    return auth_headers(coordinator)


@pytest.fixture
async def initiative(client, as_coordinator, hub) -> dict[str, Any]:
    response = await client.post(
        "/v1/initiatives",
        json={"hub_id": str(hub.id), "title": "Accompagnamento solidale", "description": "Pensionati al volante."},
        headers=as_coordinator,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def join(client: httpx.AsyncClient, headers: dict[str, str], initiative_id: str) -> dict[str, Any]:
    response = await client.post(f"/v1/initiatives/{initiative_id}/volunteers", headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def verify_licence(
    client: httpx.AsyncClient, volunteer_headers: dict, coordinator_headers: dict, volunteer_id: str
) -> dict[str, Any]:
    declared = await client.post(
        f"/v1/volunteers/{volunteer_id}/credentials",
        json={"kind": "driving_licence", "evidence_ref": "shown at the desk"},
        headers=volunteer_headers,
    )
    assert declared.status_code == 201, declared.text
    credential = declared.json()["credentials"][-1]
    decided = await client.post(
        f"/v1/volunteers/{volunteer_id}/credentials/{credential['id']}/decide",
        json={"outcome": "verified", "expires_at": at(400, 0).isoformat()},
        headers=coordinator_headers,
    )
    assert decided.status_code == 200, decided.text
    return decided.json()


@pytest.fixture
async def driver(session):
    return await make_user(session, email="driver@example.org", full_name="Dario Driver", phone="+39 333 1234567")


@pytest.fixture
def as_driver(driver) -> dict[str, str]:
    return auth_headers(driver)


@pytest.fixture
async def driver_volunteer(client, as_driver, as_coordinator, initiative) -> dict[str, Any]:
    """The driver, a volunteer of the initiative with a verified licence."""
    volunteer = await join(client, as_driver, initiative["id"])
    return await verify_licence(client, as_driver, as_coordinator, volunteer["id"])


async def request_ride(client: httpx.AsyncClient, headers: dict, initiative_id: str, **kwargs: Any) -> dict[str, Any]:
    response = await client.post(f"/v1/initiatives/{initiative_id}/rides", json=ride_body(**kwargs), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def worker(session):
    return await make_user(session, email="worker.volunteer@example.org", role=Role.worker)
