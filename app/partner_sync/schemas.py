import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.catalog.schemas import ServiceFields, ServiceRead, Title
from app.models import Delivery, PriceModel
from app.shared_schemas import Count, Version

__all__ = ["BulkSyncResult", "ServiceRead", "ServiceSync", "ServiceSyncItem", "SyncItemError", "SyncItemResult"]


class ServiceSync(ServiceFields):
    """A partner's full listing (PUT replaces it); `status` may be draft, published or paused."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category_id": "2ab336cd-ef0d-5336-bf81-f5a90f394644",
                    "title": "Badante convivente",
                    "description": "Assistenza 24 ore, contratto CCNL livello CS.",
                    "price_model": "monthly",
                    "price_cents": 145000,
                    "availability": [{"day": "mon", "opens": "08:00", "closes": "20:00"}],
                    "status": "published",
                }
            ]
        },
    )

    category_id: uuid.UUID
    title: Title
    delivery: Delivery = Delivery.individual
    price_model: PriceModel
    status: Literal["draft", "published", "paused"] = "published"


MAX_BULK_ITEMS = 1000  # items in one bulk request


class ServiceSyncItem(ServiceSync):
    external_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:\-]{1,100}$", max_length=100)]


class SyncItemError(BaseModel):
    pointer: str
    detail: str
    code: str


class SyncItemResult(BaseModel):
    index: Count
    external_id: str | None
    result: Literal["created", "updated", "unchanged", "error"]
    service_id: uuid.UUID | None = None
    version: Version | None = None
    errors: list[SyncItemError] = Field(default_factory=list)


class BulkSyncResult(BaseModel):
    created: Count
    updated: Count
    unchanged: Count
    errors: Count
    items: list[SyncItemResult] = Field(max_length=MAX_BULK_ITEMS)
