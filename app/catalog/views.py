"""The catalogue's responses, built for a whole page at once: one query per related table (the
providers, their badges, the categories), whatever the page size; and, for a signed-in citizen on
a page with income-based listings, one lookup of their household's ISEE."""

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import repository as repo
from app.catalog.schemas import ServiceRead
from app.categories import views as category_views
from app.income import prices as income_prices
from app.income import views as income_views
from app.models import PriceModel, Service, User
from app.prices import hourly_equivalent
from app.providers import views as provider_views
from app.shared_schemas import from_row


async def service_views(
    session: AsyncSession,
    services: Sequence[Service],
    *,
    distances: Sequence[float | None] = (),
    viewer: User | None = None,
) -> list[ServiceRead]:
    """Each service with its provider and category; `distances` (km from a search's `near` point,
    one per service, in order) are shown rounded to the metre; `viewer`'s price where the listing
    has ISEE bands."""
    if not services:
        return []
    providers = await provider_views.service_providers(session, {s.provider_id for s in services})
    categories = await category_views.service_categories(session, {s.category_id for s in services})
    distances = distances or [None] * len(services)
    banded = any(s.isee_bands and s.price_cents is not None for s in services)
    isee = await income_views.viewer_isee(session, viewer) if banded else None
    return [
        from_row(
            ServiceRead,
            service,
            provider=providers[service.provider_id],
            category=categories[service.category_id],
            distance_km=round(distance, 3) if distance is not None else None,
            **_price_comparison(service),
            your_price=income_prices.your_price(service.price_cents, service.isee_bands, isee),
        )
        for service, distance in zip(services, distances, strict=True)
    ]


def _price_comparison(service: Service) -> dict[str, object]:
    """The listing's hourly equivalent from app/prices.py (the generated column holds the same number)
    with how it was computed or why there is none."""
    found = hourly_equivalent(
        service.price_model,
        service.price_cents,
        weekly_hours=service.weekly_hours,
        session_minutes=service.session_minutes,
    )
    return {
        "hourly_equivalent_cents": found.cents,
        "price_comparable": found.comparable,
        "price_comparison": found.how,
    }


async def isee_bands_of(
    session: AsyncSession, service_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[list[dict[str, Any]], PriceModel]]:
    """For other domains' views (offers): the bands of those listings that have some, one statement."""
    return await repo.isee_bands_of(session, service_ids)
