import uuid

from pydantic import BaseModel, ConfigDict, Field

from app.shared_schemas import stored


class CategoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: stored(80)
    parent_id: uuid.UUID | None
    name_it: stored(120)
    name_en: stored(120)
    description_it: stored(500) | None
    description_en: stored(500) | None
    codes: dict[str, str] = Field(description="Cross-reference codes in other taxonomies")
    is_leaf: bool = Field(description="Only leaves are used on services and requests")


# The taxonomy is reference data (migrations and the seed write it, no route does): a few dozen
# categories under a handful of areas, well inside this bound.
MAX_CATEGORIES = 500


class CategoryNode(CategoryRead):
    children: list["CategoryNode"] = Field(default_factory=list, max_length=MAX_CATEGORIES)


class CategoryTree(BaseModel):
    items: list[CategoryNode] = Field(max_length=MAX_CATEGORIES, description="The areas, each with its categories")


class CategoryDetail(CategoryRead):
    parent: CategoryRead | None
    children: list[CategoryRead] = Field(max_length=MAX_CATEGORIES)


class ServiceCategory(BaseModel):
    id: uuid.UUID
    slug: stored(80)
    name_it: stored(120)
    name_en: stored(120)
