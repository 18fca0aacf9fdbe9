import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Category


async def all_categories(session: AsyncSession) -> list[Category]:
    stmt = select(Category).order_by(Category.position, Category.slug)
    return list((await session.scalars(stmt)).all())


async def categories_by_id(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Category]:
    if not ids:
        return {}
    return {c.id: c for c in (await session.scalars(select(Category).where(Category.id.in_(ids)))).all()}
