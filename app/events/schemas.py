import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class EventRead(BaseModel):
    """One domain event, as in the feed and in webhook bodies (dedupe on `id`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b7e9a8e-3c1f-4f5e-9d7a-2f6a1c0d9e11",
                    "type": "service.published",
                    "occurred_at": "2026-11-25T10:15:00Z",
                    "aggregate_type": "service",
                    "aggregate_id": "5f0c7a51-8d0e-4d0b-a3a4-6c1b1e2d3f40",
                    "data": {"service_id": "5f0c7a51-8d0e-4d0b-a3a4-6c1b1e2d3f40", "provider_id": "…"},
                }
            ]
        }
    )

    id: uuid.UUID
    type: str
    occurred_at: datetime
    aggregate_type: str
    aggregate_id: uuid.UUID
    data: dict[str, Any]


MAX_EVENTS_PER_PAGE = 100  # the largest `limit`


class EventPage(BaseModel):
    items: list[EventRead] = Field(max_length=MAX_EVENTS_PER_PAGE)
    next_cursor: str | None = Field(
        description="Pass as `after` to continue; present even when the page is empty (poll again with it)"
    )
    has_more: bool = Field(description="True when more events are available right now")


class EventTypeRead(BaseModel):
    type: str
    aggregate_type: str
    audience: Literal["public", "owner"] = Field(
        description="public: every partner sees it; owner: only the partner managing that provider"
    )
    description: str


class EventTypeList(BaseModel):
    # The catalogue (app/events/catalogue.py) lists 23 types; the bound leaves it room to grow.
    items: list[EventTypeRead] = Field(max_length=100)
