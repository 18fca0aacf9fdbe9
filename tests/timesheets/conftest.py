"""Timesheet fixtures: the demand catalogue (tests/demand/conftest.py), and an hourly engagement of
citizen_a with aurora at 12.00 EUR/h that began five weeks ago, so past weeks can be submitted.

`Week` helpers name ISO weeks relative to today in Milan: `week(-1)` is last week."""

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.demand.requests import milan_today
from app.models import Engagement
from tests.demand.conftest import Catalogue
from tests.demand.conftest import catalogue as catalogue  # the fixtures shared with demand's tests
from tests.demand.conftest import hub_operator as hub_operator
from tests.demand.offer_helpers import invited_request, make_offer, offer_action

TIMESHEETS_URL = "/v1/timesheets"
COPAYMENTS_URL = "/v1/copayments"
PRICE_CENTS = 1200
LAST_WEEK_HOURS = [3, 0, 3, 0, 2.5, 0, 0]  # 8.5 h: 102.00 EUR at 12.00 EUR/h


def monday(weeks_from_now: int) -> date:
    today = milan_today()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_from_now)


def week(weeks_from_now: int) -> str:
    year, number, _ = monday(weeks_from_now).isocalendar()
    return f"{year}-W{number:02d}"


async def start_engagement(
    client: httpx.AsyncClient,
    session: AsyncSession,
    headers: dict[str, str],
    shop: Catalogue,
    name: str = "aurora",
    *,
    weeks_ago: int = 5,
    **offer: Any,
) -> dict[str, Any]:
    """An accepted hourly engagement of the caller with `name`, moved to have started `weeks_ago`
    weeks ago (requests may only start in the future, and timesheets record past days)."""
    request = await invited_request(client, headers, shop, name)
    made = await make_offer(client, shop, name, request["id"], **offer)
    accepted = await offer_action(client, headers, made["id"], "accept")
    assert accepted.status_code == 200, accepted.text
    engagement = await session.get(Engagement, uuid.UUID(accepted.json()["id"]))
    assert engagement is not None
    engagement.start_date = monday(-weeks_ago)
    await session.flush()
    return accepted.json()


async def submit(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    engagement_id: str,
    *,
    week_name: str | None = None,
    hours: list[float] | None = None,
) -> httpx.Response:
    body = {"week": week_name or week(-1), "hours": LAST_WEEK_HOURS if hours is None else hours}
    return await client.post(f"/v1/engagements/{engagement_id}/timesheets", json=body, headers=headers)


async def submitted(client: httpx.AsyncClient, headers: dict[str, str], engagement_id: str, **kw: Any) -> dict:
    response = await submit(client, headers, engagement_id, **kw)
    assert response.status_code == 201, response.text
    return response.json()


async def act(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    timesheet_id: str,
    action: str,
    body: dict[str, Any] | None = None,
    *,
    if_match: str | None = None,
) -> httpx.Response:
    extra = {"If-Match": if_match} if if_match else {}
    return await client.post(f"{TIMESHEETS_URL}/{timesheet_id}/{action}", json=body, headers=headers | extra)


@pytest.fixture
async def engagement(client, session, as_citizen_a, catalogue) -> dict[str, Any]:  # noqa: F811 - the fixture
    return await start_engagement(client, session, as_citizen_a, catalogue)
