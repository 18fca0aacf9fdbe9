import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import locked
from app.models import PriceModel, Service


async def get_by_id(session: AsyncSession, service_id: uuid.UUID, *, for_update: bool = False) -> Service | None:
    stmt = select(Service).where(Service.id == service_id)
    return await session.scalar(locked(stmt) if for_update else stmt)


async def get_by_external_id(
    session: AsyncSession, provider_id: uuid.UUID, external_id: str, *, for_update: bool = False
) -> Service | None:
    stmt = select(Service).where(Service.provider_id == provider_id, Service.external_id == external_id)
    return await session.scalar(locked(stmt) if for_update else stmt)


async def isee_bands_of(
    session: AsyncSession, service_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[list[dict[str, Any]], PriceModel]]:
    """Listings' ISEE bands with the price unit they are in, for those that have bands (one statement)."""
    if not service_ids:
        return {}
    rows = await session.execute(
        select(Service.id, Service.isee_bands, Service.price_model).where(
            Service.id.in_(list(service_ids)), Service.isee_bands != literal([], JSONB)
        )
    )
    return {row.id: (row.isee_bands, row.price_model) for row in rows}
