"""Callers and helpers for the ISEE tests: households of NIL 22 (Città Studi), the operator of a hub
serving it, an operator of a hub elsewhere (NIL 1), and a municipal admin (tests/conftest.py)."""

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.models import AuditEntry, IseeDeclaration, IseeStatus, Notification
from app.models import ZoneKind as K
from app.seed.reference import zone_id
from tests.demand.conftest import catalogue  # noqa: F401  (demand's fixture catalogue, for prices on offers)
from tests.factories import auth_headers, make_hub, make_hub_operator

NIL_22 = zone_id(K.nil, 22)
NIL_1 = zone_id(K.nil, 1)
MY_ISEE = "/v1/me/isee"
DECLARATIONS = "/v1/isee-declarations"
THIS_YEAR = 2026  # the suite's clock is pinned by the `today` fixture


async def make_isee_declaration(session, household, **overrides: Any) -> IseeDeclaration:
    """A declaration row as the household's declare would write it (pending unless told)."""
    row = IseeDeclaration(
        household_id=household.id,
        nil_id=overrides.pop("nil_id", NIL_22),
        variant=overrides.pop("variant", "ordinario"),
        value_cents=overrides.pop("value_cents", 1_450_000),
        dsu_protocol=overrides.pop("dsu_protocol", "INPS-ISEE-2026-12345A789-00"),
        issue_date=overrides.pop("issue_date", date(2026, 2, 10)),
        valid_until_date=overrides.pop("valid_until_date", date(2026, 12, 31)),
        status=overrides.pop("status", IseeStatus.pending),
        **overrides,
    )
    session.add(row)
    await session.flush()
    return row


def declaration(**overrides: Any) -> dict[str, Any]:
    return {
        "variant": "ordinario",
        "value_cents": 1_450_000,
        "dsu_protocol": "INPS-ISEE-2026-12345A789-00",
        "issue_date": "2026-02-10",
        "nil_id": str(NIL_22),
        **overrides,
    }


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Rome's date as the ISEE rules see it, pinned so that validity to 31 December is testable."""
    day = date(THIS_YEAR, 12, 3)
    monkeypatch.setattr("app.income.rules.today", lambda: day)
    return day


@pytest.fixture
async def operator(session):
    hub = await make_hub(session, nil_codes=(22, 21))
    return await make_hub_operator(session, hub, email="operator.isee@example.org", full_name="Olga Operator")


@pytest.fixture
def as_operator(operator) -> dict[str, str]:
    return auth_headers(operator)


@pytest.fixture
async def other_operator(session):
    hub = await make_hub(session, nil_codes=(1,))
    return await make_hub_operator(session, hub, email="operator.elsewhere@example.org", full_name="Elio Elsewhere")


@pytest.fixture
def as_other_operator(other_operator) -> dict[str, str]:
    return auth_headers(other_operator)


async def declare(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.post(MY_ISEE, json=declaration(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def verify(client: httpx.AsyncClient, declaration_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post(
        f"{DECLARATIONS}/{declaration_id}/verification",
        json={"evidence_ref": "Attestazione INPS vista allo Spazio WeMi"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def staff_reads(session, declaration_id: str) -> list[uuid.UUID | None]:
    rows = await session.scalars(
        select(AuditEntry.actor_id).where(
            AuditEntry.action == "isee.read_by_staff", AuditEntry.target_id == uuid.UUID(declaration_id)
        )
    )
    return list(rows)


async def notifications_of(session, user_id: uuid.UUID) -> list[tuple[str, dict]]:
    rows = await session.execute(select(Notification.kind, Notification.data).where(Notification.user_id == user_id))
    return [(kind, data) for kind, data in rows]
