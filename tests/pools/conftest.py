"""A neighbourhood for the pool tests: a hub serving NIL 22 (Città Studi) with its operator, a
condominium there (via Pascoli 12) and an accredited cooperative with a staff member."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.models import Condominium, CondominiumMember, Hub, MembershipStatus, Provider, User
from app.models import ZoneKind as K
from app.seed.reference import category_id, zone_id
from tests.demand.conftest import slot
from tests.factories import (
    auth_headers,
    make_hub,
    make_hub_operator,
    make_provider,
    make_provider_staff_user,
    make_user,
)

POOLS_URL = "/v1/pools"
NIL_22 = zone_id(K.nil, 22)
TATA = category_id("tata-babysitter")
TUE_THU = [slot("tue", "16:00", "19:00"), slot("thu", "16:00", "19:00")]  # 360 minutes a week


@dataclass
class Neighbourhood:
    hub: Hub
    operator: User
    building: Condominium
    provider: Provider
    staff: User


@pytest.fixture
async def hood(session) -> Neighbourhood:
    hub = await make_hub(session, nil_codes=(22,), name="Spazio Città Studi")
    operator = await make_hub_operator(session, hub)
    building = Condominium(
        name="Condominio Pascoli 12",
        address_street="via Giovanni Pascoli 12",
        address_postcode="20133",
        lat=45.4781,
        lon=9.2265,
        nil_id=NIL_22,
        hub_id=hub.id,
        join_code="PASCOL12",
    )
    session.add(building)
    staff = await make_provider_staff_user(session)
    provider = await make_provider(session, staff=staff)
    await session.flush()
    return Neighbourhood(hub=hub, operator=operator, building=building, provider=provider, staff=staff)


async def resident(session, building: Condominium, **overrides) -> User:
    """A citizen who is an approved resident of `building`."""
    citizen = await make_user(session, **overrides)
    session.add(CondominiumMember(condominium_id=building.id, citizen_id=citizen.id, status=MembershipStatus.approved))
    await session.flush()
    return citizen


def pool_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Tata condivisa",
        "category_id": str(TATA),
        "scope": "nil",
        "nil_id": str(NIL_22),
        "schedule": TUE_THU,
        "min_members": 2,
        "max_members": 3,
        "split_rule": "equal",
        "notice_days": 0,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


async def create_pool(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.post(POOLS_URL, json=pool_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def join(client: httpx.AsyncClient, pool_id: str, user: User, **body: Any) -> httpx.Response:
    return await client.post(f"{POOLS_URL}/{pool_id}/join", json=body, headers=auth_headers(user))


async def offer(client: httpx.AsyncClient, pool_id: str, hood: Neighbourhood, **overrides: Any) -> dict[str, Any]:
    body = {"provider_id": str(hood.provider.id), "weekly_price_cents": 10000, "individual_hourly_cents": 1200}
    body.update(overrides)
    response = await client.post(f"{POOLS_URL}/{pool_id}/offers", json=body, headers=auth_headers(hood.staff))
    assert response.status_code == 201, response.text
    return response.json()
