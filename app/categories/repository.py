from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Category


async def all_categories(session: AsyncSession) -> list[Category]:
    stmt = select(Category).order_by(Category.position, Category.slug)
    return list((await session.scalars(stmt)).all())
