"""The service taxonomy: areas and their categories (a small tree, returned whole)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.categories import repository as repo
from app.categories.schemas import CategoryDetail, CategoryNode, CategoryRead, CategoryTree
from app.errors import NotFound
from app.models import Category


class CategoryNotFound(NotFound):
    code = "category_not_found"


def _read(category: Category, parent_ids: set[uuid.UUID]) -> dict:
    data = CategoryRead.model_validate(
        {
            **{c: getattr(category, c) for c in CategoryRead.model_fields if c != "is_leaf"},
            "is_leaf": category.id not in parent_ids,
        }
    )
    return data.model_dump()


async def category_tree(session: AsyncSession) -> CategoryTree:
    categories = await repo.all_categories(session)
    parent_ids = {c.parent_id for c in categories if c.parent_id}
    nodes = {c.id: CategoryNode(**_read(c, parent_ids)) for c in categories}
    roots = []
    for category in categories:
        node = nodes[category.id]
        if category.parent_id in nodes:
            nodes[category.parent_id].children.append(node)
        else:
            roots.append(node)
    return CategoryTree(items=roots)


async def get_category(session: AsyncSession, ref: str) -> CategoryDetail:
    """One category by id or slug, with its parent and children."""
    categories = await repo.all_categories(session)
    parent_ids = {c.parent_id for c in categories if c.parent_id}
    found = next((c for c in categories if str(c.id) == ref.lower() or c.slug == ref), None)
    if found is None:
        raise CategoryNotFound("No category with this id or slug.")
    parent = next((c for c in categories if c.id == found.parent_id), None)
    return CategoryDetail(
        **_read(found, parent_ids),
        parent=CategoryRead(**_read(parent, parent_ids)) if parent else None,
        children=[CategoryRead(**_read(c, parent_ids)) for c in categories if c.parent_id == found.id],
    )
