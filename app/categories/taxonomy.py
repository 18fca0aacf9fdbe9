"""The taxonomy as the process keeps it (app/reference_cache.py): every category's facts that a search
or a service listing needs, read in one statement and shared by all requests."""

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.categories import repository as repo
from app.reference_cache import ReferenceCache


@dataclass(frozen=True, slots=True)
class CategoryFacts:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    slug: str
    name_it: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Taxonomy:
    categories: dict[uuid.UUID, CategoryFacts]
    children: dict[uuid.UUID, tuple[uuid.UUID, ...]]


async def _read(session: AsyncSession) -> Taxonomy:
    rows = await repo.all_categories(session)
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    for c in rows:
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c.id)
    return Taxonomy(
        categories={c.id: CategoryFacts(c.id, c.parent_id, c.slug, c.name_it, c.name_en) for c in rows},
        children={parent: tuple(ids) for parent, ids in children.items()},
    )


TAXONOMY = ReferenceCache(_read)


async def facts_of(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, CategoryFacts]:
    """The facts of these categories (the known ones among them)."""
    taxonomy = await TAXONOMY.get(session)
    if not ids <= taxonomy.categories.keys():
        taxonomy = await TAXONOMY.after_miss(session)
    return {i: taxonomy.categories[i] for i in ids if i in taxonomy.categories}


async def with_descendants(session: AsyncSession, category_id: uuid.UUID) -> list[uuid.UUID] | None:
    """The category and the categories under it (the taxonomy has two levels: area -> category), or
    None when there is no such category."""
    taxonomy = await TAXONOMY.get(session)
    if category_id not in taxonomy.categories:
        taxonomy = await TAXONOMY.after_miss(session)
        if category_id not in taxonomy.categories:
            return None
    return [category_id, *taxonomy.children.get(category_id, ())]
