"""Programmes, applications and grants: bodies, an open programme, verified ISEEs, helpers."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import IseeDeclaration, IseeStatus, IseeVariant, Notification, ZoneKind
from app.seed.reference import category_id, zone_id
from tests.factories import auth_headers, make_hub, make_hub_operator

PROGRAMMES_URL = "/v1/programmes"
APPLICATIONS_URL = "/v1/programme-applications"
GRANTS_URL = "/v1/grants"
BABYSITTING = category_id("tata-babysitter")
AFTER_SCHOOL = category_id("doposcuola")
NIL_22 = zone_id(ZoneKind.nil, 22)  # where the test hub stands
NIL_40 = zone_id(ZoneKind.nil, 40)


def programme_body(**overrides: Any) -> dict[str, Any]:
    today = date.today()
    body: dict[str, Any] = {
        "funder": "Comune di Milano",
        "funder_kind": "comune",
        "name_it": "Buono tata",
        "name_en": "Babysitting voucher",
        "description_it": "Un contributo per la tata.",
        "budget_cents": 1_000_000,
        "category_ids": [str(BABYSITTING), str(AFTER_SCHOOL)],
        "valid_from": (today - timedelta(days=1)).isoformat(),
        "valid_until": (today + timedelta(days=90)).isoformat(),
        "grant_validity_days": 180,
        "amount_rule": {"kind": "fixed", "amount_cents": 100_000},
    }
    body.update(overrides)
    return body


def application_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"residence_nil_id": str(NIL_22), "member_birth_dates": ["2018-05-01", "1985-02-10"]}
    body.update(overrides)
    return body


async def create_programme(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.post(PROGRAMMES_URL, json=programme_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def open_programme(client: httpx.AsyncClient, headers: dict[str, str], programme: dict[str, Any]) -> dict:
    response = await client.post(
        f"{PROGRAMMES_URL}/{programme['id']}/open", headers={**headers, "If-Match": f'"{programme["version"]}"'}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def opened(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    return await open_programme(client, headers, await create_programme(client, headers, **overrides))


async def apply(
    client: httpx.AsyncClient, headers: dict[str, str], programme_id: str, **overrides: Any
) -> httpx.Response:
    return await client.post(
        f"{PROGRAMMES_URL}/{programme_id}/applications", json=application_body(**overrides), headers=headers
    )


async def verified_isee(session: AsyncSession, household_id: uuid.UUID, value_cents: int) -> IseeDeclaration:
    """A household's ISEE as verified by staff (the income domain's row)."""
    today = date.today()
    row = IseeDeclaration(
        household_id=household_id,
        nil_id=NIL_22,
        variant=IseeVariant.ordinario,
        value_cents=value_cents,
        dsu_protocol=f"INPS-ISEE-{today.year}-{uuid.uuid4().hex[:8]}",
        issue_date=today - timedelta(days=10),
        valid_until_date=date(today.year, 12, 31),
        status=IseeStatus.verified,
        verified_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return row


async def notification_kinds(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(select(Notification.kind).where(Notification.user_id == user_id))
    return sorted(rows)


@pytest.fixture
async def hub(session):
    return await make_hub(session, name="Spazio WeMi Lodi", nil_codes=(22,))


@pytest.fixture
async def operator(session, hub):
    return await make_hub_operator(session, hub, email="olga.programmes@example.org")


@pytest.fixture
def as_operator(operator) -> dict[str, str]:
    return auth_headers(operator)


@pytest.fixture
async def other_operator(session):
    other_hub = await make_hub(session, name="Spazio WeMi Baggio", nil_codes=(40,))
    return await make_hub_operator(session, other_hub, email="otto.programmes@example.org")


@pytest.fixture
async def programme(client, as_admin) -> dict[str, Any]:
    """An open programme: 10,000 EUR budget, fixed 1,000 EUR grants, babysitting and after-school."""
    return await opened(client, as_admin)
