from typing import Annotated

from fastapi import Path

from app.categories import service as category_service
from app.categories import views as category_views
from app.categories.schemas import CategoryDetail, CategoryTree
from app.db import ReadSessionDep
from app.errors import error_responses
from app.routing import ReferenceDataCache, api_router

router = api_router(prefix="/categories", tags=["categories"], dependencies=[ReferenceDataCache])


@router.get("", response_model=CategoryTree)
async def list_categories(session: ReadSessionDep) -> CategoryTree:
    """The whole taxonomy as a tree: areas, each with its categories (Italian and English labels)."""
    return category_views.category_tree(await category_service.all_categories(session))


@router.get(
    "/{category_ref}",
    response_model=CategoryDetail,
    responses=error_responses(category_service.CategoryNotFound),
)
async def get_category(
    category_ref: Annotated[str, Path(max_length=80, description="Category id (UUID) or slug", examples=["badante"])],
    session: ReadSessionDep,
) -> CategoryDetail:
    """One category, by id or slug, with its parent and children."""
    category, tree = await category_service.get_category(session, category_ref)
    return category_views.category_detail(category, tree)
