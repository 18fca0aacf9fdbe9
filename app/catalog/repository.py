import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import locked
from app.models import Service


async def get_by_id(session: AsyncSession, service_id: uuid.UUID, *, for_update: bool = False) -> Service | None:
    stmt = select(Service).where(Service.id == service_id)
    return await session.scalar(locked(stmt) if for_update else stmt)


async def get_by_external_id(
    session: AsyncSession, provider_id: uuid.UUID, external_id: str, *, for_update: bool = False
) -> Service | None:
    stmt = select(Service).where(Service.provider_id == provider_id, Service.external_id == external_id)
    return await session.scalar(locked(stmt) if for_update else stmt)
