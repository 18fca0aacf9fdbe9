import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Category(Base):
    """A node of the service taxonomy: an area (root) or a category under it.

    Ids are UUIDv5 of the slug, so they are stable across installations.
    """

    __tablename__ = "category"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("category.id"), index=True)
    name_it: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_it: Mapped[str | None] = mapped_column(String(500))
    description_en: Mapped[str | None] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(default=0)
    # Cross-reference codes in other taxonomies, e.g. {"open_eligibility": "..."}.
    codes: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
