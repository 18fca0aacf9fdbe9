"""The service taxonomy: areas and their categories (a small tree, returned whole)."""

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from app.categories import repository as repo
from app.categories import taxonomy
from app.errors import NotFound
from app.models import Category


class CategoryNotFound(NotFound):
    code = "category_not_found"


async def all_categories(session: AsyncSession) -> list[Category]:
    return await repo.all_categories(session)


async def categories_by_id(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Category]:
    """Categories by id in one query, for another domain's page of rows (the HSDS feed)."""
    return await repo.categories_by_id(session, set(ids))


async def category_and_descendants(session: AsyncSession, category_id: uuid.UUID) -> list[uuid.UUID] | None:
    """A category with the categories under it, from the taxonomy the process keeps (no statement
    once it is read); None when there is no such category."""
    return await taxonomy.with_descendants(session, category_id)


async def category_and_leafness(
    session: AsyncSession, category_id: uuid.UUID
) -> tuple[taxonomy.CategoryFacts, bool] | None:
    """A category's facts and whether it is a leaf (nothing under it), from the taxonomy the process
    keeps; None when there is no such category."""
    family = await taxonomy.with_descendants(session, category_id)
    if family is None:
        return None
    return (await taxonomy.facts_of(session, {category_id}))[category_id], len(family) == 1


async def get_category(session: AsyncSession, ref: str) -> tuple[Category, list[Category]]:
    """One category by id or slug, and the whole tree it belongs to (its parent, children, leaves)."""
    categories = await repo.all_categories(session)
    found = next((c for c in categories if str(c.id) == ref.lower() or c.slug == ref), None)
    if found is None:
        raise CategoryNotFound("No category with this id or slug.")
    return found, categories
