import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.shared_schemas import stored


class NotificationRead(BaseModel):
    id: uuid.UUID
    kind: stored(60) = Field(examples=["pool.invitation", "pool.activated", "pool.back_to_forming"])
    title: str = Field(
        max_length=200,
        description="What happened, in the reader's language (Accept-Language, else their account's)",
        examples=["Your pool is active"],
    )
    subject_type: stored(40) = Field(examples=["pool"])
    subject_id: uuid.UUID
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
