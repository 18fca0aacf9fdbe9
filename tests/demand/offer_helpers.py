"""HTTP and read-back helpers shared by the offers, engagements and reviews tests.

They drive the real API (request → invitations → offers → acceptance) on the conftest catalogue;
each fails the test at once if a step it relies on is refused.
"""

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEntry, Engagement, Offer, OutboxEvent
from tests.demand.conftest import DEFAULT_SCHEDULE, REQUESTS_URL, Catalogue, invite, post_request

# Each eligible provider's best-matching tata-babysitter service in NIL 22 (see the conftest table).
SERVICE_OF = {
    "aurora": "aurora_full",
    "betulla": "betulla_partial",
    "cedro": "cedro_pricey",
    "dalia": "dalia_thursday",
    "elce": "elce_tuesday",
}


def offers_url(request_id: str | uuid.UUID) -> str:
    return f"{REQUESTS_URL}/{request_id}/offers"


def offer_body(provider_id: str | uuid.UUID, **overrides: Any) -> dict[str, Any]:
    """A valid POST /v1/requests/{id}/offers body (an organisation's hourly quote); an override of
    None removes the key."""
    body: dict[str, Any] = {
        "provider_id": str(provider_id),
        "price_cents": 1200,
        "price_model": "hourly",
        "schedule": [dict(s) for s in DEFAULT_SCHEDULE],
        "message": "Disponibili da gennaio; la tata parla inglese.",
        "proposed_worker_name": "Chiara",
        "contract_type": "organisation_purchase",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


async def post_offer(
    client: httpx.AsyncClient, catalogue: Catalogue, name: str, request_id: str, **overrides: Any
) -> httpx.Response:
    """The named provider's staff answers the request."""
    return await client.post(
        offers_url(request_id),
        json=offer_body(catalogue.provider_id(name), **overrides),
        headers=catalogue.headers(name),
    )


async def make_offer(
    client: httpx.AsyncClient, catalogue: Catalogue, name: str, request_id: str, **overrides: Any
) -> dict[str, Any]:
    response = await post_offer(client, catalogue, name, request_id, **overrides)
    assert response.status_code == 201, response.text
    return response.json()


async def invited_request(
    client: httpx.AsyncClient, headers: dict[str, str], catalogue: Catalogue, *names: str, **overrides: Any
) -> dict[str, Any]:
    """A new open quote-mode request of the caller, with the named providers invited."""
    request = await post_request(client, headers, **overrides)
    response = await invite(client, headers, request["id"], *(catalogue.services[SERVICE_OF[n]] for n in names))
    assert response.status_code == 200, response.text
    return request


async def offer_action(
    client: httpx.AsyncClient, headers: dict[str, str], offer_id: str, action: str, *, if_match: str | None = None
) -> httpx.Response:
    """POST /v1/offers/{id}/{action} (withdraw, decline, accept), with an If-Match when given."""
    extra = {"If-Match": if_match} if if_match is not None else {}
    return await client.post(f"/v1/offers/{offer_id}/{action}", headers={**headers, **extra})


async def engaged(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    catalogue: Catalogue,
    name: str = "aurora",
    **request_overrides: Any,
) -> dict[str, Any]:
    """A new request of the caller, answered by `name` and accepted: the engagement, as returned."""
    request = await invited_request(client, headers, catalogue, name, **request_overrides)
    offer = await make_offer(client, catalogue, name, request["id"])
    response = await offer_action(client, headers, offer["id"], "accept")
    assert response.status_code == 200, response.text
    return response.json()


async def fresh(session: AsyncSession, model: type, row_id: str | uuid.UUID) -> Any:
    """The row as stored now (bypassing the test session's identity map), or None."""
    stmt = select(model).where(model.id == uuid.UUID(str(row_id))).execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def offers_on(session: AsyncSession, request_id: str | uuid.UUID) -> list[Offer]:
    stmt = (
        select(Offer)
        .where(Offer.request_id == uuid.UUID(str(request_id)))
        .order_by(Offer.created_at)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(stmt)).all())


async def engagements_on(session: AsyncSession, request_id: str | uuid.UUID) -> list[Engagement]:
    stmt = select(Engagement).where(Engagement.request_id == uuid.UUID(str(request_id)))
    return list((await session.scalars(stmt)).all())


async def event_types(session: AsyncSession, aggregate_id: str | uuid.UUID) -> list[str]:
    """Outbox event types about one aggregate, in the order they were written."""
    stmt = (
        select(OutboxEvent.type)
        .where(OutboxEvent.aggregate_id == uuid.UUID(str(aggregate_id)))
        .order_by(OutboxEvent.position)
    )
    return list((await session.scalars(stmt)).all())


async def audit_entries(session: AsyncSession, target_id: str | uuid.UUID) -> list[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.target_id == uuid.UUID(str(target_id)))
        .order_by(AuditEntry.occurred_at, AuditEntry.id)
    )
    return list((await session.scalars(stmt)).all())
