import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class NotificationRead(BaseModel):
    id: uuid.UUID
    kind: str = Field(examples=["pool.invitation", "pool.activated", "pool.back_to_forming"])
    subject_type: str = Field(examples=["pool"])
    subject_id: uuid.UUID
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
