"""The taxonomy's responses. `is_leaf` needs the whole tree, which is small and always loaded whole."""

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.categories import taxonomy
from app.categories.schemas import CategoryDetail, CategoryNode, CategoryRead, CategoryTree, ServiceCategory
from app.models import Category
from app.shared_schemas import from_row


def _parent_ids(categories: Sequence[Category]) -> set[uuid.UUID]:
    return {c.parent_id for c in categories if c.parent_id}


def category_tree(categories: Sequence[Category]) -> CategoryTree:
    """The areas, each with its categories, in the order given."""
    parent_ids = _parent_ids(categories)
    nodes = {c.id: from_row(CategoryNode, c, is_leaf=c.id not in parent_ids, children=[]) for c in categories}
    roots = []
    for category in categories:
        node = nodes[category.id]
        if category.parent_id in nodes:
            nodes[category.parent_id].children.append(node)
        else:
            roots.append(node)
    return CategoryTree(items=roots)


def category_detail(category: Category, categories: Sequence[Category]) -> CategoryDetail:
    """One category of the tree `categories`, with its parent and children."""
    parent_ids = _parent_ids(categories)

    def read(c: Category) -> CategoryRead:
        return from_row(CategoryRead, c, is_leaf=c.id not in parent_ids)

    parent = next((c for c in categories if c.id == category.parent_id), None)
    return from_row(
        CategoryDetail,
        category,
        is_leaf=category.id not in parent_ids,
        parent=read(parent) if parent else None,
        children=[read(c) for c in categories if c.parent_id == category.id],
    )


async def service_categories(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ServiceCategory]:
    """The category as a service listing shows it, per id, from the taxonomy the process keeps (no
    statement once it is read)."""
    categories = await taxonomy.facts_of(session, set(ids))
    return {category_id: from_row(ServiceCategory, c) for category_id, c in categories.items()}
